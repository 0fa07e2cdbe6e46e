"""Fit and cross-validate the natural-photo prior of the Bayes exposure decision (issue #16, first bullet).

The likelihood of ``reference.exposure_posterior`` is a kernel density of the image's luminance shape
``log(-log Y_q)`` (``reference.luminance_shape``), shifted back by ``log g``, among the shapes of natural
photographs; this script computes those shapes (``--write`` stores them in the package's
``lowlight/data/natural_shapes.npy``, otherwise the package's file is checked against them) and chooses the
kernel bandwidth, the regret weight and the margin of the decision's loss by leave-one-source-out
cross-validation.

Photos (never a low-light held-out set; every one already used by another benchmark of this project):
  the 89 training photographs of benchmarks/lowlight_exposure_prior.py (6 sources: scikit-image, opencv-doc,
  KDE wallpapers, scikit-learn/PyWavelets, mate-backgrounds, lomiri-wallpapers), and
  the photographs of dequantization held-out sets 5-11 and of codec photo sets 1-4 (their manifests'
  "photo" rows, sha256-checked; each package is its own source). Fetch them with the fetch scripts those
  manifests name (benchmarks/fetch_heldout_photos.sh, fetch_heldout5.sh ... fetch_heldout11.sh,
  fetch_codec_photos.sh ... fetch_codec_photos4.sh).

Draws: the protocol of benchmarks/lowlight_heldout.py (512 px longer side, g ~ U(1.5, 4), photons ~ logU(50,
500), Poisson via napari_maliang.lowlight.darken), 4 per photo, seeds 90000 + 10 i + j (i the photo's index
in the list above: the first 89 are lowlight_exposure_prior.py's draws). Each is photon-filtered as enhance()
filters it; its score is the PSNR of the reference ``filtered ** (1/g)`` at the decided g (the default
reference is pointwise: LOCAL = 0), against fixed gamma 1/2.2 on the raw input.

Usage: python benchmarks/lowlight_shape_prior.py [--cache FILE] [--write]
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
import _manifest  # noqa: E402
import lowlight_exposure_prior as E  # noqa: E402

from napari_maliang.lowlight import reference as R  # noqa: E402
from napari_maliang.lowlight.noise import estimate_noise, photon_denoise  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SHAPES_FILE = os.path.join(HERE, "..", "src", "napari_maliang", "lowlight", "data", "natural_shapes.npy")
DRAWS = 4
#: the grid searched, and the settings of the old default (the uniform-estimate likelihood)
BANDWIDTHS = (0.1, 0.16, 0.2)
WEIGHTS = (0.0, 2.0, 5.0, 10.0)
MARGINS = (2.0, 3.0)
#: the choice rule, stated before the grid was run: the fewest draws more than 3 dB below gamma 1/2.2 among
#: the settings whose CV mean is at least this far above fixed gamma 2.2 after the photon filter
MEAN_MARGIN = 1.0
#: Safety first (2026-12-06; grid and rule stated and committed before this grid was run). With the rule above,
#: the re-scored held-out sets 4-7 still had 4 of 235 photos more than 3 dB below gamma 1/2.2 (all exposure
#: over-estimates), while every held-out set's mean was 1.3-2.7 dB above issue #16's best baseline, whose
#: target is +0.5 dB. So the margin the rule demands is lowered to the issue's own +0.5 dB over fixed gamma 2.2
#: after the photon filter, and the grid is widened towards safety (more weight, wider kernels, smaller
#: margins); the same rule (fewest draws below -3 dB, ties by the higher mean) chooses. Its choice is the
#: setting checked against reference.py's constants.
SAFETY_MEAN_MARGIN = 0.5
SAFETY_BANDWIDTHS = (0.16, 0.2, 0.25, 0.3)
SAFETY_WEIGHTS = (5.0, 10.0, 20.0, 40.0)
SAFETY_MARGINS = (1.0, 2.0, 3.0)


def _checked(file, sha):
    return E.bench.load_photo(_manifest.checked(file, sha, "the fetch script its manifest names"), E.SIZE)


def extra_photos():
    """[(source, name, float32 image)]: the photographs of dequantization held-out 5-11 and codec sets 1-4."""
    root = E.bench.HELDOUT_PHOTOS
    out = []
    for n in range(5, 12):
        for name, sha, kind, source, path, _ in _manifest.rows(os.path.join(HERE, f"dequantize_heldout{n}.txt"), "\t"):
            if kind == "photo":
                file = os.path.join(root, f"dequantize{n}", name + os.path.splitext(path)[1])
                out.append((source.split("=")[0].split(" ")[0], name, _checked(file, sha)))
    for n, folder in ((1, "codec-photos"), (2, "codec-photos2"), (3, "codec-photos3"), (4, "codec-photos4")):
        for rel, sha, source, *_ in _manifest.rows(os.path.join(HERE, f"codec_photos{'' if n == 1 else n}.txt")):
            out.append((source.split("=")[0], rel, _checked(os.path.join(root, folder, rel), sha)))
    return out


def build():
    """The draws' cues and PSNR curves, and every photo's own shape."""
    photos = E.training_photos() + extra_photos()
    rows, shapes, photo_src = [], [], []
    t0 = time.time()
    for i, (src, name, img) in enumerate(photos):
        shapes.append(R.luminance_shape(R._exposure_cues(img)["yq"]))
        photo_src.append(src)
        for j in range(DRAWS):
            g, _, dark = E.darkened(img, i, j)
            den = photon_denoise(dark)
            cues = R._exposure_cues(den)
            rows.append(
                dict(src=src, g=g, yq=cues["yq"], raw=cues["raw"], curve=E.psnr_curve(den, img),
                     gamma22=E.psnr(dark ** (1 / 2.2), img), noise=estimate_noise(dark))
            )  # fmt: skip
        print(f"  {i + 1}/{len(photos)} photos, {time.time() - t0:.0f} s", end="\r", flush=True)
    print()
    d = {k: np.array([r[k] for r in rows]) for k in rows[0]}
    d["shapes"], d["photo_src"] = np.array(shapes, np.float32), np.array(photo_src)
    return d


def cv(d, h, w, m, likelihood="shape", floor_photons=None):
    """Leave-one-source-out decisions and 10-90 % intervals: (n, 3). ``floor_photons``: the loss floor ``c / N``
    with ``N = 1 / (2 noise)^2`` the photons at white of each draw's noise level (None: the constant floor)."""
    saved = R._SHAPE_BANDWIDTH, R._REGRET_WEIGHT, R._REGRET_MARGIN
    out = np.zeros((len(d["g"]), 3))
    e = E.log_error(d)
    try:
        R._SHAPE_BANDWIDTH = h
        for k in range(len(d["g"])):
            keep = d["photo_src"] != d["src"][k]
            if likelihood == "shape":
                weights = R._posterior_weights(d["yq"][k], d["shapes"][keep])
            else:  # the old default: the uniform estimate's error quantiles, from the other sources
                eq = np.quantile(e[d["src"] != d["src"][k]], (np.arange(21) + 0.5) / 21)
                weights = E.mixture_weights(d["raw"][k], eq, 0.2)
            R._REGRET_WEIGHT, R._REGRET_MARGIN = w, m
            floor = R._LOSS_FLOOR if floor_photons is None else photon_floor(floor_photons, d["noise"][k])
            out[k] = R._bayes_gamma(d["yq"][k], weights, floor=floor)
    finally:
        R._SHAPE_BANDWIDTH, R._REGRET_WEIGHT, R._REGRET_MARGIN = saved
    return out


def photon_floor(c, noise):
    """The loss floor ``c / N`` for the noise level ``noise`` of ``sqrt(image)`` (``N = 1 / (2 noise)^2``), at least
    1e-5 (50 dB; a noise-free image)."""
    return max(4.0 * c * float(noise) ** 2, 1e-5)


def grid(d, bandwidths, weights, margins):
    """The CV of the shape likelihood at every (bandwidth, weight, margin), printed as it goes:
    {setting: (mean PSNR, worst difference to gamma 1/2.2, draws below -3 dB, share of 10-90 % intervals that
    hold the truth)}."""
    results = {}
    for m in margins:
        for h in bandwidths:
            for w in weights:
                out = cv(d, h, w, m)
                results[(h, w, m)] = summary(d, out[:, 0]) + (
                    float(np.mean((out[:, 1] <= d["g"]) & (d["g"] <= out[:, 2]))),
                )
                mean, worst, bad, inside = results[(h, w, m)]
                print(f"  shape likelihood h {h:4.2f}, weight {w:4.1f}, margin {m:3.1f}  {mean:6.2f} dB  {worst:+6.2f}  {bad:3d}"
                      f"  (10-90 % interval holds the truth on {inside:.0%})", flush=True)  # fmt: skip
    return results


def fewest_failures(results, least_mean):
    """The rule: the key of ``results`` (values ``(mean, worst, draws below -3 dB, ...)``) with the fewest draws
    more than 3 dB below gamma 1/2.2 among those whose mean is at least ``least_mean`` (ties: the higher mean)."""
    ok = [k for k, v in results.items() if v[0] >= least_mean]
    if not ok:
        raise SystemExit(f"no setting of the grid has a mean of at least {least_mean:.2f} dB")
    return min(ok, key=lambda k: (results[k][2], -results[k][0]))


def choose(results, least_mean):
    """:func:`fewest_failures` among the shape likelihood's settings of :func:`grid`, printed."""
    best = fewest_failures(results, least_mean)
    print(f"chosen by the rule: bandwidth {best[0]}, weight {best[1]}, margin {best[2]}: "
          f"{results[best][0]:.2f} dB, worst {results[best][1]:+.2f}, {results[best][2]} draws below -3 dB")  # fmt: skip
    return best


def summary(d, gs):
    p = np.array([E.at(c, g) for c, g in zip(d["curve"], gs)])
    diff = p - d["gamma22"]
    return float(p.mean()), float(diff.min()), int(np.sum(diff < -3))


#: The loss floor as the photons allow (2026-12-06; stated before this grid was run): the decision's loss counts
#: differences down to ``floor`` only, today a constant 30 dB. With many photons the pipeline reaches 36-42 dB, so
#: an exposure error that costs 3 dB there is worth a penalty that the constant floor hides. The floor ``c / N``
#: (N the photons at white of the draw's noise level) is tried at these c, with these weights, at bandwidth 0.2
#: and margin 3 dB; the same rule as above chooses among them and the constant floor's best setting.
FLOOR_PHOTONS = (0.03, 0.1, 0.3, 1.0)
FLOOR_WEIGHTS = (2.0, 5.0, 10.0)


def floors(d, fixed, constant):
    """Print the CV of the photon floor's grid and the rule's choice between it and ``constant`` (the constant
    floor's chosen setting's summary)."""
    print("\nthe loss floor as the photons allow, bandwidth 0.2, margin 3 dB: mean PSNR, worst, draws below -3 dB")
    results = {None: constant}
    for c in FLOOR_PHOTONS:
        for w in FLOOR_WEIGHTS:
            results[(c, w)] = summary(d, cv(d, 0.2, w, 3.0, floor_photons=c)[:, 0])
            mean, worst, bad = results[(c, w)]
            print(f"  floor {c:4.2f} / N, weight {w:4.1f}  {mean:6.2f} dB  {worst:+6.2f}  {bad:3d}", flush=True)
    best = fewest_failures(results, fixed + MEAN_MARGIN)
    label = "the constant floor" if best is None else f"floor {best[0]} / N, weight {best[1]}"
    print(f"chosen by the rule: {label}: {results[best][0]:.2f} dB, worst {results[best][1]:+.2f}, "
          f"{results[best][2]} draws below -3 dB")  # fmt: skip


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", default=None, help="npz cache of the draws")
    ap.add_argument("--write", action="store_true", help="store the shapes in the package's data file")
    args = ap.parse_args(argv)
    d = E.cached(args.cache, build)
    n = len(d["g"])
    print(f"{len(d['shapes'])} photos of {len(np.unique(d['photo_src']))} sources, {n} draws")
    fixed = summary(d, np.full(n, 2.2))[0]
    print(
        f"fixed gamma 2.2 after the photon filter: {fixed:.2f} dB; the rule needs a mean >= {fixed + MEAN_MARGIN:.2f}"
    )
    print("\nleave-one-source-out CV: mean PSNR, worst and count of draws more than 3 dB below gamma 1/2.2")
    for w in WEIGHTS[1:]:  # the old likelihood (the default until 2026-12-05 had weight 2) at the same weights
        old = summary(d, cv(d, 0.2, w, 3.0, likelihood="uniform")[:, 0])
        print(
            f"  uniform-estimate likelihood, weight {w:4.1f}, margin 3.0       {old[0]:6.2f} dB  {old[1]:+6.2f}  {old[2]:3d}"
        )
    results = grid(d, BANDWIDTHS, WEIGHTS, MARGINS)
    best = choose(results, fixed + MEAN_MARGIN)
    floors(d, fixed, results[best])
    print(
        f"\nsafety first (2026-12-06): the fewest draws below -3 dB among means >= {fixed + SAFETY_MEAN_MARGIN:.2f} dB"
    )
    safest = choose(grid(d, SAFETY_BANDWIDTHS, SAFETY_WEIGHTS, SAFETY_MARGINS), fixed + SAFETY_MEAN_MARGIN)
    shipped = (R._SHAPE_BANDWIDTH, R._REGRET_WEIGHT, R._REGRET_MARGIN)
    print("reference.py's constants " + ("match" if shipped == safest else f"DIFFER: {shipped}"))
    if args.write:
        os.makedirs(os.path.dirname(SHAPES_FILE), exist_ok=True)
        np.save(SHAPES_FILE, d["shapes"].astype(np.float32))
        print(f"wrote {SHAPES_FILE}")
    else:
        same = np.allclose(np.load(SHAPES_FILE), d["shapes"], atol=1e-5)
        print("the package's natural_shapes.npy " + ("matches" if same else "DIFFERS"))


if __name__ == "__main__":
    main()
