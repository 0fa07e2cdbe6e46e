"""Segmentation toolbox vs scikit-image / OpenCV / SciPy, side by side in one process.

    python benchmarks/segment.py [--size 4096] [--repeat 3] [--quick]

Prints one row per function: our time, the peer's time, the ratio ours/peer (< 1: we are
faster) and a check that the two agree where they compute the same thing. The last line
is a one-line summary. Targets (issue 2): within 1.5x of scikit-image where we wrap it;
the adaptive threshold on 4096 x 4096 under 2x of ``skimage.filters.threshold_local``.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np


def pair(ours, peer, repeat):
    """Time ``ours`` and ``peer`` alternately (fair under a changing machine load): best of ``repeat`` each."""
    t_o, t_p = [], []
    r_o = r_p = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        r_o = ours()
        t_o.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        r_p = peer()
        t_p.append(time.perf_counter() - t0)
    return min(t_o), r_o, min(t_p), r_p


def best_of(func, repeat):
    times = []
    result = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - t0)
    return min(times), result


def test_image(size, seed=0):
    """Coins-like: bright discs on a background with an illumination gradient and noise (uint8)."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    img = 50 + 60 * (xx / size)
    n = max(4, (size // 64) ** 2 // 4)
    cy, cx = rng.uniform(0, size, n), rng.uniform(0, size, n)
    r = rng.uniform(size / 80, size / 30, n)
    disc = np.zeros((size, size), bool)
    for y, x, rr in zip(cy, cx, r, strict=True):
        y0, y1, x0, x1 = int(max(0, y - rr)), int(min(size, y + rr + 1)), int(max(0, x - rr)), int(min(size, x + rr + 1))
        sub = (yy[y0:y1, x0:x1] - y) ** 2 + (xx[y0:y1, x0:x1] - x) ** 2 <= rr * rr
        disc[y0:y1, x0:x1] |= sub
    img += 90 * disc
    img += rng.normal(0, 8, (size, size)).astype(np.float32)
    return np.clip(img, 0, 255).astype(np.uint8), disc


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=4096, help="side of the adaptive-threshold test image")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="small images (smoke test)")
    args = parser.parse_args(argv)

    try:
        import cv2  # the peer, not a dependency of the package
    except ImportError:
        parser.exit(2, "this benchmark compares with OpenCV: pip install opencv-python-headless\n")
    import scipy
    import skimage
    from scipy import ndimage
    from skimage import data, filters, morphology, segmentation

    from napari_maliang import segment as seg

    big = args.size if not args.quick else 512
    mid = 2048 if not args.quick else 256
    rep = args.repeat
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; numpy {np.__version__}, "
          f"scikit-image {skimage.__version__}, scipy {scipy.__version__}, opencv {cv2.__version__}")
    rows = []

    def row(name, ours, peer, peer_name, agree, target=None):
        ratio = ours / peer
        ok = "" if target is None else ("  OK" if ratio <= target else f"  MISSES target {target}x")
        rows.append((name, ratio, target))
        print(f"{name:<34s} ours {ours * 1e3:9.1f} ms   {peer_name:<38s} {peer * 1e3:9.1f} ms   "
              f"ratio {ratio:5.2f}{ok}   {agree}")

    # warm the numba kernels (compile or load from cache) outside the timings
    seg.thin(np.ones((5, 5), bool))
    seg.region_grow(np.zeros((3, 3)), [[1, 1]], tolerance=1)

    img_mid, _ = test_image(mid, 1)
    img_big, truth = test_image(big, 2)

    # --- global thresholds
    t_ours, t, t_sk, tsk = pair(lambda: seg.otsu_threshold(img_mid), lambda: filters.threshold_otsu(img_mid), rep)
    row(f"otsu_threshold {mid}^2", t_ours, t_sk, "skimage threshold_otsu", f"T={t:g} vs {tsk}+1 (> vs >=)")
    t_ours, t, t_sk, tsk = pair(lambda: seg.iterative_threshold(img_mid), lambda: filters.threshold_isodata(img_mid), rep)
    row(f"iterative_threshold {mid}^2", t_ours, t_sk, "skimage threshold_isodata", f"T={t:.2f} vs {tsk}")

    # --- adaptive threshold vs threshold_local (the 2x target)
    seg.adaptive_threshold(img_big[:64, :64], window=3, step=1)  # compile / load the kernels
    for window, step in ((32, None), (48, 16), (63, 21)):
        t_ours, m, t_sk, local = pair(
            lambda w=window, s=step: seg.adaptive_threshold(img_big, window=w, step=s),
            lambda: img_big > filters.threshold_local(img_big, 33),
            rep,
        )
        peer_acc = np.mean(local == truth)
        name = f"adaptive_threshold {big}^2 w{window}" + (f" s{step}" if step else "")
        row(name, t_ours, t_sk, "skimage threshold_local(33) gaussian",
            f"pixel accuracy vs truth: ours {np.mean(m == truth):.3f}, peer {peer_acc:.3f}", 2.0)
    t_ours, _, t_cv, _ = pair(
        lambda: seg.adaptive_threshold(img_big, window=32),
        lambda: cv2.adaptiveThreshold(img_big, 1, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY, 33, 0),
        rep,
    )
    row(f"adaptive_threshold {big}^2 w32", t_ours, t_cv, "cv2.adaptiveThreshold(33, mean)", "(different method)")

    # --- k-means (colour, 3-D features)
    astro = data.astronaut()
    t_ours, lab = best_of(lambda: seg.kmeans_segment(astro, 4, seed=0), rep)
    feats = astro.reshape(-1, 3).astype(np.float32)
    crit = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 100, 1e-4)
    cv2.setRNGSeed(0)
    t_cv, (compact, cvlab, centres) = best_of(
        lambda: cv2.kmeans(feats, 4, None, crit, 1, cv2.KMEANS_PP_CENTERS), rep
    )
    ours_sse = sum(((feats[lab.ravel() == j] - feats[lab.ravel() == j].mean(0)) ** 2).sum() for j in range(1, 5))
    row("kmeans_segment astronaut k=4", t_ours, t_cv, "cv2.kmeans (k-means++, 1 attempt)", f"SSE ratio {ours_sse / compact:.3f}")
    t_ours, _ = best_of(lambda: seg.kmeans_segment(astro, 4, use_position=True, seed=0), 1)
    feats5 = seg.pixel_features(astro, use_position=True).astype(np.float32)
    t_cv, _ = best_of(lambda: cv2.kmeans(feats5, 4, None, crit, 1, cv2.KMEANS_PP_CENTERS), 1)
    row("kmeans_segment astronaut k=4 5-D", t_ours, t_cv, "cv2.kmeans 5-D features", "")

    # --- region growing vs flood fill (tolerance around the seed value, no running mean)
    coins = data.coins()
    coins_big = np.tile(coins, (4, 4))
    seed = (150, 10)
    t_ours, lab, t_sk, fl = pair(lambda: seg.region_grow(coins_big, [seed], tolerance=30, connectivity=8), lambda: segmentation.flood(coins_big, seed, tolerance=30, connectivity=2), rep)
    row(f"region_grow coins x16 {coins_big.shape[0]}x{coins_big.shape[1]}", t_ours, t_sk,
        "skimage segmentation.flood", f"region {int((lab > 0).sum())} vs flood {int(fl.sum())} px")

    # --- morphology
    mask = img_mid > 120
    se = np.ones((3, 3), bool)
    for op in ("erosion", "dilation", "opening", "closing"):
        t_ours, a, t_sk, b = pair(lambda op=op: getattr(seg, op)(mask, se), lambda op=op: getattr(morphology, op)(mask, se, mode="nearest"), rep)
        row(f"{op} {mid}^2 3x3", t_ours, t_sk, f"skimage morphology.{op}", f"equal {np.array_equal(a, b)}", 1.5)
    t_ours, a, t_sp, b = pair(lambda: seg.erosion(mask, se), lambda: ndimage.binary_erosion(mask, se), rep)
    row(f"erosion {mid}^2 3x3", t_ours, t_sp, "scipy binary_erosion", f"interior equal {np.array_equal(a[1:-1, 1:-1], b[1:-1, 1:-1])}")
    fg = np.array([[0, 0, 0], [0, 1, 0], [0, 1, 0]], bool)
    bg = np.array([[1, 1, 1], [0, 0, 0], [0, 0, 0]], bool)
    t_ours, a, t_sp, b = pair(lambda: seg.hit_or_miss(mask, fg, bg), lambda: ndimage.binary_hit_or_miss(mask, fg, bg), rep)
    row(f"hit_or_miss {mid}^2", t_ours, t_sp, "scipy binary_hit_or_miss", f"interior equal {np.array_equal(a[1:-1, 1:-1], b[1:-1, 1:-1])}")
    kern = fg.astype(np.int32) - bg.astype(np.int32)
    m8 = mask.astype(np.uint8)
    t_cv, _ = best_of(lambda: cv2.morphologyEx(m8, cv2.MORPH_HITMISS, kern), rep)
    row(f"hit_or_miss {mid}^2", t_ours, t_cv, "cv2 MORPH_HITMISS", "")
    coins_mask = np.tile(coins >= 108, (2, 2))
    t_ours, a, t_sk, b = pair(lambda: seg.thin(coins_mask), lambda: morphology.thin(coins_mask), rep)
    row(f"thin coins x4 {coins_mask.shape[0]}x{coins_mask.shape[1]}", t_ours, t_sk, "skimage morphology.thin",
        f"{int(a.sum())} vs {int(b.sum())} px")
    t_ours, a, t_sk, b = pair(lambda: seg.thicken(coins_mask), lambda: ~morphology.thin(~coins_mask), rep)
    row("thicken coins x4", t_ours, t_sk, "~skimage thin(~mask)", "")

    adaptive = [r for r in rows if r[0].startswith("adaptive") and r[2] is not None]
    wrapped = [r for r in rows if r[2] == 1.5]
    worst_adaptive = max(r[1] for r in adaptive)
    worst_wrapped = max(r[1] for r in wrapped)
    verdict = "meets" if worst_adaptive <= 2.0 and worst_wrapped <= 1.5 else "MISSES"
    print(
        f"SUMMARY segment: adaptive {big}^2 vs threshold_local {min(r[1] for r in adaptive):.2f}x..{worst_adaptive:.2f}x "
        f"(target < 2x); wrapped skimage morphology worst {worst_wrapped:.2f}x (target 1.5x); {verdict} targets"
    )


if __name__ == "__main__":
    main()
