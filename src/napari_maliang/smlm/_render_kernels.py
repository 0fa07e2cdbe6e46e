"""Numba kernels for :mod:`napari_maliang.smlm.rendering` (imported lazily: this module imports numba).

Every localization is drawn as a separable Gaussian of its own width, sampled at output-pixel
centres and normalized to unit mass (or, for the histogram, counted in its pixel).

Speed: the output image is usually far larger than the CPU caches and localizations come in
random spatial order, so writing them in table order is dominated by cache misses. Each
thread therefore takes its share of the points in chunks, bucket-sorts every chunk by tile of
``TILE x TILE`` output pixels (a counting sort, O(n)) and then draws tile after tile, so the
pixels being written stay in cache. Each thread adds into its own buffer (no write races); the caller sums
the buffers. The kernels read the table's columns as they are (camera pixels).
"""

from __future__ import annotations

import math

import numba
import numpy as np

TILE = 32
CHUNK = 1 << 21


@numba.njit(cache=True, nogil=True, fastmath=True, inline="always")
def _splat_one(img, y, x, sy, sx, wy, wx, wx32, max_radius):
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
    norm = _weights(wy, y - (cy + 0.5), sy, ry) * _weights(wx, x - (cx + 0.5), sx, rx)
    norm = 1.0 / norm
    for d in range(2 * rx + 1):
        wx32[d] = wx[d] * norm
    for row in range(row0, row1):
        w = np.float32(wy[row - cy + ry])
        for col in range(col0, col1):
            img[row, col] += w * wx32[col - cx + rx]


@numba.njit(cache=True, nogil=True, fastmath=True, inline="always")
def _weights(w, f, s, r):
    """``w[r + d] = exp(-(d - f)^2 / (2 s^2))`` up to a common factor, for d in -r..r; returns their sum.

    exp(-a (d - f)^2) = exp(-a f^2) * P^(d^2) * E^d with P = exp(-a), E = exp(2 a f): two
    exponentials per localization and axis, the rest by products (the constant factor cancels
    in the normalization).
    """
    a = 0.5 / (s * s)
    p = math.exp(-a)
    e = math.exp(2.0 * a * f)
    e_inv = 1.0 / e
    p2 = p * p
    w[r] = 1.0
    total = 1.0
    h = 1.0  # P^(d^2)
    m = p  # P^(2d + 1)
    ep = 1.0
    em = 1.0
    for d in range(1, r + 1):
        h *= m
        m *= p2
        ep *= e
        em *= e_inv
        hi = h * ep
        lo = h * em
        w[r + d] = hi
        w[r - d] = lo
        total += hi + lo
    return total


@numba.njit(cache=True, nogil=True)
def _draw_share(img, ys, xs, sys, sxs, start, stop, inv_ps, s_min, s_max, s_default, max_radius, gaussian):
    height, width = img.shape
    if not gaussian:  # one write per point: sorting costs more than the cache misses it saves
        for k in range(start, stop):
            y = (ys[k] + 0.5) * inv_ps
            x = (xs[k] + 0.5) * inv_ps
            if y >= 0.0 and x >= 0.0 and y < height and x < width:  # NaN fails every comparison
                img[int(y), int(x)] += 1.0
        return
    n_tiles_y = height // TILE + 3
    n_tiles_x = width // TILE + 3
    n_bands = n_tiles_y * n_tiles_x
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
    wx32 = np.empty(2 * max_radius + 1, dtype=np.float32)
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
            b = min(max(int(y) // TILE + 1, 0), n_tiles_y - 1) * n_tiles_x + min(max(int(x) // TILE + 1, 0), n_tiles_x - 1)
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
                _splat_one(img, oy[j], ox[j], osy[j], osx[j], wy, wx, wx32, max_radius)
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
