"""Training-set reduction by k-means (paper section III.B).

I_L and I_R are partitioned into ``p x q`` patches; each I_L patch and its spatially matching I_R
patch are flattened and concatenated into one point of dimension ``d = 2 p q``; k-means++ seeding
(Arthur & Vassilvitskii 2007, the paper's ref. [8]) and Lloyd iterations (ref. [7]) reduce the
``N`` points to ``k`` centres, which are the GP's training data.
"""

from __future__ import annotations

import warnings

import numpy as np

from napari_maliang._progress import run_to_end
from napari_maliang._shared.kmeans import kmeans_plus_plus, kmeans_steps

__all__ = ["kmeans", "kmeans_plus_plus", "patch_pairs", "tile_patches"]


def tile_patches(plane: np.ndarray, p: int, q: int) -> np.ndarray:
    """Non-overlapping ``p x q`` tiles of a 2-D plane, flattened row-major: ``(N, p*q)``.

    Pixels that do not fill a whole tile at the right and bottom edges are left out.
    """
    h, w = plane.shape
    nh, nw = h // p, w // q
    t = plane[: nh * p, : nw * q].reshape(nh, p, nw, q).transpose(0, 2, 1, 3)
    return t.reshape(nh * nw, p * q)


def patch_pairs(low: np.ndarray, ref: np.ndarray, *, patch=(3, 3), pooled_channels: bool = True) -> np.ndarray:
    """Data points ``X`` of dimension ``d = 2 p q``: flattened I_L tile, then the matching I_R tile.

    For RGB input with ``pooled_channels`` (the paper's colour model) each channel contributes its
    own tiles, so one GP serves the three channels.

    Raises
    ------
    ValueError
        When the image is smaller than one patch.

    References
    ----------
    .. [1] Y. P. Loh, "A New Framework for Efficient Low-light Image Enhancement using Approximated Gaussian Process", section III.B.
    """
    p, q = patch
    if low.shape[0] < p or low.shape[1] < q:
        raise ValueError(
            f"image of size {low.shape[:2]} is smaller than one {p}x{q} patch; use a smaller patch or a larger image"
        )
    if low.ndim == 2:
        planes = [(low, ref)]
    else:
        planes = [(low[..., c], ref[..., c]) for c in range(low.shape[2])]
    parts = [np.hstack([tile_patches(a, p, q), tile_patches(b, p, q)]) for a, b in planes]
    return np.ascontiguousarray(np.vstack(parts), dtype=np.float32)


def kmeans(
    x: np.ndarray,
    k: int,
    *,
    seed: int = 0,
    max_iter: int = 20,
    max_points: int | None = 4096,
):
    """k-means++ then Lloyd iterations (Euclidean distance, paper section IV.A; :mod:`napari_maliang._shared.kmeans`).

    Parameters
    ----------
    x : ndarray (N, d)
    k : int
        Number of centres. When ``x`` has fewer distinct points than ``k``, ``k`` is reduced to that
        number with a ``UserWarning``.
    seed : int
        Seed of the k-means++ draws and of the subsample.
    max_iter : int
        Lloyd stops after ``max_iter`` rounds, or earlier when no point changes cluster.
    max_points : int or None
        Cluster a seeded random subsample of at most ``max(max_points, 40 k)`` points (the centres
        are means, so a few thousand points fix them well); ``None`` uses all.

    Returns
    -------
    centres : ndarray (k, d)
    labels : ndarray (n_used,) of int
        Labels of the points used (the subsample when one was drawn).

    References
    ----------
    .. [1] Y. P. Loh, "A New Framework for Efficient Low-light Image Enhancement using Approximated Gaussian Process", section III.B.
    .. [2] D. Arthur, S. Vassilvitskii, "k-means++: the advantages of careful seeding", Proc. SODA 2007, 1027-1035.
    """
    x = np.asarray(x, dtype=np.float32)
    if x.ndim != 2 or x.shape[0] == 0:
        raise ValueError(f"expected a non-empty (N, d) array of points, got shape {x.shape}")
    k = int(k)
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    rng = np.random.default_rng(seed)
    if max_points is not None and x.shape[0] > max(max_points, 40 * k):
        x = x[rng.choice(x.shape[0], size=max(max_points, 40 * k), replace=False)]
    if k > x.shape[0]:
        warnings.warn(
            f"k={k} is larger than the number of training patches ({x.shape[0]}); using k={x.shape[0]}",
            UserWarning,
            stacklevel=2,
        )
        k = x.shape[0]
    centres = kmeans_plus_plus(x, k, rng)
    if len(centres) < k:
        warnings.warn(
            f"only {len(centres)} distinct training patches for k={k}; using k={len(centres)}",
            UserWarning,
            stacklevel=2,
        )
    centres, labels = run_to_end(kmeans_steps(x, centres, max_iter=max_iter))
    return centres.astype(np.float32), labels
