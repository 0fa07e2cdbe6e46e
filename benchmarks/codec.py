"""Inpainting codec vs JPEG and JPEG 2000 at matched file sizes (PSNR, SSIM, timing).

    python benchmarks/codec.py [--quick]

For every image and target rate (0.1 and 0.2 bpp) the inpainting codec encodes with
``encode(image, bpp=rate)``; JPEG (Pillow, optimized Huffman tables) and JPEG 2000 (OpenJPEG via
imagecodecs, raw codestream) are then coded at the largest quality whose file is no larger
than (a) our file and (b) the full budget. "n/a" marks a codec that cannot get that small (its
smallest file is then reported with a '>' mark). Timing: our encode/decode wall time and the
JPEG 2000 encode+decode time of one file, in the same process. The last line is a summary.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

from napari_maliang.codec import decode, encode
from napari_maliang.codec.compare import jpeg2000_at_size, jpeg_at_size, psnr, ssim
from napari_maliang.codec.samples import cartoon, natural


def images(quick: bool):
    cartoonish = {
        "cartoon gray (shaded)": cartoon((512, 512), seed=1),
        "cartoon gray (flat)": cartoon((512, 512), seed=2, gradient=0.0),
        "cartoon RGB": cartoon((512, 512), seed=3, rgb=True),
        "horse (skimage)": natural("horse"),
    }
    photos = {"camera (skimage)": natural("camera"), "astronaut (skimage)": natural("astronaut")}
    if quick:
        cartoonish = dict(list(cartoonish.items())[:1])
        photos = dict(list(photos.items())[:1])
    return cartoonish, photos


def fmt(coded, ref, npix):
    if coded is None:
        return "n/a"
    mark = "" if coded.fits else ">"
    return f"{mark}{coded.bpp(npix):.3f} {psnr(ref, coded.image):5.2f} {ssim(ref, coded.image):.3f}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one cartoon and one photo only")
    args = parser.parse_args(argv)
    cartoonish, photos = images(args.quick)
    print(f"machine: {os.cpu_count()} CPUs visible; load average {os.getloadavg()[0]:.1f} at start")
    # one-time costs (lazy imports, numba compilation of the geometry kernels) out of the timings
    encode(cartoon((64, 64), seed=0), bpp=0.5)
    print("columns: bpp PSNR(dB) SSIM; refs at our size | refs at the full budget")
    wins = {"cartoon": [0, 0, 0, 0], "photo": [0, 0, 0, 0]}  # [beat JPEG, beat J2K, cases, JPEG too big]
    rows = []
    enc_times = []
    dec_times = []
    j2k_times = []
    enc_cpu = []
    dec_cpu = []
    decode(encode(cartoon((64, 64), seed=0), bpp=0.5))  # warm-up: numba compilation / caches
    for group, imgs in (("cartoon", cartoonish), ("photo", photos)):
        for name, img in imgs.items():
            img = np.asarray(img)
            npix = img.shape[0] * img.shape[1]
            for rate in (0.1, 0.2):
                budget = int(rate * npix / 8)
                t0 = time.perf_counter()
                c0 = time.process_time()
                try:
                    data = encode(img, bpp=rate)
                except ValueError as exc:
                    print(f"{name:22s} {rate:.1f}  inpainting: {exc}")
                    continue
                t1 = time.perf_counter()
                c1 = time.process_time()
                dec = decode(data)
                t2 = time.perf_counter()
                c2 = time.process_time()
                enc_times.append(t1 - t0)
                dec_times.append(t2 - t1)
                enc_cpu.append(c1 - c0)
                dec_cpu.append(c2 - c1)
                p, s = psnr(img, dec), ssim(img, dec)
                t3 = time.perf_counter()
                j2k_same = jpeg2000_at_size(img, len(data))
                j2k_times.append((time.perf_counter() - t3) / 15)  # 15 trial encodes+decodes per search
                jpeg_same = jpeg_at_size(img, len(data))
                jpeg_full = jpeg_at_size(img, budget)
                j2k_full = jpeg2000_at_size(img, budget)
                ours = f"{8 * len(data) / npix:.3f} {p:5.2f} {s:.3f}"
                line = (
                    f"{name:22s} {rate:.1f} | ours {ours} | JPEG {fmt(jpeg_same, img, npix)} "
                    f"| J2K {fmt(j2k_same, img, npix)} || JPEG {fmt(jpeg_full, img, npix)} "
                    f"| J2K {fmt(j2k_full, img, npix)} | enc {t1 - t0:.2f}s (CPU {c1 - c0:.2f}s) "
                    f"dec {t2 - t1:.2f}s (CPU {c2 - c1:.2f}s)"
                )
                print(line, flush=True)
                rows.append(line)

                def beats(coded):
                    # a reference that cannot get this small is compared at its smallest file
                    return p > psnr(img, coded.image) and s > ssim(img, coded.image)

                w = wins[group]
                w[0] += beats(jpeg_full) and beats(jpeg_same)
                w[1] += beats(j2k_full) and beats(j2k_same)
                w[2] += 1
                w[3] += not jpeg_full.fits
    # lossless edge-map coders on the same maps (the encoder keeps the smallest)
    from napari_maliang.codec.core import _Encoder, prepare_image
    from napari_maliang.codec.edgecode import method_sizes

    for name, img in list(cartoonish.items())[:1] + list(photos.items())[:1]:
        enc = _Encoder(prepare_image(img), denoise_iterations=10, min_length=4)
        edges = enc.edges(0.1 * float(enc.mag.max()))
        sizes = method_sizes(edges)
        best = min(sizes, key=sizes.get)
        listing = ", ".join(f"{k} {v}" for k, v in sizes.items())
        print(f"edge map of {name} ({int(edges.sum())} edge pixels), bytes: {listing}; smallest: {best}")
    med_enc = float(np.median(enc_times))
    med_dec = float(np.median(dec_times))
    med_j2k = float(np.median(j2k_times))
    print(
        f"timing (median over runs): encode {med_enc:.2f} s, decode {med_dec:.2f} s; "
        f"decode / one JPEG 2000 encode+decode = {med_dec / med_j2k:.1f}x; CPU time: encode "
        f"{np.median(enc_cpu):.2f} s, decode {np.median(dec_cpu):.2f} s; load average now {os.getloadavg()[0]:.1f}"
    )
    c, ph = wins["cartoon"], wins["photo"]
    print(
        f"SUMMARY: cartoon-like: beat JPEG (PSNR and SSIM, at our size and at the full budget) in {c[0]}/{c[2]}, "
        f"beat JPEG 2000 in {c[1]}/{c[2]} (JPEG could not reach the rate in {c[3]}); photos: beat JPEG in "
        f"{ph[0]}/{ph[2]}, JPEG 2000 in {ph[1]}/{ph[2]}; "
        f"median wall encode {med_enc:.2f} s, decode {med_dec:.2f} s; CPU {np.median(enc_cpu):.2f} / "
        f"{np.median(dec_cpu):.2f} s, slowest encode CPU {max(enc_cpu):.2f} s "
        f"(512x512 images, horse 328x400; 2-core shared CPU)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
