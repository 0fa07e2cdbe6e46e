import warnings

import numpy as np
import pytest

from napari_maliang._progress import Progress, run_to_end
from napari_maliang.lowlight import enhance, enhance_steps, psnr
from napari_maliang.lowlight.noise import photon_denoise
from napari_maliang.lowlight.reference import classical_reference
from napari_maliang.lowlight.samples import darken


def test_enhances_a_darkened_photo(dark_pair):
    dark, orig = dark_pair
    out = enhance(dark)
    assert out.dtype == np.float32 and out.shape == dark.shape
    assert 0.0 <= out.min() and out.max() <= 1.0
    assert psnr(out, orig) > psnr(dark, orig) + 8
    # the blind exposure decision lands near the true 2.5 on chelsea (on the cautious side of it, towards
    # gamma 2.2), so the result beats a fixed gamma 1/2.2 clearly; with the exposure known it does too
    assert psnr(out, orig) > psnr(dark ** (1 / 2.2), orig) + 2.5
    known = enhance(dark, reference=lambda im: classical_reference(im, gamma=2.5))
    assert psnr(known, orig) > psnr(dark ** (1 / 2.2), orig) + 1
    # the photon-noise pre-filter helps the reference, at the exposure known (so that only the filter differs)
    # and blind at the photon counts of issue #16 (200 photons for white); the re-corruption GP learns a
    # denoiser of its own without it (at 1000 photons as good as the filter), so the filter is measured without
    # the GP, and at 200 photons with it
    bare = {"gamma": 2.5, "gp": False}
    assert psnr(enhance(dark, **bare), orig) > psnr(enhance(dark, **bare, noise_filter=0), orig) + 0.2
    darker = darken(orig, gamma=2.5, peak=200, seed=3)
    assert psnr(enhance(darker), orig) > psnr(enhance(darker, noise_filter=0), orig) + 1


def test_gp_output_tracks_its_reference(dark_pair):
    dark, orig = dark_pair
    res = run_to_end(enhance_steps(dark, gp_target="reference", details=True))
    ref = classical_reference(dark, gamma=res.info["gamma"])  # the reference at the Bayes exposure decision
    np.testing.assert_array_equal(res.reference, ref)
    assert psnr(res.image, ref) > 25  # the GP learns the reference mapping
    assert res.centres.shape == (30, 18)
    assert res.training_patches().shape == (30, 3, 7)
    assert res.info["k"] == 30


def test_seeded_and_deterministic(dark_pair):
    dark, _ = dark_pair
    np.testing.assert_array_equal(enhance(dark, seed=3), enhance(dark, seed=3))


def test_progress_is_reported(dark_pair):
    dark, _ = dark_pair
    seen = []
    run_to_end(enhance_steps(dark, k=10), seen.append)
    assert all(isinstance(p, Progress) for p in seen)
    fr = [p.fraction for p in seen]
    assert fr == sorted(fr) and fr[-1] == 1.0


def test_already_bright_image_is_nearly_unchanged(small_photo):
    out = enhance(small_photo)
    assert np.abs(out - small_photo).mean() < 0.01
    assert psnr(out, small_photo) > 33


def test_grayscale_in_grayscale_out(dark_pair):
    dark, orig = dark_pair
    g_dark, g_orig = dark.mean(-1), orig.mean(-1)
    for model in ("rgb", "luminance"):
        out = enhance(g_dark, model=model, k=20)
        assert out.shape == g_dark.shape
        assert psnr(out, g_orig) > psnr(g_dark, g_orig) + 6


def test_uint8_and_uint16_inputs_match_float(dark_pair):
    dark, _ = dark_pair
    d16 = np.round(dark * 65535).astype(np.uint16)
    d8 = np.round(dark * 255).astype(np.uint8)
    out16 = enhance(d16, k=15)
    ref16 = enhance(d16.astype(np.float32) / 65535, k=15)
    np.testing.assert_allclose(out16, ref16, atol=1e-6)
    out8 = enhance(d8, k=15)
    assert out8.dtype == np.float32 and out8.max() <= 1
    assert np.abs(out8 - out16).mean() < 0.03  # 8-bit quantisation of a dark image costs little


def test_luminance_model_keeps_input_chroma(dark_pair):
    dark, orig = dark_pair
    out = enhance(dark, model="luminance", k=20)
    from napari_maliang.lowlight._image import rgb_to_ycbcr

    np.testing.assert_allclose(rgb_to_ycbcr(np.clip(out, 0, 1))[..., 1:].mean(), rgb_to_ycbcr(dark)[..., 1:].mean(), atol=0.01)
    assert psnr(out, orig) > psnr(dark, orig) + 5


def test_nan_rejected_with_advice(dark_pair):
    dark = dark_pair[0].copy()
    dark[5, 5, 0] = np.nan
    with pytest.raises(ValueError, match="nan_to_num"):
        enhance(dark)


def test_image_smaller_than_patch():
    tiny = np.full((2, 2, 3), 0.05, np.float32)
    with pytest.raises(ValueError, match="smaller than one 3x3 patch"):
        enhance(tiny)
    out = enhance(tiny, patch=1, k=1)  # works with a 1x1 patch
    assert out.shape == (2, 2, 3) and np.isfinite(out).all()


def test_k_larger_than_number_of_patches_warns_and_runs(rng):
    img = (rng.random((9, 9, 3)) * 0.1).astype(np.float32)  # 3 x 3 tiles x 3 channels = 27 patches
    with pytest.warns(UserWarning, match="larger than the number of training patches"):
        out = enhance(img, k=100, gp_target="reference")
    assert out.shape == img.shape and np.isfinite(out).all()


def test_constant_image_does_not_break():
    flat = np.full((16, 16, 3), 0.02, np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        out = enhance(flat, k=5)
    assert np.ptp(out) < 1e-3 and out.mean() > 0.02


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"k": 0}, ValueError, "k must be an integer >= 1, got 0"),
        ({"k": 2.5}, TypeError, "k must be an integer"),
        ({"patch": 0}, ValueError, "at least 1"),
        ({"patch": "3"}, TypeError, "patch"),
        ({"model": "hsv"}, ValueError, "model must be"),
        ({"backend": "tpu"}, ValueError, "backend must be"),
        ({"denoise": -1}, ValueError, "denoise"),
        ({"noise_filter": -0.5}, ValueError, "noise_filter"),
        ({"gp_mean": "cubic"}, ValueError, "gp_mean"),
        ({"input_warp": "log"}, ValueError, "input_warp"),
    ],
)
def test_bad_options(dark_pair, kwargs, error, match):
    with pytest.raises(error, match=match):
        enhance(dark_pair[0], **kwargs)


def test_denoise_smooths_flat_regions(rng):
    flat = np.clip(0.05 + 0.01 * rng.standard_normal((64, 64, 3)), 0, 1).astype(np.float32)
    plain = enhance(flat, k=10, noise_filter=0)  # the photon-noise pre-filter off: only `denoise` smooths
    smooth = enhance(flat, k=10, noise_filter=0, denoise=0.2)
    assert smooth.std() < 0.7 * plain.std()


def test_channel_constraint_matches_reference_channel_means(dark_pair):
    dark, _ = dark_pair
    res = run_to_end(enhance_steps(dark, details=True, k=10))
    np.testing.assert_allclose(
        res.image.reshape(-1, 3).mean(0), res.reference.reshape(-1, 3).mean(0), atol=0.01
    )


def test_user_reference_array_is_learned(dark_pair):
    dark, orig = dark_pair
    out = enhance(dark, reference=orig, k=60)  # an oracle reference: the GP should get close to it
    assert psnr(out, orig) > 27


def test_given_gamma_overrides_a_failing_blind_estimate():
    # scikit-image's rocket: the dark sky makes the blind estimate about twice the true gamma
    from napari_maliang.lowlight.samples import darken, photo

    original = photo("rocket", size=128)
    dark = darken(original, gamma=2.0, peak=1000, seed=3)
    blind = run_to_end(enhance_steps(dark, k=20, exposure="uniform", details=True))
    given = run_to_end(enhance_steps(dark, k=20, gamma=2.0, details=True))
    assert blind.info["gamma_source"] == "estimated" and blind.info["gamma"] > 3.0
    assert blind.info["exposure"] == "uniform"
    assert given.info["gamma"] == 2.0 and given.info["gamma_source"] == "given"
    assert psnr(given.image, original) > 35.0
    assert psnr(given.image, original) > psnr(blind.image, original) + 15.0
    # gamma 1 keeps the exposure: the result stays as dark as the (photon-filtered) input
    kept = enhance(dark, k=20, gamma=1)
    assert abs(float(kept.mean()) - float(dark.mean())) < 0.01


def test_bayes_exposure_is_the_default_and_reports_its_interval():
    from napari_maliang.lowlight.reference import estimate_gamma, exposure_posterior
    from napari_maliang.lowlight.samples import darken, photo

    original = photo("astronaut", size=128)
    dark = darken(original, gamma=2.5, peak=300, seed=5)
    res = run_to_end(enhance_steps(dark, k=20, details=True))
    info = res.info
    assert info["gamma_source"] == "estimated" and info["exposure"] == "bayes"
    assert info["gamma_low"] < 2.5 < info["gamma_high"]
    assert info["gamma_low"] < info["gamma"] < info["gamma_high"]
    assert info["gamma"] == pytest.approx(2.5, rel=0.25)
    assert info["exposure_text"] == f"exposure {info['gamma']:.1f}, likely {info['gamma_low']:.1f}-{info['gamma_high']:.1f}"
    filtered = photon_denoise(dark)
    assert info["gamma"] == pytest.approx(exposure_posterior(filtered)["gamma"])
    old = run_to_end(enhance_steps(dark, k=20, exposure="uniform", details=True))
    assert old.info["gamma"] == pytest.approx(estimate_gamma(filtered))
    assert psnr(res.image, original) > 25
    with pytest.raises(ValueError, match="exposure"):
        enhance(dark, exposure="guess")


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"gamma": 0.5}, ValueError, r"gamma must be a finite number >= 1 and <= 16, got 0.5"),
        ({"gamma": float("nan")}, ValueError, r">= 1 and <= 16, got nan"),
        ({"gamma": "2"}, TypeError, "must be a finite number"),
        ({"gamma": True}, TypeError, "must be a finite number"),
        ({"gamma": 2.0, "reference": "lime"}, ValueError, "built-in reference"),
    ],
)
def test_bad_gamma(dark_pair, kwargs, error, match):
    with pytest.raises(error, match=match):
        enhance(dark_pair[0], k=5, **kwargs)


@pytest.mark.parametrize("peak", [50.0, 200.0])
def test_info_reports_the_photon_level(peak):
    from napari_maliang.lowlight.samples import photo

    dark = darken(photo("astronaut", size=128), gamma=2.5, peak=peak, seed=5)
    info = run_to_end(enhance_steps(dark, k=10, details=True)).info
    assert info["photons_at_white"] == pytest.approx(peak, rel=0.25)  # texture makes it low on a small photo
    assert info["noise_sigma"] == pytest.approx(0.5 / np.sqrt(info["photons_at_white"]))
    clean = np.full((32, 32), 0.2, np.float32)
    res = run_to_end(enhance_steps(clean, details=True))
    assert res.info["photons_at_white"] == np.inf and res.info["noise_sigma"] == 0.0
    # nothing to re-corrupt without noise: the result is the reference
    assert not res.info["recorrupted"] and res.gp is None
    np.testing.assert_allclose(res.image, np.clip(res.reference, 0, 1), atol=1e-6)
    with pytest.warns(UserWarning, match="distinct training patches"):
        info = run_to_end(enhance_steps(clean, k=5, gp_target="reference", details=True)).info
    assert info["photons_at_white"] == np.inf


def test_without_the_gp_the_result_is_the_reference_after_the_post_steps(dark_pair):
    dark, orig = dark_pair
    full = run_to_end(enhance_steps(dark, k=10, details=True))
    bare = run_to_end(enhance_steps(dark, k=10, gp=False, details=True))
    np.testing.assert_array_equal(bare.reference, full.reference)  # the same reference, exposure, noise level
    assert bare.info["gamma"] == full.info["gamma"] and bare.info["photons_at_white"] == full.info["photons_at_white"]
    # gains to its own channel means are 1, so the output is the clipped reference
    np.testing.assert_allclose(bare.image, np.clip(bare.reference, 0, 1), atol=1e-6)
    np.testing.assert_allclose(bare.info["channel_gains"], 1.0, atol=1e-6)
    assert bare.gp is None and bare.centres.shape == (0, 18) and bare.info["k"] == 0 and not bare.info["gp"]
    assert abs(psnr(bare.image, orig) - psnr(full.image, orig)) < 1.5  # the GP tracks its reference
    # the post-steps still apply: the optional bilateral step smooths the reference too
    smooth = enhance(dark, gp=False, denoise=0.2)
    assert np.abs(smooth - bare.image).mean() > 1e-3
    # luminance model and grey input take the same path
    np.testing.assert_allclose(enhance(dark, gp=False, model="y"), bare.image, atol=1e-6)
    grey = dark[..., 1]
    res = run_to_end(enhance_steps(grey, gp=False, details=True))
    np.testing.assert_allclose(res.image, np.clip(res.reference, 0, 1), atol=1e-6)


def test_gp_change_is_bounded_by_the_photon_noise():
    from napari_maliang.lowlight.enhancement import GP_NOISE_BOUND, _photon_bounded

    # known answer: reference 0.5 at g = 2 and 100 photons: D = 0.25, sigma = 0.25 ** 0 / (2 * 10) = 0.05
    ref = np.full((4, 4), 0.5, np.float32)
    out = ref + np.array([0.1, -0.1, 0.01, -0.01], np.float32)[:, None]
    bounded, moved = _photon_bounded(out, ref, 2.0, 100.0)
    b = GP_NOISE_BOUND * 0.05
    np.testing.assert_allclose(bounded[:, 0], 0.5 + np.array([b, -b, min(0.01, b), -min(0.01, b)]), atol=1e-6)
    assert moved == pytest.approx(0.5 if b > 0.01 else 1.0)
    # in enhance, gray and colour: the result within the bound of its reference, the colour model's channel
    # gains included (the bound comes after them)
    from napari_maliang.lowlight.samples import photo

    rocket = photo("rocket", size=96)
    for im in (rocket.mean(axis=-1), rocket):
        res = run_to_end(enhance_steps(darken(im, gamma=2.8, peak=80, seed=4), k=10, gp_target="reference",
                                       details=True))
        g, n = res.info["gamma"], res.info["photons_at_white"]
        d = np.maximum(np.clip(res.reference, 0, 1) ** g, 1 / n)
        bound = GP_NOISE_BOUND * d ** (1 / g - 0.5) / (g * np.sqrt(n))
        assert np.all(np.abs(res.image - np.clip(res.reference, 0, 1)) <= bound + 1e-5)
        assert 0.0 < res.info["gp_bounded"] < 1.0 and np.any(res.image != res.reference)
    # the luminance model: the luma bounded against the reference's, the chroma still the input's
    from napari_maliang.lowlight._image import rgb_to_ycbcr

    dark = darken(rocket, gamma=2.8, peak=80, seed=4)
    res = run_to_end(enhance_steps(dark, k=10, model="luminance", gp_target="reference", details=True))
    def saturation(im):  # mean distance of the chroma from grey
        return np.abs(rgb_to_ycbcr(im)[..., 1:] - 0.5).mean()

    assert saturation(res.image) == pytest.approx(saturation(photon_denoise(dark)), abs=0.003)
    assert abs(saturation(res.reference) - saturation(res.image)) > 0.006  # the reference's chroma differs
    assert 0.0 < res.info["gp_bounded"] < 1.0
    # a reference of the user's own is not bounded (its noise is unknown); nor is an input without a noise level
    own = run_to_end(enhance_steps(dark, k=10, reference=lambda im: np.sqrt(im), details=True))
    assert "gp_bounded" not in own.info
    assert own.info["gp_target"] == "reference"  # re-corruption needs the built-in brightening
    clean = np.asarray(out)
    assert _photon_bounded(clean, ref, 2.0, np.inf) == (pytest.approx(clean), 0.0)
