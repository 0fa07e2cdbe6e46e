"""The ``maliang`` console script.

``maliang demo`` opens napari with the sample data and every widget docked; batch
sub-commands (``localize``, ``drift``, ``render``, ``encode`` ...) come from the modules
in :mod:`napari_maliang._cli`, each of which registers its own sub-parsers.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

from napari_maliang import __version__

PLUGIN = "napari-maliang"


def build_parser() -> argparse.ArgumentParser:
    """The ``maliang`` argument parser with every registered sub-command."""
    parser = argparse.ArgumentParser(
        prog="maliang",
        description="napari-maliang: localization microscopy and image restoration, in napari or in batch.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = subparsers.add_parser("demo", help="open napari with the sample data and every widget docked")
    demo.add_argument(
        "--no-show", action="store_true", help="build the demo viewer and exit (for tests and screenshots)"
    )
    demo.add_argument("--screenshot", metavar="PNG", help="save a screenshot of the demo window and exit")
    demo.set_defaults(func=_demo)

    from napari_maliang import _cli

    for info in sorted(pkgutil.iter_modules(_cli.__path__), key=lambda m: m.name):
        importlib.import_module(f"{_cli.__name__}.{info.name}").register(subparsers)
    return parser


def demo_viewer(show: bool = True):
    """Create a viewer holding every sample and every docked widget of the plugin."""
    import napari
    from npe2 import PluginManifest

    manifest = PluginManifest.from_distribution(PLUGIN)
    viewer = napari.Viewer(title="napari-maliang demo", show=show)
    for sample in manifest.contributions.sample_data or []:
        viewer.open_sample(PLUGIN, sample.key)
    for widget in manifest.contributions.widgets or []:
        viewer.window.add_plugin_dock_widget(PLUGIN, widget.display_name, tabify=True)
    if viewer.dims.ndim == 3:  # show the PALM movie mid-acquisition, when molecules blink
        viewer.dims.set_current_step(0, viewer.dims.nsteps[0] // 2)
    canvas = getattr(viewer, "canvas", viewer)  # napari >= 0.9 keeps the grid on the canvas
    canvas.grid.enabled = True  # one tile per sample, so every tool's input is in view
    viewer.window.resize(1600, 1000)
    viewer.reset_view()
    return viewer


def _demo(args: argparse.Namespace) -> int:
    import napari

    viewer = demo_viewer(show=not args.no_show)
    if args.screenshot:
        from qtpy.QtWidgets import QApplication

        QApplication.processEvents()
        viewer.reset_view()
        viewer.screenshot(args.screenshot, canvas_only=False)
    if args.no_show or args.screenshot:
        viewer.close()
        return 0
    napari.run()
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``maliang`` script; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    try:
        return int(args.func(args) or 0)
    except (ValueError, TypeError, OSError) as exc:
        print(f"maliang {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"maliang {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
