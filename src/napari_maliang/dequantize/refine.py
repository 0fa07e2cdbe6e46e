"""Iterative refining (paper section 2.3) and the re-quantization guarantee.

A pixel is inside the Voronoi cell of its palette colour ``c_i`` iff it is no closer to any
Voronoi neighbour ``c_j`` (colour-space adjacency without brushes) than to ``c_i``. Pixels that
leave their cell get a larger data weight and the system is solved again; after ``max_refine``
rounds the rest are pulled along the segment towards ``c_i`` just inside the cell.
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["out_of_cell", "pull_into_cells", "requantization_mask", "as_input_dtype"]


@numba.njit(cache=True)
def _out_of_cell(x, idx, indptr, normals, offsets, out):
    n, nc = x.shape
    for p in range(n):
        i = idx[p]
        bad = False
        for k in range(indptr[i], indptr[i + 1]):
            g = -offsets[k]
            for c in range(nc):
                g += x[p, c] * normals[k, c]
            if g > 0.0:
                bad = True
                break
        out[p] = bad


def _half_spaces(palette, indptr, nbrs, margin):
    """Per CSR entry (i, j): unit normal u = (c_j - c_i)/|c_j - c_i| and offset, so that a colour x is on
    c_i's side of the bisector, at least ``margin`` away, iff x . u - offset <= 0."""
    counts = np.diff(indptr)
    rows = np.repeat(np.arange(palette.shape[0]), counts)
    ci, cj = palette[rows], palette[nbrs]
    u = cj - ci
    norm = np.linalg.norm(u, axis=1)
    u = u / norm[:, None]
    offsets = np.einsum("kc,kc->k", 0.5 * (ci + cj), u) - margin
    return np.ascontiguousarray(u), np.ascontiguousarray(offsets)


@numba.njit(cache=True)
def _pull(x, idx, pal, indptr, nbrs, margin):
    n, nc = x.shape
    for p in range(n):
        i = idx[p]
        t = 1.0
        for k in range(indptr[i], indptr[i + 1]):
            j = nbrs[k]
            proj = 0.0
            un = 0.0
            for c in range(nc):
                u = pal[j, c] - pal[i, c]
                proj += (x[p, c] - pal[i, c]) * u
                un += u * u
            if proj > 0.0:
                tj = (0.5 * un - margin * np.sqrt(un)) / proj
                if tj < t:
                    t = tj
        if t < 1.0:
            t = max(t, 0.0)
            for c in range(nc):
                x[p, c] = pal[i, c] + t * (x[p, c] - pal[i, c])


def out_of_cell(x, indices, palette, indptr, nbrs, margin: float = 0.0) -> np.ndarray:
    """Boolean (H, W): pixels of ``x`` (H, W, C) not strictly inside their colour's Voronoi cell."""
    h, w = indices.shape
    flat = np.ascontiguousarray(x.reshape(h * w, -1), dtype=np.float64)
    out = np.empty(h * w, np.bool_)
    normals, offsets = _half_spaces(np.asarray(palette, np.float64), indptr, nbrs, float(margin))
    _out_of_cell(flat, indices.ravel().astype(np.int64), indptr, normals, offsets, out)
    return out.reshape(h, w)


def pull_into_cells(x, indices, palette, indptr, nbrs, margin: float) -> np.ndarray:
    """Move every pixel outside (or within ``margin`` of the border of) its cell towards its colour."""
    h, w = indices.shape
    flat = np.ascontiguousarray(x.reshape(h * w, -1), dtype=np.float64).copy()
    _pull(flat, indices.ravel().astype(np.int64), np.ascontiguousarray(palette, np.float64), indptr, nbrs,
          float(margin))
    return flat.reshape(x.shape)


def requantization_mask(result, quantized, *, color_space: str = "lab") -> np.ndarray:
    """Boolean (H, W): True where ``result`` re-quantizes (nearest palette colour, brute force) to ``quantized``.

    The palette is the set of colours of ``quantized``; distances are measured in ``color_space``
    ("lab" for RGB images, the values themselves for "rgb" and grayscale), as in :func:`dequantize`.
    """
    from scipy.spatial import cKDTree

    from ._color import rgb2lab
    from .regions import check_image, index_image, value_scale

    q, _ = check_image(quantized)
    r = np.asarray(result)
    if r.ndim == 3 and r.shape[-1] == 4:
        r = r[..., :3]
    indexed = index_image(q, max_colors=np.iinfo(np.int32).max)
    scale = value_scale(q)
    h, w = indexed.indices.shape
    pal = indexed.palette.astype(np.float64)
    flat = r.reshape(h * w, -1).astype(np.float64)
    if color_space == "lab" and pal.shape[1] == 3:
        pal = rgb2lab(pal / scale)
        flat = rgb2lab(flat / scale)
    _, nearest = cKDTree(pal).query(flat)
    return (nearest == indexed.indices.ravel()).reshape(h, w)


def as_input_dtype(result, quantized, *, color_space: str = "lab") -> np.ndarray:
    """Round a :func:`dequantize` result to the quantized input's dtype, keeping the re-quantization guarantee.

    Integer rounding can move a pixel that sits just inside its Voronoi cell across the border; those
    few pixels get their input colour back. Float inputs are returned as float32 unchanged.
    """
    q = np.asarray(quantized)
    r = np.asarray(result)
    if not np.issubdtype(q.dtype, np.integer):
        return r.astype(np.float32)
    info = np.iinfo(q.dtype)
    out = np.clip(np.rint(r), info.min, info.max).astype(q.dtype)
    ok = requantization_mask(out, q, color_space=color_space)
    if not ok.all():
        out[~ok] = q[~ok]
    return out
