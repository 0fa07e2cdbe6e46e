"""The inpainting codec on photographs (issue #17): the held-out photo set, and the photo-mode design study.

    python benchmarks/codec_photos.py [DIR]            # held-out set (benchmarks/codec_photos.txt)
    python benchmarks/codec_photos.py --design         # design photos (scikit-image camera, astronaut, coffee)

Held-out: fetched by ``benchmarks/fetch_codec_photos.sh`` into ``DIR/codec-photos`` (DIR default
``~/.cache/maliang-heldout``), each file checked against its sha256 in the manifest, prepared as the
manifest says (area reduction to 512 px on the short side with Pillow's BOX filter, centre crop 512x512,
``gray-from-rgb`` photos converted to luma). For every photo and target rate (0.1, 0.2, 0.4 bpp) the
``.mlg`` codec encodes with ``encode(image, bpp=rate)``; JPEG (Pillow, optimized Huffman tables) and
JPEG 2000 (OpenJPEG through imagecodecs, raw codestream) are coded at the largest quality whose file is at
most the full budget ``rate * H * W / 8`` bytes (a ``>`` marks a JPEG that cannot get that small: its
smallest file). PSNR and SSIM (scikit-image, ``data_range=255``) against the prepared photo.

Design (``--design``): the photo mode's building blocks on the design photos only (see
``docs/benchmarks/codec_photos.md``).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import time
from pathlib import Path

import numpy as np

from napari_maliang.codec import decode, encode
from napari_maliang.codec.compare import jpeg2000_at_size, jpeg_at_size, psnr, ssim

HERE = Path(__file__).resolve().parent
RATES = (0.1, 0.2, 0.4)


def prepare(path: Path, mode: str, size: int = 512) -> np.ndarray:
    """Area reduction to ``size`` px on the short side (BOX filter), centre crop, gray as the manifest says."""
    from PIL import Image

    im = Image.open(path)
    im = im.convert("L") if mode in ("gray", "gray-from-rgb") else im.convert("RGB")
    w, h = im.size
    s = size / min(w, h)
    if s < 1:
        im = im.resize((max(size, round(w * s)), max(size, round(h * s))), Image.BOX)
    w, h = im.size
    x0, y0 = (w - size) // 2, (h - size) // 2
    return np.asarray(im.crop((x0, y0, x0 + size, y0 + size)))


def heldout(root: Path) -> dict[str, np.ndarray]:
    """The held-out photos of the manifest, sha256-checked and prepared."""
    out = {}
    for line in (HERE / "codec_photos.txt").read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        rel, sha, _source, mode = line.split()[:4]
        path = root / "codec-photos" / rel
        if not path.is_file():
            raise SystemExit(f"{path} is missing: run benchmarks/fetch_codec_photos.sh first")
        if hashlib.sha256(path.read_bytes()).hexdigest() != sha:
            raise SystemExit(f"{path}: sha256 differs from benchmarks/codec_photos.txt")
        out[f"{rel} ({mode})"] = prepare(path, mode)
    return out


def design() -> dict[str, np.ndarray]:
    """The design photos (already used by the project): scikit-image camera, astronaut, coffee (512x512 crop)."""
    from skimage import data

    coffee = data.coffee()  # 400x600: centre 400x400, no upscaling
    return {
        "camera (gray)": data.camera(),
        "astronaut (rgb)": data.astronaut(),
        "coffee (rgb, 400x400)": coffee[:, 100:500],
    }


def fmt(coded, ref, npix):
    mark = "" if coded.fits else ">"
    return f"{mark}{coded.bpp(npix):.3f} {psnr(ref, coded.image):5.2f} {ssim(ref, coded.image):.3f}"


def score_mlg(photos: dict[str, np.ndarray], rates=RATES) -> None:
    """Today's ``.mlg`` codec vs JPEG and JPEG 2000 at the full budget; one line per photo and rate."""
    print("columns: bpp PSNR(dB) SSIM; JPEG and JPEG 2000 at the full budget")
    wins = {r: [0, 0, 0] for r in rates}  # beat JPEG (PSNR and SSIM), beat J2K (PSNR), cases
    for name, img in photos.items():
        npix = img.shape[0] * img.shape[1]
        for rate in rates:
            budget = int(rate * npix / 8)
            t0 = time.process_time()
            try:
                data = encode(img, bpp=rate)
            except ValueError as exc:
                print(f"{name:32s} {rate:.1f} | ours: {exc}")
                continue
            t1 = time.process_time()
            dec = decode(data)
            t2 = time.process_time()
            p, s = psnr(img, dec), ssim(img, dec)
            jp, j2 = jpeg_at_size(img, budget), jpeg2000_at_size(img, budget)
            print(
                f"{name:32s} {rate:.1f} | ours {8 * len(data) / npix:.3f} {p:5.2f} {s:.3f} | JPEG {fmt(jp, img, npix)} "
                f"| J2K {fmt(j2, img, npix)} | CPU enc {t1 - t0:.1f} s dec {t2 - t1:.1f} s",
                flush=True,
            )
            w = wins[rate]
            w[0] += p > psnr(img, jp.image) and s > ssim(img, jp.image)
            w[1] += p > psnr(img, j2.image)
            w[2] += 1
    summary = "; ".join(f"{r} bpp: beat JPEG {w[0]}/{w[2]}, J2K {w[1]}/{w[2]}" for r, w in wins.items())
    print(f"SUMMARY (.mlg edge mode): {summary}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir", nargs="?", default=Path.home() / ".cache" / "maliang-heldout", type=Path)
    parser.add_argument("--design", action="store_true", help="the design photos instead of the held-out set")
    args = parser.parse_args(argv)
    print(f"machine: {os.cpu_count()} CPUs visible; load average {os.getloadavg()[0]:.1f} at start")
    photos = design() if args.design else heldout(args.dir)
    score_mlg(photos)
    return 0


if __name__ == "__main__":
    sys.exit(main())
