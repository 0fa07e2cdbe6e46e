"""Sums and grid searches of the Gaussian-site membership (:func:`~.clustering.site_members`), compiled with
numba (loaded only when it runs). The searches look at the 3 x 3 cells around a query of a grid whose cells are
at least as wide as the search radius (:func:`~._grid_numba.sorted_grid`, :func:`~._grid_numba.neighbour_row`),
so memory is the inputs'. The parallel kernels release the GIL, so a widget's viewer stays responsive.
"""

from __future__ import annotations

import numba
import numpy as np

from napari_maliang.smlm._grid_numba import neighbour_row


@numba.njit(cache=True, nogil=True)
def site_moments(x, y, labels, k):
    """Per label ``0 .. k - 1`` (-1 left out): the count ``n``, the mean ``(cx, cy)`` and the per-axis variance
    about it, ``sum d^2 / 2 n`` (0 for an empty label)."""
    n, cx, cy, spread = np.zeros(k), np.zeros(k), np.zeros(k), np.zeros(k)
    for i in range(x.size):
        c = labels[i]
        if c >= 0:
            n[c] += 1.0
            cx[c] += x[i]
            cy[c] += y[i]
    for c in range(k):
        if n[c] > 0:
            cx[c] /= n[c]
            cy[c] /= n[c]
    for i in range(x.size):
        c = labels[i]
        if c >= 0:
            spread[c] += (x[i] - cx[c]) ** 2 + (y[i] - cy[c]) ** 2
    for c in range(k):
        if n[c] > 0:
            spread[c] /= 2.0 * n[c]
    return n, cx, cy, spread


@numba.njit(cache=True, nogil=True, parallel=True)
def annulus_counts(qx, qy, qcx, qcy, x, y, keys, ncx, ncy, use, inner2, outer2):
    """For every query ``(qx, qy)`` in cell ``(qcx, qcy)``: the points with ``use`` whose squared distance lies in
    ``(inner2, outer2]``; points sorted by cell key on a grid of cells at least ``sqrt(outer2)`` wide."""
    n = x.size
    counts = np.zeros(qx.size, np.int64)
    for q in numba.prange(qx.size):
        c = 0
        for dy in range(-1, 2):
            lo, hi = neighbour_row(keys, 0, n, 0, qcx[q], qcy[q] + dy, ncx, ncy)
            for j in range(lo, hi):
                ddx, ddy = x[j] - qx[q], y[j] - qy[q]
                d2 = ddx * ddx + ddy * ddy
                if use[j] and inner2 < d2 <= outer2:
                    c += 1
        counts[q] = c
    return counts


@numba.njit(cache=True, nogil=True, parallel=True)
def likeliest_site(x, y, pcx, pcy, sx, sy, keys, ncx, ncy, reach2, log_weight, inv_two_var):
    """For every point ``(x, y)`` in cell ``(pcx, pcy)``: the site ``j`` (sites sorted by cell key on a grid of cells
    at least as wide as every reach) of highest ``log_weight[j] - d^2 * inv_two_var`` among those with
    ``d^2 <= reach2[j]``; -1 where none reaches."""
    k = sx.size
    best_site = np.full(x.size, -1, np.int64)
    for i in numba.prange(x.size):
        best = -np.inf
        for dy in range(-1, 2):
            lo, hi = neighbour_row(keys, 0, k, 0, pcx[i], pcy[i] + dy, ncx, ncy)
            for j in range(lo, hi):
                ddx, ddy = sx[j] - x[i], sy[j] - y[i]
                d2 = ddx * ddx + ddy * ddy
                if d2 <= reach2[j]:
                    score = log_weight[j] - d2 * inv_two_var
                    if score > best:
                        best, best_site[i] = score, j
    return best_site
