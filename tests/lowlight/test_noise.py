import numpy as np
import pytest
from scipy.stats import poisson

from napari_maliang.lowlight import estimate_noise, photon_denoise, psnr
from napari_maliang.lowlight._image import bilateral
from napari_maliang.lowlight.noise import anscombe, estimate_photons, inverse_anscombe, nl_means, photons_at_white
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


def _ramp_scene(size=192):
    """A smooth ramp with a bright square: known intensities on 0.02..0.9."""
    yy, xx = np.mgrid[0:size, 0:size] / size
    clean = (0.02 + 0.5 * (xx + yy) / 2).astype(np.float32)
    clean[size // 4 : size // 2, size // 4 : size // 2] = 0.9
    return clean


@pytest.mark.parametrize("peak", [50.0, 200.0, 500.0])
def test_estimate_photons_within_15_percent_of_the_truth(peak):
    clean = _ramp_scene()
    for seed in (1, 2):
        noisy = darken(clean, gamma=2.0, peak=peak, seed=seed)  # mostly 0-20 counts: sqrt does not stabilise
        assert estimate_photons(noisy) == pytest.approx(peak, rel=0.15)
    rgb = np.stack([darken(clean, gamma=2.0, peak=peak, seed=s) for s in (3, 4, 5)], -1)
    assert estimate_photons(rgb) == pytest.approx(peak, rel=0.15)
    assert photons_at_white(0.5 / np.sqrt(peak)) == pytest.approx(peak)
    assert estimate_photons(np.zeros((2, 2), np.float32)) == np.inf
    assert estimate_photons(np.full((32, 32), 0.3, np.float32)) == np.inf  # noise-free
    with pytest.raises(ValueError, match="block"):
        estimate_photons(clean, block=1)


def test_inverse_anscombe_is_unbiased_at_low_counts():
    # E[A(P(lam))] by summing the Poisson law; the exact unbiased inverse gives lam back, the
    # algebraic inverse (D / 2)^2 - 3/8 is biased low (by about 1/8 count at high counts, more below)
    k = np.arange(0, 400)
    for lam in (0.3, 1.0, 2.0, 5.0, 20.0, 100.0):
        expected_a = float(np.sum(poisson.pmf(k, lam) * 2 * np.sqrt(k + 0.375)))
        exact = float(inverse_anscombe(np.array([expected_a]), photons=1.0)[0])
        assert exact == pytest.approx(lam, abs=0.01 + 0.002 * lam)
        algebraic = (expected_a / 2) ** 2 - 0.375
        assert lam - algebraic > 0.07
    # photons scale the counts; a zero count (and below) maps to 0; round trip of A at high counts
    a = anscombe(np.array([0.0, 0.25, 1.0], np.float32), photons=400.0)
    np.testing.assert_allclose(a, 2 * np.sqrt(np.array([0, 100, 400]) + 0.375), rtol=1e-6)
    # A of a count z is not E[A] at z: the unbiased inverse of A(z) is z + 1/4 (+ O(1/z)), in counts
    np.testing.assert_allclose(inverse_anscombe(a[1:], photons=400.0), [0.25 + 0.25 / 400, 1 + 0.25 / 400], rtol=3e-4)
    assert inverse_anscombe(np.array([0.0, 1.0, 2 * np.sqrt(0.375)]), photons=10.0).max() < 1e-7
    with pytest.raises(ValueError, match="photons"):
        anscombe(a, photons=0)
    with pytest.raises(ValueError, match="photons"):
        inverse_anscombe(a, photons=float("nan"))


def _old_bilateral(noisy):
    """The former photon_denoise: OpenCV's 5 x 5 bilateral filter on sqrt(I) at 3 x its noise level, squared."""
    return np.square(np.clip(bilateral(np.sqrt(noisy), 3.0 * estimate_noise(noisy)), 0, 1))


@pytest.mark.parametrize("peak", [50.0, 500.0])
def test_photon_denoise_beats_the_old_bilateral_on_known_photons(peak):
    clean = _ramp_scene()
    noisy = darken(clean, gamma=2.0, peak=peak, seed=7)
    truth = clean**2

    def err(x):  # RMS error after brightening back with the true exponent, as the pipeline would
        return float(np.sqrt(np.mean((np.sqrt(np.clip(x, 0, 1)) - clean) ** 2)))

    new, old = err(photon_denoise(noisy)), err(_old_bilateral(noisy))
    assert new < 0.7 * old and old < err(noisy)
    # unbiased in the dark: the mean of a dark flat region stays within 2 % of the truth
    region = (slice(130, 190), slice(0, 40))
    assert photon_denoise(noisy)[region].mean() == pytest.approx(truth[region].mean(), rel=0.02)


def test_nl_means_on_gaussian_noise_of_known_sigma(rng):
    clean = _ramp_scene(96)
    noisy = clean + rng.normal(0, 0.05, clean.shape).astype(np.float32)
    out = nl_means(noisy, 0.05)
    assert out.shape == noisy.shape and out.dtype == np.float32
    assert psnr(np.clip(out, 0, 1), clean) > psnr(np.clip(noisy, 0, 1), clean) + 6
    rgb = np.stack([noisy, noisy, noisy], -1)  # three equal channels: the same weights, the same result
    np.testing.assert_allclose(nl_means(rgb, 0.05)[..., 1], out, atol=1e-5)
    flat = np.full((20, 24), 0.4, np.float32)
    np.testing.assert_allclose(nl_means(flat, 0.05), flat, atol=1e-6)
    with pytest.raises(ValueError, match="sigma"):
        nl_means(noisy, 0.0)
    with pytest.raises(ValueError, match="too small"):
        nl_means(noisy[:4, :4], 0.05)
    with pytest.raises(ValueError, match="search"):
        nl_means(noisy, 0.05, search=0)


def _nl_means_direct(img, sigma, search, patch, h, lines=None):
    """Non-local means pixel by pixel (the definition), on an image (H, W, C), for the rows ``lines``."""
    rows, cols, _ = img.shape
    lines = range(rows) if lines is None else lines
    pad = np.pad(img, ((patch, patch), (patch, patch), (0, 0)), mode="reflect").astype(np.float64)
    out = np.zeros(img.shape)
    for i in lines:
        for j in range(cols):
            ref = pad[i : i + 2 * patch + 1, j : j + 2 * patch + 1]
            weights, values = [], []
            for di in range(-search, search + 1):
                for dj in range(-search, search + 1):
                    y, x = i + di, j + dj
                    if (di or dj) and 0 <= y < rows and 0 <= x < cols:
                        d2 = np.mean((pad[y : y + 2 * patch + 1, x : x + 2 * patch + 1] - ref) ** 2)
                        weights.append(np.exp(-max(d2 - 2 * sigma**2, 0) / (h * sigma) ** 2))
                        values.append(img[y, x])
            weights = np.array(weights)
            centre = max(weights.max(), 1e-6)
            out[i, j] = (centre * img[i, j] + weights @ np.array(values)) / (centre + weights.sum())
    return out


def test_nl_means_matches_its_definition(rng):
    img = rng.normal(0.5, 0.1, (23, 17, 3)).astype(np.float32)
    img[:, 9:] += 0.4  # an edge
    for search, patch in ((3, 1), (2, 2)):
        np.testing.assert_allclose(
            nl_means(img, 0.1, search=search, patch=patch, h=1.0), _nl_means_direct(img, 0.1, search, patch, 1.0),
            atol=2e-5,
        )  # fmt: skip
    # a large image: on a multi-core machine two row bands (their sums overlap by `search` rows), the same
    big = rng.normal(0.3, 0.05, (400, 400)).astype(np.float32)
    lines = range(195, 205)
    np.testing.assert_allclose(
        nl_means(big, 0.05)[195:205], _nl_means_direct(big[..., None], 0.05, 3, 1, 1.0, lines)[195:205, :, 0], atol=2e-5
    )
