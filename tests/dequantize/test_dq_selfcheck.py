"""The self-check of bin-centre images (issue #12): dequantize the image's own coarser re-quantization first."""

import warnings

import numpy as np
import pytest

from napari_maliang.dequantize import Dequantizer, dequantize, requantization_mask
from napari_maliang.dequantize.selfcheck import coarser


def psnr(a, b):
    mse = np.mean((np.asarray(a, np.float64) - np.asarray(b, np.float64)) ** 2)
    return 10 * np.log10(255.0**2 / max(mse, 1e-12))


def bin_centre(img, step=32):
    return ((img // step) * step + step // 2).astype(np.uint8)


def smooth_picture(h=180, w=240):
    y, x = np.mgrid[0:h, 0:w] / 60.0
    return np.stack([128 + 100 * np.sin(x + 0.3 * y), 128 + 90 * np.cos(0.7 * y - 0.2 * x),
                     128 + 80 * np.sin(x * y / 6)], axis=-1).astype(np.uint8)


def test_coarser_is_the_bin_centre_of_twice_the_step():
    lattice = Dequantizer(bin_centre(smooth_picture())).lattice
    values = np.array([[[16, 48, 80]], [[112, 144, 240]]], np.uint8)
    assert np.array_equal(coarser(values, lattice), [[[32, 32, 96]], [[96, 160, 224]]])


def test_a_screenshot_the_check_rejects_is_returned_unchanged(keyboard):
    img = keyboard
    q = bin_centre(img)
    assert psnr(dequantize(q, self_check=False), img) < psnr(q, img) - 1.0  # smoothing it loses (keys bent: -3 dB)
    with pytest.warns(UserWarning, match="left unchanged"):
        out, info = dequantize(q, return_info=True)
    assert info["kept_as_is"] and info["self_check_gain"] < 0
    assert np.array_equal(out, q) and out.dtype == q.dtype


def test_a_smooth_picture_passes_the_check_and_is_dequantized():
    img = smooth_picture()
    q = bin_centre(img)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "left unchanged"
        out, info = dequantize(q, return_info=True)
    assert not info["kept_as_is"] and info["self_check_gain"] > 0.5
    assert requantization_mask(out, q).all()
    assert psnr(out, img) > psnr(q, img) + 1.0


def test_brush_strokes_always_solve(keyboard):
    q = bin_centre(keyboard)
    ann = np.zeros(q.shape[:2], np.uint8)
    ann[190:220, 10:40] = 4  # a red stroke over a key: smooth here
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = dequantize(q, annotations=ann)
    assert not np.array_equal(out, q)
    assert requantization_mask(out, q).all()


def test_the_check_only_runs_on_bin_centre_lattices(keyboard):
    img = keyboard
    floor = ((img // 32) * 32).astype(np.uint8)
    assert Dequantizer(floor).self_check_gain is None  # floor truncation: not measured, not checked
    assert Dequantizer(bin_centre(img), self_check=False).self_check_gain is None


@pytest.mark.parametrize("layout", ["grey", "rgba", "uint16"])
def test_the_check_takes_every_layout(layout):
    img = smooth_picture()
    if layout == "grey":
        q = bin_centre(img[..., 0])
    elif layout == "rgba":
        q = np.dstack([bin_centre(img), np.full(img.shape[:2], 255, np.uint8)])
    else:
        q = (img.astype(np.uint16) * 257 // 4096 * 4096 + 2048).astype(np.uint16)  # 4 bits of 16
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # RGBA: alpha is ignored, with a warning
        out, info = dequantize(q, return_info=True)
    assert info["quantizer"] == "center" and info["self_check_gain"] > 0.5 and not info["kept_as_is"]
    assert out.shape == q.shape and out.dtype == q.dtype and not np.array_equal(out, q)
