"""Noise-aware pre-filter for low-light images (not in the paper; its failure case (b), section IV.E).

A dark photo is dominated by photon (Poisson) noise, whose variance grows with the signal. The
square root is its variance-stabilising transform (Anscombe 1948, without the 3/8 offset): on
``sqrt(I)`` the noise is nearly Gaussian with one standard deviation ``1 / (2 sqrt(photons at
white))`` everywhere. So the noise level is estimated once on ``sqrt(I)`` (:func:`estimate_noise`,
Immerkaer's Laplacian-difference operator with a robust median, so edges and texture count little)
and removed there by an edge-preserving bilateral filter whose range sigma is three times that
level (:func:`photon_denoise`), before the exposure estimate, the reference and the GP see the
image.
"""

from __future__ import annotations

import numpy as np

from napari_maliang._shared.robust import MAD_TO_SIGMA
from napari_maliang.lowlight._image import as_unit_float, bilateral

__all__ = ["estimate_noise", "photon_denoise"]

# Immerkaer (1996), "Fast noise variance estimation": the difference of two Laplacians, which
# cancels smooth image structure up to second order; for white noise of standard deviation s the
# response (divided by 6) has standard deviation s. Separable: [1, -2, 1] along both axes (_plane_noise).
_IMMERKAER = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], np.float32) / 6.0
#: Range sigma of the bilateral filter, in noise standard deviations.
RANGE_SIGMAS = 3.0


def _plane_noise(plane: np.ndarray) -> float:
    if min(plane.shape) < 3:
        return 0.0
    # Immerkaer's operator on the interior (the border responses were never used): the kernel is the
    # outer product of [1, -2, 1] with itself over 6, applied as two second differences (float32)
    p = np.asarray(plane, np.float32)
    a = p[:, :-2] - 2 * p[:, 1:-1] + p[:, 2:]
    r = (a[:-2] - 2 * a[1:-1] + a[2:]) / np.float32(6.0)
    return float(np.median(np.abs(r)) * MAD_TO_SIGMA)


def _sqrt_noise(s: np.ndarray) -> float:
    if s.ndim == 2:
        return _plane_noise(s)
    return float(np.median([_plane_noise(s[..., c]) for c in range(s.shape[2])]))


def estimate_noise(image) -> float:
    """Standard deviation of the noise of ``sqrt(image)`` (the photon-noise-stabilised domain).

    For Poisson noise with ``N`` photons at white it is close to ``1 / (2 sqrt(N))`` (0.0158 for
    ``N = 1000``), whatever the brightness. Estimated by Immerkaer's operator with the median of
    absolute responses (robust to edges); for RGB, the median over the channels.

    Parameters
    ----------
    image : array (H, W) or (H, W, 3)
        Intensities (uint8, uint16 or float on 0..1).

    Returns
    -------
    float
        0 for an image smaller than 3 x 3.

    References
    ----------
    .. [1] J. Immerkaer, "Fast noise variance estimation", Computer Vision and Image Understanding 64(2), 300-302 (1996).
    .. [2] F. J. Anscombe, "The transformation of Poisson, binomial and negative-binomial data", Biometrika 35, 246-254 (1948).
    """
    return _sqrt_noise(np.sqrt(as_unit_float(image)))


def photon_denoise(image, *, strength: float = 1.0, sigma: float | None = None) -> np.ndarray:
    """Remove photon noise: an edge-preserving bilateral filter on ``sqrt(image)`` at the noise level.

    ``sqrt(image)`` is filtered by OpenCV's bilateral filter (5 x 5 window, spatial sigma 1.5 px;
    :func:`~napari_maliang.lowlight._image.bilateral`, a compiled copy)
    with range sigma ``3 * strength * sigma``: differences within three noise standard deviations
    are averaged away, edges well above the noise are kept. Then it is squared back. On a
    noise-free image the estimated level is near 0 and the image is returned nearly unchanged.

    Parameters
    ----------
    image : array (H, W) or (H, W, 3)
    strength : float
        Multiple of the default filter strength; 0 returns the input.
    sigma : float, optional
        Noise level of ``sqrt(image)`` (default: :func:`estimate_noise`).

    Returns
    -------
    ndarray float32 on 0..1, the input's shape.

    References
    ----------
    .. [1] C. Tomasi, R. Manduchi, "Bilateral filtering for gray and color images", Proc. ICCV 1998, 839-846.
    .. [2] F. J. Anscombe, "The transformation of Poisson, binomial and negative-binomial data", Biometrika 35, 246-254 (1948).
    """
    img = as_unit_float(image)
    strength = float(strength)
    if strength < 0 or not np.isfinite(strength):
        raise ValueError(f"strength must be a finite number >= 0, got {strength}")
    if strength == 0 or min(img.shape[:2]) < 3:
        return img
    s = np.sqrt(img)
    if sigma is None:
        sigma = _sqrt_noise(s)
    sigma_r = RANGE_SIGMAS * strength * float(sigma)
    if sigma_r <= 1e-4:
        return img
    out = bilateral(s, sigma_r)
    np.clip(out, 0.0, 1.0, out=out)
    return np.multiply(out, out, out=out)
