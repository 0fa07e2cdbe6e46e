"""Numba kernel of the EED inpainting (:mod:`napari_maliang.codec.eed`, imported lazily): one FED cycle.

The discrete operator is ``(A u)_p = sum_q w_pq (u_q - u_p)`` over the 8 neighbours ``q`` of ``p``, with
symmetric weights ``w_pq = w_qp`` held once per neighbour pair in four arrays: ``w_e[y, x]`` couples
``(y, x)`` and ``(y, x + 1)``, ``w_s`` ``(y, x)`` and ``(y + 1, x)``, ``w_se`` ``(y, x)`` and
``(y + 1, x + 1)``, ``w_sw`` ``(y, x)`` and ``(y + 1, x - 1)``; pairs that leave the image have weight 0
(reflecting borders). Known pixels (``unknown == 0``) never change. The kernel runs on copies padded by one ring of zero weights.
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, nogil=True, parallel=True, fastmath=True)
def _step(u, out, w_e, w_s, w_se, w_sw, rate):
    """One explicit step on the padded arrays (one ring of zero weights: no branches); ``rate`` is
    ``tau`` on the unknown pixels and 0 on the known ones."""
    C, Hp, Wp = u.shape
    for y in numba.prange(1, Hp - 1):
        for c in range(C):
            for x in range(1, Wp - 1):
                p = u[c, y, x]
                s = (
                    w_e[y, x] * (u[c, y, x + 1] - p)
                    + w_e[y, x - 1] * (u[c, y, x - 1] - p)
                    + w_s[y, x] * (u[c, y + 1, x] - p)
                    + w_s[y - 1, x] * (u[c, y - 1, x] - p)
                    + w_se[y, x] * (u[c, y + 1, x + 1] - p)
                    + w_se[y - 1, x - 1] * (u[c, y - 1, x - 1] - p)
                    + w_sw[y, x] * (u[c, y + 1, x - 1] - p)
                    + w_sw[y - 1, x + 1] * (u[c, y - 1, x + 1] - p)
                )
                out[c, y, x] = p + rate[y, x] * s


def _pad(a: np.ndarray) -> np.ndarray:
    width = ((0, 0),) * (a.ndim - 2) + ((1, 1), (1, 1))
    return np.pad(a, width)


def fed_cycle(u: np.ndarray, w_e, w_s, w_se, w_sw, unknown: np.ndarray, taus: np.ndarray) -> np.ndarray:
    """Explicit steps ``u <- u + tau_i A u`` for every ``tau_i`` of ``taus`` (one FED cycle) on the unknown
    pixels; ``u`` is ``(C, H, W)`` float64; returns the result as a new array."""
    up = _pad(np.asarray(u, np.float64))
    out = up.copy()
    w = [_pad(np.asarray(x, np.float64)) for x in (w_e, w_s, w_se, w_sw)]
    unk = _pad(np.asarray(unknown, np.float64))
    for tau in taus:
        _step(up, out, *w, unk * float(tau))
        up, out = out, up
    return np.ascontiguousarray(up[:, 1:-1, 1:-1])


def fed_cycle_adjoint(r: np.ndarray, w_e, w_s, w_se, w_sw, unknown: np.ndarray, taus: np.ndarray) -> np.ndarray:
    """The transpose of :func:`fed_cycle`'s linear map: its steps ``u <- (I + tau R A) u`` (``R`` the unknown
    pixels) become ``r <- (I + tau A R) r`` in reverse order (``A`` is symmetric); ``r`` is ``(C, H, W)``."""
    rp = _pad(np.asarray(r, np.float64))
    out = rp.copy()
    w = [_pad(np.asarray(x, np.float64)) for x in (w_e, w_s, w_se, w_sw)]
    unk = _pad(np.asarray(unknown, np.float64))
    one = _pad(np.ones(unknown.shape))
    for tau in taus[::-1]:
        v = (unk * float(tau)) * rp
        _step(v, out, *w, one)  # out = v + A v
        out += rp - v
        rp, out = out, rp
    return np.ascontiguousarray(rp[:, 1:-1, 1:-1])
