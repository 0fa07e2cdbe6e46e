"""Sample data: smooth photographs and synthetic images, colour-quantized with k-means (offline)."""

from __future__ import annotations

import numpy as np

from .regions import kmeans_quantize

__all__ = ["quantized_photo", "smooth_synthetic"]


def quantized_photo(n_colors: int = 8, *, name: str = "astronaut", seed: int = 0):
    """A smooth photo from scikit-image (bundled, no network) and its k-means quantization.

    Returns
    -------
    (quantized, original) : uint8 RGB arrays of the same shape

    References
    ----------
    .. [1] T. Kim, J. Ahn, M. G. Choi, "Image Dequantization: Restoration of Quantized Colors", Computer Graphics Forum 26(3) (Eurographics 2007).
    """
    from skimage import data

    original = np.ascontiguousarray(getattr(data, name)()[..., :3]).astype(np.uint8)
    return kmeans_quantize(original, n_colors, seed=seed), original


def smooth_synthetic(shape=(256, 256), *, seed: int = 0) -> np.ndarray:
    """A smooth synthetic uint8 RGB image: colour gradients plus two discs with sharp edges.

    References
    ----------
    .. [1] T. Kim, J. Ahn, M. G. Choi, "Image Dequantization: Restoration of Quantized Colors", Computer Graphics Forum 26(3) (Eurographics 2007).
    """
    rng = np.random.default_rng(seed)
    h, w = shape
    y, x = np.mgrid[0:h, 0:w] / max(h, w)
    img = np.stack([0.2 + 0.6 * x, 0.3 + 0.5 * y, 0.5 + 0.3 * np.sin(3 * x + 2 * y + rng.uniform(0, 3))], -1)
    for _ in range(2):
        cy, cx, r = rng.uniform(0.25, 0.75), rng.uniform(0.25, 0.75), rng.uniform(0.1, 0.2)
        inside = (y - cy) ** 2 + (x - cx) ** 2 < r**2
        colour = rng.uniform(0.1, 0.9, 3)
        shade = 1.0 - 1.5 * np.sqrt((y - cy) ** 2 + (x - cx) ** 2)
        img[inside] = (colour * shade[..., None])[inside]
    return np.clip(np.rint(img * 255), 0, 255).astype(np.uint8)
