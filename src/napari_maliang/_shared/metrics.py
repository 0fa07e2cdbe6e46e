"""Image quality metrics with one argument order: ``(image, reference)``."""

from __future__ import annotations

import numpy as np

__all__ = ["psnr", "ssim"]


def _full_scale(image: np.ndarray, data_range) -> float:
    if data_range is not None:
        return float(data_range)
    if image.dtype == np.uint8:
        return 255.0
    if image.dtype == np.uint16:
        return 65535.0
    if image.dtype.kind == "f":
        return 1.0
    raise ValueError(f"give data_range for a {image.dtype} image")


def psnr(image, reference, *, data_range: float | None = None) -> float:
    """Peak signal-to-noise ratio ``10 log10(data_range^2 / MSE)`` in dB (``inf`` for identical images).

    ``data_range`` defaults to the full scale of ``image``'s dtype: 255 (uint8), 65535 (uint16), 1 (float).

    Examples
    --------
    >>> round(psnr(np.full(4, 10, np.uint8), np.full(4, 12, np.uint8)), 4)  # 10 log10(255^2 / 2^2)
    42.1102
    """
    a = np.asarray(image)
    b = np.asarray(reference)
    if a.shape != b.shape:
        raise ValueError(f"images must have the same shape, got {a.shape} and {b.shape}")
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return float("inf") if mse == 0 else float(10 * np.log10(_full_scale(a, data_range) ** 2 / mse))


def ssim(image, reference, *, data_range: float | None = None, gaussian: bool = False) -> float:
    """Structural similarity (Wang et al. 2004) by :func:`skimage.metrics.structural_similarity`, colour
    channels last; ``gaussian`` uses the paper's Gaussian window (sigma 1.5) instead of the 7 x 7 box."""
    from skimage.metrics import structural_similarity

    a = np.asarray(image)
    b = np.asarray(reference)
    kw = {"channel_axis": -1} if a.ndim == 3 else {}
    if gaussian:
        kw.update(gaussian_weights=True, sigma=1.5)
    return float(structural_similarity(a, b, data_range=_full_scale(a, data_range), **kw))
