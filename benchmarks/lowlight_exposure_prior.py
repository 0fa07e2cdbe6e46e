"""Fit and cross-validate the exposure prior of the Bayes exposure decision (issue #16, first bullet).

Training photos: only photographs this project had already used (never held-out set 4), in 6 sources:
  skimage   scikit-image's 5 benchmark photos and the 8 photographs of held-out set 1 + matplotlib's
            Grace Hopper (14)
  opencv    the 33 photographs of Debian's opencv-doc examples (held-out set 2)
  kde       the 11 photographs of KDE's plasma-workspace-wallpapers (held-out set 3)
  pypi      scikit-learn's china and flower, PyWavelets' aero and ascent (held-out set 3)
  mate      the 12 photographs of Debian's mate-backgrounds nature/ (dequantization held-out set)
  lomiri    the 15 photographs of Debian's lomiri-wallpapers-16.04 (second dequantization set)
(`bash benchmarks/fetch_heldout_photos.sh` fetches all but skimage.)

Darkening: the protocol of benchmarks/lowlight_heldout.py (512 px longer side, exponent g ~ U(1.5, 4),
photons ~ logU(50, 500), Poisson via napari_maliang.lowlight.darken), DRAWS draws per photo with seeds
90000 + 10 * photo index + draw (a different stream from set 4's 16000 + i).

For each draw: the photon-filtered image (as enhance() filters it), the uniform-prior estimate u
(reference._exposure_cues), the old default (estimate_gamma), a few other cues (log(-log) luminance
quantiles, the noise level, a chroma spread), the noise of sqrt(input) before the filter, and the PSNR of
the pointwise reference ``filtered ** (1/g)`` on a grid of g (the GP adds ~0 dB to its reference) plus the
PSNR of fixed gamma 1/2.2 on the raw input.

Superseded on 2026-12-05 by benchmarks/lowlight_shape_prior.py (a kernel density of natural photos' luminance
shapes as the likelihood, and the decision's regret weight chosen there); this script keeps the study of the
uniform-estimate likelihood that was shipped before, and its decisions use reference._bayes_gamma's current loss.
Model shipped until then: prior g ~ U(1.5, 4) x the likelihood of u, whose error
``log g - log u`` is stored as 21 quantiles and smoothed by a Gaussian kernel (bandwidth chosen here among
0.05, 0.1, 0.2); the decision (reference._bayes_gamma) minimises the posterior-expected PSNR deficit
(dB) between ``y ** (1/g*)`` and ``y ** (1/g)`` over the image's own luminance quantiles plus 2x the dB
beyond 3 dB below fixed gamma 1/2.2 (weight and margin chosen in this CV, 2026-12-04, with the
photon-filtered images of the Anscombe NL-means filter; docs/benchmarks/lowlight.md). Alternatives scored in the same CV: least-squares
regressions of log g on the cues (normal posterior with the CV residual spread), fixed exponents, the
posterior median. Leave-one-source-out: each draw is decided by quantiles (or a regression) fitted without
its source; the constants printed at the end are fitted on all draws.

Usage: python benchmarks/lowlight_exposure_prior.py [--draws 4] [--cache FILE] [--enhance]
(--enhance also scores the full enhance() with the CV decision against today's default, slower.)
Prints the CV table and the constants of the uniform-estimate likelihood.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
import lowlight as bench  # noqa: E402

from napari_maliang.lowlight import reference as R  # noqa: E402
from napari_maliang.lowlight.noise import estimate_noise, estimate_photons, photon_denoise  # noqa: E402
from napari_maliang.lowlight.samples import PHOTOS, darken, photo  # noqa: E402

SIZE = 512
GAMMA_RANGE = (1.5, 4.0)
PHOTON_RANGE = (50.0, 500.0)
SEED0 = 90000
GRID = np.exp(np.linspace(0.0, np.log(12.0), 120))
SKIMAGE_SET1 = ("camera", "coins", "moon", "text", "brick", "grass", "gravel", "clock", "grace_hopper")
LOMIRI_RENDERS = ("calla.png", "desert.png", "goldfish.png", "rhythm.jpg")  # ukui-wallpapers: not lomiri


def training_photos():
    """[(source, name, float32 image)]; the photographs already used by this project (not set 4)."""
    root = bench.HELDOUT_PHOTOS
    out = [("skimage", n, photo(n, size=SIZE)) for n in PHOTOS]
    out += [("skimage", n, bench.heldout_image(n, size=SIZE)) for n in SKIMAGE_SET1]
    out += [("opencv", r, bench.load_photo(os.path.join(root, "opencv", r), SIZE)) for r in bench.PHOTO_HELDOUT]
    for r in bench.PHOTO_HELDOUT3:
        src = "pypi" if r in ("china.jpg", "flower.jpg", "aero.npz", "ascent.npz") else "kde"
        out.append((src, r, bench.load_photo(os.path.join(root, "photos3", r), SIZE)))
    for r in sorted(os.listdir(os.path.join(root, "dequantize"))):
        out.append(("mate", r, bench.load_photo(os.path.join(root, "dequantize", r), SIZE)))
    for r in sorted(os.listdir(os.path.join(root, "dequantize2"))):
        if r not in LOMIRI_RENDERS:
            out.append(("lomiri", r, bench.load_photo(os.path.join(root, "dequantize2", r), SIZE)))
    return out


#: cues of the regression alternative: log(-log Y_q) of the block-averaged luminance at these levels (a
#: darkening exponent g adds log g to each), the log of the uniform estimate, the noise level, the chroma
CUE_LEVELS = (0.05, 0.25, 0.5, 0.75, 0.95)
NAMES = tuple(f"q{round(100 * q):02d}" for q in CUE_LEVELS) + ("log uniform", "log noise", "log chroma")
#: levels of the uniform estimate's error quantiles (the likelihood shipped until 2026-12-05)
SHIPPED_LEVELS = (np.arange(21) + 0.5) / 21
SHIPPED_BANDWIDTH = 0.2
BANDWIDTHS = (0.05, 0.1, 0.2)


def regression_cues(den, raw):
    cq = np.clip(np.quantile(R._stat_luminance(den).astype(np.float64), CUE_LEVELS), 1e-4, 1 - 1e-4)
    extra = [np.log(raw), np.log(max(estimate_noise(den), 1e-4)), chroma_cue(den)]
    return np.concatenate([np.log(-np.log(cq)), extra])


def mixture_weights(u, eq, h):
    """Posterior weights on R._POSTERIOR_GRID: prior U(1.5, 4) x the smoothed empirical likelihood."""
    w = np.exp(R._POSTERIOR_GRID)
    r = (R._POSTERIOR_GRID - np.log(np.clip(u, 0.25, 16.0)))[:, None] - np.asarray(eq)[None, :]
    w = w * np.exp(-0.5 * (r / h) ** 2).mean(axis=1)
    return w / w.sum()


def normal_weights(mu, sigma):
    """A normal posterior of log g (the regression's), on R._POSTERIOR_GRID (so truncated to the prior)."""
    w = np.exp(-0.5 * ((R._POSTERIOR_GRID - mu) / sigma) ** 2)
    return w / w.sum()


def log_error(d):
    return np.log(d["g"]) - np.log(np.clip(d["raw"], 0.25, 16.0))


def chroma_cue(img):
    """log of the chroma spread: MAD of log(R/G) plus MAD of log(B/G) over the brighter half of the 4x4
    blocks (a power law multiplies log colour ratios by g); NaN for a grey image."""
    from napari_maliang._shared.resample import resize_area

    if img.ndim != 3:
        return float("nan")
    h, w = img.shape[:2]
    b = resize_area(np.ascontiguousarray(img, np.float32), (h // 4, w // 4)).reshape(-1, 3).astype(np.float64)
    y = b @ np.array([0.299, 0.587, 0.114])
    b = np.maximum(b[y >= np.median(y)], 1e-4)
    lr, lb = np.log(b[:, 0] / b[:, 1]), np.log(b[:, 2] / b[:, 1])
    spread = np.median(np.abs(lr - np.median(lr))) + np.median(np.abs(lb - np.median(lb)))
    return float(np.log(max(spread, 1e-4)))


def psnr_curve(den, orig):
    """PSNR of ``den ** (1/g)`` against ``orig`` on GRID."""
    lx = np.log(np.maximum(den, 1e-6)).astype(np.float32)
    o = orig.astype(np.float32)
    mse = np.array([np.mean((np.exp(lx / np.float32(g)) - o) ** 2) for g in GRID])
    return 10 * np.log10(1.0 / np.maximum(mse, 1e-12))


def psnr(a, b):
    return float(10 * np.log10(1.0 / max(float(np.mean((np.clip(a, 0, 1) - b) ** 2)), 1e-12)))


def darkened(img, i, j):
    """Draw ``j`` of photo ``i`` by the protocol above: ``(g, photons, dark)`` (seed ``SEED0 + 10 i + j``)."""
    rng = np.random.default_rng(SEED0 + 10 * i + j)
    g = float(rng.uniform(*GAMMA_RANGE))
    n = float(np.exp(rng.uniform(*np.log(PHOTON_RANGE))))
    return g, n, darken(img, gamma=g, peak=n, seed=int(rng.integers(2**31)))


def build(draws):
    rows = []
    photos = training_photos()
    t0 = time.time()
    for i, (src, name, img) in enumerate(photos):
        for j in range(draws):
            g, n, dark = darkened(img, i, j)
            den = photon_denoise(dark)
            cues = R._exposure_cues(den)
            rows.append(
                dict(
                    src=src,
                    name=name,
                    i=i,
                    j=j,
                    g=g,
                    photons=n,
                    cues=regression_cues(den, cues["raw"]),
                    yq=cues["yq"],
                    raw=cues["raw"],
                    noise=estimate_noise(dark),
                    est_photons=estimate_photons(dark),
                    old=R.estimate_gamma(den),
                    curve=psnr_curve(den, img),
                    gamma22=psnr(dark ** (1 / 2.2), img),
                )  # fmt: skip
            )
        print(f"  {i + 1}/{len(photos)} photos, {time.time() - t0:.0f} s", end="\r", flush=True)
    print()
    keys = ("src", "name", "i", "j", "g", "photons", "cues", "yq", "raw", "noise", "est_photons", "old", "curve")
    keys += ("gamma22",)
    return {k: np.array([r[k] for r in rows]) for k in keys}


def cached(path, make):
    """The dict of arrays in the npz file ``path`` when it exists, else ``make()``, saved there when ``path`` is
    given."""
    if path and os.path.isfile(path):
        with np.load(path, allow_pickle=False) as f:
            return {k: f[k] for k in f.files}
    d = make()
    if path:
        np.savez(path, **d)
    return d


def at(curve, g):
    return float(np.interp(np.log(g), np.log(GRID), curve))


def fit(x, y, lam):
    """Ridge least squares on standardised cues (intercept free): returns (mean, scale, coef, intercept)."""
    m, s = x.mean(0), x.std(0) + 1e-9
    z = (x - m) / s
    a = z.T @ z + lam * len(z) * np.eye(z.shape[1])
    b = np.linalg.solve(a, z.T @ (y - y.mean()))
    return m, s, b, float(y.mean())


def predict(model, x):
    m, s, b, c = model
    return c + ((x - m) / s) @ b


def cv(d, cols, lam):
    """Leave-one-source-out predictions of log g."""
    y = np.log(d["g"])
    pred = np.empty_like(y)
    for s in np.unique(d["src"]):
        te = d["src"] == s
        model = fit(d["cues"][~te][:, cols], y[~te], lam)
        pred[te] = predict(model, d["cues"][te][:, cols])
    return pred


def decide_all(d, mu, sigma):
    return np.array([R._bayes_gamma(yq, normal_weights(m, sigma))[0] for yq, m in zip(d["yq"], mu)])


def mixture_cv(d, h):
    """Leave-one-source-out: the error quantiles from the other sources -> (decision, low, high, median)."""
    out = np.zeros((len(d["g"]), 4))
    e = log_error(d)
    for s in np.unique(d["src"]):
        te = d["src"] == s
        eq = np.quantile(e[~te], SHIPPED_LEVELS)
        for k in np.where(te)[0]:
            w = mixture_weights(d["raw"][k], eq, h)
            g, lo, hi = R._bayes_gamma(d["yq"][k], w)
            med = float(np.exp(R._POSTERIOR_GRID[np.searchsorted(np.cumsum(w), 0.5)]))
            out[k] = g, lo, hi, med
    return out


def score(d, gs, name):
    p = np.array([at(c, g) for c, g in zip(d["curve"], gs)])
    diff = p - d["gamma22"]
    per_src = {s: p[d["src"] == s].mean() for s in np.unique(d["src"])}
    err = np.abs(np.log(gs / d["g"]))
    print(
        f"  {name:34s} {p.mean():6.2f} dB  worst vs gamma {diff.min():+6.2f}  <-3 dB {int(np.sum(diff < -3)):3d}"
        f"  |log err| med {np.median(err):.3f} >30% {int(np.sum(err > np.log(1.3))):3d}  "
        + " ".join(f"{k} {v:5.2f}" for k, v in per_src.items())
    )
    return p


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--draws", type=int, default=4)
    ap.add_argument("--cache", default=None, help="npz cache of the darkened draws' cues and PSNR curves")
    ap.add_argument("--enhance", action="store_true", help="also score enhance() with the CV decision")
    args = ap.parse_args(argv)
    d = cached(args.cache, lambda: build(args.draws))
    n = len(d["g"])
    srcs, counts = np.unique(d["src"], return_counts=True)
    print(
        f"{n} draws of {len(np.unique(d['i']))} photos, sources " + ", ".join(f"{s} {c}" for s, c in zip(srcs, counts))
    )
    y = np.log(d["g"])
    names = NAMES
    print("cues: " + ", ".join(names))

    colour = ~np.isnan(d["cues"][:, -1])
    print(f"{int(colour.sum())} colour draws, {int((~colour).sum())} grey")
    print("\nleave-one-source-out CV of log g (least squares on standardised cues, ridge lam), residual RMS\n"
          "(all draws; the chroma cue exists for colour images only, so those rows are on the colour draws):")  # fmt: skip
    idx = {c: i for i, c in enumerate(names)}
    quant = [i for i, c in enumerate(names) if c.startswith("q")]
    candidates = {
        "uniform only": [idx["log uniform"]],
        "quantiles only": quant,
        "uniform + quantiles": quant + [idx["log uniform"]],
        "uniform + quantiles + noise": quant + [idx["log uniform"], idx["log noise"]],
        "uniform + noise": [idx["log uniform"], idx["log noise"]],
        "uniform + quantiles + chroma": quant + [idx["log uniform"], idx["log chroma"]],
        "uniform + chroma": [idx["log uniform"], idx["log chroma"]],
    }
    results = {}
    sub = {k: v[colour] for k, v in d.items()}
    for label, cols in candidates.items():
        for lam in (0.0, 0.1):
            if idx["log chroma"] in cols:
                r = cv(sub, cols, lam) - y[colour]
                print(f"  {label:30s} lam {lam:4.2f}: RMS {np.sqrt(np.mean(r**2)):.4f} (colour draws; "
                      f"the same without chroma: {np.sqrt(np.mean((cv(sub, cols[:-1], lam) - y[colour]) ** 2)):.4f})")  # fmt: skip
                continue
            mu = cv(d, cols, lam)
            rms = float(np.sqrt(np.mean((mu - y) ** 2)))
            results[(label, lam)] = (rms, mu)
            print(f"  {label:30s} lam {lam:4.2f}: RMS {rms:.4f}, per source "
                  + " ".join(f"{s} {np.sqrt(np.mean((mu - y)[d['src'] == s] ** 2)):.3f}" for s in srcs))  # fmt: skip
    best = min(results, key=lambda k: results[k][0])
    label, lam = best
    cols = candidates[label]
    print(f"best regression by CV RMS: {label}, lam {lam}")
    mu_cv = results[best][1]
    sigma = float(np.sqrt(np.mean((mu_cv - y) ** 2)))

    print("\ngrouped CV (leave one source out), PSNR of the reference filtered ** (1/g) at the chosen g:")
    base = score(d, d["old"], "today: estimate_gamma (uniform)")
    score(d, np.full(n, 2.2), "fixed g 2.2 (after the filter)")
    score(d, np.full(n, np.exp(y.mean())), "fixed g = training geometric mean")
    score(d, np.exp(mu_cv), "regression point estimate exp(mu)")
    score(d, decide_all(d, mu_cv, sigma), "regression posterior, Bayes decision")
    cvs = {}
    for h in BANDWIDTHS:
        cvs[h] = mixture_cv(d, h)
        score(d, cvs[h][:, 3], f"mixture h={h}: posterior median")
        score(d, cvs[h][:, 0], f"mixture h={h}: Bayes decision")
    h = SHIPPED_BANDWIDTH
    print(f"  (shipped bandwidth {h}: chosen among {BANDWIDTHS} for the best worst case at a mean within 0.1 dB)")
    bayes, lo, hi = cvs[h][:, 0], cvs[h][:, 1], cvs[h][:, 2]
    # images the uniform estimate finds not dark: today's rule (ramp up to deadband**2) on any image, or
    # (shipped) only on images that are not photon-starved (noise of sqrt(input) below R._NOT_DARK_NOISE)
    raw, db = d["raw"], R.DEADBAND
    score(d, np.where(raw < db**2, d["old"], bayes), "mixture + today's not-dark ramp")
    shipped = np.array([R._gate(r, g, nz) for r, g, nz in zip(raw, bayes, d["noise"])])
    bayes_p = score(d, shipped, "mixture + not-dark rule (shipped)")
    print(f"  (uniform estimate <= deadband on {int(np.sum(raw <= db))}/{n} draws, in the blend zone on "
          f"{int(np.sum((raw > db) & (raw < db**2)))}; photon-starved (rule off): "
          f"{int(np.sum(d['noise'] >= R._NOT_DARK_NOISE))}/{n})")  # fmt: skip
    score(d, d["g"], "oracle (true g)")
    dd = bayes_p - base
    print(f"  shipped - today per draw: mean {dd.mean():+.2f} dB, better on {int(np.sum(dd > 0))}/{n}, "
          f"worse by > 1 dB on {int(np.sum(dd < -1))}, worst {dd.min():+.2f}, best {dd.max():+.2f}")  # fmt: skip
    inside = (lo <= d["g"]) & (d["g"] <= hi)
    print(f"  10-90 % interval contains the true g on {int(inside.sum())}/{n} ({inside.mean():.0%}; 80 % nominal)")

    if args.enhance:
        from napari_maliang.lowlight import enhance

        print("\nfull enhance() on every draw (grouped-CV decision, shipped rule, vs today's default):")
        photos = {i: img for i, (_, _, img) in enumerate(training_photos())}
        a, b = [], []
        for k in range(n):
            i, j = int(d["i"][k]), int(d["j"][k])
            dark = darkened(photos[i], i, j)[2]
            a.append(psnr(enhance(dark, gamma=float(d["old"][k])), photos[i]))
            b.append(psnr(enhance(dark, gamma=float(shipped[k])), photos[i]))
        a, b = np.array(a), np.array(b)
        print(f"  today {a.mean():.2f} dB (worst vs gamma {np.min(a - d['gamma22']):+.2f}), "
              f"shipped {b.mean():.2f} dB (worst vs gamma {np.min(b - d['gamma22']):+.2f}), "
              f"mean gain {np.mean(b - a):+.2f} dB, <-3 dB vs gamma: {int(np.sum(a - d['gamma22'] < -3))} -> "
              f"{int(np.sum(b - d['gamma22'] < -3))}")  # fmt: skip

    eq = np.quantile(log_error(d), SHIPPED_LEVELS)
    print("\nthe uniform-estimate likelihood's constants (fitted on all training draws; shipped until 2026-12-05):")
    print("_LOG_ERROR_QUANTILES = (" + ", ".join(f"{v:.4f}" for v in eq) + ")")


if __name__ == "__main__":
    main()
