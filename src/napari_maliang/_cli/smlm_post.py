"""``maliang filter``, ``maliang link`` and ``maliang cluster``: PALM post-processing of localization files.

Tables are read and written with :func:`napari_maliang.smlm.io.read_localizations` and
:func:`~napari_maliang.smlm.io.write_localizations` (ThunderSTORM ``.csv``, picasso ``.hdf5``); no command writes
over its input.
"""

from __future__ import annotations

import argparse

from napari_maliang._shared.options import add_arguments, from_args
from napari_maliang.smlm.options import ClusterOptions, LinkOptions


def register(subparsers) -> None:
    """Add the ``filter``, ``link`` and ``cluster`` sub-commands."""
    filt = subparsers.add_parser(
        "filter",
        help="keep the localizations whose columns lie in given ranges",
        description="Keep the localizations inside every --range (inclusive bounds, either end optional), "
        "e.g. --range photons=500: --range sigma=0.8:1.6 --range frame=:9999.",
    )
    _io(filt)
    filt.add_argument(
        "--range", dest="ranges", action="append", default=[], metavar="COLUMN=LOW:HIGH",
        help="inclusive range of one column (repeat for several); leave out LOW or HIGH for an open end",
    )
    filt.set_defaults(func=_filter)

    link = subparsers.add_parser(
        "link",
        help="merge each molecule's localizations in consecutive frames (blinks) into one",
        description="Link localizations frame by frame into tracks (a gate from --radius or from each pair's "
        "localization uncertainty, at most --max-dark dark frames) and write one localization per track: "
        "the precision-weighted mean position, summed photons, first_frame, n_frames and n_locs.",
    )
    _io(link)
    add_arguments(link, LinkOptions)
    link.set_defaults(func=_link)

    clus = subparsers.add_parser(
        "cluster",
        help="DBSCAN clustering of localizations (adds a 'cluster' column, -1 for noise)",
        description="Label the localizations by DBSCAN clusters on x, y in camera pixels and "
        "write them with a 'cluster' column; --stats also writes a table of every cluster's size, centre, "
        "radius of gyration and convex-hull area (camera pixels).",
    )
    _io(clus)
    add_arguments(clus, ClusterOptions)
    clus.add_argument("--stats", metavar="CSV", help="also write the per-cluster statistics here")
    clus.set_defaults(func=_cluster)


def _io(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("table", help="localization file: .csv (ThunderSTORM) or .hdf5 (picasso)")
    parser.add_argument("-o", "--output", required=True, help="output table: .csv (ThunderSTORM) or .hdf5 (picasso)")
    parser.add_argument(
        "--camera-pixel-nm", type=float, metavar="NM",
        help="camera pixel size in nm of a ThunderSTORM CSV, which does not store it (default: 100)",
    )


def _read(args, *outputs):
    """The input table, after checking that no output is the input and that the output format is known."""
    from pathlib import Path

    from napari_maliang._cli.palm_analysis import say_pixel_size
    from napari_maliang._planes import check_output
    from napari_maliang.smlm.io import _format_for, read_localizations

    _format_for(Path(args.output), None)
    for output in outputs:
        if output is not None:
            check_output(output, args.table)
    locs = read_localizations(args.table, pixel_size_nm=args.camera_pixel_nm)
    say_pixel_size(locs, args.table)
    return locs


def _write(locs, path) -> str:
    from napari_maliang.smlm.io import write_localizations

    return ", ".join(map(str, write_localizations(locs, path)))


def _filter(args: argparse.Namespace) -> int:
    from napari_maliang.smlm.filtering import filter_localizations, parse_range

    ranges = dict(parse_range(text) for text in args.ranges)
    if len(ranges) < len(args.ranges):
        raise ValueError("each column may have one --range")
    locs = _read(args, args.output)
    kept = filter_localizations(locs, **ranges)
    print(f"maliang filter: {len(kept)} of {len(locs)} localizations kept -> {_write(kept, args.output)}")
    return 0


def _link(args: argparse.Namespace) -> int:
    from napari_maliang.smlm.linking import link

    locs = _read(args, args.output)
    linked = link(locs, options=from_args(LinkOptions, args))
    print(f"maliang link: {len(locs)} localizations -> {len(linked)} molecules -> {_write(linked, args.output)}")
    return 0


def _cluster(args: argparse.Namespace) -> int:
    from napari_maliang.smlm.clustering import cluster, cluster_stats

    locs = _read(args, args.output, args.stats)
    labelled = cluster(locs, options=from_args(ClusterOptions, args))
    files = _write(labelled, args.output)
    stats = cluster_stats(labelled)
    if args.stats:
        stats.to_csv(args.stats, index=False)
        files += f", {args.stats}"
    noise = int((labelled["cluster"] < 0).sum())
    print(f"maliang cluster: {len(stats)} clusters, {noise} of {len(labelled)} localizations noise -> {files}")
    return 0
