"""Adaptive rectangular subdivision: where the photo mode stores its pixels (R-EED, issue #17).

The encoder of R-EED (Schmaltz, Peter, Mainberger, Ebel, Weickert & Bruhn, IJCV 2014, section 3; after
Galic et al. 2008) starts from the whole image, stores the four corners and the centre of a rectangle, and
splits the rectangle in the middle of its longer side while its inpainting error exceeds a threshold
``a * l**d`` (``l`` the rectangle's diagonal); the tree of split decisions (one bit per rectangle that can still
be split) and the quantised values of the stored pixels make the file. The walk and the geometry are in
:mod:`._subdivision_numba`. The exponent ``d`` is negative by default (-1): a threshold that grows as the
rectangles shrink stops the split cascades that ``d >= 0`` runs into on textured photos (with ``d = 0`` a
128x128 camera reaches no rate between 0.007 and 0.76 bpp: once the root splits, nearly everything does), so
the rate control (bisection on ``a``) reaches every rate.

The error of a rectangle is estimated locally and cheaply (each tree level touches every pixel once): the
rectangle rebuilt from its own five pixels, bilinear between the corners plus a bilinear tent through the
centre's residual. It stands in for R-EED's local EED inpainting of the rectangle; the decoder inpaints the
whole image by EED (:mod:`.eed`) from all stored pixels.

Rates: :func:`code_bits` estimates the ideal adaptive code length ``-sum log2 p`` of the split flags
(Krichevsky-Trofimov counts per tree depth) and of the quantised values in the tree model (adaptive KT counts
over the ``q`` levels per context); :func:`encode_points` codes the tree and the values for real with the
project's binary range coder (:mod:`._edge_numba`; the values binarised along a binary tree with one context
per node and model context), within 2 % of the estimate, and :func:`decode_points` walks the tree while
decoding it. :func:`encode_plane` / :func:`decode_plane` code both in one stream (the model the encoder
writes; the byte searches measure its real size).

Value models (what the values' contexts are): :data:`MIXED` (files since 2026-12-06, evening) is the interleaved
stream below with each binary decision's probability mixed from several contexts, as context-mixing compressors
do (lpaq, PAQ; Mahoney 2005): the KT estimates of the decision in each context are stretched (``ln p/(1-p)``),
weighted by a logistic mixer that learns online (one weight vector per node of a level's binary tree, per depth
for the flags), and squashed back; all in integers (``_subdivision_numba._squash``), so that every machine
decodes the same bits. A level's contexts: the tree model's, the predictors' mean on half levels, the rounded
mean with their range and the distance to the first predictor, the half-level mean with a finer range, one for
all; a flag's: the interleaved model's, a finer corner range, whether its sibling was split, the corners' twist.
The mixers start as the interleaved model alone. On the fast setting's luma planes of codec photo sets 16 (0.1
bpp) and 17 (0.2 bpp), seen photos, the streams are 4.2 % shorter (values alone 3.4 %); the whole camera at 0.1
bpp 7.0 %. :data:`INTERLEAVED` (files since 2026-12-05, late, until 2026-12-06 evening) codes each
rectangle's split flag and then the levels of the pixels it adds, in one stream in the walk's order: the flag
in the context of its depth, of the range of the rectangle's four corner levels (known to the decoder by then)
and of the last flag at its depth, the levels as in the tree model, with range classes in planes of at least
:data:`RANGE_CLASSES_MIN_FLAGS` flags (:func:`interleaved_range_classes`). On the fast setting's planes of
codec photo sets 3 and 5 (seen photos) the luma's flags are 15 % shorter than with depth contexts alone, the
chroma's 4 %. :data:`TREE` (files of 2026-12-05 evening) codes the tree first, then the stored pixels coarse to
fine, in the order the tree's walk meets them, each in the context of its level predicted from the corners of
the rectangle side or the rectangle that it halves or centres (their mean) and, in planes of at least
:data:`RANGE_CLASSES_MIN_POINTS` stored pixels, of those corners' range (:func:`range_classes`,
:func:`tree_contexts`): on the same planes the values' code is 4.5 / 6.3 % shorter than in the raster model for
the luma at 0.1 / 0.2 bpp, 0.8 / 1.9 % for the sparse chroma planes, where the range classes would cost more to
learn than they save (+4 / +0.7 %). :data:`RASTER` (files of 2026-12-05) codes them in raster order in the
context of the level predicted from the previous stored pixel of the row and of the column; :data:`ORDER0`
(before) in one context. The ``.mlg`` sections around them: :mod:`.photo`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np

#: header of a photo-mode section in the estimate (shape, q, value range, parameters)
HEADER_BITS = 96
#: value models (module docstring)
ORDER0, RASTER, TREE, INTERLEAVED, MIXED = 0, 1, 2, 3, 4
#: classes of the predictors' range in the tree model's contexts (0, 1, 2, 3 or more levels) ...
RANGE_CLASSES = 4
#: ... in planes of at least this many stored pixels; one class in sparser ones (chroma: 700-1700 pixels at
#: 0.1-0.2 bpp, luma 6000-18000: any threshold between gave the same sizes on the seen photos; a 128 x 160
#: camera crop with 2400 stored pixels is coded 1 % longer with the range classes)
RANGE_CLASSES_MIN_POINTS = 4096


#: the interleaved model's rule instead (the decoder knows the flags' count, not yet the pixels'): luma planes
#: have 5000-8000 flags at 0.1 bpp, chroma planes 600-1500, the camera crop above 2000
RANGE_CLASSES_MIN_FLAGS = 3072


def range_classes(points: int) -> int:
    """The tree model's classes of the predictors' range for a plane of ``points`` stored pixels."""
    return RANGE_CLASSES if points >= RANGE_CLASSES_MIN_POINTS else 1


def interleaved_range_classes(n_flags: int) -> int:
    """The interleaved model's classes of the predictors' range for a plane of ``n_flags`` split flags."""
    return RANGE_CLASSES if n_flags >= RANGE_CLASSES_MIN_FLAGS else 1


@dataclass
class Subdivision:
    """The tree and the stored pixels of one encoding."""

    flags: np.ndarray  # uint8, one per splittable rectangle, pre-order
    depths: np.ndarray  # int64, the depth of each flag
    mask: np.ndarray  # bool (H, W), the stored pixels
    order: np.ndarray  # int32 (n, 5), the stored pixels in the tree model's order with their predictors


_NO_FLAGS = np.zeros(0, np.uint8)
_NO_BYTES = np.zeros(0, np.uint8)
_NO_IMAGE = np.zeros((1, 1))
_NO_LEVELS = np.zeros(0, np.int64)
_NO_MIX = np.zeros(0, np.int64)


def _max_flags(shape) -> int:
    return 2 * shape[0] * shape[1] + 16  # a binary tree over at most H*W leaves


def _shape(shape) -> tuple[int, int]:
    H, W = (int(s) for s in shape)
    if H < 1 or W < 1:
        raise ValueError(f"image shape must be positive, got {shape}")
    return H, W


def subdivide(f: np.ndarray, a: float, d: float = -1.0) -> Subdivision:
    """Split rectangles of the gray image ``f`` while the estimated MSE exceeds ``a * l**d`` (module docstring).

    Parameters
    ----------
    f : ndarray
        ``(H, W)`` gray image (float or integer), H, W >= 1.
    a, d : float
        Threshold ``a * l**d`` on the mean squared error of a rectangle, ``l`` its diagonal in pixels; a larger
        ``a`` stores fewer pixels.
    """
    from ._subdivision_numba import DECIDE, traverse

    g = np.ascontiguousarray(f, dtype=np.float64)
    if g.ndim != 2 or g.size == 0:
        raise ValueError(f"subdivide needs a non-empty 2-D gray image, got shape {g.shape}")
    if not (np.isfinite(a) and a >= 0 and np.isfinite(d)):
        raise ValueError(f"need a finite threshold a >= 0 and exponent d (got a={a}, d={d})")
    H, W = g.shape
    flags, n, mask, depths, order, _ = traverse(
        H, W, DECIDE, _NO_FLAGS, _NO_BYTES, g, float(a), float(d), _max_flags(g.shape), _NO_LEVELS, 2, 1, _NO_MIX, -1
    )
    return Subdivision(flags[:n].copy(), depths[:n].copy(), mask, order)


def read_tree(flags: np.ndarray, shape) -> Subdivision:
    """The decoder's side: the :class:`Subdivision` (stored pixels, the flags' depths, the tree model's order)
    that the split flags describe over ``shape``.

    Raises ``ValueError`` when the flags do not describe exactly one tree over ``shape``.
    """
    from ._subdivision_numba import READ, traverse

    H, W = _shape(shape)
    fl = np.ascontiguousarray(flags, dtype=np.uint8)
    _, n, mask, depths, order, _ = traverse(H, W, READ, fl, _NO_BYTES, _NO_IMAGE, 0.0, 0.0, fl.size, _NO_LEVELS, 2, 1, _NO_MIX, -1)
    if n != fl.size:
        raise ValueError(f"corrupt subdivision tree: {fl.size} flags given, the tree uses {'more' if n < 0 else n}")
    return Subdivision(fl, depths, mask, order)


def level_values(q: int, lo: float, hi: float, gamma: float = 1.0) -> np.ndarray:
    """The ``q`` level values ``lo + (hi - lo) (k / (q - 1))**gamma``: uniform for ``gamma = 1``, denser towards
    ``lo`` for ``gamma > 1`` (a power-law companding chosen per image by the photo encoder)."""
    if gamma == 1:
        return lo + np.arange(q, dtype=float) * ((hi - lo) / (q - 1))
    return lo + (hi - lo) * (np.arange(q) / (q - 1)) ** gamma


def quantise(values: np.ndarray, q: int, lo: float, hi: float, gamma: float = 1.0) -> np.ndarray:
    """Quantisation of ``values`` to the nearest of the :func:`level_values`; returns the level ``k``."""
    if q < 2 or not hi >= lo or not gamma > 0:
        raise ValueError(f"need q >= 2, hi >= lo and gamma > 0 (got q={q}, lo={lo}, hi={hi}, gamma={gamma})")
    v = np.asarray(values, float)
    if gamma == 1:
        step = (hi - lo) / (q - 1) or 1.0
        return np.clip(np.rint((v - lo) / step), 0, q - 1).astype(np.int64)
    t = level_values(q, lo, hi, gamma)
    return np.searchsorted(0.5 * (t[1:] + t[:-1]), v).astype(np.int64)


def dequantise(k: np.ndarray, q: int, lo: float, hi: float, gamma: float = 1.0) -> np.ndarray:
    """Inverse of :func:`quantise` (the level values)."""
    return level_values(q, lo, hi, gamma)[np.asarray(k, np.int64)]


def adaptive_bits(symbols: np.ndarray, contexts: np.ndarray, n_symbols: int) -> float:
    """Ideal code length in bits of ``symbols`` under adaptive Krichevsky-Trofimov counts per context:
    ``p = (n_seen(context, symbol) + 1/2) / (n_seen(context) + n_symbols / 2)``, counts updated after each."""
    s = np.asarray(symbols, np.int64)
    c = np.asarray(contexts, np.int64)
    if s.size == 0:
        return 0.0

    def seen_before(key):
        # for each position: how many earlier positions share its key
        order = np.argsort(key, kind="stable")
        k = key[order]
        start = np.r_[0, np.flatnonzero(np.diff(k)) + 1]
        run = np.repeat(start, np.diff(np.r_[start, k.size]))
        out = np.empty(key.size, np.int64)
        out[order] = np.arange(key.size) - run
        return out

    n_sym = seen_before(c * n_symbols + s)
    n_ctx = seen_before(c)
    return float(-np.log2((n_sym + 0.5) / (n_ctx + 0.5 * n_symbols)).sum())


@dataclass
class PointCode:
    """A subdivision with its quantised values and the estimated size."""

    sub: Subdivision
    levels: np.ndarray  # int64, the quantised values in raster order of the mask
    q: int
    lo: float
    hi: float
    d: float = -1.0  # the exponent of the split threshold a * l**d that made ``sub`` (the encoder's; not stored)
    gamma: float = 1.0  # the levels' companding (:func:`level_values`)

    @cached_property
    def bits(self) -> float:
        """Header + tree + values, estimated (:func:`code_bits`; computed when asked: searches that measure the
        coded size instead never pay for it)."""
        return code_bits(self.sub, self.levels, self.q)

    def image(self, shape) -> np.ndarray:
        """The stored pixels' dequantised values on an otherwise zero image (for the inpainting)."""
        out = np.zeros(shape)
        out[self.sub.mask] = dequantise(self.levels, self.q, self.lo, self.hi, self.gamma)
        return out

    def with_tree(self, sub: Subdivision, f: np.ndarray) -> PointCode:
        """The code of the tree ``sub``, its stored pixels quantised from the image ``f`` as in this code (same
        ``q``, range, ``gamma`` and ``d``)."""
        levels = quantise(np.asarray(f, float)[sub.mask], self.q, self.lo, self.hi, self.gamma)
        return replace(self, sub=sub, levels=levels)


def code_points(f: np.ndarray, a: float, d: float = -1.0, q: int = 16, gamma: float = 1.0) -> PointCode:
    """Subdivide the gray image ``f`` with threshold ``a * l**d`` and quantise its stored pixels to ``q`` levels
    (companding ``gamma``) over the image's range; estimate the size (module docstring)."""
    sub = subdivide(f, a, d)
    g = np.asarray(f, float)
    lo, hi = float(g.min()), float(g.max())
    levels = quantise(g[sub.mask], q, lo, hi, gamma)
    return PointCode(sub, levels, q, lo, hi, d, gamma)


def _level_image(mask: np.ndarray, levels: np.ndarray) -> np.ndarray:
    """The ``levels`` (raster order of ``mask``) on the flat image of ``mask``'s size, -1 where none is stored:
    what the tree and interleaved models' coders index by flat pixel."""
    image = np.full(mask.size, -1, np.int64)
    image[np.flatnonzero(mask)] = levels
    return image


def tree_contexts(sub: Subdivision, levels: np.ndarray, q: int) -> tuple[np.ndarray, np.ndarray]:
    """The tree model's symbols and contexts: the levels (``levels`` in raster order of ``sub.mask``) in the
    tree's coding order, and each one's context, its level predicted from its predictors (their mean rounded
    half up, ``q // 2`` without any) times the plane's :func:`range_classes` plus their range capped below it;
    the vectorised twin of the coder's ``_subdivision_numba._tree_context``."""
    image = _level_image(sub.mask, levels)
    pred = sub.order[:, 1:]
    known = pred >= 0
    values = np.where(known, image[np.maximum(pred, 0)], 0)
    return image[sub.order[:, 0]], _value_contexts(values, known, q, range_classes(len(sub.order)))


def _value_contexts(values: np.ndarray, known: np.ndarray, q: int, classes: int) -> np.ndarray:
    """The tree model's contexts from each row's predictor levels ``values`` (0 where ``known`` is false): their
    mean rounded half up (``q // 2`` without any) times ``classes``, plus their range capped below it."""
    count = known.sum(1)
    mean = np.where(count > 0, (2 * np.where(known, values, 0).sum(1) + count) // (2 * np.maximum(count, 1)), q // 2)
    spread = np.where(known, values, -1).max(1) - np.where(known, values, q).min(1)
    return mean * classes + np.where(count > 0, np.minimum(spread, classes - 1), 0)


class MoveBits:
    """The change of a plane's coded length, in bits, when stored levels move by one step each: what the levels'
    descent weighs against a move's gain (:func:`.tonal.descend_levels`).

    Estimated in the interleaved model's value contexts (:func:`tree_contexts`, the classes of
    :func:`interleaved_range_classes`) with the counts of the levels as they are, i.e. the static two-pass cost
    ``-log2 p(level | context)`` that the adaptive coder approaches. A move changes the cost of its own level and
    the contexts of the pixels that it predicts, later in the walk (both counted, each move on its own); its effect
    on the split flags' contexts (the range of a rectangle's corner levels) is left out.
    """

    def __init__(self, sub: Subdivision, q: int):
        index = np.full(sub.mask.size, -1, np.int64)  # flat pixel -> its value's place in raster order of the mask
        index[np.flatnonzero(sub.mask)] = np.arange(np.count_nonzero(sub.mask))
        pred = sub.order[:, 1:]
        self.known = pred >= 0
        self.row = index[sub.order[:, 0]]
        self.pred = np.where(self.known, index[np.maximum(pred, 0)], 0)
        self.q, self.classes = int(q), interleaved_range_classes(sub.flags.size)

    def __call__(self, levels: np.ndarray, steps: np.ndarray) -> np.ndarray:
        """Bits added to the code by moving each level (raster order of the mask) by its ``steps`` (-1, 0 or 1,
        keeping it in ``0 .. q - 1``), each move alone; negative where a move shortens the code."""
        q, classes, known, n = self.q, self.classes, self.known, len(levels)
        symbols = levels[self.row]
        values = np.where(known, levels[self.pred], 0)
        contexts = _value_contexts(values, known, q, classes)
        counts = np.bincount(contexts * q + symbols, minlength=q * q * classes).reshape(q * classes, q)
        cost = -np.log2((counts + 0.5) / (counts.sum(1, keepdims=True) + 0.5 * q))
        now = cost[contexts, symbols]
        delta = np.zeros(n)
        delta[self.row] = cost[contexts, symbols + steps[self.row]] - now
        for t in range(known.shape[1]):  # the rows that this predictor slot's moved level predicts
            moved = values.copy()
            moved[:, t] += np.where(known[:, t], steps[self.pred[:, t]], 0)
            change = cost[_value_contexts(moved, known, q, classes), symbols] - now
            delta += np.bincount(self.pred[known[:, t], t], weights=change[known[:, t]], minlength=n)
        return delta


def code_bits(sub: Subdivision, levels: np.ndarray, q: int) -> float:
    """Estimated size in bits: header, the flags (KT per depth, depths over 31 share a context), the values
    (KT per context of the tree model, :func:`tree_contexts`)."""
    flags = adaptive_bits(sub.flags, np.minimum(sub.depths, 31), 2)
    return HEADER_BITS + flags + adaptive_bits(*tree_contexts(sub, levels, q), q)


def code_within(
    f: np.ndarray, fits, d: float = -1.0, q: int = 16, iterations: int = 24, gamma: float = 1.0
) -> PointCode:
    """The :func:`code_points` with the smallest threshold ``a`` (most pixels) for which ``fits(code)`` holds
    (bisection on ``log10 a`` in [-6, 12]); ``ValueError`` when even the root rectangle does not fit."""
    g = np.asarray(f, float)
    lo, hi = -6.0, 12.0  # log10 a
    best = code_points(g, 10.0**hi, d, q, gamma)
    if not fits(best):
        raise ValueError(f"the smallest photo-mode code ({best.bits / g.size:.4f} bpp estimated) does not fit")
    for _ in range(iterations):
        mid = 0.5 * (lo + hi)
        c = code_points(g, 10.0**mid, d, q, gamma)
        if fits(c):
            best, hi = c, mid
        else:
            lo = mid
    return best


def summed_area(error: np.ndarray) -> np.ndarray:
    """The ``(H + 1, W + 1)`` summed-area table of the ``(H, W)`` image ``error``: ``table[y, x]`` is the sum of
    ``error[:y, :x]``, so any rectangle's sum is four lookups (what :func:`refine` needs)."""
    return np.pad(np.asarray(error, float).cumsum(0).cumsum(1), ((1, 0), (1, 0)))


def refine(f: np.ndarray, code: PointCode, integral: np.ndarray, t: float) -> PointCode:
    """``code``'s tree with every leaf split once whose summed error exceeds ``t`` (``integral``: the
    :func:`summed_area` table of an error image), its stored pixels quantised from ``f`` as in ``code``
    (:meth:`PointCode.with_tree`)."""
    from ._subdivision_numba import REFINE, traverse

    g = np.asarray(f, float)
    H, W = g.shape
    fl = np.ascontiguousarray(code.sub.flags, np.uint8)
    table = np.ascontiguousarray(integral, np.float64)
    if table.shape != (H + 1, W + 1):
        raise ValueError(f"need a {(H + 1, W + 1)} summed-area table for a {g.shape} image, got {table.shape}")
    flags, n, mask, depths, order, _ = traverse(
        H, W, REFINE, fl, _NO_BYTES, table, float(t), 0.0, _max_flags(g.shape), _NO_LEVELS, 2, 1, _NO_MIX, -1
    )
    if n < 0:
        raise ValueError("the tree to refine does not cover this image")
    return code.with_tree(Subdivision(flags[:n].copy(), depths[:n].copy(), mask, order), g)


def refine_within(f: np.ndarray, code: PointCode, error: np.ndarray, fits, iterations: int = 17) -> PointCode:
    """The :func:`refine` of ``code`` by the error image ``error`` (e.g. the squared error of its decoded
    image) that splits the most leaves, those of largest summed error first, while ``fits(code)`` holds
    (bisection on the threshold's logarithm over eight decades below the total error); ``code`` when no split
    fits or the error is zero. The subdivision's five-pixel estimate does not see where the decoder's
    inpainting fails (docs/codec.md, "Photo mode"); this spends the last bytes there."""
    g = np.asarray(f, float)
    table = summed_area(error)
    total = float(table[-1, -1])
    if not total > 0:
        return code
    lo, hi = np.log10(total) - 8.0, np.log10(total)  # hi: no leaf's sum exceeds the total
    best = code
    for _ in range(iterations):
        mid = 0.5 * (lo + hi)
        c = refine(g, code, table, 10.0**mid)  # checks that the table matches the image
        if fits(c):
            best, hi = c, mid
        else:
            lo = mid
    return best


def rect_keys(rects: np.ndarray, shape) -> np.ndarray:
    """One int64 key per inclusive rectangle ``y0, y1, x0, x1`` (rows of ``rects``) of an image of ``shape``:
    its first and last pixels' flat indices (a tree's rectangles are told apart by them)."""
    H, W = _shape(shape)
    y0, y1, x0, x1 = np.asarray(rects, np.int64).reshape(-1, 4).T
    return (y0 * W + x0) * (H * W) + (y1 * W + x1)


def last_splits(sub: Subdivision) -> np.ndarray:
    """The rectangles ``(n, 4)``, rows ``y0, y1, x0, x1``, whose split gave two leaves: the splits that can be
    undone one by one without touching any other (:func:`merge`)."""
    from ._subdivision_numba import tree_nodes

    fl = np.ascontiguousarray(sub.flags, np.uint8)
    _, rects, parents = tree_nodes(*sub.mask.shape, fl, _NO_LEVELS, False, fl.size)
    split = fl == 1
    has_split_half = np.zeros(fl.size, bool)  # a half without a flag (too small to split) is a leaf
    has_split_half[parents[split & (parents >= 0)]] = True
    return rects[split & ~has_split_half]


def merge(f: np.ndarray, code: PointCode, rects: np.ndarray) -> PointCode:
    """``code``'s tree with the splits of ``rects`` (rows of :func:`last_splits`) undone, each such rectangle a
    leaf; its stored pixels quantised from ``f`` as in ``code`` (:meth:`PointCode.with_tree`)."""
    from ._subdivision_numba import tree_nodes

    shape = code.sub.mask.shape
    fl = np.ascontiguousarray(code.sub.flags, np.uint8)
    _, nodes, _ = tree_nodes(*shape, fl, _NO_LEVELS, False, fl.size)
    kept = np.setdiff1d(rect_keys(nodes[fl == 1], shape), rect_keys(rects, shape))
    flags, _, _ = tree_nodes(*shape, _NO_FLAGS, kept, True, fl.size)
    return code.with_tree(read_tree(flags, shape), f)


def code_at_rate(f: np.ndarray, bpp: float, d: float = -1.0, q: int = 16, iterations: int = 24) -> PointCode:
    """:func:`code_within` an estimated size of ``bpp * H * W`` bits."""
    budget = bpp * np.asarray(f).size
    try:
        return code_within(f, lambda c: c.bits <= budget, d, q, iterations)
    except ValueError:
        raise ValueError(f"{bpp} bpp is below the smallest photo-mode code") from None


def encode_points(code: PointCode, model: int = TREE) -> tuple[bytes, bytes]:
    """The tree and the values of ``code`` range-coded (the models of :func:`code_bits`, really coded):
    ``(tree bytes, value bytes)``; ``model``: the value model (module docstring; the older ones for tests of
    old files). Header fields (shape, ``q``, ``lo``, ``hi``) are the caller's."""
    from ._subdivision_numba import encode_levels, encode_tree, encode_tree_levels

    sub = code.sub
    tree = encode_tree(np.ascontiguousarray(sub.flags, np.uint8), np.ascontiguousarray(sub.depths))
    levels = np.ascontiguousarray(code.levels, np.int64)
    if model == TREE:
        values = encode_tree_levels(_level_image(sub.mask, levels), sub.order, int(code.q), range_classes(len(sub.order)))
    else:
        ys, xs = np.nonzero(sub.mask)
        values = encode_levels(levels, int(code.q), ys, xs, sub.mask.shape[1], model)
    return tree.tobytes(), values.tobytes()


def _check_stream(shape, q: int, n_flags: int) -> tuple[int, int]:
    """``(H, W)`` of a coded plane's ``shape`` after checking its ``q`` and flag count (``ValueError``)."""
    H, W = _shape(shape)
    if not 2 <= q <= 256:  # the section stores q in one byte; the coder's counts grow as q squared
        raise ValueError(f"q must be in 2..256, got {q}")
    if not 0 <= n_flags <= _max_flags((H, W)):
        raise ValueError(f"corrupt subdivision tree: {n_flags} flags for a {H}x{W} image")
    return H, W


def decode_points(
    tree: bytes, values: bytes, shape, q: int, n_flags: int, model: int = TREE
) -> tuple[np.ndarray, np.ndarray]:
    """Inverse of :func:`encode_points`: ``(mask, levels)``, the levels in raster order of the mask.
    ``n_flags`` (stored by the caller) bounds the walk; ``ValueError`` for a tree that needs more flags or
    fewer, or a level ``>= q``."""
    from ._subdivision_numba import DECODE, decode_levels, decode_tree_levels, traverse

    H, W = _check_stream(shape, q, n_flags)
    data = np.frombuffer(tree, np.uint8)
    _, n, mask, _, order, _ = traverse(H, W, DECODE, _NO_FLAGS, data, _NO_IMAGE, 0.0, 0.0, n_flags, _NO_LEVELS, 2, 1, _NO_MIX, -1)
    if n != n_flags:
        raise ValueError(f"corrupt subdivision tree: {n_flags} flags announced, the tree uses {'more' if n < 0 else n}")
    coded = np.frombuffer(values, np.uint8)
    if model == TREE:
        image, ok = decode_tree_levels(coded, order, int(q), range_classes(len(order)), H * W)
        levels = image[np.flatnonzero(mask)]
    else:
        ys, xs = np.nonzero(mask)
        levels, ok = decode_levels(coded, int(q), ys, xs, W, model)
    if not ok:
        raise ValueError(f"corrupt values: a level >= q = {q}")
    return mask, levels


def encode_plane(code: PointCode, model: int = MIXED, limit: int | None = None) -> bytes | None:
    """The interleaved models (:data:`MIXED`, :data:`INTERLEAVED`): the split flags and the levels of ``code`` in
    one range-coded stream, in the walk's order (``_subdivision_numba.traverse``, mode ``ENCODE_PLANE``): each
    rectangle's flag in the context of its depth, of the range of its four corner levels (known by then) and of
    the last flag at its depth, then the levels of the pixels it adds, in the tree model's contexts or mixed
    (module docstring). None when the stream would be longer than ``limit`` bytes (found as soon as it is: what
    the byte searches ask)."""
    from ._subdivision_numba import ENCODE_PLANE, traverse

    sub = code.sub
    H, W = sub.mask.shape
    image = _level_image(sub.mask, code.levels)
    fl = np.ascontiguousarray(sub.flags, np.uint8)
    q, classes = int(code.q), interleaved_range_classes(fl.size)
    _, n, _, _, _, coded = traverse(
        H, W, ENCODE_PLANE, fl, _NO_BYTES, _NO_IMAGE, 0.0, 0.0, fl.size, image, q, classes, _mix(q, classes, model),
        -1 if limit is None else max(int(limit), 0),
    )
    if n == -3 or (limit is not None and len(coded) > limit):
        return None
    if n != fl.size:
        raise ValueError("the flags do not describe one tree over the code's image")
    return coded.tobytes()


def _mix(q: int, classes: int, model: int) -> np.ndarray:
    """The mixed model's table offsets (``_subdivision_numba.mix_tables``), none for the interleaved model."""
    from ._subdivision_numba import mix_tables

    return mix_tables(q, classes) if model == MIXED else _NO_MIX


def decode_plane(stream: bytes, shape, q: int, n_flags: int, model: int = MIXED) -> tuple[np.ndarray, np.ndarray]:
    """Inverse of :func:`encode_plane` (``model`` :data:`MIXED` or :data:`INTERLEAVED`): ``(mask, levels)``, the levels in raster order of the mask;
    ``ValueError`` for a tree that needs more flags or fewer than ``n_flags``, or a level ``>= q``."""
    from ._subdivision_numba import DECODE_PLANE, traverse

    H, W = _check_stream(shape, q, n_flags)
    image = np.full(H * W, -1, np.int64)
    data = np.frombuffer(stream, np.uint8)
    classes = interleaved_range_classes(n_flags)
    _, n, mask, _, _, _ = traverse(
        H, W, DECODE_PLANE, _NO_FLAGS, data, _NO_IMAGE, 0.0, 0.0, n_flags, image, int(q), classes, _mix(int(q), classes, model), -1
    )
    if n == -2:
        raise ValueError(f"corrupt values: a level >= q = {q}")
    if n != n_flags:
        raise ValueError(f"corrupt subdivision tree: {n_flags} flags announced, the tree uses {'more' if n < 0 else n}")
    return mask, image[np.flatnonzero(mask)]
