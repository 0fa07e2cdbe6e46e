"""Photon noise of low-light images, handled as photons (not in the paper; its failure case (b), section IV.E).

A dark photo is dominated by photon (Poisson) noise: ``N I`` is a Poisson count, ``N`` the photons for
full scale, so the noise variance ``I / N`` grows with the signal. The pre-filter of :func:`enhance
<napari_maliang.lowlight.enhancement.enhance>` (:func:`photon_denoise`) therefore

1. estimates ``N`` from the variance-to-mean ratio of the image's tiles (:func:`estimate_photons`);
2. stabilises the variance by Anscombe's transform ``A = 2 sqrt(N I + 3/8)`` (:func:`anscombe`), after
   which the noise is close to white with standard deviation 1 at every brightness;
3. removes it there by non-local means at that known level (:func:`nl_means`, compiled);
4. goes back by the exact unbiased inverse of Makitalo & Foi (:func:`inverse_anscombe`), so the dark
   regions that the brightening magnifies keep their mean.

:func:`estimate_noise` (the noise of ``sqrt(I)``, ``~ 1 / (2 sqrt(N))`` above a few counts) is kept for
the exposure decision's not-dark rule (a photon-starved image is never "not dark").
"""

from __future__ import annotations

import numpy as np

from napari_maliang._shared.robust import MAD_TO_SIGMA
from napari_maliang.lowlight._image import as_unit_float

__all__ = [
    "anscombe",
    "estimate_noise",
    "estimate_photons",
    "inverse_anscombe",
    "nl_means",
    "photon_denoise",
    "photons_at_white",
]

# Immerkaer (1996), "Fast noise variance estimation": the difference of two Laplacians, which
# cancels smooth image structure up to second order; for white noise of standard deviation s the
# response (divided by 6) has standard deviation s. Separable: [1, -2, 1] along both axes (_plane_noise).
_IMMERKAER = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], np.float32) / 6.0
#: Search and patch radii of the non-local means of :func:`photon_denoise` (7 x 7 window, 3 x 3 patches).
NLM_SEARCH, NLM_PATCH = 3, 1
#: :func:`estimate_photons` takes this quantile of the tiles' variance-to-mean ratios (texture only raises a
#: tile's ratio, so a low quantile is less biased by it than the median) and multiplies it by the ratio of
#: the mean to this quantile for noise alone (measured on smooth images at 50-1000 photons, where the
#: quantile alone gave N 1.17x too high).
PHOTON_QUANTILE, PHOTON_QUANTILE_GAIN = 0.3, 1.17
#: Above this many photons for full scale an image is taken to be noise-free (shot noise under 1.4 % of white,
#: well above the 50-500 photons of issue #16): what the estimate sees there is mostly fine texture, which
#: the filter should keep (a clean 128-px photo estimates at about 2000-6000).
MAX_PHOTONS = 5000.0


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
    """Remove photon noise as photons: non-local means in the Anscombe domain, exact unbiased inverse.

    1. ``N``, the photons for full scale: :func:`estimate_photons` (or ``1 / (2 sigma)^2`` when the
       noise level ``sigma`` of ``sqrt(image)`` is given);
    2. ``A = 2 sqrt(N I + 3/8)`` (:func:`anscombe`), where the noise is close to white with
       standard deviation 1 at every brightness;
    3. :func:`nl_means` on ``A`` at sigma 1 (3 x 3 patches, 7 x 7 search window, one set of
       weights for the three channels) with strength ``h = strength``;
    4. back by the exact unbiased inverse (:func:`inverse_anscombe`), so dark regions are not
       biased (the algebraic inverse, or squaring a smoothed ``sqrt(I)``, darkens them by
       about ``1 / (8 N)``, which a brightening exponent then magnifies).

    Chosen on design photos against scikit-image's non-local means, its wavelet BayesShrink and
    the former 5 x 5 bilateral filter on ``sqrt(I)``, at equal time and after brightening
    (``benchmarks/lowlight_denoise.py``; figures in docs/benchmarks/lowlight.md). On a noise-free
    image ``N`` is infinite and the image is returned unchanged.

    Parameters
    ----------
    image : array (H, W) or (H, W, 3)
    strength : float
        Filtering strength ``h`` of the non-local means, in noise standard deviations; 0 returns
        the input.
    sigma : float, optional
        Noise level of ``sqrt(image)`` (:func:`estimate_noise`); default: ``N`` estimated by
        :func:`estimate_photons`, which is accurate at lower counts.

    Returns
    -------
    ndarray float32 on 0..1, the input's shape.

    References
    ----------
    .. [1] A. Buades, B. Coll, J.-M. Morel, "A non-local algorithm for image denoising", Proc. CVPR 2005, 60-65.
    .. [2] F. J. Anscombe, "The transformation of Poisson, binomial and negative-binomial data", Biometrika 35, 246-254 (1948).
    .. [3] M. Makitalo, A. Foi, "Optimal inversion of the Anscombe transformation in low-count Poisson image denoising", IEEE Trans. Image Process. 20(1), 99-109 (2011).
    """
    img = as_unit_float(image)
    strength = float(strength)
    if strength < 0 or not np.isfinite(strength):
        raise ValueError(f"strength must be a finite number >= 0, got {strength}")
    if strength == 0 or min(img.shape[:2]) <= NLM_SEARCH + NLM_PATCH:
        return img
    photons = estimate_photons(img) if sigma is None else photons_at_white(sigma)
    if not np.isfinite(photons) or photons > MAX_PHOTONS:
        return img
    out = inverse_anscombe(
        nl_means(anscombe(img, photons), 1.0, search=NLM_SEARCH, patch=NLM_PATCH, h=strength), photons
    )
    return np.clip(out, 0.0, 1.0, out=out)


def photons_at_white(sigma: float) -> float:
    """Photons for full scale ``N = 1 / (2 sigma)^2`` from the noise level ``sigma`` of ``sqrt(I)``
    (for Poisson counts ``N I``, ``var sqrt(I) ~ 1 / (4 N)``); ``inf`` for ``sigma <= 0``."""
    sigma = float(sigma)
    return float("inf") if sigma <= 0 else 1.0 / (4.0 * sigma * sigma)


def estimate_photons(image, *, block: int = 8) -> float:
    """Photons for full scale ``N`` of an image with Poisson noise (``N I`` Poisson counts).

    Poisson noise has variance ``I / N`` at intensity ``I``. Immerkaer's operator (see
    :func:`estimate_noise`) has, for independent noise, an output variance equal to the local noise
    variance, so on each ``block x block`` tile ``mean(r^2) / mean(I)`` estimates ``1 / N`` (plus the
    image structure that the operator leaves, large only on edges and texture). ``1 / N`` is the
    ``PHOTON_QUANTILE`` (30 %) quantile of that ratio over the tiles, times ``PHOTON_QUANTILE_GAIN``
    (texture only raises a tile's ratio, so a low quantile is less biased than the median; all
    channels pooled; tiles of zero mean left out) - the
    variance-to-mean relation of Poissonian noise, as fitted in [2]_. Unlike the median absolute
    response of :func:`estimate_noise`, the tile means are not discrete, so the estimate holds at
    the lowest counts (a dark image at 50 photons has most pixels at 0-3 counts, where ``sqrt`` does
    not stabilise the variance and :func:`estimate_noise` overestimates ``N`` by up to 3x).

    Parameters
    ----------
    image : array (H, W) or (H, W, 3)
        Intensities (uint8, uint16 or float on 0..1).
    block : int
        Side of the tiles (>= 2).

    Returns
    -------
    float
        ``inf`` for a noise-free image or one too small for a tile.

    References
    ----------
    .. [1] J. Immerkaer, "Fast noise variance estimation", Computer Vision and Image Understanding 64(2), 300-302 (1996).
    .. [2] A. Foi, M. Trimeche, V. Katkovnik, K. Egiazarian, "Practical Poissonian-Gaussian noise modeling and fitting for single-image raw-data", IEEE Trans. Image Process. 17(10), 1737-1754 (2008).
    """
    img = as_unit_float(image)
    block = int(block)
    if block < 2:
        raise ValueError(f"block must be >= 2, got {block}")
    planes = [img] if img.ndim == 2 else [img[..., c] for c in range(img.shape[2])]
    ratios = []
    for p in planes:
        rows, cols = (p.shape[0] - 2) // block * block, (p.shape[1] - 2) // block * block
        if rows <= 0 or cols <= 0:
            continue
        a = p[:, :-2] - 2 * p[:, 1:-1] + p[:, 2:]
        r = (a[:-2] - 2 * a[1:-1] + a[2:]) / np.float32(6.0)
        shape = (rows // block, block, cols // block, block)
        r2 = np.square(r[:rows, :cols]).reshape(shape).mean(axis=(1, 3))
        mean = p[1 : rows + 1, 1 : cols + 1].reshape(shape).mean(axis=(1, 3))
        ok = mean > 0
        ratios.append(r2[ok] / mean[ok])
    ratios = np.concatenate(ratios) if ratios else np.zeros(0)
    inv_n = float(np.quantile(ratios, PHOTON_QUANTILE)) * PHOTON_QUANTILE_GAIN if ratios.size else 0.0
    return float("inf") if inv_n <= 0 else 1.0 / inv_n


def anscombe(image, photons: float) -> np.ndarray:
    """Anscombe's variance-stabilising transform of photon counts: ``A = 2 sqrt(N I + 3/8)``.

    With ``N I`` Poisson, ``A`` has a standard deviation close to 1 whatever the intensity (within
    a few % for counts above about 4; eq. 1 of [2]_ with the offset of [1]_).

    Parameters
    ----------
    image : array
        Intensities on 0..1 (float).
    photons : float
        Photons for full scale ``N`` (> 0).

    References
    ----------
    .. [1] F. J. Anscombe, "The transformation of Poisson, binomial and negative-binomial data", Biometrika 35, 246-254 (1948).
    .. [2] M. Makitalo, A. Foi, "Optimal inversion of the Anscombe transformation in low-count Poisson image denoising", IEEE Trans. Image Process. 20(1), 99-109 (2011).
    """
    photons = float(photons)
    if not (photons > 0 and np.isfinite(photons)):
        raise ValueError(f"photons must be a finite number > 0, got {photons}")
    z = np.asarray(image, np.float32) * np.float32(photons) + np.float32(0.375)
    return np.float32(2.0) * np.sqrt(np.maximum(z, 0, out=z), out=z)


#: ``2 sqrt(3/8)``: the Anscombe value of a zero count; the exact unbiased inverse maps it (and below) to 0.
_A_ZERO = 2.0 * np.sqrt(0.375)


def inverse_anscombe(values, photons: float) -> np.ndarray:
    """The exact unbiased inverse of :func:`anscombe`, in the closed form of Makitalo & Foi (2011, eq. 11).

    A denoised value ``D`` estimates ``E[A]``, not ``A(E[N I])``; the algebraic inverse
    ``(D / 2)^2 - 3/8`` is biased at low counts (by about -1/8 count at high counts and much more
    below 5). The exact unbiased inverse is the ``lambda`` with ``E[2 sqrt(P(lambda) + 3/8)] = D``;
    its closed-form approximation (error under 1e-2 counts for ``D >= 2 sqrt(3/8)``) is

    .. math:: \\lambda = \\tfrac14 D^2 + \\tfrac14 \\sqrt{3/2}\\, D^{-1} - \\tfrac{11}{8} D^{-2}
              + \\tfrac58 \\sqrt{3/2}\\, D^{-3} - \\tfrac18 ,

    which is 0 at ``D = 2 sqrt(3/8)`` (a zero count); smaller ``D`` give 0. Returned as ``lambda / N``.

    Parameters
    ----------
    values : array
        Values in the Anscombe domain (e.g. denoised :func:`anscombe` output).
    photons : float
        Photons for full scale ``N`` (> 0), as given to :func:`anscombe`.

    Returns
    -------
    ndarray float32, intensities (>= 0, not clipped at 1).

    References
    ----------
    .. [1] M. Makitalo, A. Foi, "A closed-form approximation of the exact unbiased inverse of the Anscombe variance-stabilizing transformation", IEEE Trans. Image Process. 20(9), 2697-2698 (2011).
    """
    photons = float(photons)
    if not (photons > 0 and np.isfinite(photons)):
        raise ValueError(f"photons must be a finite number > 0, got {photons}")
    d = np.maximum(np.asarray(values, np.float32), np.float32(_A_ZERO))
    inv = np.float32(1.0) / d
    r = np.float32(np.sqrt(1.5))
    # Horner form in 1/D, float32 (D <= 2 sqrt(N + 3/8): relative rounding ~1e-7 of lambda)
    lam = np.float32(0.25) * d * d - np.float32(0.125)
    lam += inv * (np.float32(0.25) * r + inv * (np.float32(-1.375) + inv * (np.float32(0.625) * r)))
    return np.maximum(lam, np.float32(0.0), out=lam) / np.float32(photons)


def nl_means(image, sigma: float, *, search: int = 3, patch: int = 1, h: float = 1.0) -> np.ndarray:
    """Non-local means (Buades, Coll & Morel 2005) with one set of weights for all channels.

    Each pixel ``x`` becomes the weighted mean of itself and the pixels ``x + o`` of its ``(2 search +
    1)^2`` window that lie in the image, with weights ``exp(-max(d^2 - 2 sigma^2, 0) / (h sigma)^2)``
    from the mean squared difference ``d^2`` of the ``(2 patch + 1)^2`` patches around ``x`` and ``x + o``
    (over all channels; ``2 sigma^2`` is its expectation for two noisy copies of one patch; patches are
    completed by reflection at the border); the pixel itself gets the largest weight of its window.
    Computed offset by offset with running box sums (Darbon et al. 2008), each pair's weight once for
    both pixels (half the offsets), in a compiled kernel on row bands in threads.

    Parameters
    ----------
    image : array (H, W) or (H, W, C), float
        With white Gaussian noise of standard deviation ``sigma`` (e.g. :func:`anscombe` output, sigma 1).
    sigma : float
        Noise standard deviation (> 0).
    search, patch : int
        Radii of the search window and of the patches (>= 1, patch radius below the image's sides).
    h : float
        Filtering strength in units of ``sigma`` (> 0).

    Returns
    -------
    ndarray float32, the input's shape.

    References
    ----------
    .. [1] A. Buades, B. Coll, J.-M. Morel, "A non-local algorithm for image denoising", Proc. CVPR 2005, 60-65.
    .. [2] J. Darbon, A. Cunha, T. F. Chan, S. Osher, G. J. Jensen, "Fast nonlocal filtering applied to electron cryomicroscopy", Proc. ISBI 2008, 1331-1334.
    """
    from napari_maliang.lowlight._image import _in_row_bands

    img = np.asarray(image, np.float32)
    if img.ndim not in (2, 3):
        raise ValueError(f"nl_means expects an (H, W) or (H, W, C) image, got shape {img.shape}")
    sigma, h, search, patch = float(sigma), float(h), int(search), int(patch)
    if not (sigma > 0 and h > 0 and np.isfinite(sigma * h)):
        raise ValueError(f"sigma and h must be finite numbers > 0, got sigma={sigma}, h={h}")
    if search < 1 or patch < 0:
        raise ValueError(f"search must be >= 1 and patch >= 0, got search={search}, patch={patch}")
    planes = img[None] if img.ndim == 2 else np.moveaxis(img, -1, 0)
    n_c, rows, cols = planes.shape
    m = search + patch
    if m >= min(rows, cols):
        raise ValueError(f"image of {rows}x{cols} is too small for search {search} + patch {patch}")
    from napari_maliang.lowlight import _kernels_numba as kernels

    pad = np.ascontiguousarray(np.pad(planes, ((0, 0), (m, m), (m, m)), mode="reflect"))
    inv_h2, bias = np.float32(1.0 / (h * sigma) ** 2), np.float32(2.0 * sigma * sigma)
    bands = {}

    def band(i0, i1):  # private sums: a band's pairs reach `search` rows into the next band
        n = i1 - i0 + search
        sums = (np.zeros((n_c, n, cols), np.float32), np.zeros((n, cols), np.float32), np.zeros((n, cols), np.float32))
        kernels.nlm_rows(pad, search, patch, inv_h2, bias, *sums, i0, i1)
        bands[i0] = sums

    _in_row_bands(rows, planes.size, band)
    acc = np.zeros(planes.shape, np.float32)
    wsum = np.zeros((rows, cols), np.float32)
    wmax = np.zeros((rows, cols), np.float32)
    for i0, (a, ws, wm) in bands.items():
        i1 = min(rows, i0 + ws.shape[0])
        acc[:, i0:i1] += a[:, : i1 - i0]
        wsum[i0:i1] += ws[: i1 - i0]
        np.maximum(wmax[i0:i1], wm[: i1 - i0], out=wmax[i0:i1])
    centre = np.maximum(wmax, np.float32(1e-6))  # a pixel unlike all its neighbours keeps its value
    out = (acc + centre * planes) / (wsum + centre)
    return out[0] if img.ndim == 2 else np.moveaxis(out, 0, -1)
