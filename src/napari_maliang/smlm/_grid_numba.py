"""Searches of localizations on a grid of square cells, compiled with numba (loaded only when a tool needs them).

Points sorted by an integer cell key (row-major: ``gy * ncx + gx``, plus an offset per block such as a frame) are
looked up row by row with a binary search (:func:`neighbour_row`), so the grid costs no memory beyond the points (a dense array of cells would take ``(extent / cell)^2`` entries).
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, nogil=True, inline="always")
def neighbour_row(keys, start, stop, first_key, cx, gy, ncx, ncy):
    """Index range ``lo, hi`` of the points of the cells ``cx - 1 .. cx + 1`` (clipped to the grid) of row ``gy``
    among ``keys[start:stop]``: one of the three rows of the 3 x 3 cells around cell ``(cx, cy)``.

    ``keys`` are sorted cell keys ``first_key + gy * ncx + gx`` of a grid ``ncx`` cells wide and ``ncy`` high
    (``first_key``: an offset, e.g. a frame's block of keys); the three cells of a row are consecutive keys, so
    their points are one range. A row outside the grid is empty. The 3 x 3 walk of every grid search::

        for dy in range(-1, 2):
            lo, hi = neighbour_row(keys, start, stop, first_key, cx[i], cy[i] + dy, ncx, ncy)
            for j in range(lo, hi):
                ...
    """
    if gy < 0 or gy >= ncy:
        return start, start
    row = first_key + gy * ncx
    low_key = row + max(cx - 1, 0)
    high_key = row + min(cx + 1, ncx - 1)
    lo, hi = start, stop
    while lo < hi:  # first key >= low_key
        mid = (lo + hi) >> 1
        if keys[mid] < low_key:
            lo = mid + 1
        else:
            hi = mid
    hi = lo
    while hi < stop and keys[hi] <= high_key:
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
            lo, hi = neighbour_row(keys, 0, n, (frame[i] + 1) * ncx * ncy, cx[i], cy[i] + dy, ncx, ncy)
            for j in range(lo, hi):
                ddx, ddy = x[j] - x[i], y[j] - y[i]
                d2 = ddx * ddx + ddy * ddy
                if d2 <= d2_max and d2 < best:
                    best = d2
        out[i] = np.sqrt(best)
    return out
