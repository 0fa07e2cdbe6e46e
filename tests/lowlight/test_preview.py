"""The live exposure preview (issue #16): the built-in reference at any exponent on a downsampled copy."""

import numpy as np
import pytest

from napari_maliang._shared.resample import resize_area
from napari_maliang.lowlight import psnr
from napari_maliang.lowlight.preview import ExposurePreview, exposure_text
from napari_maliang.lowlight.reference import make_reference
from napari_maliang.lowlight.samples import darken, photo


@pytest.fixture(scope="module")
def dark_cat():
    return darken(photo("chelsea", size=240), gamma=2.5, peak=300, seed=0)


@pytest.mark.parametrize("gamma", [1.0, 1.7, 2.5, 4.0, 6.3, 16.0])
def test_at_full_resolution_it_is_the_reference(dark_cat, gamma):
    # no downsampling: log mean(R_g) is linear in 1/g for a single pixel, so the interpolation is exact
    preview = ExposurePreview(dark_cat, side=512)
    assert preview.factor == (1.0, 1.0) and preview.shape == dark_cat.shape
    np.testing.assert_allclose(preview(gamma), make_reference(dark_cat, gamma=gamma), atol=2e-5)


@pytest.mark.parametrize("gamma", [1.3, 2.0, 2.5, 3.4, 5.0])
def test_downsampled_preview_is_the_downsampled_reference(dark_cat, gamma):
    # 240 -> 80 px (3x): the chord in 1/g between anchors lies above log mean(x ** a) by at most
    # (da)^2 / 8 times the variance of log x in a cell; measured 78-82 dB here, max error 0.0013 (exact
    # at the anchor 2), where the power of the downsampled image, mean(x) ** (1/g), gives 40-56 dB
    preview = ExposurePreview(dark_cat, side=80)
    assert preview.shape == (53, 80, 3)
    assert preview.factor == pytest.approx((160 / 53, 3.0))
    reference = resize_area(make_reference(dark_cat, gamma=gamma), preview.shape[:2])
    shown = preview(gamma)
    assert psnr(shown, reference) > 65.0
    assert np.abs(shown - reference).max() < 0.005
    # the naive preview (power of the downsampled filtered image) is far worse: the test can fail
    naive = resize_area(make_reference(dark_cat, gamma=1.0), preview.shape[:2]) ** (1.0 / gamma)
    assert psnr(naive, reference) < psnr(shown, reference) - 10


def test_blind_decision_and_noise_are_those_of_the_full_run(dark_cat):
    from napari_maliang.lowlight import enhance_steps
    from napari_maliang.lowlight.noise import estimate_noise

    preview = ExposurePreview(dark_cat, side=64)
    gen = enhance_steps(dark_cat, k=4, details=True)
    while True:
        try:
            next(gen)
        except StopIteration as stop:
            info = stop.value.info
            break
    assert info["gamma_source"] == "estimated"
    assert preview.gamma == pytest.approx(info["gamma"], abs=1e-9)
    assert (preview.gamma_low, preview.gamma_high) == (info["gamma_low"], info["gamma_high"])
    assert preview.text.startswith(info["exposure_text"] + " (noise: ~")
    assert preview.noise == estimate_noise(dark_cat)
    assert preview.photons == info["photons_at_white"]
    assert 0.75 * 300 < preview.photons < 1.2 * 300  # darkened at 300 photons for white (measured 287)
    assert preview.gamma_low <= preview.gamma <= preview.gamma_high


def test_higher_exponent_brighter_and_one_is_the_filtered_input(dark_cat):
    from napari_maliang.lowlight.noise import photon_denoise

    preview = ExposurePreview(dark_cat, side=100)
    means = [preview(g).mean() for g in (1.0, 1.5, 2.0, 3.0, 4.5, 8.0)]
    assert np.all(np.diff(means) > 0.01)
    filtered = resize_area(photon_denoise(dark_cat), preview.shape[:2])
    np.testing.assert_allclose(preview(1.0), filtered, atol=1e-5)
    unfiltered = ExposurePreview(dark_cat, side=100, noise_filter=0)
    np.testing.assert_allclose(unfiltered(1.0), resize_area(dark_cat, unfiltered.shape[:2]), atol=1e-5)


def test_grayscale_uint8_and_out_buffer(dark_cat):
    gray = (dark_cat.mean(-1) * 255).round().astype(np.uint8)
    preview = ExposurePreview(gray, side=120)
    assert preview.shape == (80, 120)
    buffer = np.empty(preview.shape, np.float32)
    shown = preview(2.2, out=buffer)
    assert shown is buffer and 0 <= shown.min() and shown.max() <= 1
    reference = resize_area(make_reference(gray, gamma=2.2), preview.shape)
    assert psnr(shown, reference) > 65.0  # measured 86 dB


def test_exposure_text():
    assert exposure_text(2.44, 1.87, 3.06) == "exposure 2.4, likely 1.9-3.1"
    assert exposure_text(2.44, 1.87, 3.06, 1234.5) == "exposure 2.4, likely 1.9-3.1 (noise: ~1200 photons at white)"
    assert exposure_text(2.44, 1.87, 3.06, 87.4).endswith("(noise: ~87 photons at white)")
    assert exposure_text(1.0, 1.0, 1.0, float("inf")).endswith("(noise: no photon noise measured)")
    clean = ExposurePreview(photo("chelsea", size=100), side=32)  # no photon noise: bright, left as it is
    assert clean.gamma == 1.0 and clean.exposure == "not dark"


@pytest.mark.parametrize(
    "kwargs, call, match",
    [
        ({"side": 4}, None, "side"),
        ({"side": 64.0}, None, "side"),
        ({"noise_filter": -1.0}, None, "noise_filter"),
        ({"noise_filter": float("nan")}, None, "noise_filter"),
        ({}, 0.5, "gamma"),
        ({}, 17.0, "gamma"),
        ({}, float("nan"), "gamma"),
        ({}, None, "gamma"),
    ],
)
def test_bad_input_is_a_value_error(dark_cat, kwargs, call, match):
    if call is None and kwargs:
        with pytest.raises(ValueError, match=match):
            ExposurePreview(dark_cat, **kwargs)
        return
    preview = ExposurePreview(dark_cat, side=32)
    with pytest.raises(ValueError, match=match):
        preview(call)


def test_bad_image_and_out(dark_cat):
    bad = dark_cat.copy()
    bad[3, 3, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        ExposurePreview(bad)
    with pytest.raises(ValueError, match="expected a grayscale"):
        ExposurePreview(np.zeros((4, 8, 8, 3), np.float32))
    preview = ExposurePreview(dark_cat, side=32)
    with pytest.raises(ValueError, match="out must be float32"):
        preview(2.0, out=np.empty((3, 3), np.float32))
