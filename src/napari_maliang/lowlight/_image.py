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


#: Window of :func:`bilateral`: radius 2 (OpenCV's ``d=5``), spatial sigma 1.5 px.
_BILATERAL_RADIUS = 2
_BILATERAL_SIGMA_SPACE = 1.5


def _bilateral_window():
    """Offsets ``(dy, dx)`` of the disc of radius 2 without its centre, in OpenCV's order (row by
    row), and their spatial weights ``exp(-r^2 / (2 * 1.5^2))`` (computed in double, stored as float32)."""
    r = _BILATERAL_RADIUS
    space_coeff = -0.5 / (_BILATERAL_SIGMA_SPACE * _BILATERAL_SIGMA_SPACE)
    dy, dx, sw = [], [], []
    for i in range(-r, r + 1):
        for j in range(-r, r + 1):
            dist = np.sqrt(float(i * i + j * j))
            if dist > r or (i == 0 and j == 0):
                continue
            dy.append(i)
            dx.append(j)
            sw.append(np.exp(dist * dist * space_coeff))
    return np.array(dy, np.int64), np.array(dx, np.int64), np.array(sw, np.float64).astype(np.float32)


def bilateral(image: np.ndarray, sigma_color: float) -> np.ndarray:
    """Edge-preserving smoothing: the bilateral filter of OpenCV's ``cv2.bilateralFilter(image, d=5,
    sigmaColor=sigma_color, sigmaSpace=1.5)`` on float32, compiled with numba (OpenCV not needed).

    Each pixel becomes a weighted mean over the disc of radius 2 around it (13 pixels,
    reflect-101 border):

    .. math:: O_0 = \\frac{I_0 + \\sum_k w_k I_k}{1 + \\sum_k w_k}, \\qquad
              w_k = \\exp\\left(-\\frac{|\\Delta_k|^2}{2 \\cdot 1.5^2}\\right)
                    \\exp\\left(-\\frac{d_k^2}{2 \\sigma_c^2}\\right),

    with ``Delta_k`` the pixel offset and ``d_k`` the intensity difference to the centre; for RGB
    ``d_k`` is the sum of the three channels' absolute differences (L1) and the weight is shared.
    OpenCV reads the range factor from a table (4096 bins per channel over the image's range,
    linearly interpolated); here it is computed directly (a table lookup is a gather, which does
    not vectorise), which differs from the table by its interpolation error, at most
    ``(range / 4096)^2 / (8 sigma_c^2)`` per weight: outputs agree with OpenCV to about 1e-6 for
    ``sigma_c`` of 0.005-0.3 on 0..1 images. ``sigma_color <= 1e-6`` or a constant image
    return a copy, as in OpenCV.

    Parameters
    ----------
    image : array (H, W) or (H, W, 3), finite
    sigma_color : float
        Range sigma, in the image's units.

    Returns
    -------
    ndarray float32, the input's shape.

    References
    ----------
    .. [1] C. Tomasi, R. Manduchi, "Bilateral filtering for gray and color images", Proc. ICCV 1998, 839-846.
    """
    img = np.ascontiguousarray(image, np.float32)
    if not (img.ndim == 2 or (img.ndim == 3 and img.shape[2] == 3)):
        raise ValueError(f"bilateral expects an (H, W) or (H, W, 3) image, got shape {img.shape}")
    sigma_color = float(sigma_color)
    if sigma_color <= 1e-6 or img.size == 0:
        return img.copy()
    if abs(float(img.max()) - float(img.min())) < np.finfo(np.float32).eps:
        return img.copy()
    from napari_maliang.lowlight import _kernels_numba as kernels

    dy, dx, sw = _bilateral_window()
    r = _BILATERAL_RADIUS
    coeff = np.float32(-0.5 / (sigma_color * sigma_color))
    h = img.shape[0]
    if img.ndim == 2:
        padded = np.pad(img, r, mode="reflect")  # OpenCV's BORDER_REFLECT_101 (a 1-pixel side repeats)
        out = np.empty_like(img)
        _in_row_bands(h, img.size, lambda i0, i1: kernels.bilateral_gray(padded, r, dy, dx, sw, coeff, out, i0, i1))
        return out
    planes = [np.pad(img[..., c], r, mode="reflect") for c in range(3)]
    outs = [np.empty(img.shape[:2], np.float32) for _ in range(3)]
    _in_row_bands(h, img.size, lambda i0, i1: kernels.bilateral_rgb(*planes, r, dy, dx, sw, coeff, *outs, i0, i1))
    return np.stack(outs, axis=-1)


def _in_row_bands(h: int, size: int, run) -> None:
    """``run(i0, i1)`` over bands of rows: one band per core on plain threads around the ``nogil``
    kernel, but no band under 2^16 values (as OpenCV's ``parallel_for_``); a small image runs inline."""
    from napari_maliang._shared.threads import run_split

    run_split(h, run, min_block=max(1, -(-(h << 16) // max(size, 1))))  # rows holding 2^16 values
