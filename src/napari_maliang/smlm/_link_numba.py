"""Numba kernels of :func:`napari_maliang.smlm.linking.link` (imported lazily).

Linking (:func:`link_tracks`) goes frame by frame through the localizations sorted by frame (a counting sort of
parts of the rows on as many threads, :func:`frame_order`). The open tracks (whose last localization is at most
``max_dark + 1`` frames old) are kept in buckets of the ``x`` of their last localization, rebuilt every frame.
The candidate pairs of a frame (localization, open track within the pair's gate) are found in the buckets within
reach of each localization; they are assigned greedily, the closest (in units of the pair's gate) first, ties:
the localization first in the input, then the track whose last localization has the smaller ``x``, then the
older track; each track and each localization at most once. A pair whose localization and track have no other
candidate is assigned at once (the greedy rule would, whatever the order); only the others are sorted. A
localization left without a track starts one. A track is named by its root, the frame-order position of its
first localization, so two runs name the same track alike and ids are the roots counted in order
(:func:`track_ids`).

The frame loop is sequential (a frame's assignment needs the open tracks of the frames before), so
:func:`link_tracks` speculates: it cuts the frames into chunks and links them all at once, each chunk but the
first from no open track, then links each chunk again from the true open tracks until the two runs hold the
same open tracks after a frame; the state after a frame is the set of open tracks, which is fixed by the roots
of the localizations in the frames still within reach, so from there on the speculative run is the true one
(:func:`link_blocks`). Molecules stay on for a few frames, so the second run is short; a track that never ends
makes it run to the chunk's end, which is still exact.

:func:`track_span`, :func:`weighted_sums` and :func:`track_sums` are the per-track sums of the merge, each a pass
over the rows in row order (the sums of ``np.bincount``, without its float64 copies).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numba
import numpy as np

from napari_maliang._shared.threads import default_threads
from napari_maliang.smlm._grid_numba import count_frames, counting_span, frame_blocks, frame_blocks_of


@numba.njit(cache=True, nogil=True, inline="always")
def _pair_gate(radius: float, factor: float, u_a: float, u_t: float) -> float:
    """The gate of one pair: ``radius``, or ``factor * sqrt(u_a**2 + u_t**2)`` when ``radius`` is 0."""
    if radius > 0.0:
        return radius
    return factor * np.sqrt(u_a * u_a + u_t * u_t)


@numba.njit(cache=True, nogil=True, inline="always")
def _before(p, q, pair_d, pair_a, pair_t, open_x, open_id):
    """Pair ``p`` comes before pair ``q``: closer (in units of the gate), then the localization first in the
    input, then the track whose last localization has the smaller x, then the older track."""
    if pair_d[p] != pair_d[q]:
        return pair_d[p] < pair_d[q]
    if pair_a[p] != pair_a[q]:
        return pair_a[p] < pair_a[q]
    tp, tq = pair_t[p], pair_t[q]
    if open_x[tp] != open_x[tq]:
        return open_x[tp] < open_x[tq]
    return open_id[tp] < open_id[tq]


@numba.njit(cache=True, nogil=True)
def _sort_pairs(rest, count, buffer, pair_d, pair_a, pair_t, open_x, open_id):
    """Sort the pairs ``rest[:count]`` by :func:`_before`: insertion sort of runs of 16, merged through
    ``buffer``."""
    run = 16
    for lo in range(0, count, run):
        for i in range(lo + 1, min(lo + run, count)):
            v, j = rest[i], i - 1
            while j >= lo and _before(v, rest[j], pair_d, pair_a, pair_t, open_x, open_id):
                rest[j + 1] = rest[j]
                j -= 1
            rest[j + 1] = v
    width = run
    while width < count:
        for lo in range(0, count - width, 2 * width):
            mid, hi = lo + width, min(lo + 2 * width, count)
            buffer[: mid - lo] = rest[lo:mid]
            i, j, k = 0, mid, lo
            while i < mid - lo and j < hi:
                if _before(rest[j], buffer[i], pair_d, pair_a, pair_t, open_x, open_id):
                    rest[k] = rest[j]
                    j += 1
                else:
                    rest[k] = buffer[i]
                    i += 1
                k += 1
            while i < mid - lo:
                rest[k] = buffer[i]
                i += 1
                k += 1
        width *= 2


@numba.njit(cache=True, nogil=True)
def _frame_pairs(lo, hi, xs, ys, us, open_x, open_y, open_u, start, slot, x0, per_bucket, n_buckets, radius,
                 factor, umax, pair_d, pair_a, pair_t, pairs_of_loc, pairs_of_track):
    """The candidate pairs of the localizations ``lo:hi`` (of one frame) with the open tracks, found through
    the tracks' buckets of ``x`` (bucket ``i`` holds the tracks ``slot[start[i]:start[i + 1]]``); returns their
    number, or -1 when the pair arrays are too short (no counts left behind). Every track of the buckets within
    reach is written as a pair and kept (the count advanced) only when it is one: no branch to mispredict."""
    n_pairs = 0
    for a in range(lo, hi):
        xa, ya, ua = xs[a], ys[a], us[a]
        reach = _pair_gate(radius, factor, ua, umax)
        left, right = xa - reach, xa + reach
        first = min(max(int((left - x0) * per_bucket), 0), n_buckets - 1)
        last = min(max(int((right - x0) * per_bucket), 0), n_buckets - 1)
        for j in range(start[first], start[last + 1]):
            if n_pairs == pair_d.size:
                for p in range(n_pairs):
                    pairs_of_loc[pair_a[p]] = 0
                    pairs_of_track[pair_t[p]] = 0
                return -1
            t = slot[j]
            gate = _pair_gate(radius, factor, ua, open_u[t])
            d2 = (open_x[t] - xa) ** 2 + (open_y[t] - ya) ** 2
            inside = (left <= open_x[t]) & (open_x[t] <= right) & (d2 <= gate * gate)
            pair_d[n_pairs], pair_a[n_pairs], pair_t[n_pairs] = d2 / (gate * gate), a, t
            n_pairs += inside
            pairs_of_loc[a] += inside
            pairs_of_track[t] += inside
    return n_pairs


@numba.njit(cache=True, nogil=True)
def _scatter_rows(frame, x, y, u, lo, hi, fmin, fill, order, xyu):
    """Write the rows ``lo:hi`` into frame order at ``fill`` (the next place of each frame, advanced): ``order``
    (their row) and ``xyu`` (``x, y, u`` side by side, one write per row)."""
    for i in range(lo, hi):
        v = frame[i] - fmin
        a = fill[v]
        fill[v] = a + 1
        order[a] = i
        xyu[a, 0], xyu[a, 1], xyu[a, 2] = x[i], y[i], u[i]


def frame_order(frame, x, y, u, pool, n_parts):
    """The localizations in order of frame, stable: ``order`` (the row of each), ``starts`` and ``block_frame``
    (the blocks of one frame, as :func:`._grid_numba.frame_blocks` gives them) and their ``x, y, u`` in that
    order side by side (``(n, 3)``). A counting sort of ``n_parts`` parts of the rows at once on ``pool`` (each
    part counted, then scattered after the parts before it: :func:`._grid_numba.count_frames`,
    :func:`._grid_numba.frame_blocks_of`) when the frames span at most :func:`._grid_numba.counting_span`
    values, else ``frame_blocks``' merge sort."""
    n = frame.size
    fmin, fmax = int(frame.min()), int(frame.max())
    if fmax - fmin > counting_span(n):
        order, starts, block_frame, _ = frame_blocks(frame)
        return order, starts, block_frame, np.stack((x[order], y[order], u[order]), axis=1)
    parts = np.linspace(0, n, n_parts + 1).astype(np.int64)
    counts = np.zeros((n_parts, fmax - fmin + 1), np.int64)
    for run in [pool.submit(count_frames, frame, lo, hi, fmin, line)
                for lo, hi, line in zip(parts[:-1], parts[1:], counts)]:
        run.result()
    fill, starts, block_frame = frame_blocks_of(counts, fmin)
    order, xyu = np.empty(n, np.int64), np.empty((n, 3))
    for run in [pool.submit(_scatter_rows, frame, x, y, u, lo, hi, fmin, line, order, xyu)
                for lo, hi, line in zip(parts[:-1], parts[1:], fill)]:
        run.result()
    return order, starts, block_frame, xyu


def bucket_grid(x, u, n_blocks, radius, factor):
    """Buckets of ``x`` for the open tracks: about 4 per localization of a frame, none narrower than a typical
    gate; returns ``x0, per_bucket, n_buckets`` (bucket of ``x``: ``int((x - x0) * per_bucket)``, clipped)."""
    n = x.size
    x0, x1 = float(x.min()), float(x.max())
    typical_gate = radius if radius > 0.0 else _pair_gate(radius, factor, float(u.mean()), 0.0) * np.sqrt(2.0)
    n_buckets = min(max(4 * n // max(n_blocks, 1), 1), 1 << 20)
    if typical_gate > 0.0:
        n_buckets = max(min(n_buckets, int((x1 - x0) / typical_gate)), 1)
    per_bucket = n_buckets / (x1 - x0) if x1 > x0 else 0.0
    return x0, per_bucket, n_buckets


def open_bound(starts, max_dark):
    """The most tracks that can be open at once: the most localizations in ``max_dark + 1`` consecutive frames
    (an open track's last localization lies in one of the ``max_dark + 1`` frames up to the current one)."""
    width = min(max_dark + 1, starts.size - 1)
    return int(np.max(starts[width:] - starts[:-width]))


@numba.njit(cache=True, nogil=True)
def new_state(n, n_buckets):
    """No open track, room for ``n`` (:func:`open_bound`): the last position ``x, y`` and uncertainty of every
    open track, its last frame and its root (the frame-order position of its first localization), the tracks by
    bucket of ``x`` (``start``, ``slot``; :func:`_frame_pairs`) and the bucket of each, per-frame flags and
    counts, and ``[number of open tracks]``, ``[largest open uncertainty]``."""
    return (np.empty(n), np.empty(n), np.empty(n), np.empty(n, np.int64), np.empty(n, np.int64),
            np.zeros(n_buckets + 1, np.int64), np.empty(n, np.int64), np.empty(n, np.int64), np.zeros(n, np.bool_),
            np.zeros(n, np.int64), np.zeros(1, np.int64), np.zeros(1))


@numba.njit(cache=True, nogil=True)
def link_blocks(b0, b1, starts, block_frame, xyu, grid, radius, factor, max_dark, track, pairs_of_loc, state,
                check_from):
    """Link the frames (blocks) ``b0 .. b1 - 1`` from the open tracks of ``state`` (updated in place), writing
    the root of every localization's track into ``track`` (frame order).

    With ``check_from >= 0`` the blocks from ``check_from`` on already hold a run that started there with no open
    track (the speculative run of :func:`link_tracks`): the run stops after the first block at which the two
    runs hold the same open tracks (the open tracks are those whose last localization lies in a frame still
    within reach, so the same roots on the localizations of those frames make the same state, and every later
    frame links the same way). Returns the block after the last one linked.
    """
    x0, per_bucket, n_buckets = grid
    open_x, open_y, open_u, open_last, open_id, start, slot, bucket_of, taken, pairs_of_track, count, largest = state
    n_open, umax = count[0], largest[0]
    capacity = 1024
    pair_d, pair_a, pair_t = np.empty(capacity), np.empty(capacity, np.int64), np.empty(capacity, np.int64)
    rest, buffer = np.empty(capacity, np.int64), np.empty(capacity, np.int64)
    xs, ys, us = xyu[:, 0], xyu[:, 1], xyu[:, 2]
    last_change = -1  # the last block whose roots the check changed
    for b in range(b0, b1):
        f, lo, hi = block_frame[b], starts[b], starts[b + 1]
        n_pairs = _frame_pairs(lo, hi, xs, ys, us, open_x, open_y, open_u, start, slot, x0, per_bucket, n_buckets,
                               radius, factor, umax, pair_d, pair_a, pair_t, pairs_of_loc, pairs_of_track)
        while n_pairs < 0:
            capacity *= 2
            pair_d, pair_a, pair_t = np.empty(capacity), np.empty(capacity, np.int64), np.empty(capacity, np.int64)
            rest, buffer = np.empty(capacity, np.int64), np.empty(capacity, np.int64)
            n_pairs = _frame_pairs(lo, hi, xs, ys, us, open_x, open_y, open_u, start, slot, x0, per_bucket,
                                   n_buckets, radius, factor, umax, pair_d, pair_a, pair_t, pairs_of_loc,
                                   pairs_of_track)
        before = track[lo:hi].copy() if check_from >= 0 else track[lo:lo]
        # greedy assignment, closest first: a pair without rivals at once, the others in order
        for a in range(lo, hi):
            track[a] = -1
        n_rest = 0
        for p in range(n_pairs):
            a, t = pair_a[p], pair_t[p]
            if pairs_of_loc[a] == 1 and pairs_of_track[t] == 1:
                track[a] = open_id[t]
                taken[t] = True
            else:
                rest[n_rest] = p
                n_rest += 1
        _sort_pairs(rest, n_rest, buffer, pair_d, pair_a, pair_t, open_x, open_id)
        for q in range(n_rest):
            a, t = pair_a[rest[q]], pair_t[rest[q]]
            if track[a] < 0 and not taken[t]:
                taken[t] = True
                track[a] = open_id[t]
        for p in range(n_pairs):
            pairs_of_loc[pair_a[p]] = 0
            pairs_of_track[pair_t[p]] = 0
        for a in range(lo, hi):
            if track[a] < 0:
                track[a] = a  # a new track, rooted here
            if check_from >= 0 and track[a] != before[a - lo]:
                last_change = b
        # the open tracks of the next frame: those neither extended nor too long dark, and this frame's
        next_frame = block_frame[b + 1] if b + 1 < block_frame.size else f + max_dark + 2
        oldest = next_frame - max_dark - 1
        kept = 0
        umax = 0.0
        for t in range(n_open):
            if not taken[t] and open_last[t] >= oldest:
                open_x[kept], open_y[kept], open_u[kept] = open_x[t], open_y[t], open_u[t]
                open_last[kept], open_id[kept] = open_last[t], open_id[t]
                kept += 1
            taken[t] = False
        if f >= oldest:
            for a in range(lo, hi):
                open_x[kept], open_y[kept], open_u[kept] = xs[a], ys[a], us[a]
                open_last[kept], open_id[kept] = f, track[a]
                kept += 1
        n_open = kept
        # the tracks by bucket: counted, summed up to each bucket's end, placed back to front
        start[:] = 0
        for t in range(n_open):
            bucket = min(max(int((open_x[t] - x0) * per_bucket), 0), n_buckets - 1)
            bucket_of[t] = bucket
            start[bucket] += 1
            umax = max(umax, open_u[t])
        total = 0
        for bucket in range(n_buckets):
            total += start[bucket]
            start[bucket] = total
        start[n_buckets] = n_open
        for t in range(n_open):
            start[bucket_of[t]] -= 1
            slot[start[bucket_of[t]]] = t
        if check_from >= 0:
            reach = b + 1  # the first block whose localizations may end an open track
            while reach > 0 and block_frame[reach - 1] >= oldest:
                reach -= 1
            if reach >= check_from and last_change < reach:
                count[0], largest[0] = n_open, umax
                return b + 1
    count[0], largest[0] = n_open, umax
    return b1


@numba.njit(cache=True, nogil=True)
def track_ids(order, track):
    """Track ids in row order from the roots of :func:`link_blocks` (frame order; overwritten): ids count the
    roots in frame order, and the row of every track's first localization."""
    n = order.size
    ids, first_row = np.empty(n, np.int64), np.empty(n, np.int64)
    n_tracks = 0
    for a in range(n):
        root = track[a]
        if root == a:
            first_row[n_tracks] = order[a]
            track[a] = n_tracks
            n_tracks += 1
        else:
            track[a] = track[root]  # the root comes first and holds its id already
        ids[order[a]] = track[a]
    return ids, first_row[:n_tracks].copy()


def link_tracks(frame, x, y, u, radius, factor, max_dark, n_chunks=None):
    """Track id of every localization (in row order; frames in any order) and the row of every track's first
    localization; ids count from 0 in order of creation (by frame, then row).

    ``radius > 0`` is a fixed gate; ``radius == 0`` gates each pair at ``factor * sqrt(u_i**2 + u_j**2)``.

    The frames are cut into ``n_chunks`` runs of about equal numbers of localizations (default: one per CPU,
    none shorter than 200 frames), linked at once on as many threads, every run but the first starting with no
    open track (a speculation). Then, in order, each run is linked again from the true open tracks at the end
    of the one before, until its open tracks coincide with the speculative run's (in a few frames: a molecule
    stays on for a few frames); from there the speculative run is exact. The result is that of one sequential
    run whatever the cut.
    """
    n = frame.size
    threads = default_threads() if n_chunks is None else max(n_chunks, 1)
    with ThreadPoolExecutor(threads) as pool:
        order, starts, block_frame, xyu = frame_order(frame, x, y, u, pool, threads)
        n_blocks = block_frame.size
        if n_chunks is None:
            n_chunks = max(min(threads, n_blocks // 200), 1)
        grid = bucket_grid(x, u, n_blocks, radius, factor)
        cuts = np.unique(np.searchsorted(starts, np.linspace(0, n, n_chunks + 1)[1:-1]))
        bounds = [0, *cuts[(cuts > 0) & (cuts < n_blocks)].tolist(), n_blocks]
        track, pairs_of_loc = np.empty(n, np.int64), np.zeros(n, np.int64)
        states = [new_state(open_bound(starts, max_dark), grid[2]) for _ in bounds[:-1]]
        common = (starts, block_frame, xyu, grid, radius, factor, max_dark, track, pairs_of_loc)
        runs = [pool.submit(link_blocks, b0, b1, *common, state, -1)
                for b0, b1, state in zip(bounds[:-1], bounds[1:], states)]
        for run in runs:
            run.result()
    state = states[0]
    for b0, b1, speculative in zip(bounds[1:-1], bounds[2:], states[1:]):
        if link_blocks(b0, b1, *common, state, b0) < b1:
            state = speculative  # the speculative run's open tracks are the true ones from there on
    return track_ids(order, track)


@numba.njit(cache=True, nogil=True)
def track_span(ids, k, first, last):
    """Per track (ids ``0..k-1``): the number of localizations (float64), the first and the last frame."""
    count = np.zeros(k)
    first_frame = np.full(k, np.iinfo(np.int64).max)
    last_frame = np.full(k, np.iinfo(np.int64).min)
    for i in range(ids.size):
        t = ids[i]
        count[t] += 1.0
        first_frame[t] = min(first_frame[t], first[i])
        last_frame[t] = max(last_frame[t], last[i])
    return count, first_frame, last_frame


@numba.njit(cache=True, nogil=True)
def weighted_sums(ids, k, values, u, weighted):
    """Per track: the sum of the weights ``1/u^2`` (where ``u`` is finite and positive and ``weighted``, else
    0), of the weighted ``values`` and of the plain ``values``; in row order, as ``np.bincount`` adds."""
    weight, weighted_sum, plain_sum = np.zeros(k), np.zeros(k), np.zeros(k)
    for i in range(ids.size):
        t = ids[i]
        w = 0.0
        if weighted:
            v = np.float64(u[i])
            if np.isfinite(v) and v > 0.0:
                w = 1.0 / v**2
        weight[t] += w
        weighted_sum[t] += w * values[i]
        plain_sum[t] += values[i]
    return weight, weighted_sum, plain_sum


@numba.njit(cache=True, nogil=True)
def track_sums(ids, k, values):
    """``np.bincount(ids, values.astype(float64), k)`` without the float64 copy."""
    out = np.zeros(k)
    for i in range(ids.size):
        out[ids[i]] += np.float64(values[i])
    return out
