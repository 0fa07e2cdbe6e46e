"""Ground-truth simulation: expected images, noise statistics, blinking, drift, camera model."""

import numpy as np
import pandas as pd
import pytest

from napari_maliang.smlm import psf
from napari_maliang.smlm.simulate import simulate_movie, simulate_spots


def test_expected_counts_integrate_to_photons():
    mu = psf.expected_counts(41, 20.3, 19.8, 1000.0, 0.0, 1.3)
    assert mu.shape == (41, 41)
    assert mu.sum() == pytest.approx(1000.0, rel=1e-9)
    # centroid at the emitter (pixel centres at integer coordinates)
    yy, xx = np.mgrid[:41, :41]
    assert (mu * xx).sum() / mu.sum() == pytest.approx(20.3, abs=1e-9)
    assert (mu * yy).sum() / mu.sum() == pytest.approx(19.8, abs=1e-9)


def test_derivatives_match_finite_differences():
    theta = np.array([3.2, 2.7, 800.0, 12.0, 1.4])
    mu, jac = psf.derivatives(7, *theta)
    for p in range(5):
        h = 1e-6 * max(1.0, abs(theta[p]))
        up, dn = theta.copy(), theta.copy()
        up[p] += h
        dn[p] -= h
        fd = (psf.expected_counts(7, *up) - psf.expected_counts(7, *dn)) / (2 * h)
        np.testing.assert_allclose(jac[p], fd, rtol=1e-5, atol=1e-7)


def test_simulate_spots_shapes_truth_and_poisson_statistics():
    spots, truth = simulate_spots(4000, photons=500, background=10, seed=3)
    assert spots.shape == (4000, 7, 7) and spots.dtype == np.float32
    assert list(truth.columns) == ["x", "y", "photons", "background", "sigma"]
    assert np.all(np.abs(truth.x - 3.0) <= 0.5) and np.all(np.abs(truth.y - 3.0) <= 0.5)
    mu = psf.expected_counts(7, truth.x, truth.y, truth.photons, truth.background, truth.sigma)
    resid = (spots - mu) / np.sqrt(mu)
    assert abs(resid.mean()) < 0.01
    assert resid.var() == pytest.approx(1.0, abs=0.02)  # Poisson: variance = mean
    assert np.all(spots == np.round(spots))
    # same seed, same spots; another seed, other spots
    again, _ = simulate_spots(4000, photons=500, background=10, seed=3)
    np.testing.assert_array_equal(spots, again)
    other, _ = simulate_spots(4000, photons=500, background=10, seed=4)
    assert not np.array_equal(spots, other)


def test_simulate_spots_emccd_has_excess_noise_factor_sqrt2():
    spots, truth = simulate_spots(4000, photons=500, background=20, noise="emccd", em_gain=200, seed=1)
    mu = psf.expected_counts(7, truth.x, truth.y, truth.photons, truth.background, truth.sigma)
    assert spots.mean() == pytest.approx(mu.mean(), rel=0.01)
    assert ((spots - mu) ** 2 / mu).mean() == pytest.approx(2.0, rel=0.05)


def test_simulate_spots_ranges_and_bad_input():
    _, truth = simulate_spots(500, photons=(100, 300), sigma=(1.0, 1.5), seed=0)
    assert truth.photons.between(100, 300).all() and truth.photons.std() > 20
    assert truth.sigma.between(1.0, 1.5).all()
    with pytest.raises(ValueError, match="noise"):
        simulate_spots(3, noise="gaussian")
    with pytest.raises(ValueError, match="box"):
        simulate_spots(3, box=2)
    with pytest.raises(ValueError, match="sigma"):
        simulate_spots(3, sigma=0)
    with pytest.raises(ValueError, match="photons"):
        simulate_spots(3, photons=(5, 1))


def test_simulate_movie_noise_free_matches_truth():
    movie, truth = simulate_movie(frames=6, shape=(48, 64), n_emitters=3, photons=2000, background=0,
                                  noise="none", min_distance=15, margin=8, seed=2)
    assert movie.shape == (6, 48, 64) and movie.dtype == np.uint16
    assert list(truth.columns[:7]) == ["frame", "x", "y", "photons", "background", "sigma", "emitter"]
    assert len(truth) == 18 and truth.frame.value_counts().eq(3).all()
    assert movie.sum() == pytest.approx(truth.photons.sum(), rel=0.01)  # rounding only
    yy, xx = np.mgrid[:48, :64]
    for row in truth.itertuples():
        near = (xx - row.x) ** 2 + (yy - row.y) ** 2 < 7**2
        img = movie[row.frame] * near
        assert (img * xx).sum() / img.sum() == pytest.approx(row.x, abs=0.05)
        assert (img * yy).sum() / img.sum() == pytest.approx(row.y, abs=0.05)


def test_simulate_movie_camera_model_and_background_statistics():
    movie, truth = simulate_movie(frames=20, shape=(32, 32), n_emitters=0, background=30, gain=2.0, offset=100,
                                  seed=0)
    photons = (movie.astype(float) - 100) * 2.0
    assert photons.mean() == pytest.approx(30, rel=0.02)
    electrons = movie.astype(float) - 100  # gain 2 e-/ADU: ADU = round(Poisson(30) / 2)
    assert electrons.var() == pytest.approx(30 / 4 + 1 / 12, rel=0.05)
    plain, _ = simulate_movie(frames=20, shape=(32, 32), n_emitters=0, background=30, seed=0)
    assert plain.var() == pytest.approx(30, rel=0.05)  # uniform background: table-driven Poisson draws
    counts = np.bincount(plain.ravel().astype(int), minlength=80)[:80] / plain.size
    from scipy.stats import poisson

    assert np.abs(counts - poisson.pmf(np.arange(80), 30)).max() < 0.004
    ramp = np.tile(np.linspace(5, 50, 32), (32, 1))  # non-uniform background: per-pixel draws
    rm, _ = simulate_movie(frames=30, shape=(32, 32), n_emitters=0, background=ramp, seed=0)
    np.testing.assert_allclose(rm.mean(axis=(0, 1)), ramp[0], rtol=0.1)
    assert truth.empty and truth.attrs["camera"]["offset"] == 100
    em, _ = simulate_movie(frames=20, shape=(32, 32), n_emitters=0, background=30, noise="emccd", em_gain=50,
                           gain=10.0, offset=100, seed=0)
    e = (em.astype(float) - 100) * 10.0 / 50
    assert e.mean() == pytest.approx(30, rel=0.03)
    assert e.var() / e.mean() == pytest.approx(2.0, rel=0.1)


def test_simulate_movie_blinking_bleaching_and_drift():
    movie, truth = simulate_movie(frames=300, shape=(64, 64), n_emitters=40,
                                  blinking={"k_on": 0.05, "k_off": 0.5, "k_bleach": 0.2}, drift=(0.01, -0.02),
                                  seed=5)
    assert truth.emitter.nunique() <= 40
    counts = truth.groupby("frame").size().reindex(range(300), fill_value=0)
    assert counts.iloc[:50].mean() > 3 * max(counts.iloc[-50:].mean(), 0.01)  # photobleaching
    # an emitter's positions differ only by the drift
    e = truth[truth.emitter == truth.emitter.iloc[0]]
    drift = pd.DataFrame(truth.attrs["drift"]).set_index("frame")
    x0 = e.x - drift.dx.loc[e.frame].to_numpy()
    assert np.ptp(x0) < 1e-9
    assert drift.dx.iloc[100] == pytest.approx(1.0) and drift.dy.iloc[100] == pytest.approx(-2.0)


def test_simulate_movie_fixed_positions_and_reproducibility():
    pos = np.array([[10.0, 20.0], [30.0, 40.0]])  # (y, x)
    m1, t1 = simulate_movie(frames=50, shape=(48, 64), positions=pos, blinking={"start_on": 1.0}, seed=1)
    m2, _ = simulate_movie(frames=50, shape=(48, 64), positions=pos, blinking={"start_on": 1.0}, seed=1, threads=1)
    np.testing.assert_array_equal(m1, m2)  # independent of the thread count
    assert set(np.round(t1.x, 6)) <= {20.0, 40.0} and set(np.round(t1.y, 6)) <= {10.0, 30.0}
    assert (t1.frame == 0).sum() == 2


def test_simulate_movie_min_distance_and_density():
    _, truth = simulate_movie(frames=10, shape=(64, 64), density=20 / 4096, min_distance=8, seed=3)
    assert truth.groupby("frame").size().eq(20).all()
    for _, f in truth.groupby("frame"):
        d = np.hypot(f.x.to_numpy()[:, None] - f.x.to_numpy(), f.y.to_numpy()[:, None] - f.y.to_numpy())
        assert d[np.triu_indices(len(f), 1)].min() >= 8


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"shape": (0, 10)}, "shape"),
        ({"frames": 0}, "frames"),
        ({"gain": -1.0}, "gain"),
        ({"n_emitters": 5, "density": 0.1}, "n_emitters or density"),
        ({"background": np.zeros((3, 3))}, "background"),
        ({"blinking": {"k_typo": 0.1}}, "blinking"),
        ({"drift": [1, 2, 3]}, "drift"),
        ({"n_emitters": 500, "min_distance": 20, "shape": (32, 32)}, "cannot place"),
    ],
)
def test_simulate_movie_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        simulate_movie(**({"frames": 2, "shape": (32, 32)} | kwargs))


def test_blinking_population_keeps_min_distance():
    _, truth = simulate_movie(frames=200, shape=(64, 64), n_emitters=30, min_distance=6,
                              blinking={"k_on": 0.2, "k_bleach": 0.0}, seed=2)
    pos = truth.groupby("emitter")[["x", "y"]].first().to_numpy()
    assert len(pos) == 30
    d = np.hypot(*(pos[:, None, :] - pos[None, :, :]).transpose(2, 0, 1))
    assert d[np.triu_indices(len(pos), 1)].min() >= 6
