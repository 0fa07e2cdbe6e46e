"""Seeded region growing (lecture "Image Segmentation": region growing among the segmentation techniques).

The compiled growing loop is :mod:`._region_numba`, imported on first use (numba).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from napari_maliang._shared.options import REQUIRED, Options, option, takes_options
from napari_maliang._shared.validate import gray_float

__all__ = ["RegionGrowOptions", "region_grow"]


@dataclass(frozen=True)
class RegionGrowOptions(Options):
    """Options of :func:`region_grow` (lecture, region growing)."""

    references = (
        ".. [1] S. Yu, *Image Segmentation*, lecture notes (module INT302), Xi'an Jiaotong-Liverpool University: region growing."
    )

    tolerance: float = option(
        REQUIRED,
        "Largest allowed difference to the running region mean, in the image's units; 0 grows only the plateau "
        "of pixels equal to the seed's value.",
        low=0,
        step=1.0,
    )
    connectivity: int = option(4, "Neighbourhood used for growing.", choices=(4, 8))


@takes_options(RegionGrowOptions)
def region_grow(image, seeds, *, opts: RegionGrowOptions) -> np.ndarray:
    """Seeded region growing with a running region mean.

    Every seed starts a region. A region takes a 4- (or 8-) connected neighbour pixel ``p``
    that belongs to no region yet when ``|f(p) - mean(region)| <= tolerance``, where
    ``mean(region)`` is the running mean of the pixels taken so far (updated after every
    pixel). Regions grow breadth-first, one after the other in the order of ``seeds``; a
    pixel taken by an earlier region is not taken again.

    Parameters
    ----------
    image : array_like
        2-D grayscale image; RGB is converted to luminance.
    seeds : array_like of shape (n, 2)
        ``(row, col)`` seed positions (napari Points data order), rounded to the nearest pixel.
    {options}

    Returns
    -------
    ndarray of int32, shape (H, W)
        0 for unassigned pixels, ``i + 1`` for the region of ``seeds[i]``.

    Raises
    ------
    ValueError
        Seeds outside the image, negative or non-finite tolerance, bad connectivity, and the
        image checks (empty, NaN/inf, 3-D stacks).
    """
    gray, _ = gray_float(image)
    tolerance, connectivity = opts.tolerance, opts.connectivity
    pts = np.asarray(seeds, dtype=np.float64)
    if pts.size == 0:
        raise ValueError("no seeds given: add at least one seed point (row, col) inside the image")
    if pts.ndim == 1 and pts.size == 2:
        pts = pts[None, :]
    if pts.ndim != 2 or pts.shape[1] != 2:
        raise ValueError(f"seeds must be an (n, 2) array of (row, col) positions, got shape {pts.shape}")
    if not np.isfinite(pts).all():
        raise ValueError("seeds contain NaN/inf coordinates")
    H, W = gray.shape
    rc = np.rint(pts).astype(np.int64)
    outside = (rc[:, 0] < 0) | (rc[:, 0] >= H) | (rc[:, 1] < 0) | (rc[:, 1] >= W)
    if outside.any():
        bad = ", ".join(f"#{i} at ({pts[i, 0]:g}, {pts[i, 1]:g})" for i in np.flatnonzero(outside)[:5])
        raise ValueError(
            f"{int(outside.sum())} seed(s) lie outside the image of shape ({H}, {W}): {bad}; "
            "seeds are (row, col) and must satisfy 0 <= row < H, 0 <= col < W"
        )
    if tolerance == 0:
        warnings.warn(
            "tolerance=0: each region grows only over connected pixels exactly equal to its seed's value",
            UserWarning,
            stacklevel=2,
        )
    labels = np.zeros((H, W), dtype=np.int32)
    f = np.ascontiguousarray(gray, dtype=np.float64)
    if connectivity == 4:
        dy = np.array([-1, 1, 0, 0], dtype=np.int64)
        dx = np.array([0, 0, -1, 1], dtype=np.int64)
    else:
        dy = np.array([-1, -1, -1, 0, 0, 1, 1, 1], dtype=np.int64)
        dx = np.array([-1, 0, 1, -1, 1, -1, 0, 1], dtype=np.int64)
    from napari_maliang.segment._region_numba import grow

    grow(f, labels, rc, tolerance, dy, dx)
    return labels
