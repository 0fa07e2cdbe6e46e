"""Segmentation as clustering: k-means on colour (3-D) or colour + position (5-D) features.

Lecture "Image Segmentation", sections "Segmentation as clustering" and "K-Means clustering".
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass

import numpy as np

from napari_maliang._progress import Progress
from napari_maliang._shared.kmeans import kmeans_plus_plus, kmeans_steps
from napari_maliang._shared.options import Options, option, run_steps, takes_options
from napari_maliang._shared.validate import check_2d, check_finite

__all__ = ["KMeansOptions", "kmeans_segment", "kmeans_segment_steps", "pixel_features"]


@dataclass(frozen=True)
class KMeansOptions(Options):
    """Options of :func:`kmeans_segment` (lecture, "K-Means clustering")."""

    references = (
        '.. [1] S. Yu, *Image Segmentation*, lecture notes (module INT302), Xi\'an Jiaotong-Liverpool University: "Segmentation as clustering", "K-Means clustering".\n'
        '.. [2] D. Arthur, S. Vassilvitskii, "k-means++: the advantages of careful seeding", Proc. SODA 2007, 1027-1035.'
    )

    k: int = option(
        3,
        "Number of clusters, at most the number of distinct feature vectors (distinct colours unless use_position).",
        symbol="k",
        low=1,
        label="clusters",
        flag="-k",
    )
    use_position: bool = option(
        False, "Add the pixel position to the features (5-D for colour).", flag="--position", label="add position"
    )
    position_weight: float = option(
        1.0, "Weight of position relative to colour (both scaled to about 0..1).", low=0, step=0.1
    )
    seed: int = option(0, "Seed of k-means++ (results are reproducible).", low=0)
    max_iter: int = option(100, "Maximum number of assignment/update rounds.", low=1)
    sample: int | None = option(
        200_000, "k-means++ seeding draws from at most this many randomly chosen pixels.", low=1, none="all pixels"
    )


def pixel_features(image, *, use_position: bool = False, position_weight: float = 1.0) -> np.ndarray:
    """Feature vector of every pixel, shape ``(H * W, d)``.

    Colour (``d = 3``; 1 for grayscale) is scaled by the image's value range to 0..1. With
    ``use_position`` the pixel's ``(row, col)`` divided by ``max(H, W)`` and multiplied by
    ``position_weight`` is appended (``d = 5`` for colour, the lecture's "color+location: 5d").

    References
    ----------
    .. [1] S. Yu, *Image Segmentation*, lecture notes (module INT302), Xi'an Jiaotong-Liverpool University: "Segmentation as clustering" (colour: 3-D, colour + location: 5-D).
    """
    image = _check_image(image)
    H, W = image.shape[:2]
    colour = image.reshape(H * W, -1).astype(np.float64)
    lo, hi = colour.min(), colour.max()
    colour = (colour - lo) / (hi - lo) if hi > lo else colour - lo
    if not use_position:
        return colour
    yy, xx = np.mgrid[0:H, 0:W]
    scale = float(position_weight) / max(H, W)
    pos = np.column_stack((yy.ravel() * scale, xx.ravel() * scale))
    return np.hstack((colour, pos))


def _check_image(image) -> np.ndarray:
    image = np.asarray(image)
    if image.dtype.kind not in "buif":
        raise TypeError(f"expected a numeric image, got dtype {image.dtype}")
    if image.ndim == 3 and image.shape[-1] in (3, 4):
        image = image[..., :3]
        if image.size == 0:
            raise ValueError(f"image is empty (shape {image.shape}); give an image with at least one pixel")
    else:
        check_2d(image)
    check_finite(image)
    return image


@takes_options(KMeansOptions, positional=("k",))
def kmeans_segment_steps(image, *, opts: KMeansOptions) -> Generator[Progress, None, np.ndarray]:
    """k-means segmentation (lecture, "K-Means clustering"), as a progress generator.

    Pixels are points in feature space (colour: 3-D, or 1-D for grayscale; colour + location:
    5-D, see :func:`pixel_features`). Steps: (1) initialise ``k`` centres with k-means++
    (seeded); (2) put every point in the cluster of its closest centre; (3) move every centre
    to the mean of its points; (4) repeat while the centres change.

    Parameters
    ----------
    image : array_like
        2-D grayscale ``(H, W)`` or colour ``(H, W, 3)`` image.
    {options}

    Returns
    -------
    ndarray of int32, shape (H, W)
        Labels ``1..k``, numbered by increasing mean brightness of the cluster (so the label
        order does not depend on the random seed).
    """
    k, use_position, max_iter = opts.k, opts.use_position, opts.max_iter
    image = _check_image(image)
    H, W = image.shape[:2]
    feats = pixel_features(image, use_position=use_position, position_weight=opts.position_weight)
    if not use_position:
        n_colours = _count_distinct(image.reshape(H * W, -1), k)
        if k > n_colours:
            raise ValueError(
                f"k={k} is larger than the number of distinct colours in the image ({n_colours}); "
                f"choose k <= {n_colours} (or add position features)"
            )
    elif k > H * W:
        raise ValueError(f"k={k} is larger than the number of pixels ({H * W})")
    rng = np.random.default_rng(opts.seed)
    yield Progress(0, max_iter, "k-means: k-means++ seeding")
    centres = kmeans_plus_plus(feats, k, rng, sample=opts.sample)
    centres, labels = yield from kmeans_steps(feats, centres, max_iter=max_iter, message="k-means")
    # order labels by brightness (the colour part of the centre)
    ncol = feats.shape[1] - (2 if use_position else 0)
    order = np.argsort(centres[:, :ncol].mean(axis=1), kind="stable")
    rank = np.empty(k, dtype=np.int32)
    rank[order] = np.arange(1, k + 1, dtype=np.int32)
    return rank[labels].reshape(H, W)



kmeans_segment = run_steps(kmeans_segment_steps)


def _count_distinct(pixels: np.ndarray, k: int) -> int:
    """Number of distinct rows of ``pixels`` (n, c); exact, but quick when there are at least ``k``."""
    # a random subset usually already shows k distinct colours
    sub = pixels[:: max(1, pixels.shape[0] // 4096)]
    if len(np.unique(_row_codes(sub))) >= k:
        return int(len(np.unique(_row_codes(pixels)))) if k > 4096 else max(k, len(np.unique(_row_codes(sub))))
    return int(len(np.unique(_row_codes(pixels))))


def _row_codes(pixels: np.ndarray) -> np.ndarray:
    """One comparable scalar per row (exact): packed integers, or the raw bytes of the row."""
    if pixels.shape[1] == 1:
        return pixels[:, 0]
    if pixels.dtype.kind in "biu" and pixels.dtype.itemsize <= 2 and pixels.shape[1] <= 4:
        codes = np.zeros(pixels.shape[0], dtype=np.int64)
        for c in range(pixels.shape[1]):
            codes = (codes << 16) | pixels[:, c].astype(np.int64)
        return codes
    row = np.ascontiguousarray(pixels)
    return row.view(np.dtype((np.void, row.dtype.itemsize * row.shape[1]))).ravel()
