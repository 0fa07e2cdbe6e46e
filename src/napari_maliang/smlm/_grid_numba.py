"""Searches of localizations on a grid of square cells and by frame, compiled with numba (loaded only when a tool
needs them).

Points sorted by an integer cell key (row-major: ``gy * ncx + gx``, within a block such as a frame) are looked up
row by row with a binary search (:func:`neighbour_row`), so the grid costs no memory beyond the points (a dense
array of cells would take ``(extent / cell)^2`` entries). :func:`frame_blocks` sorts localizations by frame in
linear time (a counting sort) for the searches that go frame by frame (NeNA here, linking in :mod:`._link_numba`).
"""

from __future__ import annotations

from typing import NamedTuple

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


class Grid(NamedTuple):
    """Points sorted by their cell of a grid of square cells (:func:`sorted_grid`), for the 3 x 3 searches of
    :func:`neighbour_row`: ``order`` (the rows in key order), ``x, y, cx, cy, keys`` in that order, the grid's
    ``ncx`` by ``ncy`` cells of side ``cell`` from ``origin``."""

    order: np.ndarray
    x: np.ndarray
    y: np.ndarray
    cx: np.ndarray
    cy: np.ndarray
    keys: np.ndarray
    ncx: int
    ncy: int
    cell: float
    origin: np.ndarray

    def cells_of(self, xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The cell of other points ``xy`` (n, 2), clipped to the grid: a point just outside it (a mean one
        rounding step past the edge) searches from the edge cell, which its 3 x 3 search still covers."""
        cells = np.floor((np.asarray(xy, np.float64) - self.origin) / self.cell).astype(np.int64)
        return np.clip(cells[:, 0], 0, self.ncx - 1), np.clip(cells[:, 1], 0, self.ncy - 1)


def sorted_grid(xy: np.ndarray, cell: float) -> Grid:
    """The points ``xy`` (n >= 1, 2) sorted by their cell of a grid of square cells of side ``cell`` or more
    (row-major keys ``cy * ncx + cx``, ties in row order), from the points' lower corner.

    The cells are widened to at least 2^-30 of the points' extent, so that the keys fit in int64 however small
    ``cell`` is (wider cells only add candidates to a search: every search tests the distance itself).
    """
    origin = xy.min(axis=0)
    cell = max(float(cell), float(np.ptp(xy, axis=0).max()) / 2**30)
    cells = np.floor((xy - origin) / cell).astype(np.int64)
    ncx = int(cells[:, 0].max()) + 1
    key = cells[:, 1] * ncx + cells[:, 0]
    order = np.argsort(key, kind="stable")
    x, y = np.ascontiguousarray(xy[order, 0]), np.ascontiguousarray(xy[order, 1])
    return Grid(order, x, y, cells[order, 0], cells[order, 1], key[order], ncx, int(cells[:, 1].max()) + 1, cell,
                origin)


@numba.njit(cache=True, nogil=True, inline="always")
def counting_span(n):
    """The widest span of frame values (``max - min``) sorted by counting for ``n`` rows (else a merge sort)."""
    return 4 * n + 1024


@numba.njit(cache=True, nogil=True)
def count_frames(frame, lo, hi, fmin, counts):
    """Add the rows ``lo:hi`` to ``counts`` (rows per frame, from frame ``fmin``)."""
    for i in range(lo, hi):
        counts[frame[i] - fmin] += 1


@numba.njit(cache=True, nogil=True)
def frame_blocks_of(counts, fmin):
    """From the rows per frame of every part of the rows (``counts``, one line a part): where each part's rows
    of each frame go in frame order (``fill``; part after part within a frame, so the sort is stable), and the
    blocks ``starts``, ``block_frame`` of :func:`frame_blocks`."""
    n_parts, span = counts.shape
    fill = np.empty_like(counts)
    starts, block_frame = np.empty(span + 1, np.int64), np.empty(span, np.int64)
    a, m = 0, 0
    for v in range(span):
        start = a
        for part in range(n_parts):
            fill[part, v] = a
            a += counts[part, v]
        if a > start:
            starts[m], block_frame[m] = start, fmin + v
            m += 1
    starts[m] = a
    return fill, starts[: m + 1].copy(), block_frame[:m].copy()


@numba.njit(cache=True, nogil=True)
def frame_blocks(frame):
    """The rows in order of frame, stable (ties keep the row order), and the blocks of one frame in that order.

    Returns ``order`` (int64, ``n``), ``starts`` (int64, ``m + 1``; block ``b`` is ``order[starts[b]:starts[b + 1]]``),
    ``block_frame`` (int64, ``m``: the frame of every block, ascending) and ``rank`` (the inverse of ``order``:
    where each row went; scattering by it writes at random but reads in order, cheaper than gathering by
    ``order``). A counting sort (:func:`count_frames`, :func:`frame_blocks_of`) when the frames span at most
    :func:`counting_span` values, else a merge sort.
    """
    n = frame.size
    if n == 0:
        return np.zeros(0, np.int64), np.zeros(1, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64)
    fmin, fmax = frame[0], frame[0]
    for i in range(n):
        fmin, fmax = min(fmin, frame[i]), max(fmax, frame[i])
    span = fmax - fmin
    if 0 <= span <= counting_span(n):
        counts = np.zeros((1, span + 1), np.int64)
        count_frames(frame, 0, n, fmin, counts[0])
        fills, starts, block_frame = frame_blocks_of(counts, fmin)
        fill = fills[0]
        order, rank = np.empty(n, np.int64), np.empty(n, np.int64)
        for i in range(n):
            v = frame[i] - fmin
            order[fill[v]], rank[i] = i, fill[v]
            fill[v] += 1
        return order, starts, block_frame, rank
    order = np.argsort(frame, kind="mergesort")
    rank = np.empty(n, np.int64)
    for t in range(n):
        rank[order[t]] = t
    m = 1
    for t in range(1, n):
        m += frame[order[t]] != frame[order[t - 1]]
    starts = np.empty(m + 1, np.int64)
    block_frame = np.empty(m, np.int64)
    starts[0], block_frame[0], b = 0, frame[order[0]], 0
    for t in range(1, n):
        if frame[order[t]] != frame[order[t - 1]]:
            b += 1
            starts[b], block_frame[b] = t, frame[order[t]]
    starts[m] = n
    return order, starts, block_frame, rank


@numba.njit(cache=True, nogil=True)
def sort_by_key(keys, values, start, stop, key_buffer, value_buffer):
    """Sort ``keys[start:stop]`` ascending in place, stable, and ``values[start:stop]`` along: insertion sort of
    runs of 16, merged through the buffers (at least ``stop - start`` long). For the short ranges of one
    frame's localizations: no allocation, O(m log m)."""
    run = 16
    for lo in range(start, stop, run):
        for t in range(lo + 1, min(lo + run, stop)):
            key, value = keys[t], values[t]
            u = t - 1
            while u >= lo and keys[u] > key:
                keys[u + 1], values[u + 1] = keys[u], values[u]
                u -= 1
            keys[u + 1], values[u + 1] = key, value
    width = run
    while start + width < stop:
        for lo in range(start, stop - width, 2 * width):
            mid, hi = lo + width, min(lo + 2 * width, stop)
            if keys[mid - 1] <= keys[mid]:
                continue  # already in order
            for t in range(lo, mid):
                key_buffer[t - lo], value_buffer[t - lo] = keys[t], values[t]
            i, j, k = 0, mid, lo
            while i < mid - lo and j < hi:
                if keys[j] < key_buffer[i]:
                    keys[k], values[k] = keys[j], values[j]
                    j += 1
                else:
                    keys[k], values[k] = key_buffer[i], value_buffer[i]
                    i += 1
                k += 1
            while i < mid - lo:
                keys[k], values[k] = key_buffer[i], value_buffer[i]
                i += 1
                k += 1
        width *= 2


@numba.njit(cache=True, nogil=True)
def longest_block(starts):
    """The length of the longest block of :func:`frame_blocks`."""
    longest = 0
    for b in range(starts.size - 1):
        longest = max(longest, starts[b + 1] - starts[b])
    return longest


@numba.njit(cache=True, nogil=True)
def next_frame_distances(frame, x, y, d_max):
    """Distance of every point to the nearest point of the next frame, for the points that have one within
    ``d_max`` (in order of frame; the points without one are left out).

    The points are sorted by frame (:func:`frame_blocks`) and, within a frame, by their cell of a grid of
    ``d_max`` wide cells, so the candidates of a point are those of the 3 x 3 cells around its cell in the next
    frame's block: a binary search within that block per row of cells (:func:`neighbour_row`).
    """
    n = x.size
    if n == 0:
        return np.zeros(0)
    order, starts, block_frame, _ = frame_blocks(frame)
    m = block_frame.size
    x0, y0 = x.min(), y.min()
    cx = np.empty(n, np.int64)
    cy = np.empty(n, np.int64)
    for i in range(n):
        cx[i] = np.int64(np.floor((x[i] - x0) / d_max))
        cy[i] = np.int64(np.floor((y[i] - y0) / d_max))
    ncx, ncy = cx.max() + 2, cy.max() + 2
    # the points by frame, then by cell within the frame
    keys, rows = np.empty(n, np.int64), np.empty(n, np.int64)
    for t in range(n):
        keys[t], rows[t] = cy[order[t]] * ncx + cx[order[t]], order[t]
    longest = longest_block(starts)
    key_buffer, row_buffer = np.empty(longest, np.int64), np.empty(longest, np.int64)
    for b in range(m):
        sort_by_key(keys, rows, starts[b], starts[b + 1], key_buffer, row_buffer)
    xs, ys, cxs, cys = np.empty(n), np.empty(n), np.empty(n, np.int64), np.empty(n, np.int64)
    for t in range(n):
        i = rows[t]
        xs[t], ys[t], cxs[t], cys[t] = x[i], y[i], cx[i], cy[i]
    dist = np.full(n, np.inf)
    d2_max = d_max * d_max
    for b in range(m - 1):
        if block_frame[b + 1] != block_frame[b] + 1:
            continue
        next_start, next_stop = starts[b + 1], starts[b + 2]
        for i in range(starts[b], starts[b + 1]):
            best = np.inf
            for dy in range(-1, 2):
                lo, hi = neighbour_row(keys, next_start, next_stop, 0, cxs[i], cys[i] + dy, ncx, ncy)
                for j in range(lo, hi):
                    ddx, ddy = xs[j] - xs[i], ys[j] - ys[i]
                    d2 = ddx * ddx + ddy * ddy
                    if d2 <= d2_max and d2 < best:
                        best = d2
            dist[i] = np.sqrt(best)
    k = 0
    for i in range(n):
        if dist[i] < np.inf:
            dist[k] = dist[i]
            k += 1
    return dist[:k].copy()

