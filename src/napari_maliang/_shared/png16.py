"""Read and write 16-bit colour PNGs (RGB or RGBA, 16 bits per sample) with numpy and zlib alone.

Why our own: Pillow has no 48/64-bit colour mode (it reads such a file cut to 8 bits and cannot
write one), and no small maintained library does it; OpenCV and imagecodecs do, but they are
large optional installs. This module handles exactly that one kind of PNG -- bit depth 16, colour
type 2 (RGB) or 6 (RGBA) -- and nothing else; other PNGs go through Pillow.

Writing: one IHDR, the pixels as big-endian samples, each row filtered with the PNG filter that
gives it the smallest sum of absolute (signed byte) values (libpng's heuristic, vectorised over
blocks of rows), deflated at zlib level 6, then IEND.

Reading: every chunk's CRC is checked, the IDAT data is inflated no further than the size IHDR
implies (an IHDR asking for more than the compressed data could hold is refused before anything
is allocated), and all five filter types and Adam7 interlacing are undone. None/Sub/Up rows are
undone with numpy (a running sum per byte lane, mod 256); a file with Average or Paeth rows goes
through a compiled loop (numba, imported on first use). An RGB file with a tRNS chunk (one
transparent colour) gives RGBA, as libpng does. A corrupt or truncated file raises ``ValueError``
naming it.

>>> import numpy as np
>>> image = np.arange(2 * 3 * 4, dtype=np.uint16).reshape(2, 3, 4) * 2731
>>> bool((decode(encode(image)) == image).all())
True
"""

from __future__ import annotations

import functools
import os
import struct
import zlib

import numpy as np

__all__ = ["MAX_PIXELS", "decode", "encode", "read", "write"]

SIGNATURE = b"\x89PNG\r\n\x1a\n"

#: The most pixels :func:`decode` accepts (8 GiB of RGBA samples); larger files belong in a TIFF.
MAX_PIXELS = 2**30

#: Deflate cannot expand data by more than about 1032:1, so an IHDR promising more bytes than that
#: per byte of IDAT describes a truncated or forged file.
_MAX_INFLATE = 1032

#: Adam7 passes: (first column, first row, column step, row step).
_ADAM7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2))

_CHANNELS = {2: 3, 6: 4}  # colour type -> samples per pixel


class _Corrupt(Exception):
    """Why a file cannot be decoded (turned into a ValueError naming the file)."""


# -------------------------------------------------------------------------------------------------
# writing


def encode(image: np.ndarray, level: int = 6) -> bytes:
    """The PNG file for a ``(H, W, 3|4)`` uint16 image (RGB or RGBA)."""
    return b"".join(_chunks(image, level))


def write(path, image: np.ndarray, level: int = 6) -> None:
    """Write a ``(H, W, 3|4)`` uint16 image as a 16-bit colour PNG, block by block."""
    with open(os.fspath(path), "wb") as f:
        for piece in _chunks(image, level):
            f.write(piece)


def _chunk(ctype: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + ctype + body + struct.pack(">I", zlib.crc32(body, zlib.crc32(ctype)))


def _chunks(image, level):
    image = np.asarray(image)
    if image.dtype != np.uint16 or image.ndim != 3 or image.shape[-1] not in (3, 4):
        raise ValueError(f"a 16-bit colour PNG holds a (H, W, 3|4) uint16 image, not {image.shape} {image.dtype}")
    height, width, channels = image.shape
    if not (0 < height < 2**31 and 0 < width < 2**31):
        raise ValueError(f"a PNG is 1 to 2**31 - 1 pixels wide and high, not {height} x {width}")
    yield SIGNATURE
    yield _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 16, 2 if channels == 3 else 6, 0, 0, 0))
    bpp = 2 * channels
    raw = image.reshape(height, width * channels)
    block = max(1, 2**20 // raw.shape[1])  # about 1 MiB of samples at a time
    deflate = zlib.compressobj(level)
    prev = np.zeros(width * bpp, np.uint8)
    for y0 in range(0, height, block):
        rows = raw[y0 : y0 + block].astype(">u2").view(np.uint8)
        filtered = _filter_rows(rows, prev, bpp)
        prev = rows[-1]
        out = deflate.compress(filtered)
        if out:
            yield _chunk(b"IDAT", out)
    yield _chunk(b"IDAT", deflate.flush())
    yield _chunk(b"IEND", b"")


def _filter_rows(rows: np.ndarray, prev: np.ndarray, bpp: int) -> bytes:
    """``rows`` (n, stride) uint8, ``prev`` the row above the first: each row prefixed by the filter
    type (0-4) that minimises its sum of absolute signed bytes, as bytes."""
    cur = rows.astype(np.int16)
    up = np.empty_like(cur)
    up[0] = prev
    up[1:] = cur[:-1]
    left = np.zeros_like(cur)
    left[:, bpp:] = cur[:, :-bpp]
    upleft = np.zeros_like(cur)
    upleft[:, bpp:] = up[:, :-bpp]
    pa, pb, pc = np.abs(up - upleft), np.abs(left - upleft), np.abs(left + up - 2 * upleft)
    paeth = np.where((pa <= pb) & (pa <= pc), left, np.where(pb <= pc, up, upleft))
    candidates = np.stack([cur, cur - left, cur - up, cur - (left + up) // 2, cur - paeth]).astype(np.uint8)
    score = np.abs(candidates.view(np.int8).astype(np.int16)).sum(axis=2, dtype=np.int64)  # (5, n)
    best = score.argmin(axis=0)
    out = np.empty((rows.shape[0], rows.shape[1] + 1), np.uint8)
    out[:, 0] = best
    out[:, 1:] = candidates[best, np.arange(rows.shape[0])]
    return out.tobytes()


# -------------------------------------------------------------------------------------------------
# reading


def read(path) -> np.ndarray:
    """A 16-bit colour PNG file as a ``(H, W, 3|4)`` uint16 array (RGB or RGBA).

    Raises ``ValueError`` naming the file for anything else, and for a corrupt or truncated file.
    """
    path = os.fspath(path)
    with open(path, "rb") as f:
        data = f.read()
    return decode(data, name=path)


def decode(data, name: str = "PNG data") -> np.ndarray:
    """The pixels of a 16-bit colour PNG held in ``data`` (bytes), as :func:`read`."""
    try:
        return _decode(memoryview(data))
    except _Corrupt as exc:
        raise ValueError(f"cannot read {name!r} as a 16-bit colour PNG: {exc}") from None
    except zlib.error as exc:
        raise ValueError(f"cannot read {name!r} as a 16-bit colour PNG: corrupt image data ({exc})") from None


def _parse_chunks(data: memoryview):
    """(IHDR fields, list of IDAT bodies, tRNS body or None) after checking structure and CRCs up to IEND."""
    if bytes(data[:8]) != SIGNATURE:
        raise _Corrupt("not a PNG file (no PNG signature)")
    pos, header, idat, idat_done, trns = 8, None, [], False, None
    while True:
        if pos + 8 > len(data):
            raise _Corrupt("the file ends before its IEND chunk (truncated)")
        length, ctype = struct.unpack_from(">I4s", data, pos)
        label = ctype.decode("latin-1")
        if length >= 2**31:
            raise _Corrupt(f"chunk {label!r} claims {length} bytes (corrupt)")
        end = pos + 8 + length
        if end + 4 > len(data):
            raise _Corrupt(f"the {label!r} chunk is cut short (truncated file)")
        body = data[pos + 8 : end]
        (crc,) = struct.unpack_from(">I", data, end)
        if zlib.crc32(body, zlib.crc32(ctype)) != crc:
            raise _Corrupt(f"CRC mismatch in the {label!r} chunk (corrupt file)")
        pos = end + 4
        if header is None:
            if ctype != b"IHDR" or length != 13:
                raise _Corrupt("the first chunk is not a valid IHDR")
            header = struct.unpack(">IIBBBBB", body)
            continue
        if ctype == b"IEND":
            break
        if ctype == b"IDAT":
            if idat_done:
                raise _Corrupt("IDAT chunks are not consecutive")
            idat.append(body)
            continue
        idat_done = bool(idat)
        if ctype == b"tRNS":
            trns = bytes(body)
        elif ctype == b"IHDR" or (65 <= ctype[0] <= 90 and ctype != b"PLTE"):
            raise _Corrupt(f"unexpected critical chunk {label!r}")
        # any other chunk is ancillary (or a suggested palette): not needed for the pixels
    if not idat:
        raise _Corrupt("no image data (IDAT chunk)")
    return header, idat, trns


def _decode(data: memoryview) -> np.ndarray:
    header, idat, trns = _parse_chunks(data)
    width, height, depth, colour, compression, filtering, interlace = header
    if depth != 16 or colour not in _CHANNELS:
        raise _Corrupt(f"bit depth {depth}, colour type {colour}: only 16-bit RGB/RGBA is read here")
    if compression != 0 or filtering != 0 or interlace not in (0, 1):
        raise _Corrupt(f"unknown compression {compression}, filter method {filtering} or interlace {interlace}")
    if not (0 < width < 2**31 and 0 < height < 2**31):
        raise _Corrupt(f"invalid size {width} x {height}")
    channels = _CHANNELS[colour]
    bpp = 2 * channels
    passes = _ADAM7 if interlace else ((0, 0, 1, 1),)
    shapes = [((height - y0 + dy - 1) // dy, (width - x0 + dx - 1) // dx) for x0, y0, dx, dy in passes]
    expected = sum(h * (1 + w * bpp) for h, w in shapes if h and w)
    compressed = sum(len(b) for b in idat)
    if expected > _MAX_INFLATE * compressed + 64:
        raise _Corrupt(
            f"IHDR says {width} x {height} pixels, more than {compressed} bytes of image data can hold "
            "(truncated or corrupt file)"
        )
    if width * height > MAX_PIXELS:
        raise _Corrupt(
            f"{width} x {height} pixels is more than this reader takes ({MAX_PIXELS}); "
            "save the image as TIFF"
        )
    buf = _inflate(idat, expected)
    out = np.empty((height, width, channels), np.uint16)
    offset = 0
    for (x0, y0, dx, dy), (h, w) in zip(passes, shapes, strict=True):
        if not (h and w):
            continue
        n = h * (1 + w * bpp)
        rows = buf[offset : offset + n].reshape(h, 1 + w * bpp)
        offset += n
        _unfilter(rows, bpp)
        out[y0::dy, x0::dx] = rows[:, 1:].view(">u2").reshape(h, w, channels)
    if colour == 2 and trns is not None and len(trns) == 6:  # one transparent colour: RGBA, as libpng gives it
        key = np.frombuffer(trns, ">u2")
        alpha = np.where((out == key).all(axis=-1), 0, 65535).astype(np.uint16)
        out = np.concatenate([out, alpha[..., None]], axis=-1)
    return out


def _inflate(idat, expected: int) -> np.ndarray:
    """Exactly ``expected`` bytes inflated from the IDAT bodies (never more), checking the zlib stream."""
    buf = np.empty(expected, np.uint8)
    inflate = zlib.decompressobj()
    filled = 0
    pieces = iter(idat)
    for piece in pieces:
        got = inflate.decompress(piece, expected - filled)
        buf[filled : filled + len(got)] = np.frombuffer(got, np.uint8)
        filled += len(got)
        if filled == expected or inflate.eof:
            break
    if filled < expected:
        raise _Corrupt(f"the image data ends after {filled} of {expected} bytes (truncated or corrupt file)")
    if not inflate.eof:  # read on to the stream's end so that its Adler-32 checksum is checked; extra data is ignored
        inflate.decompress(bytes(inflate.unconsumed_tail) + b"".join(pieces), 1)
    return buf


def _unfilter(rows: np.ndarray, bpp: int) -> None:
    """Undo the PNG filters of ``rows`` (h, 1 + stride) uint8 in place (column 0: each row's filter type)."""
    types = rows[:, 0]
    if types.max() > 4:
        y = int(np.argmax(types > 4))
        raise _Corrupt(f"unknown filter type {types[y]} on row {y} (corrupt file)")
    if (types >= 3).any():
        _compiled_unfilter()(rows, bpp)
        return
    data = rows[:, 1:]
    sub = np.flatnonzero(types == 1)
    if sub.size:  # Sub: a running sum along each byte lane of the row
        lanes = data[sub].reshape(sub.size, -1, bpp)
        data[sub] = np.cumsum(lanes, axis=1, dtype=np.uint8).reshape(sub.size, -1)
    up = np.flatnonzero(types == 2)
    if up.size:  # Up: a running sum down each run of Up rows, from the (finished) row above the run
        starts = up[np.r_[True, np.diff(up) > 1]]
        ends = up[np.r_[np.diff(up) > 1, True]] + 1
        for a, b in zip(starts, ends, strict=True):
            run = np.cumsum(data[a:b], axis=0, dtype=np.uint8)
            if a > 0:
                run += data[a - 1]
            data[a:b] = run


def _unfilter_loop(rows, bpp):  # pragma: no cover - compiled by numba (see _compiled_unfilter)
    """All five filter types, row by row (the reference loop of the PNG specification)."""
    h, n = rows.shape
    for y in range(h):
        kind = rows[y, 0]
        for x in range(1, n):
            a = np.int32(rows[y, x - bpp]) if x > bpp else np.int32(0)
            b = np.int32(rows[y - 1, x]) if y > 0 else np.int32(0)
            if kind == 1:
                pred = a
            elif kind == 2:
                pred = b
            elif kind == 3:
                pred = (a + b) >> 1
            elif kind == 4:
                c = np.int32(rows[y - 1, x - bpp]) if (y > 0 and x > bpp) else np.int32(0)
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if (pa <= pb and pa <= pc) else (b if pb <= pc else c)
            else:
                pred = np.int32(0)
            rows[y, x] = (np.int32(rows[y, x]) + pred) & 255


@functools.cache
def _compiled_unfilter():
    import numba  # a core dependency, but heavy: imported only when a file has Average or Paeth rows

    return numba.njit(cache=True, nogil=True)(_unfilter_loop)
