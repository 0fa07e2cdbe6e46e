"""What the CPU and GPU spot fitters share: input checks and the result record (:func:`~.fit.fit_spots`)."""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import pandas as pd

__all__ = ["FitResult", "check_fit_options", "check_spots", "fit_result"]


@dataclass
class FitResult:
    """Per-spot results of :func:`fit_spots` (all NumPy arrays of length ``n``).

    Coordinates are in the box: pixel centres at integer coordinates, ``x`` the column,
    ``y`` the row. ``crlb_x``/``crlb_y`` are standard deviations in pixels (square root of
    the Cramer-Rao bound, times ``excess_noise``); ``crlb_photons``, ``crlb_background`` and
    ``crlb_sigma`` likewise (``crlb_sigma`` is 0 when sigma was fixed).
    ``log_likelihood`` is the full Poisson log-likelihood ``sum(q log mu - mu - log q!)``
    at the estimate; ``converged`` is True when a step fell below ``tolerance`` within
    ``iterations`` and the position stayed inside the box; ``iterations`` counts the steps.
    """

    x: np.ndarray
    y: np.ndarray
    photons: np.ndarray
    background: np.ndarray
    sigma: np.ndarray
    crlb_x: np.ndarray
    crlb_y: np.ndarray
    crlb_photons: np.ndarray
    crlb_background: np.ndarray
    crlb_sigma: np.ndarray
    log_likelihood: np.ndarray
    converged: np.ndarray
    iterations: np.ndarray

    def __len__(self) -> int:
        return len(self.x)

    def to_dataframe(self) -> pd.DataFrame:
        """All fields as columns of a DataFrame (one row per spot)."""
        return pd.DataFrame({f.name: getattr(self, f.name) for f in fields(self)})


def check_spots(spots, *, finite: bool = True) -> np.ndarray:
    """``spots`` as a C-contiguous float32 (n, box, box) array; ``finite=False`` leaves the NaN/inf scan to the caller
    (the GPU fitter scans on the device, where it costs nothing, instead of a host pass over every pixel)."""
    arr = np.asarray(spots)
    if arr.ndim == 2:
        arr = arr[None]
    if arr.ndim != 3 or arr.shape[1] != arr.shape[2]:
        raise ValueError(f"spots must have shape (n, box, box) with square boxes, got {arr.shape}")
    if not (np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)):
        raise TypeError(f"spots must be a numeric array, got dtype {arr.dtype}")
    if arr.shape[1] < 3:
        raise ValueError(f"box must be at least 3 x 3 pixels, got {arr.shape[1]}")
    arr = np.ascontiguousarray(arr, dtype=np.float32)
    if finite and arr.size and not np.isfinite(arr).all():
        raise_not_finite(int(np.count_nonzero(~np.isfinite(arr).all(axis=(1, 2)))))
    return arr


def raise_not_finite(bad: int):
    raise ValueError(f"{bad} spot(s) contain NaN or infinite pixels; drop or repair them before fitting")


def check_fit_options(n, sigma, iterations, tolerance, excess_noise, initial_sigma):
    iterations = int(iterations)
    if iterations < 0:
        raise ValueError(f"iterations must be >= 0, got {iterations}")
    tolerance = float(tolerance)
    if not tolerance >= 0:
        raise ValueError(f"tolerance must be >= 0, got {tolerance}")
    excess_noise = float(excess_noise)
    if not excess_noise >= 1.0:
        raise ValueError(f"excess_noise must be >= 1 (1 for sCMOS/CCD, sqrt(2) for EMCCD), got {excess_noise}")
    initial_sigma = float(initial_sigma)
    if not initial_sigma > 0:
        raise ValueError(f"initial_sigma must be > 0, got {initial_sigma}")
    if sigma is None:
        sigmas = np.full(n, initial_sigma)
        fit_sigma = True
    else:
        sigmas = np.asarray(sigma, dtype=np.float64)
        if sigmas.ndim == 0:
            sigmas = np.full(n, float(sigmas))
        if sigmas.shape != (n,):
            raise ValueError(f"sigma must be None, a number or an array of length {n}, got shape {sigmas.shape}")
        if not np.all(sigmas > 0):
            raise ValueError("sigma must be > 0 (the PSF standard deviation in pixels)")
        fit_sigma = False
    return np.ascontiguousarray(sigmas), fit_sigma, iterations, tolerance, excess_noise, initial_sigma


def fit_result(params, crlb, loglik, converged, iterations, excess_noise) -> FitResult:
    crlb = crlb * excess_noise
    return FitResult(
        x=params[:, 0],
        y=params[:, 1],
        photons=params[:, 2],
        background=params[:, 3],
        sigma=params[:, 4],
        crlb_x=crlb[:, 0],
        crlb_y=crlb[:, 1],
        crlb_photons=crlb[:, 2],
        crlb_background=crlb[:, 3],
        crlb_sigma=crlb[:, 4],
        log_likelihood=loglik,
        converged=converged,
        iterations=iterations,
    )
