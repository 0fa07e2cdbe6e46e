"""DBSCAN clustering of localizations (Ester et al. 1996) and the statistics of each cluster.

Positions are in camera pixels, as in the table; multiply by ``locs.attrs["pixel_size_nm"]`` for nm (areas by
its square).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from napari_maliang._shared.options import takes_options
from napari_maliang.smlm.options import ClusterOptions

__all__ = ["ClusterOptions", "cluster", "cluster_stats", "site_members"]


def _positions(locs) -> np.ndarray:
    if not isinstance(locs, pd.DataFrame):
        raise TypeError(f"localizations must be a pandas DataFrame, got {type(locs).__name__}")
    missing = [c for c in ("x", "y") if c not in locs.columns]
    if missing:
        raise ValueError(f"the localization table lacks the column(s) {missing}; it has {list(locs.columns)}")
    xy = np.column_stack([locs["x"].to_numpy(np.float64), locs["y"].to_numpy(np.float64)])
    if not np.isfinite(xy).all():
        raise ValueError("x and y must be finite; filter the localizations without a position first")
    return xy


@takes_options(ClusterOptions, positional=("eps", "min_samples"))
def cluster(locs: pd.DataFrame, *, opts: ClusterOptions) -> pd.DataFrame:
    r"""Label the localizations by DBSCAN clusters (density-based clustering with noise).

    A localization with at least ``min_samples`` localizations (itself included) within distance
    :math:`\varepsilon` is a core point; core points within :math:`\varepsilon` of each other belong to one
    cluster, which also takes every other localization within :math:`\varepsilon` of one of its core points
    (a border point; one within reach of several clusters joins that of its nearest core point); the rest is
    noise. Runs on a grid of :math:`\varepsilon`-wide cells (:mod:`._dbscan_numba`): each localization looks at
    its own and the 8 adjacent cells, neighbours are counted rather than stored, and core points are joined by
    union-find, so memory is a few arrays of the table's length (10^7 localizations fit) and the labels are
    scikit-learn's (``sklearn.cluster.DBSCAN``) but for the choice among several clusters of a border point.

    Parameters
    ----------
    locs : pandas.DataFrame
        Localizations with ``x, y`` (camera pixels). Not modified.
    {options}

    Returns
    -------
    pandas.DataFrame
        A copy of ``locs`` (every column, the ``attrs``) with an int64 column ``cluster``: ``0, 1, ...`` or
        ``-1`` for noise (numbered in the row order of each cluster's first core point).
    """
    xy = _positions(locs)
    out = locs.copy()
    out.attrs.update(locs.attrs)
    if len(xy) == 0:
        out["cluster"] = np.zeros(0, np.int64)
        return out
    from napari_maliang.smlm._dbscan_numba import dbscan_labels

    labels = dbscan_labels(xy, opts.eps, opts.min_samples)
    out["cluster"] = site_members(xy, labels) if opts.members == "gaussian" else labels
    return out


#: at most this many rounds of :func:`site_members` (each re-estimates the sites from the members of the last)
SITE_ROUNDS = 10

#: :func:`site_members` stops once a round moves at most this share of the localizations: on the benchmark scene
#: the moves fall about 5-fold a round (1.1 %, 0.16 %, 0.037 %, 0.007 %, 0 after 6 rounds), and stopping after
#: the third changed the sites recovered by at most 0.03 % (seeds 2 and 3) at half the time
SITE_CHANGES = 1e-3

#: the background of a site is counted in the annulus between these multiples of sigma around it: beyond 5 sigma
#: a 2-D Gaussian holds exp(-12.5) = 4e-6 of its localizations; the annulus (area 200 pi sigma^2) holds about 32
#: background localizations at the benchmark's density (0.57 / px^2, sigma 0.3 px)
BACKGROUND_ANNULUS = (5.0, 15.0)


def site_members(xy: np.ndarray, labels: np.ndarray) -> np.ndarray:
    r"""Members of clusters that are sites of single molecules: each localization goes to the likeliest site or
    to the background.

    A site :math:`c` (one molecule localized :math:`n_c` times: repeated blinks, DNA-PAINT bindings) spreads its
    localizations as a 2-D Gaussian of the localization precision :math:`\sigma` around its centre
    :math:`\mu_c`, over a background of local density :math:`\rho_c` (noise, molecules seen once). A
    localization at distance :math:`d` is likelier the site's than the background's where

    .. math:: \frac{n_c}{2\pi\sigma^2} e^{-d^2 / 2\sigma^2} > \rho_c
              \iff d^2 < r_c^2 = 2\sigma^2 \ln\frac{n_c}{2\pi\sigma^2\rho_c},

    and among the sites that reach it, it joins the one of largest :math:`n_c e^{-d^2/2\sigma^2}`: the Bayes
    rule, which a density threshold (DBSCAN's eps and min_samples) only approximates. Each round estimates,
    from the current members, :math:`n_c`, :math:`\mu_c` (their mean), :math:`\sigma^2` (the median over the
    sites of at least 3 members of their per-axis variance :math:`\sum d^2 / 2 n_c`: one precision for the
    acquisition, which thousands of sites give far better than one site's few localizations) and
    :math:`\rho_c` (the localizations of no site in the annulus :data:`BACKGROUND_ANNULUS` around
    :math:`\mu_c`, plus one half so that an empty annulus gives a finite radius; the members of other sites
    there are not counted, so in a crowd of sites the background is if anything underestimated and the reach
    a little longer); then every localization is
    assigned anew. Rounds repeat until at most :data:`SITE_CHANGES` of the localizations change site (at most
    :data:`SITE_ROUNDS` rounds). A site that cannot outweigh its background (:math:`r_c = 0`) loses its members
    to it.

    Parameters
    ----------
    xy : float array (n, 2)
        Positions.
    labels : int array (n,)
        Clusters to start from, ``0 .. k - 1`` (-1: background), e.g. DBSCAN's: one cluster per site (two sites
        merged into one cluster stay one).

    Returns
    -------
    int64 array (n,)
        The new labels, the surviving clusters renumbered ``0, 1, ...`` in their old order (every negative
        label -1). Unchanged (but renumbered) when no cluster has 3 members to measure the spread from, or the
        spread is below 1e-9 of the table's extent (repeated positions: rounding, not precision).
    """
    from napari_maliang.smlm._grid_numba import sorted_grid

    xy = np.asarray(xy, np.float64)
    labels = np.where(np.asarray(labels) >= 0, labels, -1).astype(np.int64)
    grid = None
    # a spread below 1e-9 of the table's extent is rounding error, not localization precision (repeated positions)
    least = (1e-9 * float(np.ptp(xy, axis=0).max())) ** 2 if len(xy) else 0.0
    for _ in range(SITE_ROUNDS):
        n, centre, var = _site_estimates(xy, labels)
        if not var > least:
            break
        outer = BACKGROUND_ANNULUS[1] * np.sqrt(var)
        if grid is None or grid.cell < outer:  # sorted once, again only if sigma grows by 25 %
            grid = sorted_grid(xy, 1.25 * outer)
        cells = grid.cells_of(centre)
        rho = _background_density(grid, cells, labels < 0, centre, var)
        # the reach never exceeds the annulus (so the grid's 3 x 3 cells hold it): rho >= 0.5 / (200 pi var)
        # gives reach^2 <= 2 var ln(200 n), below 225 var for any n < 1e46
        with np.errstate(divide="ignore"):
            reach2 = 2.0 * var * np.log(np.maximum(n / (2.0 * np.pi * var * rho), 1.0))
            new = _likeliest_sites(grid, cells, centre, reach2, np.log(n), var)
        changed = int(np.count_nonzero(new != labels))
        labels = new
        if changed <= SITE_CHANGES * labels.size:
            break
    if not (labels >= 0).any():
        return labels
    kept = np.bincount(labels[labels >= 0]) > 0  # the sites that keep members, numbered 0, 1, ... in order
    return np.append(np.where(kept, np.cumsum(kept) - 1, -1), -1)[labels]


def _site_estimates(xy, labels):
    """Per cluster of ``labels``: its size ``n``, its centre (the members' mean); and the pooled per-axis variance
    (the median over the clusters of at least 3 members of ``sum d^2 / 2 n``; 0 when there is none)."""
    from napari_maliang.smlm._sites_numba import site_moments

    k = int(labels.max()) + 1 if labels.size else 0
    n, cx, cy, spread = site_moments(xy[:, 0], xy[:, 1], labels, k)
    spread = spread[n >= 3]
    return n, np.column_stack([cx, cy]), float(np.median(spread)) if spread.size else 0.0


def _background_density(grid, cells, background, centre, var):
    """Per site: the localizations of ``background`` (bool, row order) in the annulus :data:`BACKGROUND_ANNULUS`
    (in units of ``sqrt(var)``) around its centre, plus one half, per unit area; ``grid``:
    :func:`~._grid_numba.sorted_grid` of the localizations, its cells at least the annulus' outer radius, and
    ``cells`` the sites' cells on it (:meth:`~._grid_numba.Grid.cells_of`)."""
    from napari_maliang.smlm._sites_numba import annulus_counts

    inner, outer = BACKGROUND_ANNULUS
    qcx, qcy = cells
    counts = annulus_counts(centre[:, 0], centre[:, 1], qcx, qcy, grid.x, grid.y, grid.keys, grid.ncx, grid.ncy,
                            background[grid.order], inner**2 * var, outer**2 * var)
    return (counts + 0.5) / (np.pi * (outer**2 - inner**2) * var)


def _likeliest_sites(grid, cells, centre, reach2, log_n, var):
    """Every localization's site (its index in ``centre``) of largest ``log_n - d^2 / 2 var`` among those within
    its ``reach2`` (-1: none); ``grid`` and ``cells`` as in :func:`_background_density`, the grid's cells at
    least as wide as every reach."""
    from napari_maliang.smlm._sites_numba import likeliest_site

    scx, scy = cells
    site_keys = scy * grid.ncx + scx
    site_order = np.argsort(site_keys, kind="stable")
    sx, sy = np.ascontiguousarray(centre[site_order, 0]), np.ascontiguousarray(centre[site_order, 1])
    nearest = likeliest_site(grid.x, grid.y, grid.cx, grid.cy, sx, sy, site_keys[site_order], grid.ncx, grid.ncy,
                             reach2[site_order], log_n[site_order], 0.5 / var)
    labels = np.empty(len(grid.x), np.int64)
    labels[grid.order] = np.append(site_order, -1)[nearest]  # nearest -1 (none) reads the last entry
    return labels


def cluster_stats(locs: pd.DataFrame) -> pd.DataFrame:
    r"""Size, centre, radius of gyration and convex-hull area of every cluster of a :func:`cluster` table.

    For the :math:`n` localizations of a cluster, centre :math:`(\bar x, \bar y)` is their mean and the radius
    of gyration is :math:`R_g = \sqrt{\frac{1}{n} \sum_i (x_i - \bar x)^2 + (y_i - \bar y)^2}`; ``area`` is
    the area of their convex hull (Quickhull), 0 for fewer than 3 points or points on a line.

    Parameters
    ----------
    locs : pandas.DataFrame
        Localizations with ``x, y`` (camera pixels) and ``cluster`` (-1: noise, left out); ``frame`` adds
        ``first_frame, last_frame``.

    Returns
    -------
    pandas.DataFrame
        One row per cluster, by increasing id: ``cluster, n_locs, x, y, radius_of_gyration, area`` (camera
        pixels and pixels squared: multiply by ``attrs["pixel_size_nm"]``, or its square, for nm) and, with a
        ``frame`` column, ``first_frame, last_frame``; the ``attrs`` of ``locs``.

    References
    ----------
    .. [1] M. Ester, H.-P. Kriegel, J. Sander, X. Xu, "A density-based algorithm for discovering clusters in
       large spatial databases with noise", Proc. KDD-96, 226-231 (1996).
    .. [2] C. B. Barber, D. P. Dobkin, H. Huhdanpaa, "The Quickhull algorithm for convex hulls", ACM
       Transactions on Mathematical Software 22(4), 469-483 (1996), doi:10.1145/235815.235821
       (scipy.spatial.ConvexHull).
    """
    xy = _positions(locs)
    if "cluster" not in locs.columns:
        raise ValueError(f"cluster_stats needs a 'cluster' column (from cluster()); the table has {list(locs.columns)}")
    labels = locs["cluster"].to_numpy()
    member = labels >= 0
    ids, inverse, counts = np.unique(labels[member], return_inverse=True, return_counts=True)
    xy = xy[member]
    k = len(ids)
    cx = np.bincount(inverse, xy[:, 0], k) / np.maximum(counts, 1)
    cy = np.bincount(inverse, xy[:, 1], k) / np.maximum(counts, 1)
    spread = (xy[:, 0] - cx[inverse]) ** 2 + (xy[:, 1] - cy[inverse]) ** 2
    out = pd.DataFrame(
        {
            "cluster": ids.astype(np.int64),
            "n_locs": counts.astype(np.int64),
            "x": cx,
            "y": cy,
            "radius_of_gyration": np.sqrt(np.bincount(inverse, spread, k) / np.maximum(counts, 1)),
            "area": _hull_areas(xy, inverse, counts),
        }
    )
    if "frame" in locs.columns:
        frame = locs["frame"].to_numpy()[member].astype(np.int64)
        first = np.full(k, np.iinfo(np.int64).max)
        last = np.full(k, np.iinfo(np.int64).min)
        np.minimum.at(first, inverse, frame)
        np.maximum.at(last, inverse, frame)
        out["first_frame"] = first
        out["last_frame"] = last
    out.attrs.update(locs.attrs)
    return out


def _hull_areas(xy: np.ndarray, inverse: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Convex-hull area of each group of points; 0 for fewer than 3 points or collinear ones."""
    from scipy.spatial import ConvexHull, QhullError

    order = np.argsort(inverse, kind="stable")
    ends = np.cumsum(counts)
    area = np.zeros(len(counts))
    for c, (start, end) in enumerate(zip(ends - counts, ends, strict=True)):
        if end - start < 3:
            continue
        points = xy[order[start:end]]
        try:
            area[c] = ConvexHull(points).volume  # the "volume" of a 2-D hull is its area
        except QhullError:  # all points on a line (or one point): no area
            area[c] = 0.0
    return area
