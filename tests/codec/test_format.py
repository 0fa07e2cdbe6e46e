import struct
import zlib

import numpy as np
import pytest

from napari_maliang.codec import CodecError, decode
from napari_maliang.codec import format as fmt


def _header(**kw):
    base = dict(height=64, width=80, channels=1, flags=0, spacing=8, grid=0, q_luma=8, q_chroma=16)
    base.update(kw)
    return fmt.Header(**base)


def test_container_round_trip():
    c = fmt.Container(_header(channels=3, flags=1), {1: b"abc", 2: bytes(range(200))})
    data = fmt.pack(c)
    assert data.startswith(fmt.MAGIC) and data[4] == fmt.FORMAT_VERSION
    back = fmt.unpack(data)
    assert back.header == c.header
    assert back.sections == c.sections


def test_varint_round_trip():
    for v in (0, 1, 127, 128, 300, 2**20, 2**31):
        r = fmt.Reader(fmt.write_varint(v))
        assert r.varint() == v


def test_codec_error_is_value_error():
    assert issubclass(CodecError, ValueError)


@pytest.mark.parametrize(
    "data, match",
    [
        (b"", "too short"),
        (b"PNG\x89\x01" + bytes(20), "magic"),
        (fmt.MAGIC + b"\x09" + bytes(20), "version"),
    ],
)
def test_bad_starts(data, match):
    with pytest.raises(CodecError, match=match):
        decode(data)


def test_crc_catches_flipped_bit(small_stream):
    data = bytearray(small_stream)
    data[len(data) // 2] ^= 0x10
    with pytest.raises(CodecError, match="CRC"):
        decode(bytes(data))


def test_truncated_streams(small_stream):
    for n in (0, 3, 5, 10, len(small_stream) // 2, len(small_stream) - 1):
        with pytest.raises(CodecError):
            decode(small_stream[:n])


def _reseal(body: bytes) -> bytes:
    return body + struct.pack("<I", zlib.crc32(body) & 0xFFFFFFFF)


def test_huge_dimensions_rejected_before_allocation():
    # a valid CRC but a header claiming 8192 x 8192 x 3: refused by the caps, no allocation
    body = fmt.MAGIC + bytes([1]) + fmt.write_varint(9000) + fmt.write_varint(9000) + bytes([1, 0, 8, 0, 8, 16, 0])
    with pytest.raises(CodecError, match="outside"):
        decode(_reseal(body))


def test_section_length_past_end_rejected():
    body = fmt.MAGIC + bytes([1]) + fmt.write_varint(64) + fmt.write_varint(64) + bytes([1, 0, 8, 0, 8, 16, 1, 1])
    body += fmt.write_varint(10**6) + b"xx"
    with pytest.raises(CodecError, match="section length"):
        decode(_reseal(body))


def test_missing_sections_rejected():
    data = fmt.pack(fmt.Container(_header(), {}))
    with pytest.raises(CodecError, match="missing section"):
        decode(data)


def test_garbage_sections_with_valid_crc_raise_codec_error():
    rng = np.random.default_rng(0)
    for method in range(5):
        edges = bytes([method]) + rng.integers(0, 256, 64, dtype=np.uint8).tobytes()
        values = rng.integers(0, 256, 40, dtype=np.uint8).tobytes()
        data = fmt.pack(fmt.Container(_header(), {1: edges, 2: values}))
        with pytest.raises(CodecError):
            decode(data)


def test_unknown_flag_rejected():
    with pytest.raises(CodecError, match="flags"):
        fmt.pack(fmt.Container(_header(flags=0x80), {}))


def test_large_claimed_image_with_junk_is_rejected_without_big_allocation():
    import tracemalloc

    h = _header(height=2048, width=2048)
    data = fmt.pack(fmt.Container(h, {1: bytes([1]) + b"\x78\x9c" + bytes(30), 2: b"\x00"}))
    tracemalloc.start()
    try:
        with pytest.raises(CodecError):
            decode(data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 * 2**20  # the 4 Mpixel image was never allocated


def test_pixel_cap():
    with pytest.raises(CodecError, match="cap"):
        fmt.pack(fmt.Container(_header(height=4096, width=4096), {}))
