import numpy as np
import pytest

from napari_maliang.lowlight import psnr
from napari_maliang.lowlight import reference as R
from napari_maliang.lowlight.noise import estimate_noise, photon_denoise
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
    # the median ignores the outlier; by default the Bayes decision, as enhance() uses it
    assert gamma == pytest.approx(R.exposure_posterior(photon_denoise(dark))["gamma"])
    g_off, _ = estimate_stack_gamma(stack, noise_filter=0, method="uniform")
    assert g_off == pytest.approx(R.estimate_gamma(dark))
    with pytest.raises(ValueError, match="method"):
        estimate_stack_gamma(stack, method="key")
    assert estimate_stack_gamma(np.stack([dark] * 40), samples=5)[1] == 5
    with pytest.raises(ValueError, match="no planes"):
        estimate_stack_gamma(np.zeros((0, 8, 8)))


# --- the blind exposure as a Bayes decision (issue #16) -------------------------------------------


def test_bayes_exposure_lands_near_a_known_exponent_and_its_interval_contains_it():
    from napari_maliang.lowlight.samples import photo

    for name, g in (("astronaut", 2.5), ("coffee", 2.0), ("chelsea", 3.2), ("motorcycle", 1.7)):
        original = photo(name, size=256)
        dark = darken(original, gamma=g, peak=200, seed=7)
        post = R.exposure_posterior(photon_denoise(dark), noise=estimate_noise(dark))
        assert post["exposure"] == "bayes"
        assert post["gamma"] == pytest.approx(g, rel=0.4), name
        assert post["gamma_low"] < g < post["gamma_high"], name
        assert post["gamma_low"] < post["gamma"] < post["gamma_high"]
        # the posterior moves with the evidence: a darker copy of the same photo gets larger exponents (the
        # decision too, or it stays where the regret against gamma 1/2.2 holds it)
        darker = R.exposure_posterior(photon_denoise(darken(original, gamma=g * 1.5, peak=200, seed=7)))
        assert darker["gamma_low"] > post["gamma_low"] * 1.05 and darker["gamma"] >= post["gamma"], name


def _brute_force_decision(yq, w, cand):
    """The minimiser over ``cand`` of the loss of R._bayes_gamma, written out term by term."""
    samples = np.exp(R._POSTERIOR_GRID)

    def deficit(a, s):  # PSNR deficit (dB) of the restoration with exponent a when the truth is s
        return 10 * np.log10(np.mean((yq ** (1 / a) - yq ** (1 / s)) ** 2) + R._LOSS_FLOOR)

    base = np.array([deficit(R._BASELINE_GAMMA, s) for s in samples])

    def loss(c):
        d = np.array([deficit(c, s) for s in samples])
        return np.sum(w * (d + R._REGRET_WEIGHT * np.maximum(d - base - R._REGRET_MARGIN, 0.0)))

    return cand[int(np.argmin([loss(c) for c in cand]))]


def test_bayes_decision_is_the_expected_loss_minimiser():
    # on a two-level image the decision can be checked by brute force against the posterior
    yq = np.r_[np.full(50, 0.02), np.full(49, 0.3)]
    w = R._posterior_weights(yq)
    g, lo, hi = R._bayes_gamma(yq, w)
    samples = np.exp(R._POSTERIOR_GRID)
    assert g == pytest.approx(_brute_force_decision(yq, w, np.exp(np.linspace(0, np.log(8), 1601))), rel=0.01)
    assert np.sum(w[samples < lo]) <= 0.1 + 1e-9 and np.sum(w[samples <= lo]) >= 0.1
    assert np.sum(w[samples > hi]) <= 0.1 + 1e-9
    # a posterior concentrated on one exponent gives it back, even far from gamma 2.2 (no regret is possible)
    for k in (5, 40, 75):
        one = np.zeros_like(w)
        one[k] = 1.0
        assert R._bayes_gamma(yq, one)[0] == pytest.approx(samples[k], rel=0.01)
    # the posterior follows its cue inside the prior and stays inside the prior's range outside it: the same
    # photo's luminance darkened more and more
    from napari_maliang.lowlight.samples import photo

    yq0 = R._exposure_cues(photo("coffee", size=128))["yq"]
    means = [float(np.sum(R._posterior_weights(yq0**g) * samples)) for g in (1.6, 2.5, 3.8, 8.0)]
    assert means == sorted(means) and 1.5 < means[0] and means[-1] < 4.0


def test_luminance_shape_shifts_by_log_gamma():
    yq = np.quantile(np.random.default_rng(3).beta(2.0, 2.0, 5000), R._QUANTILES)
    z = R.luminance_shape(yq)
    assert z.shape == (31,) and np.all(np.diff(z) < 0)  # log(-log Y) falls as Y rises
    for g in (1.5, 2.2, 3.7):
        assert R.luminance_shape(yq**g) == pytest.approx(z + np.log(g), abs=1e-9)


def test_shape_likelihood_gives_a_lone_photo_its_own_exponent():
    # with one picture as the whole prior (its luminance a beta distribution: no clipped white or black), its
    # own luminance darkened by g puts the likelihood's maximum at g
    yq0 = np.quantile(np.random.default_rng(5).beta(2.0, 1.5, 20000), R._QUANTILES)
    one = R.luminance_shape(yq0)[None, :]
    for g in (1.7, 2.6, 3.5):
        likelihood = R._posterior_weights(yq0**g, one) / np.exp(R._POSTERIOR_GRID)  # the prior divided out
        assert np.exp(R._POSTERIOR_GRID[np.argmax(likelihood)]) == pytest.approx(g, rel=0.013)  # a grid step
    # a shape unlike the photo's still gives finite weights (log-sum-exp), nearest to the best shift
    odd = np.r_[np.full(50, 1e-4), np.full(49, 0.9)]
    w = R._posterior_weights(odd, one)
    assert np.all(np.isfinite(w)) and w.sum() == pytest.approx(1.0)


def test_natural_shapes_file_is_the_prior_s_photographs():
    t = R._natural_shapes()
    assert t.shape == (207, 31) and np.all(np.isfinite(t))
    assert np.all(np.diff(t, axis=1) <= 1e-6)  # every row is a luminance shape (falls with the level)
    # their spread covers low-key and high-key photos: median luminance from below 0.15 to above 0.5
    median = np.exp(-np.exp(t[:, 15]))
    assert median.min() < 0.15 and median.max() > 0.5


def test_ambiguous_posterior_falls_back_towards_gamma_2_2():
    # the same image, a sharp posterior at 3.6 and the prior (no evidence): the decision moves from 3.6 towards
    # the exponent that cannot lose more than 3 dB against gamma 1/2.2, and the regret penalty is what moves it
    yq = np.quantile(np.random.default_rng(0).beta(0.8, 2.0, 20000) ** 3.0, R._QUANTILES)
    samples = np.exp(R._POSTERIOR_GRID)
    sharp = np.exp(-0.5 * ((R._POSTERIOR_GRID - np.log(3.6)) / 0.03) ** 2)
    prior = R._posterior_weights(None)
    g_sharp = R._bayes_gamma(yq, sharp / sharp.sum())[0]
    g_wide = R._bayes_gamma(yq, prior)[0]
    assert g_sharp == pytest.approx(3.6, rel=0.03)
    assert abs(np.log(g_wide / R._BASELINE_GAMMA)) < abs(np.log(g_sharp / R._BASELINE_GAMMA)) / 2

    # under the prior, the decision loses at most a little more than the margin to gamma 2.2 anywhere in the range
    def deficit(a, s):
        return 10 * np.log10(np.mean((yq ** (1 / a) - yq ** (1 / s)) ** 2) + R._LOSS_FLOOR)

    regret = [deficit(g_wide, s) - deficit(R._BASELINE_GAMMA, s) for s in samples]
    assert max(regret) < R._REGRET_MARGIN + 3.0
    # without the penalty (weight 0) the same prior gives an exponent further from 2.2
    weight = R._REGRET_WEIGHT
    try:
        R._REGRET_WEIGHT = 0.0
        g_plain = R._bayes_gamma(yq, prior)[0]
    finally:
        R._REGRET_WEIGHT = weight
    assert abs(np.log(g_plain / R._BASELINE_GAMMA)) > abs(np.log(g_wide / R._BASELINE_GAMMA))


def test_interval_contains_the_truth_on_simulated_darkenings():
    from napari_maliang.lowlight.samples import photo

    original = photo("astronaut", size=192)
    rng = np.random.default_rng(11)
    hits = 0
    for k in range(8):
        g = float(rng.uniform(1.5, 4.0))
        dark = darken(original, gamma=g, peak=float(np.exp(rng.uniform(np.log(50), np.log(500)))), seed=k)
        post = R.exposure_posterior(photon_denoise(dark), noise=estimate_noise(dark))
        hits += post["gamma_low"] <= g <= post["gamma_high"]
        assert 1.0 <= post["gamma_low"] <= post["gamma"] * 1.3 and post["gamma"] <= post["gamma_high"] * 1.3
    assert hits >= 6  # an 80 % interval: at least 6 of 8


def test_flat_image_gets_the_prior_s_safe_choice():
    img = np.full((64, 64), 0.25, np.float32)
    post = R.exposure_posterior(img)
    assert post["exposure"] == "flat"
    # the decision is the prior's Bayes decision, checked by brute force, and the interval is the prior's
    prior = R._posterior_weights(None)
    yq = np.full(len(R._QUANTILES), 0.25)
    assert post["gamma"] == pytest.approx(
        _brute_force_decision(yq, prior, np.exp(np.linspace(0, np.log(8), 1601))), rel=0.01
    )
    assert (post["gamma_low"], post["gamma_high"]) == pytest.approx((1.75, 3.75), abs=0.05)
    # inside the prior's range, not the uniform estimate's 2.0 (which a flat image cannot support)
    assert 1.5 < post["gamma"] < 4.0 and abs(post["gamma"] - 2.0) > 0.05
    # black everywhere: nothing to correct
    assert R.exposure_posterior(np.zeros((40, 40), np.float32))["gamma"] == 1.0


def test_bright_photo_is_not_dark_for_the_bayes_exposure(small_photo):
    for img in (np.clip(small_photo**0.6, 0, 1), small_photo):
        post = R.exposure_posterior(img)
        assert post["gamma"] == 1.0 and post["exposure"] == "not dark"
    # the same bright photo with photon noise of a dark exposure (200 photons) is decided by the posterior
    noisy = darken(np.clip(small_photo**0.6, 0, 1), gamma=1.0, peak=200, seed=2)
    assert R.exposure_posterior(noisy)["exposure"] != "not dark"


def test_not_dark_blend_is_continuous():
    db = R.DEADBAND
    assert R._gate(db, 2.4) == 1.0
    assert R._gate(db, 2.4, noise=R._NOT_DARK_NOISE) == 2.4  # photon-starved: never "not dark"
    assert R._gate(db * 1.00001, 2.4) == pytest.approx(1.0, abs=1e-3)
    assert R._gate(db**2 * 0.9999, 2.4) == pytest.approx(2.4, rel=1e-3)
    assert R._gate(db**2, 2.4) == 2.4


def test_exposure_prior_constants_are_sane():
    assert R._PRIOR_RANGE == (1.5, 4.0)
    assert 0 < R._SHAPE_BANDWIDTH < 1 and R._REGRET_WEIGHT >= 0 and R._REGRET_MARGIN > 0
