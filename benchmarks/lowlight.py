"""Low-light enhancement: the approximated GP beside classical baselines, in one process.

Data (offline): five RGB photos bundled with scikit-image (astronaut, chelsea, coffee, rocket,
motorcycle), resized to 256 px on the longer side (the paper resizes to 256 x 256), darkened by
gamma 2 and 3 with Poisson photon noise (1000 photons for white), as in the paper's synthetic
protocol (section IV, gamma darkening of COCO images).

Methods:
  dark            the input
  gamma 1/2.2     fixed gamma correction (baseline)
  CLAHE           skimage.exposure.equalize_adapthist, default clip limit (baseline)
  LIME-style      illumination map + structure-aware refinement, fixed exponent 0.8 (baseline)
  reference       our built-in classical reference alone (photon-noise filter + blind exposure
                  with the uniform prior, no GP)
  GP CM k=30      ours: colour model (the default of enhance)
  old ref / old GP  the previous defaults (blind exposure by log-average key 0.4, no noise
                  filter, the paper's zero-mean GP), for before/after
  GP no filter    ours without the photon-noise pre-filter
  GP const. mean  ours with the paper's zero (constant) GP mean instead of the linear mean
  GP CM no chan.c. ours without the per-channel (colour-skew) constraint
  GP CM denoise.05 ours with the optional bilateral denoising step (strength 0.05)
  GP LM k=30      ours: luminance model (Y of YCbCr)
  GP on LIME ref  ours with the LIME-style baseline as reference (does the GP add value there?)

Prints a Table III-like comparison (PSNR, SSIM, SIFT precision/recall/F1, time per image), a Table
II-like sweep over k, and the speed at 256 x 256 and at one megapixel. The last line is a summary.

Usage: python benchmarks/lowlight.py [--quick] [--no-sift]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import time

import numpy as np

from napari_maliang._shared.resample import resize_area
from napari_maliang.lowlight import enhance, lime_enhance, psnr, sift_retrieval, ssim
from napari_maliang.lowlight.noise import photon_denoise
from napari_maliang.lowlight.reference import classical_reference, estimate_gamma
from napari_maliang.lowlight.samples import PHOTOS, darken, photo


def true_gamma(label):
    return float(label.rsplit("g=", 1)[1])


def OLD_REF(img):
    """The previous default reference: log-average "key" 0.4, no photon-noise filter."""
    return classical_reference(img, method="key", noise_filter=0)


def gamma_baseline(img):
    return np.clip(img, 0, 1) ** (1 / 2.2)


def clahe(img):
    from skimage.exposure import equalize_adapthist

    return equalize_adapthist(np.clip(img, 0, 1)).astype(np.float32)


METHODS = {
    "dark": lambda d: d,
    "gamma 1/2.2": gamma_baseline,
    "CLAHE": clahe,
    "LIME-style": lime_enhance,
    "reference only": classical_reference,
    "GP CM k=30": lambda d: enhance(d, k=30, model="rgb"),
    "old ref (key .4)": lambda d: classical_reference(d, method="key", noise_filter=0),
    "old GP (key .4)": lambda d: enhance(d, reference=OLD_REF, noise_filter=0, gp_mean="constant"),
    "GP no filter": lambda d: enhance(d, noise_filter=0),
    "GP const. mean": lambda d: enhance(d, gp_mean="constant"),
    "GP CM no chan.c.": lambda d: enhance(d, k=30, channel_constraint=False),
    "GP CM denoise.05": lambda d: enhance(d, k=30, denoise=0.05),
    "GP LM k=30": lambda d: enhance(d, k=30, model="luminance"),
    "GP on LIME ref": lambda d: enhance(d, k=30, reference="lime"),
}
BASELINES = ("gamma 1/2.2", "CLAHE", "LIME-style")
HELDOUT_METHODS = (
    "gamma 1/2.2",
    "CLAHE",
    "LIME-style",
    "reference only",
    "GP CM k=30",
    "old ref (key .4)",
    "old GP (key .4)",
)


def dataset(size=256, gammas=(2, 3), peak=1000.0):
    data = []
    for i, name in enumerate(PHOTOS):
        orig = photo(name, size=size)
        for g in gammas:
            data.append(
                (
                    f"{name} g={g}",
                    darken(orig, gamma=g, peak=peak, seed=100 + 10 * i + g),
                    orig,
                )
            )
    return data


# Held-out set, fixed before the blind exposure estimate was (re)designed: no image below was looked
# at (nor its scores) while choosing the estimator or its constants, which were set on the five
# benchmark photos above only. All offline: the remaining scikit-image pictures (the binary horse,
# the synthetic phantom/checkerboard/colour wheel/logo and the second motorcycle view are left out),
# matplotlib's Grace Hopper photo, and three seeded synthetic smooth scenes.
HELDOUT_GRAY = (
    "camera",
    "coins",
    "moon",
    "page",
    "text",
    "brick",
    "grass",
    "gravel",
    "cell",
    "microaneurysms",
    "clock",
)
HELDOUT_RGB = ("retina", "immunohistochemistry", "hubble_deep_field", "grace_hopper")
HELDOUT_SYNTHETIC = ("sphere", "smooth field", "ramps")
HELDOUT = HELDOUT_GRAY + HELDOUT_RGB + HELDOUT_SYNTHETIC


# Photo held-out sets, fetched by benchmarks/fetch_heldout_photos.sh into MALIANG_HELDOUT_PHOTOS
# (default ~/.cache/maliang-heldout). Chosen by content alone (every natural photograph of each source;
# left out: drawings, renders, synthetic test patterns, maps, chessboard calibration shots, the second
# view of a stereo or flow pair, wallpapers that are graphics).
# Set 2, fixed on 2026-11-23 before any was scored, scored once with the uniform-prior estimate
# (-0.83 dB) and looked at since: the examples of Debian's opencv-doc.
PHOTO_HELDOUT = (
    "alphamat/input_images/plant.jpg", "data/aloeL.jpg", "data/apple.jpg", "data/baboon.jpg",
    "data/basketball1.png", "data/board.jpg", "data/box_in_scene.png", "data/building.jpg",
    "data/butterfly.jpg", "data/chicky_512.png", "data/ela_original.jpg", "data/fruits.jpg",
    "data/graf1.png", "data/home.jpg", "data/leuvenA.jpg", "data/licenseplate_motion.jpg",
    "data/messi5.jpg", "data/orange.jpg", "data/rubberwhale1.png", "data/smarties.png",
    "data/squirrel_cls.jpg", "data/stuff.jpg", "dnn_superres/butterfly.png", "hfs/data/000.jpg",
    "hfs/data/001.jpg", "hfs/data/002.jpg", "reg/home.png", "text/scenetext01.jpg",
    "text/scenetext02.jpg", "text/scenetext03.jpg", "text/scenetext04.jpg", "text/scenetext05.jpg",
    "text/scenetext06.jpg",
)  # fmt: skip
# Set 3, fixed on 2026-11-23 after set 2 was scored and before the learned exposure prior was
# designed; never looked at while designing it: photographs among KDE's plasma-workspace-wallpapers,
# scikit-learn's sample photos and PyWavelets' aero and ascent.
PHOTO_HELDOUT3 = (
    "BytheWater.jpg", "ColdRipple.jpg", "ColorfulCups.jpg", "DarkestHour.jpg", "EveningGlow.jpg",
    "FallenLeaf.jpg", "Grey.jpg", "Kite.jpg", "OneStandsOut.jpg", "Path.jpg", "summer_1am.jpg",
    "china.jpg", "flower.jpg", "aero.npz", "ascent.npz",
)  # fmt: skip
HELDOUT_PHOTOS = os.environ.get("MALIANG_HELDOUT_PHOTOS", os.path.expanduser("~/.cache/maliang-heldout"))


def load_photo(path, size=256):
    """A photo file (image or a PyWavelets ``.npz``) as float32 on 0..1, longer side ``size``."""
    from PIL import Image

    if path.endswith(".npz"):
        with np.load(path) as f:
            img = f["data"]
    else:
        with Image.open(path) as im:  # no EXIF rotation, as OpenCV's IMREAD_UNCHANGED
            if im.mode not in ("L", "RGB", "RGBA", "I;16"):
                im = im.convert("RGB")
            img = np.asarray(im)  # the same pixels as OpenCV's imread gave, for every photo of the sets
        img = img if img.ndim == 2 else img[..., :3]
    if img.ndim == 3 and np.ptp(img.astype(np.int32) - img[..., :1], axis=None) == 0:
        img = img[..., 0]  # a grey photo stored as RGB is a grey photo
    img = img.astype(np.float32) / np.float32(np.iinfo(img.dtype).max)
    s = size / max(img.shape[:2])
    img = resize_area(img, (round(img.shape[0] * s), round(img.shape[1] * s)))
    return np.clip(img, 0, 1).astype(np.float32)


def photo_heldout_dataset(folder, names, *, seed0, size=256, gammas=(2, 3), peak=1000.0):
    """A photo held-out set darkened like the others, or ``[]`` when its files are not there."""
    out = []
    for i, rel in enumerate(names):
        path = os.path.join(HELDOUT_PHOTOS, folder, rel)
        if not os.path.isfile(path):
            return []
        img = load_photo(path, size)
        for g in gammas:
            label = f"{rel.rsplit('/', 1)[-1].rsplit('.', 1)[0]} g={g}"
            out.append((label, darken(img, gamma=g, peak=peak, seed=seed0 + 10 * i + g), img))
    return out


def synthetic_scene(name, size=256):
    """Seeded smooth synthetic scenes (display-referred RGB on 0..1)."""
    yy, xx = (np.mgrid[0:size, 0:size].astype(np.float32) + 0.5) / size
    if name == "sphere":  # Lambertian sphere lit from the upper left on a vertical gradient background
        bg = np.stack([0.25 + 0.2 * yy, 0.3 + 0.25 * yy, 0.45 + 0.3 * yy], -1)
        cx, cy, r = 0.5, 0.5, 0.35
        dx, dy = (xx - cx) / r, (yy - cy) / r
        inside = dx**2 + dy**2 < 1
        dz = np.sqrt(np.clip(1 - dx**2 - dy**2, 0, 1))
        light = np.array([-0.5, -0.5, 0.707], np.float32)
        shade = np.clip(dx * light[0] + dy * light[1] + dz * light[2], 0, 1) * 0.9 + 0.1
        lin = shade[..., None] * np.array([0.85, 0.55, 0.3], np.float32)
        img = np.where(inside[..., None], lin ** (1 / 2.2), bg)
    elif name == "smooth field":  # low-pass filtered noise, each channel stretched to 0.05..0.95
        rng = np.random.default_rng(7)
        noise = rng.standard_normal((size, size, 3)).astype(np.float32)
        img = _fixed_scene_blur(noise, size / 20)
        lo, hi = img.min(axis=(0, 1)), img.max(axis=(0, 1))
        img = 0.05 + 0.9 * (img - lo) / (hi - lo)
    elif name == "ramps":  # colour ramps
        img = np.stack([0.02 + 0.96 * xx, 0.02 + 0.96 * yy, 0.98 - 0.48 * (xx + yy)], -1)
    else:
        raise ValueError(name)
    return np.clip(img, 0, 1).astype(np.float32)


#: SHA-1 (first 12 hex digits) of the "smooth field" scene as fixed with held-out set 1 (made by OpenCV).
SMOOTH_FIELD_SHA1 = "4c97ecc1f259"


def _fixed_scene_blur(img, sigma):
    """The Gaussian blur of the "smooth field" scene, bit for bit as OpenCV's ``GaussianBlur`` computed
    it when the held-out set was fixed (x86, AVX2): a float32 kernel of ``round(8 sigma + 1) | 1`` taps
    (103 for the 256-px scene; reflect-101 border), the row pass accumulated tap by tap with fused multiply-adds, the column
    pass on symmetric pairs ``centre * k0`` then ``+= (up + down) * k_i``. A last-bit difference would
    change the seeded Poisson noise of the darkened scene, hence its scores (scipy's blur, used by the
    package, differs in the last bit here)."""
    ksize = int(round(sigma * 8 + 1)) | 1
    r = ksize // 2
    x = np.arange(ksize) - r
    k = np.exp(-(x * x) / (2.0 * sigma * sigma))
    k = (k / k.sum()).astype(np.float32)

    def fma(a, b, c):  # a * b + c with one float32 rounding (the product is exact in float64)
        return (a.astype(np.float64) * np.float64(b) + c).astype(np.float32)

    h, w = img.shape[:2]
    pad = np.pad(img, ((0, 0), (r, r), (0, 0)), mode="reflect")
    rows = np.zeros_like(img)
    for i in range(ksize):
        rows = fma(pad[:, i : i + w], k[i], rows)
    pad = np.pad(rows, ((r, r), (0, 0), (0, 0)), mode="reflect")
    out = pad[r : r + h] * k[r]
    for i in range(1, r + 1):
        out = fma(pad[r + i : r + i + h] + pad[r - i : r - i + h], k[r + i], out)
    return out


def heldout_image(name, size=256):
    from skimage import data as skdata

    if name in HELDOUT_SYNTHETIC:
        img = synthetic_scene(name, size)
        if name == "smooth field" and size == 256 and hashlib.sha1(img.tobytes()).hexdigest()[:12] != SMOOTH_FIELD_SHA1:
            print("warning: the 'smooth field' scene differs from the one fixed with held-out set 1")
        return img
    if name == "grace_hopper":
        import matplotlib.cbook as cbook
        import matplotlib.image as mimage

        with cbook.get_sample_data("grace_hopper.jpg") as f:
            img = mimage.imread(f)
    else:
        img = getattr(skdata, name)()
    img = img.astype(np.float32) / 255.0
    s = size / max(img.shape[:2])
    img = resize_area(img, (round(img.shape[0] * s), round(img.shape[1] * s)))
    return np.clip(img, 0, 1).astype(np.float32)


def heldout_dataset(size=256, gammas=(2, 3), peak=1000.0):
    out = []
    for i, name in enumerate(HELDOUT):
        img = heldout_image(name, size)
        for g in gammas:
            out.append(
                (
                    f"{name} g={g}",
                    darken(img, gamma=g, peak=peak, seed=500 + 10 * i + g),
                    img,
                )
            )
    return out


def best_time(func, arg, repeats=3):
    """Best wall time and best CPU time (all threads of this process) over ``repeats`` runs."""
    best = cpu = float("inf")
    for _ in range(repeats):
        t, c = time.perf_counter(), time.process_time()
        func(arg)
        best = min(best, time.perf_counter() - t)
        cpu = min(cpu, time.process_time() - c)
    return best, cpu


def evaluate(func, data, *, sift=True):
    rows = []
    for _, dark, orig in data:
        t = time.perf_counter()
        out = func(dark)
        dt = time.perf_counter() - t
        row = {"psnr": psnr(out, orig), "ssim": ssim(out, orig), "time": dt}
        if sift:
            row.update({k: v for k, v in sift_retrieval(out, orig).items() if k in ("precision", "recall", "f1")})
        rows.append(row)
    return rows


def mean(rows, key):
    return float(np.mean([r[key] for r in rows])) if rows and key in rows[0] else float("nan")


def report_heldout(title, held):
    """Score the held-out methods and the known-gamma oracle on ``held``; print; return the margin."""
    print(f"\n== {title} ==")
    hres = {name: [psnr(METHODS[name](d), o) for _, d, o in held] for name in HELDOUT_METHODS}
    # diagnostic, not a method: the same pipeline told the true darkening gamma (an oracle exposure)
    hres["GP, known gamma"] = [
        psnr(
            enhance(
                d,
                reference=lambda im, g=true_gamma(label): classical_reference(im, gamma=g, noise_filter=0),
            ),
            o,
        )
        for label, d, o in held
    ]
    blind_g = [estimate_gamma(photon_denoise(d)) / true_gamma(label) for label, d, _ in held]
    print(", ".join(f"{n} {np.mean(v):.2f}" for n, v in hres.items()))
    for g in (2, 3):
        sel = [i for i, (label, _, _) in enumerate(held) if label.endswith(f"g={g}")]
        print(f"  gamma {g} only, PSNR: " + ", ".join(f"{n} {np.mean([hres[n][i] for i in sel]):.2f}" for n in hres))
    print(f"  {'image':22s} " + " ".join(f"{n[:14]:>14s}" for n in hres) + "  est./true gamma")
    for i, (label, _, _) in enumerate(held):
        print(f"  {label:22s} " + " ".join(f"{hres[n][i]:14.2f}" for n in hres) + f"  {blind_g[i]:14.2f}")
    err = np.abs(np.log(blind_g))
    print(
        f"blind exposure: |log(est/true)| median {np.median(err):.3f}, "
        f"within 10 % on {int(np.sum(err < np.log(1.1)))}/{len(err)} images, off by > 30 % on "
        f"{int(np.sum(err > np.log(1.3)))}"
    )
    best = max(BASELINES, key=lambda n: np.mean(hres[n]))
    gp = float(np.mean(hres["GP CM k=30"]))
    gain = gp - float(np.mean(hres[best]))
    wins = sum(a > max(hres[n][i] for n in BASELINES) for i, a in enumerate(hres["GP CM k=30"]))
    print(
        f"GP CM vs best baseline ({best}): {gp:.2f} vs {np.mean(hres[best]):.2f} dB -> "
        f"{gain:+.2f} dB (target >= +0.50); GP above every baseline on {wins}/{len(held)} images"
    )
    print(
        f"GP CM vs the previous default: {gp:.2f} vs {np.mean(hres['old GP (key .4)']):.2f} dB; "
        f"with the true gamma (oracle, diagnostic): {np.mean(hres['GP, known gamma']):.2f} dB"
    )
    return gain


def run_heldouts():
    """The three held-out sets; returns their margins over the best baseline (NaN for a missing set)."""
    gain = report_heldout(
        f"held-out set: {len(HELDOUT)} pictures x gamma 2, 3 (fixed before the exposure estimate was designed; "
        "looked at since)",
        heldout_dataset(),
    )
    gains = [gain]
    for title, folder, names, seed0 in (
        ("photo held-out set 2: opencv-doc photographs", "opencv", PHOTO_HELDOUT, 900),
        (
            "photo held-out set 3: KDE wallpaper, scikit-learn and PyWavelets photographs",
            "photos3",
            PHOTO_HELDOUT3,
            1300,
        ),
    ):
        photos = photo_heldout_dataset(folder, names, seed0=seed0)
        if photos:
            gains.append(report_heldout(f"{title}, {len(names)} x gamma 2, 3", photos))
        else:
            gains.append(float("nan"))
            print(f"\n({title} skipped: run benchmarks/fetch_heldout_photos.sh; looked in {HELDOUT_PHOTOS})")
    return gains


def speed(reps: int = 5, *, gamma: float = 2.5, peak: float = 1000.0):
    """Print and return the wall time of the default ``enhance`` at 256 x 256 and at 1024 x 1024 (RGB, best of
    ``reps``), beside the LIME-style baseline; ``(t256, t1024, megapixels)``."""
    print(f"\n== speed (best of repeats, default settings k=30, colour model; gamma {gamma}, {peak:g} photons) ==")
    sq = darken(photo("astronaut", size=256), gamma=gamma, peak=peak, seed=0)
    big = darken(photo("astronaut", size=1024), gamma=gamma, peak=peak, seed=0)
    enhance(sq)  # JIT warm-up
    t256, c256 = best_time(enhance, sq, reps)
    tlime, _ = best_time(lime_enhance, sq, reps)
    tbig, cbig = best_time(enhance, big, max(2, reps // 2))
    mp = big.shape[0] * big.shape[1] / 1e6
    print(f"load average now: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores (shared machine)")
    print(
        f"256x256 RGB: GP {t256:.3f} s wall, {c256:.3f} s CPU (target <= 0.1 s); "
        f"LIME-style {tlime:.3f} s; ratio {t256 / tlime:.1f}x"
    )
    print(
        f"{big.shape[0]}x{big.shape[1]} RGB ({mp:.2f} MP): GP {tbig:.3f} s wall = {tbig / mp:.3f} s/MP, "
        f"{cbig:.3f} s CPU (target <= 1 s/MP)"
    )
    return t256, tbig, mp


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer k values and repeats")
    ap.add_argument("--no-sift", action="store_true", help="skip the (slow) SIFT retrieval metric")
    ap.add_argument("--heldout-only", action="store_true", help="only the two held-out sets")
    ap.add_argument("--speed-only", action="store_true",
                    help="only the timing, also on darker and noisier input (gamma 3 / 100 and gamma 4 / 50 photons)")
    args = ap.parse_args(argv)
    if args.speed_only:
        for gamma, peak in ((2.5, 1000.0), (3.0, 100.0), (4.0, 50.0)):
            speed(5, gamma=gamma, peak=peak)
        return 0
    sift = not args.no_sift
    if args.heldout_only:
        run_heldouts()
        return 0
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores visible; numpy {np.__version__}"
    )
    data = dataset()
    print(f"data: {len(data)} images ({len(PHOTOS)} photos x gamma 2, 3; Poisson noise, 1000 photons at white)")
    for m in METHODS.values():  # warm up imports and caches
        m(data[0][1][:64, :64])

    print("\n== Table III-like comparison (means over all images) ==")
    print(f"{'method':18s} {'PSNR':>6s} {'SSIM':>6s} {'prec':>6s} {'recall':>6s} {'F1':>6s} {'s/img':>7s}")
    results = {}
    for name, func in METHODS.items():
        rows = evaluate(func, data, sift=sift)
        results[name] = rows
        print(
            f"{name:18s} {mean(rows, 'psnr'):6.2f} {mean(rows, 'ssim'):6.3f} {mean(rows, 'precision'):6.3f} "
            f"{mean(rows, 'recall'):6.3f} {mean(rows, 'f1'):6.3f} {mean(rows, 'time'):7.3f}"
        )
    for g in (2, 3):
        sel = [i for i, (label, _, _) in enumerate(data) if label.endswith(f"g={g}")]
        line = ", ".join(f"{n} {np.mean([results[n][i]['psnr'] for i in sel]):.2f}" for n in METHODS)
        print(f"  gamma {g} only, PSNR: {line}")

    print("\n== per image PSNR ==")
    names = list(METHODS)
    print(f"{'image':16s} " + " ".join(f"{n[:14]:>14s}" for n in names))
    for i, (label, _, _) in enumerate(data):
        print(f"{label:16s} " + " ".join(f"{results[n][i]['psnr']:14.2f}" for n in names))

    gp = mean(results["GP CM k=30"], "psnr")
    best_name = max(BASELINES, key=lambda n: mean(results[n], "psnr"))
    best = mean(results[best_name], "psnr")
    ref = mean(results["reference only"], "psnr")
    wins = sum(a["psnr"] > b["psnr"] for a, b in zip(results["GP CM k=30"], results["reference only"], strict=True))
    print(f"\nGP CM vs best baseline ({best_name}): {gp:.2f} vs {best:.2f} dB -> {gp - best:+.2f} dB (target >= +0.50)")
    print(
        f"GP CM vs its reference alone: {gp:.2f} vs {ref:.2f} dB -> {gp - ref:+.2f} dB; GP better on {wins}/{len(data)} images"
    )
    old = mean(results["old GP (key .4)"], "psnr")
    print(
        f"GP CM vs the previous default (key 0.4, no filter, zero-mean GP): {gp:.2f} vs {old:.2f} dB -> {gp - old:+.2f} dB"
    )
    for g in (2, 3):
        sel = [i for i, (label, _, _) in enumerate(data) if label.endswith(f"g={g}")]
        b = max(BASELINES, key=lambda n: np.mean([results[n][i]["psnr"] for i in sel]))
        gg = np.mean([results["GP CM k=30"][i]["psnr"] for i in sel])
        bb = np.mean([results[b][i]["psnr"] for i in sel])
        print(f"  gamma {g}: GP CM {gg:.2f} vs best baseline {b} {bb:.2f} dB -> {gg - bb:+.2f} dB")
    design_g = [estimate_gamma(photon_denoise(d)) / true_gamma(label) for label, d, _ in data]
    print(
        "blind exposure, estimated / true gamma: "
        + ", ".join(f"{lab} {r:.2f}" for (lab, _, _), r in zip(data, design_g))
    )
    lime_gp = mean(results["GP on LIME ref"], "psnr")
    print(
        f"GP on LIME-style reference vs LIME-style alone: {lime_gp:.2f} vs {mean(results['LIME-style'], 'psnr'):.2f} dB"
    )

    held_gain, photo_gain, photo3_gain = run_heldouts()

    print("\n== Table II-like sweep over k (colour model) ==")
    ks = (10, 30, 100, 200) if args.quick else (10, 20, 30, 40, 50, 100, 200)
    print(f"{'k':>5s} {'PSNR':>6s} {'SSIM':>6s} {'prec':>6s} {'recall':>6s} {'F1':>6s} {'s/img':>7s}")
    for k in ks:
        rows = evaluate(lambda d, k=k: enhance(d, k=k), data, sift=sift)
        print(
            f"{k:5d} {mean(rows, 'psnr'):6.2f} {mean(rows, 'ssim'):6.3f} {mean(rows, 'precision'):6.3f} "
            f"{mean(rows, 'recall'):6.3f} {mean(rows, 'f1'):6.3f} {mean(rows, 'time'):7.3f}"
        )

    t256, tbig, mp = speed(5 if not args.quick else 3)
    print(
        f"SUMMARY lowlight: GP CM k=30 mean PSNR {gp:.2f} dB vs best baseline {best_name} {best:.2f} dB "
        f"({gp - best:+.2f} dB, target +0.5; held-out {held_gain:+.2f} dB, photo held-out sets {photo_gain:+.2f} / {photo3_gain:+.2f} dB); vs reference alone {gp - ref:+.2f} dB; "
        f"256x256 {t256:.3f} s; {tbig / mp:.2f} s/MP"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
