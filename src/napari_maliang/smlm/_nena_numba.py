"""The NeNA fit of :func:`napari_maliang.smlm.resolution.nena`, compiled with numba (imported lazily).

The weighted least-squares fit of the next-frame distance histogram by the NeNA model (six parameters, box
bounds) by Levenberg-Marquardt with the model's analytic derivatives: a parameter at a bound that the gradient
pushes outward is held for the step, the other steps are clipped to the box; the damping is scaled by the
diagonal of ``J^T J`` (Marquardt) and the damped system solved by the spot fitters' Cholesky
(:mod:`._fit_numba`). The fit stops when an accepted step lowers ``chi^2`` by less than :data:`FTOL` of it, or
no damping lowers it.

It replaces scipy's ``curve_fit`` (trust-region reflective, numerical derivatives), which took 25-130 ms per
histogram of 200 bins from three start values, most of it Python around the model; this takes 0.3-1.7 ms. From
the same three start values the two reach the same minimum on the benchmark's scenes and on 20 of 24 simulated
scenes (``sigma`` equal to 1e-6 relative, ``tests/smlm/test_resolution.py`` checks two); on the other 4, all
without short-range neighbours, ``curve_fit``'s strictly interior steps end in a lower local minimum (``chi^2``
lower by 0.03-4.3 in 120-180; in the three looked at, the Gaussian term sits at the end of the range in place of
the linear term, where this fit has no Gaussian), and ``sigma`` differs by at most 4.5e-4 relative.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from napari_maliang.smlm._fit_numba import _cholesky_solve

#: stop when an accepted step lowers chi^2 by less than this fraction (scipy's curve_fit: 1e-8)
FTOL = 1e-10
#: the parameters ``a1, sigma, a2, dc, spread, a3``
N_PARAMS = 6


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _residuals(d, density, error, p, r, jac, with_jac):
    """Weighted residuals ``(model - density) / error`` into ``r`` (and their derivatives into ``jac`` when
    ``with_jac``); returns chi^2. The model is :func:`napari_maliang.smlm.resolution._nena_model`."""
    a1, sigma, a2, dc, spread, a3 = p[0], p[1], p[2], p[3], p[4], p[5]
    s2 = sigma * sigma
    omega2 = 2.0 * s2 + spread * spread
    chi2 = 0.0
    for i in range(d.size):
        di = d[i]
        e_single = np.exp(-(di * di) / (4.0 * s2))
        single = di / (2.0 * s2) * e_single
        g = np.exp(-((di - dc) ** 2) / (2.0 * omega2))
        short = g / (2.0 * np.pi * omega2)
        w = 1.0 / error[i]
        r[i] = (a1 * single + a2 * short + a3 * di - density[i]) * w
        chi2 += r[i] * r[i]
        if with_jac:
            d_single_d_sigma = a1 * di * e_single * (-1.0 / (s2 * sigma) + di * di / (4.0 * s2 * s2 * sigma))
            d_short_d_omega2 = a2 * g / (2.0 * np.pi) * (-1.0 / (omega2 * omega2)
                                                         + (di - dc) ** 2 / (2.0 * omega2 * omega2 * omega2))
            jac[i, 0] = single * w
            jac[i, 1] = (d_single_d_sigma + d_short_d_omega2 * 4.0 * sigma) * w
            jac[i, 2] = short * w
            jac[i, 3] = a2 * short * (di - dc) / omega2 * w
            jac[i, 4] = d_short_d_omega2 * 2.0 * spread * w
            jac[i, 5] = di * w
    return chi2


@numba.njit(cache=True, nogil=True, error_model="numpy")
def fit_nena(d, density, error, p0, lower, upper, max_iter):
    """Least-squares parameters ``a1, sigma, a2, dc, spread, a3`` of the NeNA model from ``p0`` (clipped to
    ``lower, upper``); returns the parameters, ``chi^2`` and the number of iterations."""
    n = d.size
    p = np.minimum(np.maximum(p0.astype(np.float64), lower), upper)
    r, r_new = np.empty(n), np.empty(n)
    jac = np.empty((n, N_PARAMS))
    chi2 = _residuals(d, density, error, p, r, jac, True)
    if not math.isfinite(chi2):
        return p, chi2, 0
    grad, hess = np.empty(N_PARAMS), np.empty((N_PARAMS, N_PARAMS))
    a, chol = np.empty((N_PARAMS, N_PARAMS)), np.empty((N_PARAMS, N_PARAMS))
    rhs, step, trial = np.empty(N_PARAMS), np.empty(N_PARAMS), np.empty(N_PARAMS)
    free = np.empty(N_PARAMS, np.int64)
    damping = 1e-3
    iteration = 0
    while iteration < max_iter:
        iteration += 1
        for k in range(N_PARAMS):
            grad[k] = 0.0
            for i in range(n):
                grad[k] += jac[i, k] * r[i]
            for m in range(k + 1):
                total = 0.0
                for i in range(n):
                    total += jac[i, k] * jac[i, m]
                hess[k, m] = total
                hess[m, k] = total
        k_free = 0
        largest = 0.0
        for k in range(N_PARAMS):
            if (p[k] <= lower[k] and grad[k] > 0.0) or (p[k] >= upper[k] and grad[k] < 0.0):
                continue  # held at its bound for this step
            free[k_free] = k
            k_free += 1
            largest = max(largest, hess[k, k])
        if k_free == 0:
            break
        accepted = False
        chi2_new = chi2
        while damping < 1e16:
            for u in range(k_free):
                for v in range(k_free):
                    a[u, v] = hess[free[u], free[v]]
                a[u, u] += damping * max(hess[free[u], free[u]], 1e-12 * largest)
                rhs[u] = -grad[free[u]]
            if _cholesky_solve(a, rhs, k_free, 0.0, chol, step):
                trial[:] = p
                for u in range(k_free):
                    trial[free[u]] = min(max(p[free[u]] + step[u], lower[free[u]]), upper[free[u]])
                chi2_new = _residuals(d, density, error, trial, r_new, jac, False)
                if chi2_new < chi2:
                    accepted = True
                    break
            damping *= 10.0
        if not accepted:
            break  # no damping lowers chi^2: a minimum to numerical precision
        decrease = chi2 - chi2_new
        p[:] = trial
        chi2 = _residuals(d, density, error, p, r, jac, True)
        damping = max(damping * 0.1, 1e-12)
        if decrease <= FTOL * chi2:
            break
    return p, chi2, iteration
