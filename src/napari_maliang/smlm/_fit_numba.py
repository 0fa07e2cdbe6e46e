"""Numba model of the one-emitter Poisson maximum-likelihood fit (CPU twin of ``fit_gpu``), and the linear algebra
every fitter shares; the Levenberg-Marquardt loop that drives it is :mod:`._lm_numba`.

Imported lazily, so ``import napari_maliang.smlm`` never loads numba. The arithmetic mirrors the CUDA kernel in
:mod:`napari_maliang.smlm.fit_gpu` line by line; :mod:`napari_maliang.smlm.psf` is the NumPy reference both are
tested against.

Model (paper eq. 1, integrated over each pixel), parameters ``theta = (x, y, N, b, s)``::

    mu_ij = b + N * Ey_i * Ex_j
    Ex_j  = 0.5 * (erf((j - x + 0.5) / (sqrt(2) s)) - erf((j - x - 0.5) / (sqrt(2) s)))

Objective (paper eq. 4): ``L = sum(mu - q log mu)``, minimised by Levenberg-Marquardt steps
on the Fisher-scoring curvature ``F = sum(dmu dmu^T / mu)`` with the gradient
``g = sum((1 - q / mu) dmu)``. Steps that raise ``L`` are rejected and damped harder; the
constraints of eq. 4 (``N, b, s > 0``) are kept by projecting every step onto the feasible
set (halving a parameter instead of letting it cross zero), the "generalized projection
gradient" spirit of the paper. ``F`` at the estimate also gives the Cramer-Rao bound.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from napari_maliang.smlm._lm import DAMP, LAMBDA_MAX

INV_SQRT2 = 1.0 / math.sqrt(2.0)
INV_SQRT2PI = 1.0 / math.sqrt(2.0 * math.pi)
LOG_FACTORIAL = np.array([math.lgamma(k + 1.0) for k in range(1024)])

# erf by cubic Hermite interpolation of a table of erf and its derivative (2/sqrt(pi) exp(-u^2)),
# step 1/64 on [-6, 6]: absolute error < 1e-9, about twice as fast as libm's erf in the hot loop
ERF_LIMIT = 6.0
ERF_STEPS = 64
_ERF_U = np.linspace(-ERF_LIMIT, ERF_LIMIT, int(2 * ERF_LIMIT * ERF_STEPS) + 1)
ERF_TABLE = np.array([math.erf(u) for u in _ERF_U])
ERF_SLOPE = 2.0 / math.sqrt(math.pi) * np.exp(-_ERF_U**2) / ERF_STEPS  # derivative times the step
del _ERF_U
# fastmath without 'nnan'/'ninf': the kernel tests for NaN (singular Fisher matrix, bad spots)
FASTMATH = {"reassoc", "contract", "arcp", "nsz", "afn"}


@numba.njit(cache=True, fastmath=FASTMATH, inline="always")
def fast_erf(u):
    """erf(u) from the Hermite table (|error| < 1e-9); exact limits beyond +-6."""
    if not u > -ERF_LIMIT:  # also catches NaN: never index outside the table
        return -1.0
    if u >= ERF_LIMIT:
        return 1.0
    t = (u + ERF_LIMIT) * ERF_STEPS
    i = int(t)
    s = t - i
    s2 = s * s
    one_s = 1.0 - s
    return ((1.0 + 2.0 * s) * one_s * one_s * ERF_TABLE[i] + s * one_s * one_s * ERF_SLOPE[i]
            + s2 * (3.0 - 2.0 * s) * ERF_TABLE[i + 1] - s2 * one_s * ERF_SLOPE[i + 1])


@numba.njit(cache=True, fastmath=FASTMATH, inline="always")
def _axis(centre, s, box, e, de, ds, need_s):
    """Integrated 1-D Gaussian over the ``box`` pixels and its derivatives in centre and width.

    fastmath is safe here: no NaN/inf can occur for finite ``centre`` and ``s > 0``.
    """
    inv = INV_SQRT2 / s
    norm = INV_SQRT2PI / s
    t0 = -0.5 - centre  # left edge of pixel 0 relative to the centre
    u = t0 * inv
    erf_prev = fast_erf(u)
    # Gaussian at the pixel edges by the recurrence exp(-(u + h)^2) = exp(-u^2) * r, r *= exp(-2 h^2):
    # three exp() calls per axis instead of box + 1 (falls back when exp(-u^2) would underflow)
    direct = u * u > 600.0 or (u + box * inv) ** 2 > 600.0
    g_prev = math.exp(-u * u)
    ratio = math.exp(-2.0 * u * inv - inv * inv)
    shrink = math.exp(-2.0 * inv * inv)
    for k in range(box):
        t1 = t0 + 1.0
        erf_next = fast_erf(t1 * inv)
        if direct:
            g_next = math.exp(-(t1 * inv) * (t1 * inv))
        else:
            g_next = g_prev * ratio
            ratio *= shrink
        e[k] = 0.5 * (erf_next - erf_prev)
        de[k] = norm * (g_prev - g_next)
        if need_s:
            ds[k] = norm * (t0 * g_prev - t1 * g_next) / s
        t0 = t1
        erf_prev = erf_next
        g_prev = g_next


@numba.njit(cache=True, fastmath=FASTMATH, inline="always")
def _evaluate(spot, box, th, npar, ex, dex, dsx, ey, dey, dsy, grad, fisher):
    """Gradient of ``sum(mu - q log mu)`` and the Fisher matrix ``sum(dmu dmu^T / mu)`` at ``th``.

    Scalar accumulators (kept in registers) instead of array updates: this loop is the
    fitter's hot spot. ``mu >= b > 0`` always holds. No logarithms here: steps are accepted
    by the trapezoid estimate of the objective change (see ``_fit_block``).
    """
    need_s = npar == 5
    _axis(th[0], th[4], box, ex, dex, dsx, need_s)
    _axis(th[1], th[4], box, ey, dey, dsy, need_s)
    n = th[2]
    b = th[3]
    g0 = g1 = g2 = g3 = g4 = 0.0
    f00 = f01 = f02 = f03 = f04 = 0.0
    f11 = f12 = f13 = f14 = 0.0
    f22 = f23 = f24 = 0.0
    f33 = f34 = f44 = 0.0
    for i in range(box):
        nyi = n * ey[i]
        ndyi = n * dey[i]
        nsyi = n * dsy[i]
        eyi = ey[i]
        for j in range(box):
            exj = ex[j]
            q = spot[i, j]
            q = q if q > 0.0 else 0.0
            psf = eyi * exj
            mu = b + n * psf
            w = 1.0 / mu
            fac = 1.0 - q * w
            j0 = nyi * dex[j]
            j1 = ndyi * exj
            w0 = w * j0
            w1 = w * j1
            w2 = w * psf
            g0 += fac * j0
            g1 += fac * j1
            g2 += fac * psf
            g3 += fac
            f00 += w0 * j0
            f01 += w0 * j1
            f02 += w0 * psf
            f03 += w0
            f11 += w1 * j1
            f12 += w1 * psf
            f13 += w1
            f22 += w2 * psf
            f23 += w2
            f33 += w
            if need_s:
                j4 = nyi * dsx[j] + nsyi * exj
                g4 += fac * j4
                f04 += w0 * j4
                f14 += w1 * j4
                f24 += w2 * j4
                f34 += w * j4
                f44 += w * j4 * j4
    grad[0] = g0
    grad[1] = g1
    grad[2] = g2
    grad[3] = g3
    grad[4] = g4
    fisher[0, 0] = f00
    fisher[0, 1] = fisher[1, 0] = f01
    fisher[0, 2] = fisher[2, 0] = f02
    fisher[0, 3] = fisher[3, 0] = f03
    fisher[0, 4] = fisher[4, 0] = f04
    fisher[1, 1] = f11
    fisher[1, 2] = fisher[2, 1] = f12
    fisher[1, 3] = fisher[3, 1] = f13
    fisher[1, 4] = fisher[4, 1] = f14
    fisher[2, 2] = f22
    fisher[2, 3] = fisher[3, 2] = f23
    fisher[2, 4] = fisher[4, 2] = f24
    fisher[3, 3] = f33
    fisher[3, 4] = fisher[4, 3] = f34
    fisher[4, 4] = f44


@numba.njit(cache=True, fastmath=FASTMATH, inline="always")
def _neg_loglik(spot, box, th, ex, dex, dsx, ey, dey, dsy):
    """``sum(mu - q log mu)`` at ``th`` (the objective of paper eq. 4)."""
    _axis(th[0], th[4], box, ex, dex, dsx, False)
    _axis(th[1], th[4], box, ey, dey, dsy, False)
    nll = 0.0
    for i in range(box):
        for j in range(box):
            q = spot[i, j]
            q = q if q > 0.0 else 0.0
            mu = th[3] + th[2] * ey[i] * ex[j]
            nll += mu - q * math.log(mu)
    return nll


@numba.njit(cache=True, fastmath=FASTMATH, inline="always")
def _cholesky_solve(a, rhs, npar, lam, chol, out):
    """Solve ``(a + lam * diag(a)) out = rhs`` by Cholesky; False when not positive definite."""
    for p in range(npar):
        for r in range(p + 1):
            v = a[p, r]
            if p == r:
                v += lam * a[p, p]
            for k in range(r):
                v -= chol[p, k] * chol[r, k]
            if p == r:
                if not v > 0.0:
                    return False
                chol[p, p] = math.sqrt(v)
            else:
                chol[p, r] = v / chol[r, r]
    for p in range(npar):  # forward: L y = rhs
        v = rhs[p]
        for k in range(p):
            v -= chol[p, k] * out[k]
        out[p] = v / chol[p, p]
    for p in range(npar - 1, -1, -1):  # backward: L^T x = y
        v = out[p]
        for k in range(p + 1, npar):
            v -= chol[k, p] * out[k]
        out[p] = v / chol[p, p]
    return True


@numba.njit(cache=True, fastmath=FASTMATH, inline="always")
def damped_solve(a, rhs, npar, lam, chol, out):
    """Solve ``(a + lam * diag(a)) out = rhs`` with ``lam`` raised (x ``DAMP``) until ``a`` factorises; returns
    the damping used, or -1 once it passes ``LAMBDA_MAX`` (the fit stops). The rule of every fitter (:mod:`._lm`)."""
    while not _cholesky_solve(a, rhs, npar, lam, chol, out):
        lam *= DAMP
        if lam > LAMBDA_MAX:
            return -1.0
    return lam


@numba.njit(cache=True, fastmath=FASTMATH, inline="always")
def _inverse_diagonal(a, npar, chol, unit, col, out):
    """Diagonal of ``a^-1`` (Cholesky); NaN when singular."""
    ok = _cholesky_solve(a, unit, npar, 0.0, chol, col)  # factorises a; result unused
    if not ok:
        for p in range(npar):
            out[p] = np.nan
        return
    for p in range(npar):
        # x = L^-T L^-1 e_p ; the p-th diagonal element is ||L^-1 e_p||^2
        for k in range(npar):
            col[k] = 0.0
        col[p] = 1.0
        for k in range(p, npar):
            v = col[k]
            for m in range(p, k):
                v -= chol[k, m] * col[m]
            col[k] = v / chol[k, k]
        acc = 0.0
        for k in range(p, npar):
            acc += col[k] * col[k]
        out[p] = acc


@numba.njit(cache=True, fastmath=FASTMATH, inline="always")
def log_factorial(q):
    """``log q!`` of a count ``q > 0``: the table for integers below 1024, else ``lgamma(q + 1)``."""
    k = int(q)
    if k == q and k < 1024:
        return LOG_FACTORIAL[k]
    return math.lgamma(q + 1.0)


@numba.njit(cache=True, fastmath=FASTMATH, inline="always")
def sum_log_factorial(spot, box):
    """``sum(log q!)`` over the positive counts of one spot: the constant of the Poisson log-likelihood."""
    lf = 0.0
    for i in range(box):
        for j in range(box):
            q = spot[i, j]
            if q > 0.0:
                lf += log_factorial(q)
    return lf
