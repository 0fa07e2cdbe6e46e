"""The FED cycle of :mod:`._eed_numba` written with whole-array slices, for any array module: the CuPy twin
of :func:`._eed_numba.fed_cycle` (same signature, :func:`fed_cycle_gpu`), checked against the numba kernel
with NumPy as the array module (the GPU path itself has not run on a GPU yet: none was available)."""

from __future__ import annotations

import numpy as np


def fed_cycle_xp(xp, u, w_e, w_s, w_se, w_sw, unknown, taus):
    """:func:`._eed_numba.fed_cycle` with the array module ``xp`` (NumPy or CuPy); returns a NumPy array."""
    up = xp.pad(xp.asarray(u, dtype=xp.float64), ((0, 0), (1, 1), (1, 1)))
    we, ws, wse, wsw, unk = (xp.pad(xp.asarray(a, dtype=xp.float64), 1) for a in (w_e, w_s, w_se, w_sw, unknown))
    inner = (slice(1, -1), slice(1, -1))
    rate = unk[inner]
    pairs = (  # (weight, neighbour) slices of the padded arrays, as in the kernel
        (we[1:-1, 1:-1], (slice(1, -1), slice(2, None))),
        (we[1:-1, :-2], (slice(1, -1), slice(None, -2))),
        (ws[1:-1, 1:-1], (slice(2, None), slice(1, -1))),
        (ws[:-2, 1:-1], (slice(None, -2), slice(1, -1))),
        (wse[1:-1, 1:-1], (slice(2, None), slice(2, None))),
        (wse[:-2, :-2], (slice(None, -2), slice(None, -2))),
        (wsw[1:-1, 1:-1], (slice(2, None), slice(None, -2))),
        (wsw[:-2, 2:], (slice(None, -2), slice(2, None))),
    )
    for tau in taus:
        p = up[(slice(None), *inner)]
        s = sum(w * (up[(slice(None), *q)] - p) for w, q in pairs)
        up[(slice(None), *inner)] = p + float(tau) * rate * s
    out = up[(slice(None), *inner)]
    return np.ascontiguousarray(out.get() if hasattr(out, "get") else out)


def fed_cycle_gpu(u, w_e, w_s, w_se, w_sw, unknown, taus):
    """The CuPy twin of :func:`._eed_numba.fed_cycle` (same signature and result, computed on the GPU)."""
    import cupy

    return fed_cycle_xp(cupy, u, w_e, w_s, w_se, w_sw, unknown, taus)
