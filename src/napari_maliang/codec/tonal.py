"""Tonal optimisation: the stored values that make the decoder's inpainting closest to the image (issue #17).

For a linear inpainting operator, the reconstruction from the stored values ``c`` on the mask ``K`` is
``u = M c`` with ``u_K = c`` and, on the other pixels ``U``, the steady state ``L_UU u_U + L_UK c = 0`` of the
graph Laplacian ``L`` of the pair weights (:func:`.eed.stencil_weights`); so ``M^T r = r_K - L_KU L_UU^-1 r_U``
(``L`` is symmetric). The best values in the least-squares sense solve the normal equations
``M^T M c = M^T f``, here by conjugate gradients from ``c = f_K``, every product costing two sparse solves
with ``L_UU`` (conjugate gradients preconditioned by Ruge-Stuben AMG: :class:`.inpaint.AMGConjugateGradients`).
This is the tonal optimisation of Mainberger, Hoffmann, Weickert et al. (2011, homogeneous diffusion) and, with the EED
tensor frozen at the current reconstruction, the linearised EED version that R-EED's encoder approximates
(Schmaltz et al. 2014, section 4).

The photo mode's decoder does not reach that steady state: it runs a homogeneous start ``H`` and a fixed
diffusion time of FED steps ``E_i = I + tau_i R A_i`` (``R`` the unknown pixels, ``A_i`` the EED operator of
its cycle, :mod:`.eed`). With the tensors frozen as the decoder computed them (``eed_inpaint(trace=...)``) that
is the linear map ``u = E_n ... E_1 H c`` (:class:`DecoderInpainting`), with the adjoint
``M^T r = H^T E_1^T ... E_n^T r``, ``E_i^T = I + tau_i A_i R``; optimising for it optimises what the decoder
produces (up to the tensors' change with the values), not a steady state it never reaches, and costs no
solve with the anisotropic operator: one homogeneous solve each way and the FED steps. The steps run with
the weights in float32 (:func:`._eed_numba.pad_cycle`), padded once per operator: they stream through
memory, and that halves it.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse


def laplacian(w_e, w_s, w_se, w_sw) -> sparse.csr_matrix:
    """The graph Laplacian ``L = diag(sum_q w_pq) - W`` of the four pair-weight arrays (raster numbering)."""
    H, W = w_e.shape
    idx = np.arange(H * W).reshape(H, W)
    rows, cols, vals = [], [], []
    for w, (dy, dx) in ((w_e, (0, 1)), (w_s, (1, 0)), (w_se, (1, 1)), (w_sw, (1, -1))):
        ys = slice(0, H - dy)
        xs = slice(0, W - dx) if dx >= 0 else slice(1, W)
        xq = slice(dx, W) if dx >= 0 else slice(0, W - 1)
        p = idx[ys, xs].ravel()
        q = idx[dy:, xq].ravel()
        v = w[ys, xs].ravel()
        keep = v != 0
        rows += [p[keep], q[keep]]
        cols += [q[keep], p[keep]]
        vals += [v[keep], v[keep]]
    A = sparse.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(H * W, H * W))
    return (sparse.diags(np.asarray(A.sum(axis=1)).ravel()) - A).tocsr()


class LinearInpainting:
    """``u = M c`` and ``M^T r`` for the pair weights ``w`` and the mask (module docstring)."""

    def __init__(self, weights, mask: np.ndarray, tol: float = 1e-8):
        from .inpaint import AMGConjugateGradients

        self.shape = mask.shape
        known = mask.ravel()
        self.K = np.flatnonzero(known)
        self.U = np.flatnonzero(~known)
        L = laplacian(*weights)
        self.L_UU = L[self.U][:, self.U].tocsr() + 1e-10 * sparse.identity(self.U.size, format="csr")
        self.L_UK = L[self.U][:, self.K].tocsr()
        self.cg = AMGConjugateGradients(self.L_UU) if self.U.size else None
        self.tol = tol

    def _solve(self, b):
        return self.cg.solve(b, tol=self.tol, maxiter=200)

    def forward(self, c: np.ndarray) -> np.ndarray:
        u = np.empty(self.shape[0] * self.shape[1])
        u[self.K] = c
        if self.U.size:
            u[self.U] = self._solve(-(self.L_UK @ c))
        return u.reshape(self.shape)

    def adjoint(self, r: np.ndarray) -> np.ndarray:
        r = r.ravel()
        out = r[self.K].copy()
        if self.U.size:
            out -= self.L_UK.T @ self._solve(r[self.U])
        return out


class DecoderInpainting:
    """``u = E_n ... E_1 H c`` and its adjoint: the photo decoder's homogeneous start and FED steps with their
    tensors frozen (module docstring); ``trace`` is the ``(weights, taus)`` list of :func:`.eed.eed_inpaint`."""

    def __init__(self, mask: np.ndarray, trace: list, tol: float = 1e-3, start=None):
        from ._eed_numba import pad_cycle
        from .inpaint import HomogeneousFill

        # the decoder's homogeneous start (:class:`.inpaint.HomogeneousFill` of the mask; pass the decoder's own
        # to share its solver)
        self.start = HomogeneousFill(mask) if start is None else start
        self.tol = tol
        unknown = ~mask
        padded = {}  # the pieces of one FED cycle share their weights: padded once
        for w, _ in trace:
            if id(w) not in padded:
                padded[id(w)] = pad_cycle(*w, unknown, np.float32)
        self.cycles = [(padded[id(w)], taus) for w, taus in trace]
        self.shape = mask.shape

    def forward(self, c: np.ndarray) -> np.ndarray:
        from ._eed_numba import pad, run_cycle, unpad

        u = pad(self.start.forward(c, self.tol)[None])
        for operator, taus in self.cycles:
            u = run_cycle(u, operator, taus)
        return unpad(u)[0]

    def adjoint(self, r: np.ndarray) -> np.ndarray:
        from ._eed_numba import pad, run_cycle_adjoint, unpad

        v = pad(np.asarray(r, float).reshape(self.shape)[None])
        for operator, taus in reversed(self.cycles):
            v = run_cycle_adjoint(v, operator, taus)
        return self.start.adjoint(unpad(v)[0], self.tol)


def optimise_values(f: np.ndarray, op: LinearInpainting | DecoderInpainting, c0: np.ndarray, iterations: int = 8) -> np.ndarray:
    """Conjugate gradients on ``M^T M c = M^T f`` from ``c0`` (CGNR), ``iterations`` steps."""
    g = np.asarray(f, float)
    c = np.asarray(c0, float).copy()
    r = op.adjoint(g - op.forward(c))
    p = r.copy()
    rr = r @ r
    for _ in range(iterations):
        if rr <= 1e-20:
            break
        Mp = op.forward(p).ravel()
        alpha = rr / (Mp @ Mp)
        c += alpha * p
        r -= alpha * op.adjoint(Mp)
        rr, rr_old = r @ r, rr
        p = r + (rr / rr_old) * p
    return c


#: curvature factors tried in each round of :func:`descend_levels`, as multiples of the measured ``kappa``: above 1
#: because the photo decoder recomputes its tensors from the values, so a move's gain predicted by the frozen
#: tensors came true only in part (about 60 % on codec photos); chosen on three photos of codec photo set 10 at
#: 0.1 bpp (seen), where 1.75-3.5 gained 0.15-0.4 dB and 0.7-1.4 nothing on the luma
DESCENT_KAPPAS = (1.75, 2.5, 3.5)
#: ... and the share of the values of largest predicted gain tried beside them (when the sets overshoot)
DESCENT_FEW = 0.002
#: the descent stops after a round that lowers the error by less than this share of it: with its moves' bits
#: priced the descent goes on for more rounds (its sets fit), whose last ones gain little; 5e-4 instead of none cost
#: at most 0.01 dB on two photos of codec photo set 15 at 0.1 bpp (seen), 2e-3 0.04 dB, and saves 3-7 s per best encode
DESCENT_MIN_GAIN = 5e-4


def descend_levels(
    f: np.ndarray,
    op,
    levels: np.ndarray,
    q: int,
    lo: float,
    hi: float,
    *,
    gamma: float = 1.0,
    rounds: int = 8,
    fits=None,
    move_bits=None,
    bit_price: float = 0.0,
) -> np.ndarray:
    """Quantised values closer to the least-squares optimum than rounding: greedy descent over the levels.

    Rounding tonally optimised values to the ``q`` levels one by one loses a good part of what the
    optimisation gained (the camera at 0.1 bpp: 0.44 dB of 1.35 dB), because neighbouring values' rounding errors add
    up in the inpainted image. Moving value ``i`` by ``s = +-1`` level (step ``D``, the gap to that level: one
    step of the uniform levels, or of the companded ones for ``gamma != 1``) changes the squared error
    ``E = ||M v - f||^2`` by ``2 s D a_i + D^2 ||M e_i||^2`` with ``a = M^T (M v - f)`` (one adjoint). The
    decoder keeps constants (``M 1 = 1``) and its responses lie (nearly) in 0..1, so ``||M e_i||^2 <= m_i``, the
    mass ``m = M^T 1`` (one more adjoint, once). The curvature is taken as ``||M e_i||^2 ~ kappa m_i`` with one
    ``kappa`` for the plane, measured by one Hutchinson probe: for random signs ``z`` on the values,
    ``E ||M z||^2 = sum_i ||M e_i||^2``, so ``kappa = ||M z||^2 / sum_i m_i`` (one forward, once; 0.24 against
    the exact 0.25 in the tests' example, 0.2 for the luma of a photo at 0.1 bpp). A move then pays when ``2 |a_i| >
    kappa D m_i``. Each round moves, against the sign of ``a``, the values that pay for each multiple of
    ``kappa`` in :data:`DESCENT_KAPPAS`, or the :data:`DESCENT_FEW` share of largest ``2 |a_i| - kappa D m_i``,
    whichever set lowers ``E`` most (one forward each). When its levels do not fit (``fits``: the moves change
    the values' code length), the longest head of the set in its order that fits is taken instead (bisection).
    The descent stops when no set lowers ``E``, after a round that lowers it by less than
    :data:`DESCENT_MIN_GAIN` of itself, or after ``rounds``.

    Rate-aware with ``move_bits``: once a round's best set does not fit (the byte limit binds), the sets are
    ranked again, and in every later round, with each move's bits priced: a move that lengthens the code by ``b``
    bits then pays only when it lowers ``E`` by more than ``bit_price * b``, and one that shortens it earns that
    much (``2 |a_i| D`` becomes ``2 |a_i| D - bit_price b_i``). Without it, only the head of a set that fits is
    taken: an optimised plane sits at its byte limit, so few moves fit (10-180 of about 7000 on gray codec photos
    at 0.1 bpp); with it, the moves that shorten the code pay for those that lengthen it. While the limit does not
    bind the bits are free (a constraint that does not bind has no price).

    Parameters
    ----------
    f : array
        The image.
    op : LinearInpainting or DecoderInpainting
        The decoder as a linear map of the stored values (``forward``, ``adjoint``).
    levels : int array
        The starting levels, ``0 .. q - 1`` (raster order of the mask), e.g. the optimised values rounded.
    q, lo, hi, gamma :
        The quantisation (:func:`.subdivision.dequantise`).
    rounds : int
        At most this many rounds.
    fits : callable, optional
        ``fits(levels) -> bool``: every level set returned fits (when the starting levels do).
    move_bits : callable, optional
        ``move_bits(levels, steps) -> bits``: the code's change in length per value when each moves by its step
        (-1, 0, 1), e.g. :class:`.subdivision.MoveBits`.
    bit_price : float
        What one bit is worth in squared error ``E`` (with ``move_bits``).

    Returns
    -------
    int64 array of the levels.
    """
    from .subdivision import dequantise, level_values

    f = np.asarray(f, float)
    k = np.asarray(levels, np.int64).copy()
    table = level_values(q, lo, hi, gamma)
    uniform = (hi - lo) / (q - 1) or 1.0  # gamma = 1: one step for all, as before companded levels existed
    mass = op.adjoint(np.ones(f.shape))
    signs = np.random.default_rng(0).choice((-1.0, 1.0), k.size)
    kappa = float(np.sum(op.forward(signs) ** 2)) / max(float(np.sum(mass)), 1e-12)

    def moved_by(moved):  # the levels with ``moved`` one step against the round's gradient ``s``
        trial = k.copy()
        trial[moved] += s[moved]
        return trial

    def error_of(trial):
        res = op.forward(dequantise(trial, q, lo, hi, gamma)) - f
        return float(np.sum(res * res)), res

    err, r = error_of(k)
    priced = False  # moves pay for their bits once the byte limit binds (a set of moves did not fit)
    for _ in range(rounds):
        a = op.adjoint(r)
        s = -np.sign(a).astype(np.int64)
        movable = (s != 0) & (k + s >= 0) & (k + s < q)
        step = uniform if gamma == 1 else np.abs(table[np.clip(k + s, 0, q - 1)] - table[k])
        curvature = kappa * step * mass

        def best_set(priced):
            """The candidate set of least error: ``(E, residual, moved, levels)``, or None without candidates."""
            worth = 2 * np.abs(a)  # the gain in units of |a|, less what the move's bits cost when priced
            if priced:
                worth = worth - bit_price * move_bits(k, np.where(movable, s, 0)) / np.maximum(step, 1e-300)
            ratio = np.where(movable, worth / np.maximum(curvature, 1e-300), 0.0)
            order = np.argsort(-ratio, kind="stable")  # each set below is in its order of predicted worth
            candidates = [order[: np.count_nonzero(ratio > c)] for c in DESCENT_KAPPAS]
            gain = np.where(movable, worth - curvature, -np.inf)
            few = np.argsort(-gain, kind="stable")[: max(1, int(DESCENT_FEW * k.size))]
            candidates.append(few[gain[few] > 0])
            trials = [(*error_of(t), m, t) for m, t in ((m, moved_by(m)) for m in candidates if m.size)]
            return min(trials, key=lambda x: x[0]) if trials else None

        pick = best_set(priced)
        if pick is None or pick[0] >= err:
            break
        e, res, moved, trial = pick
        if fits is not None and not fits(trial) and move_bits is not None and not priced:
            priced = True
            pick = best_set(priced)
            if pick is None or pick[0] >= err:
                break
            e, res, moved, trial = pick
        if fits is not None and not fits(trial):
            # the longest head of the set (in its order) whose levels fit; the size is taken as growing with it
            n_fit, n_over = 0, moved.size
            while n_over - n_fit > 1:
                mid = (n_fit + n_over) // 2
                n_fit, n_over = (mid, n_over) if fits(moved_by(moved[:mid])) else (n_fit, mid)
            if not n_fit:
                break
            trial = moved_by(moved[:n_fit])
            e, res = error_of(trial)
            if e >= err:
                break
        done = e > (1 - DESCENT_MIN_GAIN) * err
        err, k, r = e, trial, res
        if done:
            break
    return k
