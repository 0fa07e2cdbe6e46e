"""Source-point values: colour transform, uniform quantization, prediction and entropy coding.

Every source value is quantized (``k = round(v / q)``), predicted from the quantized value of
an earlier source on the same chain or in the same region (see :mod:`.geometry`), and the
residuals are coded with a categorical model per stream (``new`` chains / continuing chains,
per channel) whose histogram travels log-quantized in 5 bits per symbol, with the
`constriction` range coder.
"""

from __future__ import annotations

import numpy as np

from napari_maliang._shared import color

from .format import CodecError, Reader, write_varint

_HBITS = 5
_MAX_SPAN = 2 * 256 + 1


def rgb_to_ycc(rgb: np.ndarray) -> np.ndarray:
    """Full-range BT.601 YCbCr (JPEG's) of 8-bit-scale RGB, float64."""
    return color.rgb_to_ycbcr(rgb, offset=128.0)


def ycc_to_rgb(ycc: np.ndarray) -> np.ndarray:
    """Inverse of :func:`rgb_to_ycc` (not clipped)."""
    return color.ycbcr_to_rgb(ycc, offset=128.0)


def quantize(values: np.ndarray, steps) -> np.ndarray:
    """``(n, C)`` float values -> int indices with the per-channel step."""
    steps = np.asarray(steps, dtype=np.float64)
    k = np.floor(np.asarray(values, dtype=np.float64) / steps + 0.5)
    kmax = np.ceil(255.0 / steps)
    return np.clip(k, 0, kmax).astype(np.int64)


def dequantize(k: np.ndarray, steps) -> np.ndarray:
    return np.clip(k * np.asarray(steps, dtype=np.float64), 0.0, 255.0)


def _residuals(k: np.ndarray, ref: np.ndarray, mid: np.ndarray) -> np.ndarray:
    pred = np.where(ref[:, None] >= 0, k[np.maximum(ref, 0)], mid[None, :])
    return k - pred


def _reconstruct(res: np.ndarray, ref: np.ndarray, mid: np.ndarray) -> np.ndarray:
    k = np.empty_like(res)
    for i in range(res.shape[0]):  # each reference is an earlier source
        r = ref[i]
        k[i] = res[i] + (k[r] if r >= 0 else mid)
    return k


def _zigzag(v: int) -> int:
    return 2 * v if v >= 0 else -2 * v - 1


def _unzigzag(z: int) -> int:
    return z // 2 if z % 2 == 0 else -(z + 1) // 2


def _hist_codes(counts: np.ndarray) -> np.ndarray:
    codes = np.where(counts > 0, np.rint(2 * np.log2(counts + 1.0)), 0)
    return np.clip(codes, 1 * (counts > 0), 2**_HBITS - 1).astype(np.int64)


def _hist_probs(codes: np.ndarray) -> np.ndarray:
    return np.where(codes > 0, np.exp2(codes / 2.0) - 1.0, 0.0)


def _categorical():
    import constriction

    return constriction.stream.model.Categorical


def encode_values(k: np.ndarray, ref: np.ndarray, new: np.ndarray, kmax: np.ndarray) -> bytes:
    """Code quantized values ``k`` ``(n, C)``; ``kmax`` the largest index per channel."""
    import constriction

    mid = (kmax + 1) // 2
    res = _residuals(k, ref, mid)
    head = bytearray()
    enc = constriction.stream.queue.RangeEncoder()
    for c in range(k.shape[1]):
        for sel in (new, ~new):
            r = res[sel, c]
            if r.size == 0:
                continue
            mn, mx = int(r.min()), int(r.max())
            span = mx - mn + 1
            head += write_varint(_zigzag(mn)) + write_varint(span)
            counts = np.bincount(r - mn, minlength=span)
            codes = _hist_codes(counts)
            bits = ((codes[:, None] >> np.arange(_HBITS)[None, :]) & 1).astype(np.uint8).ravel()
            head += np.packbits(bits).tobytes()
            if span > 1:
                model = _categorical()(_hist_probs(codes), perfect=False)
                enc.encode((r - mn).astype(np.int32), model)
    return bytes(write_varint(len(head))) + bytes(head) + enc.get_compressed().tobytes()


def decode_values(payload: bytes, ref: np.ndarray, new: np.ndarray, kmax: np.ndarray) -> np.ndarray:
    """Inverse of :func:`encode_values` (counts come from the geometry, not the stream)."""
    import constriction

    n = ref.size
    C = kmax.size
    mid = (kmax + 1) // 2
    r = Reader(payload)
    hlen = r.varint()
    if hlen > r.remaining:
        raise CodecError("value section header exceeds the data")
    hr = Reader(payload, r.pos, r.pos + hlen)
    rest = payload[r.pos + hlen :]
    if len(rest) % 4:
        raise CodecError("value payload is not a whole number of 32-bit words")
    try:
        dec = constriction.stream.queue.RangeDecoder(np.frombuffer(rest, dtype=np.uint32))
    except Exception as exc:
        raise CodecError(f"corrupt value section: {exc}") from None
    res = np.zeros((n, C), np.int64)
    for c in range(C):
        for sel in (new, ~new):
            m = int(sel.sum())
            if m == 0:
                continue
            mn = _unzigzag(hr.varint())
            span = hr.varint()
            if not (1 <= span <= _MAX_SPAN) or abs(mn) > 512:
                raise CodecError("corrupt value histogram")
            codes_bits = np.unpackbits(np.frombuffer(hr.take((span * _HBITS + 7) // 8), np.uint8))
            codes = (codes_bits[: span * _HBITS].reshape(span, _HBITS).astype(np.int64) << np.arange(_HBITS)).sum(1)
            if span > 1:
                probs = _hist_probs(codes)
                if not probs.any():
                    raise CodecError("corrupt value histogram")
                try:
                    sym = np.asarray(dec.decode(_categorical()(probs, perfect=False), m), dtype=np.int64)
                except Exception as exc:
                    raise CodecError(f"corrupt value data: {exc}") from None
            else:
                sym = np.zeros(m, np.int64)
            res[sel, c] = sym + mn
    if hr.remaining:
        raise CodecError("trailing bytes in the value histograms")
    k = _reconstruct(res, ref, mid)
    if (k < 0).any() or (k > kmax[None, :]).any():
        raise CodecError("decoded source values out of range")
    return k
