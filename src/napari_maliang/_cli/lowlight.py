"""``maliang enhance IN.png -o OUT.png --k 30``: low-light enhancement of image files (batch)."""

from __future__ import annotations

import argparse


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "enhance",
        help="brighten low-light images with the approximated Gaussian process (napari_maliang.lowlight)",
        description=(
            "Enhance low-light images (Loh: k-means-approximated GP). Reads PNG/TIFF/JPEG (8 or 16 bit, "
            "grayscale or RGB), writes an 8-bit (or --bits 16) image of the same size."
        ),
    )
    p.add_argument("inputs", nargs="+", metavar="IN", help="input image file(s)")
    p.add_argument("-o", "--output", required=True, help="output file, or a directory when several inputs are given")
    p.add_argument("--k", type=int, default=30, help="number of k-means centres / GP training points (default 30)")
    p.add_argument("--patch", type=int, default=3, help="patch size p (p x p patches, default 3)")
    p.add_argument("--model", choices=("rgb", "luminance"), default="rgb", help="colour or luminance model")
    p.add_argument(
        "--reference",
        default="auto",
        help="'auto' (built-in classical), 'lime', or a path to an ONNX model (needs onnxruntime)",
    )
    p.add_argument(
        "--noise-filter",
        type=float,
        default=1.0,
        help="photon-noise pre-filter strength in units of the estimated noise level (default 1, 0 = off)",
    )
    p.add_argument(
        "--gamma",
        type=float,
        default=None,
        help="the gamma that darkened the input (1..16; built-in reference only); default: estimated blindly",
    )
    p.add_argument("--denoise", type=float, default=0.0, help="bilateral denoising strength 0..1 (default off)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--backend", choices=("auto", "cpu", "gpu"), default="auto")
    p.add_argument("--bits", type=int, choices=(8, 16), default=8, help="bit depth of the output (default 8)")
    p.add_argument("-q", "--quiet", action="store_true", help="no per-file line")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import os

    import numpy as np
    from skimage import io

    from napari_maliang.lowlight import enhance

    if len(args.inputs) > 1 and not os.path.isdir(args.output):
        raise ValueError(f"with {len(args.inputs)} inputs, -o must be an existing directory, got {args.output!r}")
    for path in args.inputs:
        if not os.path.isfile(path):
            raise ValueError(f"input file not found: {path!r}")
        image = io.imread(path)
        out = enhance(
            image,
            k=args.k,
            patch=args.patch,
            reference=args.reference,
            model=args.model,
            backend=args.backend,
            seed=args.seed,
            denoise=args.denoise,
            noise_filter=args.noise_filter,
            gamma=args.gamma,
        )
        target = os.path.join(args.output, os.path.basename(path)) if os.path.isdir(args.output) else args.output
        scale = 255 if args.bits == 8 else 65535
        dtype = np.uint8 if args.bits == 8 else np.uint16
        io.imsave(target, np.round(out * scale).astype(dtype), check_contrast=False)
        if not args.quiet:
            print(f"{path} -> {target}  (mean {out.mean():.3f}, was {np.asarray(image, float).mean() / (65535 if image.dtype == np.uint16 else 255 if image.dtype == np.uint8 else 1):.3f})")
    return 0
