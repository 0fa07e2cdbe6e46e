"""The self-check of bin-centre and round-to-level images (issue #12): dequantize the image's own coarser
re-quantization first."""

import warnings

import numpy as np
import pytest

from napari_maliang._progress import run_to_end
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


def test_an_empty_annotations_layer_is_no_annotation(keyboard):
    """The widget passes its unpainted Labels layer: the check still keeps the screenshot, before any solve of
    eq. (1), and a picture it passes comes out as without annotations."""
    q = bin_centre(keyboard)
    empty = np.zeros(q.shape[:2], np.uint8)
    dq = Dequantizer(q)
    messages = []
    with pytest.warns(UserWarning, match="left unchanged"):
        out = run_to_end(dq.steps(empty), lambda p: messages.append(p.message))
    assert np.array_equal(out, q) and dq.kept_as_is
    assert messages and not any("solving" in m for m in messages)
    smooth = bin_centre(smooth_picture())
    assert np.array_equal(run_to_end(Dequantizer(smooth).steps(np.zeros(smooth.shape[:2], np.uint8))), dequantize(smooth))


def test_a_kept_image_is_returned_before_the_rest_of_the_preparation(keyboard):
    """The check runs beside the automatic hard edges only: an image it keeps gets no Poisson distance and no data
    targets (so no end-guess share either)."""
    dq = Dequantizer(bin_centre(keyboard))
    with pytest.warns(UserWarning, match="left unchanged"):
        run_to_end(dq.steps())
    assert dq.kept_as_is and dq._d is None and dq.info["end_guess_share"] == 0.0


def test_a_failing_self_check_raises_once(keyboard, monkeypatch):
    """The check's error reaches the caller, and the work queued behind it on the second thread does not run the
    check again (it once did, through :attr:`kept_as_is`, before the error was raised)."""
    from napari_maliang.dequantize import core

    calls = []

    def failing(*args, **kwargs):
        calls.append(1)
        raise RuntimeError("check failed")

    monkeypatch.setattr(core, "self_check_gain", failing)
    dq = Dequantizer(bin_centre(keyboard))
    with pytest.raises(RuntimeError, match="check failed"):
        run_to_end(dq.steps())
    assert len(calls) == 1 and dq._d is None


def test_a_result_solved_without_the_check_is_reused_after_it():
    dq = Dequantizer(bin_centre(smooth_picture()))
    first = run_to_end(dq.steps(check=False))
    messages = []
    again = run_to_end(dq.steps(), lambda p: messages.append(p.message))
    assert np.array_equal(first, again) and dq.self_check_gain is not None
    assert not any("solving" in m for m in messages)


def test_brush_strokes_always_solve(keyboard):
    q = bin_centre(keyboard)
    ann = np.zeros(q.shape[:2], np.uint8)
    ann[190:220, 10:40] = 4  # a red stroke over a key: smooth here
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = dequantize(q, annotations=ann)
    assert not np.array_equal(out, q)
    assert requantization_mask(out, q).all()


def test_the_check_only_runs_on_bin_centre_and_level_lattices(keyboard):
    img = keyboard
    floor = ((img // 32) * 32).astype(np.uint8)
    assert Dequantizer(floor).self_check_gain is None  # floor truncation: not measured, not checked
    assert Dequantizer(bin_centre(img), self_check=False).self_check_gain is None
    assert Dequantizer(six_levels(img)).self_check_gain is not None
    palette = (img // 64 * 64 + np.array([3, 17, 29])).astype(np.uint8)  # 64 colours on no lattice: nearest colour
    assert Dequantizer(palette).lattice is None and Dequantizer(palette).self_check_gain is None


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


def six_levels(img):
    """Posterization to 6 levels, as image editors do: ``round(v * 5 / 255) * 51``."""
    return (np.rint(np.asarray(img) * (5 / 255)) * 51).astype(np.uint8)


@pytest.mark.parametrize("make", [bin_centre, lambda img: bin_centre(img, 8), six_levels,
                                  lambda img: (np.rint(img * (3 / 255)) * 85).astype(np.uint8)],
                         ids=["3-bit centre", "5-bit centre", "6 levels", "4 levels"])
def test_the_coarser_lattice_takes_two_levels_to_each_of_its_own(make):
    from napari_maliang.dequantize.selfcheck import coarser_lattice

    lattice = Dequantizer(make(smooth_picture())).lattice
    for fine, coarse in zip(lattice.channels, coarser_lattice(lattice).channels, strict=True):
        assert coarse.kind == fine.kind and coarse.n_codes == (fine.n_codes + 1) // 2
        assert np.array_equal(np.bincount(coarse.code(fine.levels())), np.full(coarse.n_codes, 2))


def test_coarser_of_six_levels_is_three_levels():
    lattice = Dequantizer(six_levels(smooth_picture())).lattice
    assert lattice.describe() == "rounding to levels, 6 levels"
    values = np.array([[[0, 51, 102]], [[153, 204, 255]]], np.uint8)
    assert np.array_equal(coarser(values, lattice), [[[0, 0, 128]], [[128, 255, 255]]])


def test_a_six_level_screenshot_the_check_rejects_is_returned_unchanged(keyboard_drawn):
    img = keyboard_drawn(key=90, ground=5, field=215)
    q = six_levels(img)
    assert psnr(dequantize(q, self_check=False), img) < psnr(q, img) - 0.3  # its keys lose 0.6 dB when smoothed
    with pytest.warns(UserWarning, match="left unchanged"):
        out, info = dequantize(q, return_info=True)
    assert info["quantizer"] == "round" and info["kept_as_is"] and info["self_check_gain"] < 0
    assert np.array_equal(out, q)


def test_a_smooth_picture_under_six_levels_passes_the_check():
    img = smooth_picture()
    q = six_levels(img)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out, info = dequantize(q, return_info=True)
    assert not info["kept_as_is"] and info["self_check_gain"] > 1.0
    assert np.array_equal(six_levels(out), q)
    assert psnr(out, img) > psnr(q, img) + 1.0


def test_the_check_solves_on_the_coarser_lattice_a_crop_cannot_tell():
    """A picture whose red, under the 3-bit bin centre, is 16, 48, 144 and 176 has only 32 and 160 under the coarser
    step 64, which by themselves fit no bin-centre lattice (their gap, 128, would be the step, with centres at
    64 + 128 k): the check gives its solver the coarser lattice instead of guessing it."""
    from napari_maliang.dequantize.selfcheck import coarser_lattice

    img = smooth_picture().copy()
    img[..., 0] = np.array([16, 48, 144, 176], np.uint8)[(np.arange(img.shape[1]) // 20) % 4][None, :]  # red stripes
    q = bin_centre(img)
    lattice = Dequantizer(q).lattice
    assert [quant.param for quant in lattice.channels] == [32, 32, 32]
    rough = coarser(q, lattice)
    assert np.array_equal(np.unique(rough[..., 0]), [32, 160])
    with pytest.warns(UserWarning, match="not a center lattice"):
        Dequantizer(rough, quantizer="center")  # what the rough image alone says
    given = Dequantizer(rough, lattice=coarser_lattice(lattice))
    assert [quant.param for quant in given.lattice.channels] == [64, 64, 64]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert Dequantizer(q).self_check_gain is not None
    with pytest.raises(ValueError, match="not all levels of the lattice given"):
        Dequantizer(q, lattice=coarser_lattice(lattice))


def test_a_dark_picture_whose_coarser_crop_is_one_colour_is_dequantized():
    """A faint glow on black under 6 levels is 0 and 51 only; one level up both become 0, so the check would score a
    single colour and gain nothing whatever the picture: it says nothing (None) and the image is dequantized."""
    y, x = np.mgrid[0:160, 0:200]
    glow = 45 * np.exp(-((x - 100) ** 2 + (y - 80) ** 2) / (2 * 40.0**2))
    img = np.clip(np.stack([glow, 0.8 * glow, 1.1 * glow], axis=-1), 0, 255).astype(np.uint8)
    q = six_levels(img)
    assert np.array_equal(np.unique(q), [0, 51])
    assert len(np.unique(coarser(q, Dequantizer(q).lattice).reshape(-1, 3), axis=0)) == 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "left unchanged"
        out, info = dequantize(q, return_info=True)
    assert info["self_check_gain"] is None and not info["kept_as_is"]
    assert np.array_equal(six_levels(out), q)
    assert psnr(out, img) > psnr(q, img) + 1.0
