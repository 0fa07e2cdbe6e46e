"""``maliang encode`` and ``maliang decode``: the inpainting codec on files."""

from __future__ import annotations

import argparse

from napari_maliang._shared.options import add_arguments, from_args
from napari_maliang.codec.options import EncodeOptions


def register(subparsers) -> None:
    enc = subparsers.add_parser(
        "encode",
        help="compress an image into an .mlg file (edge + source-point inpainting codec)",
        description="Compress a PNG/TIFF/JPEG image with the inpainting codec. Give --bpp for a target rate "
        "(the file is never larger); without it the image is coded in one pass at the edge threshold "
        "(--threshold, default automatic), as encode() does.",
    )
    enc.add_argument("input", help="image file (PNG, TIFF, JPEG, ...)")
    enc.add_argument("-o", "--output", required=True, help="output .mlg file")
    add_arguments(enc, EncodeOptions)
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
    data = encode(image, options=from_args(EncodeOptions, args))
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
