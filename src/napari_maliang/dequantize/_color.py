"""sRGB (D65) <-> CIE-Lab conversions, vectorised with numba for whole images.

The palette is converted once; only the per-pixel back-conversion of the result runs over
every pixel (and the re-quantization check over the few pixels it had to clip), so they are
compiled loops.
"""

from __future__ import annotations

import numba
import numpy as np

_XN, _YN, _ZN = 0.95047, 1.0, 1.08883
M = np.array(  # sRGB (linear) -> XYZ (D65)
    [[0.412453, 0.357580, 0.180423], [0.212671, 0.715160, 0.072169], [0.019334, 0.119193, 0.950227]]
)
_MINV = np.linalg.inv(M)


@numba.njit(cache=True, inline="always")
def _lin(c):
    return ((c + 0.055) / 1.055) ** 2.4 if c > 0.04045 else c / 12.92


@numba.njit(cache=True, inline="always")
def _gam(c):
    return 1.055 * c ** (1.0 / 2.4) - 0.055 if c > 0.0031308 else 12.92 * c


@numba.njit(cache=True, inline="always")
def _f(t):
    return t ** (1.0 / 3.0) if t > 0.008856451679035631 else 7.787037037037037 * t + 16.0 / 116.0


@numba.njit(cache=True, inline="always")
def _finv(t):
    return t**3 if t > 0.20689655172413793 else (t - 16.0 / 116.0) / 7.787037037037037


@numba.njit(cache=True, inline="always")
def rgb2lab_pixel(rgb, m, out):
    """One sRGB colour (3 values in [0, 1]) -> CIE-Lab into ``out`` (``m``: the matrix ``M``)."""
    r = _lin(rgb[0])
    g = _lin(rgb[1])
    b = _lin(rgb[2])
    x = (m[0, 0] * r + m[0, 1] * g + m[0, 2] * b) / _XN
    y = (m[1, 0] * r + m[1, 1] * g + m[1, 2] * b) / _YN
    z = (m[2, 0] * r + m[2, 1] * g + m[2, 2] * b) / _ZN
    fx, fy, fz = _f(x), _f(y), _f(z)
    out[0] = 116.0 * fy - 16.0
    out[1] = 500.0 * (fx - fy)
    out[2] = 200.0 * (fy - fz)


@numba.njit(cache=True, nogil=True)
def _rgb2lab(rgb, m, out):
    for i in range(rgb.shape[0]):
        rgb2lab_pixel(rgb[i], m, out[i])


@numba.njit(cache=True, nogil=True)
def _lab2rgb(lab, minv, out):
    for i in range(lab.shape[0]):
        fy = (lab[i, 0] + 16.0) / 116.0
        fx = fy + lab[i, 1] / 500.0
        fz = fy - lab[i, 2] / 200.0
        x = _finv(fx) * _XN
        y = _finv(fy) * _YN
        z = _finv(fz) * _ZN
        for c in range(3):
            v = minv[c, 0] * x + minv[c, 1] * y + minv[c, 2] * z
            out[i, c] = _gam(v)  # unclipped: below 0 _gam is linear, above 1 it keeps growing


def rgb2lab(rgb: np.ndarray) -> np.ndarray:
    """sRGB in [0, 1], shape ``(..., 3)`` -> CIE-Lab (D65), float64."""
    rgb = np.ascontiguousarray(rgb, dtype=np.float64)
    flat = rgb.reshape(-1, 3)
    out = np.empty_like(flat)
    _rgb2lab(flat, M, out)
    return out.reshape(rgb.shape)


def lab2rgb(lab: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """CIE-Lab (D65) -> sRGB clipped to [0, 1] (float64, ``(..., 3)``) and where clipping changed the colour."""
    lab = np.ascontiguousarray(lab, dtype=np.float64)
    flat = lab.reshape(-1, 3)
    out = np.empty_like(flat)
    _lab2rgb(flat, _MINV, out)
    clipped = ((out < 0.0) | (out > 1.0)).any(axis=1)
    np.clip(out, 0.0, 1.0, out=out)
    return out.reshape(lab.shape), clipped.reshape(lab.shape[:-1])
