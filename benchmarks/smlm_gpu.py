"""GPU twins of the PALM engine beside their CPU twins: fits/s, frames/s and CPU/GPU agreement (issue #3).

Needs a CUDA device with CuPy (``pip install napari-maliang[gpu]``); without one it says so and exits 2.

    python benchmarks/smlm_gpu.py [--spots 1000000] [--frames 1000]

Targets (H100): >= 1e7 fits/s, >= 3000 frames/s of 512 x 512 with 100 emitters per frame, GPU and CPU
positions within 1e-3 px. Fits/s include the host->device->host transfers of ``fit_spots``; frames/s are
for ``localize`` on an in-memory uint16 stack (chunks copied to the device, tables back to the host).
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np


def _best(fn, repeats=3):
    best, out = np.inf, None
    for _ in range(repeats):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def _pair_offsets(a, b, radius=0.5):
    """Per-frame nearest-neighbour distances between two localization tables (a's rows matched in b)."""
    from scipy.spatial import cKDTree

    out = []
    for frame, rows in a.groupby("frame"):
        other = b[b.frame == frame]
        if len(other) == 0:
            continue
        dist, _ = cKDTree(other[["x", "y"]].to_numpy()).query(rows[["x", "y"]].to_numpy())
        out.append(dist[dist < radius])
    return np.concatenate(out) if out else np.array([])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spots", type=int, default=1_000_000)
    parser.add_argument("--frames", type=int, default=1000)
    args = parser.parse_args(argv)

    from napari_maliang._backend import device_name, has_gpu
    from napari_maliang.smlm import fit_spots, localize, simulate_movie, simulate_spots

    if not has_gpu():
        print("no CUDA device with CuPy: nothing to measure (the GPU twins need one)")
        return 2
    print(f"device: {device_name('gpu')}; host: {os.cpu_count()} CPU cores")

    spots, _ = simulate_spots(args.spots, box=7, sigma=1.3, photons=1000.0, background=10.0, seed=1)
    fit_spots(spots[:1000], backend="gpu")  # compile
    fit_spots(spots[:1000], backend="cpu")
    t_gpu, gpu = _best(lambda: fit_spots(spots, backend="gpu"))
    t_cpu, cpu = _best(lambda: fit_spots(spots, backend="cpu"), repeats=1)
    both = gpu.converged & cpu.converged
    dx = np.abs(np.concatenate([gpu.x[both] - cpu.x[both], gpu.y[both] - cpu.y[both]]))
    print(f"fit_spots, {args.spots} spots 7x7: GPU {args.spots / t_gpu:,.0f} fits/s, CPU {args.spots / t_cpu:,.0f} "
          f"fits/s ({t_cpu / t_gpu:.1f}x); |x_gpu - x_cpu| max {dx.max():.2e} px, 99.9 % {np.quantile(dx, 0.999):.2e} "
          f"px over {both.sum()} spots converged on both")

    movie, _ = simulate_movie(frames=args.frames, shape=(512, 512), n_emitters=100, photons=(500.0, 3000.0),
                              background=20.0, psf_sigma=1.3, seed=2)
    localize(movie[:8], backend="gpu")  # compile
    t_lg, locs_gpu = _best(lambda: localize(movie, backend="gpu"))
    t_lc, locs_cpu = _best(lambda: localize(movie, backend="cpu"), repeats=1)
    off = _pair_offsets(locs_gpu, locs_cpu)
    print(f"localize, {args.frames} frames 512x512, 100 emitters/frame: GPU {args.frames / t_lg:,.0f} frames/s, "
          f"CPU {args.frames / t_lc:,.0f} frames/s; {len(locs_gpu)} vs {len(locs_cpu)} localizations, matched "
          f"position difference max {off.max() if off.size else float('nan'):.2e} px")
    print(f"SUMMARY smlm_gpu {device_name('gpu')}: {args.spots / t_gpu:.3g} fits/s (target >= 1e7), "
          f"{args.frames / t_lg:.0f} frames/s (target >= 3000), CPU/GPU max {dx.max():.1e} px (target <= 1e-3)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
