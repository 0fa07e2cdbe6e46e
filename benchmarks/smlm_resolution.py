"""Resolution measures: napari-maliang ``nena``/``frc`` beside picasso's ``postprocess.nena``/``postprocess._frc``.

Run with the picasso venv (it has numba/scipy/pandas for our package too)::

    PYTHONPATH=src /work/bench-venvs/picasso/bin/python benchmarks/smlm_resolution.py [--quick]

Without picasso the comparison columns are left out.

NeNA scenes (truth: the simulated localization precision sigma; ``napari_maliang.smlm.scenes``, as in the tests):
``random`` (``random_events_scene``): molecules at uniform random positions on a 512 x 512 px field, each on for
a geometric number of consecutive frames (mean 4) in 10,000 frames; every localization is the truth plus
N(0, sigma) per axis. ``handover`` (``handover_scene``): pairs of molecules 0.6 px apart, the second switching on
in the frame after the first switches off (short-range neighbours in the next frame). picasso histograms every
next-frame neighbour within 1 px in 0.001 px bins and fits a Rayleigh plus a Gaussian (no linear term); ours
histograms the nearest next-frame neighbour within 10x the median uncertainty and fits the full model of
Endesfelder et al. 2014.

FRC scenes: ``random`` (``two_halves_scene``): 40,000 molecules at uniform random positions on a 64 or 128 px square field, localized
once in an even block and once in an odd block of 500 frames; the expected curve is exp(-4 pi^2 sigma^2 q^2)
times the pixel transfer, resolution 2 pi sigma / sqrt(ln 7) ~ 4.5 sigma (tests/smlm/test_resolution.py derives
it). ``filaments``: ``napari_maliang.smlm.scenes.filament_scene`` (no drift; a fresh label position per
localization): no closed-form truth, the two programs are compared. picasso gets OUR halves and pixel (``_frc``
with lp = 2 pixel): its public ``frc`` splits the localizations at random, not by blocks of frames, so a
molecule localized in several frames lands in both halves (the spurious correlation Nieuwenhuizen et al. 2013
warn of), and it takes its pixel from its NeNA. picasso's ring sum (``imageprocess.radial_sum``) costs
O(N^3) for N x N images (6 s at N = 1280), so it runs on the images of about 1300 pixels only; the last, 5120-pixel
case (512 x 512 camera pixels at 0.1) is ours alone. Timings are the best of 2 runs after a warm-up.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from napari_maliang.smlm.resolution import frc, nena  # noqa: E402
from napari_maliang.smlm.scenes import (  # noqa: E402
    filament_scene,
    handover_scene,
    random_events_scene,
    two_halves_scene,
)

try:
    from picasso import postprocess as picasso_postprocess
except ImportError:
    picasso_postprocess = None

REPEATS = 2
#: side of the NeNA scenes' field (px)
FIELD = 512.0


def best_time(func, *args, **kwargs):
    """``(result, seconds)``: the result of the last run and the best wall time of ``REPEATS`` runs."""
    times = []
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        result = func(*args, **kwargs)
        times.append(time.perf_counter() - t0)
    return result, min(times)


def expected_frc(sigma, pixel):
    from scipy.optimize import brentq

    theta = np.linspace(0, np.pi / 2, 1001)

    def excess(q):
        transfer = np.mean(np.sinc(q * pixel * np.cos(theta)) ** 2 * np.sinc(q * pixel * np.sin(theta)) ** 2)
        return np.exp(-4 * np.pi**2 * sigma**2 * q**2) * transfer - 1 / 7

    return 1 / brentq(excess, 1e-3, 1 / (2 * pixel))


def picasso_table(locs):
    return pd.DataFrame({"frame": locs["frame"].to_numpy(np.uint32), "x": locs["x"].to_numpy(np.float32),
                         "y": locs["y"].to_numpy(np.float32), "lpx": locs["uncertainty_x"].to_numpy(np.float32),
                         "lpy": locs["uncertainty_y"].to_numpy(np.float32)})


def picasso_nena(locs):
    return picasso_postprocess.nena(picasso_table(locs), [{"Pixelsize": 100.0}])[1]


def picasso_frc(locs, pixel, block):
    """picasso's FRC core on our halves and pixel; returns the resolution in camera px (pixelsize 1 nm)."""
    second = (locs["frame"].to_numpy() // block) % 2 == 1
    t = picasso_table(locs)
    y0, x0 = math.floor(t["y"].min()), math.floor(t["x"].min())
    side = max(math.ceil(t["y"].max()) - y0, math.ceil(t["x"].max()) - x0) + 1
    viewport = ((y0, x0), (y0 + side, x0 + side))
    return picasso_postprocess._frc(t[~second], t[second], 1.0, 2 * pixel, viewport)[3]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller scenes")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    scale = 0.25 if args.quick else 1.0
    have = picasso_postprocess is not None
    print(f"picasso: {'postprocess.nena / _frc' if have else 'not installed (comparison left out)'}; "
          f"best of {REPEATS} after a warm-up")

    # warm-up: imports, numba compilation (ours: the histogram kernel; picasso: its NeNA loop)
    small = random_events_scene(0.1, n_molecules=2000, n_frames=1000, field=FIELD)
    nena(small)
    warm = two_halves_scene(0.3, field=64.0, n_molecules=2000)
    frc(warm, pixel=0.1)
    if have:
        picasso_nena(small)
        picasso_frc(warm, 0.1, 500)

    print("\nNeNA: localization precision (px); error = estimate / truth - 1")
    nena_movie = {"n_frames": 10_000, "field": FIELD}
    for name, sigma, locs in [
        ("random", 0.10, random_events_scene(0.10, n_molecules=int(100_000 * scale), **nena_movie)),
        ("random", 0.20, random_events_scene(0.20, n_molecules=int(100_000 * scale), seed=1, **nena_movie)),
        ("handover", 0.10, handover_scene(0.10, n_pairs=int(50_000 * scale), seed=2, **nena_movie)),
    ]:
        (ours, _), t_ours = best_time(nena, locs)
        line = (f"  {name:9s} sigma {sigma:.2f} ({len(locs):7d} locs): ours {ours:.4f} ({ours / sigma - 1:+6.1%}) "
                f"{t_ours:6.2f} s")
        if have:
            theirs, t_theirs = best_time(picasso_nena, locs)
            line += (f" | picasso {theirs:.4f} ({theirs / sigma - 1:+6.1%}) {t_theirs:6.2f} s"
                     f" | time picasso/ours {t_theirs / t_ours:5.1f}")
        print(line)

    print("\nFRC: resolution (px); same halves (alternate blocks of 500 frames) and pixel for both")
    filaments, _ = filament_scene(n_frames=int(20_000 * scale), shape=(128, 128), n_filaments=20, drift_kind="none",
                                  seed=3)
    wide, _ = filament_scene(n_frames=int(40_000 * scale), shape=(512, 512), n_filaments=160, drift_kind="none",
                             seed=4)
    for name, sigma, pixel, locs in [
        ("random", 0.15, 0.05, two_halves_scene(0.15, field=64.0, n_molecules=int(40_000 * scale))),
        ("random", 0.30, 0.10, two_halves_scene(0.30, field=128.0, n_molecules=int(40_000 * scale), seed=2)),
        ("filaments", None, 0.10, filaments),
        ("filaments", None, 0.10, wide),
    ]:
        (ours, curve), t_ours = best_time(frc, locs, pixel=pixel)
        if sigma is None:
            truth = "no closed form"
            line = f"  {name:9s} pixel {pixel:.2f} ({len(locs):7d} locs, {truth}): ours {ours:.3f} {t_ours:6.2f} s"
        else:
            expected = expected_frc(sigma, pixel)
            line = (f"  {name:9s} sigma {sigma:.2f} pixel {pixel:.2f} ({len(locs):7d} locs, expected {expected:.3f}):"
                    f" ours {ours:.3f} ({ours / expected - 1:+6.1%}) {t_ours:6.2f} s")
        line += f" [{curve.attrs['image_size']} px images]"
        if have and curve.attrs["image_size"] <= 1400:
            theirs, t_theirs = best_time(picasso_frc, locs, pixel, 500)
            error = "" if sigma is None else f" ({theirs / expected - 1:+6.1%})"
            line += (f" | picasso {theirs:.3f}{error} {t_theirs:6.2f} s"
                     f" | time picasso/ours {t_theirs / t_ours:5.1f}")
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
