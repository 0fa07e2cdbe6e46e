"""Data-term weights from the Poisson distance to region boundaries (paper eq. 2-3)."""

from __future__ import annotations

import numba
import numpy as np

from .solve import MultigridPCG, Stencil

__all__ = ["poisson_distance", "bell_weights", "laplacian_stencil"]


#: weight of the link between a pixel and a virtual boundary pixel: 1 as written in eq. (1), or 2 for the
#: half-pixel spacing of ``v_pq = (p + q) / 2`` (the consistent finite difference, measured worse on photos)
BOUNDARY_WEIGHT = 1.0


def laplacian_stencil(indices: np.ndarray, boundary_weight: float | None = None) -> Stencil:
    """The region Laplacian of eq. (1)-(2): ``|N_p|`` on the diagonal, -1 between 4-neighbours of one region.

    Neighbours of another colour are virtual boundary pixels (Dirichlet); the image border is free.
    """
    bw = BOUNDARY_WEIGHT if boundary_weight is None else float(boundary_weight)
    h, w = indices.shape
    same_h = indices[:, 1:] == indices[:, :-1]
    same_v = indices[1:, :] == indices[:-1, :]
    link_h = np.where(same_h, 1.0, bw)
    link_v = np.where(same_v, 1.0, bw)
    deg = np.zeros((h, w))
    deg[:, 1:] += link_h
    deg[:, :-1] += link_h
    deg[1:, :] += link_v
    deg[:-1, :] += link_v
    return Stencil(deg, -same_h.astype(np.float64), -same_v.astype(np.float64))


def poisson_distance(indices: np.ndarray, *, stencil: Stencil | None = None, rtol: float = 1e-2,
                     maxiter: int = 3) -> np.ndarray:
    """Solve eq. (2), ``-Laplace d = 1`` in every region with ``d = 0`` on its virtual boundary pixels.

    All regions are solved in one system. Only the shape of ``d`` within each region matters (eq. 3
    normalises by ``d_max``), so a loose tolerance / few multigrid-CG iterations are enough. A region without any boundary (the whole image is one
    colour) gets ``d = 1``.
    """
    st = laplacian_stencil(indices) if stencil is None else stencil
    h, w = indices.shape
    if np.all(indices == indices.flat[0]):
        return np.ones((h, w))
    d, _ = MultigridPCG(st).solve(np.ones((h, w, 1)), rtol=rtol, maxiter=maxiter)
    return np.maximum(d[..., 0], 0.0)


@numba.njit(cache=True, nogil=True)
def _region_max(values, labels, n):
    out = np.zeros(n + 1)
    flat_v = values.ravel()
    flat_l = labels.ravel()
    for k in range(flat_v.size):
        if flat_v[k] > out[flat_l[k]]:
            out[flat_l[k]] = flat_v[k]
    return out


def bell_weights(d: np.ndarray, labels: np.ndarray, n_regions: int, omega: float,
                 small_region: float = 0.0) -> np.ndarray:
    """Eq. (3): ``w = omega (1 - exp(d / d_max)) / (1 - e)`` with ``d_max`` per region.

    ``small_region`` > 0 adds ``small_region / d_max`` to every pixel of a region (our addition, not
    in the paper): ``d_max`` grows like the squared radius of a region, as does the reach of the
    smoothness term, so small regions (textured areas, few-pixel specks) keep more of their quantized
    colour while large smooth regions are almost unaffected (a disc of radius 20 has d_max = 100).
    """
    dmax = _region_max(d, labels, n_regions)
    dmax[dmax <= 0] = 1.0
    ratio = d / dmax[labels]
    w = omega * (1.0 - np.exp(ratio)) / (1.0 - np.e)
    if small_region > 0:
        w += (small_region / dmax)[labels]
    return w
