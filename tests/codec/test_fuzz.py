"""Property-based fuzzing of the decoder: random and mutated streams only ever raise CodecError."""

import struct
import zlib

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from napari_maliang.codec import CodecError, decode

SETTINGS = settings(max_examples=50, deadline=2000, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _check(data):
    try:
        out = decode(data)
    except CodecError:
        return
    # a mutation that still decodes must give a sane image
    assert out.dtype.name == "uint8" and out.ndim in (2, 3)


@SETTINGS
@given(st.binary(max_size=300))
def test_random_bytes(data):
    _check(data)


@SETTINGS
@given(data=st.data())
def test_mutated_streams(small_stream, data):
    _check(_mutate(small_stream, data))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_mutated_photo_streams(small_photo_stream, data):
    # the photo mode's sections (tree, values, parameters) hold up the same way
    _check(_mutate(small_photo_stream, data))


def _mutate(small_stream, data) -> bytes:
    stream = bytearray(small_stream)
    kind = data.draw(st.sampled_from(["flip", "truncate", "splice", "reseal"]))
    if kind == "flip":
        pos = data.draw(st.integers(0, len(stream) - 1))
        stream[pos] ^= data.draw(st.integers(1, 255))
    elif kind == "truncate":
        stream = stream[: data.draw(st.integers(0, len(stream) - 1))]
    elif kind == "splice":
        pos = data.draw(st.integers(0, len(stream)))
        stream[pos:pos] = data.draw(st.binary(min_size=1, max_size=20))
    else:
        # mutate the payload and recompute the CRC: the parser itself must hold up
        pos = data.draw(st.integers(16, len(stream) - 5))  # payload, not the image size
        stream[pos] ^= data.draw(st.integers(1, 255))
        body = bytes(stream[:-4])
        stream = bytearray(body + struct.pack("<I", zlib.crc32(body) & 0xFFFFFFFF))
    return bytes(stream)
