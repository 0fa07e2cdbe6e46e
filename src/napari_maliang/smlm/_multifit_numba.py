"""Numba kernel of the k-emitter Poisson maximum-likelihood fitter (imported lazily by :mod:`.multifit`).

Model: ``k`` pixel-integrated Gaussians (paper eq. 1, integrated over each pixel) of one width
on one shared background::

    mu_ij = b + sum_e N_e * Ey_e[i] * Ex_e[j]

Parameters ``theta = (x_1, y_1, N_1, ..., x_k, y_k, N_k, b[, s])``: the width ``s`` is either
fixed (one value per spot) or fitted and shared by the ``k`` emitters. Objective, steps and
constraints are those of the single-emitter kernel (:mod:`._fit_numba`): ``L = sum(mu - q log mu)``
(paper eq. 4) minimised by Levenberg-Marquardt steps on the Fisher-scoring curvature
``F = sum(J J^T / mu)``, projected onto ``N_e, b, s > 0``; a step is accepted when the exact
objective decreases. ``F`` at the estimate gives the Cramer-Rao bound of the joint model.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from napari_maliang.smlm._fit_numba import FASTMATH, LOG_FACTORIAL, MAX_STEP_SIGMA, MAX_STEP_XY, MIN_SIGMA, _axis

LAMBDA0 = 1e-3


@numba.njit(cache=True, fastmath=FASTMATH, inline="always")
def _model(spot, box, th, k, fit_sigma, s_fixed, ex, dex, dsx, ey, dey, dsy, jac, grad, fisher, want_derivs):
    """Negative log-likelihood (without ``log q!``); with ``want_derivs`` also gradient and Fisher matrix."""
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
            nll += mu - q * math.log(mu)
            if not want_derivs:
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


@numba.njit(cache=True, fastmath=FASTMATH, inline="always")
def _solve(a, rhs, npar, lam, chol, out):
    """Solve ``(a + lam * diag(a)) out = rhs`` by Cholesky; False when not positive definite."""
    for p in range(npar):
        for r in range(p + 1):
            v = a[p, r]
            if p == r:
                v += lam * a[p, p]
            for m in range(r):
                v -= chol[p, m] * chol[r, m]
            if p == r:
                if not v > 0.0:
                    return False
                chol[p, p] = math.sqrt(v)
            else:
                chol[p, r] = v / chol[r, r]
    for p in range(npar):
        v = rhs[p]
        for m in range(p):
            v -= chol[p, m] * out[m]
        out[p] = v / chol[p, p]
    for p in range(npar - 1, -1, -1):
        v = out[p]
        for m in range(p + 1, npar):
            v -= chol[m, p] * out[m]
        out[p] = v / chol[p, p]
    return True


@numba.njit(cache=True, fastmath=FASTMATH, nogil=True)
def multi_fit_block(spots, start, stop, init, k, fit_sigma, sigmas, max_iter, tol, params, crlb, loglik, converged):
    """Fit spots ``start..stop`` with ``k`` emitters from the starting points ``init`` (releases the GIL).

    ``init[n]`` / ``params[n]``: ``(x_1, y_1, N_1, ..., x_k, y_k, N_k, b[, s])`` in box pixels;
    ``sigmas[n]``: the fixed width (ignored when ``fit_sigma``). ``crlb[n]``: square roots of the
    diagonal of the inverse Fisher matrix; ``loglik[n]``: the full Poisson log-likelihood.
    """
    box = spots.shape[1]
    npar = 3 * k + 1 + (1 if fit_sigma else 0)
    ex = np.empty((k, box))
    dex = np.empty((k, box))
    dsx = np.zeros((k, box))
    ey = np.empty((k, box))
    dey = np.empty((k, box))
    dsy = np.zeros((k, box))
    jac = np.empty(npar)
    grad = np.empty(npar)
    fisher = np.empty((npar, npar))
    chol = np.empty((npar, npar))
    delta = np.empty(npar)
    th = np.empty(npar)
    trial = np.empty(npar)
    rhs = np.empty(npar)
    col = np.empty(npar)
    g_dummy = np.empty(npar)
    f_dummy = np.empty((npar, npar))
    for s_idx in range(start, stop):
        spot = spots[s_idx]
        s_fixed = sigmas[s_idx]
        for p in range(npar):
            th[p] = init[s_idx, p]
        nll = _model(spot, box, th, k, fit_sigma, s_fixed, ex, dex, dsx, ey, dey, dsy, jac, grad, fisher, True)
        lam = LAMBDA0
        done = False
        for _ in range(max_iter):
            for p in range(npar):
                rhs[p] = -grad[p]
            if not _solve(fisher, rhs, npar, lam, chol, delta):
                lam *= 10.0
                if lam > 1e6:
                    break
                continue
            # projected step (paper eq. 4 constraints): limited moves, positive photons/background/width
            for e in range(k):
                for c in range(2):
                    p = 3 * e + c
                    d = min(max(delta[p], -MAX_STEP_XY), MAX_STEP_XY)
                    trial[p] = min(max(th[p] + d, -1.0), box)
                p = 3 * e + 2
                nn = th[p] + delta[p]
                trial[p] = nn if nn > 0.0 else 0.5 * th[p]
            bb = th[3 * k] + delta[3 * k]
            trial[3 * k] = bb if bb > 1e-6 else 0.5 * th[3 * k]
            if fit_sigma:
                p = 3 * k + 1
                ds = min(max(delta[p], -MAX_STEP_SIGMA), MAX_STEP_SIGMA)
                ss = th[p] + ds
                trial[p] = min(ss if ss > MIN_SIGMA else 0.5 * (th[p] + MIN_SIGMA), box)
            dist = 0.0
            for p in range(npar):
                acc = 0.0
                for r in range(npar):
                    acc += fisher[p, r] * (trial[r] - th[r])
                dist += (trial[p] - th[p]) * acc
            new = _model(spot, box, trial, k, fit_sigma, s_fixed, ex, dex, dsx, ey, dey, dsy, jac, g_dummy, f_dummy, False)
            if new <= nll:
                for p in range(npar):
                    th[p] = trial[p]
                nll = _model(spot, box, th, k, fit_sigma, s_fixed, ex, dex, dsx, ey, dey, dsy, jac, grad, fisher, True)
                lam = max(lam * 0.1, 1e-7)
                if dist < tol * tol:
                    done = True
                    break
            else:
                lam *= 10.0
                if lam > 1e6:
                    break
        for p in range(npar):
            params[s_idx, p] = th[p]
        # CRLB: diagonal of F^-1 at the estimate (joint Fisher information of the k emitters)
        ok = _solve(fisher, rhs, npar, 0.0, chol, delta)
        for p in range(npar):
            if not ok:
                crlb[s_idx, p] = np.nan
                continue
            for m in range(npar):
                col[m] = 0.0
            col[p] = 1.0
            for m in range(p, npar):
                v = col[m]
                for r in range(p, m):
                    v -= chol[m, r] * col[r]
                col[m] = v / chol[m, m]
            acc = 0.0
            for m in range(p, npar):
                acc += col[m] * col[m]
            crlb[s_idx, p] = math.sqrt(acc) if acc > 0.0 else np.nan
        lf = 0.0
        for i in range(box):
            for j in range(box):
                q = spot[i, j]
                if q > 0.0:
                    kk = int(q)
                    if kk == q and kk < 1024:
                        lf += LOG_FACTORIAL[kk]
                    else:
                        lf += math.lgamma(q + 1.0)
        loglik[s_idx] = -nll - lf
        converged[s_idx] = done and np.isfinite(nll)
