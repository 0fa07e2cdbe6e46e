import numpy as np
import pytest

from napari_maliang.lowlight import estimate_noise, photon_denoise, psnr
from napari_maliang.lowlight.samples import darken


@pytest.mark.parametrize("peak", [300.0, 1000.0, 5000.0])
def test_noise_level_of_photon_noise_in_the_sqrt_domain(peak):
    # a smooth ramp with Poisson noise: sqrt stabilises the variance to 1 / (4 peak)
    yy, xx = np.mgrid[0:200, 0:200] / 200.0
    clean = (0.05 + 0.9 * (xx + yy) / 2).astype(np.float32)
    noisy = darken(clean, gamma=1.0, peak=peak, seed=1)
    assert estimate_noise(noisy) == pytest.approx(0.5 / np.sqrt(peak), rel=0.12)
    rgb = np.stack([noisy, darken(clean, gamma=1.0, peak=peak, seed=2), darken(clean, gamma=1.0, peak=peak, seed=3)], -1)
    assert estimate_noise(rgb) == pytest.approx(0.5 / np.sqrt(peak), rel=0.12)
    assert estimate_noise(clean) < 0.002  # a noise-free smooth image
    assert estimate_noise(np.zeros((2, 2), np.float32)) == 0.0


def test_photon_denoise_removes_noise_and_keeps_edges(rng):
    clean = np.full((96, 96), 0.05, np.float32)
    clean[:, 48:] = 0.4  # a step edge
    noisy = darken(clean, gamma=1.0, peak=1000, seed=4)
    out = photon_denoise(noisy)
    assert out.dtype == np.float32 and out.shape == noisy.shape
    assert psnr(out, clean) > psnr(noisy, clean) + 4
    # the edge survives: the columns beside it keep their levels
    assert abs(out[:, 45].mean() - 0.05) < 0.01 and abs(out[:, 50].mean() - 0.4) < 0.02
    # strength 0 and a given sigma of 0 are no-ops; stronger filtering smooths more
    np.testing.assert_array_equal(photon_denoise(noisy, strength=0), noisy)
    np.testing.assert_array_equal(photon_denoise(noisy, sigma=0.0), noisy)
    assert out[:, 50:].std() > photon_denoise(noisy, strength=2.0)[:, 50:].std()
    with pytest.raises(ValueError, match="strength"):
        photon_denoise(noisy, strength=-1)


def test_photon_denoise_leaves_a_clean_photo_nearly_unchanged(small_photo):
    out = photon_denoise(small_photo)
    assert np.abs(out - small_photo).mean() < 0.005
