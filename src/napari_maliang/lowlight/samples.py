"""Offline test photos darkened like the paper's data (section IV: gamma darkening) plus photon noise."""

from __future__ import annotations

import numpy as np

__all__ = ["PHOTOS", "dark_photo", "darken", "photo"]

#: RGB photographs that ship inside scikit-image (no download needed).
PHOTOS = ("astronaut", "chelsea", "coffee", "rocket", "motorcycle")


def photo(name: str = "astronaut", *, size: int | None = None) -> np.ndarray:
    """An RGB photo from scikit-image's bundled data as float32 on 0..1, optionally resized so
    its longer side is ``size`` pixels."""
    from skimage import data

    if name == "motorcycle":
        img = data.stereo_motorcycle()[0]
    elif name in PHOTOS:
        img = getattr(data, name)()
    else:
        raise ValueError(f"unknown photo {name!r}; choose one of {PHOTOS}")
    img = img.astype(np.float32) / 255.0
    if size is not None and max(img.shape[:2]) != size:
        from napari_maliang._shared.resample import resize_area

        s = size / max(img.shape[:2])
        img = resize_area(img, (max(1, round(img.shape[0] * s)), max(1, round(img.shape[1] * s))))
    return np.clip(img, 0, 1).astype(np.float32)


def darken(image, *, gamma: float = 2.5, peak: float = 1000.0, seed: int = 0) -> np.ndarray:
    """``image ** gamma`` with Poisson photon noise at ``peak`` photons for white (``peak=0``: none).

    Returns float32 on 0..1.

    References
    ----------
    .. [1] Y. P. Loh, "A New Framework for Efficient Low-light Image Enhancement using Approximated Gaussian Process" (darkened test images).
    """
    img = np.clip(np.asarray(image, np.float32), 0, 1)
    dark = img**gamma
    if peak and peak > 0:
        rng = np.random.default_rng(seed)
        dark = rng.poisson(dark.astype(np.float64) * peak) / peak
    return np.clip(dark, 0, 1).astype(np.float32)


def dark_photo(name: str = "astronaut", *, gamma: float = 2.5, peak: float = 1000.0, size: int | None = None, seed: int = 0):
    """A darkened photo and its original: ``(dark float32 RGB on 0..1, original float32 RGB)``.

    The default is scikit-image's astronaut (512x512), darkened by gamma 2.5 with photon noise
    (1000 photons for white), both offline.

    References
    ----------
    .. [1] Y. P. Loh, "A New Framework for Efficient Low-light Image Enhancement using Approximated Gaussian Process" (darkened test images).
    """
    original = photo(name, size=size)
    return darken(original, gamma=gamma, peak=peak, seed=seed), original


def dark_photo_layers():
    """Sample-data contribution: the darkened astronaut and its original as napari layer tuples."""
    dark, original = dark_photo()
    return [
        (original, {"name": "original photo", "visible": False}, "image"),
        (dark, {"name": "dark photo", "contrast_limits": (0.0, 1.0)}, "image"),
    ]
