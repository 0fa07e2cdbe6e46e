"""The live exposure preview of the low-light widget (issue #16): speed and fidelity.

Speed, on scikit-image's astronaut darkened by gamma 2.5 at 300 photons for white, as a 256 x 256 and a
1000 x 1000 (one megapixel) RGB image:
  prepare   ExposurePreview(image): photon counting, noise filter, blind decision, 9 downsampled anchor
            restorations (once per image, in a background thread in the widget); one warm-up call first
  preview   ExposurePreview(g) for 50 slider values g = 1..6 (median and 90th percentile): the computation
            behind each slider move
  widget    the exposure slider of the docked widget dragged to the same 50 values (median, 90th percentile):
            preview plus the update of the '<input> exposure preview' layer (napari slicing, thumbnail) in the
            GUI thread, in a napari viewer that is not shown (the GPU upload and the drawing are not in it)
The target of issue #16: a preview update under 0.1 s.

Fidelity: PSNR of the preview against the full-resolution built-in reference at the same exponent,
area-downsampled to the preview's size (what the preview stands for), at 10 exponents 1.2..6.5 that are
not anchors, at 4x downsampling (512 px photos, 128 px previews); min and median over photos and
exponents, beside the naive preview (the power of the downsampled filtered image). The number of anchors
and their spacing were chosen on the design photos (the five scikit-image photos of benchmarks/lowlight.py,
darkened by gamma 2.5 at 300 photons); the held-out figures are on the 65 photos of low-light held-out set
4 (benchmarks/lowlight_heldout4.txt, darkened as benchmarks/lowlight_heldout.py does), which this design
never looked at.

Usage: python benchmarks/lowlight_preview.py [HELDOUT_DIR] [--no-widget] [--limit N]
(the widget timing needs a display: xvfb-run -a python benchmarks/lowlight_preview.py on a headless machine)
(HELDOUT_DIR as given to fetch_lowlight_heldout.sh; default $MALIANG_HELDOUT_PHOTOS or ~/.cache/maliang-heldout;
set 4 is skipped when it is not there)
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from lowlight_heldout import FOLDER, SIZE, check_files, draw, load_rgb, read_manifest  # noqa: E402

from napari_maliang._shared.metrics import psnr  # noqa: E402
from napari_maliang._shared.resample import resize_area  # noqa: E402
from napari_maliang.lowlight.noise import estimate_photons, photon_denoise  # noqa: E402
from napari_maliang.lowlight.preview import ExposurePreview  # noqa: E402
from napari_maliang.lowlight.reference import make_reference  # noqa: E402
from napari_maliang.lowlight.samples import PHOTOS, darken, photo  # noqa: E402

SLIDER = np.linspace(1.0, 6.0, 50)
EXPONENTS = np.linspace(1.2, 6.5, 10)  # none is an anchor 2 ** (k / 2)
PREVIEW_SIDE = 128  # 4x below the 512-px photos


def _percentiles(times):
    return 1e3 * float(np.median(times)), 1e3 * float(np.percentile(times, 90))


def speed(widget: bool) -> None:
    print(f"speed ({platform.processor() or platform.machine()}, {os.cpu_count()} cores; times in ms)")
    ExposurePreview(darken(photo("chelsea", size=64), gamma=2.5, peak=300))  # warm-up: compiled kernels
    for size in (256, 1000):
        dark = darken(photo("astronaut", size=size), gamma=2.5, peak=300, seed=0)
        t0 = time.perf_counter()
        preview = ExposurePreview(dark)
        prepare = time.perf_counter() - t0
        times = []
        for g in SLIDER:
            t0 = time.perf_counter()
            preview(g)
            times.append(time.perf_counter() - t0)
        med, p90 = _percentiles(times)
        row = f"  {size}x{size} RGB -> preview {preview.shape}: prepare {1e3 * prepare:.0f}, preview {med:.1f} (p90 {p90:.1f})"
        if widget and os.environ.get("DISPLAY"):
            wmed, wp90 = _percentiles(_widget_times(dark, preview))
            row += f", widget {wmed:.1f} (p90 {wp90:.1f})"
        elif widget:
            row += ", widget: no display (run it under xvfb-run -a)"
        print(row)


def _widget_times(dark, preview):
    """Times of the widget's slider moves to the 50 values (preview and layer update in the GUI thread)."""
    import napari

    from napari_maliang._widgets.lowlight import LowlightWidget

    viewer = napari.Viewer(show=False)
    try:
        layer = viewer.add_image(dark, name="dark", rgb=True)
        widget = LowlightWidget(viewer)
        widget.preview, widget.preview_source = preview, layer  # as the preparation leaves it
        widget._slider.setSliderDown(True)  # a drag: no full run
        from qtpy.QtWidgets import QApplication

        times = []
        for g in SLIDER[::-1]:  # from the start value 2.2 the first move is a real change
            t0 = time.perf_counter()
            widget.exposure_slider.value = float(g)
            QApplication.processEvents()
            times.append(time.perf_counter() - t0)
        widget._slider.setSliderDown(False)
        widget._commit_timer.stop()
        assert viewer.layers["dark exposure preview"].metadata["exposure_preview"]["gamma"] == SLIDER[0]
        return times
    finally:
        viewer.close()


def fidelity(name: str, darks) -> None:
    """PSNR of the preview and of the naive preview against the downsampled full reference."""
    ours, naive = [], []
    for dark in darks:
        preview = ExposurePreview(dark, side=PREVIEW_SIDE)
        filtered = photon_denoise(dark, sigma=0.5 / np.sqrt(estimate_photons(dark)))  # as the preview and enhance
        small = resize_area(filtered, preview.shape[:2])
        for g in EXPONENTS:
            truth = resize_area(make_reference(filtered, noise_filter=0.0, gamma=g), preview.shape[:2])
            ours.append(psnr(preview(g), truth))
            naive.append(psnr(np.clip(small, 0, 1) ** (1.0 / g), truth))
    print(f"  {name} ({len(darks)} photos x {len(EXPONENTS)} exponents): preview min {min(ours):.1f} dB, "
          f"median {np.median(ours):.1f} dB; naive min {min(naive):.1f} dB, median {np.median(naive):.1f} dB")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", nargs="?", default=os.environ.get(
        "MALIANG_HELDOUT_PHOTOS", os.path.expanduser("~/.cache/maliang-heldout")))
    parser.add_argument("--no-widget", action="store_true", help="skip the timing in a napari viewer")
    parser.add_argument("--limit", type=int, default=None, help="only the first N held-out photos")
    args = parser.parse_args(argv)

    speed(widget=not args.no_widget)
    print(f"fidelity at {SIZE} px -> {PREVIEW_SIDE} px previews")
    fidelity("design: scikit-image photos", [darken(photo(n, size=SIZE), gamma=2.5, peak=300) for n in PHOTOS])
    rows = read_manifest()[: args.limit]
    folder = os.path.join(args.root, FOLDER)
    missing, changed = check_files(folder, rows)
    if missing or changed:
        print(f"  held-out set 4 skipped: {len(missing)} missing, {len(changed)} changed files in {folder}")
        return
    darks = []
    for i, row in enumerate(rows):
        _, g, photons, noise_seed = draw(i)
        darks.append(darken(load_rgb(os.path.join(folder, row["path"])), gamma=g, peak=photons, seed=noise_seed))
    fidelity("held-out set 4", darks)


if __name__ == "__main__":
    main()
