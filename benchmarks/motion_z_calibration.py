"""Calibration of the motion Z-statistic on stationary filaments (issue 4 target: |Z| < 2 in 95 % of seeds).

A calibrated Z is N(0, 1) under no motion, so |Z| < 2 should hold in 95.4 % of seeds. Each seed simulates a
stationary filament (straight or curved, alternately) split into two data sets, draws the user's line with
0.3 px of hand jitter and computes Z between the sets with ``motion_z_statistics``.

    python benchmarks/motion_z_calibration.py [--seeds 10000] [--outliers 0.0]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from napari_maliang.smlm import motion_z_statistics
from napari_maliang.smlm.scenes import motion_scene


def z_values(seeds: int, outliers: float, first_seed: int = 100_000) -> np.ndarray:
    zs = np.empty(seeds)
    for k in range(seeds):
        locs, truth = motion_scene(
            n_sets=2, curvature=0.5 * (k % 2), seed=first_seed + k, outlier_fraction=outliers
        )
        line = truth.filaments[0][[0, -1]] + np.random.default_rng(k).normal(0, 0.3, (2, 2))
        zs[k] = motion_z_statistics(locs, line).loc[0, "z"]
    return zs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10_000)
    parser.add_argument("--outliers", type=float, default=0.0, help="fraction of outliers in the band")
    args = parser.parse_args()
    start = time.perf_counter()
    zs = z_values(args.seeds, args.outliers)
    inside = float(np.mean(np.abs(zs) < 2))
    se = float(np.sqrt(inside * (1 - inside) / len(zs)))
    print(f"seeds {len(zs)}, outliers {args.outliers:.0%}: mean Z {zs.mean():+.3f}, SD {zs.std():.3f}")
    print(f"SUMMARY motion_z: |Z| < 2 in {inside:.1%} ± {se:.1%} of stationary seeds "
          f"(target 95 %, N(0,1) gives 95.4 %); {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
