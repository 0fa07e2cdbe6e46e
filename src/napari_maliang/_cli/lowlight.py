"""``maliang enhance IN.png -o OUT.png --k 30``: low-light enhancement of image files (batch)."""

from __future__ import annotations

import argparse
import inspect

from napari_maliang._shared.options import add_arguments, from_args
from napari_maliang.lowlight.enhancement import EnhanceOptions, enhance_steps


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "enhance",
        help="brighten low-light images with the approximated Gaussian process (napari_maliang.lowlight)",
        description=(
            "Enhance low-light images (Loh: k-means-approximated GP). Reads PNG/TIFF/JPEG (8 or 16 bit, "
            "grayscale or RGB), writes an 8-bit (or --bits 16) image of the same size. A TIFF stack (N, H, W) or "
            "(N, H, W, 3) is enhanced plane by plane with one exposure for all planes and streamed to a BigTIFF, "
            "so it need not fit in memory."
        ),
    )
    p.add_argument("inputs", nargs="+", metavar="IN", help="input image file(s) or TIFF stack(s)")
    p.add_argument("-o", "--output", required=True, help="output file, or a directory when several inputs are given")
    defaults = inspect.signature(enhance_steps).parameters  # patch and reference are given apart from the options
    p.add_argument("--patch", type=int, default=defaults["patch"].default, help="patch size p (p x p patches)")
    p.add_argument(
        "--reference",
        default=defaults["reference"].default,
        help="'auto' (built-in classical), 'lime', or a path to an ONNX model (needs onnxruntime)",
    )
    add_arguments(p, EnhanceOptions)
    p.add_argument("--bits", type=int, choices=(8, 16), default=8, help="bit depth of the output (default 8)")
    p.add_argument("-q", "--quiet", action="store_true", help="no per-file line")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import os

    import numpy as np

    from napari_maliang._planes import map_planes, open_planes
    from napari_maliang.lowlight import enhance, estimate_stack_gamma
    from napari_maliang.lowlight.reference import is_builtin

    if len(args.inputs) > 1 and not os.path.isdir(args.output):
        raise ValueError(f"with {len(args.inputs)} inputs, -o must be an existing directory, got {args.output!r}")
    scale, dtype = (255, np.uint8) if args.bits == 8 else (65535, np.uint16)
    options = from_args(EnhanceOptions, args)
    for path in args.inputs:
        planes = open_planes(path)
        gamma, note = options.gamma, ""
        if planes.stack and gamma is None and is_builtin(args.reference):
            gamma, used = estimate_stack_gamma(planes, noise_filter=options.noise_filter)
            note = f", darkening gamma {gamma:.2f} estimated on {used} planes"
        means = []

        def one(plane, gamma=gamma, means=means):
            out = enhance(plane, patch=args.patch, reference=args.reference, options=options, gamma=gamma)
            means.append((float(out.mean()), float(np.mean(plane)) / _full_scale(plane.dtype)))
            return np.round(out * scale).astype(dtype)

        target = os.path.join(args.output, os.path.basename(path)) if os.path.isdir(args.output) else args.output
        shape = map_planes(planes, one, target)
        if not args.quiet:
            after, before = np.mean(means, axis=0)
            size = f"{len(planes)} planes, " if planes.stack else ""
            print(f"{path} -> {target}  ({size}mean {after:.3f}, was {before:.3f}{note}; {shape})")
    return 0


def _full_scale(dtype) -> float:
    import numpy as np

    return float(np.iinfo(dtype).max) if np.issubdtype(dtype, np.integer) else 1.0
