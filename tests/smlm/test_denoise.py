import numpy as np
import pytest

from napari_maliang._backend import has_gpu
from napari_maliang.smlm.denoise import denoise, denoise_reference, filter_sizes


def test_filter_sizes():
    assert filter_sizes(1.3) == (3, 5)  # FWHM 3.06 px -> 3, annulus 2 px larger (paper 2.2.1)
    assert filter_sizes(2.0) == (5, 7)
    assert filter_sizes(1.3, size=5, ring=2) == (5, 9)
    with pytest.raises(ValueError):
        filter_sizes(-1)
    with pytest.raises(ValueError):
        filter_sizes(1.3, size=4)


@pytest.mark.parametrize("shape", [(64, 80), (3, 33, 17), (7, 5)])
def test_matches_scipy_reference(shape):
    rng = np.random.default_rng(0)
    x = rng.poisson(20, shape).astype(np.uint16)
    np.testing.assert_allclose(denoise(x, backend="cpu"), denoise_reference(x), atol=2e-4)


def test_flat_background_removed_and_spot_positive():
    frame = np.full((32, 32), 50.0, np.float32)
    assert np.abs(denoise(frame, backend="cpu")).max() < 1e-4  # zero-sum filter: offset cancels
    frame[16, 16] += 900
    out = denoise(frame, backend="cpu")
    assert out[16, 16] == pytest.approx(out.max())
    assert out[16, 16] == pytest.approx(900 / 9, rel=1e-5)  # inside the 3x3 mean, outside the ring
    assert out[16, 18] == pytest.approx(-900 / 16, rel=1e-5)  # in the ring of its neighbour: negative


def test_linear_in_gain():
    rng = np.random.default_rng(1)
    x = rng.poisson(10, (20, 20)).astype(np.float32)
    np.testing.assert_allclose(denoise(3 * x + 100, backend="cpu"), 3 * denoise(x, backend="cpu"), atol=1e-3)


def test_bad_input():
    with pytest.raises(ValueError, match="frame"):
        denoise(np.zeros(5))
    with pytest.raises(TypeError):
        denoise(np.zeros((5, 5), bool))


@pytest.mark.gpu
@pytest.mark.skipif(not has_gpu(), reason="needs a CUDA device")
def test_gpu_twin_matches_cpu():
    import cupy as cp

    rng = np.random.default_rng(0)
    x = rng.poisson(20, (4, 64, 64)).astype(np.float32)
    gpu = cp.asnumpy(denoise(cp.asarray(x), backend="gpu"))
    np.testing.assert_allclose(gpu, denoise(x, backend="cpu"), atol=1e-3)
