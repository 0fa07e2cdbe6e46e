import numpy as np
import pytest

from napari_maliang.codec import CodecError, decode, decode_details, encode, read_mlg, write_mlg
from napari_maliang.codec.compare import psnr
from napari_maliang.codec.samples import cartoon


def test_gray_round_trip_quality(small_cartoon, small_stream):
    out = decode(small_stream)
    assert out.shape == small_cartoon.shape and out.dtype == np.uint8
    assert psnr(small_cartoon, out) > 28
    # far smaller than the raw image
    assert len(small_stream) < small_cartoon.size / 10


def test_decode_is_deterministic(small_stream):
    assert np.array_equal(decode(small_stream), decode(small_stream))


def test_rgb_round_trip_shares_edges(small_cartoon_rgb):
    data = encode(small_cartoon_rgb, bpp=0.5)
    assert len(data) * 8 <= 0.5 * small_cartoon_rgb.shape[0] * small_cartoon_rgb.shape[1]
    res = decode_details(data)
    assert res.image.shape == small_cartoon_rgb.shape
    assert res.header.channels == 3
    assert psnr(small_cartoon_rgb, res.image) > 25


@pytest.mark.parametrize("bpp", [0.1, 0.2, 0.4])
def test_rate_control_never_exceeds_budget(bpp):
    img = cartoon((128, 128), n_shapes=8, seed=11)
    data = encode(img, bpp=bpp)
    assert len(data) <= bpp * img.size / 8
    assert psnr(img, decode(data)) > 20 + 10 * bpp


def test_more_rate_is_not_worse():
    img = cartoon((128, 128), n_shapes=8, seed=12)
    low = psnr(img, decode(encode(img, bpp=0.12)))
    high = psnr(img, decode(encode(img, bpp=0.4)))
    assert high >= low - 0.5


def test_bpp_too_small_names_smallest_rate():
    img = cartoon((128, 128), n_shapes=10, seed=2)
    with pytest.raises(ValueError, match=r"at least that") as info:
        encode(img, bpp=0.001)
    smallest = float(str(info.value).split("i.e. ")[1].split(" bpp")[0])
    data = encode(img, bpp=smallest * 1.02)
    assert len(data) * 8 <= smallest * 1.02 * img.size


def test_invalid_options():
    with pytest.raises(ValueError, match="bpp must be a finite number > 0, got -1.0"):
        encode(np.zeros((32, 32), np.uint8), bpp=-1)
    with pytest.raises(ValueError, match="quant must be an integer >= 1 and <= 127, got 200"):
        encode(np.zeros((32, 32), np.uint8), quant=200)


def test_constant_image_is_exact():
    img = np.full((64, 64), 77, np.uint8)
    data = encode(img, bpp=0.1)
    assert len(data) * 8 <= 0.1 * img.size
    assert np.abs(decode(data).astype(int) - 77).max() <= 4


def test_too_small_image():
    with pytest.raises(ValueError, match="too small"):
        encode(np.zeros((4, 100), np.uint8))


def test_bad_shapes_and_types():
    with pytest.raises(ValueError, match=r"\(H, W, 3\)"):
        encode(np.zeros((32, 32, 5), np.uint8))
    with pytest.raises(TypeError):
        encode(np.array([["a"] * 10] * 10))
    with pytest.raises(ValueError, match="NaN"):
        encode(np.full((16, 16), np.nan))


def test_uint16_and_float_are_converted(small_cartoon):
    base = decode(encode(small_cartoon, edge_threshold=6, spacing=6, quant=6))
    as16 = small_cartoon.astype(np.uint16) * 257
    out16 = decode(encode(as16, edge_threshold=6, spacing=6, quant=6))
    assert np.abs(out16.astype(int) - base).mean() < 1.0
    asf = small_cartoon.astype(np.float32) / 255
    outf = decode(encode(asf, edge_threshold=6, spacing=6, quant=6))
    assert np.abs(outf.astype(int) - base).mean() < 1.0


def test_file_helpers(tmp_path, small_cartoon):
    path = write_mlg(tmp_path / "a.mlg", small_cartoon, bpp=0.5)
    out = read_mlg(path)
    assert out.shape == small_cartoon.shape
    png = tmp_path / "b.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(50))
    with pytest.raises(CodecError, match="not an .mlg file"):
        read_mlg(png)
    with pytest.raises(OSError):
        read_mlg(tmp_path / "missing.mlg")
