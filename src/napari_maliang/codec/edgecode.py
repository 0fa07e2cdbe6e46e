"""Lossless coding of the binary edge map (paper section 3.1: "encoded through the JBIG algorithm").

The default method is JBIG-class context-adaptive binary arithmetic coding with the
`constriction <https://bamler-lab.github.io/constriction/>`_ range coder. Each row is
coded in two interleaved passes so that a whole pass can be decoded in one vectorized
call: the even columns with an 8-pixel template from the two rows above, then the odd
columns with a template that also holds their already decoded left and right
neighbours. Context statistics adapt after every pass (Krichevsky-Trofimov counts).

For comparison the encoder also tries PNG/zlib and JPEG XL lossless of the same map and
keeps the smallest; the first byte of the section names the method.
"""

from __future__ import annotations

import zlib

import numpy as np

from .format import CodecError

METHOD_CABAC = 0
METHOD_ZLIB = 1
METHOD_JXL = 2
METHOD_PNG = 3
METHOD_NAMES = {METHOD_CABAC: "context arithmetic", METHOD_ZLIB: "zlib", METHOD_JXL: "JPEG XL", METHOD_PNG: "PNG"}

_NCTX = 256
_PRIOR = 0.4


def _initial_counts():
    n0 = np.full((2, _NCTX), _PRIOR)
    n1 = np.full((2, _NCTX), _PRIOR)
    # The empty context is overwhelmingly common and almost always 0: start it skewed.
    n0[:, 0] = 8.0
    n1[:, 0] = 0.05
    return n0, n1


def _ctx_even(P, y):
    """Contexts of the even columns of row ``y`` from the padded map ``P`` (rows above only)."""
    W = P.shape[1] - 4
    xs = np.arange(0, W, 2)
    a = P[y + 1]  # row y-1
    b = P[y]  # row y-2
    return (
        a[xs] | (a[xs + 1] << 1) | (a[xs + 2] << 2) | (a[xs + 3] << 3) | (a[xs + 4] << 4)
        | (b[xs + 1] << 5) | (b[xs + 2] << 6) | (b[xs + 3] << 7)
    )


def _ctx_odd(P, y):
    """Contexts of the odd columns of row ``y``: left/right neighbours (decoded) + rows above."""
    W = P.shape[1] - 4
    xs = np.arange(1, W, 2)
    c = P[y + 2]  # row y
    a = P[y + 1]
    b = P[y]
    return (
        c[xs + 1] | (c[xs + 3] << 1) | (a[xs + 1] << 2) | (a[xs + 2] << 3) | (a[xs + 3] << 4)
        | (a[xs] << 5) | (a[xs + 4] << 6) | (b[xs + 2] << 7)
    )


def _bernoulli():
    import constriction

    return constriction.stream.model.Bernoulli(perfect=False)


def cabac_encode(edges: np.ndarray) -> bytes:
    """Context-adaptive arithmetic coding of a boolean map (see module docstring)."""
    import constriction

    H, W = edges.shape
    P = np.zeros((H + 2, W + 4), dtype=np.int32)
    P[2:, 2:-2] = edges
    n0, n1 = _initial_counts()
    enc = constriction.stream.queue.RangeEncoder()
    fam = _bernoulli()
    for y in range(H):
        row = P[y + 2, 2:-2]
        for phase, ctxf in ((0, _ctx_even), (1, _ctx_odd)):
            ctx = ctxf(P, y)
            bits = row[phase::2]
            p = n1[phase, ctx] / (n0[phase, ctx] + n1[phase, ctx])
            enc.encode(bits.astype(np.int32), fam, p.astype(np.float64))
            n1[phase] += np.bincount(ctx, weights=bits, minlength=_NCTX)
            n0[phase] += np.bincount(ctx, weights=1 - bits, minlength=_NCTX)
    return enc.get_compressed().tobytes()


def cabac_decode(payload: bytes, shape) -> np.ndarray:
    import constriction

    H, W = shape
    if len(payload) % 4:
        raise CodecError("edge map payload is not a whole number of 32-bit words")
    words = np.frombuffer(payload, dtype=np.uint32)
    P = np.zeros((H + 2, W + 4), dtype=np.int32)
    n0, n1 = _initial_counts()
    try:
        dec = constriction.stream.queue.RangeDecoder(words)
        fam = _bernoulli()
        for y in range(H):
            for phase, ctxf in ((0, _ctx_even), (1, _ctx_odd)):
                ctx = ctxf(P, y)
                p = n1[phase, ctx] / (n0[phase, ctx] + n1[phase, ctx])
                bits = np.asarray(dec.decode(fam, p.astype(np.float64)), dtype=np.int32)
                P[y + 2, 2 + phase : W + 2 : 2] = bits
                n1[phase] += np.bincount(ctx, weights=bits, minlength=_NCTX)
                n0[phase] += np.bincount(ctx, weights=1 - bits, minlength=_NCTX)
    except CodecError:
        raise
    except Exception as exc:  # the range decoder reports corrupt input in its own ways
        raise CodecError(f"corrupt edge map: {exc}") from None
    return P[2:, 2:-2].astype(bool)


def _alternatives(edges: np.ndarray, try_jxl: bool):
    bits = np.packbits(edges, axis=None).tobytes()
    yield METHOD_ZLIB, zlib.compress(bits, 9)
    try:
        import imagecodecs

        yield METHOD_PNG, imagecodecs.png_encode(edges.astype(np.uint8), level=9)
        if try_jxl:
            yield METHOD_JXL, imagecodecs.jpegxl_encode(edges.astype(np.uint8), lossless=True, effort=9)
    except Exception:  # optional codecs missing or failing: the arithmetic coder always works
        return


def encode_edges(edges: np.ndarray, *, compare: bool = True, try_jxl: bool = True) -> bytes:
    """Code a boolean edge map; with ``compare`` keep the smallest of all methods.

    Returns the section payload: one method byte followed by the coded map.
    """
    edges = np.asarray(edges, dtype=bool)
    best = bytes([METHOD_CABAC]) + cabac_encode(edges)
    if compare:
        for method, payload in _alternatives(edges, try_jxl):
            if 1 + len(payload) < len(best):
                best = bytes([method]) + payload
    return best


def method_sizes(edges: np.ndarray) -> dict[str, int]:
    """Bytes each method needs for ``edges`` (for reports and the benchmark)."""
    edges = np.asarray(edges, dtype=bool)
    out = {METHOD_NAMES[METHOD_CABAC]: len(cabac_encode(edges))}
    for method, payload in _alternatives(edges, True):
        out[METHOD_NAMES[method]] = len(payload)
    return out


def decode_edges(payload: bytes, shape) -> np.ndarray:
    """Inverse of :func:`encode_edges` for an image of ``shape`` ``(H, W)``."""
    if not payload:
        raise CodecError("empty edge map section")
    H, W = shape
    method, body = payload[0], payload[1:]
    if method == METHOD_CABAC:
        return cabac_decode(body, shape)
    if method == METHOD_ZLIB:
        nbytes = (H * W + 7) // 8
        try:
            d = zlib.decompressobj()
            raw = d.decompress(body, nbytes + 1)  # bounded: never inflate past the header's size
        except zlib.error as exc:
            raise CodecError(f"corrupt edge map: {exc}") from None
        if len(raw) != nbytes:
            raise CodecError("edge map size does not match the header")
        return np.unpackbits(np.frombuffer(raw, np.uint8), count=H * W).reshape(H, W).astype(bool)
    if method in (METHOD_PNG, METHOD_JXL):
        try:
            import imagecodecs

            if method == METHOD_PNG:
                arr = imagecodecs.png_decode(body)
            else:
                arr = imagecodecs.jpegxl_decode(body)
        except Exception as exc:
            raise CodecError(f"corrupt edge map: {exc}") from None
        arr = np.asarray(arr)
        if arr.shape != (H, W):
            raise CodecError("edge map size does not match the header")
        return arr > 0
    raise CodecError(f"unknown edge map method {method}")
