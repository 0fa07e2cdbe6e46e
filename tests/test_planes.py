"""Plane-by-plane reading and streamed writing of image stacks (napari_maliang._planes)."""

import tracemalloc

import numpy as np
import pytest
import tifffile
from skimage import io

from napari_maliang._planes import map_planes, open_planes


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
    """Palette, CMYK, gray + alpha, 1-bit, EXIF-rotated and 16-bit colour files give the colours a viewer shows."""
    import cv2
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

    rgb16 = rng.integers(0, 65536, (12, 16, 3), dtype=np.uint16)
    cv2.imwrite(str(tmp_path / "16.png"), rgb16[..., ::-1])
    planes = open_planes(tmp_path / "16.png")
    assert planes.dtype == np.uint16
    np.testing.assert_array_equal(planes[0], rgb16)
    # and written back as 16-bit colour PNG (Pillow cannot)
    map_planes(planes, lambda p: 65535 - p, tmp_path / "16_out.png")
    np.testing.assert_array_equal(open_planes(tmp_path / "16_out.png")[0], 65535 - rgb16)


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
