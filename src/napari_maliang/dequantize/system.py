"""Assembly of eq. (1) with the continuity constraints of eq. (5)-(6) as one sparse SPD system.

For every pixel ``p`` of region ``R_i`` (paper section 2.2)::

    |N_p| phi(p) - sum_{q in N_p ∩ R_i} phi(q) + w(p) (phi(p) - phibar(p)) = sum_{q in N_p ∩ ∂R_i} phi*(v_pq)

with ``phi*(v_pq) = (phibar(p) + phibar(q)) / 2`` on a soft edge and ``phibar(p)`` on a hard edge.
Eq. (6) adds ``w_c (phi(p) + phi(q) - 2 phi*(v_pq))^2`` once per soft pixel pair, i.e. ``+w_c`` on both
diagonals and on the ``(p, q)`` coupling, and ``2 w_c phi*`` on both right-hand sides. All regions and
all channels (columns of the right-hand side) share one matrix.
"""

from __future__ import annotations

import numba
import numpy as np

from .solve import Stencil
from .weights import laplacian_stencil

__all__ = ["build_matrix", "build_rhs"]


def build_matrix(indices, w, soft_h, soft_v, continuity: float, base: Stencil | None = None) -> Stencil:
    """The SPD stencil of eq. (1)/(6): region Laplacian + diag(w) (+ continuity couplings)."""
    base = laplacian_stencil(indices) if base is None else base
    diag = base.diag + w
    east, south = base.east, base.south
    if continuity > 0:
        ch = soft_h.astype(np.float64) * continuity
        cv = soft_v.astype(np.float64) * continuity
        diag = diag.copy()
        diag[:, :-1] += ch
        diag[:, 1:] += ch
        diag[:-1, :] += cv
        diag[1:, :] += cv
        east = east + ch
        south = south + cv
    return Stencil(np.ascontiguousarray(diag), np.ascontiguousarray(east), np.ascontiguousarray(south))


@numba.njit(cache=True, nogil=True)
def _rhs_kernel(ind, pal, w, soft_h, soft_v, bw, wc2, out):
    h, wd = ind.shape
    nc = pal.shape[1]
    for i in range(h):
        for j in range(wd):
            p = ind[i, j]
            for c in range(nc):
                out[i, j, c] = w[i, j] * pal[p, c]
            for k in range(4):
                if k == 0:
                    if j + 1 >= wd:
                        continue
                    q = ind[i, j + 1]
                    soft = soft_h[i, j]
                elif k == 1:
                    if j == 0:
                        continue
                    q = ind[i, j - 1]
                    soft = soft_h[i, j - 1]
                elif k == 2:
                    if i + 1 >= h:
                        continue
                    q = ind[i + 1, j]
                    soft = soft_v[i, j]
                else:
                    if i == 0:
                        continue
                    q = ind[i - 1, j]
                    soft = soft_v[i - 1, j]
                if q == p:
                    continue
                for c in range(nc):
                    if soft:
                        star = 0.5 * (pal[p, c] + pal[q, c])
                        out[i, j, c] += (bw + wc2) * star
                    else:
                        out[i, j, c] += bw * pal[p, c]


def build_rhs(indices, palette_work, w, soft_h, soft_v, continuity: float,
              boundary_weight: float | None = None) -> np.ndarray:
    """Right-hand side (H, W, C): ``w phibar + sum phi* (+ 2 w_c phi*)`` over virtual boundary pixels."""
    from . import weights

    bw = weights.BOUNDARY_WEIGHT if boundary_weight is None else float(boundary_weight)
    h, wd = indices.shape
    out = np.empty((h, wd, palette_work.shape[1]))
    _rhs_kernel(np.ascontiguousarray(indices, dtype=np.int64), np.ascontiguousarray(palette_work, np.float64),
                np.ascontiguousarray(w, np.float64), np.ascontiguousarray(soft_h), np.ascontiguousarray(soft_v),
                float(bw), 2.0 * float(continuity), out)
    return out


def build_rhs_numpy(indices, palette_work, w, soft_h, soft_v, continuity: float,
                    boundary_weight: float | None = None) -> np.ndarray:
    """Reference NumPy version of :func:`build_rhs` (tests)."""
    from . import weights

    bw = weights.BOUNDARY_WEIGHT if boundary_weight is None else float(boundary_weight)
    phibar = palette_work[indices]  # (H, W, C)
    b = w[..., None] * phibar
    diff_h = indices[:, 1:] != indices[:, :-1]
    diff_v = indices[1:, :] != indices[:-1, :]
    left, right = phibar[:, :-1], phibar[:, 1:]
    up, down = phibar[:-1, :], phibar[1:, :]
    avg_h = 0.5 * (left + right)
    avg_v = 0.5 * (up + down)
    sh = soft_h[..., None]
    sv = soft_v[..., None]
    dh = diff_h[..., None]
    dv = diff_v[..., None]
    # virtual pixel between left and right, seen from each side
    b[:, :-1] += np.where(dh, bw * np.where(sh, avg_h, left), 0.0)
    b[:, 1:] += np.where(dh, bw * np.where(sh, avg_h, right), 0.0)
    b[:-1, :] += np.where(dv, bw * np.where(sv, avg_v, up), 0.0)
    b[1:, :] += np.where(dv, bw * np.where(sv, avg_v, down), 0.0)
    if continuity > 0:
        ch = (2.0 * continuity) * np.where(sh, avg_h, 0.0)
        cv = (2.0 * continuity) * np.where(sv, avg_v, 0.0)
        b[:, :-1] += ch
        b[:, 1:] += ch
        b[:-1, :] += cv
        b[1:, :] += cv
    return b
