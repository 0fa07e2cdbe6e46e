"""Benchmark: image dequantization (Kim, Ahn & Choi) against a Gaussian blur and skimage's bilateral filter.

Cases: smooth photographs (scikit-image, offline) and smooth synthetic images, quantized by k-means
palettes (8/16/32 colours), Pillow's median cut (16 colours) and 3/4-bit truncation. For each case the
PSNR gain over the quantized input, the share of pixels that re-quantize to the input, and the time
per megapixel are printed. The last line is a one-line summary.

    python benchmarks/dequantize.py [--quick] [--omega 0.01] [--color-space lab|rgb] [--quantizer auto|nearest]
                                    [--no-keep-means] [--no-speed | --speed-only]

The recorded runs (docs/benchmarks/dequantize.md) use the function's defaults (omega 0.01, Lab), the
widget's (--color-space rgb) and the paper's method alone (--quantizer nearest --no-keep-means).
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np


def psnr(a, b):
    mse = np.mean((np.asarray(a, np.float64) - np.asarray(b, np.float64)) ** 2)
    return 10 * np.log10(255.0**2 / max(mse, 1e-12))


def quantizers():
    from PIL import Image

    from napari_maliang.dequantize import kmeans_quantize

    def km(n):
        return lambda img: kmeans_quantize(img, n)

    def median_cut(n):
        def q(img):
            pim = Image.fromarray(img).quantize(colors=n, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
            return np.asarray(pim.convert("RGB"))

        return q

    def truncate(bits):
        return lambda img: (img >> (8 - bits)) << (8 - bits)

    return {
        "kmeans8": km(8), "kmeans16": km(16), "kmeans32": km(32),
        "mediancut16": median_cut(16), "trunc3bit": truncate(3), "trunc4bit": truncate(4),
    }


def images(quick: bool):
    from skimage import data

    from napari_maliang.dequantize import smooth_synthetic

    out = {
        "synthetic": smooth_synthetic((256, 256), seed=0),
        "chelsea": data.chelsea(),
        "coffee": data.coffee(),
    }
    if not quick:
        out["rocket"] = data.rocket()
        out["astronaut"] = data.astronaut()
        out["synthetic2"] = smooth_synthetic((384, 384), seed=3)
    return out


def baselines(q):
    from skimage.filters import gaussian
    from skimage.restoration import denoise_bilateral

    g = gaussian(q.astype(np.float64) / 255, sigma=1.5, channel_axis=-1) * 255
    b = denoise_bilateral(q.astype(np.float64) / 255, sigma_color=0.1, sigma_spatial=3, channel_axis=-1) * 255
    return g, b


def speed(omega, color_space, repeats=3):
    """Wall and CPU seconds for a 1-megapixel RGB image, best of ``repeats``: a full run on a fresh
    :class:`Dequantizer`, then a brush-stroke update on it (a new stroke each time)."""
    from skimage import data, transform

    from napari_maliang._progress import run_to_end
    from napari_maliang.dequantize import Dequantizer, dequantize, kmeans_quantize

    big = (transform.resize(data.astronaut(), (1024, 1024), order=3) * 255).astype(np.uint8)
    q = kmeans_quantize(big, 16)
    dequantize(q[:64, :64], omega=omega, color_space=color_space)  # JIT warm-up
    full, stroke = (np.inf, np.inf), (np.inf, np.inf)
    for k in range(repeats):
        t, c = time.perf_counter(), time.process_time()
        dq = Dequantizer(q, color_space=color_space)
        run_to_end(dq.steps(omega=omega))
        full = min(full, (time.perf_counter() - t, time.process_time() - c))
        ann = np.zeros(q.shape[:2], np.uint8)
        ann[500 + 30 * k:520 + 30 * k, 450:650] = 3  # a green stroke
        t, c = time.perf_counter(), time.process_time()
        run_to_end(dq.steps(ann, omega=omega))
        stroke = min(stroke, (time.perf_counter() - t, time.process_time() - c))
    return full, stroke


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer images")
    parser.add_argument("--omega", type=float, default=0.01)
    parser.add_argument("--color-space", default="lab", choices=("lab", "rgb"))
    parser.add_argument("--quantizer", default="auto", choices=("auto", "nearest", "floor"),
                        help="nearest: the paper's Voronoi cells for every case, truncation too")
    parser.add_argument("--no-keep-means", action="store_true", help="without the palette-mean step (the paper)")
    parser.add_argument("--no-speed", action="store_true")
    parser.add_argument("--speed-only", action="store_true", help="only the 1-megapixel timing")
    args = parser.parse_args(argv)

    from napari_maliang.dequantize import dequantize, requantization_mask

    print(f"machine: {os.cpu_count()} CPU cores; omega={args.omega}; color_space={args.color_space}")
    print(f"{'image':<11} {'quantizer':<12} {'colours':>7} {'PSNR q':>7} {'ours':>6} {'gauss':>6} {'bilat':>6} "
          f"{'requant':>8} {'s/MP':>6}")
    gains, requant, truncated = [], [], []
    for iname, img in ({} if args.speed_only else images(args.quick)).items():
        for qname, quant in quantizers().items():
            q = quant(img)
            ncol = len(np.unique(q.reshape(-1, 3), axis=0))
            t = time.perf_counter()
            r = dequantize(q, omega=args.omega, color_space=args.color_space, quantizer=args.quantizer,
                           keep_means=not args.no_keep_means)
            dt = (time.perf_counter() - t) / (q.shape[0] * q.shape[1] / 1e6)
            g, b = baselines(q)
            p0 = psnr(q, img)
            gain = psnr(r, img) - p0
            ok = requantization_mask(r, q, color_space=args.color_space, quantizer=args.quantizer).mean()
            gains.append(gain)
            truncated.append(qname.startswith("trunc"))
            requant.append(ok)
            print(f"{iname:<11} {qname:<12} {ncol:>7} {p0:>7.2f} {gain:>+6.2f} {psnr(g, img) - p0:>+6.2f} "
                  f"{psnr(b, img) - p0:>+6.2f} {100 * ok:>7.2f}% {dt:>6.2f}", flush=True)
    gains = np.array(gains) if gains else np.array([np.nan])
    truncated = np.array(truncated if len(truncated) == gains.size else [False] * gains.size)
    if truncated.any():
        print(f"mean PSNR gain: palette quantizers (k-means, median cut) {gains[~truncated].mean():+.2f} dB "
              f"(worst {gains[~truncated].min():+.2f}), bit truncation {gains[truncated].mean():+.2f} dB "
              f"(worst {gains[truncated].min():+.2f})")
    requant = requant or [np.nan]
    timing = ""
    if not args.no_speed:
        full, stroke = speed(args.omega, args.color_space)
        print(f"speed (best of 3), 1024x1024 RGB, 16 k-means colours, refinement included: full run {full[0]:.2f} s "
              f"wall ({full[1]:.2f} s CPU); update after a brush stroke {stroke[0]:.2f} s wall ({stroke[1]:.2f} s CPU)")
        timing = (f", {full[0]:.2f} s/MP wall, {full[1]:.2f} s/MP CPU (target <= 1 s), stroke update {stroke[0]:.2f} s "
                  f"on {os.cpu_count()} shared cores")
    quality = ("" if args.speed_only else
               f": mean PSNR gain {gains.mean():+.2f} dB (target >= +1.0), worst {gains.min():+.2f} dB "
               f"(target >= -0.1), re-quantized {100 * min(requant):.2f}% min (target 100%)")
    print(f"SUMMARY dequantize omega={args.omega} {args.color_space} quantizer={args.quantizer} "
          f"keep_means={not args.no_keep_means}{quality}{timing}")

if __name__ == "__main__":
    main()
