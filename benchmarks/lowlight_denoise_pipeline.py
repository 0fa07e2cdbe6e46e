"""The whole default enhance() on design photos, with the GP ablation (issue #16, bullets 2 and 3).

Same photos and draws as benchmarks/lowlight_denoise.py (every third photograph already used by this
project, 512 px, grey ones made RGB, seed 95000 + i draws g ~ U(1.5, 4), N ~ logU(50, 500), noise seed); never held-out set 4.
Scored as benchmarks/lowlight_heldout.py scores set 4: the default enhance(dark) (blind exposure), its own
reference (EnhanceResult.reference, clipped: the same pipeline without the GP), gamma 1/2.2 and gamma 1/2.2 +
scikit-image non-local means (the held-out script's baseline). Imports only what every version of the
package has, so it can score an older checkout (PYTHONPATH=old/src) for before/after.

Usage: python benchmarks/lowlight_denoise_pipeline.py [--every 3]
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from lowlight import gamma_baseline  # noqa: E402
from lowlight_exposure_prior import GAMMA_RANGE, PHOTON_RANGE, training_photos  # noqa: E402
from lowlight_heldout import gamma_nlm, score  # noqa: E402

from napari_maliang.lowlight import enhance  # noqa: E402
from napari_maliang.lowlight.samples import darken  # noqa: E402

SEED0 = 95000  # as benchmarks/lowlight_denoise.py


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--every", type=int, default=3)
    ap.add_argument(
        "--gp-raw",
        action="store_true",
        help="also the GP redesign 'denoised targets': the GP's inputs are the raw (noisy) image, its targets "
        "the default's reference (from the denoised image); enhance(dark, reference=res.reference, noise_filter=0)",
    )
    args = ap.parse_args(argv)
    photos = training_photos()[:: args.every]
    warm = np.random.default_rng(0).uniform(0, 1, (96, 128, 3)).astype(np.float32)
    enhance(darken(warm, gamma=2.5, peak=100, seed=1))
    names = (
        "gamma 1/2.2",
        "gamma+NLM",
        "reference (no GP)",
        "default",
        *(("GP raw -> denoised ref",) if args.gp_raw else ()),
    )
    rows = []
    for i, (src, name, img) in enumerate(photos):
        img = np.repeat(img[..., None], 3, axis=-1) if img.ndim == 2 else img  # RGB, as held-out set 4
        rng = np.random.default_rng(SEED0 + i)
        g = float(rng.uniform(*GAMMA_RANGE))
        n = float(np.exp(rng.uniform(*np.log(PHOTON_RANGE))))
        dark = darken(img, gamma=g, peak=n, seed=int(rng.integers(2**31)))
        t = time.perf_counter()
        res = enhance(dark, details=True)
        dt = time.perf_counter() - t
        r = {
            "gamma 1/2.2": score(gamma_baseline(dark), img),
            "gamma+NLM": score(gamma_nlm(dark), img),
            "reference (no GP)": score(res.reference, img),
            "default": score(res.image, img),
        }
        if args.gp_raw:
            r["GP raw -> denoised ref"] = score(enhance(dark, reference=res.reference, noise_filter=0), img)
        rows.append((src, r, dt))
        print(f"  {i + 1:2d} {src}:{name[:30]:30s} g {g:.2f} N {n:5.0f} blind {res.info.get('gamma', 0):.2f}  "
              + "  ".join(f"{v[0]:6.2f}/{v[1]:.3f}" for v in r.values()), flush=True)  # fmt: skip
    print(
        f"\n{len(rows)} design photos; load {os.getloadavg()[0]:.1f}; default {np.mean([x[2] for x in rows]):.3f} s/image"
    )
    gam = np.array([x[1]["gamma 1/2.2"][0] for x in rows])
    for nm in names:
        p = np.array([x[1][nm][0] for x in rows])
        s = np.array([x[1][nm][1] for x in rows])
        d = p - gam
        print(f"  {nm:20s} PSNR {p.mean():6.2f} dB  SSIM {s.mean():.3f}  worst vs gamma {d.min():+6.2f}  "
              f"< -3 dB: {int(np.sum(d < -3))}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
