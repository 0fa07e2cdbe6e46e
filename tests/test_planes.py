"""Plane-by-plane reading and streamed writing of image stacks (napari_maliang._planes)."""

import re
import struct
import subprocess
import sys
import tracemalloc
import zlib
from io import BytesIO
from pathlib import Path

import numpy as np
import pytest
import tifffile
from skimage import io

from napari_maliang import _planes
from napari_maliang._planes import map_planes, open_planes
from napari_maliang._shared import png16


@pytest.fixture
def rng():
    return np.random.default_rng(7)


def _invert(plane):
    return (255 - plane).astype(np.uint8)


@pytest.mark.parametrize("compression", [None, "zlib"])  # memory-mapped, then page by page
@pytest.mark.parametrize("shape", [(5, 12, 10), (4, 12, 10, 3)])
def test_stack_round_trip(tmp_path, rng, shape, compression):
    stack = rng.integers(0, 256, shape, dtype=np.uint8)
    src, dst = tmp_path / "in.tif", tmp_path / "out.tif"
    tifffile.imwrite(src, stack, compression=compression, photometric="rgb" if len(shape) == 4 else "minisblack")
    planes = open_planes(src)
    assert planes.stack and len(planes) == shape[0] and planes.shape == shape and planes.dtype == np.uint8
    np.testing.assert_array_equal(planes[2], stack[2])
    seen = []
    assert map_planes(planes, _invert, dst, on_plane=lambda i, r: seen.append(i)) == shape
    assert seen == list(range(shape[0]))
    np.testing.assert_array_equal(tifffile.imread(dst), 255 - stack)
    assert not (tmp_path / "out.tif.part").exists()


def test_single_images_png_and_tiff(tmp_path, rng):
    image = rng.integers(0, 256, (9, 11, 3), dtype=np.uint8)
    for name in ("in.png", "in.tif"):
        src = tmp_path / name
        (io.imsave if name.endswith("png") else tifffile.imwrite)(src, image)
        planes = open_planes(src)
        assert not planes.stack and len(planes) == 1
        dst = tmp_path / f"out_{name}"
        assert map_planes(planes, _invert, dst) == image.shape
        np.testing.assert_array_equal(io.imread(dst), 255 - image)


def test_streaming_holds_a_few_planes_not_the_stack(tmp_path):
    # 64 planes of 512 x 512 float32 = 64 MiB on disk; Python-side allocations stay near a few planes
    n, plane_bytes = 64, 512 * 512 * 4
    src = tmp_path / "big.tif"
    mm = tifffile.memmap(src, shape=(n, 512, 512), dtype=np.float32)
    mm[:] = np.arange(n, dtype=np.float32)[:, None, None]
    mm.flush()
    del mm
    planes = open_planes(src)
    tracemalloc.start()
    try:
        shape = map_planes(planes, lambda p: p * 2, tmp_path / "out.tif")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert shape == (n, 512, 512)
    assert peak < 6 * plane_bytes, f"peak {peak / 2**20:.1f} MiB for {plane_bytes / 2**20:.1f} MiB planes"
    out = tifffile.memmap(tmp_path / "out.tif", mode="r")
    np.testing.assert_array_equal(out[:, 0, 0], 2 * np.arange(n, dtype=np.float32))


def test_clear_errors(tmp_path, rng):
    with pytest.raises(ValueError, match="not found"):
        open_planes(tmp_path / "missing.tif")
    bad = tmp_path / "bad.tif"
    bad.write_bytes(b"not a tiff at all")
    with pytest.raises(ValueError, match="not a readable TIFF"):
        open_planes(bad)
    indexed = tmp_path / "indexed.tif"
    colormap = np.zeros((3, 256), np.uint16)
    tifffile.imwrite(indexed, np.zeros((6, 6), np.uint8), photometric="palette", colormap=colormap)
    with pytest.raises(ValueError, match="palette"):
        open_planes(indexed)
    colour_stack = tmp_path / "c.tif"
    tifffile.imwrite(colour_stack, rng.integers(0, 9, (2, 6, 6, 3), dtype=np.uint8), photometric="rgb")
    with pytest.raises(ValueError, match=r"stack of 2-D planes; got shape \(2, 6, 6, 3\)"):
        open_planes(colour_stack, colour=False)
    five_d = tmp_path / "5d.tif"
    tifffile.imwrite(five_d, np.zeros((2, 2, 4, 4, 2), np.uint8), photometric="minisblack")
    with pytest.raises(ValueError, match="expected"):
        open_planes(five_d)
    gray_stack = tmp_path / "g.tif"
    tifffile.imwrite(gray_stack, np.zeros((3, 6, 6), np.uint8), photometric="minisblack")
    with pytest.raises(ValueError, match="written as TIFF"):
        map_planes(open_planes(gray_stack), _invert, tmp_path / "out.png")
    # a plane whose result changes shape stops the run and leaves no output behind
    calls = []

    def shrinking(plane):
        calls.append(1)
        return plane[: 7 - len(calls)]

    with pytest.raises(ValueError, match="plane 1 gave"):
        map_planes(open_planes(gray_stack), shrinking, tmp_path / "o.tif")
    assert not (tmp_path / "o.tif").exists() and not (tmp_path / "o.tif.part").exists()


def test_pictures_are_read_as_shown(tmp_path, rng):
    """Palette, CMYK, gray + alpha, 1-bit and EXIF-rotated files give the colours a viewer shows (16-bit colour
    PNGs: the tests below)."""
    from PIL import Image

    rgb = rng.integers(0, 256, (12, 16, 3), dtype=np.uint8)
    pal = Image.fromarray(rgb).quantize(colors=256, dither=Image.Dither.NONE)
    pal.save(tmp_path / "p.png")
    np.testing.assert_array_equal(open_planes(tmp_path / "p.png")[0], np.asarray(pal.convert("RGB")))

    Image.fromarray(rgb).convert("CMYK").save(tmp_path / "c.jpg", quality=100)
    cmyk = open_planes(tmp_path / "c.jpg")[0]
    assert cmyk.shape == rgb.shape and np.abs(cmyk.astype(int) - rgb).mean() < 6

    gray = rgb[..., 0]
    Image.fromarray(np.dstack([gray, np.full_like(gray, 200)]), mode="LA").save(tmp_path / "la.png")
    la = open_planes(tmp_path / "la.png")
    assert not la.stack and la[0].shape == (12, 16, 4) and (la[0][..., 0] == gray).all() and (la[0][..., 3] == 200).all()

    Image.fromarray(gray > 128).save(tmp_path / "bits.png")
    np.testing.assert_array_equal(open_planes(tmp_path / "bits.png")[0], np.where(gray > 128, 255, 0))

    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90 degrees clockwise to display
    Image.fromarray(rgb).save(tmp_path / "r.jpg", exif=exif, quality=100)
    assert open_planes(tmp_path / "r.jpg")[0].shape == (16, 12, 3)


# --- 16-bit colour PNGs (Pillow cuts them to 8 bits): _shared/png16.py ------------------------------------------

PNG16 = Path(__file__).parent / "data" / "png16"  # written by OpenCV, libpng, libspng, pypng, by hand: make_fixtures.py
PNG16_FILES = sorted(p.name for p in PNG16.glob("*.png"))


@pytest.fixture
def png16_expected():
    with np.load(PNG16 / "expected.npz") as npz:
        return dict(npz)


@pytest.fixture
def no_codecs(monkeypatch):
    """imagecodecs and OpenCV unimportable: 16-bit colour PNGs need neither."""
    monkeypatch.setitem(sys.modules, "imagecodecs", None)
    monkeypatch.setitem(sys.modules, "cv2", None)


def _chunk(ctype, body):
    return struct.pack(">I", len(body)) + ctype + body + struct.pack(">I", zlib.crc32(ctype + body))


def _png(width, height, idat, colour=2, interlace=0):
    ihdr = struct.pack(">IIBBBBB", width, height, 16, colour, 0, 0, interlace)
    return png16.SIGNATURE + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")


def _chunk_types(data):
    pos, types = 8, []
    while pos < len(data):
        length, ctype = struct.unpack_from(">I4s", data, pos)
        assert zlib.crc32(data[pos + 4 : pos + 8 + length]) == struct.unpack_from(">I", data, pos + 8 + length)[0]
        types.append(ctype)
        pos += 12 + length
    return types


def test_png16_fixtures_cover_every_filter_and_adam7():
    """The other encoders' files exercise all five filter types, interlacing, several IDAT chunks, ancillary chunks."""
    filters, interlaced, kinds = set(), 0, set()
    for name in PNG16_FILES:
        data = (PNG16 / name).read_bytes()
        width, height, depth, colour, _, _, interlace = struct.unpack_from(">IIBBBBB", data, 16)
        assert depth == 16 and colour in (2, 6) and _planes._is_16bit_colour_png(str(PNG16 / name))
        types = _chunk_types(data)
        kinds |= set(types)
        interlaced += interlace
        if not interlace:
            idat = b"".join(png16._parse_chunks(memoryview(data))[1])
            filters |= set(zlib.decompress(idat)[:: 1 + width * (6 if colour == 2 else 8)])
    assert filters == {0, 1, 2, 3, 4} and interlaced >= 3 and {b"tEXt", b"gAMA"} <= kinds


@pytest.mark.parametrize("name", PNG16_FILES)
def test_png16_files_of_other_encoders(no_codecs, png16_expected, name):
    planes = open_planes(PNG16 / name)
    expected = png16_expected[name.split(".")[0]]
    assert not planes.stack and planes.shape == expected.shape and planes.dtype == np.uint16
    np.testing.assert_array_equal(planes[0], expected)


@pytest.mark.parametrize("channels", [3, 4])
def test_png16_round_trip_through_the_commands_path(tmp_path, rng, no_codecs, channels):
    image = rng.integers(0, 65536, (23, 37, channels), dtype=np.uint16)
    png16.write(tmp_path / "in.png", image)
    planes = open_planes(tmp_path / "in.png")
    assert planes.dtype == np.uint16
    np.testing.assert_array_equal(planes[0], image)
    map_planes(planes, lambda p: 65535 - p, tmp_path / "out.png")  # written back as a 16-bit colour PNG
    assert _planes._is_16bit_colour_png(str(tmp_path / "out.png"))
    np.testing.assert_array_equal(open_planes(tmp_path / "out.png")[0], 65535 - image)


def _test_images(rng, channels):
    noise = rng.integers(0, 65536, (31, 19, channels), dtype=np.uint16)
    y, x = np.mgrid[0:40, 0:29]
    smooth = np.stack([y * 1500 + x * 37, 60000 - x * 2000 + y, (x * y * 41) % 65536, 30000 + 0 * x], -1)
    smooth = (smooth[..., :channels] + rng.integers(0, 9, (40, 29, channels))).astype(np.uint16)
    one = rng.integers(0, 65536, (1, 1, channels), dtype=np.uint16)
    return noise, smooth, one, np.full((3, 2, channels), 65535, np.uint16)


@pytest.mark.parametrize("channels", [3, 4])
def test_png16_writer(rng, channels):
    """Our files: a valid chunk layout, our reader gives the pixels back, Pillow the same high bytes (it reads
    8 bits), imagecodecs (libpng) the same pixels where installed; the writer picks filters row by row."""
    from PIL import Image

    used = set()
    for image in _test_images(rng, channels):
        data = png16.encode(image)
        types = _chunk_types(data)
        assert types[0] == b"IHDR" and set(types[1:-1]) == {b"IDAT"} and types[-1] == b"IEND"
        height, width = image.shape[:2]
        assert struct.unpack_from(">IIBBBBB", data, 16) == (width, height, 16, 2 if channels == 3 else 6, 0, 0, 0)
        np.testing.assert_array_equal(png16.decode(data), image)
        with Image.open(BytesIO(data)) as im:
            np.testing.assert_array_equal(np.asarray(im), (image >> 8).astype(np.uint8))
        raw = zlib.decompress(b"".join(png16._parse_chunks(memoryview(data))[1]))
        used |= set(raw[:: 1 + width * 2 * channels])
    assert len(used) >= 3, used


@pytest.mark.parametrize("channels", [3, 4])
def test_png16_writer_against_imagecodecs(rng, channels):
    imagecodecs = pytest.importorskip("imagecodecs")
    for image in _test_images(rng, channels):
        np.testing.assert_array_equal(imagecodecs.png_decode(png16.encode(image)), image)


def test_png16_unfilter_numpy_and_compiled_match_the_specification_loop(rng):
    """Sub/Up rows are undone with numpy, Average/Paeth rows by the compiled loop: both agree with the plain
    loop of the PNG specification, on every byte value and filter sequence (runs of Up rows included)."""
    for bpp, kinds in ((6, 3), (8, 3), (6, 5), (8, 5)):
        rows = rng.integers(0, 256, (40, 1 + 7 * bpp), dtype=np.uint8)
        rows[:, 0] = rng.choice(kinds, 40)
        rows[5:12, 0] = 2
        reference = rows.copy()
        png16._unfilter_loop(reference, bpp)  # plain Python
        png16._unfilter(rows, bpp)
        np.testing.assert_array_equal(rows[:, 1:], reference[:, 1:])


def test_png16_transparent_colour_gives_rgba(tmp_path, no_codecs):
    """An RGB file with a tRNS chunk (one transparent colour) reads as RGBA, as libpng (imagecodecs, OpenCV) gives it."""
    image = np.zeros((2, 3, 3), np.uint16)
    image[0, 1] = (1, 2, 300)
    data = png16.encode(image)
    trns = _chunk(b"tRNS", struct.pack(">HHH", 0, 0, 0))
    (tmp_path / "t.png").write_bytes(data[:33] + trns + data[33:])  # after the 8-byte signature and 25-byte IHDR
    rgba = open_planes(tmp_path / "t.png")[0]
    assert rgba.shape == (2, 3, 4) and rgba.dtype == np.uint16
    np.testing.assert_array_equal(rgba[..., :3], image)
    np.testing.assert_array_equal(rgba[..., 3], [[0, 65535, 0], [0, 0, 0]])


def test_png16_corrupt_or_truncated_files_raise_value_error(tmp_path, no_codecs):
    image = np.random.default_rng(3).integers(0, 65536, (20, 30, 3), dtype=np.uint16)
    good = png16.encode(image)
    raw = bytes(20 * (1 + 30 * 6))
    flipped = bytearray(good)
    flipped[70] ^= 1  # a byte of the IDAT data: its CRC no longer matches
    cases = {
        "bad_crc": (bytes(flipped), "CRC mismatch"),
        "cut_in_idat": (good[: len(good) // 2], "truncated"),
        "short_image_data": (_png(30, 20, zlib.compress(raw[:1000])), "ends after 1000 of 3620 bytes"),
        "cut_zlib_stream": (_png(30, 20, zlib.compress(raw)[:-9]), "ends after|truncated"),
        "bad_checksum": (_png(30, 20, zlib.compress(raw)[:-1] + b"?"), "corrupt image data"),
        "not_zlib": (_png(30, 20, b"\xff" * 50), "corrupt image data"),
        "huge_ihdr": (_png(2**31 - 1, 2**31 - 1, zlib.compress(raw)), "2147483647 x 2147483647 pixels, more than"),
        "bad_filter": (_png(1, 1, zlib.compress(b"\x07" + bytes(6))), "unknown filter type 7"),
        "second_ihdr": (good[:33] + good[8:33] + good[33:], "unexpected critical chunk 'IHDR'"),
        "unknown_critical": (good[:33] + _chunk(b"XYZW", b"?") + good[33:], "unexpected critical chunk 'XYZW'"),
        "split_idat": (_png(30, 20, b"")[:-12] + _chunk(b"tEXt", b"a\0b") + good[33:], "not consecutive"),
        "no_iend": (good[:-12], "truncated"),
    }
    for name, (data, message) in cases.items():
        path = tmp_path / f"{name}.png"
        path.write_bytes(data)
        with pytest.raises(ValueError, match=re.escape(repr(str(path)))) as err:
            open_planes(path)
        assert re.search(message, str(err.value)), (name, str(err.value))
    with pytest.raises(ValueError, match="x.png.*not a PNG file"):  # (open_planes gives such a file to Pillow)
        png16.decode(good[1:], name="x.png")
    np.testing.assert_array_equal(png16.decode(good), image)  # the file before it was damaged


def test_png16_absurd_sizes_refused_before_allocating():
    """An IHDR asking for more pixels than its IDAT could inflate to, or than the reader takes, is refused
    with nothing allocated; inflating never goes past the size IHDR implies."""
    bomb = zlib.compress(bytes(50_000_000))  # 49 kB inflating to 50 MB
    big = _png(40000, 30000, bytes(7_200_000))  # IDAT large enough to hold 7.2 GB, but more than MAX_PIXELS
    tracemalloc.start()
    try:
        for data in (_png(60000, 60000, bomb), _png(12000, 12000, zlib.compress(bytes(100)))):
            with pytest.raises(ValueError, match="bomb.png.*pixels, more than .* bytes of image data can hold"):
                png16.decode(data, name="bomb.png")
        with pytest.raises(ValueError, match="more than this reader takes .*; save the image as TIFF"):
            png16.decode(big)
        # a 10 x 10 image whose stream holds 50 MB: the 610 bytes IHDR implies are inflated, the rest never is
        np.testing.assert_array_equal(png16.decode(_png(10, 10, bomb)), np.zeros((10, 10, 3), np.uint16))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2**20, f"{peak / 2**20:.1f} MiB"


def test_png16_imports_numba_only_for_average_or_paeth_rows(tmp_path):
    code = (
        "import sys; from napari_maliang._shared import png16; p = sys.argv[1]; "
        "png16.read(p + '/rgba_16x5.imagecodecs-up.png'); assert 'numba' not in sys.modules; "
        "png16.read(p + '/ramp_rgb_16x5.opencv-paeth-level9.png'); assert 'numba' in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code, str(PNG16)], check=True)


def test_tiff_byte_order_and_planar_colour(tmp_path, rng):
    big = rng.integers(0, 65536, (3, 8, 9), dtype=np.uint16)
    tifffile.imwrite(tmp_path / "be.tif", big.astype(">u2"), byteorder=">", photometric="minisblack")
    planes = open_planes(tmp_path / "be.tif")
    assert planes.dtype == np.uint16 and planes[1].dtype == np.uint16 and planes[1].dtype.isnative
    np.testing.assert_array_equal(planes[1], big[1])

    rgb = rng.integers(0, 256, (8, 9, 3), dtype=np.uint8)
    for compression in (None, "zlib"):
        path = tmp_path / f"planar_{compression}.tif"
        tifffile.imwrite(path, np.moveaxis(rgb, -1, 0), photometric="rgb", planarconfig="separate", compression=compression)
        planes = open_planes(path)
        assert not planes.stack and planes.shape == (8, 9, 3)
        np.testing.assert_array_equal(planes[0], rgb)


def test_commands_never_write_over_their_input(tmp_path, rng):
    from napari_maliang.cli import main

    image = rng.integers(0, 256, (24, 24, 3), dtype=np.uint8)
    src = tmp_path / "photo.png"
    io.imsave(src, image)
    before = src.read_bytes()
    (tmp_path / "out").mkdir()
    (tmp_path / "link.png").symlink_to(src)
    for argv in (
        ["enhance", str(src), "-o", str(src)],
        ["enhance", str(src), str(tmp_path / "link.png"), "-o", str(tmp_path)],  # -o DIR holding the input
        ["dequantize", str(src), "-o", str(tmp_path / "link.png"), "--quantize", "4"],
        ["threshold", str(src), "-o", str(src)],
        ["encode", str(src), "-o", str(src)],
    ):
        assert main(argv) == 2, argv
        assert src.read_bytes() == before, argv
    with pytest.raises(ValueError, match="is the input file"):
        map_planes(open_planes(src), _invert, tmp_path / "link.png")


def test_one_tiff_reader_for_planes_and_localization(tmp_path, rng):
    """open_planes and smlm's open_stack read TIFFs through one reader (_shared/stacks.py): both memory-map a
    contiguous stack, both read a compressed one page by page, and both refuse the same truncated file."""
    from napari_maliang._shared.stacks import TiffPages, open_tiff
    from napari_maliang.smlm.io import open_stack

    stack = rng.integers(0, 4000, (5, 12, 10), dtype=np.uint16)
    tifffile.imwrite(tmp_path / "raw.tif", stack)
    tifffile.imwrite(tmp_path / "zip.tif", stack, compression="zlib")
    assert open_tiff(tmp_path / "raw.tif").memmap is not None
    series = open_tiff(tmp_path / "zip.tif")
    assert isinstance(series.pages, TiffPages) and series.pages.page_shape == (12, 10)
    for name in ("raw.tif", "zip.tif"):
        np.testing.assert_array_equal(open_planes(tmp_path / name)[3], stack[3])
        np.testing.assert_array_equal(open_stack(tmp_path / name)[1:4], stack[1:4])
    data = (tmp_path / "zip.tif").read_bytes()
    (tmp_path / "cut.tif").write_bytes(data[: len(data) * 2 // 3])
    for opener in (open_planes, open_stack):
        with pytest.raises(ValueError, match="truncated|corrupt"):
            opener(tmp_path / "cut.tif")
