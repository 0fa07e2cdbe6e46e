"""The one Levenberg-Marquardt driver of the CPU spot fitters (numba; imported lazily by :mod:`.fit` and
:mod:`.multifit`), and their two entry points: :func:`fit_block` (one emitter, the MaLiang fit of Quan et al.
2010, eq. 4) and :func:`multi_fit_block` (``k`` emitters on a shared background, beyond the paper).

The model is chosen per fit by ``kind``: the unrolled one-emitter evaluation (:func:`._fit_numba._evaluate`),
the unrolled two-emitter fixed-width one or the general ``k``-emitter loop (:mod:`._multifit_numba`). The
parameter layout is the same for all, ``(x_1, y_1, N_1, ..., x_k, y_k, N_k, b[, s])`` (one emitter:
``(x, y, N, b, s)``), so the step projection and every rule of :mod:`._lm` are written once. The CUDA kernel of
:mod:`.fit_gpu` is the same loop for one emitter (checked against :func:`fit_block` on the host).

The loop: evaluate the gradient and Fisher matrix at the point; accept it when the trapezoid estimate of the
objective change along the step, ``0.5 (g_old + g_new) . step``, is not positive (no logarithms); solve the
damped system for the next step, project it onto the constraints; stop when a step is shorter than ``tol``
standard errors (taken without another evaluation: the Fisher matrix, and the CRLB, of the last point stand for
it), after ``max_iter`` steps, or when the damping passes its ceiling.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from napari_maliang.smlm._fit_numba import (
    FASTMATH,
    _evaluate,
    _inverse_diagonal,
    _neg_loglik,
    damped_solve,
    sum_log_factorial,
)
from napari_maliang.smlm._lm import (
    BACKGROUND_FLOOR,
    DAMP,
    LAMBDA0,
    LAMBDA_MAX,
    LAMBDA_MIN,
    MAX_STEP_SIGMA,
    MAX_STEP_XY,
    MIN_SIGMA,
)
from napari_maliang.smlm._multifit_numba import _model, _pair_derivs

#: the model evaluations ``kind`` selects
ONE, PAIR, GENERAL = 0, 1, 2


@numba.njit(cache=True, fastmath=FASTMATH, inline="always")
def _derivs(kind, spot, box, th, npar, k, fit_sigma, s_fixed, ex, dex, dsx, ey, dey, dsy, jac, grad, fisher):
    """Gradient and Fisher matrix of ``sum(mu - q log mu)`` at ``th`` for the model ``kind``."""
    if kind == ONE:
        _evaluate(spot, box, th, npar, ex[0], dex[0], dsx[0], ey[0], dey[0], dsy[0], grad, fisher)
    elif kind == PAIR:
        _pair_derivs(spot, box, th, s_fixed, ex, dex, dsx, ey, dey, dsy, grad, fisher)
    else:
        _model(spot, box, th, k, fit_sigma, s_fixed, ex, dex, dsx, ey, dey, dsy, jac, grad, fisher, True)


@numba.njit(cache=True, fastmath=FASTMATH, inline="always")
def _project(th_ok, delta, th, k, fit_sigma, box):
    """``th = th_ok + delta`` projected onto the constraints of eq. 4 (:mod:`._lm`): limited moves of the positions
    and the width, positive photons (halved instead of crossing zero), the width above ``MIN_SIGMA`` and at most
    the box, the background above ``BACKGROUND_FLOOR * (1 + total photons)``."""
    total = 0.0
    for e in range(k):
        for c in range(2):
            p = 3 * e + c
            th[p] = min(max(th_ok[p] + min(max(delta[p], -MAX_STEP_XY), MAX_STEP_XY), -1.0), box)
        p = 3 * e + 2
        nn = th_ok[p] + delta[p]
        th[p] = nn if nn > 0.0 else 0.5 * th_ok[p]
        total += th_ok[p]
    p = 3 * k
    bb = th_ok[p] + delta[p]
    th[p] = bb if bb > BACKGROUND_FLOOR * (1.0 + total) else 0.5 * th_ok[p]
    if fit_sigma:
        p = 3 * k + 1
        ss = th_ok[p] + min(max(delta[p], -MAX_STEP_SIGMA), MAX_STEP_SIGMA)
        th[p] = ss if ss > MIN_SIGMA else 0.5 * (th_ok[p] + MIN_SIGMA)
        if th[p] > box:
            th[p] = box


@numba.njit(cache=True, fastmath=FASTMATH, inline="always")
def lm_fit(kind, spot, box, th, npar, k, fit_sigma, s_fixed, max_iter, tol, scratch, th_ok, fisher_ok, th_eval):
    """Levenberg-Marquardt from ``th`` (overwritten); the result is left in ``th_ok`` with its Fisher matrix in
    ``fisher_ok``, ``th_eval`` holds the point of the last accepted evaluation (whose per-axis terms are still in
    the scratch arrays). Returns ``(done, steps, last_evaluation_accepted)``."""
    ex, dex, dsx, ey, dey, dsy, jac, grad, fisher, grad_ok, chol, delta = scratch
    lam = LAMBDA0
    done = False
    steps = 0
    eval_ok = False
    for evaluation in range(max_iter + 1):
        _derivs(kind, spot, box, th, npar, k, fit_sigma, s_fixed, ex, dex, dsx, ey, dey, dsy, jac, grad, fisher)
        accept = evaluation == 0
        if not accept:
            change = 0.0
            for p in range(npar):
                change += (grad_ok[p] + grad[p]) * (th[p] - th_ok[p])
            accept = change <= 0.0
        eval_ok = accept
        if accept:
            for p in range(th.shape[0]):
                th_ok[p] = th[p]
                th_eval[p] = th[p]
            for p in range(npar):
                grad_ok[p] = grad[p]
                for r in range(npar):
                    fisher_ok[p, r] = fisher[p, r]
            lam /= DAMP
            if lam < LAMBDA_MIN:
                lam = LAMBDA_MIN
        else:  # rejected: back to the last accepted point, damp harder
            for p in range(th.shape[0]):
                th[p] = th_ok[p]
            lam *= DAMP
            if lam > LAMBDA_MAX:
                break
        if evaluation == max_iter:
            break
        for p in range(npar):
            grad[p] = -grad_ok[p]
        lam = damped_solve(fisher_ok, grad, npar, lam, chol, delta)
        if lam < 0.0:
            break
        _project(th_ok, delta, th, k, fit_sigma, box)
        steps += 1
        # early stop: the step is below `tol` standard errors (its length in the Fisher metric); it is taken
        # without another evaluation (the Fisher matrix at th_ok, and the CRLB, stand for it)
        dist = 0.0
        for p in range(npar):
            acc = 0.0
            for r in range(npar):
                acc += fisher_ok[p, r] * (th[r] - th_ok[r])
            dist += (th[p] - th_ok[p]) * acc
        if dist < tol * tol:
            done = True
            for p in range(th.shape[0]):
                th_ok[p] = th[p]
            break
    return done, steps, eval_ok


@numba.njit(cache=True, fastmath=FASTMATH, inline="always")
def _inside(th, k, box):
    """Every emitter's position within the box (pixel centres at 0 .. box - 1)."""
    for e in range(k):
        for c in range(2):
            if not -0.5 <= th[3 * e + c] <= box - 0.5:
                return False
    return True


@numba.njit(cache=True)
def _scratch(k, box, npar):
    """Work arrays of :func:`lm_fit`: ``ex, dex, dsx, ey, dey, dsy`` (k, box), ``jac, grad``, ``fisher``,
    ``grad_ok``, ``chol``, ``delta``."""
    return (np.empty((k, box)), np.empty((k, box)), np.zeros((k, box)), np.empty((k, box)), np.empty((k, box)),
            np.zeros((k, box)), np.empty(npar), np.empty(npar), np.empty((npar, npar)), np.empty(npar),
            np.empty((npar, npar)), np.empty(npar))


@numba.njit(cache=True, fastmath=FASTMATH, nogil=True)
def fit_block(spots, start, stop, sigmas, fit_sigma, init_sigma, max_iter, tol, params, crlb, loglik,
              converged, iterations):
    """One-emitter fits of spots ``start..stop`` serially (scratch allocated once; releases the GIL).

    The starting point is the MaLiang guess: background from the box minimum and edge, photons from the sum,
    position from the centroid. ``fit_spots`` runs it on a pool of Python threads that claim blocks of spots
    dynamically, which keeps every core busy even on a shared, oversubscribed machine.
    """
    box = spots.shape[1]
    npar = 5 if fit_sigma else 4
    scratch = _scratch(1, box, 5)
    ex, dex, dsx, ey, dey, dsy = scratch[0], scratch[1], scratch[2], scratch[3], scratch[4], scratch[5]
    chol, col = scratch[10], scratch[11]
    th = np.empty(5)
    th_ok = np.empty(5)
    th_eval = np.empty(5)
    fisher_ok = np.zeros((5, 5))
    var = np.empty(5)
    unit = np.zeros(5)
    centre = 0.5 * (box - 1)
    for s_idx in range(start, stop):
        spot = spots[s_idx]
        bmin = spot[0, 0]
        edge = 0.0
        for i in range(box):
            for j in range(box):
                v = spot[i, j]
                if v < bmin:
                    bmin = v
        for m in range(box):
            edge += spot[0, m] + spot[box - 1, m]
        for m in range(1, box - 1):
            edge += spot[m, 0] + spot[m, box - 1]
        edge /= 4 * box - 4
        b0 = 0.5 * (bmin + edge)
        if b0 < 0.1:
            b0 = 0.1
        tot = 0.0
        sx = 0.0
        sy = 0.0
        for i in range(box):
            for j in range(box):
                v = spot[i, j] - b0
                if v > 0.0:
                    tot += v
                    sx += v * j
                    sy += v * i
        th[0] = sx / tot if tot > 0.0 else centre
        th[1] = sy / tot if tot > 0.0 else centre
        th[2] = tot if tot > 1.0 else 1.0
        th[3] = b0
        th[4] = init_sigma if fit_sigma else sigmas[s_idx]
        done, steps, eval_ok = lm_fit(ONE, spot, box, th, npar, 1, fit_sigma, th[4], max_iter, tol, scratch, th_ok,
                                      fisher_ok, th_eval)
        for p in range(5):
            params[s_idx, p] = th_ok[p]
        _inverse_diagonal(fisher_ok, npar, chol, unit, col, var)
        for p in range(npar):
            crlb[s_idx, p] = math.sqrt(var[p]) if var[p] > 0.0 else np.nan
        if npar == 4:
            crlb[s_idx, 4] = 0.0
        if eval_ok:
            # log-likelihood at the last accepted evaluation, whose axis terms are still in ex/ey: after an early
            # stop this is the point before the final step, which changes it by less than tol^2 / 2
            nll = 0.0
            for i in range(box):
                for j in range(box):
                    q = spot[i, j]
                    q = q if q > 0.0 else 0.0
                    mu = th_eval[3] + th_eval[2] * ey[0, i] * ex[0, j]
                    nll += mu - q * math.log(mu)
        else:
            nll = _neg_loglik(spot, box, th_ok, ex[0], dex[0], dsx[0], ey[0], dey[0], dsy[0])
        loglik[s_idx] = -nll - sum_log_factorial(spot, box)
        converged[s_idx] = done and _inside(th_ok, 1, box) and np.isfinite(nll)
        iterations[s_idx] = steps


@numba.njit(cache=True, fastmath=FASTMATH, nogil=True)
def multi_fit_block(spots, start, stop, init, k, fit_sigma, sigmas, max_iter, tol, params, crlb, loglik, converged,
                    unrolled=True):
    """``k``-emitter fits of spots ``start..stop`` from the starting points ``init`` (releases the GIL).

    ``init[n]`` / ``params[n]``: ``(x_1, y_1, N_1, ..., x_k, y_k, N_k, b[, s])`` in box pixels; ``sigmas[n]``: the
    fixed width (ignored when ``fit_sigma``). ``crlb[n]``: square roots of the diagonal of the inverse Fisher
    matrix (the joint Fisher information of the ``k`` emitters); ``loglik[n]``: the full Poisson log-likelihood.
    ``unrolled``: use the unrolled two-emitter evaluation when ``k == 2`` with a fixed width (the tests compare
    it with the general loop).
    """
    box = spots.shape[1]
    npar = 3 * k + 1 + (1 if fit_sigma else 0)
    scratch = _scratch(k, box, npar)
    ex, dex, dsx, ey, dey, dsy, jac = scratch[0], scratch[1], scratch[2], scratch[3], scratch[4], scratch[5], scratch[6]
    grad, fisher, chol, col = scratch[7], scratch[8], scratch[10], scratch[11]
    kind = PAIR if unrolled and k == 2 and not fit_sigma else GENERAL
    th = np.empty(npar)
    th_ok = np.empty(npar)
    th_eval = np.empty(npar)
    fisher_ok = np.zeros((npar, npar))
    rhs = np.empty(npar)
    var = np.empty(npar)
    for s_idx in range(start, stop):
        spot = spots[s_idx]
        s_fixed = sigmas[s_idx]
        for p in range(npar):
            th[p] = init[s_idx, p]
        done, _, _ = lm_fit(kind, spot, box, th, npar, k, fit_sigma, s_fixed, max_iter, tol, scratch, th_ok,
                            fisher_ok, th_eval)
        nll = _model(spot, box, th_ok, k, fit_sigma, s_fixed, ex, dex, dsx, ey, dey, dsy, jac, grad, fisher, False)
        for p in range(npar):
            params[s_idx, p] = th_ok[p]
        _inverse_diagonal(fisher_ok, npar, chol, rhs, col, var)
        for p in range(npar):
            crlb[s_idx, p] = math.sqrt(var[p]) if var[p] > 0.0 else np.nan
        loglik[s_idx] = -nll - sum_log_factorial(spot, box)
        converged[s_idx] = done and _inside(th_ok, k, box) and np.isfinite(nll)
