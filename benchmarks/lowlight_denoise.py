"""Photon-noise denoisers for the low-light tool, measured on design photos (issue #16, second bullet).

Data: every third photograph of benchmarks/lowlight_exposure_prior.py's training set (the photos this
project already used: scikit-image, opencv-doc, KDE, PyPI, mate, lomiri; never held-out set 4), 512 px on
the longer side, each darkened once as issue #16 asks: photo i gets seed 95000 + i, which draws the
exponent g ~ U(1.5, 4), the photons for full scale N ~ logU(50, 500) and the noise seed (darken).

Each denoiser gets the dark noisy image only; its output is brightened with the TRUE exponent (x ** (1/g),
so that the exposure decision does not enter) and scored by PSNR and SSIM (Gaussian window) against the
photo; the time is the wall time of the denoiser alone (after a warm-up call), on this machine as loaded.
The noise level is estimated from the image (noise.estimate_noise: sigma of sqrt(I), N = 1 / (2 sigma)^2);
the VST candidates denoise A = 2 sqrt(N I + 3/8) at sigma 1 and invert it by Makitalo & Foi's exact
unbiased inverse.

Usage: python benchmarks/lowlight_denoise.py [--every 3] [--only NAME,...]
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from lowlight_exposure_prior import GAMMA_RANGE, PHOTON_RANGE, training_photos  # noqa: E402

from napari_maliang._shared.metrics import psnr, ssim  # noqa: E402
from napari_maliang.lowlight._image import bilateral  # noqa: E402
from napari_maliang.lowlight.noise import (  # noqa: E402
    anscombe,
    estimate_noise,
    estimate_photons,
    inverse_anscombe,
    nl_means,
    photon_denoise,
    photons_at_white,
)
from napari_maliang.lowlight.samples import darken  # noqa: E402

SEED0 = 95000


def old_bilateral(dark, strength=1.0):
    """The former photon_denoise: OpenCV's 5 x 5 bilateral filter on sqrt(I) at range sigma 3 x the noise
    level of sqrt(I) (estimate_noise), squared back."""
    s = np.sqrt(dark)
    return np.square(np.clip(bilateral(s, 3.0 * strength * estimate_noise(dark)), 0, 1))


def vst(func):
    """Denoise in the Anscombe domain at sigma 1 with ``func(a)``, then the exact unbiased inverse."""

    def run(dark):
        n = estimate_photons(dark)
        return inverse_anscombe(func(anscombe(dark, n)), n)

    return run


def sk_nlm(patch, dist):
    from skimage.restoration import denoise_nl_means

    def f(a):
        return denoise_nl_means(a, h=0.8, sigma=1.0, patch_size=patch, patch_distance=dist, fast_mode=True,
                                channel_axis=-1 if a.ndim == 3 else None).astype(np.float32)  # fmt: skip

    return f


def sk_wavelet(a):
    from skimage.restoration import denoise_wavelet

    return denoise_wavelet(
        a, sigma=1.0, method="BayesShrink", mode="soft", channel_axis=-1 if a.ndim == 3 else None
    ).astype(np.float32)


def after_brightening(g_of):
    """Brighten first (x ** (1/g) with the true g), then non-local means at the brightened image's noise
    level (skimage.restoration.estimate_sigma), then darken back so the scorer brightens it again."""

    def run(dark, g):
        from skimage.restoration import estimate_sigma

        b = dark ** np.float32(1 / g)
        s = float(np.mean(estimate_sigma(b, channel_axis=-1 if b.ndim == 3 else None)))
        return np.clip(nl_means(b, s, search=3, patch=1, h=1.0), 0, 1) ** np.float32(g)

    return run


METHODS = {
    "none": lambda d: d,
    "bilateral sqrt (old default)": old_bilateral,
    "bilateral sqrt x2": lambda d: old_bilateral(d, 2.0),
    "photon_denoise (new default)": photon_denoise,
    "skimage NLM VST 5/6": vst(sk_nlm(5, 6)),
    "skimage NLM VST 3/2": vst(sk_nlm(3, 2)),
    "wavelet BayesShrink VST": vst(sk_wavelet),
    "NLM VST s2 p1 h1": vst(lambda a: nl_means(a, 1.0, search=2, patch=1, h=1.0)),
    "NLM VST s3 p1 h0.8": vst(lambda a: nl_means(a, 1.0, search=3, patch=1, h=0.8)),
    "NLM VST s3 p1 h1": vst(lambda a: nl_means(a, 1.0, search=3, patch=1, h=1.0)),
    "NLM VST s3 p1 h1.3": vst(lambda a: nl_means(a, 1.0, search=3, patch=1, h=1.3)),
    "NLM VST s3 p1 h0.6": vst(lambda a: nl_means(a, 1.0, search=3, patch=1, h=0.6)),
    "NLM VST s3 p2 h1": vst(lambda a: nl_means(a, 1.0, search=3, patch=2, h=1.0)),
    "NLM VST s5 p1 h1": vst(lambda a: nl_means(a, 1.0, search=5, patch=1, h=1.0)),
    "NLM after brightening s3 p1": None,  # needs the true g: see after_brightening
}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--every", type=int, default=3)
    ap.add_argument("--only", default=None, help="comma-separated method names")
    args = ap.parse_args(argv)
    names = list(METHODS) if args.only is None else ["none", *args.only.split(",")]
    photos = training_photos()[:: args.every]
    rng = np.random.default_rng(0)
    warm = rng.uniform(0, 1, (64, 80, 3)).astype(np.float32)
    for n in names:
        if METHODS[n] is None:
            after_brightening(None)(darken(warm, gamma=2, peak=100, seed=1), 2.0)
        else:
            METHODS[n](darken(warm, gamma=2, peak=100, seed=1))
    res = {n: [] for n in names}
    ratio = []
    for i, (src, name, img) in enumerate(photos):
        rng = np.random.default_rng(SEED0 + i)
        g = float(rng.uniform(*GAMMA_RANGE))
        n_true = float(np.exp(rng.uniform(*np.log(PHOTON_RANGE))))
        dark = darken(img, gamma=g, peak=n_true, seed=int(rng.integers(2**31)))
        ratio.append((photons_at_white(estimate_noise(dark)) / n_true, estimate_photons(dark) / n_true))
        for n in names:
            t = time.perf_counter()
            out = after_brightening(None)(dark, g) if METHODS[n] is None else METHODS[n](dark)
            dt = time.perf_counter() - t
            b = np.clip(out, 0, 1) ** np.float32(1 / g)
            res[n].append((psnr(b, img, data_range=1.0), ssim(b, img, data_range=1.0, gaussian=True), dt))
        print(
            f"  {i + 1}/{len(photos)} {src}:{name}  g {g:.2f} N {n_true:.0f} N_est/N {ratio[-1][0]:.2f} {ratio[-1][1]:.2f}",
            flush=True,
        )
    mp = np.mean([p[2].shape[0] * p[2].shape[1] for p in photos]) / 1e6
    print(
        f"\n{len(photos)} design photos ({mp:.2f} MP each), brightened with the true g; load {os.getloadavg()[0]:.1f}"
    )
    for k, how in enumerate(("1 / (2 sigma_sqrt)^2", "estimate_photons (tile variance / mean)")):
        r = np.array(ratio)[:, k]
        print(f"estimated / true photons at white, {how}: median {np.median(r):.2f}, "
              f"10-90 % {np.quantile(r, 0.1):.2f}-{np.quantile(r, 0.9):.2f}")  # fmt: skip
    print(f"{'method':32s} {'PSNR':>7s} {'SSIM':>6s} {'s/image':>8s} {'s/MP':>6s}")
    for n in names:
        a = np.array(res[n])
        print(f"{n:32s} {a[:, 0].mean():7.2f} {a[:, 1].mean():6.3f} {a[:, 2].mean():8.3f} {a[:, 2].mean() / mp:6.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
