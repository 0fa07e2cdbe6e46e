"""The cells of the quantizer: which colours each palette colour stands for (paper sections 2.1 and 2.3).

Dequantization may move a pixel anywhere inside the *cell* of its palette colour, the set of colours
the quantizer maps to it, and nowhere else; the output then re-quantizes to the input. The cells are
those of the quantizer that made the image, in the space it worked in:

``"nearest"`` (the paper; k-means, median cut, octree, libimagequant, GIF/PNG palette tools)
    Every colour went to its nearest palette colour by Euclidean distance in RGB (what these tools
    do), or in CIE-Lab when the user says so (``quantizer_space="lab"``): the cells are the Voronoi
    cells of the palette in that space, two cells are adjacent when they share a face (Delaunay
    neighbours, :mod:`.adjacency`), and a region's data term pulls towards its palette colour.
A lattice (``"floor"``, ``"center"``, ``"round"``, ``"replicate"``, :mod:`.lattice`; beyond the paper)
    Every channel was quantized on its own: a colour stands for the box of values its channel codes
    stand for, not for the colours nearest to it (a floor-truncated value is its bin's lower corner,
    half a bin off every true value). The cells are those boxes (integer hulls, so rounding keeps a
    pixel inside), a region's data term pulls towards the box centre, and two boxes are adjacent
    when their codes differ by at most one in every channel. Lattices live in RGB (their own space).

Every cell is convex and stored as half-spaces ``u . x <= o`` (CSR rows per colour) with an anchor
inside it, so one test (:func:`out_of_cell`), one pull along the segment to the anchor
(:func:`pull_into_cells`) and one exact rounding (:func:`settle`) serve every quantizer. A lattice's boxes are
also kept as their bounds (:attr:`Cells.boxes`), which the three use instead: the same half-spaces, tested with the
same floating-point expressions without their zero coefficients, so the results are identical for finite values
(NaN and infinity never reach them: :func:`~.regions.check_image` refuses them), and faster.
"""

from __future__ import annotations

import functools
import warnings
from dataclasses import dataclass

import numba
import numpy as np
from numba.extending import overload

from napari_maliang._shared.threads import run_split

from ._color import M, rgb2lab_pixel
from .adjacency import neighbour_lists, palette_adjacency
from .lattice import Lattice, fit_lattice, recognise_lattice
from .options import QUANTIZER_SPACES, QUANTIZERS

__all__ = [
    "QUANTIZERS",
    "QUANTIZER_SPACES",
    "pillow_keeps",
    "Cells",
    "BoxAdjacency",
    "resolve_lattice",
    "voronoi_cells",
    "lattice_cells",
    "out_of_cell",
    "pull_into_cells",
    "settle",
    "requantization_mask",
]


#: Voronoi faces are shrunk by this share of the palette's span, so a colour on a face (equally near to
#: two palette colours, where quantizers break the tie their own way) counts as outside both cells
TIE_MARGIN = 1e-9

#: Pillow maps a colour to a palette index through a cache of 6 bits per channel: the palette colour
#: nearest to ``c & ~3`` (Palette.c, ImagingPaletteCacheUpdate). 8-bit RGB results are rounded so that
#: both ``c`` and ``c & ~3`` lie in the pixel's cell: they re-quantize exactly and with Pillow alike.
PILLOW_CACHE_MASK = ~3


@dataclass
class Cells:
    """Convex cells of a palette, in the quantizer's space.

    Attributes
    ----------
    quantizer : {"nearest", "floor", "center", "round", "replicate"}
    anchors : (K, C) float64
        A point inside each cell, in the quantizer's space: the palette colour (Voronoi) or the box centre.
    adjacency : (K, K) bool, or :class:`BoxAdjacency` for a lattice (indexed alike)
        Cells that touch: soft edges between their regions (section 2.1).
    indptr, normals, offsets : CSR half-spaces
        ``x`` is inside cell ``i`` iff ``normals[k] . x <= offsets[k]`` for ``indptr[i] <= k < indptr[i+1]``.
    lattice : Lattice or None
        The per-channel quantizers of a lattice palette.
    boxes : tuple of two (K, C) float64 arrays, or None
        A lattice's cells as bounds ``lower <= x <= upper``: the half-spaces ``e_c . x <= upper_c`` and then
        ``-e_c . x <= -lower_c`` of ``indptr, normals, offsets``, in that order.
    """

    quantizer: str
    anchors: np.ndarray
    adjacency: np.ndarray | BoxAdjacency
    indptr: np.ndarray
    normals: np.ndarray
    offsets: np.ndarray
    lattice: Lattice | None = None
    boxes: tuple[np.ndarray, np.ndarray] | None = None

    @property
    def geometry(self) -> tuple[np.ndarray, ...]:
        """What the cell tests take: :attr:`boxes` where there are, else ``(indptr, normals, offsets)``."""
        return (self.indptr, self.normals, self.offsets) if self.boxes is None else self.boxes

    def describe(self) -> str:
        """What the user is told: the recognised quantizer in words."""
        if self.lattice is None:
            return "nearest palette colour"
        return self.lattice.describe()


def resolve_lattice(palette, quantizer: str, dtype) -> Lattice | None:
    """The lattice the cells follow under the ``quantizer`` option, or None for nearest-colour cells.

    ``"auto"`` recognises a lattice (:func:`~.lattice.recognise_lattice`); a lattice kind the palette does
    not fit gives a ``UserWarning`` saying what was recognised instead, and that is used.
    """
    if quantizer not in QUANTIZERS:
        raise ValueError(f"quantizer must be one of {QUANTIZERS}, got {quantizer!r}")
    if quantizer == "nearest":
        return None
    recognised = recognise_lattice(palette, dtype)
    if quantizer == "auto" or (recognised is not None and recognised.kind == quantizer):
        return recognised
    given = fit_lattice(quantizer, palette, dtype)
    if given is not None:
        return given
    instead = "nearest palette colour" if recognised is None else recognised.describe()
    warnings.warn(
        f"the palette is not a {quantizer} lattice (its values do not sit on the levels of any '{quantizer}' "
        f"quantizer dropping 2 or more bits); using what it is instead: {instead}",
        UserWarning,
        stacklevel=3,
    )
    return recognised


def voronoi_cells(palette_q: np.ndarray) -> Cells:
    """Voronoi cells of the palette (in the quantizer's space): a half-space per Delaunay neighbour."""
    adjacency = palette_adjacency(palette_q)
    indptr, nbrs = neighbour_lists(adjacency)
    rows = np.repeat(np.arange(palette_q.shape[0]), np.diff(indptr))
    ci, cj = palette_q[rows], palette_q[nbrs]
    u = cj - ci
    u = u / np.linalg.norm(u, axis=1)[:, None]
    span = float(np.ptp(palette_q, axis=0).max()) if palette_q.shape[0] > 1 else 1.0
    offsets = np.einsum("kc,kc->k", 0.5 * (ci + cj), u) - TIE_MARGIN * span
    return Cells("nearest", palette_q, adjacency, indptr, np.ascontiguousarray(u), np.ascontiguousarray(offsets))


@dataclass(frozen=True)
class BoxAdjacency:
    """Which boxes of a lattice touch: their lattice codes differ by at most 1 in every channel (faces, edges,
    corners), a box not touching itself. Indexed like a (K, K) bool matrix, ``adjacency[a, b]``, without one:
    RGB565 images have up to 65536 colours, and a dense matrix of them would take 4 GiB (copied by every
    classification before 2026-12-07)."""

    codes: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        return (len(self.codes), len(self.codes))

    def __getitem__(self, pair) -> np.ndarray:
        a, b = pair
        touch = np.asarray(a) != np.asarray(b)
        for code in self.codes.T:  # channel by channel: 1-D gathers, much faster than one reduction over (M, C)
            touch &= np.abs(code[a] - code[b]) <= 1
        return touch


def lattice_cells(palette: np.ndarray, lattice: Lattice) -> Cells:
    """Boxes ``lower <= x <= upper`` of the lattice (two half-spaces per channel), anchored at their centres."""
    lower, upper, codes = lattice.cell_bounds(palette)
    k, nc = lower.shape
    eye = np.eye(nc)
    normals = np.tile(np.concatenate([eye, -eye]), (k, 1))
    offsets = np.concatenate([upper, -lower], axis=1).ravel().astype(np.float64)
    indptr = np.arange(k + 1, dtype=np.int64) * 2 * nc
    adjacency = BoxAdjacency(np.asfortranarray(codes, np.int32))
    boxes = tuple(np.ascontiguousarray(bound, np.float64) for bound in (lower, upper))
    return Cells(lattice.kind, 0.5 * (lower + upper), adjacency, indptr, normals, offsets, lattice, boxes)


@numba.njit(cache=True, nogil=True)
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


@numba.njit(cache=True, nogil=True)
def _out_of_box(x, idx, lower, upper, margin, out):
    """:func:`_out_of_cell` for boxes: each face's ``(margin - o) + x . u`` with the zero terms of ``u`` left out
    (adding them changes nothing for a finite ``x``)."""
    n, nc = x.shape
    for p in range(n):
        i = idx[p]
        bad = False
        for c in range(nc):
            if (margin - upper[i, c]) + x[p, c] > 0.0 or (margin + lower[i, c]) - x[p, c] > 0.0:
                bad = True
                break
        out[p] = bad


@numba.njit(cache=True, inline="always")
def _move_towards(x, p, anchor, t):
    """Pixel ``p`` of ``x`` moved to ``anchor + t (x - anchor)`` where ``t < 1`` (``t`` clipped at 0)."""
    if t < 1.0:
        t = max(t, 0.0)
        for c in range(x.shape[1]):
            x[p, c] = anchor[c] + t * (x[p, c] - anchor[c])


@numba.njit(cache=True, nogil=True)
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
        _move_towards(x, p, anchors[i], t)


@numba.njit(cache=True, nogil=True)
def _pull_box(x, idx, anchors, lower, upper, margin):
    """:func:`_pull` for boxes: per face, ``ahead = u . (x - a)`` and ``room = (o - margin) - u . a`` with the zero
    terms of ``u`` left out (for a finite ``x``), the faces in the same order (upper, then lower), so ``t`` is the
    same."""
    n, nc = x.shape
    for p in range(n):
        i = idx[p]
        t = 1.0
        for face in range(2 * nc):
            c = face % nc
            if face < nc:
                ahead = x[p, c] - anchors[i, c]
                room = (upper[i, c] - margin) - anchors[i, c]
            else:
                ahead = -(x[p, c] - anchors[i, c])
                room = (-lower[i, c] - margin) + anchors[i, c]
            if ahead > 0.0 and room < t * ahead:
                t = room / ahead
        _move_towards(x, p, anchors[i], t)


def out_of_cell(x, indices, cells: Cells, margin: float = 0.0) -> np.ndarray:
    """Boolean (H, W): pixels of ``x`` (H, W, C) not inside their colour's cell (by at least ``margin``)."""
    h, w = indices.shape
    flat = np.ascontiguousarray(x.reshape(h * w, -1))
    if flat.dtype not in (np.float32, np.float64):
        flat = flat.astype(np.float64)
    out = np.empty(h * w, np.bool_)
    idx = indices.ravel().astype(np.int64)
    kernel = _out_of_cell if cells.boxes is None else _out_of_box
    run_split(h * w, lambda lo, hi: kernel(flat[lo:hi], idx[lo:hi], *cells.geometry, float(margin), out[lo:hi]))
    return out.reshape(h, w)


def pull_into_cells(x, indices, cells: Cells, margin: float) -> np.ndarray:
    """Move every pixel outside (or within ``margin`` of the border of) its cell towards the cell's anchor."""
    h, w = indices.shape
    flat = np.array(x.reshape(h * w, -1), dtype=np.float64)  # a copy: the pull works in place
    idx = indices.ravel().astype(np.int64)
    anchors = np.ascontiguousarray(cells.anchors, np.float64)
    kernel = _pull if cells.boxes is None else _pull_box
    run_split(h * w, lambda lo, hi: kernel(flat[lo:hi], idx[lo:hi], anchors, *cells.geometry, float(margin)))
    return flat.reshape(x.shape)


@numba.njit(cache=True, inline="always")
def _inside(q, i, indptr, normals, offsets, nc):
    for k in range(indptr[i], indptr[i + 1]):
        g = -offsets[k]
        for c in range(nc):
            g += q[c] * normals[k, c]
        if g > 0.0:
            return False
    return True


@numba.njit(cache=True, inline="always")
def _inside_box(q, i, lower, upper, nc):
    """:func:`_inside` for a box: ``-o + q . u > 0`` is ``q_c > upper_c`` or ``q_c < lower_c``, exactly (for finite
    ``q``)."""
    for c in range(nc):
        if q[c] > upper[i, c] or q[c] < lower[i, c]:
            return False
    return True


def _inside_cell(q, i, cell, nc):
    """Whether ``q`` lies in cell ``i``, for ``cell`` either :attr:`Cells.boxes` or ``(indptr, normals, offsets)``
    (this body runs only with numba's JIT off; compiled, :func:`_inside_cell_for` picks the test)."""
    if len(cell) == 2:
        return _inside_box(q, i, cell[0], cell[1], nc)
    return _inside(q, i, cell[0], cell[1], cell[2], nc)


@overload(_inside_cell)
def _inside_cell_for(q, i, cell, nc):
    # chosen by the tuple's length when numba types the call: the kernels stay module-level functions, which numba
    # caches across processes (a closure over a compiled function would be compiled again in every process)
    if len(cell) == 2:
        return lambda q, i, cell, nc: _inside_box(q, i, cell[0], cell[1], nc)
    return lambda q, i, cell, nc: _inside(q, i, cell[0], cell[1], cell[2], nc)


@numba.njit(cache=True, inline="always")
def _accepts(c, i, q, rgb, cell, lab, scale, pillow, nc):
    """True when the output colour ``c`` re-quantizes to ``i`` (and so does Pillow's ``c & ~3``).

    ``q`` and ``rgb`` are scratch arrays of the caller (no allocation per colour tried).
    """
    if lab:
        for ch in range(3):
            rgb[ch] = c[ch] / scale
        rgb2lab_pixel(rgb, M, q)
        if not _inside_cell(q, i, cell, nc):
            return False
    elif not _inside_cell(c, i, cell, nc):
        return False
    if pillow:
        for ch in range(nc):
            q[ch] = float(int(c[ch]) & PILLOW_CACHE_MASK)
        return _inside_cell(q, i, cell, nc)
    return True


@functools.cache
def _settle_kernel(nc: int):
    """The per-pixel rounding of :func:`settle` compiled for ``nc`` channels: a compile-time count unrolls
    the channel loops (1.2-1.8x faster on 1 MP RGB, timed on a shared machine). ``cell`` is :attr:`Cells.boxes` or
    ``(indptr, normals, offsets)``; numba caches each variant (watching this file only: after editing
    :mod:`._color`, which it calls, clear the cache)."""

    @numba.njit(cache=True, nogil=True)
    def kernel(y, idx, anchors, cell, lab, scale, integer, clamp, pillow, search, out):
        c = np.empty(nc)
        q = np.empty(nc)
        rgb = np.empty(nc)
        yp = np.empty(nc)
        base = np.empty(nc)
        for p in range(y.shape[0]):
            i = idx[p]
            for ch in range(nc):  # colours of an integer image live in its value range: so does everything tried
                yp[ch] = min(max(y[p, ch], 0.0), scale) if clamp else y[p, ch]
                base[ch] = np.rint(yp[ch])
            found = False
            for s in range(search.shape[0] if integer else 1):  # the nearest integer colours first
                for ch in range(nc):
                    c[ch] = min(max(base[ch] + search[s, ch], 0.0), scale) if integer else yp[ch]
                if _accepts(c, i, q, rgb, cell, lab, scale, pillow[i], nc):
                    found = True
                    break
            t = 0.5
            while not found and t > 1e-3:  # then along the segment to the palette colour (inside the range)
                for ch in range(nc):
                    v = anchors[i, ch] + t * (yp[ch] - anchors[i, ch])
                    c[ch] = np.rint(v) if integer else v
                found = _accepts(c, i, q, rgb, cell, lab, scale, pillow[i], nc)
                t *= 0.5
            for ch in range(nc):
                out[p, ch] = c[ch] if found else anchors[i, ch]

    return kernel


def _search_offsets(nc: int, radius: int = 2) -> np.ndarray:
    """Integer offsets within ``radius`` per channel, nearest first (the zero offset first)."""
    grid = np.stack(np.meshgrid(*[np.arange(-radius, radius + 1)] * nc, indexing="ij"), -1).reshape(-1, nc)
    return np.ascontiguousarray(grid[np.argsort((grid**2).sum(1), kind="stable")], np.float64)


def settle(y, indices, cells: Cells, palette, *, scale: float, integer: bool, clamp: bool = True, lab: bool = False,
           pillow: bool = False) -> np.ndarray:
    """Output colours ``y`` (H, W, C, input values) -> colours that re-quantize to their palette colour.

    With ``integer`` every pixel becomes the nearest integer colour (searched among the 5^C integer
    colours around it) that lies in its cell -- and, with ``pillow``, whose ``c & ~3`` does too, for the
    colours whose own ``palette & ~3`` does (:func:`pillow_keeps`; Pillow maps every other colour's pixels
    elsewhere in the quantized input already, and forcing theirs would move a whole flat region off its
    colour by a level);
    without, a pixel outside its cell moves along the segment to its palette colour until inside.
    ``clamp`` (always on with ``integer``) keeps every colour in ``[0, scale]``, the range of an integer image.
    ``lab``: the cells are in CIE-Lab (``y / scale`` is sRGB). A pixel that finds no such colour gets
    its palette colour, which is always inside (only possible on a degenerate, clipped cell).
    """
    h, w = indices.shape
    flat = np.ascontiguousarray(y.reshape(h * w, -1), dtype=np.float64)
    out = np.empty_like(flat)
    idx = indices.ravel().astype(np.int64)
    palette = np.ascontiguousarray(palette, np.float64)
    by_pillow = pillow_keeps(palette, cells) if pillow else np.zeros(palette.shape[0], np.bool_)
    rest = (palette, cells.geometry, bool(lab), float(scale), bool(integer), bool(clamp or integer), by_pillow,
            _search_offsets(flat.shape[1]))
    kernel = _settle_kernel(flat.shape[1])
    run_split(flat.shape[0], lambda lo, hi: kernel(flat[lo:hi], idx[lo:hi], *rest, out[lo:hi]))
    return out.reshape(y.shape)


def pillow_keeps(palette, cells: Cells) -> np.ndarray:
    """bool ``(K,)``: the palette colours that Pillow's palette mapping gives back to their own pixels (their
    ``c & ~3``, :data:`PILLOW_CACHE_MASK`, lies in their own cell)."""
    cached = (np.asarray(palette).astype(np.int64) & PILLOW_CACHE_MASK).astype(np.float64)
    return np.array([_inside(cached[i], i, cells.indptr, cells.normals, cells.offsets, cached.shape[1])
                     for i in range(cached.shape[0])], np.bool_)


def requantization_mask(result, quantized, *, quantizer: str = "auto", quantizer_space: str = "rgb") -> np.ndarray:
    """Boolean (H, W): True where ``result`` re-quantizes to ``quantized``.

    The quantizer is the one :func:`~napari_maliang.dequantize.dequantize` assumes with the same
    ``quantizer`` option: the lattice's own rule for a lattice palette (:mod:`.lattice`), else the
    nearest colour of the palette of ``quantized`` (KD-tree), measured in ``quantizer_space`` ("rgb":
    the values themselves; "lab": CIE-Lab of RGB images).

    References
    ----------
    .. [1] T. Kim, J. Ahn, M. G. Choi, "Image Dequantization: Restoration of Quantized Colors", Computer Graphics Forum 26(3) (Eurographics 2007), section 2.3 (every pixel stays in its colour's cell).
    """
    from scipy.spatial import cKDTree

    from ._color import rgb2lab
    from .regions import check_image, index_image, value_scale

    if quantizer_space not in QUANTIZER_SPACES:
        raise ValueError(f"quantizer_space must be one of {QUANTIZER_SPACES}, got {quantizer_space!r}")
    q, _ = check_image(quantized)
    r = np.asarray(result)
    if r.ndim == 3 and r.shape[-1] == 4:
        r = r[..., :3]
    indexed = index_image(q, max_colors=None)
    h, w = indexed.indices.shape
    pal = indexed.palette
    flat = r.reshape(h * w, -1).astype(np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a contradicting quantizer was warned about where it was used
        lattice = resolve_lattice(pal, quantizer, q.dtype)
    if lattice is not None:
        target = q.reshape(h * w, -1)
        return (lattice.requantize(flat) == target).all(axis=1).reshape(h, w)
    pal = pal.astype(np.float64)
    if quantizer_space == "lab" and pal.shape[1] == 3:
        scale = value_scale(q)
        pal = rgb2lab(pal / scale)
        flat = rgb2lab(flat / scale)
    _, nearest = cKDTree(pal).query(flat)
    return (nearest == indexed.indices.ravel()).reshape(h, w)
