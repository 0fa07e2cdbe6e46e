"""``maliang localize``: PALM/STORM localization of a TIFF stack from the command line."""

from __future__ import annotations

import argparse
import sys
import time

from napari_maliang._shared.options import add_arguments, from_args
from napari_maliang.smlm.options import LocalizeOptions


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "localize",
        help="localize single molecules in a movie (TIFF stack, picasso .raw, .nd2) and write a table",
        description=(
            "Detect and fit every single molecule of a PALM/STORM stack (de-noise, detect, Poisson MLE). "
            "Big TIFFs are read as a memory map (or page by page), picasso .raw and .nd2 movies lazily, so memory "
            "stays bounded by the chunk. With --scheduler the chunks run on a dask.distributed cluster."
        ),
    )
    p.add_argument("stack", help="TIFF / BigTIFF / OME-TIFF stack (frames, H, W), picasso .raw (+ .yaml) or .nd2")
    p.add_argument("-o", "--output", required=True, help="output table: .csv (ThunderSTORM) or .hdf5 (picasso)")
    p.add_argument("--format", choices=("thunderstorm", "picasso"), help="output format (default: by extension)")
    p.add_argument("--channel", type=int, help="the channel (from 0) of a multi-channel .nd2 file")
    p.add_argument("--estimate-sigma", action="store_true", help="estimate the PSF sigma from the data first")
    add_arguments(p, LocalizeOptions)
    p.add_argument("--fixed-sigma", dest="fit_sigma", action="store_false", default=argparse.SUPPRESS,
                   help="the same as --no-fit-sigma: fix the PSF width instead of fitting it")
    p.add_argument("--pixel-size", type=float, help="camera pixel size in nm (default: OME metadata or 100)")
    p.add_argument("--gain", type=float, help="electrons per ADU (default: OME metadata or 1)")
    p.add_argument("--offset", type=float, help="camera baseline in ADU (default: OME metadata or 0)")
    p.add_argument("--qe", type=float, help="quantum efficiency 0..1 (default 1)")
    p.add_argument("--em-gain", type=float, help="EM gain of an EMCCD (default: none)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="run the chunks on this dask.distributed scheduler (e.g. tcp://10.0.0.5:8786)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_localize)


def _bar(stream):
    t0 = time.perf_counter()

    def show(progress) -> None:
        width = 30
        filled = int(width * progress.fraction)
        rate = getattr(progress, "locs_per_s", 0.0)
        fps = getattr(progress, "frames_per_s", 0.0)
        stream.write(
            f"\r[{'#' * filled}{'.' * (width - filled)}] {int(progress.done)}/{int(progress.total)} frames "
            f"{fps:7.1f} frames/s {rate:9.0f} locs/s {time.perf_counter() - t0:6.1f} s"
        )
        stream.flush()

    return show


def _localize(args: argparse.Namespace) -> int:
    from pathlib import Path

    from napari_maliang._backend import device_name
    from napari_maliang._planes import check_output
    from napari_maliang.smlm.acquisition import open_acquisition
    from napari_maliang.smlm.camera import Camera
    from napari_maliang.smlm.io import _format_for, open_stack, write_localizations
    from napari_maliang.smlm.pipeline import estimate_psf_sigma, localize

    # the output is checked before a run that may take hours, not after it
    _format_for(Path(args.output), args.format)
    check_output(args.output, args.stack)
    err = sys.stderr
    movie = open_acquisition(args.stack, args.channel)  # the file's camera, and the frames as a dask array
    if movie.damage:
        err.write(f"warning: {movie.damage}\n")
    tiff = Path(args.stack).suffix.lower() in (".tif", ".tiff", ".btf", ".tf8")
    # a TIFF runs locally through a memory map (fastest); on a cluster, and for other formats, the lazy frames
    stack = open_stack(args.stack) if tiff and not args.scheduler and not movie.damage else movie.frames
    given = {
        "pixel_size_nm": args.pixel_size,
        "gain": args.gain,
        "offset": args.offset,
        "quantum_efficiency": args.qe,
        "em_gain": args.em_gain,
    }
    values = Camera().to_dict()
    values.update(movie.camera)
    values.update({k: v for k, v in given.items() if v is not None})
    camera = Camera.from_dict(values)
    if not args.quiet or (args.pixel_size is None and movie.pixel_size_nm is None):
        source = "given" if args.pixel_size is not None else "from the file" if movie.pixel_size_nm else (
            "assumed: the file does not say; give --pixel-size")
        err.write(f"pixel size: {camera.pixel_size_nm:g} nm ({source})\n")
    client = _client(args.scheduler) if args.scheduler else None
    options = from_args(LocalizeOptions, args)
    if args.estimate_sigma:
        sigma = estimate_psf_sigma(
            stack, psf_sigma=options.psf_sigma, box=options.box, camera=camera, backend=options.backend
        )
        options = options.replace(psf_sigma=sigma)
        if not args.quiet:
            err.write(f"estimated PSF sigma: {sigma:.3f} px\n")
    if not args.quiet:
        err.write(f"localizing {args.stack} {tuple(stack.shape)} on {device_name(options.backend)}\n")
    try:
        locs = localize(stack, camera=camera, options=options, progress=None if args.quiet else _bar(err))
    finally:
        if client is not None:
            client.close()
    if not args.quiet:
        err.write("\n")
    files = write_localizations(locs, args.output, format=args.format)
    print(f"{len(locs)} localizations in {locs.attrs.get('n_frames', '?')} frames -> {', '.join(map(str, files))}")
    return 0


def _client(address: str):
    """A dask.distributed client of the scheduler at ``address``; the pipeline then runs its chunks there."""
    try:
        from distributed import Client
    except ImportError:
        raise ValueError("--scheduler needs dask.distributed: pip install 'napari-maliang[distributed]'") from None
    try:
        return Client(address, timeout="10s")
    except (OSError, TimeoutError) as exc:
        raise ValueError(f"cannot reach the dask scheduler at {address}: {exc}") from None
