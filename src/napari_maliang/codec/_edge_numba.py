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
the end. Its one-bit steps (:func:`encode_bit`, :func:`decode_bit`, with their states) and the KT counts
(:func:`_p0`, :func:`_count`) are shared with the photo mode's tree and value coder
(:mod:`._subdivision_numba`).
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
def encoder_state():
    """State of the range encoder: ``[pos, low, range, cache, cache_size]`` (position -1: the skipped byte)."""
    return np.array([-1, 0, _MASK32, 0, 1], np.int64)


@numba.njit(cache=True, nogil=True)
def encode_bit(out, st, p0, bit) -> None:
    """Code ``bit`` with probability ``p0 / 2**12`` of a 0 into ``out`` (state ``st``, :func:`encoder_state`)."""
    rng = st[2]
    bound = (rng >> _BITS) * p0
    if bit:
        st[1] += bound
        rng -= bound
    else:
        rng = bound
    while rng < _TOP:
        rng = (rng << 8) & _MASK32
        st[0], st[1], st[3], st[4] = _shift_low(out, st[0], st[1], st[3], st[4])
    st[2] = rng


@numba.njit(cache=True, nogil=True)
def encode_finish(out, st) -> int:
    """Flush the encoder; returns the number of bytes of ``out`` to keep (trailing zeros dropped)."""
    for _ in range(5):
        st[0], st[1], st[3], st[4] = _shift_low(out, st[0], st[1], st[3], st[4])
    pos = st[0]
    while pos > 0 and out[pos - 1] == 0:
        pos -= 1
    return pos


@numba.njit(cache=True, nogil=True)
def decoder_state(data):
    """State of the range decoder over ``data``: ``[pos, code, range]``; bytes past the end read as 0."""
    n = data.shape[0]
    code = 0
    for pos in range(4):
        code = (code << 8) | (data[pos] if pos < n else 0)
    return np.array([4, code, _MASK32], np.int64)


@numba.njit(cache=True, nogil=True)
def decode_bit(data, st, p0) -> int:
    """Inverse of :func:`encode_bit`."""
    bound = (st[2] >> _BITS) * p0
    if st[1] < bound:
        st[2] = bound
        bit = 0
    else:
        st[1] -= bound
        st[2] -= bound
        bit = 1
    n = data.shape[0]
    while st[2] < _TOP:
        st[2] = (st[2] << 8) & _MASK32
        st[1] = ((st[1] << 8) | (data[st[0]] if st[0] < n else 0)) & _MASK32
        st[0] += 1
    return bit


@numba.njit(cache=True, nogil=True)
def encode_map(E, template):
    """Code the 0/1 ``uint8`` map ``E``; returns the bytes as a ``uint8`` array."""
    H, W = E.shape
    nctx = 1 << template.shape[0]
    n0 = np.zeros(nctx, np.int64)
    n1 = np.zeros(nctx, np.int64)
    out = np.empty(H * W * 2 + 16, np.uint8)  # 12 bits per pixel at worst
    st = encoder_state()
    for y in range(H):
        for x in range(W):
            c = _context(E, y, x, W, template)
            bit = E[y, x]
            encode_bit(out, st, _p0(n0, n1, c), bit)
            _count(n0, n1, c, bit)
    return out[: encode_finish(out, st)].copy()


@numba.njit(cache=True, nogil=True)
def decode_map(data, H, W, template):
    """Inverse of :func:`encode_map` for an ``H x W`` map; bytes past the end of ``data`` read as 0."""
    nctx = 1 << template.shape[0]
    n0 = np.zeros(nctx, np.int64)
    n1 = np.zeros(nctx, np.int64)
    E = np.zeros((H, W), np.uint8)
    st = decoder_state(data)
    for y in range(H):
        for x in range(W):
            c = _context(E, y, x, W, template)
            bit = decode_bit(data, st, _p0(n0, n1, c))
            E[y, x] = bit
            _count(n0, n1, c, bit)
    return E
