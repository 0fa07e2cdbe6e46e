"""numba kernel of :func:`.regions.antialiasing_edges` (imported lazily: numba is loaded only when it runs)."""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, nogil=True)
def band_pairs(labels, indices, thick, region_colour, palette, radius, pair_a, pair_b):
    """For every pixel of a thin region: the first two thick regions within ``radius`` pixels (Chebyshev)
    whose colours ``A``, ``B`` have the pixel's colour ``c`` between them, ``(c - A) . (c - B) < 0``; their
    labels go to ``pair_a``, ``pair_b`` (left 0 where there are none)."""
    h, w = labels.shape
    nc = palette.shape[1]
    seen = np.empty((2 * radius + 1) ** 2, np.int64)
    for i in range(h):
        for j in range(w):
            if thick[labels[i, j]]:
                continue
            c = indices[i, j]
            n = 0
            for y in range(max(i - radius, 0), min(i + radius + 1, h)):
                for x in range(max(j - radius, 0), min(j + radius + 1, w)):
                    lab = labels[y, x]
                    if not thick[lab]:
                        continue
                    new = True
                    for k in range(n):
                        if seen[k] == lab:
                            new = False
                            break
                    if new:
                        seen[n] = lab
                        n += 1
            for k1 in range(n):
                a = region_colour[seen[k1]]
                for k2 in range(k1 + 1, n):
                    b = region_colour[seen[k2]]
                    dot = 0.0
                    for ch in range(nc):
                        dot += (palette[c, ch] - palette[a, ch]) * (palette[c, ch] - palette[b, ch])
                    if dot < 0.0 and pair_a[i, j] == 0:
                        pair_a[i, j] = seen[k1]
                        pair_b[i, j] = seen[k2]
