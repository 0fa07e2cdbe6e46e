"""Multi-emitter Poisson maximum-likelihood fitting: separating overlapping molecules.

The single-emitter fit of :mod:`.fit` (paper eq. 1-4) assumes one molecule per sub-region; two
molecules a few pixels apart give one wide spot whose fit lands between them, which the paper
rejects (section 2.3). :func:`fit_emitters` fits ``k`` pixel-integrated Gaussians of one width on
one shared background by the same Poisson likelihood (eq. 4 with ``mu = b + sum_e N_e PSF_e``),
and :func:`split_pairs` decides, spot by spot, between one emitter (free width) and two emitters
(width fixed at the PSF width) by the log-likelihood ratio: the generalised likelihood-ratio test
that multi-emitter fitters use for model selection (Huang et al. 2011, Biomed. Opt. Express 2:1377;
Holden et al. 2011, Nat. Methods 8:279 use the same idea with a fixed-width PSF). The Cramer-Rao
bounds of the separated molecules come from the Fisher information of the joint model, so they
include the cost of the overlap.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from napari_maliang._shared.threads import default_threads, run_blocks
from napari_maliang.smlm._fit_common import FitResult, check_fit_options, check_spots
from napari_maliang.smlm._lm import DEFAULT_TOLERANCE
from napari_maliang.smlm.fit import fit_spots
from napari_maliang.smlm.options import DEFAULT_MIN_LLR

__all__ = ["MultiFitResult", "PairSplit", "fit_emitters", "pair_start", "residual_start", "split_pairs"]

_RETRY_Z = 4.0  # a residual peak of this many Poisson standard deviations earns a second start
_BLOCK = 128  # largest number of spots per work item of the threads


@dataclass
class MultiFitResult:
    """Per-spot results of :func:`fit_emitters`: ``(n, k)`` arrays per emitter, ``(n,)`` per spot.

    Box coordinates (pixel centres at integers, ``x`` the column). ``crlb_*`` are standard
    deviations (square roots of the diagonal of the inverse joint Fisher matrix, times
    ``excess_noise``); ``log_likelihood`` is the full Poisson log-likelihood at the estimate.
    """

    x: np.ndarray
    y: np.ndarray
    photons: np.ndarray
    background: np.ndarray
    sigma: np.ndarray
    crlb_x: np.ndarray
    crlb_y: np.ndarray
    crlb_photons: np.ndarray
    log_likelihood: np.ndarray
    converged: np.ndarray

    def __len__(self) -> int:
        return len(self.background)


def fit_emitters(
    spots,
    start,
    *,
    sigma=None,
    iterations: int = 20,
    tolerance: float = DEFAULT_TOLERANCE,
    excess_noise: float = 1.0,
    threads: int | None = None,
) -> MultiFitResult:
    """Poisson MLE of ``k`` pixel-integrated Gaussians sharing one background (paper eq. 1-4, k emitters).

    Parameters
    ----------
    spots : array_like, shape (n, box, box)
        Photon counts.
    start : array_like, shape (n, 3 k + 1) or (n, 3 k + 2)
        Starting points ``(x_1, y_1, N_1, ..., x_k, y_k, N_k, b[, s])``; the width column is
        present exactly when ``sigma`` is None (the width is then fitted, shared by the emitters).
    sigma : None, float or array of length n
        Fixed PSF width (pixels), or None to fit it.
    iterations : int
        Largest number of Levenberg-Marquardt steps.
    tolerance : float
        Stop once a step is shorter than ``tolerance`` standard errors (Fisher metric).
    excess_noise : float
        Multiplies the Cramer-Rao bounds (sqrt(2) for an EMCCD).
    threads : int, optional
        CPU threads (default: every core).
    """
    from napari_maliang.smlm._lm_numba import multi_fit_block

    arr = check_spots(spots)
    n = arr.shape[0]
    start = np.ascontiguousarray(np.asarray(start, dtype=np.float64))
    if start.ndim != 2 or start.shape[0] != n:
        raise ValueError(f"start must have shape ({n}, 3 k + 1 or 3 k + 2), got {start.shape}")
    fit_sigma = sigma is None
    extra = 2 if fit_sigma else 1
    k, rem = divmod(start.shape[1] - extra, 3)
    if rem or k < 1:
        raise ValueError(
            f"start has {start.shape[1]} columns; expected 3 k + {extra} for k emitters "
            f"({'with' if fit_sigma else 'without'} the width column)"
        )
    # sigmas: the fixed widths (ones, unused, when the width is fitted)
    sigmas, _, iterations, tolerance, excess_noise, _ = check_fit_options(n, sigma, iterations, tolerance,
                                                                      excess_noise, 1.0)
    npar = start.shape[1]
    params = np.empty((n, npar))
    crlb = np.empty((n, npar))
    loglik = np.empty(n)
    converged = np.zeros(n, np.bool_)
    threads = default_threads() if threads is None else max(1, int(threads))
    block = min(_BLOCK, max(16, -(-n // (4 * threads))))  # a few blocks per thread, even for few spots
    run_blocks(
        n, block, threads,
        lambda lo, hi: multi_fit_block(arr, lo, hi, start, k, fit_sigma, sigmas, iterations, tolerance, params, crlb,
                                       loglik, converged, True),
    )
    crlb *= excess_noise
    em = params[:, : 3 * k].reshape(n, k, 3)
    ce = crlb[:, : 3 * k].reshape(n, k, 3)
    return MultiFitResult(
        x=em[:, :, 0],
        y=em[:, :, 1],
        photons=em[:, :, 2],
        background=params[:, 3 * k],
        sigma=params[:, 3 * k + 1] if fit_sigma else sigmas.copy(),
        crlb_x=ce[:, :, 0],
        crlb_y=ce[:, :, 1],
        crlb_photons=ce[:, :, 2],
        log_likelihood=loglik,
        converged=converged,
    )


def pair_start(spots, x, y, photons, background, sigma, psf_sigma) -> np.ndarray:
    """Starting points ``(x_1, y_1, N_1, x_2, y_2, N_2, b)`` for a two-emitter fit.

    The two emitters start on the principal axis of the background-subtracted spot's second
    moments, symmetric about the single-emitter position ``(x, y)``, half the photons each. Their
    distance follows from the excess width of the single fit: two equal emitters ``d`` apart seen
    as one isotropic Gaussian have ``sigma^2 ~ psf_sigma^2 + d^2 / 8``, so
    ``d = sqrt(8 (sigma^2 - psf_sigma^2))``, at least 1.5 pixels.
    """
    arr = np.asarray(spots, dtype=np.float64)
    n, box = arr.shape[0], arr.shape[1]
    x, y, photons, background, sigma = (
        np.broadcast_to(np.asarray(v, np.float64), (n,)) for v in (x, y, photons, background, sigma)
    )
    c = np.arange(box, dtype=np.float64)
    w = np.clip(arr - background[:, None, None], 0.0, None)
    tot = w.sum(axis=(1, 2)) + 1e-9
    dx = c[None, None, :] - x[:, None, None]
    dy = c[None, :, None] - y[:, None, None]
    mxx = (w * dx * dx).sum(axis=(1, 2)) / tot
    myy = (w * dy * dy).sum(axis=(1, 2)) / tot
    mxy = (w * dx * dy).sum(axis=(1, 2)) / tot
    angle = 0.5 * np.arctan2(2.0 * mxy, mxx - myy)
    d = np.sqrt(np.clip(8.0 * (np.square(sigma) - psf_sigma**2), 1.5**2, (0.6 * box) ** 2))
    ux, uy = 0.5 * d * np.cos(angle), 0.5 * d * np.sin(angle)
    lo, hi = -0.4, box - 0.6
    n_half = np.maximum(0.5 * photons, 1.0)
    return np.column_stack([
        np.clip(x - ux, lo, hi), np.clip(y - uy, lo, hi), n_half,
        np.clip(x + ux, lo, hi), np.clip(y + uy, lo, hi), n_half,
        np.maximum(background, 1e-3),
    ])


def _residual_peak(arr, x, y, photons, background, sigma):
    """Peak of the single-emitter residual summed over 3 x 3 pixels: position, sum, significance.

    The significance is the peak sum over its Poisson standard deviation ``sqrt(sum mu)``.
    """
    from napari_maliang.smlm.psf import expected_counts

    n, box = arr.shape[0], arr.shape[1]
    mu = expected_counts(box, x, y, photons, background, sigma).reshape(n, box, box)

    def box3(img):
        p = np.pad(img, ((0, 0), (1, 1), (1, 1)))
        return sum(p[:, i : i + box, j : j + box] for i in range(3) for j in range(3)).reshape(n, -1)

    acc = box3(arr - mu)
    flat = acc.argmax(axis=1)
    peak = acc[np.arange(n), flat]
    z = peak / np.sqrt(np.maximum(box3(mu)[np.arange(n), flat], 1e-9))
    py, px = np.divmod(flat, box)
    return px.astype(np.float64), py.astype(np.float64), peak, z


def residual_start(spots, x, y, photons, background, sigma) -> np.ndarray:
    """Starting points with emitter 1 on the single-emitter fit and emitter 2 on the residual's peak.

    The residual ``spot - mu_single`` summed over 3 x 3 neighbourhoods peaks where the single
    model misses light: the second molecule of an unequal or well-separated pair.
    """
    arr = np.asarray(spots, dtype=np.float64)
    px, py, peak, _ = _residual_peak(arr, x, y, photons, background, sigma)
    return _peak_start(x, y, photons, background, px, py, peak)


def _peak_start(x, y, photons, background, px, py, peak) -> np.ndarray:
    """:func:`residual_start` from the residual peak ``(px, py, peak)``: emitter 2 there with twice
    the peak's 3 x 3 sum (at least 1 photon), emitter 1 on ``(x, y)`` with the rest."""
    n2 = np.clip(peak / 0.5, 1.0, None)
    n1 = np.maximum(np.asarray(photons, np.float64) - 0.5 * n2, 1.0)
    return np.column_stack([x, y, n1, px, py, n2, np.maximum(np.broadcast_to(background, (len(px),)), 1e-3)])


@dataclass
class PairSplit:
    """Outcome of :func:`split_pairs` for ``n`` spots.

    ``split[n]`` is True where two emitters explain the spot better than one; ``pair`` is the
    two-emitter fit (``(n, 2)`` arrays) and ``single`` the one-emitter fit on the same boxes;
    ``llr`` is ``2 (log L_pair - log L_single)``.
    """

    split: np.ndarray
    pair: MultiFitResult
    single: FitResult
    llr: np.ndarray


def split_pairs(
    spots,
    *,
    psf_sigma: float,
    min_llr: float = DEFAULT_MIN_LLR,
    min_separation: float = 0.7,
    iterations: int = 20,
    excess_noise: float = 1.0,
    fit_sigma: bool = True,
    threads: int | None = None,
) -> PairSplit:
    """One emitter or two? Fit both models to every spot and select by the likelihood ratio.

    The one-emitter model has a free width when ``fit_sigma`` (5 parameters) and the two-emitter
    model has the width fixed at ``psf_sigma`` (7 parameters), so a molecule that is simply wider
    than ``psf_sigma`` (defocus) is explained by one emitter and not split. A spot is split when
    ``2 (log L_2 - log L_1) > min_llr``, both emitters have positive photons above three times
    their Cramer-Rao error, both lie inside the box and are at least ``min_separation`` pixels apart.
    The two-emitter fit starts from :func:`pair_start`; where that does not clearly win (statistic
    below ``min_llr + 20``) or did not converge and the single fit leaves a residual peak of at
    least 4 Poisson standard deviations, it is repeated from :func:`residual_start` and the better
    likelihood kept.

    Parameters
    ----------
    spots : array (n, box, box)
        Photon counts, each box centred on a candidate.
    psf_sigma : float
        PSF width (pixels) of the two-emitter model.
    min_llr : float
        Threshold of the log-likelihood ratio statistic (default 30: on isolated simulated spots
        of 200-5000 photons fewer than 1 in 1000 is split).
    min_separation : float
        Smallest distance (pixels) between the two emitters of a split.
    iterations : int
        Largest number of steps of the two-emitter fits.
    excess_noise : float
        Multiplies the Cramer-Rao bounds (sqrt(2) for an EMCCD).
    fit_sigma : bool
        Free width in the one-emitter model (default, recommended: with a fixed width a molecule
        wider than ``psf_sigma`` looks like two and bright ones get split).
    threads : int, optional
        CPU threads (default: every core).
    """
    arr = check_spots(spots)
    box = arr.shape[1]
    single = fit_spots(
        arr, sigma=None if fit_sigma else float(psf_sigma), initial_sigma=float(psf_sigma), iterations=15,
        excess_noise=excess_noise, threads=threads, backend="cpu",
    )
    start = pair_start(arr, single.x, single.y, single.photons, single.background,
                       single.sigma if fit_sigma else psf_sigma * 1.2, psf_sigma)
    pair = fit_emitters(arr, start, sigma=float(psf_sigma), iterations=iterations, excess_noise=excess_noise,
                        threads=threads)
    # a second start (one emitter on the single fit, one on the residual peak) for the spots the
    # symmetric start did not clearly split or where it did not converge (unequal or far-apart
    # pairs, local minima), when the single fit leaves a significant residual peak (a second
    # molecule); the better likelihood wins
    llr = 2.0 * (pair.log_likelihood - single.log_likelihood)
    retry = np.flatnonzero(~(llr > float(min_llr) + 20.0) | ~pair.converged)
    if len(retry):
        px, py, peak, z = _residual_peak(arr[retry].astype(np.float64), single.x[retry], single.y[retry],
                                         single.photons[retry], single.background[retry], single.sigma[retry])
        sig = ~(z < _RETRY_Z)
        retry, px, py, peak = retry[sig], px[sig], py[sig], peak[sig]
    if len(retry):
        start2 = _peak_start(single.x[retry], single.y[retry], single.photons[retry], single.background[retry],
                             px, py, peak)
        pair2 = fit_emitters(arr[retry], start2, sigma=float(psf_sigma), iterations=iterations,
                             excess_noise=excess_noise, threads=threads)
        better = np.nan_to_num(pair2.log_likelihood, nan=-np.inf) > np.nan_to_num(
            pair.log_likelihood[retry], nan=-np.inf)
        take, src = retry[better], np.flatnonzero(better)
        for name in ("x", "y", "photons", "crlb_x", "crlb_y", "crlb_photons", "background", "log_likelihood",
                     "converged"):
            getattr(pair, name)[take] = getattr(pair2, name)[src]
    llr = 2.0 * (pair.log_likelihood - single.log_likelihood)
    inside = ((pair.x > -0.5) & (pair.x < box - 0.5) & (pair.y > -0.5) & (pair.y < box - 0.5)).all(axis=1)
    sep = np.hypot(pair.x[:, 0] - pair.x[:, 1], pair.y[:, 0] - pair.y[:, 1])
    bright = (pair.photons > 3.0 * np.nan_to_num(pair.crlb_photons, nan=np.inf)).all(axis=1)
    finite = np.isfinite(llr) & np.isfinite(pair.crlb_x).all(axis=1) & np.isfinite(pair.crlb_y).all(axis=1)
    split = finite & (llr > float(min_llr)) & inside & bright & (sep >= float(min_separation))
    return PairSplit(split=split, pair=pair, single=single, llr=llr)
