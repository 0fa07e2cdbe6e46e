"""Numba kernel of the adaptive rectangular subdivision (:mod:`napari_maliang.codec.subdivision`, imported lazily).

One traversal serves the encoder (``decide``: split flags chosen from the image) and the decoder (flags read),
so both walk the same tree: depth first, pre-order, the first half (top or left) before the second; the
encoder's ``refine`` walks a given tree and splits those of its leaves whose decoded error is largest, and
:func:`tree_nodes` lists a tree's rectangles or rebuilds a tree from the set of its split rectangles. A
rectangle is the inclusive pixel range ``[y0, y1] x [x0, x1]``; it is split in the middle of its longer side
(ties: across x), the two halves sharing the middle line, when that side spans at least 2 pixel steps;
otherwise it is a leaf and costs no flag. Every leaf marks its four corners and its centre
``((y0 + y1) // 2, (x0 + x1) // 2)``. The walk also lists the stored pixels in the order the tree model of the
values codes them (:data:`.subdivision.TREE`): the image's corners, then as the walk meets them the two ends of
each split line (predicted from the two corners of the side they halve) and each leaf's centre (predicted from
its four corners), every pixel once.
"""

from __future__ import annotations

import numba
import numpy as np

from ._edge_numba import _MAX_COUNT, _count, _p0, decode_bit, decoder_state, encode_bit, encode_finish, encoder_state
from .subdivision import ORDER0

#: flags at depth 31 and deeper share one context
MAX_DEPTH_CONTEXT = 31
DECIDE, READ, DECODE, REFINE, ENCODE_PLANE, DECODE_PLANE = 0, 1, 2, 3, 4, 5
#: classes of the range of a rectangle's corner levels in the interleaved model's flag contexts
FLAG_RANGE_CLASSES = 4
#: the mixed value model (:data:`.subdivision.MIXED`): its inputs, the learning rate of its mixer (in 1/4096 of
#: the stretched error) and the classes of two of its contexts: the distance to the first predictor (floor log2
#: of the city-block distance, capped) and the predictors' range (capped)
MIX_INPUTS = 5
MIX_RATE = 10
MIX_SCALE_CLASSES = 7
MIX_SPREAD_CLASSES = 8
#: a flag's place among its siblings (the mixed model's flag contexts): the first half (or the root), the second
#: half after a first half flagged 0 or 1, or after one too small to split
SIBLING_FIRST, SIBLING_ZERO, SIBLING_ONE, SIBLING_UNSPLITTABLE, SIBLING_NONE = 0, 1, 2, 3, 4
#: the mixed model's flag contexts, each per depth class (up to :data:`MAX_DEPTH_CONTEXT`): the interleaved
#: model's (corner range class and last flag at the depth), the corner levels' range up to 15, the sibling class,
#: and the corners' twist ``|c00 + c11 - c01 - c10|`` up to 3; where each starts in the flat counts (and the end)
FLAG_TABLES = np.cumsum(
    np.array([0, FLAG_RANGE_CLASSES * 3, 16, 5, 4], np.int64) * (MAX_DEPTH_CONTEXT + 1)
)
#: ``4096 / (1 + exp(-(i - 16) / 2))`` rounded, i = 0..32: the logistic function on 12 bits at every 128th
#: stretched value (stretch in 1/256 of a natural-log odds unit), interpolated linearly between (:func:`_squash`);
#: integers, so that encoder and decoder agree on every machine
_SQUASH_KNOTS = np.array(
    [1, 2, 4, 6, 10, 17, 27, 45, 74, 120, 194, 311, 488, 747, 1102, 1546, 2048,
     2550, 2994, 3349, 3608, 3785, 3902, 3976, 4022, 4051, 4069, 4079, 4086, 4090, 4092, 4094, 4095],
    dtype=np.int64,
)


@numba.njit(cache=True, nogil=True)
def _estimate_mse(f, y0, y1, x0, x1, cols) -> float:
    """Mean squared error over the rectangle of its quick reconstruction from the five stored pixels:
    bilinear between the four corners plus a bilinear tent (0 on the border, 1 at the centre) through the
    centre's residual. ``cols``: scratch of shape ``(3, >= x1 - x0 + 1)`` for what depends on the column only
    (the tent's factor, the top and bottom edges' interpolations), computed once per rectangle."""
    yc = (y0 + y1) // 2
    xc = (x0 + x1) // 2
    hy = max(y1 - y0, 1)
    hx = max(x1 - x0, 1)
    f00 = f[y0, x0]
    f01 = f[y0, x1]
    f10 = f[y1, x0]
    f11 = f[y1, x1]
    sc = (yc - y0) / hy
    tc = (xc - x0) / hx
    bc = (1 - sc) * ((1 - tc) * f00 + tc * f01) + sc * ((1 - tc) * f10 + tc * f11)
    rc = f[yc, xc] - bc
    for x in range(x0, x1 + 1):
        t = (x - x0) / hx
        cols[0, x - x0] = 1.0 - abs(t - tc) / (tc if t <= tc else 1.0 - tc) if 0.0 < tc < 1.0 else 0.0
        cols[1, x - x0] = (1 - t) * f00 + t * f01
        cols[2, x - x0] = (1 - t) * f10 + t * f11
    err = 0.0
    for y in range(y0, y1 + 1):
        s = (y - y0) / hy
        ty = 1.0 - abs(s - sc) / (sc if s <= sc else 1.0 - sc) if 0.0 < sc < 1.0 else 0.0
        for x in range(x0, x1 + 1):
            u = (1 - s) * cols[1, x - x0] + s * cols[2, x - x0] + rc * ty * cols[0, x - x0]
            d = u - f[y, x]
            err += d * d
    return err / ((y1 - y0 + 1) * (x1 - x0 + 1))


@numba.njit(cache=True, nogil=True)
def _list_point(order, m, listed, W, y, x, p0, p1, p2, p3) -> int:
    """Append pixel ``(y, x)`` (flat index) with its predictors ``p0..p3`` (flat indices, -1 for none) to
    ``order`` unless it is listed already; returns the new count."""
    i = y * W + x
    if listed[i]:
        return m
    listed[i] = True
    order[m, 0], order[m, 1], order[m, 2], order[m, 3], order[m, 4] = i, p0, p1, p2, p3
    return m + 1


@numba.njit(cache=True, nogil=True)
def _flag_context(depth, image, c00, c01, c10, c11, last) -> int:
    """The interleaved model's context of a split flag: its depth (up to :data:`MAX_DEPTH_CONTEXT`), the range
    of its rectangle's four corner levels (``image``, flat; :data:`FLAG_RANGE_CLASSES` classes) and the last flag
    coded at that depth (``last``: 0, 1, or 2 for none)."""
    lo = min(min(image[c00], image[c01]), min(image[c10], image[c11]))
    hi = max(max(image[c00], image[c01]), max(image[c10], image[c11]))
    dc = min(depth, MAX_DEPTH_CONTEXT)
    return (dc * FLAG_RANGE_CLASSES + min(hi - lo, FLAG_RANGE_CLASSES - 1)) * 3 + last[dc]


@numba.njit(cache=True, nogil=True)
def _squash(d) -> int:
    """The logistic function of the stretched value ``d`` (1/256 units) as a probability on 12 bits."""
    if d > 2047:
        return 4095
    if d < -2047:
        return 1
    w = d & 127
    i = (d >> 7) + 16
    return (_SQUASH_KNOTS[i] * (128 - w) + _SQUASH_KNOTS[i + 1] * w + 64) >> 7


def _stretch_table() -> np.ndarray:
    """The inverse of :func:`_squash` on every 12-bit probability (the smallest ``d`` whose squash reaches it),
    built with integers only."""
    out = np.full(4096, 2047, np.int64)
    p = 0
    for d in range(-2047, 2048):
        v = _squash.py_func(d)
        out[p : v + 1] = d
        p = max(p, v + 1)
    return out


_STRETCH = _stretch_table()
#: ``2**36 // (2 n + 2)`` for every count total ``n`` a context can reach: the mixer's inputs take the KT
#: estimate ``(2 n1 + 1) / (2 n + 2)`` by a multiplication and a shift (a division per input and decision made
#: the mixed coder 2.5 times slower than the tree model's)
_KT_RECIPROCAL = (1 << 36) // (2 * np.arange(_MAX_COUNT + 1, dtype=np.int64) + 2)


def mix_tables(q: int, classes: int) -> np.ndarray:
    """Where each input of the mixed value model starts in its flat count arrays (and their end, last): the
    tree-model context (``q * classes``), the mean of the predictors on half levels (``2 q``), the rounded mean
    with the predictors' range (up to 3) and the distance class, the mean on half levels with the range (up to
    :data:`MIX_SPREAD_CLASSES` - 1) and one context for all; each times the ``2 ** nb`` nodes of a level's
    binary tree."""
    sizes = np.array(
        [q * classes, 2 * q, q * 4 * MIX_SCALE_CLASSES, 2 * q * MIX_SPREAD_CLASSES, 1], np.int64
    ) << _value_bits(q)
    return np.concatenate((np.zeros(1, np.int64), np.cumsum(sizes)))


@numba.njit(cache=True, nogil=True)
def _mix_bases(image, row, context, q, W, offsets, bases):
    """The mixed model's input contexts of the pixel of ``row`` (a row of :func:`traverse`'s ``order``; ``image``
    flat levels; ``context`` its tree-model context), as the first count index of each input's binary tree."""
    nb = _value_bits(q)
    total, count, lo, hi = _predictors(image, row, q)
    pred, half, spread, scale = q // 2, q, 0, 0
    if count:
        pred = (2 * total + count) // (2 * count)
        half = (4 * total + count) // (2 * count)
        spread = hi - lo
        dist = abs(row[0] // W - row[1] // W) + abs(row[0] % W - row[1] % W)
        while dist > 1 and scale < MIX_SCALE_CLASSES - 1:
            dist >>= 1
            scale += 1
    bases[0] = offsets[0] + (context << nb)
    bases[1] = offsets[1] + (half << nb)
    bases[2] = offsets[2] + (((pred * 4 + min(spread, 3)) * MIX_SCALE_CLASSES + scale) << nb)
    bases[3] = offsets[3] + ((half * MIX_SPREAD_CLASSES + min(spread, MIX_SPREAD_CLASSES - 1)) << nb)
    bases[4] = offsets[4]


@numba.njit(cache=True, nogil=True)
def _mixed_bit(mode, buf, data, st, n0, n1, weights, bases, node, inputs, bit) -> int:
    """Encode (``ENCODE_PLANE``) ``bit`` or decode one binary decision with the probability that the logistic
    mixer ``weights`` (one per input and a bias, 16.16 fixed point) makes of the KT estimates in the contexts
    ``bases + node`` (as many as ``inputs`` holds less one: scratch of the stretched estimates); the weights
    and the counts then learn from the decision. Returns the bit."""
    n = inputs.shape[0] - 1
    dot = 0
    for i in range(n):
        c = bases[i] + node
        p = ((2 * n1[c] + 1) * _KT_RECIPROCAL[n0[c] + n1[c]]) >> 24
        inputs[i] = _STRETCH[min(max(p, 1), 4095)]
        dot += weights[i] * inputs[i]
    inputs[n] = 256
    dot += weights[n] * 256
    p1 = min(max(_squash(dot >> 16), 1), 4095)
    if mode == ENCODE_PLANE:
        encode_bit(buf, st, 4096 - p1, bit)
    else:
        bit = decode_bit(data, st, 4096 - p1)
    err = ((bit << 12) - p1) * MIX_RATE
    for i in range(n + 1):
        weights[i] += (inputs[i] * err) >> 12
    for i in range(n):
        _count(n0, n1, bases[i] + node, bit)
    return bit


@numba.njit(cache=True, nogil=True)
def _mixed_level(mode, buf, data, st, n0, n1, weights, bases, inputs, level, nb) -> int:
    """Encode (``ENCODE_PLANE``) or decode one level as ``nb`` binary decisions from the most significant bit,
    each mixed (:func:`_mixed_bit`, the weights of its node of the binary tree: ``weights[node]``) from the
    :data:`MIX_INPUTS` contexts ``bases`` (``inputs``: scratch). Returns the level."""
    node = 1
    for b in range(nb - 1, -1, -1):
        bit = _mixed_bit(mode, buf, data, st, n0, n1, weights[node], bases, node, inputs, (level >> b) & 1)
        node = 2 * node + bit
    return node - (1 << nb)


@numba.njit(cache=True, nogil=True)
def _flag_bases(context, depth, image, c00, c01, c10, c11, sibling, bases):
    """The mixed model's contexts of a split flag (:data:`FLAG_TABLES`): ``context`` the interleaved model's
    (:func:`_flag_context`), then from the rectangle's corner levels (``image`` flat at ``c00 .. c11``) and its
    ``sibling`` class."""
    a, b, c, e = image[c00], image[c01], image[c10], image[c11]
    dc = min(depth, MAX_DEPTH_CONTEXT)
    spread = max(max(a, b), max(c, e)) - min(min(a, b), min(c, e))
    bases[0] = context
    bases[1] = FLAG_TABLES[1] + dc * 16 + min(spread, 15)
    bases[2] = FLAG_TABLES[2] + dc * 5 + sibling
    bases[3] = FLAG_TABLES[3] + dc * 4 + min(abs(a + e - b - c), 3)


@numba.njit(cache=True, nogil=True)
def _code_values(mode, order, start, stop, image, buf, data, st, n0, n1, q, classes, mix, W) -> bool:
    """Encode (``ENCODE_PLANE``, into ``buf``) or decode (``DECODE_PLANE``, from ``data``, into ``image``) the
    levels of the points ``order[start:stop]`` in their tree-model contexts, or with ``mix`` (the mixed model's
    ``(offsets, weights, bases, inputs)``, empty arrays otherwise) mixed from its inputs; False for a decoded
    level >= q."""
    nb = _value_bits(q)
    offsets, weights, bases, inputs = mix
    for j in range(start, stop):
        context = _tree_context(image, order[j], q, classes)
        if weights.shape[0]:
            _mix_bases(image, order[j], context, q, W, offsets, bases)
            level = _mixed_level(mode, buf, data, st, n0, n1, weights, bases, inputs, image[order[j, 0]], nb)
        elif mode == ENCODE_PLANE:
            _encode_level(buf, st, n0, n1, context << nb, image[order[j, 0]], nb)
            continue
        else:
            level = _decode_level(data, st, n0, n1, context << nb, nb)
        if level >= q:
            return False
        image[order[j, 0]] = level
    return True


@numba.njit(cache=True, nogil=True)
def traverse(H, W, mode, flags, data, f, a, d, max_flags, image, q, classes, offsets, limit):
    """Walk the tree; returns ``(flags, n_flags, mask, depths, order, coded)``.

    ``mode`` DECIDE: a rectangle is split when ``_estimate_mse > a * l**d`` (``l`` its diagonal, R-EED's rule)
    and the flags are written into a new array; READ: they are read from ``flags``; DECODE: they are decoded
    from the bytes ``data`` (:func:`encode_tree`'s coder) as the walk needs them; REFINE: the tree of
    ``flags``, with every leaf split once whose sum of ``f`` exceeds ``a`` (``f`` the ``(H + 1, W + 1)``
    summed-area table of an error image), into a new array. More than ``max_flags`` flags returns
    ``n_flags = -1`` (a corrupt tree). ``depths[k]`` is the depth of flag ``k`` (the context). ``order``: one
    row per stored pixel in the tree model's coding order, its flat index and those of up to four predictors
    (-1 for none; module docstring). The interleaved model codes the flags and the values in one stream, in the
    walk's order (each rectangle's flag in :func:`_flag_context`, then the levels of the pixels it adds in
    their tree-model contexts with ``classes`` range classes, ``q`` levels, or mixed from the inputs of the
    mixed model whose :func:`mix_tables` are ``offsets``, when they are not empty): ENCODE_PLANE reads the flags from
    ``flags`` and the levels from ``image`` (flat) and returns the stream as ``coded``, or ``n_flags = -3`` as soon
    as a byte it cannot drop lies beyond ``limit`` bytes (``limit < 0``: none; the byte searches' tests end
    early); DECODE_PLANE decodes
    both from ``data``, the levels into ``image`` (flat, ``H W``), and returns ``n_flags = -2`` for a level
    ``>= q``. ``coded`` is empty in the other modes.
    """
    mask = np.zeros((H, W), np.bool_)
    listed = np.zeros(H * W, np.bool_)
    order = np.empty((H * W, 5), np.int32)  # flat indices: the format caps images at 4 Mpixel
    e = W - 1
    m = _list_point(order, 0, listed, W, 0, 0, -1, -1, -1, -1)
    m = _list_point(order, m, listed, W, 0, e, 0, -1, -1, -1)
    m = _list_point(order, m, listed, W, H - 1, 0, 0, -1, -1, -1)
    m = _list_point(order, m, listed, W, H - 1, e, e, (H - 1) * W, -1, -1)
    out = flags if mode == READ else np.zeros(max_flags, np.uint8)
    depths = np.zeros(max_flags, np.int64)
    n0 = np.zeros(MAX_DEPTH_CONTEXT + 1, np.int64)
    n1 = np.zeros(MAX_DEPTH_CONTEXT + 1, np.int64)
    interleaved = mode == ENCODE_PLANE or mode == DECODE_PLANE
    st = encoder_state() if mode == ENCODE_PLANE else decoder_state(data)
    nb = _value_bits(q)
    mixed = interleaved and offsets.shape[0] > 0
    n_values = offsets[-1] if mixed else (q << nb) * classes if interleaved else 0
    vn0 = np.zeros(n_values, np.int32)
    vn1 = np.zeros(n_values, np.int32)
    weights = np.zeros(((1 << nb) if mixed else 0, MIX_INPUTS + 1), np.int64)
    weights[:, 0] = 1 << 16  # the mixer starts as the tree model alone
    mix = (offsets, weights, np.zeros(MIX_INPUTS, np.int64), np.zeros(MIX_INPUTS + 1, np.int64))
    flag_tables = FLAG_TABLES if mixed else FLAG_TABLES[:2]
    fn0 = np.zeros(flag_tables[-1], np.int64)
    fn1 = np.zeros(flag_tables[-1], np.int64)
    flag_weights = np.zeros((MAX_DEPTH_CONTEXT + 1 if mixed else 0, flag_tables.shape[0]), np.int64)
    flag_weights[:, 0] = 1 << 16  # the flags' mixer starts as the interleaved model's flag context alone
    flag_bases = np.zeros(flag_tables.shape[0] - 1, np.int64)
    flag_inputs = np.zeros(flag_tables.shape[0], np.int64)
    last = np.full(MAX_DEPTH_CONTEXT + 1, 2, np.int64)
    levels = image if interleaved else np.zeros(0, np.int64)
    buf = np.empty(2 * (flags.shape[0] + nb * (5 * flags.shape[0] + 9)) + 16 if mode == ENCODE_PLANE else 0, np.uint8)
    if interleaved and not _code_values(mode, order, 0, m, levels, buf, data, st, vn0, vn1, q, classes, mix, W):
        return out, -2, mask, depths, order[:m], buf[:0]
    done = m  # points whose levels are coded
    scanned = max(limit, 0)  # ENCODE_PLANE: the bytes from the limit on checked for a nonzero one up to here
    cols = np.empty((3, W if mode == DECIDE else 0))
    # y0, y1, x0, x1, depth, 1 for the halves of a refining split, the sibling class (:func:`_flag_bases`)
    stack = np.empty((256, 7), np.int64)
    stack[0, 0], stack[0, 1], stack[0, 2], stack[0, 3], stack[0, 4], stack[0, 5] = 0, H - 1, 0, W - 1, 0, 0
    stack[0, 6] = SIBLING_NONE
    top = 1
    n = 0
    k = 0  # REFINE: the next flag of the given tree
    while top > 0:
        top -= 1
        y0, y1, x0, x1, depth = stack[top, 0], stack[top, 1], stack[top, 2], stack[top, 3], stack[top, 4]
        new_half = stack[top, 5] == 1
        split_x = (x1 - x0) >= (y1 - y0)
        span = (x1 - x0) if split_x else (y1 - y0)
        split = False
        refining = False
        if span >= 2:
            if n >= max_flags:
                return out, -1, mask, depths, order[:m], buf[:0]
            if mode == DECIDE:
                diag = np.sqrt(float((y1 - y0) ** 2 + (x1 - x0) ** 2))
                split = _estimate_mse(f, y0, y1, x0, x1, cols) > a * diag**d
                out[n] = 1 if split else 0
            elif mode == REFINE:
                if not new_half:
                    if k >= flags.shape[0]:
                        return out, -1, mask, depths, order[:m], buf[:0]
                    split = flags[k] != 0
                    k += 1
                    if not split:
                        err = f[y1 + 1, x1 + 1] - f[y0, x1 + 1] - f[y1 + 1, x0] + f[y0, x0]
                        split = refining = err > a
                out[n] = 1 if split else 0
            elif mode == DECODE:
                ctx = min(depth, MAX_DEPTH_CONTEXT)
                bit = decode_bit(data, st, _p0(n0, n1, ctx))
                _count(n0, n1, ctx, bit)
                out[n] = bit
                split = bit != 0
            elif interleaved:
                ctx = _flag_context(depth, levels, y0 * W + x0, y0 * W + x1, y1 * W + x0, y1 * W + x1, last)
                bit = np.int64(flags[n]) if mode == ENCODE_PLANE else np.int64(0)
                if mixed:
                    _flag_bases(ctx, depth, levels, y0 * W + x0, y0 * W + x1, y1 * W + x0, y1 * W + x1, stack[top, 6], flag_bases)
                    bit = np.int64(_mixed_bit(
                        mode, buf, data, st, fn0, fn1, flag_weights[min(depth, MAX_DEPTH_CONTEXT)], flag_bases, 0,
                        flag_inputs, bit,
                    ))
                else:
                    if mode == ENCODE_PLANE:
                        encode_bit(buf, st, _p0(fn0, fn1, ctx), bit)
                    else:
                        bit = np.int64(decode_bit(data, st, _p0(fn0, fn1, ctx)))
                    _count(fn0, fn1, ctx, bit)
                if stack[top, 6] == SIBLING_FIRST:  # the second half, under it on the stack, learns this flag
                    stack[top - 1, 6] = SIBLING_ZERO + bit
                last[min(depth, MAX_DEPTH_CONTEXT)] = bit
                out[n] = bit
                split = bit != 0
            else:
                split = out[n] != 0
            depths[n] = depth
            n += 1
        if split:
            if top + 2 > stack.shape[0]:
                return out, -1, mask, depths, order[:m], buf[:0]
            if split_x:
                xm = (x0 + x1) // 2
                m = _list_point(order, m, listed, W, y0, xm, y0 * W + x0, y0 * W + x1, -1, -1)
                m = _list_point(order, m, listed, W, y1, xm, y1 * W + x0, y1 * W + x1, -1, -1)
                stack[top, 0], stack[top, 1], stack[top, 2], stack[top, 3] = y0, y1, xm, x1
                stack[top + 1, 0], stack[top + 1, 1], stack[top + 1, 2], stack[top + 1, 3] = y0, y1, x0, xm
            else:
                ym = (y0 + y1) // 2
                m = _list_point(order, m, listed, W, ym, x0, y0 * W + x0, y1 * W + x0, -1, -1)
                m = _list_point(order, m, listed, W, ym, x1, y0 * W + x1, y1 * W + x1, -1, -1)
                stack[top, 0], stack[top, 1], stack[top, 2], stack[top, 3] = ym, y1, x0, x1
                stack[top + 1, 0], stack[top + 1, 1], stack[top + 1, 2], stack[top + 1, 3] = y0, ym, x0, x1
            stack[top, 4] = depth + 1
            stack[top + 1, 4] = depth + 1
            stack[top, 5] = 1 if refining else 0
            stack[top + 1, 5] = 1 if refining else 0
            stack[top, 6] = SIBLING_UNSPLITTABLE  # until the first half's flag says otherwise
            stack[top + 1, 6] = SIBLING_FIRST
            top += 2
        else:
            mask[y0, x0] = True
            mask[y0, x1] = True
            mask[y1, x0] = True
            mask[y1, x1] = True
            mask[(y0 + y1) // 2, (x0 + x1) // 2] = True
            m = _list_point(
                order, m, listed, W, (y0 + y1) // 2, (x0 + x1) // 2,
                y0 * W + x0, y0 * W + x1, y1 * W + x0, y1 * W + x1,
            )
        if interleaved:  # the levels of the pixels this rectangle added, after its flag
            if not _code_values(mode, order, done, m, levels, buf, data, st, vn0, vn1, q, classes, mix, W):
                return out, -2, mask, depths, order[:m], buf[:0]
            done = m
            while 0 <= limit <= scanned < st[0]:  # the stream ends after its last nonzero byte
                if buf[scanned]:
                    return out, -3, mask, depths, order[:m], buf[:0]
                scanned += 1
    if mode == REFINE and k != flags.shape[0]:
        return out, -1, mask, depths, order[:m], buf[:0]
    if mode == ENCODE_PLANE:
        if n != flags.shape[0]:
            return out, -1, mask, depths, order[:m], buf[:0]
        return out, n, mask, depths, order[:m], buf[: encode_finish(buf, st)].copy()
    return out, n, mask, depths, order[:m], buf[:0]


@numba.njit(cache=True, nogil=True)
def tree_nodes(H, W, flags, keys, by_keys, max_flags):
    """The tree's splittable rectangles in the walk's order: ``(flags, rects, parents)``, ``rects[k]`` the
    inclusive ``y0, y1, x0, x1`` of flag ``k`` and ``parents[k]`` the flag of the rectangle it halves (-1 for
    the root). A rectangle is split when its flag in ``flags`` is 1 (``by_keys`` False) or when its key
    :func:`.subdivision.rect_keys` is in the sorted ``keys`` (True: how the encoder edits a tree, e.g. undoing
    chosen splits). A tree that needs more flags than ``flags`` holds (with ``by_keys``: more than
    ``max_flags``) or is deeper than the walk's stack gives empty arrays."""
    out = np.zeros(flags.shape[0] if not by_keys else max_flags, np.uint8)
    rects = np.empty((out.shape[0], 4), np.int64)
    parents = np.empty(out.shape[0], np.int64)
    stack = np.empty((256, 5), np.int64)  # y0, y1, x0, x1, the parent's flag
    stack[0, 0], stack[0, 1], stack[0, 2], stack[0, 3], stack[0, 4] = 0, H - 1, 0, W - 1, -1
    top = 1
    n = 0
    size = H * W
    while top > 0:
        top -= 1
        y0, y1, x0, x1 = stack[top, 0], stack[top, 1], stack[top, 2], stack[top, 3]
        split_x = (x1 - x0) >= (y1 - y0)
        split = False
        if ((x1 - x0) if split_x else (y1 - y0)) >= 2:
            if n >= out.shape[0] or top + 2 > stack.shape[0]:
                return out[:0], rects[:0], parents[:0]
            if by_keys:
                key = (y0 * W + x0) * size + (y1 * W + x1)
                i = np.searchsorted(keys, key)
                out[n] = 1 if i < keys.shape[0] and keys[i] == key else 0
            else:
                out[n] = flags[n]
            rects[n, 0], rects[n, 1], rects[n, 2], rects[n, 3] = y0, y1, x0, x1
            parents[n] = stack[top, 4]
            split = out[n] != 0
            n += 1
        if split:  # as traverse: the first half (top or left) on top of the stack
            if split_x:
                xm = (x0 + x1) // 2
                stack[top, 0], stack[top, 1], stack[top, 2], stack[top, 3] = y0, y1, xm, x1
                stack[top + 1, 0], stack[top + 1, 1], stack[top + 1, 2], stack[top + 1, 3] = y0, y1, x0, xm
            else:
                ym = (y0 + y1) // 2
                stack[top, 0], stack[top, 1], stack[top, 2], stack[top, 3] = ym, y1, x0, x1
                stack[top + 1, 0], stack[top + 1, 1], stack[top + 1, 2], stack[top + 1, 3] = y0, ym, x0, x1
            stack[top, 4] = n - 1
            stack[top + 1, 4] = n - 1
            top += 2
    return out[:n].copy(), rects[:n].copy(), parents[:n].copy()


@numba.njit(cache=True, nogil=True)
def encode_tree(flags, depths):
    """Range-code the split flags, one KT context per depth (up to :data:`MAX_DEPTH_CONTEXT`)."""
    n0 = np.zeros(MAX_DEPTH_CONTEXT + 1, np.int64)
    n1 = np.zeros(MAX_DEPTH_CONTEXT + 1, np.int64)
    out = np.empty(2 * flags.shape[0] + 16, np.uint8)  # 12 bits per flag at worst
    st = encoder_state()
    for k in range(flags.shape[0]):
        ctx = min(depths[k], MAX_DEPTH_CONTEXT)
        encode_bit(out, st, _p0(n0, n1, ctx), flags[k])
        _count(n0, n1, ctx, flags[k])
    return out[: encode_finish(out, st)].copy()


@numba.njit(cache=True, nogil=True)
def _value_bits(q) -> int:
    b = 1
    while (1 << b) < q:
        b += 1
    return b


@numba.njit(cache=True, nogil=True)
def _raster_context(k, levels, ys, above, q, model) -> int:
    """The raster models' context of the ``k``-th level (raster order of the stored pixels' rows ``ys``;
    ``above``: the level stored last before it in its column, -1 for none): 0 in the order-0 model, else the
    level predicted from the previous stored pixel of the same row and the previous one of the same column
    (their mean rounded half up, the one there is, or ``q // 2``)."""
    if model == ORDER0:
        return 0
    left = levels[k - 1] if k > 0 and ys[k - 1] == ys[k] else -1
    if left >= 0 and above >= 0:
        return (left + above + 1) // 2
    if left >= 0:
        return left
    if above >= 0:
        return above
    return q // 2


@numba.njit(cache=True, nogil=True)
def _predictors(image, row, q):
    """The sum, count, smallest and largest of the levels ``image`` (flat) of the predictors of ``row`` (a row of
    :func:`traverse`'s ``order``); ``(0, 0, q, -1)`` without any."""
    total, count, lo, hi = 0, 0, q, -1
    for j in range(1, 5):
        if row[j] >= 0:
            v = image[row[j]]
            total += v
            count += 1
            lo, hi = min(lo, v), max(hi, v)
    return total, count, lo, hi


@numba.njit(cache=True, nogil=True)
def _tree_context(image, row, q, classes) -> int:
    """The tree model's context of the pixel of ``row`` (a row of :func:`traverse`'s ``order``), from the
    levels ``image`` (flat) of its predictors: the level predicted as their mean rounded half up (``q // 2``
    without any) times ``classes``, plus their range (max - min) capped below it."""
    total, count, lo, hi = _predictors(image, row, q)
    if count == 0:
        return (q // 2) * classes
    return (2 * total + count) // (2 * count) * classes + min(hi - lo, classes - 1)


@numba.njit(cache=True, nogil=True)
def _encode_level(out, st, n0, n1, base, level, nb):
    """One level as ``nb`` binary decisions from the most significant bit, one KT context per node of the
    binary tree under ``base``."""
    node = 1
    for b in range(nb - 1, -1, -1):
        bit = (level >> b) & 1
        encode_bit(out, st, _p0(n0, n1, base + node), bit)
        _count(n0, n1, base + node, bit)
        node = 2 * node + bit


@numba.njit(cache=True, nogil=True)
def _decode_level(data, st, n0, n1, base, nb) -> int:
    """Inverse of :func:`_encode_level`."""
    node = 1
    for _ in range(nb):
        bit = decode_bit(data, st, _p0(n0, n1, base + node))
        _count(n0, n1, base + node, bit)
        node = 2 * node + bit
    return node - (1 << nb)


@numba.njit(cache=True, nogil=True)
def encode_levels(levels, q, ys, xs, width, model):
    """Range-code the levels ``0 <= k < q`` of the stored pixels at ``(ys, xs)`` (raster order) in a raster
    model (``ORDER0`` or ``RASTER``): each level as ``ceil(log2 q)`` binary decisions (:func:`_encode_level`,
    an adaptive ``q``-symbol model), in ``RASTER`` one such tree per predicted level (:func:`_raster_context`)."""
    nb = _value_bits(q)
    n0 = np.zeros(q << nb, np.int64)
    n1 = np.zeros(q << nb, np.int64)
    out = np.empty(2 * nb * levels.shape[0] + 16, np.uint8)
    last = np.full(width, -1, np.int64)  # the level stored last in each column
    st = encoder_state()
    for k in range(levels.shape[0]):
        _encode_level(out, st, n0, n1, _raster_context(k, levels, ys, last[xs[k]], q, model) << nb, levels[k], nb)
        last[xs[k]] = levels[k]
    return out[: encode_finish(out, st)].copy()


@numba.njit(cache=True, nogil=True)
def decode_levels(data, q, ys, xs, width, model):
    """Inverse of :func:`encode_levels`; returns ``(levels, ok)``, ``ok`` False when a level is ``>= q``."""
    nb = _value_bits(q)
    n0 = np.zeros(q << nb, np.int64)
    n1 = np.zeros(q << nb, np.int64)
    count = ys.shape[0]
    levels = np.zeros(count, np.int64)
    last = np.full(width, -1, np.int64)  # the level decoded last in each column
    st = decoder_state(data)
    for k in range(count):
        levels[k] = _decode_level(data, st, n0, n1, _raster_context(k, levels, ys, last[xs[k]], q, model) << nb, nb)
        if levels[k] >= q:
            return levels, False
        last[xs[k]] = levels[k]
    return levels, True


@numba.njit(cache=True, nogil=True)
def encode_tree_levels(image, order, q, classes):
    """Range-code the levels of the stored pixels in the tree model: in :func:`traverse`'s ``order``, each
    level (``image``: the levels on the flat image) in the binary tree of its context (:func:`_tree_context`
    with ``classes`` classes of the predictors' range)."""
    nb = _value_bits(q)
    n0 = np.zeros((q * classes) << nb, np.int64)
    n1 = np.zeros((q * classes) << nb, np.int64)
    out = np.empty(2 * nb * order.shape[0] + 16, np.uint8)
    st = encoder_state()
    for k in range(order.shape[0]):
        _encode_level(out, st, n0, n1, _tree_context(image, order[k], q, classes) << nb, image[order[k, 0]], nb)
    return out[: encode_finish(out, st)].copy()


@numba.njit(cache=True, nogil=True)
def decode_tree_levels(data, order, q, classes, size):
    """Inverse of :func:`encode_tree_levels`: ``(image, ok)``, the levels on the flat image of ``size``
    pixels (-1 where none is stored), ``ok`` False when a level is ``>= q``."""
    nb = _value_bits(q)
    n0 = np.zeros((q * classes) << nb, np.int64)
    n1 = np.zeros((q * classes) << nb, np.int64)
    image = np.full(size, -1, np.int64)
    st = decoder_state(data)
    for k in range(order.shape[0]):
        level = _decode_level(data, st, n0, n1, _tree_context(image, order[k], q, classes) << nb, nb)
        if level >= q:
            return image, False
        image[order[k, 0]] = level
    return image, True
