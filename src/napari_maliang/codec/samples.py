"""Offline test images for the codec: synthetic cartoons and images shipped with scikit-image."""

from __future__ import annotations

import numpy as np


def cartoon(shape=(512, 512), *, n_shapes: int = 14, rgb: bool = False, seed: int = 0, gradient: float = 0.3):
    """A cartoon-like image: overlapping ellipses, rectangles and polygons, each a flat colour or
    a gentle linear gradient, on a gradient background, anti-aliased (rendered at 4x and
    averaged down). Returns uint8 ``(H, W)`` or ``(H, W, 3)``.

    Parameters
    ----------
    gradient : float
        Strength of the linear shading inside shapes (0 = flat colours).

    References
    ----------
    .. [1] Bastani et al., image compression by PDE inpainting, J. Zhejiang Univ.-Sci. C (Comput. & Electron.) 11(2), 92-100 (2010) (cartoon-like test images).
    """
    from skimage.draw import ellipse, polygon

    rng = np.random.default_rng(seed)
    H, W = shape
    s = 4
    HH, WW = H * s, W * s
    C = 3 if rgb else 1
    yy, xx = np.mgrid[0:HH, 0:WW].astype(np.float32)
    yy /= HH
    xx /= WW

    def shade(base):
        gy, gx = rng.normal(0, 1, 2) * 60 * gradient
        return np.asarray(base, np.float32)[None, None, :] + (gy * yy + gx * xx)[..., None]

    img = shade(rng.uniform(60, 200, C))
    for _ in range(n_shapes):
        kind = rng.integers(3)
        if kind == 0:
            cy, cx = rng.uniform(0.1, 0.9, 2) * (HH, WW)
            ry, rx = rng.uniform(0.05, 0.25, 2) * (HH, WW)
            rr, cc = ellipse(cy, cx, ry, rx, shape=(HH, WW), rotation=rng.uniform(0, np.pi))
        elif kind == 1:
            y0, x0 = rng.uniform(0.0, 0.8, 2) * (HH, WW)
            h, w = rng.uniform(0.08, 0.4, 2) * (HH, WW)
            rr, cc = polygon([y0, y0, y0 + h, y0 + h], [x0, x0 + w, x0 + w, x0], shape=(HH, WW))
        else:
            cy, cx = rng.uniform(0.15, 0.85, 2) * (HH, WW)
            n = rng.integers(3, 7)
            ang = np.sort(rng.uniform(0, 2 * np.pi, n))
            rad = rng.uniform(0.08, 0.25, n) * min(HH, WW)
            rr, cc = polygon(cy + rad * np.sin(ang), cx + rad * np.cos(ang), shape=(HH, WW))
        colour = shade(rng.uniform(0, 255, C))
        img[rr, cc] = colour[rr, cc]
    img = img.reshape(H, s, W, s, C).mean(axis=(1, 3))
    out = np.clip(np.rint(img), 0, 255).astype(np.uint8)
    return out if rgb else out[..., 0]


def natural(name: str = "camera") -> np.ndarray:
    """A scikit-image sample that ships inside the package (no download): ``camera``,
    ``astronaut``, ``coffee``, ``chelsea``, ``coins``, ``moon``, ``horse``..."""
    from skimage import data

    img = getattr(data, name)()
    if img.dtype == bool:
        img = img.astype(np.uint8) * 255
    return np.asarray(img)


def simple(name: str = "horse") -> np.ndarray:
    """Simply-structured shipped images: ``horse`` (silhouette), ``logo`` (RGB), ``shapes``."""
    if name == "shapes":
        return cartoon((256, 256), n_shapes=6, gradient=0.0, seed=3)
    img = natural(name)
    if img.ndim == 3 and img.shape[2] == 4:
        img = img[..., :3]
    return img
