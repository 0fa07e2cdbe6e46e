"""DBSCAN clustering of localizations (Ester et al. 1996) and the statistics of each cluster.

Positions are in camera pixels, as in the table; multiply by ``locs.attrs["pixel_size_nm"]`` for nm (areas by
its square).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from napari_maliang._shared.options import takes_options
from napari_maliang.smlm.options import ClusterOptions

__all__ = ["ClusterOptions", "cluster", "cluster_stats"]


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

    out["cluster"] = dbscan_labels(xy, opts.eps, opts.min_samples)
    return out


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
