"""Numba kernel of the EED inpainting (:mod:`napari_maliang.codec.eed`, imported lazily): one FED cycle.

The discrete operator is ``(A u)_p = sum_q w_pq (u_q - u_p)`` over the 8 neighbours ``q`` of ``p``, with
symmetric weights ``w_pq = w_qp`` held once per neighbour pair in four arrays: ``w_e[y, x]`` couples
``(y, x)`` and ``(y, x + 1)``, ``w_s`` ``(y, x)`` and ``(y + 1, x)``, ``w_se`` ``(y, x)`` and
``(y + 1, x + 1)``, ``w_sw`` ``(y, x)`` and ``(y + 1, x - 1)``; pairs that leave the image have weight 0
(reflecting borders). Known pixels (``unknown == 0``) never change.
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, nogil=True, parallel=True)
def _step(u, out, w_e, w_s, w_se, w_sw, unknown, tau):
    C, H, W = u.shape
    for y in numba.prange(H):
        for x in range(W):
            for c in range(C):
                p = u[c, y, x]
                if not unknown[y, x]:
                    out[c, y, x] = p
                    continue
                s = 0.0
                if x + 1 < W:
                    s += w_e[y, x] * (u[c, y, x + 1] - p)
                if x > 0:
                    s += w_e[y, x - 1] * (u[c, y, x - 1] - p)
                if y + 1 < H:
                    s += w_s[y, x] * (u[c, y + 1, x] - p)
                    if x + 1 < W:
                        s += w_se[y, x] * (u[c, y + 1, x + 1] - p)
                    if x > 0:
                        s += w_sw[y, x] * (u[c, y + 1, x - 1] - p)
                if y > 0:
                    s += w_s[y - 1, x] * (u[c, y - 1, x] - p)
                    if x > 0:
                        s += w_se[y - 1, x - 1] * (u[c, y - 1, x - 1] - p)
                    if x + 1 < W:
                        s += w_sw[y - 1, x + 1] * (u[c, y - 1, x + 1] - p)
                out[c, y, x] = p + tau * s


def fed_cycle(u: np.ndarray, w_e, w_s, w_se, w_sw, unknown: np.ndarray, taus: np.ndarray) -> np.ndarray:
    """Explicit steps ``u <- u + tau_i A u`` for every ``tau_i`` of ``taus`` (one FED cycle); ``u`` is
    ``(C, H, W)`` float64, C-contiguous; returns the result (``u`` itself or a second buffer)."""
    out = np.empty_like(u)
    for tau in taus:
        _step(u, out, w_e, w_s, w_se, w_sw, unknown, float(tau))
        u, out = out, u
    return u
