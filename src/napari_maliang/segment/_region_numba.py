"""Compiled loop of seeded region growing (numba; imported lazily by :mod:`napari_maliang.segment.region`)."""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, nogil=True)
def grow(f, labels, seeds, tolerance, dy, dx):  # pragma: no cover - compiled
    H, W = f.shape
    queue = np.empty(H * W, dtype=np.int64)
    # tiny slack so that "== tolerance" survives the running-mean round-off
    tol = tolerance + 1e-12 * max(1.0, abs(tolerance))
    for i in range(seeds.shape[0]):
        label = i + 1
        sy, sx = seeds[i, 0], seeds[i, 1]
        if labels[sy, sx] != 0:
            continue
        labels[sy, sx] = label
        total = f[sy, sx]
        count = 1.0
        head = 0
        tail = 0
        queue[tail] = sy * W + sx
        tail += 1
        while head < tail:
            p = queue[head]
            head += 1
            y = p // W
            x = p - y * W
            for k in range(dy.shape[0]):
                ny = y + dy[k]
                nx = x + dx[k]
                if ny < 0 or ny >= H or nx < 0 or nx >= W or labels[ny, nx] != 0:
                    continue
                if abs(f[ny, nx] - total / count) <= tol:
                    labels[ny, nx] = label
                    total += f[ny, nx]
                    count += 1.0
                    queue[tail] = ny * W + nx
                    tail += 1
