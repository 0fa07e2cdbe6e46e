"""Numba kernels for :mod:`napari_maliang.smlm.render` (imported lazily: this module imports numba).

Every localization is drawn as a separable Gaussian of its own width, sampled at output-pixel
centres and normalized to unit mass. The points are split into one contiguous chunk per
thread and each thread adds into its own buffer (no write races); the caller sums them.
The kernels read the table's columns as they are (camera pixels) to avoid temporaries.
"""

from __future__ import annotations

import math

import numba
import numpy as np


@numba.njit(cache=True, nogil=True, fastmath=False)
def _splat_range(img, ys, xs, sys, sxs, start, stop, inv_ps, s_min, s_max, s_default, max_radius):
    height, width = img.shape
    wy = np.empty(2 * max_radius + 1)
    wx = np.empty(2 * max_radius + 1)
    for k in range(start, stop):
        # camera pixels -> output pixels, pixel i covering [i, i + 1)
        y = (ys[k] + 0.5) * inv_ps
        x = (xs[k] + 0.5) * inv_ps
        if not (math.isfinite(y) and math.isfinite(x)):
            continue
        sy = sys[k]
        sx = sxs[k]
        if not (sy > 0.0 and sy < math.inf):
            sy = s_default
        if not (sx > 0.0 and sx < math.inf):
            sx = s_default
        sy = min(max(sy, s_min), s_max) * inv_ps
        sx = min(max(sx, s_min), s_max) * inv_ps
        ry = min(max_radius, int(3.0 * sy) + 1)
        rx = min(max_radius, int(3.0 * sx) + 1)
        if y < -ry - 1.0 or x < -rx - 1.0 or y > height + ry + 1.0 or x > width + rx + 1.0:
            continue
        cy = int(math.floor(y))
        cx = int(math.floor(x))
        row0 = max(0, cy - ry)
        row1 = min(height, cy + ry + 1)
        col0 = max(0, cx - rx)
        col1 = min(width, cx + rx + 1)
        if row0 >= row1 or col0 >= col1:
            continue
        a = 0.5 / (sy * sy)
        t0 = (cy - ry + 0.5) - y
        total = 0.0
        for d in range(2 * ry + 1):
            t = t0 + d
            g = math.exp(-a * t * t)
            wy[d] = g
            total += g
        norm = 1.0 / total
        a = 0.5 / (sx * sx)
        t0 = (cx - rx + 0.5) - x
        total = 0.0
        for d in range(2 * rx + 1):
            t = t0 + d
            g = math.exp(-a * t * t)
            wx[d] = g
            total += g
        norm /= total
        for row in range(row0, row1):
            w = wy[row - cy + ry] * norm
            for col in range(col0, col1):
                img[row, col] += w * wx[col - cx + rx]


@numba.njit(cache=True, parallel=True, nogil=True)
def splat_gaussians(buffers, ys, xs, sys, sxs, inv_ps, s_min, s_max, s_default, max_radius):
    """Add unit-mass Gaussians into ``buffers`` (``(n_threads, H, W)``), one chunk of points per buffer.

    ``ys, xs`` camera pixels; ``sys, sxs`` standard deviations in camera pixels (non-positive or
    non-finite ones take ``s_default``; all are clipped to ``[s_min, s_max]``); ``inv_ps`` is
    1 / output pixel size.
    """
    n_chunks = buffers.shape[0]
    n = ys.shape[0]
    step = (n + n_chunks - 1) // n_chunks
    for c in numba.prange(n_chunks):
        start = c * step
        stop = min(n, start + step)
        if start < stop:
            _splat_range(buffers[c], ys, xs, sys, sxs, start, stop, inv_ps, s_min, s_max, s_default, max_radius)


@numba.njit(cache=True, nogil=True)
def _count_range(img, ys, xs, start, stop, inv_ps, offset):
    height, width = img.shape
    for k in range(start, stop):
        y = (ys[k] + 0.5) * inv_ps + offset
        x = (xs[k] + 0.5) * inv_ps + offset
        # comparisons first: NaN fails them all
        if y >= 0.0 and x >= 0.0 and y < height and x < width:
            img[int(y), int(x)] += 1.0


@numba.njit(cache=True, parallel=True, nogil=True)
def count_points(buffers, ys, xs, inv_ps, offset):
    """Histogram of camera-pixel ``(ys, xs)`` into ``buffers`` (one per thread) of pixel ``1 / inv_ps``.

    ``offset`` (output pixels) shifts the grid (for the average shifted histogram).
    """
    n_chunks = buffers.shape[0]
    n = ys.shape[0]
    step = (n + n_chunks - 1) // n_chunks
    for c in numba.prange(n_chunks):
        start = c * step
        stop = min(n, start + step)
        if start < stop:
            _count_range(buffers[c], ys, xs, start, stop, inv_ps, offset)
