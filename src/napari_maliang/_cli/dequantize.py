"""``maliang dequantize``: restore smooth colour in a colour-quantized image file."""

from __future__ import annotations

import argparse

from napari_maliang._shared.options import add_arguments, from_args
from napari_maliang.dequantize.options import DequantizeOptions


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "dequantize",
        help="restore smooth colour variations in a colour-quantized image (Kim, Ahn & Choi)",
        description="Dequantize a colour-quantized image (PNG, TIFF, GIF, ...; palette images are read as their "
        "colours). The output has the input's bit depth and every pixel still re-quantizes to the input's palette. "
        "A stack (an animated GIF, a TIFF stack) is dequantized plane by plane, each with its own palette, and "
        "written as a TIFF stack.",
    )
    p.add_argument("input", help="quantized image (grayscale, RGB or RGBA; 8 or 16 bit)")
    p.add_argument("-o", "--output", required=True, help="output image file")
    p.add_argument(
        "--annotations",
        help="brush image of the input's size: values 0-4 (0 none, 1 magenta not-adjacent, 2 blue adjacent, 3 green "
        "hard edge, 4 red soft edge) or an RGB image painted in those colours on black",
    )
    p.add_argument("--float", action="store_true", help="write a 32-bit float TIFF instead of the input's bit depth")
    add_arguments(p, DequantizeOptions)
    p.set_defaults(func=run)


def read_annotations(path, shape):
    """Read a brush image: integer values 0-4, or RGB(A) painted in the brush colours on black."""
    import numpy as np
    from PIL import Image

    from napari_maliang.dequantize.brushes import BRUSH_COLORS

    with Image.open(path) as im:
        # an indexed-colour image means its colours (its indices are not brush values)
        ann = np.asarray(im.convert("RGBA") if im.mode in ("P", "PA") else im)
    if ann.ndim == 3:
        rgb = ann[..., :3].astype(int)
        out = np.full(rgb.shape[:2], -1, int)
        out[(rgb == 0).all(-1)] = 0
        if ann.shape[-1] == 4:
            out[ann[..., 3] == 0] = 0
        for value, colour in BRUSH_COLORS.items():
            target = np.rint(np.array(colour[:3]) * 255).astype(int)
            out[(np.abs(rgb - target) <= 40).all(-1) & (out < 0)] = value
        if (out < 0).any():
            bad = rgb[out < 0][0].tolist()
            raise ValueError(
                f"{path}: colour {bad} is not a brush colour (black, magenta, blue, green or red)"
            )
        ann = out
    if ann.shape != tuple(shape):
        raise ValueError(f"{path}: annotations have shape {ann.shape}, the image has {tuple(shape)}")
    return ann


def run(args: argparse.Namespace) -> int:
    import sys

    import numpy as np

    from napari_maliang._planes import check_output, map_planes, open_planes
    from napari_maliang.dequantize import dequantize

    if args.float and not args.output.lower().endswith((".tif", ".tiff")):
        raise ValueError(f"--float writes 32-bit float values, which only TIFF holds: give an output ending in .tif, "
                         f"not {args.output!r}")
    planes = open_planes(args.input)
    check_output(args.output, args.input, args.annotations)
    if planes.stack and args.annotations:
        raise ValueError(f"--annotations belong to one image; {args.input} is a stack of {len(planes)} planes")
    annotations = read_annotations(args.annotations, planes.shape[:2]) if args.annotations else None

    options = from_args(DequantizeOptions, args)

    def one(image):
        result, info = dequantize(
            image, annotations=annotations, options=options, dtype=np.float32 if args.float else None, return_info=True
        )
        said.setdefault((info["quantizer_description"], info["flat_graphic"]), info["n_colors"])
        guessed.append(info["end_guess_share"])
        return result

    said = {}
    guessed = []

    shape = map_planes(planes, one, args.output)
    for (description, graphic), n_colors in said.items():
        kind = "; read as a flat graphic (flat areas and text kept)" if graphic else ""
        print(f"maliang dequantize: quantizer recognised: {description} ({n_colors} colours){kind}", file=sys.stderr)
    share = max(guessed, default=0.0)
    if share >= 0.005 and options.end_guess:
        print(f"maliang dequantize: ends guessed (white, black) for up to {share:.0%} of a plane's pixels; "
              f"--no-end-guess keeps the boxes' centres if they were grey", file=sys.stderr)
    elif share >= 0.005:
        print(f"maliang dequantize: up to {share:.0%} of a plane's pixels may be white or black (kept at their "
              f"boxes' centres); --end-guess takes them so", file=sys.stderr)
    print(f"maliang dequantize: {args.input} -> {args.output} (shape {shape})")
    return 0
