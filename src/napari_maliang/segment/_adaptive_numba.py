"""Compiled kernels of the locally adaptive threshold (numba; imported lazily by ``threshold``).

Three passes, none with a per-pixel Python loop and none with image-sized temporaries:
tile histograms (one pass over the pixels), window decisions (sliding window sums of tile
histograms + Otsu per window, in a histogram-sized buffer) and the final per-pixel comparison.
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, nogil=True)
def tile_histograms(q, step, ty0, ty1, ntx, L):  # pragma: no cover - compiled
    """Histograms of the ``step x step`` tiles in tile rows ``ty0 .. ty1 - 1``: shape (ty1 - ty0, ntx, L)."""
    H, W = q.shape
    th = np.zeros((ty1 - ty0, ntx, L), dtype=np.int32)
    y_end = min(H, ty1 * step)
    for y in range(ty0 * step, y_end):
        ty = y // step - ty0
        for x in range(W):
            th[ty, x // step, q[y, x]] += 1
    return th


@numba.njit(cache=True, nogil=True)
def _otsu_split(h, L):  # pragma: no cover - compiled
    """Otsu level of one histogram (background = levels < k), or -1 when it has a single level.

    Maximizes ``(nb * s - n * sb)^2 / (nb * nf)``; the first maximum on ties (within 1e-10
    relative round-off), moved to the middle of a gap of empty levels as ``OtsuTable.best`` does.
    """
    n = 0.0
    s = 0.0
    for v in range(L):
        c = float(h[v])
        n += c
        s += c * v
    best = -1.0
    nb = 0.0
    sb = 0.0
    for k in range(1, L):
        c = float(h[k - 1])
        nb += c
        sb += c * (k - 1)
        nf = n - nb
        if nb <= 0.0 or nf <= 0.0:
            continue
        d = nb * s - n * sb
        crit = d * d / (nb * nf)
        if crit > best:
            best = crit
    if best < 0.0:
        return -1
    limit = best * (1.0 - 1e-10)
    kbest = 1
    nb = 0.0
    sb = 0.0
    for k in range(1, L):
        c = float(h[k - 1])
        nb += c
        sb += c * (k - 1)
        nf = n - nb
        if nb <= 0.0 or nf <= 0.0:
            continue
        d = nb * s - n * sb
        if d * d / (nb * nf) >= limit:
            kbest = k
            break
    b = kbest
    while b < L - 1 and h[b] == 0:
        b += 1
    return (kbest - 1 + b + 1) // 2


@numba.njit(cache=True, nogil=True)
def window_decisions(th, h0, t0, t1, nty, r, min_std_q, tg, out_k, out_uniform, out_ufg):  # pragma: no cover
    """Decide every tile of rows ``t0 .. t1 - 1`` from the window of ``(2r+1) x (2r+1)`` tiles around it.

    ``th`` holds the tile histograms of tile rows ``h0 ..`` (enough rows for the windows);
    windows are clipped at the grid border. Outputs (rows ``t1 - t0`` x ``ntx``): Otsu level,
    uniform flag (std below ``min_std_q`` levels, or a single level) and, for uniform windows,
    whether the mean reaches the global level ``tg``.
    """
    ntx = th.shape[1]
    L = th.shape[2]
    col = np.zeros((ntx, L), dtype=np.int64)  # vertical window sums per tile column
    win = np.zeros(L, dtype=np.int64)
    for ty in range(t0, t1):
        y_lo = max(ty - r, 0) - h0
        y_hi = min(ty + r + 1, nty) - h0
        col[:, :] = 0
        for yy in range(y_lo, y_hi):
            for tx in range(ntx):
                for v in range(L):
                    col[tx, v] += th[yy, tx, v]
        win[:] = 0
        for tx in range(0, min(r, ntx)):
            for v in range(L):
                win[v] += col[tx, v]
        for tx in range(ntx):
            enter = tx + r
            if enter < ntx:
                for v in range(L):
                    win[v] += col[enter, v]
            leave = tx - r - 1
            if leave >= 0:
                for v in range(L):
                    win[v] -= col[leave, v]
            n = 0.0
            s = 0.0
            ss = 0.0
            for v in range(L):
                c = float(win[v])
                n += c
                s += c * v
                ss += c * v * v
            mean = s / n
            var = ss / n - mean * mean
            std = np.sqrt(var) if var > 0.0 else 0.0
            k = _otsu_split(win, L)
            i = ty - t0
            out_k[i, tx] = k if k > 0 else 1
            out_uniform[i, tx] = (std < min_std_q) or (k < 0)
            out_ufg[i, tx] = mean >= tg


@numba.njit(cache=True, nogil=True)
def expand_mask(q, t_tile, step, out):  # pragma: no cover - compiled
    """``out[y, x] = q[y, x] >= t_tile[y // step, x // step]``."""
    H, W = q.shape
    for y in range(H):
        ty = y // step
        for x in range(W):
            out[y, x] = q[y, x] >= t_tile[ty, x // step]
