"""Compiled kernel for sequential hit-and-miss thinning (numba; imported lazily by morphology.thin)."""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, nogil=True)
def _code(img, y, x, H, W):  # pragma: no cover - compiled
    # 9-bit neighbourhood code; outside the image counts as background
    c = 0
    b = 0
    for dy in range(-1, 2):
        yy = y + dy
        for dx in range(-1, 2):
            xx = x + dx
            if 0 <= yy < H and 0 <= xx < W and img[yy, xx]:
                c |= 1 << b
            b += 1
    return c


@numba.njit(cache=True, nogil=True)
def sequential_thin(img, codes, max_iter):  # pragma: no cover - compiled
    """Thin ``img`` (uint8 0/1, modified in place) with the element codes ``(fg_bits, bg_bits)``.

    Returns the number of passes made. ``max_iter < 0`` means until stable.
    """
    H, W = img.shape
    ys = np.empty(H * W, dtype=np.int64)
    xs = np.empty(H * W, dtype=np.int64)
    # candidate list: current foreground pixels (thinning only ever removes pixels)
    n = 0
    for y in range(H):
        for x in range(W):
            if img[y, x]:
                ys[n] = y
                xs[n] = x
                n += 1
    rm_y = np.empty(H * W, dtype=np.int64)
    rm_x = np.empty(H * W, dtype=np.int64)
    passes = 0
    while max_iter < 0 or passes < max_iter:
        changed = False
        for e in range(codes.shape[0]):
            fg = codes[e, 0]
            bg = codes[e, 1]
            m = 0
            for i in range(n):
                y = ys[i]
                x = xs[i]
                c = _code(img, y, x, H, W)
                if (c & fg) == fg and (c & bg) == 0:
                    rm_y[m] = y
                    rm_x[m] = x
                    m += 1
            if m:
                changed = True
                for j in range(m):
                    img[rm_y[j], rm_x[j]] = 0
                # compact the candidate list
                k = 0
                for i in range(n):
                    if img[ys[i], xs[i]]:
                        ys[k] = ys[i]
                        xs[k] = xs[i]
                        k += 1
                n = k
        passes += 1
        if not changed:
            if not remove_simple_block_pixels(img):
                break
            # the clean-up can expose new matches: rebuild the candidate list and go on
            n = 0
            for y in range(H):
                for x in range(W):
                    if img[y, x]:
                        ys[n] = y
                        xs[n] = x
                        n += 1
    return passes


@numba.njit(cache=True, nogil=True)
def _at(img, y, x, H, W):  # pragma: no cover - compiled
    if 0 <= y < H and 0 <= x < W and img[y, x]:
        return 1
    return 0


@numba.njit(cache=True, nogil=True)
def _yokoi8(img, y, x, H, W):  # pragma: no cover - compiled
    # Yokoi's 8-connectivity number; 1 means deleting (y, x) keeps the topology (a simple point)
    # neighbours counter-clockwise from the right: R, TR, T, TL, L, BL, B, BR
    n = np.empty(9, dtype=np.int64)
    n[0] = 1 - _at(img, y, x + 1, H, W)
    n[1] = 1 - _at(img, y - 1, x + 1, H, W)
    n[2] = 1 - _at(img, y - 1, x, H, W)
    n[3] = 1 - _at(img, y - 1, x - 1, H, W)
    n[4] = 1 - _at(img, y, x - 1, H, W)
    n[5] = 1 - _at(img, y + 1, x - 1, H, W)
    n[6] = 1 - _at(img, y + 1, x, H, W)
    n[7] = 1 - _at(img, y + 1, x + 1, H, W)
    n[8] = n[0]
    total = 0
    for k in range(0, 8, 2):
        total += n[k] - n[k] * n[k + 1] * n[k + 2]
    return total


@numba.njit(cache=True, nogil=True)
def remove_simple_block_pixels(img):  # pragma: no cover - compiled
    """Final clean-up: delete, one at a time, simple pixels that sit in a 2 x 2 foreground block.

    The hit-and-miss elements cannot see some two-pixel-thick spots; removing their simple
    points (Yokoi number 1, at least 3 foreground neighbours, so never an end point) makes
    the result one pixel wide wherever the topology allows it.
    """
    H, W = img.shape
    any_change = False
    changed = True
    while changed:
        changed = False
        for y in range(H - 1):
            for x in range(W - 1):
                if img[y, x] and img[y + 1, x] and img[y, x + 1] and img[y + 1, x + 1]:
                    for dy in range(2):
                        for dx in range(2):
                            py = y + dy
                            px = x + dx
                            if _yokoi8(img, py, px, H, W) == 1:
                                img[py, px] = 0
                                changed = True
                                any_change = True
                                break
                        if not img[y, x] or not img[y + 1, x] or not img[y, x + 1] or not img[y + 1, x + 1]:
                            break
    return any_change
