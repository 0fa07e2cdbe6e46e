import numpy as np
import pytest

from napari_maliang import _backend


def test_cpu_backend_is_numpy():
    assert _backend.get_xp("cpu") is np
    assert _backend.resolve_backend("cpu") == "cpu"
    assert _backend.device_name("cpu").startswith("CPU")


def test_auto_matches_gpu_availability():
    expected = "gpu" if _backend.has_gpu() else "cpu"
    assert _backend.resolve_backend("auto") == expected


def test_unknown_backend_is_rejected():
    with pytest.raises(ValueError, match="backend must be one of"):
        _backend.resolve_backend("tpu")


@pytest.mark.skipif(_backend.has_gpu(), reason="checks the message shown without a GPU")
def test_gpu_without_device_says_how_to_fix():
    with pytest.raises(RuntimeError, match=r"napari-maliang\[gpu\]"):
        _backend.get_xp("gpu")


def test_to_numpy_passes_numpy_through():
    a = np.arange(3)
    assert _backend.to_numpy(a) is a
    assert _backend.to_numpy([1, 2]).tolist() == [1, 2]


@pytest.mark.gpu
@pytest.mark.skipif(not _backend.has_gpu(), reason="needs a CUDA device")
def test_gpu_round_trip():
    xp = _backend.get_xp("gpu")
    assert _backend.to_numpy(xp.arange(4) * 2).tolist() == [0, 2, 4, 6]
