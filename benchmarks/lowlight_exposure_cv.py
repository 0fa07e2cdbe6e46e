"""Can a prior learned from photos beat the uniform prior of the blind exposure estimate?

Leave-one-image-out cross-validation on the 47 photographs already seen while designing
``estimate_gamma`` (the 5 benchmark photos, the 9 photographs of held-out set 1 and the 33 of
held-out set 2; set 3 stays unseen). Each candidate is fitted on 46 photos darkened by random
gammas (log-uniform on 1..5) with random photon noise (log-uniform 200..5000 photons at white),
then scored on the left-out photo darkened by gamma 2 and 3 at 1000 photons, by the PSNR of the
built-in reference at the estimated gamma (the GP adds ~0 dB to it).

Candidates:
  fixed 2.2          the baseline's fixed exponent
  uniform            the shipped estimate (W2 distance to U(0, 1), with its deadband)
  GLS lam=...        Gaussian model of the log(-log) luminance quantiles of well-exposed photos
                     (25 levels): a darkening gamma shifts that vector by log g, so log g is the
                     generalised-least-squares shift, with a ridge ``lam * diag(C)`` on the covariance
  W2 to mean photo   the uniform estimate with U(0, 1) replaced by the mean quantile curve of the
                     training photos
  oracle +-d         the true gamma times exp(d): how fast PSNR falls with the exponent's error

Needs the photos of benchmarks/fetch_heldout_photos.sh. Usage: python benchmarks/lowlight_exposure_cv.py
"""

from __future__ import annotations

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
import lowlight as bench  # noqa: E402

from napari_maliang.lowlight import psnr  # noqa: E402
from napari_maliang.lowlight.noise import photon_denoise  # noqa: E402
from napari_maliang.lowlight.reference import _stat_luminance, classical_reference, estimate_gamma  # noqa: E402
from napari_maliang.lowlight.samples import PHOTOS, darken, photo  # noqa: E402

SEEN_SET1_PHOTOS = ("camera", "coins", "moon", "text", "brick", "grass", "gravel", "clock", "grace_hopper")
LEVELS = np.linspace(0.02, 0.98, 25)
W2_LEVELS = (np.arange(99) + 0.5) / 99
LOG_GRID = np.linspace(np.log(0.25), np.log(8), 321)


def seen_photos():
    imgs = [photo(n, size=256) for n in PHOTOS] + [bench.heldout_image(n) for n in SEEN_SET1_PHOTOS]
    folder = os.path.join(bench.HELDOUT_PHOTOS, "opencv")
    missing = [r for r in bench.PHOTO_HELDOUT if not os.path.isfile(os.path.join(folder, r))]
    if missing:
        raise SystemExit(f"photos missing under {folder}: run benchmarks/fetch_heldout_photos.sh")
    return imgs + [bench.load_photo(os.path.join(folder, r)) for r in bench.PHOTO_HELDOUT]


def quantiles(den, levels):
    return np.quantile(_stat_luminance(den).astype(np.float64), levels)


def loglog(q):
    valid = (q > 1e-3) & (q < 0.995)
    return np.log(-np.log(np.clip(q, 1e-6, 1 - 1e-6))), valid


def gls_fit(residuals, valid, lam):
    r = np.where(valid, residuals, np.nan)
    m = np.nanmean(r, axis=0)
    rc = np.where(valid, r - m, 0.0)
    counts = valid.T.astype(float) @ valid.astype(float)
    c = (rc.T @ rc) / np.maximum(counts - 1, 1)
    return m, c + lam * np.diag(np.diag(c))


def gls_gamma(f, valid, m, c):
    if not valid.any():
        return 1.0
    ci = np.linalg.inv(c[np.ix_(valid, valid)])
    one = np.ones(int(valid.sum()))
    return float(np.exp(one @ ci @ (f[valid] - m[valid]) / (one @ ci @ one)))


def w2_gamma(yq, target):
    pw = np.exp(np.log(np.clip(yq, 1e-9, 1))[None, :] * np.exp(-LOG_GRID)[:, None])
    return float(np.exp(LOG_GRID[np.argmin(np.mean((pw - target[None, :]) ** 2, axis=1))]))


def main() -> int:
    rng = np.random.default_rng(0)
    imgs = seen_photos()
    print(f"{len(imgs)} seen photographs; leave-one-image-out")
    sim_img, sim_res, sim_valid = [], [], []
    for i, im in enumerate(imgs):
        for _ in range(12):
            g = float(np.exp(rng.uniform(0, np.log(5))))
            peak = float(np.exp(rng.uniform(np.log(200), np.log(5000))))
            f, v = loglog(quantiles(photon_denoise(darken(im, gamma=g, peak=peak, seed=int(rng.integers(1 << 30)))), LEVELS))
            sim_img.append(i)
            sim_res.append(f - np.log(g))
            sim_valid.append(v)
    sim_img, sim_res, sim_valid = np.array(sim_img), np.array(sim_res), np.array(sim_valid)
    photo_q = np.array([quantiles(im, W2_LEVELS) for im in imgs])

    cases = []  # (image index, true gamma, dark, original, denoised)
    for i, im in enumerate(imgs):
        for g in (2, 3):
            dark = darken(im, gamma=g, peak=1000, seed=7000 + 10 * i + g)
            cases.append((i, g, dark, im, photon_denoise(dark)))

    estimators = {
        "fixed 2.2": lambda i, g, den: 2.2,
        "uniform (shipped)": lambda i, g, den: estimate_gamma(den),
        "W2 to mean photo": lambda i, g, den: w2_gamma(quantiles(den, W2_LEVELS), np.delete(photo_q, i, 0).mean(0)),
    }
    for lam in (0.0, 1.0, 1e6):

        def gls(i, g, den, lam=lam):
            keep = sim_img != i
            m, c = gls_fit(sim_res[keep], sim_valid[keep], lam)
            return gls_gamma(*loglog(quantiles(den, LEVELS)), m, c)

        estimators[f"GLS lam={lam:g}"] = gls
    for d in (-0.2, -0.1, 0.1, 0.2):  # diagnostics: the true gamma, off by a known factor
        estimators[f"oracle {d:+.1f}"] = lambda i, g, den, d=d: g * np.exp(d)

    print(f"{'estimator':20s} {'median|log err|':>16s} {'within 10 %':>12s} {'> 30 % off':>11s} {'PSNR':>7s}")
    for name, est in estimators.items():
        errs, scores = [], []
        for i, g, dark, im, den in cases:
            ge = float(np.clip(est(i, g, den), 1.0, 8.0))
            errs.append(abs(np.log(ge / g)))
            scores.append(psnr(classical_reference(dark, gamma=ge), im))
        errs = np.array(errs)
        print(
            f"{name:20s} {np.median(errs):16.3f} {np.mean(errs < np.log(1.1)):12.2f} "
            f"{np.mean(errs > np.log(1.3)):11.2f} {np.mean(scores):7.2f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
