"""The ``.mlg`` byte stream: magic number, version, header, length-prefixed sections, CRC32.

Layout (all integers little-endian or LEB128 varints)::

    magic      4 bytes  b"MLG\\x1a"
    version    1 byte   (FORMAT_VERSION = 2; version 1 streams, without the mode byte, still decode)
    header     varint height, varint width, 1 byte channels (1 or 3), 1 byte flags,
               1 byte spacing, 1 byte grid, 1 byte q_luma, 1 byte q_chroma,
               1 byte mode (version 2: 0 = edges + source points, 1 = photo mode, :mod:`.photo`)
    nsections  1 byte
    sections   nsections x (1 byte tag, varint length, payload)
    crc32      4 bytes  CRC32 of everything before it

Decoding checks the CRC first (so random or mutated streams fail in O(n) without
touching any payload), then every size against the header and the hard caps below
before allocating anything.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field

MAGIC = b"MLG\x1a"
FORMAT_VERSION = 2
READABLE_VERSIONS = (1, 2)
MODE_EDGE = 0
MODE_PHOTO = 1
MAX_SIDE = 8192
MAX_PIXELS = 1 << 22  # 4 Mpixel (e.g. 2048 x 2048): bounds the decoder's sparse system to ~1 GB
MIN_SIDE = 8

FLAG_EDGE_VALUES = 1  # edge pixels carry their own 1-D diffused samples
FLAG_BORDER = 2  # the image frame is a 1-D chain with samples too (fixes Neumann drift at borders)
FLAG_PREDICTIVE_VALUES = 4  # photo mode: the stored values coded in the predicted-level contexts (2026-12-05)
FLAG_TREE_VALUES = 8  # photo mode: the stored values coded coarse to fine in the tree's order (2026-12-05 evening)
FLAG_INTERLEAVED = 16  # photo mode: split flags and values in one stream, the flags in corner-range contexts (2026-12-05 on)
FLAG_LEVEL_GAMMA = 32  # photo mode: each plane's levels companded by a power law, its exponent in the section (2026-12-06)
FLAG_MIXED_VALUES = 64  # photo mode, with FLAG_INTERLEAVED: the flags' and values' probabilities mixed from several contexts (2026-12-06 on)
FLAG_KNOWN = (
    FLAG_EDGE_VALUES
    | FLAG_BORDER
    | FLAG_PREDICTIVE_VALUES
    | FLAG_TREE_VALUES
    | FLAG_INTERLEAVED
    | FLAG_LEVEL_GAMMA
    | FLAG_MIXED_VALUES
)

SECTION_EDGES = 1
SECTION_VALUES = 2
SECTION_PHOTO = 3  # photo mode: 3 + plane (gray or Y, Cb, Cr), see :mod:`.photo`


class CodecError(ValueError):
    """Raised for truncated, corrupt or unsupported ``.mlg`` data."""


@dataclass
class Header:
    """Image shape and the decoder's parameters (everything the geometry depends on)."""

    height: int
    width: int
    channels: int = 1
    flags: int = 0
    spacing: int = 8  # distance between source points along an edge (pixels)
    grid: int = 0  # spacing of the interior source-point grid (0 = none)
    q_luma: int = 8  # quantization step of luma / gray values
    q_chroma: int = 16  # quantization step of the chroma channels
    mode: int = MODE_EDGE  # MODE_EDGE or MODE_PHOTO (version 2)

    @property
    def edge_values(self) -> bool:
        return bool(self.flags & FLAG_EDGE_VALUES)

    @property
    def border(self) -> bool:
        return bool(self.flags & FLAG_BORDER)

    def validate(self) -> None:
        if not (MIN_SIDE <= self.height <= MAX_SIDE and MIN_SIDE <= self.width <= MAX_SIDE):
            raise CodecError(f"image size {self.height}x{self.width} outside {MIN_SIDE}..{MAX_SIDE}")
        if self.height * self.width > MAX_PIXELS:
            raise CodecError(f"image of {self.height * self.width} pixels exceeds the cap of {MAX_PIXELS}")
        if self.channels not in (1, 3):
            raise CodecError(f"unsupported channel count {self.channels}")
        if self.flags & ~FLAG_KNOWN:
            raise CodecError(f"unknown flags {self.flags:#x}")
        if not (1 <= self.spacing <= 255) or not (0 <= self.grid <= 255):
            raise CodecError("invalid sampling parameters")
        if not (1 <= self.q_luma <= 255 and 1 <= self.q_chroma <= 255):
            raise CodecError("invalid quantization steps")
        if self.mode not in (MODE_EDGE, MODE_PHOTO):
            raise CodecError(f"unknown coding mode {self.mode}")


@dataclass
class Container:
    header: Header
    sections: dict[int, bytes] = field(default_factory=dict)


def write_varint(value: int) -> bytes:
    if value < 0:
        raise ValueError("varint must be non-negative")
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


class Reader:
    """A bounds-checked cursor over bytes; every overrun raises :class:`CodecError`."""

    def __init__(self, data: bytes, pos: int = 0, end: int | None = None):
        self.data = data
        self.pos = pos
        self.end = len(data) if end is None else end

    def take(self, n: int) -> bytes:
        if n < 0 or self.pos + n > self.end:
            raise CodecError("truncated data")
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out

    def u8(self) -> int:
        return self.take(1)[0]

    def varint(self, max_bytes: int = 5) -> int:
        value = 0
        for i in range(max_bytes):
            byte = self.u8()
            value |= (byte & 0x7F) << (7 * i)
            if not byte & 0x80:
                return value
        raise CodecError("malformed varint")

    @property
    def remaining(self) -> int:
        return self.end - self.pos


def pack(container: Container) -> bytes:
    """Serialize a :class:`Container` to bytes (with CRC32)."""
    h = container.header
    h.validate()
    out = bytearray(MAGIC)
    out.append(FORMAT_VERSION)
    out += write_varint(h.height) + write_varint(h.width)
    out += bytes([h.channels, h.flags, h.spacing, h.grid, h.q_luma, h.q_chroma, h.mode])
    out.append(len(container.sections))
    for tag, payload in sorted(container.sections.items()):
        out.append(tag)
        out += write_varint(len(payload))
        out += payload
    out += struct.pack("<I", zlib.crc32(out) & 0xFFFFFFFF)
    return bytes(out)


def unpack(data) -> Container:
    """Parse and check bytes produced by :func:`pack`; raise :class:`CodecError` on any problem."""
    if isinstance(data, (bytearray, memoryview)):
        data = bytes(data)
    if not isinstance(data, bytes):
        raise TypeError(f"expected bytes, got {type(data).__name__}")
    if len(data) < len(MAGIC) + 1 + 4:
        raise CodecError(f"data too short for an .mlg stream ({len(data)} bytes)")
    if data[: len(MAGIC)] != MAGIC:
        raise CodecError("not an .mlg stream (bad magic number)")
    version = data[len(MAGIC)]
    if version not in READABLE_VERSIONS:
        raise CodecError(f"unsupported .mlg version {version} (this decoder reads versions {READABLE_VERSIONS})")
    (crc,) = struct.unpack("<I", data[-4:])
    if zlib.crc32(data[:-4]) & 0xFFFFFFFF != crc:
        raise CodecError("CRC mismatch: the .mlg data is corrupt or truncated")
    r = Reader(data, len(MAGIC) + 1, len(data) - 4)
    height = r.varint(3)
    width = r.varint(3)
    channels, flags, spacing, grid, q_luma, q_chroma = r.take(6)
    mode = r.u8() if version >= 2 else MODE_EDGE
    header = Header(height, width, channels, flags, spacing, grid, q_luma, q_chroma, mode)
    header.validate()
    nsections = r.u8()
    sections: dict[int, bytes] = {}
    for _ in range(nsections):
        tag = r.u8()
        length = r.varint()
        if length > r.remaining:
            raise CodecError("section length exceeds the data")
        if tag in sections:
            raise CodecError(f"duplicate section {tag}")
        sections[tag] = r.take(length)
    if r.remaining:
        raise CodecError("trailing bytes after the last section")
    return Container(header, sections)
