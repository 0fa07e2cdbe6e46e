"""Colour conversion shared by the tools: ITU-R BT.601 full-range YCbCr, the transform of JPEG (JFIF)."""

from __future__ import annotations

import numpy as np

__all__ = ["YCBCR_MATRIX", "rgb_to_ycbcr", "ycbcr_to_rgb"]

#: rows Y, Cb, Cr of the BT.601 full-range transform (JFIF; Cb and Cr before their offset)
YCBCR_MATRIX = np.array([[0.299, 0.587, 0.114], [-0.168736, -0.331264, 0.5], [0.5, -0.418688, -0.081312]])
_INVERSE = np.linalg.inv(YCBCR_MATRIX)


def rgb_to_ycbcr(rgb, *, offset: float, dtype=np.float64) -> np.ndarray:
    """RGB (channels last) to YCbCr: ``Y`` on the RGB scale, ``Cb`` and ``Cr`` centred on ``offset`` (128 for
    8-bit values as in JPEG, 0.5 on 0..1), computed in ``dtype``.

    Examples
    --------
    >>> rgb_to_ycbcr(np.array([255.0, 255.0, 255.0]), offset=128).round(6).tolist()
    [255.0, 128.0, 128.0]
    """
    out = np.asarray(rgb, dtype=dtype) @ YCBCR_MATRIX.T.astype(dtype)
    out[..., 1:] += offset
    return out


def ycbcr_to_rgb(ycc, *, offset: float, dtype=np.float64) -> np.ndarray:
    """Inverse of :func:`rgb_to_ycbcr` (not clipped)."""
    tmp = np.array(ycc, dtype=dtype, copy=True)
    tmp[..., 1:] -= offset
    return tmp @ _INVERSE.T.astype(dtype)
