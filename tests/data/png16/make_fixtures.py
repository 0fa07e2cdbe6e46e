"""Make the 16-bit colour PNG fixtures of tests/test_planes.py (run once; the files are committed).

    python tests/data/png16/make_fixtures.py   # needs opencv-python, imagecodecs and pypng

Each picture ``<array>.<encoder>.png`` holds ``expected.npz[<array>]``, written by another encoder than
napari_maliang._shared.png16: OpenCV and imagecodecs (libpng, adaptive or forced filters), libspng,
pypng (interlaced, several IDAT chunks, ancillary chunks), and ``reference`` -- the PNG specification's
filters written out as plain loops below, every row's filter type cycling through all five, plain
and Adam7-interlaced. Every file is checked to decode to its array with OpenCV and imagecodecs
before it is saved. The tests never import OpenCV (it is no dependency of the package).
"""

import struct
import zlib
from pathlib import Path

import numpy as np

HERE = Path(__file__).parent
ADAM7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2))


def arrays():
    rng = np.random.default_rng(20240615)
    y, x = np.mgrid[0:16, 0:5]
    ramp16x5 = np.stack([y * 3000 + x * 700, 60000 - y * 2500, x * 9000 + y * 11, 1000 + 0 * x], -1)
    y, x = np.mgrid[0:7, 0:13]
    ramp7x13 = np.stack([y * 9000 + x * 300, 65535 - x * 5000, (x * y * 650) % 65536, 40000 - x * 3000], -1)
    ramp7x13 = ramp7x13 + rng.integers(0, 40, ramp7x13.shape)
    return {
        "rgb_7x13": rng.integers(0, 65536, (7, 13, 3), dtype=np.uint16),
        "rgba_16x5": rng.integers(0, 65536, (16, 5, 4), dtype=np.uint16),
        "ramp_rgb_16x5": ramp16x5[..., :3].astype(np.uint16),
        "ramp_rgba_7x13": ramp7x13.astype(np.uint16),
    }


#: which encoders write which array (together: every filter type, with and without Adam7, on RGB and RGBA)
WANTED = {
    "rgb_7x13": ("opencv", "imagecodecs", "spng", "reference", "pypng-adam7"),
    "rgba_16x5": ("opencv", "imagecodecs", "imagecodecs-up", "reference-adam7"),
    "ramp_rgb_16x5": ("opencv-paeth-level9", "imagecodecs-avg", "imagecodecs-sub", "reference-adam7", "pypng-adam7"),
    "ramp_rgba_7x13": ("opencv", "imagecodecs", "imagecodecs-up", "spng", "reference"),
}


def chunk(ctype, body):
    return struct.pack(">I", len(body)) + ctype + body + struct.pack(">I", zlib.crc32(ctype + body))


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else b if pb <= pc else c


def filter_scanlines(image, first_type):
    """The filtered scanlines of one (sub)image, row y with filter type (first_type + y) % 5."""
    h, w, ch = image.shape
    bpp = 2 * ch
    rows = [list(image[y].astype(">u2").tobytes()) for y in range(h)]
    out = bytearray()
    for y, row in enumerate(rows):
        kind = (first_type + y) % 5
        out.append(kind)
        for x, value in enumerate(row):
            a = row[x - bpp] if x >= bpp else 0
            b = rows[y - 1][x] if y > 0 else 0
            c = rows[y - 1][x - bpp] if y > 0 and x >= bpp else 0
            pred = (0, a, b, (a + b) // 2, paeth(a, b, c))[kind]
            out.append((value - pred) % 256)
    return bytes(out)


def reference_png(image, interlace):
    h, w, ch = image.shape
    if interlace:
        raw = b"".join(
            filter_scanlines(image[y0::dy, x0::dx], i) for i, (x0, y0, dx, dy) in enumerate(ADAM7) if h > y0 and w > x0
        )
    else:
        raw = filter_scanlines(image, 0)
    ihdr = struct.pack(">IIBBBBB", w, h, 16, 2 if ch == 3 else 6, 0, 0, int(interlace))
    compressed = zlib.compress(raw, 9)
    half = len(compressed) // 2  # two IDAT chunks
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"tEXt", b"Software\x00by hand")
        + chunk(b"IDAT", compressed[:half])
        + chunk(b"IDAT", compressed[half:])
        + chunk(b"IEND", b"")
    )


def main():
    import cv2
    import imagecodecs
    import png  # pypng

    files = {}
    for name, image in arrays().items():
        bgr = image[..., [2, 1, 0, 3][: image.shape[-1]]]
        files[f"{name}.opencv.png"] = cv2.imencode(".png", bgr)[1].tobytes()
        files[f"{name}.opencv-paeth-level9.png"] = cv2.imencode(
            ".png", bgr, [cv2.IMWRITE_PNG_COMPRESSION, 9, cv2.IMWRITE_PNG_FILTER, cv2.IMWRITE_PNG_FILTER_PAETH]
        )[1].tobytes()
        files[f"{name}.imagecodecs.png"] = imagecodecs.png_encode(image)
        for flt in ("SUB", "UP", "AVG", "ALL"):
            files[f"{name}.imagecodecs-{flt.lower()}.png"] = imagecodecs.png_encode(
                image, filter=imagecodecs.PNG.FILTER[flt]
            )
        files[f"{name}.spng.png"] = imagecodecs.spng_encode(image)
        files[f"{name}.reference.png"] = reference_png(image, interlace=False)
        files[f"{name}.reference-adam7.png"] = reference_png(image, interlace=True)
        h, w, ch = image.shape
        writer = png.Writer(
            w, h, greyscale=False, alpha=ch == 4, bitdepth=16, interlace=True, gamma=0.45455, chunk_limit=64
        )
        rows = image.reshape(h, w * ch)
        out = []

        class Sink:
            write = out.append

        writer.write(Sink, rows.tolist())
        files[f"{name}.pypng-adam7.png"] = b"".join(out)
    expected = arrays()
    files = {k: v for k, v in files.items() if k.split(".")[1] in WANTED[k.split(".")[0]]}
    for fname, data in files.items():
        image = expected[fname.split(".")[0]]
        assert data[24] == 16 and data[25] in (2, 6), fname
        np.testing.assert_array_equal(imagecodecs.png_decode(data), image, err_msg=fname)
        bgr = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
        np.testing.assert_array_equal(bgr[..., [2, 1, 0, 3][: image.shape[-1]]], image, err_msg=fname)
        (HERE / fname).write_bytes(data)
    np.savez_compressed(HERE / "expected.npz", **expected)
    print(f"{len(files)} files, {sum(map(len, files.values()))} bytes")


if __name__ == "__main__":
    main()
