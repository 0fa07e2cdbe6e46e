"""numba kernel of :func:`.flat.flat_regions` (imported lazily: numba is loaded only when it runs)."""

from __future__ import annotations

import numba


@numba.njit(cache=True, nogil=True)
def border_counts(labels, soft_h, soft_v, soft, border):
    """Add to ``soft[r]`` and ``border[r]`` (int64, by label) the soft and all edges between region ``r`` and
    another region, in one pass over the horizontal and vertical 4-neighbour pairs."""
    h, w = labels.shape
    for i in range(h):
        for j in range(w):
            p = labels[i, j]
            if j + 1 < w:
                q = labels[i, j + 1]
                if q != p:
                    border[p] += 1
                    border[q] += 1
                    if soft_h[i, j]:
                        soft[p] += 1
                        soft[q] += 1
            if i + 1 < h:
                q = labels[i + 1, j]
                if q != p:
                    border[p] += 1
                    border[q] += 1
                    if soft_v[i, j]:
                        soft[p] += 1
                        soft[q] += 1
