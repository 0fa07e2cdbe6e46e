import numpy as np
import pytest

from napari_maliang._backend import has_gpu
from napari_maliang._progress import run_to_end
from napari_maliang.lowlight import gp as G


def test_nlml_gradient_matches_finite_differences(rng):
    x = rng.random((12, 3))
    y = np.sin(3 * x[:, :1]) + 0.05 * rng.standard_normal((12, 2))
    theta = np.log([0.7, 0.4, 0.1])
    _, grad = G.negative_log_marginal_likelihood(theta, x, y)
    eps = 1e-6
    num = []
    for i in range(3):
        e = np.zeros(3)
        e[i] = eps
        num.append(
            (G.negative_log_marginal_likelihood(theta + e, x, y)[0] - G.negative_log_marginal_likelihood(theta - e, x, y)[0])
            / (2 * eps)
        )
    np.testing.assert_allclose(grad, num, rtol=1e-4, atol=1e-6)


def test_fit_gp_interpolates_a_smooth_function(rng):
    x = np.linspace(0, 1, 25)[:, None]
    y = np.c_[np.sin(6 * x[:, 0]), np.cos(4 * x[:, 0])]
    model = G.fit_gp(x, y)
    xt = rng.random((200, 1))
    pred = G.predict_patches(model, xt)
    truth = np.c_[np.sin(6 * xt[:, 0]), np.cos(4 * xt[:, 0])]
    assert np.abs(pred - truth).max() < 0.02
    assert model.noise_std < 0.05
    # optimisation lowers the negative log marginal likelihood below the heuristic start
    start = G.negative_log_marginal_likelihood(
        np.log([model.signal_std, model.lengthscale, model.noise_std]), x, y - y.mean(0)
    )[0]
    assert model.nlml <= start + 1e-6


def test_prediction_far_from_data_falls_back_to_target_mean():
    x = np.array([[0.0], [0.1], [0.2]])
    y = np.array([[1.0], [2.0], [3.0]])
    model = G.fit_gp(x, y, optimize=False, init=(1.0, 0.1, 0.01), mean="constant")
    assert model.slope == 0.0
    np.testing.assert_allclose(G.predict_patches(model, np.array([[50.0]])), [[2.0]], atol=1e-6)


def test_linear_mean_follows_the_trend_far_from_data():
    x = np.array([[0.0], [0.1], [0.2]])
    y = np.array([[1.0], [2.0], [3.0]])
    model = G.fit_gp(x, y, optimize=False, init=(1.0, 0.1, 0.01))  # default mean="linear"
    assert model.slope == pytest.approx(10.0)
    # far from every centre the GP term vanishes and the linear prior mean 1 + 10 x remains
    np.testing.assert_allclose(G.predict_patches(model, np.array([[50.0]])), [[501.0]], rtol=1e-5)
    # an exactly linear training set is reproduced everywhere (the GP residual is zero)
    np.testing.assert_allclose(G.predict_patches(model, np.array([[0.05], [0.37]])), [[1.5], [4.7]], atol=1e-4)
    with pytest.raises(ValueError, match="mean must be"):
        G.fit_gp(x, y, mean="quadratic")


def test_linear_mean_falls_back_to_constant_when_shapes_differ(rng):
    x = rng.random((8, 4))
    y = rng.random((8, 2))
    assert G.fit_gp(x, y, optimize=False).slope == 0.0


def _model(rng, pq, m=None):
    k = 12
    d = pq[0] * pq[1]
    x = rng.random((k, d)).astype(np.float32)
    y = rng.random((k, m or d)).astype(np.float32)
    return G.fit_gp(x, y, optimize=False, init=(0.5, 0.8, 0.05))


@pytest.mark.parametrize("pq", [(3, 3), (2, 4), (5, 5), (1, 1)])
def test_filter_path_equals_patch_matrix_reference(rng, pq):
    model = _model(rng, pq)
    plane = rng.random((23, 31)).astype(np.float32)
    fast = run_to_end(G.predict_plane_cpu(model, plane, patch=pq))
    ref = run_to_end(G.predict_plane_reference(model, plane, patch=pq, chunk=100))
    np.testing.assert_allclose(fast, ref, atol=1e-4)
    # one interior pixel by hand: the average of the predictions of the p*q patches covering it
    p, q = pq
    top, left = (p - 1) // 2, (q - 1) // 2
    padded = np.pad(plane, ((top, p - 1 - top), (left, q - 1 - left)), mode="reflect")
    i, j = 10, 12
    vals = []
    for a in range(p):
        for b in range(q):
            ci, cj = i - a + top, j - b + left  # centre of a patch whose (a, b) element is (i, j)
            patch = padded[ci : ci + p, cj : cj + q].reshape(1, -1)
            vals.append(G.predict_patches(model, patch)[0, a * q + b])
    assert fast[i, j] == pytest.approx(np.mean(vals), abs=1e-4)


@pytest.mark.gpu
@pytest.mark.skipif(not has_gpu(), reason="needs a CUDA device and cupy")
def test_gpu_twin_matches_cpu(rng):
    model = _model(rng, (3, 3))
    plane = rng.random((64, 80)).astype(np.float32)
    cpu = run_to_end(G.predict_plane_cpu(model, plane, patch=(3, 3)))
    gpu = run_to_end(G.predict_plane_gpu(model, plane, patch=(3, 3)))
    assert isinstance(gpu, np.ndarray)
    np.testing.assert_allclose(gpu, cpu, atol=1e-4)
