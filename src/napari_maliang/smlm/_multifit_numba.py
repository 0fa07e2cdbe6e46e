"""Numba model of the k-emitter Poisson maximum-likelihood fit (imported lazily; the Levenberg-Marquardt loop that
drives it, the same as the one-emitter fit's, is :mod:`._lm_numba`), and the Poisson deviance.

Model: ``k`` pixel-integrated Gaussians (paper eq. 1, integrated over each pixel) of one width
on one shared background::

    mu_ij = b + sum_e N_e * Ey_e[i] * Ex_e[j]

Parameters ``theta = (x_1, y_1, N_1, ..., x_k, y_k, N_k, b[, s])``: the width ``s`` is either
fixed (one value per spot) or fitted and shared by the ``k`` emitters. ``F = sum(J J^T / mu)`` at the estimate
gives the Cramer-Rao bound of the joint model.
"""

from __future__ import annotations

import math

import numba

from napari_maliang.smlm._fit_numba import FASTMATH, _axis, log_factorial


@numba.njit(cache=True, fastmath=FASTMATH)
def _model(spot, box, th, k, fit_sigma, s_fixed, ex, dex, dsx, ey, dey, dsy, jac, grad, fisher, want_derivs):
    """Negative log-likelihood without ``log q!`` (``want_derivs`` False), or gradient and Fisher
    matrix (``want_derivs`` True; returns 0)."""
    npar = 3 * k + 1 + (1 if fit_sigma else 0)
    s = th[3 * k + 1] if fit_sigma else s_fixed
    b = th[3 * k]
    for e in range(k):
        _axis(th[3 * e], s, box, ex[e], dex[e], dsx[e], fit_sigma and want_derivs)
        _axis(th[3 * e + 1], s, box, ey[e], dey[e], dsy[e], fit_sigma and want_derivs)
    if want_derivs:
        for p in range(npar):
            grad[p] = 0.0
            for r in range(npar):
                fisher[p, r] = 0.0
    nll = 0.0
    for i in range(box):
        for j in range(box):
            q = spot[i, j]
            q = q if q > 0.0 else 0.0
            mu = b
            for e in range(k):
                mu += th[3 * e + 2] * ey[e, i] * ex[e, j]
            if not want_derivs:
                nll += mu - q * math.log(mu)
                continue
            js = 0.0
            for e in range(k):
                n = th[3 * e + 2]
                jac[3 * e] = n * ey[e, i] * dex[e, j]
                jac[3 * e + 1] = n * dey[e, i] * ex[e, j]
                jac[3 * e + 2] = ey[e, i] * ex[e, j]
                if fit_sigma:
                    js += n * (ey[e, i] * dsx[e, j] + dsy[e, i] * ex[e, j])
            jac[3 * k] = 1.0
            if fit_sigma:
                jac[3 * k + 1] = js
            w = 1.0 / mu
            fac = 1.0 - q * w
            for p in range(npar):
                grad[p] += fac * jac[p]
                wp = w * jac[p]
                for r in range(p + 1):
                    fisher[p, r] += wp * jac[r]
    if want_derivs:
        for p in range(npar):
            for r in range(p):
                fisher[r, p] = fisher[p, r]
    return nll


@numba.njit(cache=True, fastmath=FASTMATH)
def _pair_derivs(spot, box, th, s, ex, dex, dsx, ey, dey, dsy, grad, fisher):
    """Gradient and Fisher matrix of the two-emitter, fixed-width model (the hot path, unrolled into
    scalar accumulators; same arithmetic as ``_model`` with ``k = 2`` and a fixed width)."""
    _axis(th[0], s, box, ex[0], dex[0], dsx[0], False)
    _axis(th[1], s, box, ey[0], dey[0], dsy[0], False)
    _axis(th[3], s, box, ex[1], dex[1], dsx[1], False)
    _axis(th[4], s, box, ey[1], dey[1], dsy[1], False)
    n1 = th[2]
    n2 = th[5]
    b = th[6]
    g0 = 0.0
    g1 = 0.0
    g2 = 0.0
    g3 = 0.0
    g4 = 0.0
    g5 = 0.0
    g6 = 0.0
    f00 = 0.0
    f10 = f11 = 0.0
    f20 = f21 = f22 = 0.0
    f30 = f31 = f32 = f33 = 0.0
    f40 = f41 = f42 = f43 = f44 = 0.0
    f50 = f51 = f52 = f53 = f54 = f55 = 0.0
    f60 = f61 = f62 = f63 = f64 = f65 = f66 = 0.0
    for i in range(box):
        a1 = ey[0, i]
        da1 = n1 * dey[0, i]
        na1 = n1 * a1
        a2 = ey[1, i]
        da2 = n2 * dey[1, i]
        na2 = n2 * a2
        for j in range(box):
            q = spot[i, j]
            q = q if q > 0.0 else 0.0
            j2 = a1 * ex[0, j]
            j5 = a2 * ex[1, j]
            mu = b + n1 * j2 + n2 * j5
            w = 1.0 / mu
            fac = 1.0 - q * w
            j0 = na1 * dex[0, j]
            j1 = da1 * ex[0, j]
            j3 = na2 * dex[1, j]
            j4 = da2 * ex[1, j]
            g0 += fac * j0
            g1 += fac * j1
            g2 += fac * j2
            g3 += fac * j3
            g4 += fac * j4
            g5 += fac * j5
            g6 += fac
            w0 = w * j0
            f00 += w0 * j0
            w1 = w * j1
            f10 += w1 * j0
            f11 += w1 * j1
            w2 = w * j2
            f20 += w2 * j0
            f21 += w2 * j1
            f22 += w2 * j2
            w3 = w * j3
            f30 += w3 * j0
            f31 += w3 * j1
            f32 += w3 * j2
            f33 += w3 * j3
            w4 = w * j4
            f40 += w4 * j0
            f41 += w4 * j1
            f42 += w4 * j2
            f43 += w4 * j3
            f44 += w4 * j4
            w5 = w * j5
            f50 += w5 * j0
            f51 += w5 * j1
            f52 += w5 * j2
            f53 += w5 * j3
            f54 += w5 * j4
            f55 += w5 * j5
            w6 = w
            f60 += w6 * j0
            f61 += w6 * j1
            f62 += w6 * j2
            f63 += w6 * j3
            f64 += w6 * j4
            f65 += w6 * j5
            f66 += w6
    grad[0] = g0
    grad[1] = g1
    grad[2] = g2
    grad[3] = g3
    grad[4] = g4
    grad[5] = g5
    grad[6] = g6
    fisher[0, 0] = f00
    fisher[1, 0] = f10
    fisher[0, 1] = f10
    fisher[1, 1] = f11
    fisher[2, 0] = f20
    fisher[0, 2] = f20
    fisher[2, 1] = f21
    fisher[1, 2] = f21
    fisher[2, 2] = f22
    fisher[3, 0] = f30
    fisher[0, 3] = f30
    fisher[3, 1] = f31
    fisher[1, 3] = f31
    fisher[3, 2] = f32
    fisher[2, 3] = f32
    fisher[3, 3] = f33
    fisher[4, 0] = f40
    fisher[0, 4] = f40
    fisher[4, 1] = f41
    fisher[1, 4] = f41
    fisher[4, 2] = f42
    fisher[2, 4] = f42
    fisher[4, 3] = f43
    fisher[3, 4] = f43
    fisher[4, 4] = f44
    fisher[5, 0] = f50
    fisher[0, 5] = f50
    fisher[5, 1] = f51
    fisher[1, 5] = f51
    fisher[5, 2] = f52
    fisher[2, 5] = f52
    fisher[5, 3] = f53
    fisher[3, 5] = f53
    fisher[5, 4] = f54
    fisher[4, 5] = f54
    fisher[5, 5] = f55
    fisher[6, 0] = f60
    fisher[0, 6] = f60
    fisher[6, 1] = f61
    fisher[1, 6] = f61
    fisher[6, 2] = f62
    fisher[2, 6] = f62
    fisher[6, 3] = f63
    fisher[3, 6] = f63
    fisher[6, 4] = f64
    fisher[4, 6] = f64
    fisher[6, 5] = f65
    fisher[5, 6] = f65
    fisher[6, 6] = f66


@numba.njit(cache=True, fastmath=FASTMATH, nogil=True)
def deviance(spots, loglik, out):
    """Poisson deviance ``2 (log L_saturated - log L)`` of each spot's fit (negative counts as 0).

    ``log L_saturated = sum(q log q - q - log q!)``.
    """
    box = spots.shape[1]
    for n in range(spots.shape[0]):
        sat = 0.0
        for i in range(box):
            for j in range(box):
                q = spots[n, i, j]
                if q > 0.0:
                    sat += q * math.log(q) - q - log_factorial(q)
        out[n] = 2.0 * (sat - loglik[n])
