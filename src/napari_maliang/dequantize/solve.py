"""Fast solution of the sparse SPD systems of eq. (1)-(6) (paper section 2.2).

Every system here is a symmetric 5-point stencil on the pixel grid: a diagonal ``diag`` (H, W),
couplings ``east`` (H, W-1) between ``(y, x)`` and ``(y, x+1)`` and ``south`` (H-1, W) between
``(y, x)`` and ``(y+1, x)``. Pixels of all regions (and all colour channels, as columns of the
right-hand side) are solved in one system; regions with no coupling between them simply decouple.

CPU: conjugate gradients preconditioned by an aggregation multigrid V-cycle (2x2 aggregates, whose
Galerkin coarse operators are again 5-point stencils, red-black Gauss-Seidel smoothing, dense
inverse on the coarsest grid (at most 64 unknowns)), in single-threaded numba loops. The hierarchy is rebuilt in O(N) when the
diagonal changes (refinement) and the previous solution is the warm start, so later solves are cheap.
GPU: the same stencil assembled as a CSR matrix and solved with ``cupyx.scipy.sparse.linalg.cg``.
:func:`to_csr` gives the assembled SciPy matrix (tests, pyamg).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import numba
import numpy as np

__all__ = ["Stencil", "MultigridPCG", "solve", "to_csr"]


@dataclass
class Stencil:
    """Symmetric 5-point operator on an (H, W) grid."""

    diag: np.ndarray
    east: np.ndarray
    south: np.ndarray

    @property
    def shape(self):
        return self.diag.shape


@numba.njit(inline="always")
def _couplings(e, s, i, j, iu, h, w, z):
    """Clamped column neighbours of pixel (i, j) and its east, west, south and north couplings.

    A neighbour outside the grid gets index-clamped coordinates and a zero coupling ``z``, so the
    stencil kernels' channel loops stay branch-free.
    """
    jl = max(j - 1, 0)
    jr = min(j + 1, w - 1)
    cr = e[i, j] if j + 1 < w else z
    cl = e[i, jl] if j > 0 else z
    cd = s[i, j] if i + 1 < h else z
    cu = s[iu, j] if i > 0 else z
    return jl, jr, cr, cl, cd, cu


class _Kernels(NamedTuple):
    matvec: Callable
    gs_colour: Callable
    gs_first: Callable
    residual_restrict: Callable


@functools.cache
def _kernels(nc: int) -> _Kernels:
    """The stencil kernels compiled for ``nc`` channels.

    A compile-time channel count lets LLVM unroll the per-pixel channel loop: 15-35 % faster
    smoothing and residuals than a run-time count (measured on 1 MP RGB). Numba caches each variant.
    """

    @numba.njit(cache=True)
    def matvec(d, e, s, x, y):
        # boundary handling by clamped indices and zero couplings keeps the channel loop branch-free
        h, w = d.shape
        z = d[0, 0] - d[0, 0]
        for i in range(h):
            iu = max(i - 1, 0)
            idn = min(i + 1, h - 1)
            for j in range(w):
                jl, jr, cr, cl, cd, cu = _couplings(e, s, i, j, iu, h, w, z)
                dij = d[i, j]
                for c in range(nc):
                    y[i, j, c] = (dij * x[i, j, c] + cr * x[i, jr, c] + cl * x[i, jl, c] + cd * x[idn, j, c]
                                  + cu * x[iu, j, c])

    @numba.njit(cache=True)
    def gs_colour(d, e, s, b, x, colour):
        h, w = d.shape
        z = d[0, 0] - d[0, 0]
        for i in range(h):
            iu = max(i - 1, 0)
            idn = min(i + 1, h - 1)
            for j in range((i + colour) % 2, w, 2):
                jl, jr, cr, cl, cd, cu = _couplings(e, s, i, j, iu, h, w, z)
                inv = 1.0 / d[i, j]
                for c in range(nc):
                    x[i, j, c] = (b[i, j, c] - cr * x[i, jr, c] - cl * x[i, jl, c] - cd * x[idn, j, c]
                                  - cu * x[iu, j, c]) * inv

    @numba.njit(cache=True)
    def residual_restrict(d, e, s, b, x, rc):
        """rc = P^T (b - A x) with 2x2 aggregates."""
        h, w = d.shape
        rc[:] = 0.0
        z = d[0, 0] - d[0, 0]
        for i in range(h):
            ic = i // 2
            iu = max(i - 1, 0)
            idn = min(i + 1, h - 1)
            for j in range(w):
                jc = j // 2
                jl, jr, cr, cl, cd, cu = _couplings(e, s, i, j, iu, h, w, z)
                dij = d[i, j]
                for c in range(nc):
                    rc[ic, jc, c] += (b[i, j, c] - dij * x[i, j, c] - cr * x[i, jr, c] - cl * x[i, jl, c]
                                      - cd * x[idn, j, c] - cu * x[iu, j, c])

    @numba.njit(cache=True)
    def gs_first(d, b, x):
        """The first red sweep from ``x = 0`` (red: ``x = b / d``; black: 0), writing every pixel of ``x``
        (so ``x`` needs no zeroing first)."""
        h, w = d.shape
        for i in range(h):
            for j in range(w):
                if (i + j) % 2 == 0:
                    inv = 1.0 / d[i, j]
                    for c in range(nc):
                        x[i, j, c] = b[i, j, c] * inv
                else:
                    for c in range(nc):
                        x[i, j, c] = 0.0

    return _Kernels(matvec, gs_colour, gs_first, residual_restrict)


@numba.njit(cache=True)
def _prolong_add(x, xc, alpha):
    h, w, nc = x.shape
    for i in range(h):
        for j in range(w):
            for c in range(nc):
                x[i, j, c] += alpha * xc[i // 2, j // 2, c]


@numba.njit(cache=True, fastmath=True)
def _dot(a, b):
    h, w, nc = a.shape
    out = np.zeros(nc)
    fa = a.reshape(h * w, nc)
    fb = b.reshape(h * w, nc)
    for c in range(nc):
        acc = 0.0
        for p in range(h * w):
            acc += fa[p, c] * fb[p, c]
        out[c] = acc
    return out


@numba.njit(cache=True)
def _max_abs(a):
    """Per-channel ``max |a|`` of an (H, W, C) array in one pass (NumPy's ``np.abs(a).max(axis=(0, 1))``
    allocates a copy and reduces over the slow axes: 0.6 s of a 3 s run on 1 MP RGB)."""
    h, w, nc = a.shape
    out = np.zeros(nc)
    for i in range(h):
        for j in range(w):
            for c in range(nc):
                v = abs(a[i, j, c])
                if v > out[c]:
                    out[c] = v
    return out


@numba.njit(cache=True, fastmath=True)
def _update_xr(x, r, p, q, alpha):
    """x += alpha p; r -= alpha q; returns the squared norms of r per channel."""
    h, w, nc = x.shape
    out = np.zeros(nc)
    for i in range(h):
        for j in range(w):
            for c in range(nc):
                x[i, j, c] += alpha[c] * p[i, j, c]
                v = r[i, j, c] - alpha[c] * q[i, j, c]
                r[i, j, c] = v
                out[c] += v * v
    return out


@numba.njit(cache=True)
def _update_p(p, z, beta):
    h, w, nc = p.shape
    for i in range(h):
        for j in range(w):
            for c in range(nc):
                p[i, j, c] = z[i, j, c] + beta[c] * p[i, j, c]


@numba.njit(cache=True)
def _coarsen(d, e, s):
    h, w = d.shape
    hc, wc = (h + 1) // 2, (w + 1) // 2
    dc = np.zeros((hc, wc))
    ec = np.zeros((hc, max(wc - 1, 0)))
    sc = np.zeros((max(hc - 1, 0), wc))
    for i in range(h):
        for j in range(w):
            dc[i // 2, j // 2] += d[i, j]
            if j + 1 < w:
                if (j + 1) // 2 == j // 2:
                    dc[i // 2, j // 2] += 2.0 * e[i, j]
                else:
                    ec[i // 2, j // 2] += e[i, j]
            if i + 1 < h:
                if (i + 1) // 2 == i // 2:
                    dc[i // 2, j // 2] += 2.0 * s[i, j]
                else:
                    sc[i // 2, j // 2] += s[i, j]
    return dc, ec, sc


@numba.njit(cache=True)
def _spd_inverse(a):
    """Inverse of a small symmetric positive (semi-)definite matrix by Gauss-Jordan (no BLAS threads)."""
    n = a.shape[0]
    m = a.copy()
    inv = np.eye(n)
    scale = 0.0
    for i in range(n):
        scale = max(scale, abs(m[i, i]))
    for k in range(n):
        piv = m[k, k]
        if abs(piv) < 1e-12 * scale:
            piv = 1e-12 * scale + 1e-300
        for j in range(n):
            m[k, j] /= piv
            inv[k, j] /= piv
        for i in range(n):
            if i != k:
                f = m[i, k]
                if f != 0.0:
                    for j in range(n):
                        m[i, j] -= f * m[k, j]
                        inv[i, j] -= f * inv[k, j]
    return inv


@numba.njit(cache=True)
def _small_matmul(a, b):
    n, m = a.shape[0], b.shape[1]
    out = np.zeros((n, m))
    for i in range(n):
        for k in range(a.shape[1]):
            aik = a[i, k]
            for j in range(m):
                out[i, j] += aik * b[k, j]
    return out


def to_csr(st: Stencil):
    """The stencil as a SciPy CSR matrix (row-major pixel order)."""
    import scipy.sparse as sp

    h, w = st.shape
    ids = np.arange(h * w).reshape(h, w)
    rows = np.concatenate([ids[:, :-1].ravel(), ids[:-1, :].ravel()])
    cols = np.concatenate([ids[:, 1:].ravel(), ids[1:, :].ravel()])
    vals = np.concatenate([st.east.ravel(), st.south.ravel()])
    keep = vals != 0
    off = sp.coo_matrix((vals[keep], (rows[keep], cols[keep])), shape=(h * w, h * w))
    return (off + off.T + sp.diags(st.diag.ravel())).tocsr()


class MultigridPCG:
    """Aggregation-multigrid preconditioned CG for a :class:`Stencil` and several right-hand sides.

    Parameters
    ----------
    stencil : Stencil
        SPD operator (float64 arrays).
    coarse_size : int
        Grids with at most this many unknowns are solved directly.
    alpha : float
        Over-correction factor of the piecewise-constant coarse-grid correction.
    """

    def __init__(self, stencil: Stencil, *, coarse_size: int = 64, alpha: float = 1.5, dtype=np.float32):
        self.alpha = alpha
        self.dtype = np.dtype(dtype)
        st = stencil
        self.levels = [self._cast(st)]
        while st.diag.size > coarse_size and min(st.shape) > 1:
            st = Stencil(*_coarsen(st.diag, st.east, st.south))
            self.levels.append(self._cast(st))
        dense = to_csr(self.levels[-1]).toarray()
        self._coarse_inv = _spd_inverse(dense)

    def _cast(self, st: Stencil) -> Stencil:
        c = lambda a: np.ascontiguousarray(a, dtype=self.dtype)
        return Stencil(c(st.diag), c(st.east), c(st.south))

    def _vcycle(self, level: int, b: np.ndarray) -> np.ndarray:
        st = self.levels[level]
        if level == len(self.levels) - 1:
            h, w = st.shape
            out = _small_matmul(self._coarse_inv, b.reshape(h * w, -1).astype(np.float64))
            return out.reshape(b.shape).astype(self.dtype)
        k = _kernels(b.shape[2])
        x = np.empty_like(b)
        k.gs_first(st.diag, b, x)
        k.gs_colour(st.diag, st.east, st.south, b, x, 1)
        nxt = self.levels[level + 1]
        rc = np.empty(nxt.shape + (b.shape[2],), self.dtype)
        k.residual_restrict(st.diag, st.east, st.south, b, x, rc)
        xc = self._vcycle(level + 1, rc)
        _prolong_add(x, xc, self.alpha)
        k.gs_colour(st.diag, st.east, st.south, b, x, 1)
        k.gs_colour(st.diag, st.east, st.south, b, x, 0)
        return x

    def solve(self, b: np.ndarray, x0: np.ndarray | None = None, *, rtol: float = 1e-4, maxiter: int = 200,
              reduction: float = 1e-2, atol: float | None = None):
        """Solve ``A x = b`` for ``b`` of shape (H, W, C); returns ``(x, iterations)``, ``x`` in the working dtype.

        Without ``atol``: stops when the residual of every channel is below ``rtol |b|`` and below
        ``reduction`` times the initial residual (or at working precision).

        With ``atol``: stops on the error instead of the residual. The preconditioner applied to the
        residual, ``z = M r`` (one V-cycle, ``M ~ A^-1``), estimates the error ``A^-1 r`` of every unknown
        in the solution's own units, and the solve stops once ``max |z| <= atol`` in every channel. A small
        relative residual does not bound the error when ``A`` is ill-conditioned, as eq. (1) is in large
        regions whose only data term is the weak eq. (3) weight (their lowest modes have eigenvalues of order
        ``omega``): measured on a flat graphic of three colours (benchmarks/dequantize.py, held-out 2's
        "desert", k-means 8), the residual test stopped a refinement round after one iteration with errors of
        up to 36 levels, and left a 1.5-level shift in a region of 89,000 pixels; stopping at ``max |z| <= 0.1``
        instead left true errors of 0.09-0.23 levels there and on a photograph (astronaut, k-means 16).
        """
        st = self.levels[0]
        b = np.ascontiguousarray(b, dtype=self.dtype)
        x = np.zeros_like(b) if x0 is None else np.array(x0, dtype=self.dtype, copy=True)
        r = np.empty_like(b)
        matvec = _kernels(b.shape[2]).matvec
        matvec(st.diag, st.east, st.south, x, r)
        np.subtract(b, r, out=r)
        bnorm = np.sqrt(_dot(b, b))
        bnorm[bnorm == 0] = 1.0
        r0 = np.sqrt(_dot(r, r))
        floor = 20 * np.finfo(self.dtype).eps * bnorm  # working precision
        if np.all(r0 <= floor):  # warm start already exact
            return x, 0
        # a warm start with a local change (a brush stroke, raised weights) has a small residual compared
        # with |b|: also ask for a 100-fold reduction of the initial residual
        target = np.maximum(np.minimum(rtol * bnorm, reduction * r0), floor)
        z = self._vcycle(0, r)
        if atol is not None and np.all(_max_abs(z) <= atol):
            return x, 0
        p = z.copy()
        rz = _dot(r, z)
        q = np.empty_like(b)
        for it in range(1, maxiter + 1):
            matvec(st.diag, st.east, st.south, p, q)
            pq = _dot(p, q)
            a = np.where(pq > 0, rz / np.where(pq > 0, pq, 1.0), 0.0).astype(self.dtype)
            rr = _update_xr(x, r, p, q, a)
            if atol is None and np.all(np.sqrt(rr) <= target):
                return x, it
            z = self._vcycle(0, r)
            if atol is not None and (np.all(_max_abs(z) <= atol) or np.all(np.sqrt(rr) <= floor)):
                return x, it
            rz_new = _dot(r, z)
            beta = np.where(rz > 0, rz_new / np.where(rz > 0, rz, 1.0), 0.0).astype(self.dtype)
            rz = rz_new
            _update_p(p, z, beta)
        return x, maxiter


def _solve_gpu(st: Stencil, b: np.ndarray, x0, rtol: float, maxiter: int):
    import cupy as cp
    import cupyx.scipy.sparse as csp
    import cupyx.scipy.sparse.linalg as cspl

    a = csp.csr_matrix(to_csr(st))
    dinv = 1.0 / cp.asarray(st.diag.ravel())
    m = cspl.LinearOperator(a.shape, matvec=lambda v: dinv * v)
    h, w, nc = b.shape
    out = np.empty_like(b)
    for c in range(nc):
        bc = cp.asarray(b[..., c].ravel())
        xc = None if x0 is None else cp.asarray(x0[..., c].ravel())
        xs, _ = cspl.cg(a, bc, x0=xc, tol=rtol, maxiter=maxiter * 20, M=m)
        out[..., c] = cp.asnumpy(xs).reshape(h, w)
    return out, maxiter


def solve(stencil: Stencil, b: np.ndarray, x0=None, *, rtol: float = 1e-4, maxiter: int = 200,
          backend: str = "cpu", solver: MultigridPCG | None = None):
    """Solve the stencil system for ``b`` (H, W, C) on ``backend`` ("cpu" or "gpu"); returns ``(x, iterations)``."""
    if backend == "gpu":
        return _solve_gpu(stencil, b, x0, rtol, maxiter)
    solver = solver or MultigridPCG(stencil)
    return solver.solve(b, x0, rtol=rtol, maxiter=maxiter)
