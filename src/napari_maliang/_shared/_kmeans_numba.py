"""Compiled Lloyd step for k-means (numba; imported lazily by :mod:`napari_maliang._shared.kmeans`)."""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, nogil=True)
def lloyd_step(feats, centres, labels, sums, counts):  # pragma: no cover - compiled
    """Assign every point to its closest centre and accumulate the new centre sums in one pass.

    ``feats`` (n, d); ``centres`` (k, d); ``labels`` (n,) updated in place; ``sums`` (k, d) and
    ``counts`` (k,) are overwritten. Returns the number of points whose label changed. Ties go to
    the lowest centre index.
    """
    n, d = feats.shape
    k = centres.shape[0]
    sums[:] = 0.0
    counts[:] = 0
    changed = 0
    for i in range(n):
        best = np.inf
        jbest = 0
        for j in range(k):
            dist = 0.0
            for c in range(d):
                diff = feats[i, c] - centres[j, c]
                dist += diff * diff
            if dist < best:
                best = dist
                jbest = j
        if labels[i] != jbest:
            changed += 1
            labels[i] = jbest
        counts[jbest] += 1
        for c in range(d):
            sums[jbest, c] += feats[i, c]
    return changed
