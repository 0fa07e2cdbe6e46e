"""NeNA localization precision and FRC resolution (smlm/resolution.py), against simulations with a known answer."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from napari_maliang.cli import main
from napari_maliang.smlm.io import write_localizations
from napari_maliang.smlm.resolution import FRC_MIN_LOCALIZATIONS, MAX_FRC_IMAGE, NENA_MIN_PAIRS, frc, nena
from napari_maliang.smlm.scenes import handover_scene, random_events_scene, two_halves_scene
from napari_maliang.smlm.table import COLUMNS, empty_table


def expected_frc_resolution(sigma, pixel, level=1 / 7):
    r"""The FRC resolution of :func:`two_halves_scene`, derived without the code under test.

    Molecule :math:`m` at :math:`r_m` is localized once in each half, at :math:`r_m + e_m` and
    :math:`r_m + e'_m` with independent Gaussian errors; the histogram rounds each position to the pixel grid,
    an (effectively independent, as sigma >> pixel) uniform error per axis. The transforms of the halves are
    :math:`F_{1,2}(q) = \sum_m e^{-2\pi i q (r_m + e_m + u_m)}`, so with the characteristic functions
    :math:`E e^{-2\pi i q e} = e^{-2\pi^2\sigma^2 q^2}` and :math:`E e^{-2\pi i q_x u} = \mathrm{sinc}(q_x p)`:

    - :math:`E\,\mathrm{Re} F_1 F_2^* = |S(q)|^2 e^{-4\pi^2\sigma^2 q^2} \mathrm{sinc}^2(q_x p)\mathrm{sinc}^2(q_y p)`
      with :math:`S(q) = \sum_m e^{-2\pi i q r_m}`, whose mean square at :math:`q \neq 0` is :math:`M` for
      uniform random positions;
    - :math:`E|F_{1,2}|^2 = M` (:math:`M` unit terms; the cross terms of distinct random molecules average out).

    Hence :math:`\mathrm{FRC}(q) = e^{-4\pi^2\sigma^2 q^2} \langle \mathrm{sinc}^2(q p \cos\theta)
    \mathrm{sinc}^2(q p \sin\theta) \rangle_\theta`, independent of the density (Nieuwenhuizen et al. 2013:
    for one localization per molecule and half, the curve is the squared optical transfer of the localization
    error), and the resolution solves FRC = 1/7: without the pixel factor :math:`2\pi\sigma/\sqrt{\ln 7}
    \approx 4.50\,\sigma`. The Tukey window and the smoothing change it by well under 1 % for this smooth
    curve; the ring-to-ring noise of a 128-pixel field scatters it by about 2 %. ``level``: the value of that
    curve at the crossing (1/7, or another where the halves are mixed).
    """
    from scipy.optimize import brentq

    theta = np.linspace(0, np.pi / 2, 1001)

    def excess(q):
        pixel_transfer = np.mean(np.sinc(q * pixel * np.cos(theta)) ** 2 * np.sinc(q * pixel * np.sin(theta)) ** 2)
        return np.exp(-4 * np.pi**2 * sigma**2 * q**2) * pixel_transfer - level

    return 1 / brentq(excess, 1e-3, 1 / (2 * pixel))


# ------------------------------------------------------------------------------------------------ NeNA


@pytest.mark.parametrize(("sigma", "seed"), [(0.1, 0), (0.25, 1)])
def test_nena_recovers_the_localization_precision(sigma, seed):
    precision, curve = nena(random_events_scene(sigma, seed=seed))
    assert precision == pytest.approx(sigma, rel=0.05)
    assert list(curve.columns) == ["distance", "density", "fit"]
    assert curve.attrs["n_pairs"] > 10_000 and curve.attrs["max_distance"] == pytest.approx(10 * sigma)
    # the histogram is a probability density over [0, max_distance] and the model follows it
    width = curve["distance"].iloc[1] - curve["distance"].iloc[0]
    assert (curve["density"].sum() * width) == pytest.approx(1.0)
    assert np.abs(curve["fit"] - curve["density"]).max() < 0.1 * curve["density"].max()


def test_nena_separates_short_range_neighbours():
    """The Gaussian term takes the neighbours of the same structure (at the pair separation, with the width
    sqrt(2) sigma of two localization errors) and leaves the same-molecule term its precision."""
    precision, curve = nena(handover_scene(0.1, separation=0.6))
    params = curve.attrs["params"]
    assert precision == pytest.approx(0.1, rel=0.05)
    assert params["dc"] == pytest.approx(0.6, rel=0.05)
    assert params["omega"] == pytest.approx(np.sqrt(2) * 0.1, rel=0.05)
    assert params["a2"] > 0.02


def test_nena_needs_no_uncertainty_columns_and_takes_max_distance():
    locs = random_events_scene(0.15, seed=2)[["frame", "x", "y"]]
    precision, curve = nena(locs)
    assert curve.attrs["max_distance"] == 1.0  # without uncertainties
    assert precision == pytest.approx(0.15, rel=0.05)
    precision, curve = nena(locs, max_distance=2.0)
    assert curve.attrs["max_distance"] == 2.0 and precision == pytest.approx(0.15, rel=0.05)


def _brute_force_next_frame_distances(frame, x, y, d_max):
    out = []
    for f in np.unique(frame):
        here, there = frame == f, frame == f + 1
        if not there.any():
            continue
        dx, dy = x[there][None, :] - x[here][:, None], y[there][None, :] - y[here][:, None]
        d2 = (dx * dx + dy * dy).min(axis=1)
        out.append(np.sqrt(d2[d2 <= d_max * d_max]))
    return np.sort(np.concatenate(out)) if out else np.zeros(0)


@pytest.mark.parametrize("frames", ["shuffled", "gaps and negative", "sparse (merge sort)", "dense"])
def test_next_frame_distances_are_the_brute_force_ones(frames):
    from napari_maliang.smlm._grid_numba import frame_blocks
    from napari_maliang.smlm.resolution import _next_frame_distances

    rng = np.random.default_rng(3)
    n = 3000
    frame = {"shuffled": rng.integers(0, 200, n), "gaps and negative": rng.choice([-7, -6, -4, 0, 1, 2, 9], n),
             "sparse (merge sort)": rng.integers(0, 60, n) * 10**9 + rng.integers(0, 2, n),
             "dense": rng.integers(0, 3, n)}[frames]
    x, y = rng.uniform(0, 20, n), rng.uniform(5, 12, n)
    got = np.sort(_next_frame_distances(frame, x, y, 0.4))
    assert got.size > 50
    np.testing.assert_array_equal(got, _brute_force_next_frame_distances(frame, x, y, 0.4))
    order, starts, block_frame, rank = frame_blocks(frame.astype(np.int64))
    np.testing.assert_array_equal(order, np.argsort(frame, kind="stable"))
    np.testing.assert_array_equal(order[rank], np.arange(n))
    np.testing.assert_array_equal(block_frame, np.unique(frame))
    np.testing.assert_array_equal(np.diff(starts), np.unique(frame, return_counts=True)[1])


@pytest.mark.parametrize("scene", ["random 0.25", "handover"])
def test_nena_fit_is_scipys(scene):
    """The numba Levenberg-Marquardt reaches scipy's curve_fit minimum from the same start values."""
    import math

    from scipy.optimize import curve_fit

    from napari_maliang.smlm.resolution import _nena_model, _nena_starts, _next_frame_distances

    locs = random_events_scene(0.25, seed=1) if scene == "random 0.25" else handover_scene(0.1, separation=0.6)
    precision, curve = nena(locs)
    d_max, n_pairs = curve.attrs["max_distance"], curve.attrs["n_pairs"]
    centres, density = curve["distance"].to_numpy(), curve["density"].to_numpy()
    width = centres[1] - centres[0]
    counts = np.round(density * n_pairs * width)
    error = np.sqrt(counts + 1.0) / (n_pairs * width)
    frame, x, y = (locs[c].to_numpy() for c in ("frame", "x", "y"))
    d = _next_frame_distances(frame, x, y, d_max)
    assert d.size == n_pairs and len(centres) == int(np.clip(round(math.sqrt(n_pairs)), 30, 200))
    lower, upper = [0.0, width / 4, 0.0, 0.0, 0.0, 0.0], [np.inf, d_max, np.inf, d_max, d_max, np.inf]
    fits = [curve_fit(_nena_model, centres, density, p0=np.clip(p0, lower, upper), sigma=error, bounds=(lower, upper),
                      max_nfev=5000)[0] for p0 in _nena_starts(centres, density, d, d_max)]
    chi2 = [np.sum(((_nena_model(centres, *p) - density) / error) ** 2) for p in fits]
    assert precision == pytest.approx(fits[int(np.argmin(chi2))][1], rel=1e-5)


def test_nena_refuses_too_few_pairs():
    single = random_events_scene(0.1, n_molecules=2000, single_frame=True)  # no molecule is on in two frames
    with pytest.raises(ValueError, match=f"NeNA needs at least {NENA_MIN_PAIRS} pairs .* got 0"):
        nena(single)
    with pytest.raises(ValueError, match=f"NeNA needs at least {NENA_MIN_PAIRS} pairs .* got 0"):
        nena(empty_table())
    with pytest.raises(ValueError, match="needs columns 'frame', 'x' and 'y'"):
        nena(pd.DataFrame({"x": [1.0], "y": [2.0]}))
    with pytest.raises(ValueError, match="max_distance must be"):
        nena(single, max_distance=0)


# ------------------------------------------------------------------------------------------------- FRC


@pytest.mark.parametrize(("sigma", "pixel", "seed"), [(0.2, 0.05, 1), (0.3, 0.1, 2)])
def test_frc_matches_the_theory_of_a_random_structure(sigma, pixel, seed):
    expected = expected_frc_resolution(sigma, pixel)
    assert expected == pytest.approx(2 * np.pi * sigma / np.sqrt(np.log(7)), rel=0.01)
    resolution, curve = frc(two_halves_scene(sigma, seed=seed), pixel=pixel)
    assert resolution == pytest.approx(expected, rel=0.10)
    assert list(curve.columns) == ["spatial_frequency", "frc", "frc_smooth"]
    q = curve["spatial_frequency"].to_numpy()
    assert q[0] == 0 and q[-1] == pytest.approx(1 / (2 * pixel), rel=0.01)
    assert curve.attrs["n_half"] == (20_000, 20_000)
    # the smoothed curve follows exp(-4 pi^2 sigma^2 q^2) (Gaussian precision; pixel factor < 2 % here)
    inside = (q > 0.2 / resolution) & (q < 1.5 / resolution)
    theory = np.exp(-4 * np.pi**2 * sigma**2 * q[inside] ** 2)
    assert np.abs(curve["frc_smooth"].to_numpy()[inside] - theory).max() < 0.06


def test_frc_uses_alternating_blocks_of_frames():
    """Split into blocks of 250 frames, every localization of :func:`two_halves_scene` falls into either half
    with probability 1/2: the halves share M/2 molecules, E Re F1 F2* = (M/2) H, and a quarter of the molecules
    has both localizations in one half, E|F|^2 = M (1 + H/2), with H the curve of
    :func:`expected_frc_resolution`. The FRC (H/2) / (1 + H/2) crosses 1/7 at H = 1/3: the resolution grows by
    sqrt(ln 7 / ln 3) = 1.33. (A 256-pixel field: the flatter curve needs more rings against their noise.)"""
    sigma = 0.3
    locs = two_halves_scene(sigma, field=256.0, block_frames=500)
    right, _ = frc(locs, block_frames=500)
    mixed, curve = frc(locs, block_frames=250)
    assert right == pytest.approx(expected_frc_resolution(sigma, 0.1), rel=0.10)
    assert mixed == pytest.approx(expected_frc_resolution(sigma, 0.1, level=1 / 3), rel=0.10)
    q = curve["spatial_frequency"].to_numpy()
    band = (q > 0.2) & (q < 0.5)  # above the lowest rings, where the field's edges correlate
    h = np.exp(-4 * np.pi**2 * sigma**2 * q[band] ** 2)
    assert curve["frc_smooth"].to_numpy()[band].mean() == pytest.approx(np.mean(h / 2 / (1 + h / 2)), abs=0.03)


def test_frc_refuses_bad_input():
    locs = two_halves_scene(0.2, n_molecules=FRC_MIN_LOCALIZATIONS // 2)
    frc(locs)  # exactly the minimum
    with pytest.raises(ValueError, match=f"FRC needs at least {FRC_MIN_LOCALIZATIONS} localizations, got 999"):
        frc(locs.iloc[1:])
    with pytest.raises(ValueError, match=f"at least {FRC_MIN_LOCALIZATIONS} localizations, got 0"):
        frc(empty_table())
    with pytest.raises(ValueError, match="both halves need localizations, got 1000 and 0.*lower block_frames"):
        frc(locs, block_frames=5000)
    wide = locs.copy()
    wide.loc[0, "x"] = MAX_FRC_IMAGE * 0.1 + 10
    with pytest.raises(ValueError, match=r"would be \d+ pixels wide .* increase pixel \(now 0.1 camera px\) to at "
                       "least 0.102"):
        frc(wide)
    sharp = two_halves_scene(0.01, n_molecules=5000)  # resolution 0.045 px: beyond the Nyquist limit of 0.1 px
    with pytest.raises(ValueError, match="resolution not reached within the image: FRC stays above 1/7"):
        frc(sharp, pixel=0.1)
    with pytest.raises(ValueError, match="pixel must be"):
        frc(locs, pixel=-1)


# --------------------------------------------------------------------------------------------- command line


def test_command_line_prints_px_and_nm(tmp_path, capsys):
    path = tmp_path / "locs.hdf5"
    write_localizations(random_events_scene(0.1, n_molecules=5000)[list(COLUMNS)], path, pixel_size_nm=160.0)
    curve = tmp_path / "nena.csv"
    assert main(["nena", str(path), "--curve", str(curve)]) == 0
    out = capsys.readouterr().out
    precision = float(out.split("precision: ")[1].split(" px")[0])
    assert precision == pytest.approx(0.1, rel=0.05)
    assert float(out.split(" px = ")[1].split(" nm")[0]) == pytest.approx(precision * 160, rel=0.01)
    assert list(pd.read_csv(curve).columns) == ["distance", "density", "fit"]

    path = tmp_path / "halves.hdf5"
    write_localizations(two_halves_scene(0.3)[list(COLUMNS)], path, pixel_size_nm=160.0)
    assert main(["frc", str(path), "--pixel", "0.1", "--block-frames", "500", "--curve", str(curve)]) == 0
    out = capsys.readouterr().out
    resolution = float(out.split("resolution: ")[1].split(" px")[0])
    assert resolution == pytest.approx(expected_frc_resolution(0.3, 0.1), rel=0.10)
    assert float(out.split(" px = ")[1].split(" nm")[0]) == pytest.approx(resolution * 160, rel=0.01)
    assert list(pd.read_csv(curve).columns) == ["spatial_frequency", "frc", "frc_smooth"]
    assert main(["frc", str(path), "--block-frames", "5000"]) == 2
    assert "both halves need localizations" in capsys.readouterr().err
