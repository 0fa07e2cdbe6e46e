"""Multi-emitter fitting: known-answer pairs, no splitting of single molecules, joint CRLB, pipeline recall."""

import numpy as np
import pytest

from napari_maliang.smlm.fit import fit_spots
from napari_maliang.smlm.multifit import fit_emitters, pair_start, split_pairs
from napari_maliang.smlm.pipeline import COLUMNS, localize
from napari_maliang.smlm.psf import expected_counts
from napari_maliang.smlm.simulate import simulate_movie

SIGMA = 1.3
BG = 20.0


def _frame(xs, ys, photons, size=64, seed=0, bg=BG):
    """One Poisson frame (size x size) with emitters at (xs, ys)."""
    mu = expected_counts(size, np.asarray(xs, float), np.asarray(ys, float), np.asarray(photons, float), 0.0, SIGMA)
    mu = mu.reshape(-1, size, size).sum(axis=0) + bg
    return np.random.default_rng(seed).poisson(mu).astype(np.uint16)


def _pairs(n, box, sep, photons=(800.0, 3000.0), seed=0):
    rng = np.random.default_rng(seed)
    c = (box - 1) / 2
    ang = rng.uniform(0, np.pi, n)
    cx, cy = c + rng.uniform(-0.5, 0.5, n), c + rng.uniform(-0.5, 0.5, n)
    x1, y1 = cx - 0.5 * sep * np.cos(ang), cy - 0.5 * sep * np.sin(ang)
    x2, y2 = cx + 0.5 * sep * np.cos(ang), cy + 0.5 * sep * np.sin(ang)
    n1, n2 = rng.uniform(*photons, n), rng.uniform(*photons, n)
    mu = expected_counts(box, x1, y1, n1, BG, SIGMA) + expected_counts(box, x2, y2, n2, 0.0, SIGMA)
    return rng.poisson(mu).astype(np.float32), (x1, y1, n1, x2, y2, n2)


def _assign(fx, fy, x1, y1, x2, y2):
    """Order the two fitted emitters so that emitter 0 is the one nearest to truth 1."""
    straight = np.hypot(fx[:, 0] - x1, fy[:, 0] - y1) + np.hypot(fx[:, 1] - x2, fy[:, 1] - y2)
    swapped = np.hypot(fx[:, 1] - x1, fy[:, 1] - y1) + np.hypot(fx[:, 0] - x2, fy[:, 0] - y2)
    return swapped < straight


@pytest.mark.parametrize("sep", [2.5, 3.0, 4.0])
def test_split_pairs_known_answer(sep):
    spots, (x1, y1, n1, x2, y2, n2) = _pairs(300, 9, sep, seed=int(sep * 10))
    out = split_pairs(spots, psf_sigma=SIGMA)
    assert out.split.mean() > 0.97
    p = out.pair
    sw = _assign(p.x, p.y, x1, y1, x2, y2)
    fx = np.where(sw[:, None], p.x[:, ::-1], p.x)
    fy = np.where(sw[:, None], p.y[:, ::-1], p.y)
    fn = np.where(sw[:, None], p.photons[:, ::-1], p.photons)
    ok = out.split
    err = np.hypot(fx - np.c_[x1, x2], fy - np.c_[y1, y2])[ok]
    assert np.median(err) < 0.15 and np.quantile(err, 0.95) < 0.3
    rel = np.abs(fn / np.c_[n1, n2] - 1)[ok]
    assert np.median(rel) < 0.08 and np.quantile(rel, 0.9) < 0.15
    # the joint Cramer-Rao bound predicts the scatter of the separated positions
    rmse = np.sqrt(np.mean((fx - np.c_[x1, x2])[ok] ** 2))
    crlb = np.sqrt(np.mean(p.crlb_x[ok] ** 2))
    assert 0.75 < rmse / crlb < 1.3


@pytest.mark.parametrize("sep", [2.5, 3.0, 4.0])
def test_localize_separates_known_pairs(sep):
    # six pairs in one 96 x 96 frame at different orientations, 1500 and 2500 photons
    rng = np.random.default_rng(int(sep * 7))
    centres = [(20, 20), (48, 20), (76, 20), (20, 70), (48, 70), (76, 70)]
    xs, ys, ns = [], [], []
    for k, (cx, cy) in enumerate(centres):
        a = k * np.pi / 6 + rng.uniform(0, 0.3)
        cx, cy = cx + rng.uniform(-0.5, 0.5), cy + rng.uniform(-0.5, 0.5)
        xs += [cx - 0.5 * sep * np.cos(a), cx + 0.5 * sep * np.cos(a)]
        ys += [cy - 0.5 * sep * np.sin(a), cy + 0.5 * sep * np.sin(a)]
        ns += [1500.0, 2500.0]
    movie = np.stack([_frame(xs, ys, ns, size=96, seed=s) for s in range(4)])
    locs = localize(movie, backend="cpu")
    assert list(locs.columns) == list(COLUMNS)
    single = localize(movie, backend="cpu", multi_emitter=False)
    found = 0
    for f in range(len(movie)):
        d = locs[locs.frame == f]
        assert len(d) == len(xs)  # every molecule, nothing else
        dist = np.hypot(d.x.to_numpy()[:, None] - np.array(xs)[None], d.y.to_numpy()[:, None] - np.array(ys)[None])
        j = dist.argmin(axis=0)
        assert len(set(j)) == len(xs)  # one-to-one
        assert dist.min(axis=0).max() < 0.3
        np.testing.assert_allclose(d.photons.to_numpy()[j], ns, rtol=0.15)
        assert (d.uncertainty_x.to_numpy() > 0).all() and (d.uncertainty_x.to_numpy() < 0.2).all()
        found += len(d)
    assert len(single) < found  # the single-emitter fit alone merges the pairs


def test_isolated_spots_are_not_split():
    rng = np.random.default_rng(3)
    n = 3000
    for photons in (200.0, 1000.0, 5000.0):
        cx, cy = 4 + rng.uniform(-1, 1, n), 4 + rng.uniform(-1, 1, n)
        spots = rng.poisson(expected_counts(9, cx, cy, photons, BG, SIGMA)).astype(np.float32)
        out = split_pairs(spots, psf_sigma=SIGMA)
        assert out.split.mean() < 0.001
    # a molecule wider than the PSF (defocus) is one wide emitter, not two
    spots = rng.poisson(expected_counts(9, cx, cy, 3000.0, BG, 1.7)).astype(np.float32)
    assert split_pairs(spots, psf_sigma=SIGMA).split.mean() < 0.01


def test_localize_isolated_movie_no_false_splits():
    movie, truth = simulate_movie(frames=30, shape=(96, 96), n_emitters=12, photons=(300, 5000), background=BG,
                                  min_distance=10, seed=4)
    on = localize(movie, backend="cpu")
    off = localize(movie, backend="cpu", multi_emitter=False)
    assert len(on) == len(off) >= 0.99 * len(truth)  # nothing split, nothing lost
    np.testing.assert_allclose(on.sort_values(["frame", "x"]).x.to_numpy(),
                               off.sort_values(["frame", "x"]).x.to_numpy())


def _recall(truth, locs, radius=1.0):
    from scipy.optimize import linear_sum_assignment

    tp = 0
    for f, t in truth.groupby("frame"):
        d = locs[locs.frame == f]
        if len(d) == 0:
            continue
        dist = np.hypot(t.x.to_numpy()[:, None] - d.x.to_numpy()[None], t.y.to_numpy()[:, None] - d.y.to_numpy()[None])
        cost = np.where(dist < radius, dist, 1e6)
        r, c = linear_sum_assignment(cost)
        tp += int((cost[r, c] < radius).sum())
    return tp / len(truth), tp / max(len(locs), 1)


def test_random_layout_recall_improves():
    # uniform random positions at 3x the density of the benchmark scene (about 9 % of the molecules
    # have a neighbour within 5 px): single-emitter recall 0.93, with pairs separated 0.995
    movie, truth = simulate_movie(frames=40, shape=(128, 128), n_emitters=20, photons=(500, 3000), background=BG,
                                  seed=21)
    rec_on, prec_on = _recall(truth, localize(movie, backend="cpu"))
    rec_off, prec_off = _recall(truth, localize(movie, backend="cpu", multi_emitter=False))
    assert rec_on > rec_off + 0.04
    assert rec_on >= 0.99
    assert prec_on >= 0.99


def test_fixed_width_pipeline_separates_pairs_without_false_splits():
    # with fit_sigma=False the suspects come from the deviance test and the neighbour test
    movie, truth = simulate_movie(frames=40, shape=(128, 128), n_emitters=20, photons=(500, 3000), background=BG,
                                  seed=21)
    rec_on, prec_on = _recall(truth, localize(movie, backend="cpu", fit_sigma=False))
    rec_off, _ = _recall(truth, localize(movie, backend="cpu", fit_sigma=False, multi_emitter=False))
    assert rec_on > rec_off + 0.02 and rec_on >= 0.99 and prec_on >= 0.99
    iso, _ = simulate_movie(frames=30, shape=(96, 96), n_emitters=12, photons=(300, 5000), background=BG,
                            min_distance=10, seed=4)
    assert len(localize(iso, backend="cpu", fit_sigma=False)) == len(
        localize(iso, backend="cpu", fit_sigma=False, multi_emitter=False))


def test_deviance_matches_scipy():
    from scipy.special import gammaln

    from napari_maliang.smlm.overlaps import fit_deviance as _deviance

    rng = np.random.default_rng(1)
    n = 20000  # several blocks of the threaded pass, the last one partial
    spots = rng.poisson(25.0, (n, 7, 7)).astype(np.float32)
    spots[0, 0, :3] = (2.5, 0.0, -1.0)  # a non-integer count, a zero, a negative (read noise)
    spots[-1] *= 3.0
    ll = -rng.uniform(100, 200, n)
    q = np.clip(spots.reshape(n, -1).astype(np.float64), 0, None)
    sat = (np.where(q > 0, q * np.log(np.where(q > 0, q, 1.0)), 0.0) - q - gammaln(q + 1)).sum(axis=1)
    np.testing.assert_allclose(_deviance(spots, ll), 2 * (sat - ll), rtol=1e-6, atol=1e-3)


def test_pair_crlb_matches_single_emitter_when_far_apart():
    box = 21
    x1, y1, x2, y2 = 5.0, 10.2, 15.3, 9.7
    mu = expected_counts(box, np.array([x1, x2]), np.array([y1, y2]), np.array([1000.0, 2000.0]), 0.0, SIGMA)
    pair_img = (mu.sum(axis=0) + BG)[None].astype(np.float32)  # noise-free: estimate = truth
    start = np.array([[x1 + 0.2, y1 - 0.1, 900.0, x2 - 0.2, y2, 2100.0, BG + 1]])
    pair = fit_emitters(pair_img, start, sigma=SIGMA, iterations=30, tolerance=1e-4)
    np.testing.assert_allclose(pair.x[0], [x1, x2], atol=1e-3)
    np.testing.assert_allclose(pair.photons[0], [1000.0, 2000.0], rtol=1e-3)
    for e, (x, y, n) in enumerate([(x1, y1, 1000.0), (x2, y2, 2000.0)]):
        one = (expected_counts(box, x, y, n, BG, SIGMA))[None].astype(np.float32)
        single = fit_spots(one, sigma=SIGMA, iterations=30, tolerance=1e-4, backend="cpu")
        np.testing.assert_allclose(pair.crlb_x[0, e], single.crlb_x[0], rtol=0.05)
        np.testing.assert_allclose(pair.crlb_y[0, e], single.crlb_y[0], rtol=0.05)
    # close together the overlap costs precision
    mu = expected_counts(box, np.array([9.0, 11.0]), np.array([10.0, 10.0]), np.array([1000.0, 1000.0]), 0.0, SIGMA)
    close = (mu.sum(axis=0) + BG)[None].astype(np.float32)
    pc = fit_emitters(close, np.array([[8.8, 10.0, 900.0, 11.2, 10.0, 900.0, BG]]), sigma=SIGMA, iterations=30,
                      tolerance=1e-4)
    one = expected_counts(box, 9.0, 10.0, 1000.0, BG, SIGMA)[None].astype(np.float32)
    assert pc.crlb_x[0, 0] > 1.5 * fit_spots(one, sigma=SIGMA, backend="cpu").crlb_x[0]


def test_unrolled_pair_kernel_matches_general_loop():
    from napari_maliang.smlm._lm_numba import multi_fit_block

    spots, _ = _pairs(50, 9, 3.0, seed=9)
    single = fit_spots(spots, sigma=None, backend="cpu")
    start = pair_start(spots, single.x, single.y, single.photons, single.background, single.sigma, SIGMA)
    sig = np.full(50, SIGMA)
    outs = []
    for unrolled in (True, False):
        params, crlb, ll, conv = np.empty((50, 7)), np.empty((50, 7)), np.empty(50), np.zeros(50, bool)
        multi_fit_block(spots, 0, 50, start, 2, False, sig, 20, 0.05, params, crlb, ll, conv, unrolled)
        outs.append((params, crlb, ll))
    for a, b in zip(outs[0], outs[1], strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-8)


def test_fit_emitters_one_emitter_free_width_matches_fit_spots():
    spots, _ = _pairs(40, 7, 0.0, seed=2)  # sep 0: one emitter of n1 + n2 photons
    single = fit_spots(spots, sigma=None, backend="cpu", tolerance=1e-3, iterations=30)
    start = np.column_stack([single.x + 0.1, single.y - 0.1, single.photons * 0.9, single.background, single.sigma])
    one = fit_emitters(spots, start, sigma=None, iterations=30, tolerance=1e-3)
    np.testing.assert_allclose(one.x[:, 0], single.x, atol=2e-3)
    np.testing.assert_allclose(one.sigma, single.sigma, atol=2e-3)
    np.testing.assert_allclose(one.log_likelihood, single.log_likelihood, atol=1e-2)
    np.testing.assert_allclose(one.crlb_x[:, 0], single.crlb_x, rtol=1e-2)


def test_bad_options():
    spots, _ = _pairs(3, 7, 3.0)
    with pytest.raises(ValueError, match="columns"):
        fit_emitters(spots, np.zeros((3, 6)), sigma=SIGMA)
    with pytest.raises(ValueError, match="shape"):
        fit_emitters(spots, np.zeros((2, 7)), sigma=SIGMA)
    with pytest.raises(ValueError, match="sigma"):
        fit_emitters(spots, np.zeros((3, 7)), sigma=-1.0)
    movie = np.zeros((2, 32, 32), np.uint16)
    with pytest.raises(ValueError, match="min_llr"):
        localize(movie, backend="cpu", min_llr=-1)
    with pytest.raises(TypeError, match="min_llr"):
        localize(movie, backend="cpu", min_llr="high")


def test_cli_multi_emitter_flag(tmp_path):
    import pandas as pd
    import tifffile

    from napari_maliang.cli import main

    cx, cy = np.meshgrid([12.0, 32.4, 52.1], [12.2, 32.0, 51.8])
    xs = np.stack([cx.ravel() - 1.5, cx.ravel() + 1.5], axis=1).ravel()
    ys = np.repeat(cy.ravel(), 2)
    movie = np.stack([_frame(xs, ys, np.full(len(xs), 2000.0), size=64, seed=s) for s in range(2)])
    tifffile.imwrite(tmp_path / "pairs.tif", movie)
    assert main(["localize", str(tmp_path / "pairs.tif"), "-o", str(tmp_path / "on.csv"), "--quiet"]) == 0
    assert main(["localize", str(tmp_path / "pairs.tif"), "-o", str(tmp_path / "off.csv"), "--quiet",
                 "--no-multi-emitter"]) == 0
    assert len(pd.read_csv(tmp_path / "on.csv")) == 2 * len(xs)
    assert len(pd.read_csv(tmp_path / "off.csv")) < len(xs) + 2


def test_near_pairs_matches_brute_force():
    from napari_maliang.smlm.detect import Detections
    from napari_maliang.smlm.overlaps import near_pairs as _near_pairs

    rng = np.random.default_rng(8)
    n = 400
    frame = np.sort(rng.integers(0, 5, n))
    y, x = rng.integers(0, 64, n), rng.integers(0, 64, n)
    order = np.lexsort((x, y, frame))  # raster order, as detect() returns
    for perm in (order, rng.permutation(n)):
        f, yy, xx = frame[perm], y[perm], x[perm]
        det = Detections(frame=f, y=yy.astype(np.int32), x=xx.astype(np.int32), y0=yy, x0=xx,
                         score=np.ones(n, np.float32), noise=np.ones(5, np.float32), box=7)
        cheb = np.maximum(np.abs(yy[:, None] - yy[None]), np.abs(xx[:, None] - xx[None]))
        close = (cheb <= 5) & (f[:, None] == f[None]) & ~np.eye(n, dtype=bool)
        np.testing.assert_array_equal(_near_pairs(det, 5, 64), close.any(axis=1))


def test_small_frames_and_border_pairs():
    # frames too small for the enlarged refit box, and a pair on the frame border
    small = np.stack([_frame([3.0, 5.5], [4.0, 4.0], [2000.0, 2000.0], size=8, seed=s) for s in range(3)])
    locs = localize(small, backend="cpu")
    assert len(locs) >= 3 and np.isfinite(locs[["x", "y", "uncertainty_x"]].to_numpy()).all()
    edge = np.stack([_frame([0.8, 3.6, 30.0], [20.0, 20.4, 30.0], [2000.0, 2000.0, 2000.0], size=48, seed=s)
                     for s in range(3)])
    locs = localize(edge, backend="cpu")
    for f in range(3):
        d = locs[locs.frame == f]
        assert len(d) == 3
        assert np.hypot(d.x.to_numpy() - 0.8, d.y.to_numpy() - 20.0).min() < 0.3


def test_estimate_psf_sigma_ignores_pairs():
    from napari_maliang.smlm.pipeline import estimate_psf_sigma

    movie, _ = simulate_movie(frames=20, shape=(96, 96), n_emitters=20, photons=(1000, 3000), background=BG,
                              psf_sigma=1.5, seed=2)
    assert abs(estimate_psf_sigma(movie, psf_sigma=1.0) - 1.5) < 0.05


def test_empty_input():
    empty = np.zeros((0, 9, 9), np.float32)
    out = split_pairs(empty, psf_sigma=SIGMA)
    assert out.split.shape == (0,) and out.pair.x.shape == (0, 2)
    res = fit_emitters(empty, np.zeros((0, 7)), sigma=SIGMA)
    assert len(res) == 0
