"""``maliang nena`` and ``maliang frc``: localization precision and image resolution of a localization file."""

from __future__ import annotations

import argparse

from napari_maliang._shared.options import add_arguments, from_args
from napari_maliang.smlm.options import FrcOptions, NenaOptions


def register(subparsers) -> None:
    """Add the ``nena`` and ``frc`` sub-commands."""
    nena = subparsers.add_parser(
        "nena",
        help="localization precision of a localization file by NeNA (nearest neighbours in adjacent frames)",
        description="Histogram every localization's distance to the nearest localization of the next frame and fit "
        "the NeNA model (Endesfelder et al. 2014); prints the average localization precision in camera pixels "
        "and nm.",
    )
    _common(nena, "the histogram and the fitted model: distance, density, fit")
    add_arguments(nena, NenaOptions)
    nena.set_defaults(func=_nena)

    frc = subparsers.add_parser(
        "frc",
        help="image resolution of a localization file by Fourier ring correlation",
        description="Split the localizations into two halves by alternating blocks of frames, render both, and "
        "correlate their Fourier transforms over rings (Nieuwenhuizen et al. 2013); prints the resolution (1/7 "
        "threshold) in camera pixels and nm.",
    )
    _common(frc, "the curve: spatial_frequency (1/camera px), frc, frc_smooth")
    add_arguments(frc, FrcOptions)
    frc.set_defaults(func=_frc)


def _common(parser: argparse.ArgumentParser, curve: str) -> None:
    parser.add_argument("table", help="localization file (ThunderSTORM CSV or picasso HDF5)")
    parser.add_argument("--curve", metavar="CSV", help=f"also write {curve}")
    parser.add_argument(
        "--camera-pixel-nm", type=float, metavar="NM",
        help="camera pixel size in nm (ThunderSTORM CSVs do not store it; default: the file's, else 100)",
    )


def _read(args):
    from napari_maliang._cli.palm_analysis import say_pixel_size
    from napari_maliang.smlm.io import read_localizations

    locs = read_localizations(args.table, pixel_size_nm=args.camera_pixel_nm)
    say_pixel_size(locs, args.table)
    return locs


def _write_curve(curve, path) -> None:
    if path:
        curve.to_csv(path, index=False)


def _nena(args: argparse.Namespace) -> int:
    from napari_maliang.smlm.resolution import nena

    locs = _read(args)
    precision, curve = nena(locs, options=from_args(NenaOptions, args))
    _write_curve(curve, args.curve)
    nm = locs.attrs["pixel_size_nm"]
    print(f"NeNA localization precision: {precision:.4g} px = {precision * nm:.3g} nm "
          f"({curve.attrs['n_pairs']} next-frame pairs, camera pixel {nm:g} nm)")
    return 0


def _frc(args: argparse.Namespace) -> int:
    from napari_maliang.smlm.resolution import frc

    locs = _read(args)
    resolution, curve = frc(locs, options=from_args(FrcOptions, args))
    _write_curve(curve, args.curve)
    nm = locs.attrs["pixel_size_nm"]
    first, second = curve.attrs["n_half"]
    print(f"FRC resolution: {resolution:.4g} px = {resolution * nm:.3g} nm (halves of {first} and {second} "
          f"localizations, camera pixel {nm:g} nm)")
    return 0
