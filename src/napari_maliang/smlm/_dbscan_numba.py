"""DBSCAN on a grid of eps-wide cells, compiled with numba (loaded only when :func:`~.clustering.cluster` runs).

Our own rather than scikit-learn's: ``sklearn.cluster.DBSCAN`` stores every point's neighbour list (memory grows
with the number of neighbour pairs, several GB for 10^7 localizations) and was no faster than picasso, which calls
it too. Here each point looks only at the points of its own and the 8 adjacent cells, neighbours are counted, not
stored, and core points are joined by union-find: memory is a few arrays of the input's length.
"""

from __future__ import annotations

import numba
import numpy as np

from napari_maliang.smlm._grid_numba import neighbour_row, sorted_grid


@numba.njit(cache=True, nogil=True)
def _find(parent, i):
    root = i
    while parent[root] != root:
        root = parent[root]
    while parent[i] != root:  # path compression
        parent[i], i = root, parent[i]
    return root


@numba.njit(cache=True, nogil=True, parallel=True)
def _count_neighbours(x, y, cx, cy, keys, ncx, ncy, eps2):
    """Points within eps of each point (itself included); points sorted by cell key ``cy * ncx + cx``."""
    n = x.size
    counts = np.zeros(n, np.int64)
    for i in numba.prange(n):
        c = 0
        for dy in range(-1, 2):
            lo, hi = neighbour_row(keys, 0, n, 0, cx[i], cy[i] + dy, ncx, ncy)
            for j in range(lo, hi):
                ddx, ddy = x[j] - x[i], y[j] - y[i]
                if ddx * ddx + ddy * ddy <= eps2:
                    c += 1
        counts[i] = c
    return counts


@numba.njit(cache=True)
def _join_cores(x, y, cx, cy, keys, ncx, ncy, eps2, core):
    """Union-find roots of the core points: two core points within eps share a root."""
    n = x.size
    parent = np.arange(n)
    for i in range(n):
        if not core[i]:
            continue
        for dy in range(-1, 2):
            lo, hi = neighbour_row(keys, 0, n, 0, cx[i], cy[i] + dy, ncx, ncy)
            for j in range(lo, hi):
                if j <= i or not core[j]:
                    continue
                ddx, ddy = x[j] - x[i], y[j] - y[i]
                if ddx * ddx + ddy * ddy <= eps2:
                    ri, rj = _find(parent, i), _find(parent, j)
                    if ri != rj:
                        parent[max(ri, rj)] = min(ri, rj)
    for i in range(n):
        parent[i] = _find(parent, i)
    return parent


@numba.njit(cache=True, nogil=True, parallel=True)
def _nearest_core(x, y, cx, cy, keys, ncx, ncy, eps2, core):
    """For every point that is not a core point, the nearest core point within eps (-1: none, noise)."""
    n = x.size
    nearest = np.full(n, -1, np.int64)
    for i in numba.prange(n):
        if core[i]:
            nearest[i] = i
            continue
        best = eps2 * 2.0 + 1.0
        for dy in range(-1, 2):
            lo, hi = neighbour_row(keys, 0, n, 0, cx[i], cy[i] + dy, ncx, ncy)
            for j in range(lo, hi):
                if not core[j]:
                    continue
                ddx, ddy = x[j] - x[i], y[j] - y[i]
                d2 = ddx * ddx + ddy * ddy
                if d2 <= eps2 and d2 < best:
                    best, nearest[i] = d2, j
    return nearest


def dbscan_labels(xy: np.ndarray, eps: float, min_samples: int) -> np.ndarray:
    """DBSCAN labels (-1 noise) of points ``xy`` (n, 2); clusters numbered in the row order of their first core
    point, as scikit-learn numbers them. A border point (within eps of core points of several clusters) joins the
    cluster of its nearest core point."""
    n = len(xy)
    if n == 0:
        return np.zeros(0, np.int64)
    order, x, y, cx, cy, keys, ncx, ncy, _, _ = sorted_grid(xy, eps)
    eps2 = float(eps) ** 2
    core = _count_neighbours(x, y, cx, cy, keys, ncx, ncy, eps2) >= min_samples
    roots = _join_cores(x, y, cx, cy, keys, ncx, ncy, eps2, core)
    nearest = _nearest_core(x, y, cx, cy, keys, ncx, ncy, eps2, core)
    sorted_root = np.where(nearest >= 0, roots[np.maximum(nearest, 0)], -1)
    root = np.empty(n, np.int64)  # back to the input's row order
    root[order] = sorted_root
    is_core = np.empty(n, bool)
    is_core[order] = core
    # number the clusters by the row of their first core point
    first_core_rows = np.flatnonzero(is_core)
    roots_in_row_order = root[first_core_rows]
    _, first = np.unique(roots_in_row_order, return_index=True)
    numbered = roots_in_row_order[np.sort(first)]
    label_of_root = np.full(n, -1, np.int64)
    label_of_root[numbered] = np.arange(numbered.size)
    return np.where(root >= 0, label_of_root[np.maximum(root, 0)], -1)
