"""``maliang enhance IN.png -o OUT.png --k 30``: low-light enhancement of image files (batch)."""

from __future__ import annotations

import argparse


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

    from napari_maliang._planes import map_planes, open_planes
    from napari_maliang.lowlight import enhance, estimate_stack_gamma
    from napari_maliang.lowlight.reference import is_builtin

    if len(args.inputs) > 1 and not os.path.isdir(args.output):
        raise ValueError(f"with {len(args.inputs)} inputs, -o must be an existing directory, got {args.output!r}")
    scale, dtype = (255, np.uint8) if args.bits == 8 else (65535, np.uint16)
    for path in args.inputs:
        planes = open_planes(path)
        gamma, note = args.gamma, ""
        if planes.stack and gamma is None and is_builtin(args.reference):
            gamma, used = estimate_stack_gamma(planes, noise_filter=args.noise_filter)
            note = f", darkening gamma {gamma:.2f} estimated on {used} planes"
        means = []

        def one(plane, gamma=gamma, means=means):
            out = enhance(
                plane,
                k=args.k,
                patch=args.patch,
                reference=args.reference,
                model=args.model,
                backend=args.backend,
                seed=args.seed,
                denoise=args.denoise,
                noise_filter=args.noise_filter,
                gamma=gamma,
            )
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
