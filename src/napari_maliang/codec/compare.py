"""Reference codecs at matched file sizes and quality metrics (for the widget and the benchmark).

``jpeg_at_size`` and ``jpeg2000_at_size`` return the best-quality JPEG (Pillow, optimized Huffman
tables) and JPEG 2000 (OpenJPEG through imagecodecs, raw J2K codestream) whose file is at most
the given number of bytes, or the smallest one they can make when none fits (flagged). JPEG 2000 needs
the ``codecs`` extra (imagecodecs); without it the rate-distortion curves compare with JPEG only.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import partial

import numpy as np

from napari_maliang._shared import metrics
from napari_maliang._shared.options import run_steps

#: the metrics of the rate-distortion curves, on the codec's 8-bit scale
psnr = partial(metrics.psnr, data_range=255.0)
ssim = partial(metrics.ssim, data_range=255.0)


@dataclass
class Coded:
    codec: str
    nbytes: int
    image: np.ndarray
    fits: bool  # False: the codec cannot get this small, this is its smallest file

    def bpp(self, npix: int) -> float:
        return 8.0 * self.nbytes / npix


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


#: what to install for the JPEG 2000 comparison
JPEG2000_EXTRA = "pip install 'napari-maliang[codecs]'"


def has_jpeg2000() -> bool:
    """True when imagecodecs (the ``codecs`` extra) can code JPEG 2000."""
    try:
        import imagecodecs
    except ImportError:
        return False
    return bool(getattr(imagecodecs, "JPEG2K", None) and imagecodecs.JPEG2K.available)


def _j2k(image, level):
    try:
        import imagecodecs
    except ImportError:
        raise ImportError(f"the JPEG 2000 comparison needs imagecodecs: {JPEG2000_EXTRA}") from None

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


#: the curve name of each coding mode in :func:`rate_distortion_steps`
CURVE_NAMES = {"edge": "inpainting", "photo": "photo mode"}


def rate_distortion_steps(image, rates, modes=("edge",)):
    """Encode ``image`` at each rate and code JPEG and JPEG 2000 at the same file sizes (Bastani et al.,
    section 5: the paper's rate-distortion comparison).

    Parameters
    ----------
    image : array_like
        Grayscale or RGB image (converted to 8 bits as :func:`~napari_maliang.codec.core.prepare_image` does).
    rates : sequence of float
        Target rates of the inpainting codec in bits per pixel; rates it cannot reach are skipped.
    modes : sequence of {"edge", "photo"}
        The ``.mlg`` coding modes to plot (curves "inpainting" and "photo mode"); the references are coded at
        the sizes of the first mode's files.

    Yields
    ------
    Progress

    Returns
    -------
    dict
        ``{codec name: [(bpp, psnr, ssim), ...]}`` for "inpainting" (and "photo mode"), "JPEG" and, when
        :func:`has_jpeg2000`, "JPEG 2000".

    References
    ----------
    .. [1] Bastani et al., image compression by PDE inpainting, J. Zhejiang Univ.-Sci. C (Comput. & Electron.) 11(2), 92-100 (2010), section 5.
    .. [2] ITU-T T.81 / ISO/IEC 10918-1 (JPEG); ISO/IEC 15444-1 (JPEG 2000).
    """
    from napari_maliang._progress import Progress, nested
    from napari_maliang.codec.core import decode, encode_steps, prepare_image

    f = prepare_image(image)
    ref = np.clip(np.rint(f[..., 0] if f.shape[2] == 1 else f), 0, 255).astype(np.uint8)
    npix = ref.shape[0] * ref.shape[1]
    references = {"JPEG": jpeg_at_size}
    if has_jpeg2000():
        references["JPEG 2000"] = jpeg2000_at_size
    out = {**{CURVE_NAMES[m]: [] for m in modes}, **{name: [] for name in references}}
    for i, rate in enumerate(rates):
        yield Progress(i, len(rates), f"rate-distortion: {rate:.3g} bpp")
        sizes = []
        for mode in modes:
            try:
                data = yield from nested(encode_steps(ref, bpp=rate, mode=mode), i, len(rates))
            except ValueError:  # the codec cannot get this small in this mode
                continue
            dec = decode(data)
            out[CURVE_NAMES[mode]].append((8 * len(data) / npix, psnr(ref, dec), ssim(ref, dec)))
            sizes.append(len(data))
        if not sizes:
            continue
        for name, fn in references.items():  # at the size of the first file made at this rate
            coded = fn(ref, sizes[0])
            out[name].append((coded.bpp(npix), psnr(ref, coded.image), ssim(ref, coded.image)))
    return out


rate_distortion = run_steps(rate_distortion_steps)
