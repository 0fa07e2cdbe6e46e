"""One chunk of frames through the MaLiang routine: detect, fit, split overlaps, reject wide spots.

:func:`localize_block` is pure (frames in, table out): :func:`~napari_maliang.smlm.pipeline.localize_steps` runs
it chunk after chunk, or as one ``dask.delayed`` task per chunk.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from napari_maliang._backend import resolve_backend, to_numpy
from napari_maliang.smlm.camera import Camera
from napari_maliang.smlm.detect import detect, extract_spots, reject_wide
from napari_maliang.smlm.options import DEFAULT_MIN_LLR
from napari_maliang.smlm.overlaps import drop_duplicates, split_overlapping
from napari_maliang.smlm.table import empty_table

__all__ = ["BlockParams", "localize_block"]


@dataclass(frozen=True)
class BlockParams:
    """The validated options of one run, as one chunk needs them (plain values: a dask task pickles them)."""

    psf_sigma: float
    threshold: float
    box: int
    camera: dict
    backend: str
    iterations: int
    fit_sigma: bool
    min_distance: int
    reject_n_std: float | None
    multi_emitter: bool = True
    min_llr: float = DEFAULT_MIN_LLR


def _fit(spots: np.ndarray, params: BlockParams, camera: Camera):
    """Single-emitter fits of a chunk's spots (the excess noise of an EMCCD goes into the fit's CRLB)."""
    from napari_maliang.smlm.fit import fit_spots

    return fit_spots(
        spots,
        sigma=None if params.fit_sigma else params.psf_sigma,
        iterations=params.iterations,
        backend=params.backend,
        excess_noise=camera.excess_noise,
        **({"initial_sigma": params.psf_sigma} if params.fit_sigma else {}),
    )


def localize_block(block, first_frame: int, params: BlockParams | dict) -> pd.DataFrame:
    """Localize every molecule of one chunk of frames (pure; what each dask task runs).

    Detection, single-emitter fits, the multi-emitter refit of suspected overlaps (``multi_emitter``,
    on the CPU also for the GPU backend) and the width rejection; see :func:`localize`.

    Parameters
    ----------
    block : array (n, H, W)
        Raw camera frames (ADU).
    first_frame : int
        Index of ``block[0]`` in the whole stack (added to the ``frame`` column).
    params : dict or internal parameter record
        Keyword options of :func:`localize` after validation.
    """
    if isinstance(params, dict):
        params = BlockParams(**params)
    camera = Camera.from_dict(params.camera)
    backend = resolve_backend(params.backend)
    block = np.asarray(block) if backend == "cpu" else block
    if block.ndim == 2:
        block = block[None]
    if block.dtype.kind == "f":
        bad = ~np.isfinite(np.asarray(block).reshape(block.shape[0], -1)).all(axis=1)
        if bad.any():
            f = first_frame + int(np.flatnonzero(bad)[0])
            raise ValueError(
                f"frame {f} contains NaN or infinite pixels; replace them (e.g. with the median) before localizing"
            )
    if backend == "gpu":
        import cupy as cp

        block = cp.asarray(block)  # staging through pinned memory was tried: no faster (25.7 ms per 128 MiB, H200)
    # Detection runs on the raw counts: the de-noising filter sums to zero, so the camera
    # offset cancels and the gain scales signal and noise alike. Only the cut-outs are
    # converted to photons (no float copy of the whole chunk).
    det = detect(
        block,
        psf_sigma=params.psf_sigma,
        threshold=params.threshold,
        box=params.box,
        min_distance=params.min_distance,
        backend=backend,
    )
    if len(det) == 0:
        return empty_table()
    spots = camera.to_photons(to_numpy(extract_spots(block, det)))
    res = _fit(spots, params, camera)

    x = np.asarray(res.x, np.float64)
    y = np.asarray(res.y, np.float64)
    photons = np.asarray(res.photons, np.float64)
    bg = np.asarray(res.background, np.float64)
    sigma = np.asarray(res.sigma, np.float64)
    box = params.box
    keep = (
        np.isfinite(x)
        & np.isfinite(y)
        & np.isfinite(photons)
        & np.isfinite(sigma)
        & (photons > 0)
        & (sigma > 0.2 * params.psf_sigma)
        & (x > -0.5)
        & (x < box - 0.5)
        & (y > -0.5)
        & (y < box - 0.5)
    )
    if params.reject_n_std is not None and params.fit_sigma:
        crlb_sigma = getattr(res, "crlb_sigma", None)
        keep &= reject_wide(np.where(keep, sigma, np.nan), n_std=params.reject_n_std, sigma_std=crlb_sigma)
    table = pd.DataFrame(
        {
            "frame": (det.frame + int(first_frame)).astype(np.int64),
            "x": det.x0 + x,
            "y": det.y0 + y,
            "photons": photons.astype(np.float32),
            "background": bg.astype(np.float32),
            "sigma": sigma.astype(np.float32),
            "uncertainty_x": np.asarray(res.crlb_x, np.float32),
            "uncertainty_y": np.asarray(res.crlb_y, np.float32),
            "log_likelihood": np.asarray(res.log_likelihood, np.float32),
        }
    )
    pairs = None
    if params.multi_emitter:
        keep, pairs = split_overlapping(block, det, res, keep, params, camera, first_frame, spots)
        # tie-break of duplicate removal: closeness of each fit to its candidate pixel (the centre
        # of its box away from the frame border; a fit there saw the whole molecule)
        half = 0.5 * (box - 1)
        score = -np.hypot(np.nan_to_num(x, nan=1e3) - half - (det.x - det.x0 - half),
                          np.nan_to_num(y, nan=1e3) - half - (det.y - det.y0 - half))
    else:
        score = det.score
    table, score = table[keep], score[keep]
    if pairs is not None:
        table = pd.concat([table, pairs[0]], ignore_index=True)
        score = np.concatenate([score, pairs[1]])
    return drop_duplicates(table, score).reset_index(drop=True)
