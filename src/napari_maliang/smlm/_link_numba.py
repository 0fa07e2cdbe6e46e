"""Numba kernel of :func:`napari_maliang.smlm.linking.link` (imported lazily).

The localizations come sorted by frame. Every frame, the tracks whose last localization is more than
``max_dark + 1`` frames old are closed; the candidate pairs (localization of the frame, open track) within the
gate are found by a sweep over the open tracks sorted by ``x``; the pairs are then assigned greedily, the
closest (in units of the pair's gate) first, each track and each localization at most once. A localization left
without a track starts one.
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, nogil=True)
def _pair_gate(radius: float, factor: float, u_a: float, u_t: float) -> float:
    """The gate of one pair: ``radius``, or ``factor * sqrt(u_a**2 + u_t**2)`` when ``radius`` is 0."""
    if radius > 0.0:
        return radius
    return factor * np.sqrt(u_a * u_a + u_t * u_t)


@numba.njit(cache=True, nogil=True)
def _frame_pairs(lo, hi, x, y, u, xs, ys, us, n_open, radius, factor, umax, fill, pair_d, pair_loc, pair_track):
    """Count (``fill`` False) or write the candidate pairs of localizations ``lo:hi`` with the open tracks
    ``xs, ys, us`` (sorted by ``xs``); returns their number. ``pair_d`` is the squared distance over the
    squared gate."""
    n_pairs = 0
    for a in range(lo, hi):
        reach = _pair_gate(radius, factor, u[a], umax)
        first = np.searchsorted(xs, x[a] - reach)
        for t in range(first, n_open):
            if xs[t] > x[a] + reach:
                break
            gate = _pair_gate(radius, factor, u[a], us[t])
            d2 = (xs[t] - x[a]) ** 2 + (ys[t] - y[a]) ** 2
            if d2 <= gate * gate:
                if fill:
                    pair_d[n_pairs] = d2 / (gate * gate)
                    pair_loc[n_pairs] = a
                    pair_track[n_pairs] = t
                n_pairs += 1
    return n_pairs


@numba.njit(cache=True, nogil=True)
def link_tracks(frame, x, y, u, radius, factor, max_dark):
    """Track id of every localization (``frame`` sorted ascending); ids count from 0 in order of creation.

    ``radius > 0`` is a fixed gate; ``radius == 0`` gates each pair at ``factor * sqrt(u_i**2 + u_j**2)``.
    """
    n = frame.shape[0]
    track = np.empty(n, np.int64)
    # the open tracks: id, last position, last uncertainty, last frame
    open_id = np.empty(n, np.int64)
    open_x = np.empty(n, np.float64)
    open_y = np.empty(n, np.float64)
    open_u = np.empty(n, np.float64)
    open_last = np.empty(n, np.int64)
    n_open = 0
    n_tracks = 0
    lo = 0
    while lo < n:
        f = frame[lo]
        hi = lo
        while hi < n and frame[hi] == f:
            hi += 1
        # close the tracks that have been dark too long
        kept = 0
        umax = 0.0
        for t in range(n_open):
            if open_last[t] >= f - max_dark - 1:
                open_id[kept] = open_id[t]
                open_x[kept] = open_x[t]
                open_y[kept] = open_y[t]
                open_u[kept] = open_u[t]
                open_last[kept] = open_last[t]
                umax = max(umax, open_u[t])
                kept += 1
        n_open = kept
        order = np.argsort(open_x[:n_open])
        xs = open_x[:n_open][order]
        ys = open_y[:n_open][order]
        us = open_u[:n_open][order]
        empty_f = np.empty(0, np.float64)
        empty_i = np.empty(0, np.int64)
        n_pairs = _frame_pairs(lo, hi, x, y, u, xs, ys, us, n_open, radius, factor, umax, False,
                               empty_f, empty_i, empty_i)
        pair_d = np.empty(n_pairs, np.float64)
        pair_loc = np.empty(n_pairs, np.int64)
        pair_track = np.empty(n_pairs, np.int64)
        _frame_pairs(lo, hi, x, y, u, xs, ys, us, n_open, radius, factor, umax, True, pair_d, pair_loc, pair_track)
        # greedy assignment, closest first; ties keep the input order
        for a in range(lo, hi):
            track[a] = -1
        taken = np.zeros(n_open, np.bool_)
        for p in np.argsort(pair_d, kind="mergesort"):
            a = pair_loc[p]
            t = order[pair_track[p]]
            if track[a] < 0 and not taken[t]:
                taken[t] = True
                track[a] = open_id[t]
                open_x[t] = x[a]
                open_y[t] = y[a]
                open_u[t] = u[a]
                open_last[t] = f
        for a in range(lo, hi):
            if track[a] < 0:
                track[a] = n_tracks
                open_id[n_open] = n_tracks
                open_x[n_open] = x[a]
                open_y[n_open] = y[a]
                open_u[n_open] = u[a]
                open_last[n_open] = f
                n_open += 1
                n_tracks += 1
        lo = hi
    return track
