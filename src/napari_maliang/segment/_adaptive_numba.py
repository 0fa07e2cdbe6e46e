"""Compiled per-window Otsu for the locally adaptive threshold (numba; imported lazily)."""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, nogil=True)
def window_otsu(wh, min_std_q, tg, out_k, out_uniform, out_ufg):  # pragma: no cover - compiled
    """For every window histogram row of ``wh`` (M, L): Otsu level, uniformity and the uniform class.

    Otsu: maximize ``(nb * s - n * sb)^2 / (nb * nf)`` over splits ``k`` (background = levels
    < k) with both classes non-empty; first maximum on ties (within 1e-10 relative
    round-off), moved to the middle of a gap of empty levels as in ``OtsuTable.best``. A window is uniform when its
    standard deviation (in levels) is below ``min_std_q`` or it holds a single level; then
    ``out_ufg`` says whether its mean reaches the global threshold level ``tg``.
    All sums are of integers, so they are exact in float64.
    """
    M, L = wh.shape
    for i in range(M):
        n = 0.0
        s = 0.0
        ss = 0.0
        for v in range(L):
            c = float(wh[i, v])
            n += c
            s += c * v
            ss += c * v * v
        mean = s / n
        var = ss / n - mean * mean
        std = np.sqrt(var) if var > 0.0 else 0.0
        # pass 1: the largest criterion; pass 2: the first split within round-off of it (ties -> first)
        best = -1.0
        nb = 0.0
        sb = 0.0
        for k in range(1, L):
            c = float(wh[i, k - 1])
            nb += c
            sb += c * (k - 1)
            nf = n - nb
            if nb <= 0.0 or nf <= 0.0:
                continue
            d = nb * s - n * sb
            crit = d * d / (nb * nf)
            if crit > best:
                best = crit
        kbest = 1
        if best >= 0.0:
            limit = best * (1.0 - 1e-10)
            nb = 0.0
            sb = 0.0
            for k in range(1, L):
                c = float(wh[i, k - 1])
                nb += c
                sb += c * (k - 1)
                nf = n - nb
                if nb <= 0.0 or nf <= 0.0:
                    continue
                d = nb * s - n * sb
                if d * d / (nb * nf) >= limit:
                    kbest = k
                    break
            # across a gap of empty levels (a, b] take its middle, as OtsuTable.best does
            b = kbest
            while b < L - 1 and wh[i, b] == 0:
                b += 1
            kbest = (kbest - 1 + b + 1) // 2
        out_k[i] = kbest
        out_uniform[i] = (std < min_std_q) or (best < 0.0)
        out_ufg[i] = mean >= tg
