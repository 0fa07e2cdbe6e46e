"""numba kernel of :func:`.flat.flat_regions` (imported lazily: numba is loaded only when it runs)."""

from __future__ import annotations

import numba


@numba.njit(inline="always")
def _count_edge(p, q, is_soft, counted, soft, border):
    """One 4-neighbour pair of labels ``p != q``: an edge of both regions, soft for both when it is soft and both
    regions are counted."""
    border[p] += 1
    border[q] += 1
    if is_soft and counted[p] and counted[q]:
        soft[p] += 1
        soft[q] += 1


@numba.njit(cache=True, nogil=True)
def border_counts(labels, soft_h, soft_v, counted, soft, border):
    """Add to ``soft[r]`` and ``border[r]`` (int64, by label) the soft edges between region ``r`` and another
    region when both are ``counted`` (bool, by label), and all its edges with another region, in one pass
    over the horizontal and vertical 4-neighbour pairs (only pairs of two regions are looked at further)."""
    h, w = labels.shape
    for i in range(h):
        for j in range(w):
            p = labels[i, j]
            if j + 1 < w and labels[i, j + 1] != p:
                _count_edge(p, labels[i, j + 1], soft_h[i, j], counted, soft, border)
            if i + 1 < h and labels[i + 1, j] != p:
                _count_edge(p, labels[i + 1, j], soft_v[i, j], counted, soft, border)
