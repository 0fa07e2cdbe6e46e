"""The cells of the quantizer: which colours each palette colour stands for (paper sections 2.1 and 2.3).

Dequantization may move a pixel anywhere inside the *cell* of its palette colour, the set of colours
the quantizer maps to it, and nowhere else; the output then re-quantizes to the input. Two quantizers:

``"nearest"`` (the paper)
    Every colour goes to its nearest palette colour (k-means, median cut, any palette quantizer):
    the cells are the Voronoi cells of the palette in the working colour space, two cells are
    adjacent when they share a face (Delaunay neighbours, :mod:`.adjacency`), and a region's data
    term pulls towards its palette colour.
``"floor"`` (bit-depth truncation, beyond the paper)
    ``q = (v >> b) << b`` keeps the top bits of every channel: the colour ``c`` stands for the
    bin ``[c, c + step)`` per channel, not for the colours nearest to ``c``. The Voronoi cell of
    ``c`` would be centred on the bin's lower edge, half a bin off every true value, so the cells
    are the bins themselves (the integer hull ``[c, c + step - 1]``, so rounding the result keeps
    it), a region's data term pulls towards the bin centre, and two bins are adjacent when they
    touch (every channel differs by at most one step). ``"auto"`` picks ``"floor"`` when every
    palette value of an integer image is a multiple of one power of two ``step`` >= 4 (and at least
    four colours): k-means or median-cut palettes of eight or more colours essentially never are.

Every cell is convex and stored as half-spaces ``u . x <= o`` (CSR rows per colour) with an
``anchor`` inside it, so one test (:func:`out_of_cell`) and one pull along the segment to the anchor
(:func:`pull_into_cells`) serve both quantizers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from .adjacency import neighbour_lists, palette_adjacency

__all__ = [
    "QUANTIZERS",
    "Cells",
    "truncation_step",
    "make_cells",
    "out_of_cell",
    "pull_into_cells",
    "requantization_mask",
    "as_input_dtype",
]

QUANTIZERS = ("auto", "nearest", "floor")

#: smallest truncation step recognised by ``quantizer="auto"`` (dropping at least two bits)
MIN_STEP = 4


@dataclass
class Cells:
    """Convex cells of a palette in the working colour space.

    Attributes
    ----------
    quantizer : {"nearest", "floor"}
    anchors : (K, C) float64
        The colour each region's data term pulls towards (palette colour or bin centre), inside its cell.
    adjacency : (K, K) bool
        Cells that touch: soft edges between their regions (section 2.1).
    indptr, normals, offsets : CSR half-spaces
        ``x`` is inside cell ``i`` iff ``normals[k] . x <= offsets[k]`` for ``indptr[i] <= k < indptr[i+1]``.
    step : int or None
        The truncation step of ``"floor"`` cells.
    """

    quantizer: str
    anchors: np.ndarray
    adjacency: np.ndarray
    indptr: np.ndarray
    normals: np.ndarray
    offsets: np.ndarray
    step: int | None = None


def truncation_step(palette, dtype) -> int | None:
    """The bin width of a bit-truncation palette, or None when ``palette`` does not look truncated.

    A palette is taken as truncated when the image is integer, it has at least four colours and all
    its values are multiples of one power of two ``step`` with ``4 <= step <= full scale / 4``.
    """
    palette = np.asarray(palette)
    if not np.issubdtype(np.dtype(dtype), np.integer) or palette.shape[0] < 4:
        return None
    values = np.unique(palette.astype(np.int64))
    g = int(np.gcd.reduce(values)) if values.any() else 0
    if g < MIN_STEP or g & (g - 1):  # not a power of two (0 included: all values zero)
        return None
    dtype = np.dtype(dtype)
    top = 255 if dtype == np.uint8 or (dtype != np.uint16 and int(values.max()) <= 255) else 65535
    return g if g <= (top + 1) // 4 else None


def _voronoi_cells(work: np.ndarray) -> Cells:
    """Voronoi cells of the palette (in the working space): half-space per Delaunay neighbour."""
    adjacency = palette_adjacency(work)
    indptr, nbrs = neighbour_lists(adjacency)
    rows = np.repeat(np.arange(work.shape[0]), np.diff(indptr))
    ci, cj = work[rows], work[nbrs]
    u = cj - ci
    u = u / np.linalg.norm(u, axis=1)[:, None]
    offsets = np.einsum("kc,kc->k", 0.5 * (ci + cj), u)
    return Cells("nearest", work, adjacency, indptr, np.ascontiguousarray(u), np.ascontiguousarray(offsets))


def _touching_bins(lattice: np.ndarray) -> np.ndarray:
    """(K, K) bool: bins whose lattice indices differ by at most 1 in every channel (faces, edges, corners).

    Looks up the 3^C - 1 lattice neighbours of every bin in the sorted bin keys: O(3^C K log K) instead
    of comparing all K^2 pairs.
    """
    import itertools

    k, nc = lattice.shape
    base = int(lattice.max()) + 3  # keys of index + offset (offset -1..1) stay unique and non-negative
    weights = base ** np.arange(nc, dtype=np.int64)
    keys = (lattice + 1) @ weights
    order = np.argsort(keys)
    sorted_keys = keys[order]
    adjacency = np.zeros((k, k), dtype=bool)
    for offset in itertools.product((-1, 0, 1), repeat=nc):
        if not any(offset):
            continue
        wanted = keys + np.asarray(offset, np.int64) @ weights
        pos = np.minimum(np.searchsorted(sorted_keys, wanted), k - 1)
        hit = sorted_keys[pos] == wanted
        adjacency[np.flatnonzero(hit), order[pos[hit]]] = True
    return adjacency


def _bin_cells(palette: np.ndarray, step: int) -> Cells:
    """Truncation bins ``[c, c + step - 1]`` per channel: two half-spaces per channel, anchor the centre."""
    k, nc = palette.shape
    eye = np.eye(nc)
    normals = np.tile(np.concatenate([eye, -eye]), (k, 1))
    offsets = np.concatenate([palette + (step - 1), -palette], axis=1).ravel()
    indptr = np.arange(k + 1, dtype=np.int64) * 2 * nc
    adjacency = _touching_bins(np.rint(palette / step).astype(np.int64))
    return Cells("floor", palette + 0.5 * (step - 1), adjacency, indptr, normals, offsets, step)


def make_cells(palette, *, quantizer: str = "auto", dtype=np.uint8, to_work=None) -> Cells:
    """Cells of ``palette`` (input values, ``dtype`` the image's).

    Voronoi cells are built on ``to_work(palette)`` (the working colour space, e.g. CIE-Lab; None:
    the values themselves). Truncation bins live in the input's own values, whatever ``to_work``.
    Raises ``ValueError`` for an unknown ``quantizer`` and for ``quantizer="floor"`` on a palette
    that is not a truncation lattice.
    """
    if quantizer not in QUANTIZERS:
        raise ValueError(f"quantizer must be one of {QUANTIZERS}, got {quantizer!r}")
    palette = np.asarray(palette, np.float64)
    step = truncation_step(palette, dtype) if quantizer != "nearest" else None
    if quantizer == "floor" and step is None:
        raise ValueError(
            "quantizer='floor' needs a bit-truncated integer image (every palette value a multiple of one power of "
            f"two >= {MIN_STEP}, at least 4 colours); this palette is not. Use quantizer='nearest' or 'auto'"
        )
    if step is not None:
        return _bin_cells(palette, step)
    return _voronoi_cells(palette if to_work is None else np.asarray(to_work(palette), np.float64))


@numba.njit(cache=True)
def _out_of_cell(x, idx, indptr, normals, offsets, margin, out):
    n, nc = x.shape
    for p in range(n):
        i = idx[p]
        bad = False
        for k in range(indptr[i], indptr[i + 1]):
            g = margin - offsets[k]
            for c in range(nc):
                g += x[p, c] * normals[k, c]
            if g > 0.0:
                bad = True
                break
        out[p] = bad


@numba.njit(cache=True)
def _pull(x, idx, anchors, indptr, normals, offsets, margin):
    n, nc = x.shape
    for p in range(n):
        i = idx[p]
        t = 1.0
        for k in range(indptr[i], indptr[i + 1]):
            ahead = 0.0  # u . (x - a): how far the segment anchor -> x climbs this half-space
            room = offsets[k] - margin  # o - margin - u . a: how much room the anchor has
            for c in range(nc):
                ahead += normals[k, c] * (x[p, c] - anchors[i, c])
                room -= normals[k, c] * anchors[i, c]
            if ahead > 0.0 and room < t * ahead:
                t = room / ahead
        if t < 1.0:
            t = max(t, 0.0)
            for c in range(nc):
                x[p, c] = anchors[i, c] + t * (x[p, c] - anchors[i, c])


def out_of_cell(x, indices, cells: Cells, margin: float = 0.0) -> np.ndarray:
    """Boolean (H, W): pixels of ``x`` (H, W, C) not inside their colour's cell (by at least ``margin``)."""
    h, w = indices.shape
    flat = np.ascontiguousarray(x.reshape(h * w, -1))
    if flat.dtype not in (np.float32, np.float64):
        flat = flat.astype(np.float64)
    out = np.empty(h * w, np.bool_)
    _out_of_cell(flat, indices.ravel().astype(np.int64), cells.indptr, cells.normals, cells.offsets, float(margin),
                 out)
    return out.reshape(h, w)


def pull_into_cells(x, indices, cells: Cells, margin: float) -> np.ndarray:
    """Move every pixel outside (or within ``margin`` of the border of) its cell towards the cell's anchor."""
    h, w = indices.shape
    flat = np.ascontiguousarray(x.reshape(h * w, -1), dtype=np.float64).copy()
    _pull(flat, indices.ravel().astype(np.int64), np.ascontiguousarray(cells.anchors, np.float64), cells.indptr,
          cells.normals, cells.offsets, float(margin))
    return flat.reshape(x.shape)


def requantization_mask(result, quantized, *, color_space: str = "lab", quantizer: str = "auto") -> np.ndarray:
    """Boolean (H, W): True where ``result`` re-quantizes to ``quantized``.

    The quantizer is the one :func:`~napari_maliang.dequantize.dequantize` assumes with the same
    ``quantizer`` option: bit truncation ``floor(v / step) * step`` for a truncation palette, else
    the nearest colour of the palette of ``quantized`` (brute force), measured in ``color_space``
    ("lab" for RGB images, the values themselves for "rgb" and grayscale).
    """
    from scipy.spatial import cKDTree

    from ._color import rgb2lab
    from .regions import check_image, index_image, value_scale

    if quantizer not in QUANTIZERS:
        raise ValueError(f"quantizer must be one of {QUANTIZERS}, got {quantizer!r}")
    q, _ = check_image(quantized)
    r = np.asarray(result)
    if r.ndim == 3 and r.shape[-1] == 4:
        r = r[..., :3]
    indexed = index_image(q, max_colors=np.iinfo(np.int32).max)
    h, w = indexed.indices.shape
    pal = indexed.palette.astype(np.float64)
    flat = r.reshape(h * w, -1).astype(np.float64)
    step = truncation_step(pal, q.dtype) if quantizer != "nearest" else None
    if step is not None:
        target = q.reshape(h * w, -1)
        return (np.floor(flat / step) * step == target).all(axis=1).reshape(h, w)
    if color_space == "lab" and pal.shape[1] == 3:
        scale = value_scale(q)
        pal = rgb2lab(pal / scale)
        flat = rgb2lab(flat / scale)
    _, nearest = cKDTree(pal).query(flat)
    return (nearest == indexed.indices.ravel()).reshape(h, w)


def as_input_dtype(result, quantized, *, color_space: str = "lab", quantizer: str = "auto") -> np.ndarray:
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
    ok = requantization_mask(out, q, color_space=color_space, quantizer=quantizer)
    if not ok.all():
        out[~ok] = q[~ok]
    return out
