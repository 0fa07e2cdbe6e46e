"""Numba kernels for :mod:`napari_maliang.smlm.render` (imported lazily: this module imports numba).

Every localization is drawn as a separable Gaussian of its own width, sampled at output-pixel
centres and normalized to unit mass (or, for the histogram, counted in its pixel).

Speed: the output image is usually far larger than the CPU caches and localizations come in
random spatial order, so writing them in table order is dominated by cache misses. Each
thread therefore takes its share of the points in chunks, bucket-sorts every chunk by band of
``BAND`` output rows (a counting sort, O(n)) and then draws band after band, so the rows being
written stay in cache. Each thread adds into its own buffer (no write races); the caller sums
the buffers. The kernels read the table's columns as they are (camera pixels).
"""

from __future__ import annotations

import math

import numba
import numpy as np

BAND = 16
CHUNK = 1 << 18


@numba.njit(cache=True, nogil=True, fastmath=True, inline="always")
def _splat_one(img, y, x, sy, sx, wy, wx, max_radius):
    height, width = img.shape
    ry = min(max_radius, int(3.0 * sy) + 1)
    rx = min(max_radius, int(3.0 * sx) + 1)
    cy = int(math.floor(y))
    cx = int(math.floor(x))
    row0 = max(0, cy - ry)
    row1 = min(height, cy + ry + 1)
    col0 = max(0, cx - rx)
    col1 = min(width, cx + rx + 1)
    if row0 >= row1 or col0 >= col1:
        return
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


@numba.njit(cache=True, nogil=True)
def _draw_share(img, ys, xs, sys, sxs, start, stop, inv_ps, s_min, s_max, s_default, max_radius, gaussian):
    height, width = img.shape
    n_bands = height // BAND + 3
    chunk = min(CHUNK, max(1, stop - start))
    band_of = np.empty(chunk, dtype=np.int32)
    ty = np.empty(chunk, dtype=np.float64)
    tx = np.empty(chunk, dtype=np.float64)
    tsy = np.empty(chunk, dtype=np.float32)
    tsx = np.empty(chunk, dtype=np.float32)
    oy = np.empty(chunk, dtype=np.float64)
    ox = np.empty(chunk, dtype=np.float64)
    osy = np.empty(chunk, dtype=np.float32)
    osx = np.empty(chunk, dtype=np.float32)
    counts = np.zeros(n_bands + 1, dtype=np.int64)
    wy = np.empty(2 * max_radius + 1)
    wx = np.empty(2 * max_radius + 1)
    c0 = start
    while c0 < stop:
        c1 = min(stop, c0 + chunk)
        m = 0
        counts[:] = 0
        for k in range(c0, c1):
            # camera pixels -> output pixels, output pixel i covering [i, i + 1)
            y = (ys[k] + 0.5) * inv_ps
            x = (xs[k] + 0.5) * inv_ps
            if not (math.isfinite(y) and math.isfinite(x)):
                continue
            if gaussian:
                sy = sys[k]
                sx = sxs[k]
                if not (sy > 0.0 and sy < math.inf):
                    sy = s_default
                if not (sx > 0.0 and sx < math.inf):
                    sx = s_default
                sy = min(max(sy, s_min), s_max) * inv_ps
                sx = min(max(sx, s_min), s_max) * inv_ps
                reach_y = 3.0 * sy + 2.0
                reach_x = 3.0 * sx + 2.0
            else:
                sy = 0.0
                sx = 0.0
                reach_y = 0.0
                reach_x = 0.0
                if y < 0.0 or x < 0.0 or y >= height or x >= width:
                    continue
            if y < -reach_y or x < -reach_x or y > height + reach_y or x > width + reach_x:
                continue
            b = min(max(int(y) // BAND + 1, 0), n_bands - 1)
            band_of[m] = b
            ty[m] = y
            tx[m] = x
            tsy[m] = sy
            tsx[m] = sx
            counts[b + 1] += 1
            m += 1
        for b in range(1, n_bands + 1):
            counts[b] += counts[b - 1]
        for j in range(m):
            b = band_of[j]
            p = counts[b]
            counts[b] += 1
            oy[p] = ty[j]
            ox[p] = tx[j]
            osy[p] = tsy[j]
            osx[p] = tsx[j]
        if gaussian:
            for j in range(m):
                _splat_one(img, oy[j], ox[j], osy[j], osx[j], wy, wx, max_radius)
        else:
            for j in range(m):
                img[int(oy[j]), int(ox[j])] += 1.0
        c0 = c1


@numba.njit(cache=True, parallel=True, nogil=True)
def draw(buffers, ys, xs, sys, sxs, inv_ps, s_min, s_max, s_default, max_radius, gaussian):
    """Draw points into ``buffers`` (``(n_threads, H, W)``), one share of the points per buffer.

    ``ys, xs`` camera pixels; ``inv_ps`` = 1 / output pixel size (camera pixels). With
    ``gaussian``: unit-mass Gaussians of standard deviations ``sys, sxs`` (camera pixels;
    non-positive or non-finite ones take ``s_default``; all clipped to ``[s_min, s_max]``);
    otherwise a histogram (``sys, sxs`` unused).
    """
    n_threads = buffers.shape[0]
    n = ys.shape[0]
    step = (n + n_threads - 1) // n_threads
    for t in numba.prange(n_threads):
        start = t * step
        stop = min(n, start + step)
        if start < stop:
            _draw_share(buffers[t], ys, xs, sys, sxs, start, stop, inv_ps, s_min, s_max, s_default, max_radius,
                        gaussian)
