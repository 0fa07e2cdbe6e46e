"""PALM post-processing: filter_localizations, link (merging blinks) and DBSCAN cluster / cluster_stats, on
simulated tables with known answers, and the ``maliang filter/link/cluster`` commands."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest

from napari_maliang.cli import main
from napari_maliang.smlm.clustering import cluster, cluster_stats, site_members
from napari_maliang.smlm.filtering import filter_localizations, parse_range
from napari_maliang.smlm.io import read_localizations, write_localizations
from napari_maliang.smlm.linking import gate_factor, link, link_ids
from napari_maliang.smlm.scenes import blinking_events, site_recovery, sites_scene, true_tracks
from napari_maliang.smlm.table import COLUMNS, empty_table

ATTRS = {"pixel_size_nm": 107.0, "n_frames": 600, "shape": (96, 96)}


def blinking_table(n_mol=3000, n_frames=600, shape=(96, 96), seed=0, p_gap=0.3, spread=0.5):
    """``scenes.blinking_events`` of ``n_mol`` molecules at uniform random positions (photons log-normal around
    600, log-spread ``spread``). Returns the table (rows shuffled), the molecule of every row and the
    molecules' ``(y, x)``."""
    rng = np.random.default_rng(seed)
    pos = rng.uniform(1, np.array(shape) - 1, (n_mol, 2))  # (y, x)
    df, mol = blinking_events(pos, n_frames, rng, photons=600.0, photon_spread=spread, p_gap=p_gap,
                              pixel_size_nm=ATTRS["pixel_size_nm"], shape=shape)
    return df, mol, pos


# --------------------------------------------------------------------------------------------- link


@pytest.fixture(scope="module")
def blinks():
    return blinking_table()


def test_link_recovers_the_on_events(blinks):
    df, mol, _ = blinks
    truth = true_tracks(df["frame"].to_numpy(), mol, max_dark=1)
    ids = link_ids(df, max_dark=1)
    pairs = pd.DataFrame({"truth": truth, "found": ids, "mol": mol})
    found_per_truth = pairs.groupby("truth")["found"].nunique()
    truth_per_found = pairs.groupby("found")["truth"].nunique()
    mols_per_found = pairs.groupby("found")["mol"].nunique()
    only = truth_per_found.loc[pairs.groupby("truth")["found"].first()].to_numpy() == 1
    exact = (found_per_truth == 1) & only  # the event is one track, holding nothing else
    assert len(found_per_truth) > 5000  # a non-trivial number of events, many within a gate of another molecule
    assert exact.mean() >= 0.98, exact.mean()
    assert (mols_per_found > 1).mean() < 0.01, (mols_per_found > 1).mean()


def test_merged_position_error_is_the_merged_uncertainty(blinks):
    df, mol, pos = blinks
    linked = link(df)
    ids = link_ids(df)
    molecule = pd.Series(mol).groupby(ids).first().to_numpy()
    pure = (pd.Series(mol).groupby(ids).nunique() == 1).to_numpy()  # the < 1 % wrong joins have no truth
    assert len(linked) == len(molecule) and len(linked) < 0.6 * len(df)
    for axis, col in ((1, "x"), (0, "y")):
        z = (linked[col].to_numpy() - pos[molecule, axis]) / linked[f"uncertainty_{col}"].to_numpy(np.float64)
        assert 0.95 < np.std(z[pure]) < 1.05, np.std(z[pure])
    one = linked["n_locs"].to_numpy() == 1
    assert np.allclose(linked.loc[one, "uncertainty_x"], df.groupby(ids)["uncertainty_x"].first()[one])


def test_merged_error_shrinks_as_one_over_sqrt_n():
    df, mol, pos = blinking_table(n_mol=4000, seed=3, spread=0.0)  # every localization has the same precision
    sigma = float(df["uncertainty_x"].iloc[0])
    linked = link(df)
    molecule = pd.Series(mol).groupby(link_ids(df)).first().to_numpy()
    error = np.concatenate([linked["x"] - pos[molecule, 1], linked["y"] - pos[molecule, 0]])
    n = np.tile(linked["n_locs"].to_numpy(), 2)
    for k in (1, 2, 3, 5):
        rms = np.sqrt(np.mean(error[n == k] ** 2))
        assert rms == pytest.approx(sigma / np.sqrt(k), rel=0.1), (k, rms)
    assert np.allclose(linked["uncertainty_x"], sigma / np.sqrt(linked["n_locs"]), rtol=1e-5)


def test_merged_values():
    # one molecule at (5, 7) in frames 3, 4, 6 with precisions 0.1, 0.2, 0.1; a second one far away
    df = pd.DataFrame(
        {
            "frame": [6, 3, 4, 4],
            "x": [5.1, 4.95, 5.2, 30.0],
            "y": [7.0, 7.05, 6.9, 30.0],
            "photons": [100.0, 200.0, 300.0, 50.0],
            "background": [10.0, 20.0, 30.0, 5.0],
            "uncertainty_x": [0.1, 0.1, 0.2, 0.1],
            "uncertainty_y": [0.1, 0.1, 0.2, 0.1],
            "tag": [1.0, 2.0, 6.0, 9.0],
            "name": ["c", "a", "b", "z"],
        }
    )
    df.attrs.update(ATTRS)
    out = link(df, max_dark=1)
    assert list(out.columns) == [*df.columns, "first_frame", "n_frames", "n_locs"]
    assert out.attrs == ATTRS
    m = out.iloc[0]
    w = np.array([100.0, 100.0, 25.0])  # 1 / u**2 of frames 3, 6, 4
    assert m["x"] == pytest.approx(np.dot(w, [4.95, 5.1, 5.2]) / w.sum())
    assert m["uncertainty_x"] == pytest.approx(1 / np.sqrt(w.sum()), rel=1e-6)
    assert (m["frame"], m["first_frame"], m["n_frames"], m["n_locs"]) == (3, 3, 4, 3)
    assert m["photons"] == 600.0 and m["background"] == 20.0 and m["tag"] == 3.0 and m["name"] == "a"
    assert out.iloc[1][["x", "frame", "n_locs", "name"]].tolist() == [30.0, 4, 1, "z"]
    # linking the linked table again changes nothing, and its spans combine
    again = link(out, max_dark=1)
    spans = ["frame", "first_frame", "n_frames", "n_locs"]
    assert again[spans].equals(out[spans])


def test_max_dark_is_respected():
    frames = [0, 1, 4, 6]  # dark gaps of 2 frames (2, 3) and of 1 frame (5)
    df = pd.DataFrame({"frame": frames, "x": [3.0] * 4, "y": [4.0] * 4})
    assert link(df, 0.5, max_dark=1)["n_locs"].tolist() == [2, 2]
    assert link(df, 0.5, max_dark=2)["n_locs"].tolist() == [4]
    assert link(df, 0.5, max_dark=0)["n_locs"].tolist() == [2, 1, 1]


def test_dense_frames_are_assigned_one_to_one_closest_first():
    # two molecules 0.3 px apart, both on in frames 0..3, within one gate of each other; in frame 1 the
    # localization listed first (10.2) lies within the gate of both tracks: a first-come rule would give it
    # the track at 10.0, the closest-first assignment gives it the one at 10.3.
    df = pd.DataFrame(
        {
            "frame": [0, 0, 1, 1, 2, 2, 3, 3],
            "x": [10.0, 10.3, 10.2, 10.05, 10.0, 10.3, 10.3, 10.0],
            "y": [5.0] * 8,
        }
    )
    ids = link_ids(df, 0.5)
    assert ids.tolist() == [0, 1, 1, 0, 0, 1, 1, 0]
    out = link(df, 0.5)
    assert out["n_locs"].tolist() == [4, 4]
    assert out["x"].to_numpy() == pytest.approx([10.0125, 10.275])
    # one localization per track and frame: two at the same place in one frame stay apart
    same = pd.DataFrame({"frame": [0, 0, 1], "x": [1.0, 1.0, 1.0], "y": [1.0, 1.0, 1.0]})
    assert sorted(link(same, 0.5)["n_locs"].tolist()) == [1, 2]


def _reference_link_ids(frame, x, y, u, radius, max_dark):
    """The linking rule written plainly (pure Python): frame by frame, the open tracks within ``max_dark``,
    every (localization, track) pair within the gate, assigned closest first (distance over gate); ties: the
    localization first in the input, then the track whose last localization has the smaller x, then the older
    track. New tracks in row order."""
    factor = gate_factor()
    ids = np.full(len(frame), -1)
    tracks = []  # [id, x, y, u, last frame]
    n_tracks = 0
    for f in np.unique(frame):
        rows = np.flatnonzero(frame == f)
        tracks = [t for t in tracks if t[4] >= f - max_dark - 1]
        pairs = []
        for rank, a in enumerate(rows):
            for t in sorted(tracks, key=lambda t: (t[1], t[0])):
                gate = radius if radius else factor * np.sqrt(u[a] ** 2 + t[3] ** 2)
                d2 = (t[1] - x[a]) ** 2 + (t[2] - y[a]) ** 2
                if d2 <= gate * gate:
                    pairs.append((d2 / (gate * gate), rank, t[1], t[0], a, t))
        taken = set()
        for *_, a, t in sorted(pairs, key=lambda p: p[:4]):
            if ids[a] < 0 and t[0] not in taken:
                taken.add(t[0])
                ids[a] = t[0]
                t[1:] = [x[a], y[a], u[a], f]
        for a in rows:
            if ids[a] < 0:
                ids[a], n_tracks = n_tracks, n_tracks + 1
                tracks.append([ids[a], x[a], y[a], u[a], f])
    return ids


@pytest.mark.parametrize(("case", "radius", "max_dark"), [("grid", None, 1), ("grid", 0.6, 0), ("grid", None, 3),
                                                         ("random", None, 1), ("random", 0.3, 2)])
def test_link_is_the_plain_rule(case, radius, max_dark):
    """The kernel (buckets of x, pairs without rivals assigned at once) gives the plain rule's tracks, ties
    included: on a grid of 0.25 px many distances and x are equal."""
    rng = np.random.default_rng(7)
    n = 1500
    frame = rng.integers(-3, 120, n)
    if case == "grid":
        x, y = rng.integers(0, 12, n) * 0.25, rng.integers(0, 12, n) * 0.25
    else:
        x, y = rng.uniform(0, 6, n), rng.uniform(0, 6, n)
    u = rng.choice([0.05, 0.1, 0.2], n)
    df = pd.DataFrame({"frame": frame, "x": x, "y": y, "uncertainty_x": u, "uncertainty_y": u})
    got = link_ids(df, radius, max_dark=max_dark)
    expected = _reference_link_ids(frame, x, y, u, radius, max_dark)
    np.testing.assert_array_equal(got, expected)
    linked = link(df, radius, max_dark=max_dark)
    assert len(linked) == got.max() + 1
    np.testing.assert_array_equal(linked["frame"], pd.Series(frame).groupby(got).min())


def _dense_scene(persistent, n=3000, n_frames=240, seed=11):
    """``n`` localizations in ``n_frames`` frames on 5 x 5 px (tracks chain across frames, so many cross any
    cut of the frames); ``persistent``: plus one isolated molecule on in every frame (rows shuffled)."""
    rng = np.random.default_rng(seed)
    frame, x, y = rng.integers(-5, n_frames - 5, n), rng.uniform(0, 5, n), rng.uniform(0, 5, n)
    u = rng.choice([0.05, 0.1, 0.2], n)
    if persistent:
        frame = np.concatenate([frame, np.arange(-5, n_frames - 5)])
        x, y = np.concatenate([x, np.full(n_frames, 20.0)]), np.concatenate([y, np.full(n_frames, 20.0)])
        u = np.concatenate([u, np.full(n_frames, 0.05)])
    rows = rng.permutation(frame.size)
    return frame[rows], x[rows], y[rows], u[rows]


@pytest.mark.parametrize(("radius", "max_dark"), [(None, 1), (None, 3), (0.3, 2)])
@pytest.mark.parametrize("persistent", [False, True])
def test_frame_chunks_link_as_one_sequential_run(radius, max_dark, persistent):
    """The frames cut into chunks linked at once (every chunk but the first speculated from no open track, then
    linked again from the true tracks until the two runs coincide) give the plain rule's tracks, with tracks
    crossing the cuts; with a molecule on in every frame the runs never coincide and the second run goes on to
    the chunk's end."""
    from napari_maliang.smlm._link_numba import link_tracks

    frame, x, y, u = _dense_scene(persistent)
    expected = _reference_link_ids(frame, x, y, u, radius, max_dark)
    middle = np.median(frame)
    spans = pd.Series(frame).groupby(expected).agg(["min", "max"])
    assert ((spans["min"] < middle) & (spans["max"] > middle)).sum() >= 3  # tracks cross the middle cut
    for n_chunks in (1, 2, 3, 7, 40):
        ids, first_rows = link_tracks(frame.astype(np.int64), x, y, u, radius or 0.0, gate_factor(), max_dark,
                                      n_chunks)
        np.testing.assert_array_equal(ids, expected, err_msg=f"{n_chunks} chunks")
        np.testing.assert_array_equal(ids[first_rows], np.arange(first_rows.size))
    df = pd.DataFrame({"frame": frame, "x": x, "y": y, "uncertainty_x": u, "uncertainty_y": u})
    np.testing.assert_array_equal(link_ids(df, radius, max_dark=max_dark), expected)


@pytest.mark.parametrize("persistent", [False, True])
def test_second_run_stops_where_the_runs_coincide(persistent):
    """The second run of a speculated chunk stops a few frames after the cut (the tracks of the first chunk
    end), and never while a molecule stays on across the whole chunk."""
    from napari_maliang.smlm._link_numba import bucket_grid, frame_order, link_blocks, new_state, open_bound

    frame, x, y, u = _dense_scene(persistent, n=6000, n_frames=400)
    with ThreadPoolExecutor(1) as pool:
        order, starts, block_frame, xyu = frame_order(frame.astype(np.int64), x, y, u, pool, 1)
    grid = bucket_grid(x, u, block_frame.size, 0.0, gate_factor())
    n, cut, end = frame.size, block_frame.size // 2, block_frame.size
    common = (starts, block_frame, xyu, grid, 0.0, gate_factor(), 1, np.empty(n, np.int64), np.zeros(n, np.int64))
    first, second = new_state(open_bound(starts, 1), grid[2]), new_state(open_bound(starts, 1), grid[2])
    assert link_blocks(0, cut, *common, first, -1) == cut
    assert link_blocks(cut, end, *common, second, -1) == end
    stop = link_blocks(cut, end, *common, first, cut)
    if persistent:
        assert stop == end
    else:
        assert cut < stop < cut + 30


def test_unsorted_and_negative_frames_give_the_sorted_answer(blinks):
    df = blinks[0].iloc[:3000].copy()
    df["frame"] -= 100
    sorted_df = df.sort_values("frame", kind="stable").reset_index(drop=True)
    a = link(df).sort_values(["frame", "x"]).reset_index(drop=True)
    b = link(sorted_df).sort_values(["frame", "x"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)
    assert a["frame"].min() < 0


def test_automatic_gate_is_the_rayleigh_quantile():
    assert gate_factor(1e-3) == pytest.approx(3.7169, abs=1e-4)
    # pair scale s = sqrt(0.1**2 + 0.1**2): linked at 3.6 s, not at 3.8 s
    s = np.sqrt(0.02)
    for distance, n_tracks in ((3.6 * s, 1), (3.8 * s, 2)):
        df = pd.DataFrame(
            {"frame": [0, 1], "x": [0.0, distance], "y": [0.0, 0.0], "uncertainty_x": [0.1, 0.1],
             "uncertainty_y": [0.1, 0.1]}
        )
        assert len(link(df)) == n_tracks


def test_link_empty_and_bad_input():
    out = link(empty_table(ATTRS))
    assert len(out) == 0 and list(out.columns) == [*COLUMNS, "first_frame", "n_frames", "n_locs"]
    assert out.attrs == ATTRS
    with pytest.raises(ValueError, match="radius must be a finite number > 0, got 0.0"):
        link(empty_table(), radius=0)
    with pytest.raises(ValueError, match="max_dark must be an integer >= 0"):
        link(empty_table(), max_dark=-1)
    plain = pd.DataFrame({"frame": [0, 1], "x": [0.0, 0.1], "y": [0.0, 0.0]})
    with pytest.raises(ValueError, match=r"lacks \['uncertainty_x', 'uncertainty_y'\]; give a radius"):
        link(plain)
    assert len(link(plain, radius=0.5)) == 1
    nan = plain.assign(uncertainty_x=[0.1, np.nan], uncertainty_y=[0.1, 0.1])
    with pytest.raises(ValueError, match="1 localization"):
        link(nan)
    with pytest.raises(ValueError, match=r"lacks the column\(s\) \['y'\]"):
        link(plain.drop(columns="y"), radius=1)


# ------------------------------------------------------------------------------------------- filter


def test_filter_inclusive_open_ends_and_columns_kept():
    df = pd.DataFrame(
        {"frame": [0, 1, 2, 3], "x": [1.0, 2.0, 3.0, 4.0], "photons": [100.0, 500.0, 900.0, np.nan],
         "extra": ["a", "b", "c", "d"]}
    )
    df.attrs.update(ATTRS)
    out = filter_localizations(df, photons=(500, 900))
    assert out["extra"].tolist() == ["b", "c"] and list(out.columns) == list(df.columns)
    assert out.attrs == ATTRS and out.index.tolist() == [0, 1]
    assert filter_localizations(df, photons=(500, None))["frame"].tolist() == [1, 2]  # NaN fails a bound
    assert filter_localizations(df, photons=(None, None))["frame"].tolist() == [0, 1, 2, 3]
    assert filter_localizations(df, photons=(None, 500), frame=(1, None))["frame"].tolist() == [1]
    empty = filter_localizations(df, photons=(1e4, None))
    assert len(empty) == 0 and list(empty.columns) == list(df.columns) and empty.attrs == ATTRS
    assert empty.dtypes.equals(df.dtypes)
    with pytest.raises(ValueError, match=r"no column\(s\) \['sigma'\] to filter; the table has \['frame', 'x'"):
        filter_localizations(df, sigma=(0.8, 1.6))
    with pytest.raises(ValueError, match="empty: low 2 > high 1"):
        filter_localizations(df, x=(2, 1))
    with pytest.raises(ValueError, match="column 'extra' is not numeric"):
        filter_localizations(df, extra=(0, 1))
    with pytest.raises(ValueError, match=r"must be \(low, high\)"):
        filter_localizations(df, x=5)


def test_parse_range():
    assert parse_range("photons=500:") == ("photons", (500.0, None))
    assert parse_range("sigma=0.8:1.6") == ("sigma", (0.8, 1.6))
    assert parse_range(" frame = : 99") == ("frame", (None, 99.0))
    for bad in ("photons>500", "photons=500", "=1:2", "x=a:b", "x=1:2:3"):
        with pytest.raises(ValueError, match="COLUMN=LOW:HIGH|must be numbers"):
            parse_range(bad)


# ------------------------------------------------------------------------------------------ cluster


def clustered_table(seed=1):
    """25 clusters of 60 (sd 0.25 px) 15 px apart and 600 noise localizations: sparse, DBSCAN finds them all."""
    df, truth = sites_scene(5, per_site=60, sigma=0.25, n_noise=600, extent=90.0, spacing=15.0, margin=12.0,
                            jitter=2.0, n_frames=100, seed=seed)
    df = df.drop(columns="photons").assign(extra=1.5)
    df.attrs = dict(ATTRS)
    return df, truth


def test_dbscan_finds_the_clusters():
    df, truth = clustered_table()
    out = cluster(df, 0.4, 8)
    assert list(out.columns) == [*df.columns, "cluster"] and out.attrs == ATTRS and out["cluster"].dtype == np.int64
    labels = out["cluster"].to_numpy()
    assert len(np.unique(labels[labels >= 0])) == 25
    jaccard = []
    for c in range(25):
        members = truth == c
        best = np.bincount(labels[members][labels[members] >= 0]).argmax()
        found = labels == best
        jaccard.append((members & found).sum() / (members | found).sum())
    assert min(jaccard) >= 0.9, min(jaccard)
    assert (labels[truth < 0] == -1).mean() > 0.97
    stats = cluster_stats(out)
    assert len(stats) == 25 and stats["n_locs"].between(54, 66).all()
    assert stats["radius_of_gyration"].between(0.25, 0.45).all()  # sqrt(2) * 0.25 for a 2-D Gaussian


def test_gaussian_members_keep_the_background_out_of_dense_sites():
    """At the benchmark's background density (0.57 localizations / px^2) DBSCAN's eps discs let the background into
    its sites and leave some of their members out; the Gaussian-site members (the likelihood rule) recover far more
    sites with Jaccard >= 0.9. The rule told the truth reaches about 95-96 % on such scenes."""
    df, truth = sites_scene(20, n_noise=18_270, extent=178.7, seed=4)
    dbscan = cluster(df, 0.4, 8)["cluster"].to_numpy()
    sites = cluster(df, 0.4, 8, members="gaussian")["cluster"].to_numpy()
    assert site_recovery(truth, dbscan) < 0.92 < site_recovery(truth, sites)
    assert site_recovery(truth, np.full_like(truth, -1)) == 0.0 == site_recovery(np.full_like(truth, -1), sites)
    assert site_recovery(truth, sites) >= site_recovery(truth, dbscan) + 0.03
    assert sites.max() + 1 == 400


def test_site_members_reach_is_the_likelihood_ratio():
    """One site of n = 20000 (sd 0.5 px) over a background of 20 / px^2: its members are the localizations within
    r = sd sqrt(2 ln(n / (2 pi sd^2 rho))) = 1.80 px of its centre, where the site's density falls to the
    background's. A reach 5 % shorter or longer would differ in 25-50 localizations (seeds 0-4)."""
    rng = np.random.default_rng(2)
    sd, n, rho, side = 0.5, 20_000, 20.0, 40.0
    centre = np.array([20.0, 20.0])
    xy = np.concatenate([centre + rng.normal(0, sd, (n, 2)), rng.uniform(0, side, (int(rho * side**2), 2))])
    distance = np.hypot(*(xy - centre).T)
    labels = site_members(xy, np.where(distance < 3 * sd, 0, -1))
    reach = sd * np.sqrt(2 * np.log(n / (2 * np.pi * sd**2 * rho)))
    assert labels.max() == 0 and labels.dtype == np.int64
    differ = {f: int(((labels == 0) != (distance <= f * reach)).sum()) for f in (0.95, 1.0, 1.05)}
    assert differ[1.0] <= 12 and differ[0.95] > 20 and differ[1.05] > 20, differ


def test_site_members_go_to_the_likeliest_site():
    """Between a site of 4000 and one of 250 localizations 2 px apart (sd 0.4 px), the border is where
    n_a exp(-d_a^2 / 2 sd^2) = n_b exp(-d_b^2 / 2 sd^2): 1 + sd^2 ln(4000 / 250) / 2 = 1.22 px from the big
    site, not half-way."""
    rng = np.random.default_rng(5)
    sd = 0.4
    a = rng.normal(0, sd, (4000, 2))
    b = rng.normal(0, sd, (250, 2)) + [2.0, 0.0]
    probes = np.array([[1.12, 0.0], [1.32, 0.0]])
    xy = np.concatenate([a, b, probes, rng.uniform(-20, 20, (50, 2))])
    start = np.concatenate([np.zeros(4000, np.int64), np.ones(250, np.int64), [-1, -1], np.full(50, -1)])
    labels = site_members(xy, start)
    assert labels[4250:4252].tolist() == [0, 1]
    assert (labels[:4000] == 0).mean() > 0.99 and (labels[4000:4250] == 1).mean() > 0.95


def test_site_members_without_sites_change_nothing():
    xy = np.random.default_rng(0).uniform(0, 10, (30, 2))
    none = np.full(30, -1)
    assert site_members(xy, none).tolist() == none.tolist()
    two = np.where(np.arange(30) < 2, 0, -1)  # a cluster of 2 gives no spread to measure
    assert site_members(xy, two).tolist() == two.tolist()
    assert site_members(np.zeros((0, 2)), np.zeros(0, np.int64)).shape == (0,)
    assert site_members(xy, np.where(two == 0, 3, -7)).tolist() == two.tolist()  # renumbered; -7 is noise


def test_site_members_at_the_edge_and_of_repeated_positions():
    """A site on the table's lower edge (its mean may fall a rounding step outside the points' box) keeps its
    members, and sites of exactly repeated positions (a spread of rounding errors, a grid that would need more
    cells than int64 counts) are kept whole."""
    rng = np.random.default_rng(3)
    edge = np.column_stack([np.full(7, 0.1), rng.normal(5, 0.2, 7)])  # the leftmost points of the table
    rest = rng.uniform([1, 0], [10, 10], (40, 2))
    xy = np.concatenate([edge, rest])
    labels = site_members(xy, np.concatenate([np.zeros(7, np.int64), np.full(40, -1)]))
    assert (labels[:7] == 0).all()
    same = np.repeat(rng.uniform(0, 1000, (300, 2)), 7, axis=0)  # 300 sites, each 7 times at one position
    labels = site_members(same, np.repeat(np.arange(300), 7))
    np.testing.assert_array_equal(labels, np.repeat(np.arange(300), 7))
    with pytest.raises(ValueError, match="members must be"):
        cluster(pd.DataFrame({"x": xy[:, 0], "y": xy[:, 1]}), 0.5, members="nope")


def test_cluster_labels_are_scikit_learns():
    """The grid DBSCAN gives scikit-learn's labels (numbering included) but for border points that several
    clusters reach, which join their nearest core point's cluster."""
    from sklearn.cluster import DBSCAN

    rng = np.random.default_rng(3)
    centres = rng.uniform(0, 60, (60, 2))
    xy = np.concatenate([np.repeat(centres, 30, axis=0) + rng.normal(0, 0.4, (1800, 2)), rng.uniform(0, 60, (3000, 2))])
    df = pd.DataFrame({"frame": np.zeros(len(xy), np.int64), "x": xy[:, 0], "y": xy[:, 1]})
    ours = cluster(df, 0.5, 6)["cluster"].to_numpy()
    theirs = DBSCAN(eps=0.5, min_samples=6).fit(xy)
    core = np.zeros(len(xy), bool)
    core[theirs.core_sample_indices_] = True
    np.testing.assert_array_equal(ours[core], theirs.labels_[core])
    np.testing.assert_array_equal(ours == -1, theirs.labels_ == -1)
    assert (ours == theirs.labels_).mean() > 0.995


def test_cluster_bad_arguments():
    df, _ = clustered_table()
    with pytest.raises(ValueError, match="eps must be a finite number > 0"):
        cluster(df, eps=0)
    with pytest.raises(TypeError, match="missing required argument"):
        cluster(df)
    with pytest.raises(ValueError, match="finite"):
        cluster(df.assign(x=np.nan), eps=0.4)


def test_cluster_stats_known_shapes():
    ring = 2.0 * np.exp(2j * np.pi * np.arange(12) / 12) + (10 + 20j)
    square = np.array([0, 3, 3 + 3j, 3j]) + (40 + 40j)
    line = np.array([0, 1, 2, 3]) + (60 + 5j)
    pts = np.concatenate([ring, square, line, [80 + 80j, 81 + 80j], [0j]])
    labels = np.repeat([4, 7, 2, 9, -1], [12, 4, 4, 2, 1])
    df = pd.DataFrame({"frame": np.arange(len(pts)), "x": pts.real, "y": pts.imag, "cluster": labels})
    df.attrs.update(ATTRS)
    stats = cluster_stats(df).set_index("cluster")
    assert stats.index.tolist() == [2, 4, 7, 9] and stats.attrs == ATTRS
    assert stats.loc[4, "radius_of_gyration"] == pytest.approx(2.0)
    assert stats.loc[4, "area"] == pytest.approx(6 * 4 * np.sin(2 * np.pi / 12))  # n/2 R^2 sin(2 pi / n)
    assert stats.loc[4, ["x", "y"]].tolist() == pytest.approx([10.0, 20.0])
    assert stats.loc[7, "radius_of_gyration"] == pytest.approx(3 / np.sqrt(2))
    assert stats.loc[7, "area"] == pytest.approx(9.0)
    assert stats.loc[2, "area"] == 0.0 and stats.loc[9, "area"] == 0.0
    assert stats.loc[2, "radius_of_gyration"] == pytest.approx(np.sqrt(1.25))
    assert stats.loc[7, ["n_locs", "first_frame", "last_frame"]].tolist() == [4, 12, 15]
    assert len(cluster_stats(df.assign(cluster=-1))) == 0
    with pytest.raises(ValueError, match="needs a 'cluster' column"):
        cluster_stats(df.drop(columns="cluster"))


@pytest.mark.slow
def test_cluster_of_ten_million_localizations_takes_linear_memory():
    """10^7 localizations (the issue's bad input): DBSCAN counts neighbours instead of storing them, so the
    process grows by about 150 bytes per localization (the output table's copy included), not by the neighbour
    lists that scikit-learn keeps; the Gaussian-site members after it stay within that. Run in a child process,
    whose peak memory is its own."""
    import subprocess
    import sys

    script = """
import resource, numpy as np, pandas as pd
from napari_maliang.smlm.clustering import cluster
n = 10_000_000
rng = np.random.default_rng(2)
centres = rng.uniform(0, 2048, (n // 100, 2))
xy = np.concatenate([np.repeat(centres, 50, 0) + rng.normal(0, 0.3, (n // 2, 2)), rng.uniform(0, 2048, (n // 2, 2))])
table = pd.DataFrame({"frame": np.zeros(n, np.int64), "x": xy[:, 0], "y": xy[:, 1]})
del xy, centres
cluster(table.iloc[:1000], 0.4, 8)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
labels = cluster(table, 0.4, 8)["cluster"].to_numpy()
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
sites = cluster(table, 0.4, 8, members="gaussian")["cluster"].to_numpy()
last = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(int(labels.max()) + 1, (labels >= 0).sum(), (after - before) * 1024 / n, int(sites.max()) + 1,
      (last - before) * 1024 / n)
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600, check=True)
    clusters, members, bytes_per_loc, sites, bytes_with_sites = out.stdout.split()
    assert 0.9 * 100_000 < int(clusters) < 100_000  # 100,000 random sites, about 8 % of them overlapping
    assert int(members) > 0.45 * 10_000_000
    assert float(bytes_per_loc) < 250, out.stdout
    assert abs(int(sites) - int(clusters)) < 100  # the Gaussian members keep the sites (a few lose theirs)
    assert float(bytes_with_sites) < 250, out.stdout


def test_cluster_empty():
    out = cluster(empty_table(ATTRS), 0.5)
    assert len(out) == 0 and "cluster" in out.columns and out.attrs == ATTRS
    assert len(cluster_stats(out)) == 0


# ---------------------------------------------------------------------------------------------- CLI


def test_cli_round_trips(tmp_path, blinks, capsys):
    df = blinks[0].iloc[:4000].reset_index(drop=True)
    src = tmp_path / "locs.hdf5"
    write_localizations(df, src)
    written = read_localizations(src)

    out = tmp_path / "bright.csv"
    assert main(["filter", str(src), "-o", str(out), "--range", "photons=500:", "--range", "frame=:299"]) == 0
    expected = filter_localizations(written, photons=(500, None), frame=(None, 299))
    got = read_localizations(out, pixel_size_nm=ATTRS["pixel_size_nm"])
    assert len(got) == len(expected) > 0
    assert np.allclose(np.sort(got["x"]), np.sort(expected["x"]), atol=1e-3)

    nothing = tmp_path / "nothing.csv"  # a filter that empties the table says so and writes an empty table
    capsys.readouterr()
    assert main(["filter", str(src), "-o", str(nothing), "--range", "photons=1e12:"]) == 0
    assert f"0 of {len(written)} localizations kept" in capsys.readouterr().out
    assert len(read_localizations(nothing, pixel_size_nm=ATTRS["pixel_size_nm"])) == 0

    out = tmp_path / "linked.hdf5"
    assert main(["link", str(src), "-o", str(out), "--max-dark", "2"]) == 0
    got = read_localizations(out)
    expected = link(written, max_dark=2)
    assert len(got) == len(expected) < len(df)
    assert np.allclose(np.sort(got["x"]), np.sort(expected["x"]), atol=1e-4)
    assert got["n_locs"].sum() == len(df)
    assert f"{len(df)} localizations -> {len(expected)} molecules" in capsys.readouterr().out

    clustered, _ = clustered_table()
    src = tmp_path / "clustered.hdf5"
    write_localizations(clustered.assign(photons=1000.0), src)
    out, stats = tmp_path / "labelled.hdf5", tmp_path / "stats.csv"
    assert main(["cluster", str(src), "-o", str(out), "--eps", "0.4", "--min-samples", "8", "--stats", str(stats)]) == 0
    labelled = read_localizations(out)
    assert len(pd.read_csv(stats)) == 25 and len(labelled) == len(clustered)
    assert labelled["cluster"].tolist() == cluster(clustered, 0.4, 8)["cluster"].tolist()
    assert "25 clusters" in capsys.readouterr().out
    sites = tmp_path / "sites.hdf5"
    assert main(["cluster", str(src), "-o", str(sites), "--eps", "0.4", "--members", "gaussian"]) == 0
    expected = cluster(clustered, 0.4, members="gaussian")["cluster"]
    assert read_localizations(sites)["cluster"].tolist() == expected.tolist()


def test_cli_errors(tmp_path, capsys):
    src = tmp_path / "locs.csv"
    write_localizations(blinking_table(n_mol=50, n_frames=50)[0], src)
    assert main(["link", str(src), "-o", str(src)]) == 2
    assert "is the input file" in capsys.readouterr().err
    assert main(["link", str(src), "-o", str(tmp_path / "x.csv"), "--radius", "0"]) == 2
    assert "radius must be a finite number > 0" in capsys.readouterr().err
    assert main(["filter", str(src), "-o", str(tmp_path / "x.csv"), "--range", "photons>5"]) == 2
    assert "COLUMN=LOW:HIGH" in capsys.readouterr().err
    assert main(["filter", str(src), "-o", str(tmp_path / "x.csv"), "--range", "nope=1:"]) == 2
    assert "no column(s) ['nope']" in capsys.readouterr().err
    assert main(["cluster", str(src), "-o", str(tmp_path / "x.txt"), "--eps", "1"]) == 2
    with pytest.raises(SystemExit):
        main(["cluster", str(src), "-o", str(tmp_path / "x.csv")])  # --eps is required


def test_cli_says_when_the_pixel_size_is_assumed(tmp_path, capsys):
    src = tmp_path / "locs.csv"  # ThunderSTORM CSV: no pixel size in the file
    write_localizations(blinking_table(n_mol=50, n_frames=50)[0], src)
    assert main(["link", str(src), "-o", str(tmp_path / "l.csv")]) == 0
    assert "does not say its camera pixel size: 100 nm assumed (give --camera-pixel-nm)" in capsys.readouterr().err
    assert main(["link", str(src), "-o", str(tmp_path / "m.csv"), "--camera-pixel-nm", "130"]) == 0
    assert "assumed" not in capsys.readouterr().err
