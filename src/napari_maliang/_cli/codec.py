"""``maliang encode`` and ``maliang decode``: the inpainting codec on files."""

from __future__ import annotations

import argparse


def register(subparsers) -> None:
    enc = subparsers.add_parser(
        "encode",
        help="compress an image into an .mlg file (edge + source-point inpainting codec)",
        description="Compress a PNG/TIFF/JPEG image with the inpainting codec. Give --bpp for a target rate "
        "(the file is never larger) or --threshold for a fixed Sobel edge threshold.",
    )
    enc.add_argument("input", help="image file (PNG, TIFF, JPEG, ...)")
    enc.add_argument("-o", "--output", required=True, help="output .mlg file")
    group = enc.add_mutually_exclusive_group()
    group.add_argument("--bpp", type=float, help="target rate in bits per pixel, e.g. 0.2")
    group.add_argument("--threshold", type=float, help="Sobel edge threshold (gray levels per pixel)")
    enc.add_argument("--spacing", type=int, help="source point spacing along edges (pixels)")
    enc.add_argument("--quant", type=int, help="quantization step of the gray/luma values")
    enc.add_argument("--grid", type=int, help="interior source grid step (0 = none)")
    enc.set_defaults(func=_encode)

    dec = subparsers.add_parser("decode", help="decode an .mlg file to an image (PNG, TIFF, ...)")
    dec.add_argument("input", help=".mlg file")
    dec.add_argument("-o", "--output", required=True, help="output image file, e.g. out.png")
    dec.set_defaults(func=_decode)


def _read_image(path):
    """One image as the codec takes it: palettes and CMYK as RGB, shown (EXIF) orientation, native byte order.

    Multi-frame files (TIFF stacks, animated GIFs) are refused rather than cut to their first
    frame; a warning on stderr says when a (not fully opaque) alpha channel is dropped.
    """
    import sys

    import numpy as np
    from PIL import Image, ImageOps

    try:
        with Image.open(path) as im:
            frames = getattr(im, "n_frames", 1)
            if frames > 1:
                raise ValueError(f"{path} holds {frames} frames; the codec encodes one image (save one frame first)")
            im = ImageOps.exif_transpose(im)
            if im.mode in ("P", "PA"):  # palette indices are not gray levels: read the colours
                im = im.convert("RGBA")
            if im.mode not in ("L", "RGB", "I;16", "I;16B", "I", "F", "1", "RGBA", "LA"):
                im = im.convert("RGB")
            if im.mode in ("RGBA", "LA"):  # the codec stores gray or RGB, no transparency
                if im.getchannel("A").getextrema()[0] < 255:
                    print(f"warning: {path}: its alpha channel (transparency) is dropped; the codec stores gray or "
                          "RGB only", file=sys.stderr)
                im = im.convert(im.mode[:-1])
            image = np.asarray(im)
    except OSError:
        import tifffile

        image = tifffile.imread(path)
    if not image.dtype.isnative:  # big-endian 16-bit TIFF/PNG: uint16 in native order scales by 255/65535
        image = image.astype(image.dtype.newbyteorder("="))
    return image


def _encode(args: argparse.Namespace) -> int:
    import os

    from napari_maliang._planes import check_output
    from napari_maliang.codec import encode

    check_output(args.output, args.input)
    image = _read_image(args.input)
    options = {k: getattr(args, k) for k in ("spacing", "quant", "grid") if getattr(args, k) is not None}
    bpp = args.bpp
    if bpp is None and args.threshold is None and not options:
        bpp = 0.2
    data = encode(image, bpp=bpp, edge_threshold=args.threshold, **options)
    with open(args.output, "wb") as fh:
        fh.write(data)
    h, w = image.shape[:2]
    print(f"{args.input} -> {os.fspath(args.output)}: {len(data)} bytes, {8 * len(data) / (h * w):.4f} bpp")
    return 0


def _decode(args: argparse.Namespace) -> int:
    from PIL import Image

    from napari_maliang._planes import check_output
    from napari_maliang.codec import read_mlg

    check_output(args.output, args.input)
    image = read_mlg(args.input)
    Image.fromarray(image).save(args.output)
    print(f"{args.input} -> {args.output}: {image.shape[1]}x{image.shape[0]}")
    return 0
