"""``maliang drift``, ``maliang render`` and ``maliang motion``: PALM analysis of localization files.

Localization files are read and written with :func:`napari_maliang.smlm.read_localizations`
and :func:`~napari_maliang.smlm.write_localizations` (ThunderSTORM CSV, picasso HDF5); a
plain CSV with our column names (``frame, x, y, ...`` in camera pixels) also works. No
command overwrites an existing file unless ``--overwrite`` is given, and none ever writes over
its input.
"""

from __future__ import annotations

import argparse
import os
import sys

from napari_maliang._shared.options import add_arguments, from_args
from napari_maliang.smlm.options import (
    DRIFT_METHODS,
    FiducialDriftOptions,
    MotionOptions,
    RccDriftOptions,
    RenderOptions,
)


def register(subparsers) -> None:
    """Add the ``drift``, ``render`` and ``motion`` sub-commands."""
    drift = subparsers.add_parser(
        "drift",
        help="correct sample drift of a localization file (fiducial beads or RCC)",
        description="Estimate sample drift from fiducial beads or by redundant cross-correlation (RCC) and "
        "write drift-corrected localizations and the per-frame drift table (frame, dx, dy in camera pixels).",
    )
    drift.add_argument("input", help="localization file (ThunderSTORM CSV, picasso HDF5, or CSV with frame,x,y)")
    drift.add_argument("-o", "--output", required=True, help="corrected localization file to write")
    drift.add_argument("--method", choices=tuple(DRIFT_METHODS), default="fiducial")
    drift.add_argument("--drift-table", metavar="CSV", help="also write the drift table here")
    drift.add_argument(
        "--fiducial", action="append", metavar="Y,X", default=None,
        help="bead position in camera pixels (repeat for several); default: found automatically",
    )
    add_arguments(drift.add_argument_group("fiducial"), FiducialDriftOptions)
    add_arguments(drift.add_argument_group("rcc"), RccDriftOptions)
    _common(drift)
    drift.set_defaults(func=_drift)

    render = subparsers.add_parser(
        "render",
        help="render a super-resolution image from a localization file",
        description="Render localizations as a histogram, Gaussians of each localization's precision, or an "
        "average shifted histogram. .tif/.tiff and .npy keep the float32 values; .png is scaled to 8 bits.",
    )
    render.add_argument("input", help="localization file")
    render.add_argument("-o", "--output", required=True, help="image to write (.tif, .npy or .png)")
    render.add_argument("--shape", type=int, nargs=2, metavar=("H", "W"), help="camera frame size in pixels")
    add_arguments(render, RenderOptions)
    _common(render)
    render.set_defaults(func=_render)

    motion = subparsers.add_parser(
        "motion",
        help="Z-statistics of the motion of a filament between successive data sets",
        description="Split the localizations near a line into data sets of --block-frames frames, reject "
        "outliers (> 4 SD from each set's regression line), project onto the normal of the first set's "
        "contour line, and compare successive sets (shift, Z, p-value).",
    )
    motion.add_argument("input", help="localization file")
    motion.add_argument(
        "--line", required=True, metavar="Y,X;Y,X[;...]",
        help="vertices of the line or path along the structure, camera pixels, e.g. '10,5;12,30'",
    )
    motion.add_argument("-o", "--output", required=True, help="CSV table of the successive-set statistics")
    add_arguments(motion, MotionOptions)
    motion.add_argument("--sets", metavar="CSV", help="also write the cleaned localizations of every set here")
    _common(motion)
    motion.set_defaults(func=_motion)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--camera-pixel-nm", type=float, metavar="NM",
        help="camera pixel size in nm of the input (ThunderSTORM CSVs do not store it; default: the file's "
        "(picasso) or 100). Every position given in camera pixels (--line, --fiducial, --shape ...) uses it",
    )
    parser.add_argument("--overwrite", action="store_true", help="replace output files that exist")
    parser.add_argument("--quiet", action="store_true", help="no progress output")


# ------------------------------------------------------------------------------------------------ I/O


def read_table(path: str, pixel_size_nm: float | None = None):
    """Read a localization file with the smlm reader, or a plain CSV with our column names.

    ``pixel_size_nm`` (the camera pixel in nm) converts ThunderSTORM's nm positions to camera
    pixels and overrides a picasso file's ``Pixelsize``; default the file's, else 100 nm.
    """
    if pixel_size_nm is not None and not (pixel_size_nm > 0 and pixel_size_nm < float("inf")):
        raise ValueError(f"the camera pixel size must be a positive number of nm, got {pixel_size_nm}")
    if not os.path.exists(path):
        raise ValueError(f"no such file: {path}")
    from napari_maliang.smlm.io import read_localizations

    try:
        return read_localizations(path, pixel_size_nm=pixel_size_nm)
    except ValueError as exc:
        if not path.lower().endswith((".csv", ".txt")):
            raise
        first_error = exc
    import numpy as np
    import pandas as pd

    df = pd.read_csv(path)
    df.columns = [str(c).strip().strip('"') for c in df.columns]
    missing = [c for c in ("frame", "x", "y") if c not in df.columns]
    if missing:
        raise ValueError(
            f"{path}: neither a ThunderSTORM/picasso file ({first_error}) nor a CSV with columns frame, x, y "
            "(camera pixels)"
        )
    frame = pd.to_numeric(df["frame"], errors="coerce").to_numpy(dtype=float)
    if not (np.isfinite(frame).all() and (frame == np.round(frame)).all()):
        raise ValueError(f"{path}: the frame column must hold whole numbers (frame indices from 0)")
    df["frame"] = frame.astype("int64")
    df.attrs["pixel_size_nm"] = 100.0 if pixel_size_nm is None else float(pixel_size_nm)
    df.attrs["pixel_size_source"] = "assumed" if pixel_size_nm is None else "argument"
    return df


def say_pixel_size(locs, path) -> None:
    """On stderr (even with --quiet: every nm figure depends on it), that a table's pixel size was assumed."""
    from napari_maliang.smlm.io import pixel_size_note

    note = pixel_size_note(locs, str(path), "--camera-pixel-nm")
    if note:
        print(f"note: {note}", file=sys.stderr)


def _read_input(args):
    """The input table of a command, with a note on stderr when a ThunderSTORM CSV's pixel size is assumed."""
    locs = read_table(args.input, args.camera_pixel_nm)
    say_pixel_size(locs, args.input)
    return locs


def write_table(df, path: str) -> None:
    """Write a localization table with the smlm writer (ThunderSTORM .csv, picasso .hdf5)."""
    try:
        from napari_maliang.smlm.io import write_localizations
    except ImportError:  # pragma: no cover
        df.to_csv(path, index=False)
        return
    write_localizations(df, path)


def _check_outputs(args, *paths) -> None:
    inp = os.path.abspath(args.input)
    for path in paths:
        if path is None:
            continue
        if os.path.abspath(path) == inp:
            raise ValueError(f"refusing to write over the input file {path}; choose another output name")
        if os.path.exists(path) and not args.overwrite:
            raise ValueError(f"{path} exists; pass --overwrite to replace it")


def _progress(args):
    if args.quiet:
        return None

    def show(p):
        print(f"\r{args.command}: {100 * p.fraction:5.1f}% {p.message:<50}", end="", file=sys.stderr, flush=True)

    return show


def _done(args) -> None:
    if not args.quiet:
        print(file=sys.stderr)


def _parse_points(text: str, what: str):
    import numpy as np

    try:
        pts = [tuple(float(v) for v in item.split(",")) for item in text.replace(" ", "").split(";") if item]
        arr = np.asarray(pts, dtype=float)
    except ValueError:
        raise ValueError(f"{what}: expected 'Y,X;Y,X;...' in camera pixels, got {text!r}") from None
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise ValueError(f"{what}: expected 'Y,X;Y,X;...' in camera pixels, got {text!r}")
    return arr


# -------------------------------------------------------------------------------------------- commands


def _drift(args) -> int:
    from napari_maliang.smlm.drift import correct_drift

    _check_outputs(args, args.output, args.drift_table)
    if not args.output.lower().endswith((".csv", ".hdf5", ".h5")):
        raise ValueError(f"output must be a .csv (ThunderSTORM) or .hdf5 (picasso) file, got {args.output!r}")
    locs = _read_input(args)
    fiducials = _parse_points(";".join(args.fiducial), "--fiducial") if args.fiducial else None
    options = from_args(DRIFT_METHODS[args.method], args)
    corrected, drift = correct_drift(
        locs, method=args.method, fiducials=fiducials, options=options, progress=_progress(args)
    )
    _done(args)
    write_table(corrected, args.output)
    if args.drift_table:
        drift.to_csv(args.drift_table, index=False)
    nm = float(locs.attrs.get("pixel_size_nm", 100.0))
    span = (drift[["dx", "dy"]].max() - drift[["dx", "dy"]].min()) * nm
    print(
        f"maliang drift: {args.method}, {len(drift)} frames, drift range x {span['dx']:.1f} nm, "
        f"y {span['dy']:.1f} nm -> {args.output}"
    )
    return 0


def _render(args) -> int:
    import numpy as np

    from napari_maliang.smlm.rendering import default_contrast_limits, render

    ext = os.path.splitext(args.output)[1].lower()
    if ext not in (".tif", ".tiff", ".npy", ".png"):
        raise ValueError(f"output must end in .tif, .tiff, .npy or .png, got {args.output!r}")
    _check_outputs(args, args.output)
    locs = _read_input(args)
    shape = args.shape
    if shape is None and "shape" in locs.attrs:
        shape = locs.attrs["shape"]
    image = render(locs, shape=shape, options=from_args(RenderOptions, args))
    if ext in (".tif", ".tiff"):
        import tifffile

        nm = float(locs.attrs.get("pixel_size_nm", 100.0)) * args.pixel_size
        tifffile.imwrite(args.output, image, resolution=(1e7 / nm, 1e7 / nm), resolutionunit="CENTIMETER")
    elif ext == ".npy":
        np.save(args.output, image)
    else:
        from PIL import Image

        high = default_contrast_limits(image)[1]
        Image.fromarray((np.clip(image / high, 0, 1) * 255).astype(np.uint8)).save(args.output)
    print(f"maliang render: {len(locs)} localizations, {args.method}, {image.shape[1]}x{image.shape[0]} -> {args.output}")
    return 0


def _motion(args) -> int:
    from napari_maliang.smlm.motion import motion_analysis

    _check_outputs(args, args.output, args.sets)
    line = _parse_points(args.line, "--line")
    locs = _read_input(args)
    result = motion_analysis(locs, line, options=from_args(MotionOptions, args), progress=_progress(args))
    _done(args)
    result.table.to_csv(args.output, index=False)
    if args.sets:
        import pandas as pd

        pd.concat(result.sets, ignore_index=True).to_csv(args.sets, index=False)
    with_nm = "shift_nm" in result.table.columns
    for row in result.table.itertuples(index=False):
        shift = f"{row.shift_nm:7.1f} nm" if with_nm else f"{row.shift:7.3f} px"
        print(f"sets {row.set_a}->{row.set_b}: shift {shift}  Z {row.z:7.2f}  p {row.p_value:.3g}")
    return 0
