"""The plugin without its optional extras: each tool that needs one says which extra to install; the rest works."""

import sys

import numpy as np
import pytest


def test_gpu_backend_names_its_extra(monkeypatch):
    from napari_maliang import _backend

    monkeypatch.setattr(_backend, "has_gpu", lambda: False)
    with pytest.raises(RuntimeError, match=r"pip install napari-maliang\[gpu\]"):
        _backend.resolve_backend("gpu")
    assert _backend.resolve_backend("auto") == "cpu"  # and the CPU twin runs


def test_nd2_names_its_extra(monkeypatch, tmp_path):
    from napari_maliang.smlm.acquisition import open_acquisition

    monkeypatch.setitem(sys.modules, "nd2", None)  # import nd2 -> ImportError
    path = tmp_path / "movie.nd2"
    path.write_bytes(b"nd2")
    with pytest.raises(ValueError, match=r"pip install 'napari-maliang\[nd2\]'"):
        open_acquisition(path)


def test_nd2_files_are_not_claimed_without_the_package(monkeypatch, tmp_path):
    import importlib.util

    from napari_maliang.smlm.acquisition import is_acquisition

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "nd2" else real(name, *a))
    path = tmp_path / "movie.nd2"
    path.write_bytes(b"nd2")
    assert not is_acquisition(path)


def test_scheduler_names_its_extra(monkeypatch):
    from napari_maliang._cli.smlm import _client

    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(ValueError, match=r"pip install 'napari-maliang\[distributed\]'"):
        _client("tcp://127.0.0.1:8786")


def test_onnx_reference_names_its_extra(monkeypatch, tmp_path):
    from napari_maliang.lowlight.reference import OnnxReference

    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    model = tmp_path / "model.onnx"
    model.write_bytes(b"onnx")
    with pytest.raises(ImportError, match=r"pip install 'napari-maliang\[onnx\]'"):
        OnnxReference(model)
    from napari_maliang.lowlight import enhance

    dark = np.random.default_rng(0).random((32, 32)).astype(np.float32) * 0.1
    assert enhance(dark).shape == (32, 32)  # the default reference needs no extra


def test_jpeg2000_comparison_names_its_extra_and_jpeg_stays(monkeypatch):
    from napari_maliang.codec import rate_distortion
    from napari_maliang.codec.compare import jpeg2000_at_size

    monkeypatch.setitem(sys.modules, "imagecodecs", None)
    image = (np.add.outer(np.arange(48), np.arange(64)) * 2).astype(np.uint8)
    with pytest.raises(ImportError, match=r"pip install 'napari-maliang\[codecs\]'"):
        jpeg2000_at_size(image, 400)
    curves = rate_distortion(image, [1.0])
    assert set(curves) == {"inpainting", "JPEG"} and len(curves["JPEG"]) == len(curves["inpainting"]) == 1


def test_sample_codec_file_decodes_without_imagecodecs(monkeypatch):
    from napari_maliang._sample_data import sample_path
    from napari_maliang.codec import read_mlg

    monkeypatch.setitem(sys.modules, "imagecodecs", None)
    assert read_mlg(sample_path("cartoon.mlg")).shape == (512, 512)
