"""Input checking, colour conversions and the edge-preserving filter shared by the low-light modules
(no napari here)."""

from __future__ import annotations

import warnings

import numpy as np

from napari_maliang._shared import color
from napari_maliang._shared.validate import check_finite

__all__ = ["as_unit_float", "bilateral", "rgb_to_ycbcr", "ycbcr_to_rgb", "luminance"]


def as_unit_float(image, *, name: str = "image") -> np.ndarray:
    """Validate ``image`` and return it as float32 on 0..1, shape ``(H, W)`` or ``(H, W, 3)``.

    uint8 is divided by 255, uint16 by 65535, other integer types by their maximum value;
    floats are taken to be on 0..1 already (a float image whose maximum exceeds 1 is divided by
    its maximum, with a warning); bool becomes 0/1. An RGBA image loses its alpha channel.

    Raises
    ------
    TypeError
        For non-numeric data.
    ValueError
        For a shape other than ``(H, W)``, ``(H, W, 3)`` or ``(H, W, 4)``, an empty image, or
        NaN/inf values.
    """
    arr = np.asarray(image)
    if arr.dtype == bool:
        arr = arr.astype(np.float32)
    if not (np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)):
        raise TypeError(f"{name} must be a numeric array (uint8, uint16 or float), got dtype {arr.dtype}")
    if arr.ndim == 3 and arr.shape[2] == 4:
        arr = arr[..., :3]
    if arr.ndim == 3 and arr.shape[2] == 1:
        arr = arr[..., 0]
    if not (arr.ndim == 2 or (arr.ndim == 3 and arr.shape[2] == 3)):
        raise ValueError(f"expected a grayscale (H, W) or RGB (H, W, 3) {name}, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} is empty (shape {arr.shape})")
    if np.issubdtype(arr.dtype, np.integer):
        info = np.iinfo(arr.dtype)
        if info.min < 0 and arr.min() < 0:
            raise ValueError(f"{name} has negative values; expected intensities >= 0")
        scale = 255.0 if arr.dtype == np.uint8 else 65535.0 if arr.dtype == np.uint16 else float(info.max)
        return (arr.astype(np.float32) / np.float32(scale)).clip(0, 1)
    out = arr.astype(np.float32, copy=True)
    check_finite(out, name=name)
    top = float(out.max())
    if top > 1.0 + 1e-6:
        warnings.warn(
            f"float {name} has values up to {top:.4g}; expected 0..1, so it is divided by its maximum",
            UserWarning,
            stacklevel=3,
        )
        out /= np.float32(top)
    return out.clip(0, 1)


def rgb_to_ycbcr(rgb: np.ndarray) -> np.ndarray:
    """RGB on 0..1 to YCbCr (BT.601 full range) with Y on 0..1 and Cb, Cr centred on 0.5 (float32)."""
    return color.rgb_to_ycbcr(rgb, offset=0.5, dtype=np.float32)


def ycbcr_to_rgb(ycc: np.ndarray) -> np.ndarray:
    """Inverse of :func:`rgb_to_ycbcr` (not clipped)."""
    return color.ycbcr_to_rgb(ycc, offset=0.5, dtype=np.float32)


_LUMA = color.YCBCR_MATRIX[0].astype(np.float32)


def luminance(image: np.ndarray) -> np.ndarray:
    """Y of YCbCr for RGB, the image itself for grayscale."""
    if image.ndim == 2:
        return image
    return image @ _LUMA


def bilateral(image: np.ndarray, sigma_color: float) -> np.ndarray:
    """Edge-preserving smoothing: OpenCV's bilateral filter (5 x 5 window, spatial sigma 1.5 px)
    with range sigma ``sigma_color`` in the image's units; float32 result."""
    import cv2

    return cv2.bilateralFilter(np.ascontiguousarray(image, np.float32), d=5, sigmaColor=float(sigma_color),
                               sigmaSpace=1.5)
