"""Numba kernels of the edge map's context coder (:mod:`napari_maliang.codec.edgecode`, imported lazily).

Our own coder, not a library's: the model needs one adaptive probability per pixel, computed from the
pixels decoded just before it (same row included), so the decoder is a loop over pixels that must run
compiled; a range coder driven from Python (``constriction``) pays a call per pixel.

Model: the JBIG-style 11-pixel template of :data:`TEMPLATE` (three in the row, five and three in the two
rows above; pixels outside the image are 0) gives one of 2048 contexts; each context's probability is the
Krichevsky-Trofimov estimate ``p0 = (n0 + 1/2) / (n0 + n1 + 1)`` of its counts so far, on 12 bits, all in
integers so that encoder and decoder agree on every machine. Counts are halved when their sum reaches
:data:`_MAX_COUNT`, so old statistics fade.

Coder: the binary range coder of LZMA (32-bit range, carry propagated through a cached byte). The
always-zero first byte is not written and trailing zero bytes are dropped; the decoder reads zeros past
the end.
"""

from __future__ import annotations

import numba
import numpy as np

#: (dy, dx) of the context pixels, all decoded before (y, x).
TEMPLATE = np.array(
    [(0, -1), (0, -2), (0, -3), (-1, -2), (-1, -1), (-1, 0), (-1, 1), (-1, 2), (-2, -1), (-2, 0), (-2, 1)],
    dtype=np.int64,
)
_BITS = 12
_ONE = 1 << _BITS
_TOP = 1 << 24
_MASK32 = 0xFFFFFFFF
_MAX_COUNT = 1 << 12


@numba.njit(cache=True, nogil=True)
def _context(E, y, x, W, template) -> int:
    c = 0
    for k in range(template.shape[0]):
        yy = y + template[k, 0]
        xx = x + template[k, 1]
        if yy >= 0 and 0 <= xx < W and E[yy, xx]:
            c |= 1 << k
    return c


@numba.njit(cache=True, nogil=True)
def _p0(n0, n1, c) -> int:
    """KT probability of a 0 in context ``c``, on 12 bits, kept inside (0, 1)."""
    p = ((2 * n0[c] + 1) << _BITS) // (2 * (n0[c] + n1[c]) + 2)
    return min(max(p, 1), _ONE - 1)


@numba.njit(cache=True, nogil=True)
def _count(n0, n1, c, bit) -> None:
    if bit:
        n1[c] += 1
    else:
        n0[c] += 1
    if n0[c] + n1[c] >= _MAX_COUNT:
        n0[c] = (n0[c] + 1) // 2
        n1[c] = (n1[c] + 1) // 2


@numba.njit(cache=True, nogil=True)
def _shift_low(out, pos, low, cache, cache_size):
    """LZMA's ``ShiftLow``: a byte leaves once no carry can reach it; returns the new state."""
    if low < 0xFF000000 or low > _MASK32:
        carry = low >> 32
        temp = cache
        while True:
            if pos >= 0:  # position -1 is LZMA's always-zero first byte: not written
                out[pos] = (temp + carry) & 0xFF
            pos += 1
            temp = 0xFF
            cache_size -= 1
            if cache_size == 0:
                break
        cache = (low >> 24) & 0xFF
    return pos, (low & 0x00FFFFFF) << 8, cache, cache_size + 1


@numba.njit(cache=True, nogil=True)
def encode_map(E, template):
    """Code the 0/1 ``uint8`` map ``E``; returns the bytes as a ``uint8`` array."""
    H, W = E.shape
    nctx = 1 << template.shape[0]
    n0 = np.zeros(nctx, np.int64)
    n1 = np.zeros(nctx, np.int64)
    out = np.empty(H * W * 2 + 16, np.uint8)  # 12 bits per pixel at worst
    pos, low, rng, cache, cache_size = -1, 0, _MASK32, 0, 1
    for y in range(H):
        for x in range(W):
            c = _context(E, y, x, W, template)
            bit = E[y, x]
            bound = (rng >> _BITS) * _p0(n0, n1, c)
            if bit:
                low += bound
                rng -= bound
            else:
                rng = bound
            _count(n0, n1, c, bit)
            while rng < _TOP:
                rng = (rng << 8) & _MASK32
                pos, low, cache, cache_size = _shift_low(out, pos, low, cache, cache_size)
    for _ in range(5):
        pos, low, cache, cache_size = _shift_low(out, pos, low, cache, cache_size)
    while pos > 0 and out[pos - 1] == 0:
        pos -= 1
    return out[:pos].copy()


@numba.njit(cache=True, nogil=True)
def decode_map(data, H, W, template):
    """Inverse of :func:`encode_map` for an ``H x W`` map; bytes past the end of ``data`` read as 0."""
    nctx = 1 << template.shape[0]
    n0 = np.zeros(nctx, np.int64)
    n1 = np.zeros(nctx, np.int64)
    E = np.zeros((H, W), np.uint8)
    n = data.shape[0]
    pos = 0
    code = 0
    for _ in range(4):
        code = (code << 8) | (data[pos] if pos < n else 0)
        pos += 1
    rng = _MASK32
    for y in range(H):
        for x in range(W):
            c = _context(E, y, x, W, template)
            bound = (rng >> _BITS) * _p0(n0, n1, c)
            if code < bound:
                rng = bound
                bit = 0
            else:
                code -= bound
                rng -= bound
                bit = 1
            E[y, x] = bit
            _count(n0, n1, c, bit)
            while rng < _TOP:
                rng = (rng << 8) & _MASK32
                code = ((code << 8) | (data[pos] if pos < n else 0)) & _MASK32
                pos += 1
    return E
