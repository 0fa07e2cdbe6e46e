"""The re-corruption GP (issue #16): a known linear map recovered, and the default beating its own reference."""

import numpy as np
import pytest
from scipy.ndimage import correlate

from napari_maliang._backend import has_gpu
from napari_maliang._progress import run_to_end
from napari_maliang.lowlight import enhance, enhance_steps, psnr, ssim
from napari_maliang.lowlight.restoration import RADIUS, RestorationMap, fit_restoration, recorruption_restore
from napari_maliang.lowlight.samples import darken, photo


def test_fit_recovers_a_known_linear_map():
    rng = np.random.default_rng(7)
    filtered, noisy = (rng.random((64, 80, 3)).astype(np.float32) for _ in range(2))
    s = 2 * RADIUS + 1
    k1, k2 = rng.normal(0, 0.1, (s, s)), rng.normal(0, 0.1, (s, s))
    target = 0.05 + np.stack(
        [correlate(filtered[..., c], k1, mode="mirror") + correlate(noisy[..., c], k2, mode="mirror") for c in range(3)],
        axis=-1,
    )
    mapping = fit_restoration(filtered, noisy, target, seed=3)
    got1, got2 = mapping.kernels()
    np.testing.assert_allclose(got1, k1, atol=2e-3)
    np.testing.assert_allclose(got2, k2, atol=2e-3)
    assert mapping.weights[-1] == pytest.approx(0.05, abs=2e-3)
    # applied, it reproduces the target, borders included (mirrored as in training)
    np.testing.assert_allclose(mapping(filtered, noisy), target, atol=5e-3)
    # a grey plane goes through the same map
    np.testing.assert_allclose(mapping(filtered[..., 0], noisy[..., 0]), target[..., 0], atol=5e-3)


def test_identity_is_learned_when_the_target_is_the_filtered_image():
    rng = np.random.default_rng(2)
    filtered, noisy = rng.random((40, 40)), rng.random((40, 40))
    kernel, other = fit_restoration(filtered, noisy, filtered).kernels()
    delta = np.zeros_like(kernel)
    delta[RADIUS, RADIUS] = 1
    np.testing.assert_allclose(kernel, delta, atol=1e-3)
    np.testing.assert_allclose(other, 0, atol=1e-3)


@pytest.mark.parametrize(("name", "peak"), [("astronaut", 50), ("chelsea", 200), ("rocket", 50)])
def test_default_beats_its_own_reference(name, peak):
    # told the exposure, so that only the GP differs: the re-corruption map adds 0.18-0.83 dB and 0.006-0.024
    # SSIM on these photos (the paper's GP: -0.19..+0.04 dB)
    img = photo(name, size=128)
    dark = darken(img, gamma=2.5, peak=peak, seed=5)
    res = run_to_end(enhance_steps(dark, gamma=2.5, details=True))
    bare = enhance(dark, gamma=2.5, gp=False)
    assert res.info["gp_target"] == "recorruption" and res.info["recorrupted"]
    assert isinstance(res.gp, RestorationMap)
    assert psnr(res.image, img) > psnr(bare, img) + 0.15
    assert ssim(res.image, img) > ssim(bare, img) + 0.004
    np.testing.assert_array_equal(res.image, enhance(dark, gamma=2.5))  # seeded: the same every time
    assert not np.array_equal(res.image, enhance(dark, gamma=2.5, seed=1))


def test_grey_input_and_bad_photon_level():
    img = photo("coffee", size=96).mean(axis=-1)
    dark = darken(img, gamma=2.2, peak=100, seed=1)
    out = enhance(dark)
    assert out.shape == dark.shape and out.dtype == np.float32 and np.isfinite(out).all()
    assert psnr(out, img) > psnr(enhance(dark, gp=False), img) + 0.05
    with pytest.raises(ValueError, match="finite, positive photon level"):
        recorruption_restore(dark, dark, photons=np.inf, brighten=np.sqrt, denoise=lambda x: x)


@pytest.mark.gpu
@pytest.mark.skipif(not has_gpu(), reason="needs a CUDA device and cupy")
def test_gpu_twin_applies_the_same_map():
    rng = np.random.default_rng(4)
    filtered, noisy = rng.random((48, 64, 3)), rng.random((48, 64, 3))
    mapping = fit_restoration(filtered, noisy, 0.5 * filtered + 0.1, seed=1)
    cpu = mapping(filtered, noisy)
    gpu = mapping(filtered, noisy, backend="gpu")
    assert isinstance(gpu, np.ndarray) and gpu.dtype == np.float32
    np.testing.assert_allclose(gpu, cpu, atol=1e-5)
    dark = darken(photo("astronaut", size=64), gamma=2.5, peak=100, seed=2)
    np.testing.assert_allclose(enhance(dark, backend="gpu"), enhance(dark, backend="cpu"), atol=1e-4)
