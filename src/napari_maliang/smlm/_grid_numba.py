"""Searches of localizations on a grid of square cells, compiled with numba (loaded only when a tool needs them).

Points sorted by an integer cell key are looked up cell by cell with a binary search, so the grid costs no
memory beyond the points (a dense array of cells would take ``(extent / cell)^2`` entries).
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, nogil=True)
def cell_range(keys, key):
    """First and one-past-last index of ``key`` in the sorted ``keys`` (an empty range when it is absent)."""
    lo = np.searchsorted(keys, key, side="left")
    hi = lo
    while hi < keys.size and keys[hi] == key:
        hi += 1
    return lo, hi


@numba.njit(cache=True, parallel=True)
def next_frame_nearest(frame, x, y, cx, cy, keys, ncx, ncy, d_max):
    """Distance of each point to the nearest point of the next frame within ``d_max`` (inf where none).

    The points are sorted by ``keys = frame * ncx * ncy + cy * ncx + cx`` with cells ``d_max`` wide, so the
    candidates are the points of the 3 x 3 cells around the point's cell in frame ``frame + 1``.
    """
    n = x.size
    out = np.full(n, np.inf)
    d2_max = d_max * d_max
    for i in numba.prange(n):
        best = np.inf
        for dy in range(-1, 2):
            gy = cy[i] + dy
            if gy < 0 or gy >= ncy:
                continue
            for dx in range(-1, 2):
                gx = cx[i] + dx
                if gx < 0 or gx >= ncx:
                    continue
                lo, hi = cell_range(keys, (frame[i] + 1) * ncx * ncy + gy * ncx + gx)
                for j in range(lo, hi):
                    ddx, ddy = x[j] - x[i], y[j] - y[i]
                    d2 = ddx * ddx + ddy * ddy
                    if d2 <= d2_max and d2 < best:
                        best = d2
        out[i] = np.sqrt(best)
    return out
