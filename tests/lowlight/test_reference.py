import numpy as np
import pytest

from napari_maliang.lowlight import psnr
from napari_maliang.lowlight import reference as R
from napari_maliang.lowlight.noise import photon_denoise
from napari_maliang.lowlight.samples import darken


def _keyed_image(rng, key=R.TARGET_KEY, shape=(64, 64)):
    """A random image whose log-average luminance is exactly ``key``."""
    from scipy.ndimage import gaussian_filter

    # smooth (so the 4x4 block averaging of the statistics changes little), above the 1/512 floor
    img = gaussian_filter(rng.uniform(0.0, 1.0, shape).astype(np.float32), 4, mode="mirror", radius=16)
    img = 0.3 + 0.25 * (img - img.min()) / (img.max() - img.min())
    y = R.luminance(img)
    for _ in range(50):  # power-law rescaling to the wanted key (log-average is linear in the exponent)
        g = np.log(key) / np.mean(np.log(R.luminance(img)))
        img = img**g
    assert np.exp(np.mean(np.log(R.luminance(img)))) == pytest.approx(key, rel=0.02)
    return img.astype(np.float32), y


@pytest.mark.parametrize("gamma", [1.8, 2.5, 3.5])
def test_blind_gamma_key_method_recovers_the_darkening(rng, gamma):
    img, _ = _keyed_image(rng)
    # exact for a grayscale image whose well-exposed log-average is the assumed key
    assert R.estimate_gamma(img**gamma, method="key") == pytest.approx(gamma, rel=0.05)
    # an image whose own key is brighter than the prior is under-estimated (the method's limit)
    assert R.estimate_gamma((img**0.8) ** gamma, method="key") == pytest.approx(0.8 * gamma, rel=0.05)


def _uniform_scene(shape=(256, 256)):
    """A smooth scene whose luminance is uniformly distributed on 0..1 (the prior of the default
    estimator): a ramp whose rows are shuffled in blocks, so it is not a plain gradient."""
    yy, xx = np.mgrid[0 : shape[0], 0 : shape[1]]
    u = (xx + 0.5) / shape[1]
    u = np.where((yy // 32) % 2 == 1, u[:, ::-1], u)  # alternate the ramp direction every 32 rows
    return u.astype(np.float32)


@pytest.mark.parametrize("gamma", [1.5, 2.0, 3.0, 5.0])
def test_blind_gamma_uniform_method_recovers_the_darkening(gamma):
    scene = _uniform_scene()
    # noise-free: the estimate is the darkening gamma within 2 %
    assert R.estimate_gamma(scene**gamma) == pytest.approx(gamma, rel=0.02)
    # with photon noise (1000 photons at white) it stays within 5 % (block averaging of the statistics)
    noisy = darken(scene, gamma=gamma, peak=1000, seed=int(gamma * 10))
    assert R.estimate_gamma(noisy) == pytest.approx(gamma, rel=0.05)
    # and an RGB image with that luminance gives the same estimate
    rgb = np.repeat((scene**gamma)[..., None], 3, axis=2)
    assert R.estimate_gamma(rgb) == pytest.approx(gamma, rel=0.02)


def test_blind_gamma_uniform_method_on_a_darkened_photo(small_photo):
    # a real photo is not uniform: the estimate of chelsea (own estimate about 1.05, inside the
    # deadband) darkened by 2.5 lands within 10 % of 2.5
    dark = darken(small_photo, gamma=2.5, peak=1000, seed=5)
    assert R.estimate_gamma(dark) == pytest.approx(2.5, rel=0.10)


def test_blind_gamma_deadband_and_bad_arguments(small_photo):
    scene = _uniform_scene()
    # below the deadband: no correction; at its square and above: the estimate itself; continuous between
    assert R.estimate_gamma(scene**1.1) == 1.0
    assert R.estimate_gamma(scene**1.1, deadband=1.0) == pytest.approx(1.1, rel=0.02)
    g_mid = R.estimate_gamma(scene**1.25)
    assert g_mid == pytest.approx((1.25 / R.DEADBAND) ** 2, rel=0.03)
    assert R.estimate_gamma(scene**1.4) == pytest.approx(1.4, rel=0.02)
    # a black or a constant image
    assert R.estimate_gamma(np.zeros((40, 40), np.float32)) == 1.0
    assert R.estimate_gamma(np.full((40, 40), 0.25, np.float32)) == pytest.approx(2.0, rel=0.02)  # 0.25 -> 0.5
    with pytest.raises(ValueError, match="method"):
        R.estimate_gamma(small_photo, method="entropy")
    with pytest.raises(ValueError, match="deadband"):
        R.estimate_gamma(small_photo, deadband=0.5)


def test_bright_image_gives_gamma_one_and_unchanged_reference(small_photo):
    bright = np.clip(small_photo**0.6, 0, 1)
    for img in (bright, small_photo):  # brighter than usual, and a normally exposed photo
        assert R.estimate_gamma(img) == 1.0
        assert R.estimate_gamma(img, method="key") == 1.0
        np.testing.assert_array_equal(R.classical_reference(img, noise_filter=0), img)
        # with the photon-noise filter (default) a noise-free photo is nearly unchanged
        assert np.abs(R.classical_reference(img) - img).mean() < 0.005


def test_global_reference_inverts_a_known_gamma(small_photo):
    dark = small_photo**2.5
    out = R.classical_reference(dark, gamma=2.5, local=0.0, noise_filter=0)
    np.testing.assert_allclose(out[small_photo > 0.01], small_photo[small_photo > 0.01], atol=2e-3)


def test_blind_reference_beats_fixed_gamma_on_noisy_uniform_scene():
    scene = _uniform_scene()
    for gamma in (2.0, 3.0):
        dark = darken(scene, gamma=gamma, peak=1000, seed=11)
        blind = psnr(R.classical_reference(dark), scene)
        assert blind > psnr(dark ** (1 / 2.2), scene)
        assert blind > 30
        # the photon-noise filter helps
        assert blind > psnr(R.classical_reference(dark, noise_filter=0), scene) + 1


def test_illumination_map_solves_the_refinement_system(rng):
    t0 = rng.random((20, 30)).astype(np.float32)
    for solver in ("spsolve", "amg"):
        t = R._refine(t0, alpha=0.1, eps=1e-3, sigma=0.0, solver=solver)
        # residual of (I + alpha sum D^T W D) t = t0, assembled independently with loops
        wx = 0.1 / (np.abs(np.diff(t0, axis=1)) + 1e-3)
        wy = 0.1 / (np.abs(np.diff(t0, axis=0)) + 1e-3)
        lap = np.zeros_like(t0, dtype=np.float64)
        dx = np.diff(t, axis=1) * wx
        dy = np.diff(t, axis=0) * wy
        lap[:, :-1] -= dx
        lap[:, 1:] += dx
        lap[:-1, :] -= dy
        lap[1:, :] += dy
        np.testing.assert_allclose(t + lap, t0, atol=1e-3)


def test_illumination_map_of_flat_image_is_flat():
    img = np.full((300, 200, 3), 0.2, np.float32)
    t = R.illumination_map(img)
    assert t.shape == (300, 200)
    np.testing.assert_allclose(t, 0.2, atol=1e-4)


def test_illumination_map_is_max_channel_when_smooth():
    yy, xx = np.mgrid[0:80, 0:80] / 80.0
    img = np.stack([0.1 + 0.5 * xx, 0.2 + 0.2 * yy, np.full_like(xx, 0.05)], -1).astype(np.float32)
    t = R.illumination_map(img, max_side=80)
    assert np.abs(t - img.max(-1)).mean() < 0.02


def test_lime_and_local_reference_brighten(dark_pair):
    dark, orig = dark_pair
    lime = R.lime_enhance(dark)
    local = R.classical_reference(dark, local=1.0)
    assert lime.mean() > dark.mean() + 0.1
    assert local.mean() > dark.mean() + 0.1
    assert lime.dtype == np.float32 and lime.max() <= 1


def test_make_reference_accepts_callable_array_and_rejects_junk(dark_pair):
    dark, orig = dark_pair
    np.testing.assert_array_equal(R.make_reference(dark, orig), orig)
    np.testing.assert_allclose(R.make_reference(dark, lambda im: im**0.5, noise_filter=0), dark**0.5, atol=1e-6)
    # by default the reference sees the photon-denoised image
    np.testing.assert_allclose(R.make_reference(dark, lambda im: im), photon_denoise(dark), atol=1e-6)
    grey = R.make_reference(dark, lambda im: im.mean(axis=-1))
    assert grey.shape == dark.shape and np.all(grey[..., 0] == grey[..., 1])
    with pytest.raises(ValueError, match="must match"):
        R.make_reference(dark, orig[:10])
    with pytest.raises(ValueError, match="reference must be"):
        R.make_reference(dark, "cnn")
    with pytest.raises(ValueError, match="not found"):
        R.make_reference(dark, "missing-model.onnx")


def _sqrt_model(path, channels=3):
    onnx = pytest.importorskip("onnx")
    pytest.importorskip("onnxruntime")
    from onnx import TensorProto, helper

    inp = helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, channels, None, None])
    out = helper.make_tensor_value_info("enhanced", TensorProto.FLOAT, [1, channels, None, None])
    node = helper.make_node("Sqrt", ["image"], ["enhanced"])
    graph = helper.make_graph([node], "tiny_sqrt", [inp], [out])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path


def test_onnx_reference_runs_a_tiny_graph(tmp_path, dark_pair):
    dark, _ = dark_pair
    path = _sqrt_model(tmp_path / "sqrt.onnx")
    ref = R.OnnxReference(path)
    np.testing.assert_allclose(ref(dark), np.sqrt(dark), atol=1e-6)
    np.testing.assert_allclose(R.make_reference(dark, str(path), noise_filter=0), np.sqrt(dark), atol=1e-6)
    # grayscale input through a 3-channel model comes back grayscale
    out = R.make_reference(dark[..., 0], path, noise_filter=0)
    np.testing.assert_allclose(out, np.sqrt(dark[..., 0]), atol=1e-5)


def test_onnx_single_channel_model_gets_luminance(tmp_path, dark_pair):
    dark, _ = dark_pair
    path = _sqrt_model(tmp_path / "sqrt1.onnx", channels=1)
    out = R.make_reference(dark, path, noise_filter=0)
    assert out.shape == dark.shape
    np.testing.assert_allclose(out[..., 1], np.sqrt(R.luminance(dark)), atol=1e-5)


def test_stack_gamma_is_the_median_of_sampled_planes(dark_pair):
    from napari_maliang.lowlight import estimate_stack_gamma

    dark, _ = dark_pair
    brighter = np.clip(dark**0.5, 0, 1)  # an outlier plane: half the darkening exponent
    stack = np.stack([dark, brighter, dark])
    gamma, used = estimate_stack_gamma(stack)
    assert used == 3
    assert gamma == pytest.approx(R.estimate_gamma(photon_denoise(dark)))  # the median ignores the outlier
    g_off, _ = estimate_stack_gamma(stack, noise_filter=0)
    assert g_off == pytest.approx(R.estimate_gamma(dark))
    assert estimate_stack_gamma(np.stack([dark] * 40), samples=5)[1] == 5
    with pytest.raises(ValueError, match="no planes"):
        estimate_stack_gamma(np.zeros((0, 8, 8)))
