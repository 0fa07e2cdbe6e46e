"""Colour-space adjacency of the palette's Voronoi cells (paper section 2.1).

Two palette colours are *adjacent* when their Voronoi cells (in the working colour space, CIE-Lab by
default) share a face: these are the Delaunay neighbours of the palette colours. Degenerate palettes
are handled explicitly: one colour, two colours, colours on a line (grayscale: consecutive values),
colours on a plane (2-D Delaunay in that plane), and palettes on a lattice (3/4-bit truncation), where
cells touching only along an edge or a corner are counted as adjacent too (tolerant Gabriel test).
"""

from __future__ import annotations

import numpy as np

__all__ = ["palette_adjacency", "neighbour_lists"]


def _delaunay_edges(points: np.ndarray) -> np.ndarray:
    from scipy.spatial import Delaunay, QhullError

    try:
        tri = Delaunay(points)
    except QhullError:
        tri = Delaunay(points, qhull_options="QJ Qbb Qc")
    simplices = tri.simplices
    k = simplices.shape[1]
    pairs = [simplices[:, [a, b]] for a in range(k) for b in range(a + 1, k)]
    return np.concatenate(pairs, axis=0)


def _gabriel_edges(points: np.ndarray, rtol: float) -> np.ndarray:
    """Pairs whose midpoint is (within ``rtol``) no closer to any other palette colour."""
    from scipy.spatial import cKDTree

    n = points.shape[0]
    tree = cKDTree(points)
    kk = min(n, 27)
    _, near = tree.query(points, k=kk)
    i = np.repeat(np.arange(n), kk - 1)
    j = near[:, 1:].ravel()
    keep = (j > i) & (j < n)
    i, j = i[keep], j[keep]
    mid = 0.5 * (points[i] + points[j])
    r = 0.5 * np.linalg.norm(points[i] - points[j], axis=1)
    dist, who = tree.query(mid, k=min(n, 3))
    dist = np.where((who == i[:, None]) | (who == j[:, None]), np.inf, dist)
    ok = dist.min(axis=1) >= r * (1 - rtol)
    return np.stack([i[ok], j[ok]], axis=1).astype(np.int64)


def palette_adjacency(palette: np.ndarray, *, rtol: float = 1e-6) -> np.ndarray:
    """Boolean ``(K, K)`` matrix: True where the Voronoi cells of two palette colours are adjacent.

    Parameters
    ----------
    palette : array (K, C)
        Palette colours in the working colour space (C = 1 for grayscale, 3 for colour).
    rtol : float
        Relative tolerance for degenerate (lattice) configurations.

    References
    ----------
    .. [1] T. Kim, J. Ahn, M. G. Choi, "Image Dequantization: Restoration of Quantized Colors", Computer Graphics Forum 26(3) (Eurographics 2007), section 2.1.
    """
    palette = np.asarray(palette, dtype=np.float64)
    k = palette.shape[0]
    adj = np.zeros((k, k), dtype=bool)
    if k <= 1:
        return adj
    centred = palette - palette.mean(axis=0)
    scale = max(np.abs(centred).max(), 1e-300)
    _, sv, vt = np.linalg.svd(centred / scale, full_matrices=False)
    # nearly-degenerate palettes (grey levels whose Lab a*, b* are 1e-3 off zero) count as degenerate
    rank = int(np.sum(sv > 1e-3 * max(sv[0], 1e-300)))
    if rank == 0:  # identical colours (cannot happen with a unique palette)
        return adj
    if k <= rank + 1:  # a simplex: every pair of cells shares a face
        adj[:] = True
        np.fill_diagonal(adj, False)
        return adj
    coords = centred @ vt[:rank].T
    if rank == 1:
        order = np.argsort(coords[:, 0])
        edges = np.stack([order[:-1], order[1:]], axis=1)
    else:
        edges = np.concatenate([_delaunay_edges(coords), _gabriel_edges(coords, rtol=1e-3)], axis=0)
    adj[edges[:, 0], edges[:, 1]] = True
    adj[edges[:, 1], edges[:, 0]] = True
    np.fill_diagonal(adj, False)
    return adj


def neighbour_lists(adjacency: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """CSR form ``(indptr, indices)`` of a boolean adjacency matrix."""
    rows, cols = np.nonzero(adjacency)
    indptr = np.zeros(adjacency.shape[0] + 1, np.int64)
    np.add.at(indptr, rows + 1, 1)
    return np.cumsum(indptr), cols.astype(np.int64)
