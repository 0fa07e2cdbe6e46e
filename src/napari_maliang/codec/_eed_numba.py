"""Numba kernels of the EED inpainting (:mod:`napari_maliang.codec.eed`, imported lazily): FED cycles and their
transpose.

The discrete operator is ``(A u)_p = sum_q w_pq (u_q - u_p)`` over the 8 neighbours ``q`` of ``p``, with
symmetric weights ``w_pq = w_qp`` held once per neighbour pair in four arrays: ``w_e[y, x]`` couples
``(y, x)`` and ``(y, x + 1)``, ``w_s`` ``(y, x)`` and ``(y + 1, x)``, ``w_se`` ``(y, x)`` and
``(y + 1, x + 1)``, ``w_sw`` ``(y, x)`` and ``(y + 1, x - 1)``; pairs that leave the image have weight 0
(reflecting borders). Known pixels (``unknown == 0``) never change. The kernels run on copies padded by one
ring of zero weights (:func:`pad_cycle`), so that they need no branches; tonal optimisation, which runs the
same cycles many times, pads them once.
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, nogil=True, parallel=True, fastmath=True)
def _step(u, out, w_e, w_s, w_se, w_sw, unknown, tau):
    """One explicit step ``out = u + tau R A u`` on the padded arrays (``R``: ``unknown``, 1 on the unknown
    pixels and 0 on the known ones)."""
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
                out[c, y, x] = p + tau * unknown[y, x] * s


@numba.njit(cache=True, nogil=True, parallel=True, fastmath=True)
def _step_adjoint(r, out, w_e, w_s, w_se, w_sw, unknown, tau):
    """The transpose of :func:`_step`: ``out = r + A (tau R r)`` (``A`` is symmetric), with ``tau R r`` formed
    on the fly instead of in a temporary array."""
    C, Hp, Wp = r.shape
    for y in numba.prange(1, Hp - 1):
        for c in range(C):
            for x in range(1, Wp - 1):
                p = unknown[y, x] * r[c, y, x]
                s = (
                    w_e[y, x] * (unknown[y, x + 1] * r[c, y, x + 1] - p)
                    + w_e[y, x - 1] * (unknown[y, x - 1] * r[c, y, x - 1] - p)
                    + w_s[y, x] * (unknown[y + 1, x] * r[c, y + 1, x] - p)
                    + w_s[y - 1, x] * (unknown[y - 1, x] * r[c, y - 1, x] - p)
                    + w_se[y, x] * (unknown[y + 1, x + 1] * r[c, y + 1, x + 1] - p)
                    + w_se[y - 1, x - 1] * (unknown[y - 1, x - 1] * r[c, y - 1, x - 1] - p)
                    + w_sw[y, x] * (unknown[y + 1, x - 1] * r[c, y + 1, x - 1] - p)
                    + w_sw[y - 1, x + 1] * (unknown[y - 1, x + 1] * r[c, y - 1, x + 1] - p)
                )
                out[c, y, x] = r[c, y, x] + tau * s


def pad(a: np.ndarray, dtype=np.float64) -> np.ndarray:
    """``a`` as ``dtype`` with one ring of zeros around its last two axes (the kernels' layout)."""
    width = ((0, 0),) * (a.ndim - 2) + ((1, 1), (1, 1))
    return np.pad(np.asarray(a, dtype), width)


def unpad(a: np.ndarray) -> np.ndarray:
    """The inverse of :func:`pad`, as a contiguous array."""
    return np.ascontiguousarray(a[..., 1:-1, 1:-1])


def pad_cycle(w_e, w_s, w_se, w_sw, unknown, dtype=np.float64) -> tuple:
    """The kernels' operator: the four pair-weight arrays and the unknown pixels (as 0/1), each padded, in
    ``dtype`` (the decoder float64; tonal optimisation float32, which halves the memory the steps stream
    through and changes its values by ~1e-7 relative)."""
    return tuple(pad(x, dtype) for x in (w_e, w_s, w_se, w_sw, unknown))


def run_cycle(up: np.ndarray, operator: tuple, taus: np.ndarray) -> np.ndarray:
    """Explicit steps ``u <- u + tau_i R A u`` for every ``tau_i`` of ``taus`` on the padded ``(C, H+2, W+2)``
    array ``up`` and the padded ``operator`` of :func:`pad_cycle`; returns a new padded array."""
    up = up.copy()
    out = up.copy()
    for tau in taus:
        _step(up, out, *operator, float(tau))
        up, out = out, up
    return up


def run_cycle_adjoint(rp: np.ndarray, operator: tuple, taus: np.ndarray) -> np.ndarray:
    """The transpose of :func:`run_cycle`'s linear map: ``r <- r + tau_i A R r`` in reverse order."""
    rp = rp.copy()
    out = rp.copy()
    for tau in taus[::-1]:
        _step_adjoint(rp, out, *operator, float(tau))
        rp, out = out, rp
    return rp


def fed_cycle(u: np.ndarray, w_e, w_s, w_se, w_sw, unknown: np.ndarray, taus: np.ndarray) -> np.ndarray:
    """Explicit steps ``u <- u + tau_i A u`` for every ``tau_i`` of ``taus`` (one FED cycle) on the unknown
    pixels; ``u`` is ``(C, H, W)`` float64; returns the result as a new array."""
    return unpad(run_cycle(pad(u), pad_cycle(w_e, w_s, w_se, w_sw, unknown), taus))

