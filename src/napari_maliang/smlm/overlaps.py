"""Overlapping molecules within one chunk: the two-emitter refit of suspects and duplicate removal.

An extension beyond Quan et al. 2010 (whose section 2.3 only rejects overlapping spots): suspected overlaps are
refitted by one and by two emitters (:func:`~napari_maliang.smlm.multifit.split_pairs`) and split where two
explain the pixels better; candidates that converged onto one molecule are merged.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from napari_maliang._backend import to_numpy
from napari_maliang._shared.robust import mad_sigma
from napari_maliang.smlm.camera import Camera
from napari_maliang.smlm.detect import Detections, extract_spots

if TYPE_CHECKING:
    from napari_maliang.smlm.block import BlockParams

__all__ = ["drop_duplicates", "fit_deviance", "near_pairs", "split_overlapping"]


def split_overlapping(block, det, res, keep, params: BlockParams, camera: Camera, first_frame: int, spots):
    """Refit suspected overlaps with one and with two emitters; replace the split ones by two rows.

    Suspects: spots wider than ``psf_sigma`` by more than two standard deviations (of the width's
    Cramer-Rao error combined with the spread of bright spots' widths; only when the width is
    fitted), poor fits (Poisson deviance above ``box^2 + 3 box``), spots with another candidate
    within ``box // 2 + 2`` pixels (Chebyshev) in the same frame, and failed or width-rejected
    single fits. Each suspect is cut out again in a ``box + 2`` square centred on its
    single-emitter position and handed to
    :func:`~napari_maliang.smlm.multifit.split_pairs` (one emitter with a free width vs two at the
    PSF width, likelihood-ratio test). Returns the updated ``keep`` mask and ``(rows, scores)`` of
    the separated molecules (None when nothing was split).
    """
    from napari_maliang.smlm.multifit import split_pairs

    box = params.box
    sigma = np.asarray(res.sigma, np.float64)
    x = np.asarray(res.x, np.float64)
    y = np.asarray(res.y, np.float64)
    n = len(det)
    # the two-emitter model uses the PSF width the user gave (psf_sigma; estimate_psf_sigma measures
    # it): a median of the fitted widths would be inflated where most spots are overlaps
    sigma_ref = params.psf_sigma
    if params.fit_sigma and keep.sum() >= 3:
        good = keep & np.isfinite(sigma)
        crlb_sigma = np.nan_to_num(np.asarray(res.crlb_sigma, np.float64), nan=np.inf)
        bright = good & (crlb_sigma <= np.median(crlb_sigma[good]))
        floor = mad_sigma(sigma[bright]) if bright.sum() >= 3 else 0.0
        floor = min(floor, 0.1 * sigma_ref)
        wide = ~(sigma <= sigma_ref + 2.0 * np.sqrt(crlb_sigma**2 + floor**2))
    else:
        wide = np.zeros(n, bool)
    # another candidate of the same frame within box // 2 + 2 pixels (Chebyshev)
    near = near_pairs(det, box // 2 + 2, block.shape[-2])
    # poor single-emitter fits: Poisson deviance 2 (log L_saturated - log L) above box^2 + 3 box,
    # about two standard deviations above its chi-square expectation (box^2 - 5 degrees of freedom)
    poor = fit_deviance(spots, np.asarray(res.log_likelihood, np.float64)) > _DEV_A * box * box + _DEV_B * box
    suspect = wide | near | ~keep | poor
    if not suspect.any():
        return keep, None
    idx = np.flatnonzero(suspect)
    h, w = block.shape[-2:]
    mbox = box + 2 if box + 2 <= min(h, w) else box
    mh = mbox // 2
    # centred on the single fit where it stayed in its box (between the two molecules of a merged
    # pair, also when the width rejection dropped it), else on the candidate pixel
    xi, yi = x[idx], y[idx]
    inside = np.isfinite(xi) & np.isfinite(yi) & (xi > -0.5) & (xi < box - 0.5) & (yi > -0.5) & (yi < box - 0.5)
    cx = np.where(inside, det.x0[idx] + np.nan_to_num(xi), det.x[idx])
    cy = np.where(inside, det.y0[idx] + np.nan_to_num(yi), det.y[idx])
    cx = np.rint(cx).astype(np.int64)
    cy = np.rint(cy).astype(np.int64)
    sub = Detections(
        frame=det.frame[idx],
        y=cy.astype(np.int32),
        x=cx.astype(np.int32),
        y0=np.clip(cy - mh, 0, h - mbox).astype(np.int32),
        x0=np.clip(cx - mh, 0, w - mbox).astype(np.int32),
        score=det.score[idx],
        noise=det.noise,
        box=mbox,
    )
    spots = camera.to_photons(to_numpy(extract_spots(block, sub)))
    out = split_pairs(
        spots,
        psf_sigma=sigma_ref,
        min_llr=params.min_llr,
        min_separation=1.0,
        iterations=max(params.iterations, 20),
        excess_noise=camera.excess_noise,
        fit_sigma=True,  # the null model keeps a free width even when the table's width is fixed
    )
    if not out.split.any():
        return keep, None
    s = np.flatnonzero(out.split)
    keep = keep.copy()
    keep[idx[s]] = False
    pair = out.pair
    frame = np.repeat(sub.frame[s], 2)
    px = (sub.x0[s, None] + pair.x[s]).ravel()
    py = (sub.y0[s, None] + pair.y[s]).ravel()
    rows = pd.DataFrame(
        {
            "frame": (frame + int(first_frame)).astype(np.int64),
            "x": px,
            "y": py,
            "photons": pair.photons[s].ravel().astype(np.float32),
            "background": np.repeat(pair.background[s], 2).astype(np.float32),
            "sigma": np.full(2 * len(s), sigma_ref, np.float32),
            "uncertainty_x": pair.crlb_x[s].ravel().astype(np.float32),
            "uncertainty_y": pair.crlb_y[s].ravel().astype(np.float32),
            "log_likelihood": np.repeat(pair.log_likelihood[s], 2).astype(np.float32),
        }
    )
    centre = 0.5 * (mbox - 1)
    score = -np.hypot(pair.x[s] - centre - (sub.x[s, None] - sub.x0[s, None] - centre),
                      pair.y[s] - centre - (sub.y[s, None] - sub.y0[s, None] - centre)).ravel()
    return keep, (rows, score)


_DEV_A, _DEV_B = 1.0, 3.0  # a single fit is poor when its deviance exceeds A box^2 + B box (box 7: 70)


def fit_deviance(spots: np.ndarray, loglik: np.ndarray) -> np.ndarray:
    """Poisson deviance ``2 (log L_saturated - log L)`` of each spot's fit (counts below 0 as 0)."""
    from napari_maliang._shared.threads import default_threads, run_blocks
    from napari_maliang.smlm._multifit_numba import deviance

    spots = np.ascontiguousarray(spots, dtype=np.float32)
    loglik = np.ascontiguousarray(loglik, dtype=np.float64)
    out = np.empty(len(spots))
    # on every core, in blocks (the kernel releases the GIL): one log-gamma per pixel made it a third of the
    # host's time in a GPU run (46 ms of 0.41 s for 1000 frames of 512 x 512 on one core of an H200's host)
    run_blocks(len(spots), 8192, default_threads(),
                lambda start, stop: deviance(spots[start:stop], loglik[start:stop], out[start:stop]))
    return out


def near_pairs(det: Detections, radius: int, height: int) -> np.ndarray:
    """Mask of candidates with another candidate of the same frame within ``radius`` (Chebyshev).

    Candidates come frame by frame in raster order, so ``frame * (H + 2 radius + 2) + row`` is
    sorted and every neighbour lies a few places further in that order.
    """
    n = len(det)
    near = np.zeros(n, bool)
    if n < 2:
        return near
    key = det.frame.astype(np.int64) * (int(height) + 2 * radius + 2) + det.y.astype(np.int64)
    x = det.x.astype(np.int64)
    order = None
    if np.any(np.diff(key) < 0):  # not in raster order (not from detect): sort first
        order = np.argsort(key, kind="stable")
        key, x = key[order], x[order]
    idx = np.arange(n)
    end = np.searchsorted(key, key + radius, side="right")
    for k in range(1, int((end - idx).max())):
        i = idx[: n - k]
        j = i + k
        hit = (j < end[i]) & (np.abs(x[j] - x[i]) <= radius)
        near[i[hit]] = True
        near[j[hit]] = True
    if order is None:
        return near
    out = np.empty(n, bool)
    out[order] = near  # back to the callers' order
    return out


def drop_duplicates(table: pd.DataFrame, score: np.ndarray, radius: float = 1.0) -> pd.DataFrame:
    """Two candidates of one frame that converged onto the same molecule: keep the stronger one."""
    if len(table) < 2:
        return table
    from scipy.spatial import cKDTree

    pts = np.column_stack([table["frame"].to_numpy() * 1.0e4, table["y"].to_numpy(), table["x"].to_numpy()])
    pairs = cKDTree(pts).query_pairs(radius, output_type="ndarray")
    if len(pairs) == 0:
        return table
    drop = np.zeros(len(table), bool)
    for i, j in pairs:
        if drop[i] or drop[j]:
            continue
        drop[j if score[i] >= score[j] else i] = True
    return table[~drop]
