"""numba kernel of :func:`.flat.flat_regions` (imported lazily: numba is loaded only when it runs)."""

from __future__ import annotations

import numba


@numba.njit(inline="always")
def _count_edge(p, q, is_soft, soft, border):
    """One 4-neighbour pair of labels ``p``, ``q``: an edge of both regions when they differ."""
    if q != p:
        border[p] += 1
        border[q] += 1
        if is_soft:
            soft[p] += 1
            soft[q] += 1


@numba.njit(cache=True, nogil=True)
def border_counts(labels, soft_h, soft_v, soft, border):
    """Add to ``soft[r]`` and ``border[r]`` (int64, by label) the soft and all edges between region ``r`` and
    another region, in one pass over the horizontal and vertical 4-neighbour pairs."""
    h, w = labels.shape
    for i in range(h):
        for j in range(w):
            if j + 1 < w:
                _count_edge(labels[i, j], labels[i, j + 1], soft_h[i, j], soft, border)
            if i + 1 < h:
                _count_edge(labels[i, j], labels[i + 1, j], soft_v[i, j], soft, border)
