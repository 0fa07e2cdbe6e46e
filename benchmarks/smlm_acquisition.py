"""A real-sized acquisition through napari: a 30,000-frame 256 x 256 uint16 OME-TIFF (about 4 GB).

Issue #14's check of the lazy movie reader and of the PALM widget's chunked localization:

1. The benchmark writes the movie to a temporary folder (simulated blinking molecules, pixel size in the OME-XML),
   frame chunk by frame chunk, so its own memory stays small; the file is deleted at the end.
2. ``maliang localize`` (the command line: memory-mapped TIFF) localizes it in a child process.
3. A second child process opens the file in a napari viewer through the plugin's reader (timed: the issue asks
   for under 2 s), docks the "PALM localization" widget, presses Run and waits for the Points and render layers:
   the widget's code path on the lazy (dask) layer.

Each child's peak resident memory comes from the operating system (``wait4``); the issue asks for < 2 GB in the
widget run, and for frames/s within 20 % of the command line's. Run it with a display (``xvfb-run -a python
benchmarks/smlm_acquisition.py``); ``--frames`` makes a smaller file for a quick look.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FRAMES, SHAPE, PIXEL_NM = 30_000, (256, 256), 117.0

WIDGET_RUN = r"""
import json, sys, time
from qtpy.QtWidgets import QApplication
import napari

path = sys.argv[1]
viewer = napari.Viewer(show=False)
t0 = time.perf_counter()
(layer,) = viewer.open(path, plugin="napari-maliang")
opened = time.perf_counter() - t0
t0 = time.perf_counter()
(again,) = viewer.open(path, plugin="napari-maliang")
opened_again = time.perf_counter() - t0
viewer.layers.remove(again)
_, widget = viewer.window.add_plugin_dock_widget("napari-maliang", "PALM localization")
widget.backend.value = "cpu"
widget.layer_combo.setCurrentText(layer.name)
widget.gain.setValue(2.0)  # the camera of the simulation, as the command line is told
widget.offset.setValue(100.0)
t0 = time.perf_counter()
widget.runner.run()
app = QApplication.instance()
while widget.runner.running:
    app.processEvents()
    time.sleep(0.01)
app.processEvents()
total = time.perf_counter() - t0
assert widget.runner.last_error is None, widget.runner.last_error
progress = widget._last_progress
points = viewer.layers[f"{layer.name} localizations"]
print(json.dumps({"open_s": opened, "open_again_s": opened_again, "lazy": type(layer.data).__module__.split(".")[0],
                  "pixel_size_nm": layer.metadata["pixel_size_nm"], "frames_per_s": progress.frames_per_s,
                  "localizations": len(points.data), "total_s": total}))
viewer.close()
"""


def write_movie(path: Path, frames: int) -> int:
    """Simulated blinking molecules, written chunk by chunk as one OME-TIFF series; returns the true on-events."""
    import numpy as np
    import tifffile

    from napari_maliang.smlm.simulate import simulate_movie

    chunk, events = 500, 0

    def chunks():
        nonlocal events
        for i, start in enumerate(range(0, frames, chunk)):
            n = min(chunk, frames - start)
            movie, truth = simulate_movie(frames=n, shape=SHAPE, n_emitters=15, photons=(800.0, 3000.0),
                                          background=15.0, min_distance=8, gain=2.0, offset=100.0, seed=i)
            events += len(truth)
            yield from movie

    metadata = {"axes": "TYX", "PhysicalSizeX": PIXEL_NM / 1000, "PhysicalSizeY": PIXEL_NM / 1000}
    tifffile.imwrite(path, chunks(), shape=(frames, *SHAPE), dtype=np.uint16, ome=True, bigtiff=True,
                     metadata=metadata)
    return events


def run_child(cmd: list[str], config_dir: str) -> tuple[float, float, str]:
    """Wall time, peak resident memory (GiB) and stdout of a child process (widget settings in ``config_dir``)."""
    t0 = time.perf_counter()
    env = {**os.environ, "NAPARI_MALIANG_CONFIG_DIR": config_dir}
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    out, err = proc.stdout.read(), proc.stderr.read()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"{' '.join(cmd[:3])} ... failed ({proc.returncode}):\n{err[-3000:]}")
    return wall, usage.ru_maxrss / 2**20, out  # ru_maxrss is in KiB on Linux


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=FRAMES)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="maliang-acq-") as tmp:
        movie = Path(tmp) / "acquisition.ome.tif"
        t0 = time.perf_counter()
        events = write_movie(movie, args.frames)
        size = movie.stat().st_size / 2**30
        print(f"wrote {movie.name}: {args.frames} frames {SHAPE[0]}x{SHAPE[1]} uint16, {size:.2f} GiB, "
              f"{events} on-events, in {time.perf_counter() - t0:.0f} s")

        cli_wall, cli_rss, cli_out = run_child([sys.executable, "-m", "napari_maliang.cli", "localize", str(movie),
                                                "-o", str(Path(tmp) / "cli.hdf5"), "--backend", "cpu", "--quiet",
                                                "--gain", "2", "--offset", "100"], tmp)
        cli_fps = args.frames / cli_wall
        print(f"maliang localize (memory-mapped TIFF): {cli_wall:.1f} s, {cli_fps:.0f} frames/s incl. start-up, "
              f"peak RSS {cli_rss:.2f} GiB; {cli_out.strip()}")

        gui_wall, gui_rss, gui_out = run_child([sys.executable, "-c", WIDGET_RUN, str(movie)], tmp)
        result = json.loads(gui_out.strip().splitlines()[-1])
        print(f"napari reader: opened in {result['open_s']:.2f} s (first file: imports included; again "
              f"{result['open_again_s']:.2f} s) as a {result['lazy']} array, pixel size "
              f"{result['pixel_size_nm']:g} nm from the OME-XML")
        widget_fps = args.frames / result["total_s"]
        print(f"PALM widget on the lazy layer: {result['total_s']:.1f} s from Run to layers "
              f"({widget_fps:.0f} frames/s; localization alone {result['frames_per_s']:.0f} frames/s), "
              f"{result['localizations']} localizations, child peak RSS {gui_rss:.2f} GiB (napari included)")
        print(f"widget / command line frames/s: {widget_fps / cli_fps:.2f} (Run to layers vs whole CLI run; "
              f"the issue asks >= 0.8); "
              f"peak RSS {gui_rss:.2f} GiB vs the 2 GiB bound: {'met' if gui_rss < 2 else 'NOT met'}; "
              f"open {result['open_s']:.2f} s (again {result['open_again_s']:.2f} s) vs 2 s: "
              f"{'met' if result['open_s'] < 2 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
