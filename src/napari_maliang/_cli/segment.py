"""``maliang threshold | kmeans | region-grow | morphology``: the segmentation toolbox on image files.

Inputs are read with tifffile (``.tif``/``.tiff``) or scikit-image (PNG, JPEG, ...); outputs are
label images (uint8 for masks, int32 for labels) written the same way. Stacks (a 3-D grayscale
TIFF, or a stack of colour planes for k-means) are processed plane by plane and streamed to a BigTIFF,
so they need not fit in memory (:mod:`napari_maliang._planes`).
"""

from __future__ import annotations

import argparse

from napari_maliang._shared.options import add_arguments, from_args
from napari_maliang.segment.cluster import KMeansOptions
from napari_maliang.segment.morphology import MorphologyOptions
from napari_maliang.segment.region import RegionGrowOptions
from napari_maliang.segment.threshold import AdaptiveOptions, IterativeOptions


def register(subparsers) -> None:
    th = subparsers.add_parser("threshold", help="threshold an image (Otsu, iterative or locally adaptive)")
    _io_args(th)
    th.add_argument("--method", choices=("otsu", "iterative", "adaptive"), default="otsu")
    add_arguments(th.add_argument_group("iterative"), IterativeOptions, ["tol"])
    add_arguments(th.add_argument_group("adaptive"), AdaptiveOptions, ["window", "step", "min_std"])
    th.set_defaults(func=_threshold)

    km = subparsers.add_parser("kmeans", help="k-means segmentation on colour (or colour + position)")
    _io_args(km)
    add_arguments(km, KMeansOptions)
    km.set_defaults(func=_kmeans)

    rg = subparsers.add_parser("region-grow", help="seeded region growing (one label per seed)")
    _io_args(rg)
    rg.add_argument(
        "--seed", dest="seeds", type=float, nargs=2, action="append", metavar=("ROW", "COL"), required=True,
        help="a seed position; repeat for several seeds",
    )
    add_arguments(rg, RegionGrowOptions)
    rg.set_defaults(func=_region_grow)

    mo = subparsers.add_parser("morphology", help="binary morphology (non-zero pixels are foreground)")
    _io_args(mo)
    add_arguments(mo, MorphologyOptions)
    mo.set_defaults(func=_morphology)


def _io_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("input", help="input image (TIFF, PNG, ...)")
    p.add_argument("-o", "--output", required=True, help="output label image")


def _apply(args, func, *, dtype, colour_ok=False) -> int:
    import numpy as np

    from napari_maliang._planes import map_planes, open_planes

    foreground = 0

    def count(_i, result):
        nonlocal foreground
        foreground += int(np.count_nonzero(result))

    planes = open_planes(args.input, colour=colour_ok)
    shape = map_planes(planes, lambda p: np.asarray(func(p)).astype(dtype), args.output, on_plane=count)
    print(f"wrote {args.output}: shape {shape}, {foreground} foreground pixels")
    return 0


def _threshold(args) -> int:
    from napari_maliang import segment

    iterative, adaptive = from_args(IterativeOptions, args), from_args(AdaptiveOptions, args)

    def func(plane):
        gray, note = segment.to_gray(plane)
        if note:
            print(note)
        if args.method == "adaptive":
            return segment.adaptive_threshold(gray, options=adaptive)
        if args.method == "otsu":
            t = segment.otsu_threshold(gray)
        else:
            t = segment.iterative_threshold(gray, options=iterative)
        print(f"{args.method} threshold T = {t:g}")
        return gray >= t

    return _apply(args, func, dtype="uint8")


def _kmeans(args) -> int:
    from napari_maliang import segment

    options = from_args(KMeansOptions, args)
    return _apply(args, lambda p: segment.kmeans_segment(p, options=options), dtype="int32", colour_ok=True)


def _region_grow(args) -> int:
    import warnings

    from napari_maliang import segment

    options = from_args(RegionGrowOptions, args)

    def func(plane):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", UserWarning)
            labels = segment.region_grow(plane, args.seeds, options=options)
        for w in caught:
            print(f"note: {w.message}")
        return labels

    return _apply(args, func, dtype="int32")


def _morphology(args) -> int:
    from napari_maliang import segment

    options = from_args(MorphologyOptions, args)
    return _apply(args, lambda p: segment.apply_morphology(p, options=options), dtype="uint8")
