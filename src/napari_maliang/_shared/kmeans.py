"""k-means with k-means++ seeding, shared by the segmentation toolbox and the low-light training-set reduction.

Arthur & Vassilvitskii 2007 (k-means++; the low-light paper's ref. [8]) and Lloyd's iterations (its ref. [7]; the
segmentation lecture's "K-Means clustering"). The Lloyd step is compiled (numba, imported on first use): one pass
over the points assigns each to its nearest centre and accumulates the new centres, with no ``(n, k)`` distance
matrix. The dequantization benchmark's k-means quantizer is not this one on purpose: it reproduces SciPy's, as a
user's tool would make the palette.
"""

from __future__ import annotations

from collections.abc import Generator

import numpy as np

from napari_maliang._progress import Progress

__all__ = ["kmeans_plus_plus", "kmeans_steps"]


def kmeans_plus_plus(x: np.ndarray, k: int, rng: np.random.Generator, *, sample: int | None = None) -> np.ndarray:
    """k-means++ seeding: the first centre uniform, each next one drawn with probability proportional to ``D(x)^2``.

    Parameters
    ----------
    x : ndarray (n, d)
    k : int
    rng : numpy.random.Generator
    sample : int, optional
        Draw from a random subset of at most this many points (the draws cost ``O(sample)`` each).

    Returns
    -------
    ndarray (m, d)
        ``m = k`` centres, or fewer when ``x`` has fewer than ``k`` distinct points. When the subset runs out
        of distinct points first, the rest are drawn from the distinct points of ``x`` not yet taken.

    Examples
    --------
    >>> points = np.array([[0.0, 0.0], [0.0, 0.1], [5.0, 5.0], [5.1, 5.0]])
    >>> centres = kmeans_plus_plus(points, 2, np.random.default_rng(0))
    >>> sorted(int(c[0] > 2) for c in centres)  # one centre per group
    [0, 1]
    """
    pts = x if sample is None or x.shape[0] <= sample else x[rng.choice(x.shape[0], size=sample, replace=False)]
    centres = np.empty((k, x.shape[1]), dtype=np.float64)
    centres[0] = pts[rng.integers(pts.shape[0])]
    d2 = ((pts - centres[0]) ** 2).sum(axis=1)
    for j in range(1, k):
        total = float(d2.sum())
        if total > 0.0:
            idx = int(np.searchsorted(np.cumsum(d2, dtype=np.float64), rng.random() * total))
            centres[j] = pts[min(idx, pts.shape[0] - 1)]
        else:  # the subset has no distinct point left: take an unused distinct point of the whole set
            unused = np.flatnonzero(((x[:, None, :] - centres[None, :j, :]) ** 2).sum(-1).min(1) > 0)
            if unused.size == 0:
                return centres[:j]
            centres[j] = x[unused[rng.integers(unused.size)]]
        np.minimum(d2, ((pts - centres[j]) ** 2).sum(axis=1), out=d2)
    return centres


def kmeans_steps(
    x: np.ndarray, centres: np.ndarray, *, max_iter: int, message: str = "k-means"
) -> Generator[Progress, None, tuple[np.ndarray, np.ndarray]]:
    """Lloyd's iterations from ``centres`` until no point changes cluster or ``max_iter`` rounds; an empty
    cluster is re-seeded at the point farthest from its centre. Yields :class:`Progress` per round.

    Returns
    -------
    centres : ndarray (k, d) float64
    labels : ndarray (n,) of intp
    """
    from napari_maliang._shared._kmeans_numba import lloyd_step

    x = np.ascontiguousarray(x, dtype=np.float64)
    centres = np.array(centres, dtype=np.float64)
    k = centres.shape[0]
    labels = np.full(x.shape[0], -1, dtype=np.intp)
    sums = np.zeros_like(centres)
    counts = np.zeros(k, dtype=np.int64)
    for it in range(max_iter):
        changed = lloyd_step(x, centres, labels, sums, counts)
        if changed == 0:
            break
        empty = counts == 0
        centres[~empty] = sums[~empty] / counts[~empty, None]
        if empty.any():
            dist = ((x - centres[labels]) ** 2).sum(axis=1)
            for j in np.flatnonzero(empty):
                far = int(np.argmax(dist))
                centres[j] = x[far]
                dist[far] = -1.0
        yield Progress(it + 1, max_iter, f"{message}: iteration {it + 1}, {changed} points moved")
    return centres, labels
