"""Pixel-integrated Gaussian point-spread function (NumPy reference).

The model is the paper's eq. (1) with the Gaussian integrated over each pixel's area,
which is what a camera pixel records (Smith et al. 2010; the MLE fitters of picasso,
SMAP and gpufit use the same form). Pixel centres sit at integer coordinates, ``x`` is
the column and ``y`` the row, so pixel ``i`` covers ``[i - 0.5, i + 0.5)``.

Expected photons in pixel ``(row, col)``::

    mu = background + photons * Ex[col] * Ey[row]
    Ex[col] = 0.5 * (erf((col - x + 0.5) / (sqrt(2) sigma)) - erf((col - x - 0.5) / (sqrt(2) sigma)))

``photons`` is the total number of photons of the emitter (integrated over the whole
plane, not just the box) and ``background`` is in photons per pixel. The numba and CUDA
fitters in :mod:`napari_maliang.smlm.fit` and :mod:`napari_maliang.smlm.fit_gpu` inline
the same arithmetic; the functions here are the reference they are tested against.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from scipy.special import erf

if TYPE_CHECKING:
    from napari_maliang.smlm.camera import Camera

SQRT2 = np.sqrt(2.0)


def integrated_gaussian_1d(coords, centre, sigma) -> np.ndarray:
    """Fraction of a unit 1-D Gaussian falling in the pixels at ``coords``.

    Parameters
    ----------
    coords : array_like, shape (k,)
        Pixel centres (integers).
    centre, sigma : array_like
        Broadcast against ``coords[..., None]``-style: pass ``centre[:, None]`` for one row per emitter.
    """
    coords = np.asarray(coords, dtype=np.float64)
    centre = np.asarray(centre, dtype=np.float64)
    s = SQRT2 * np.asarray(sigma, dtype=np.float64)
    return 0.5 * (erf((coords - centre + 0.5) / s) - erf((coords - centre - 0.5) / s))


def expected_counts(box: int, x, y, photons, background, sigma) -> np.ndarray:
    """Expected photon counts ``mu`` of ``n`` spots in ``box`` x ``box`` pixels (paper eq. 1, integrated).

    All parameters are scalars or arrays of shape ``(n,)``; returns ``(n, box, box)`` float64
    (a single ``(box, box)`` image when every parameter is a scalar).
    """
    scalar = all(np.ndim(v) == 0 for v in (x, y, photons, background, sigma))
    x, y, photons, background, sigma = (
        np.atleast_1d(np.asarray(v, dtype=np.float64)) for v in (x, y, photons, background, sigma)
    )
    n = max(len(x), len(y), len(photons), len(background), len(sigma))
    x, y, photons, background, sigma = (np.broadcast_to(v, (n,)) for v in (x, y, photons, background, sigma))
    k = np.arange(box, dtype=np.float64)
    ex = integrated_gaussian_1d(k[None, :], x[:, None], sigma[:, None])
    ey = integrated_gaussian_1d(k[None, :], y[:, None], sigma[:, None])
    mu = background[:, None, None] + photons[:, None, None] * ey[:, :, None] * ex[:, None, :]
    return mu[0] if scalar else mu


def derivatives(box: int, x, y, photons, background, sigma):
    """``mu`` and its partial derivatives for one spot (float64 reference for the fitters).

    Returns
    -------
    mu : (box, box)
    jac : (5, box, box)
        d mu / d (x, y, photons, background, sigma).
    """
    k = np.arange(box, dtype=np.float64)
    s2 = SQRT2 * sigma
    norm = 1.0 / (np.sqrt(2.0 * np.pi) * sigma)

    def parts(c):
        a = (k - c + 0.5)
        b = (k - c - 0.5)
        e = 0.5 * (erf(a / s2) - erf(b / s2))
        ga = np.exp(-a * a / (2 * sigma * sigma))
        gb = np.exp(-b * b / (2 * sigma * sigma))
        de_dc = norm * (gb - ga)  # d/dc of the integral
        de_ds = norm * (b * gb - a * ga) / sigma  # d/dsigma
        return e, de_dc, de_ds

    ex, dex, dsx = parts(x)
    ey, dey, dsy = parts(y)
    mu = background + photons * np.outer(ey, ex)
    jac = np.empty((5, box, box))
    jac[0] = photons * np.outer(ey, dex)
    jac[1] = photons * np.outer(dey, ex)
    jac[2] = np.outer(ey, ex)
    jac[3] = 1.0
    jac[4] = photons * (np.outer(ey, dsx) + np.outer(dsy, ex))
    return mu, jac


def fisher_information(box: int, x, y, photons, background, sigma, *, fit_sigma=True) -> np.ndarray:
    """Poisson Fisher information matrix ``sum(d mu_i d mu_j / mu)`` of one spot (reference)."""
    mu, jac = derivatives(box, x, y, photons, background, sigma)
    npar = 5 if fit_sigma else 4
    j = jac[:npar].reshape(npar, -1)
    return (j / mu.reshape(1, -1)) @ j.T


def crlb(box: int, x, y, photons, background, sigma, *, fit_sigma=True) -> np.ndarray:
    """Cramer-Rao lower bound (standard deviations) of (x, y, photons, background[, sigma])."""
    fi = fisher_information(box, x, y, photons, background, sigma, fit_sigma=fit_sigma)
    return np.sqrt(np.diag(np.linalg.inv(fi)))


def estimate_psf_sigma(
    movie,
    *,
    psf_sigma: float = 1.3,
    threshold: float = 8.0,
    box: int = 7,
    camera: Camera | dict | None = None,
    max_frames: int = 50,
    backend: str = "auto",
) -> float:
    """Estimate the PSF width (px) as the median fitted sigma of bright, isolated spots.

    Runs detection and a free-width fit on up to ``max_frames`` frames spread over the stack
    (a high threshold keeps clear single molecules). Raises ``ValueError`` when fewer than 5
    spots are found.

    References
    ----------
    .. [1] T. Quan et al., "Ultra-fast, high-precision image analysis for localization-based super resolution microscopy", Optics Express 18(11), 11867-11876 (2010), doi:10.1364/OE.18.011867, sections 2.2-2.3.
    """
    from napari_maliang.smlm.pipeline import _check_movie, localize

    movie, shape, dtype, two_d = _check_movie(movie)
    n = 1 if two_d else shape[0]
    idx = np.unique(np.linspace(0, n - 1, min(n, int(max_frames))).round().astype(int))
    if two_d:
        frames = np.asarray(movie)[None]
    else:
        frames = np.stack([np.asarray(movie[int(i)]) for i in idx])
    df = localize(
        frames, psf_sigma=psf_sigma, threshold=threshold, box=box, camera=camera, backend=backend, reject_n_std=None,
        multi_emitter=False,  # separated pairs carry the guessed width, not a measured one
    )
    if len(df) < 5:
        raise ValueError(
            f"only {len(df)} clear spots found in {len(frames)} frames; cannot estimate the PSF width "
            "(lower the threshold or enter sigma by hand)"
        )
    return float(np.median(df["sigma"]))
