"""Reference codecs at matched file sizes and quality metrics (for the widget and the benchmark).

``jpeg_at_size`` and ``jpeg2000_at_size`` return the best-quality JPEG (Pillow, optimized Huffman
tables) and JPEG 2000 (OpenJPEG through imagecodecs, raw J2K codestream) whose file is at most
the given number of bytes, or the smallest one they can make when none fits (flagged).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np


@dataclass
class Coded:
    codec: str
    nbytes: int
    image: np.ndarray
    fits: bool  # False: the codec cannot get this small, this is its smallest file

    def bpp(self, npix: int) -> float:
        return 8.0 * self.nbytes / npix


def psnr(reference, image) -> float:
    """Peak signal-to-noise ratio in dB for 8-bit images."""
    mse = float(np.mean((np.asarray(reference, float) - np.asarray(image, float)) ** 2))
    return float("inf") if mse == 0 else float(10 * np.log10(255.0**2 / mse))


def ssim(reference, image) -> float:
    """Structural similarity (Wang et al. 2004, the paper's eq. 12 with local windows)."""
    from skimage.metrics import structural_similarity

    ref = np.asarray(reference)
    img = np.asarray(image)
    return float(structural_similarity(ref, img, data_range=255, channel_axis=-1 if ref.ndim == 3 else None))


def _jpeg(image, quality):
    from PIL import Image

    bio = io.BytesIO()
    Image.fromarray(np.asarray(image, np.uint8)).save(bio, format="JPEG", quality=int(quality), optimize=True)
    data = bio.getvalue()
    return data, np.asarray(Image.open(io.BytesIO(data)))


def jpeg_at_size(image, nbytes: int) -> Coded:
    """Highest JPEG quality (1..95) whose file is at most ``nbytes``."""
    lo, hi = 1, 95
    data, dec = _jpeg(image, 1)
    if len(data) > nbytes:
        return Coded("JPEG", len(data), dec, False)
    best = (data, dec)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        data, dec = _jpeg(image, mid)
        if len(data) <= nbytes:
            best, lo = (data, dec), mid
        else:
            hi = mid - 1
    return Coded("JPEG", len(best[0]), best[1], True)


def _j2k(image, level):
    import imagecodecs

    data = imagecodecs.jpeg2k_encode(np.asarray(image, np.uint8), level=float(level), codecformat="J2K")
    return data, np.asarray(imagecodecs.jpeg2k_decode(data))


def jpeg2000_at_size(image, nbytes: int, iterations: int = 14) -> Coded:
    """JPEG 2000 with the PSNR-target ``level`` bisected to the largest file of at most ``nbytes``."""
    lo, hi = 1.0, 80.0
    data, dec = _j2k(image, lo)
    if len(data) > nbytes:
        return Coded("JPEG 2000", len(data), dec, False)
    best = (data, dec)
    for _ in range(iterations):
        mid = 0.5 * (lo + hi)
        data, dec = _j2k(image, mid)
        if len(data) <= nbytes:
            best, lo = (data, dec), mid
        else:
            hi = mid
    return Coded("JPEG 2000", len(best[0]), best[1], True)
