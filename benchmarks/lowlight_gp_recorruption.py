"""The shipped re-corruption GP against its own reference and the paper's GP on the design photos (issue #16).

The photos and draws of benchmarks/lowlight_gp_ablation.py (every third photograph already used by this project,
512 px, seeds 95000 + i: g ~ U(1.5, 4), N ~ logU(50, 500)); never a low-light held-out set. Each draw is enhanced
three ways with the blind exposure: ``enhance(dark)`` (the default, ``gp_target="recorruption"``),
``gp_target="reference"`` (the paper's GP) and ``gp=False`` (the reference alone). Prints per photo the gains over
the reference, then the means, worst PSNR gain and share of photos whose SSIM rose.

Usage: python benchmarks/lowlight_gp_recorruption.py [--every 3]
"""

from __future__ import annotations

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from lowlight_denoise_pipeline import SEED0  # noqa: E402
from lowlight_exposure_prior import GAMMA_RANGE, PHOTON_RANGE, training_photos  # noqa: E402
from lowlight_heldout import score  # noqa: E402

from napari_maliang.lowlight import enhance  # noqa: E402
from napari_maliang.lowlight.samples import darken  # noqa: E402

METHODS = {"reference": {"gp": False}, "re-corruption GP": {}, "paper's GP": {"gp_target": "reference"}}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--every", type=int, default=3)
    args = ap.parse_args(argv)
    rows = []
    for i, (_, name, img) in enumerate(training_photos()[:: args.every]):
        img = np.repeat(img[..., None], 3, axis=-1) if img.ndim == 2 else img
        rng = np.random.default_rng(SEED0 + i)
        g = float(rng.uniform(*GAMMA_RANGE))
        n = float(np.exp(rng.uniform(*np.log(PHOTON_RANGE))))
        dark = darken(img, gamma=g, peak=n, seed=int(rng.integers(2**31)))
        r = {m: score(enhance(dark, **kw), img) for m, kw in METHODS.items()}
        rows.append(r)
        gains = "  ".join(f"{m} {r[m][0] - r['reference'][0]:+.2f} dB" for m in list(METHODS)[1:])
        print(f"{i + 1:3d} {name[:28]:28s} reference {r['reference'][0]:6.2f} dB  {gains}", flush=True)
    print(f"\n{len(rows)} design photos, blind exposure; gains over the reference")
    print(f"{'method':18s}  PSNR    gain dB  worst dB  SSIM gain  SSIM higher")
    for m in METHODS:
        p = np.array([r[m][0] for r in rows])
        d = p - np.array([r["reference"][0] for r in rows])
        ds = np.array([r[m][1] - r["reference"][1] for r in rows])
        print(f"{m:18s} {p.mean():6.2f}  {d.mean():+7.3f}  {d.min():+7.2f}  {ds.mean():+9.4f}  {np.sum(ds > 0):3d}/{len(rows)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
