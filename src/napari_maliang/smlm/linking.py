"""Linking of localizations: one molecule's localizations in consecutive frames merged into one.

A molecule that stays on for several frames, or blinks off for a few frames and on again, is localized once per
frame; counting each localization as a molecule over-counts and clusters the image (Annibale et al. 2011).
:func:`link` joins them into tracks frame by frame and merges every track into one localization of the
inverse-variance weighted mean position (the picasso ``link`` and ThunderSTORM "merging" post-processing).
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd

from napari_maliang._shared.options import takes_options
from napari_maliang.smlm.io import _check_locs
from napari_maliang.smlm.options import LinkOptions

__all__ = ["MISS_PROBABILITY", "LinkOptions", "gate_factor", "link", "link_ids"]

#: the chance that two localizations of one molecule fall further apart than the automatic gate
MISS_PROBABILITY = 1e-3

_SUMMED = ("photons", "log_likelihood")
_SPAN = ("first_frame", "n_frames", "n_locs")
_POSITION = ("x", "y", "uncertainty_x", "uncertainty_y")


def gate_factor(miss_probability: float = MISS_PROBABILITY) -> float:
    """The automatic gate in units of the pair's scale ``s``: ``sqrt(2 ln(1/p))`` (3.717 for ``p = 1e-3``).

    The distance ``r`` between two localizations of one molecule, each off by a Gaussian error of standard
    deviation ``u_i`` per axis, is Rayleigh distributed with scale ``s = sqrt(u_i**2 + u_j**2)``:
    ``P(r > R) = exp(-R**2 / (2 s**2))``, which is ``p`` at ``R = s sqrt(2 ln(1/p))``.

    References
    ----------
    .. [1] A. Papoulis, S. U. Pillai, *Probability, Random Variables and Stochastic Processes*, 4th ed.,
       McGraw-Hill (2002), section 6-4 (the Rayleigh distribution of the length of a 2-D Gaussian vector).
    """
    if not 0 < miss_probability < 1:
        raise ValueError(f"miss_probability must be between 0 and 1, got {miss_probability}")
    return math.sqrt(2.0 * math.log(1.0 / miss_probability))


def _pair_uncertainty(locs: pd.DataFrame) -> np.ndarray:
    """The per-axis uncertainty of every localization for the automatic gate: the mean of x and y."""
    missing = [c for c in ("uncertainty_x", "uncertainty_y") if c not in locs.columns]
    if missing:
        raise ValueError(
            f"link(radius=None) gates each pair by its localization uncertainty, but the table lacks {missing}; "
            "give a radius in camera pixels"
        )
    u = 0.5 * (locs["uncertainty_x"].to_numpy(np.float64) + locs["uncertainty_y"].to_numpy(np.float64))
    bad = ~(np.isfinite(u) & (u > 0))
    if bad.any():
        raise ValueError(
            f"link(radius=None) gates each pair by its localization uncertainty, but {int(bad.sum())} "
            "localization(s) have no finite positive uncertainty_x/uncertainty_y; give a radius in camera pixels"
        )
    return u


@takes_options(LinkOptions, positional=("radius", "max_dark"))
def link_ids(locs: pd.DataFrame, *, opts: LinkOptions) -> np.ndarray:
    """The track id of every localization: the linking step of :func:`link` without the merging.

    Parameters
    ----------
    locs : pandas.DataFrame
        Localizations with ``frame, x, y`` (camera pixels), and ``uncertainty_x, uncertainty_y`` when
        ``radius`` is None. Frames need not be sorted.
    {options}

    Returns
    -------
    ndarray of int64, shape (len(locs),)
        Track ids ``0, 1, ...`` in the order the tracks start (by frame, then by row), in the row order of
        ``locs``.
    """
    return _link_tracks(_check_locs(locs), opts)[0]


def _link_tracks(locs: pd.DataFrame, opts: LinkOptions) -> tuple[np.ndarray, np.ndarray]:
    """Track ids (row order) and the row of every track's first localization (numba, :mod:`._link_numba`)."""
    if len(locs) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    frame = locs["frame"].to_numpy()
    if frame.dtype.kind not in "iu":
        raise ValueError(f"the frame column must hold integers, got dtype {frame.dtype}")
    x = locs["x"].to_numpy(np.float64)
    y = locs["y"].to_numpy(np.float64)
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise ValueError("x and y must be finite; filter the localizations without a position first")
    u = np.zeros(len(locs)) if opts.radius is not None else _pair_uncertainty(locs)
    from napari_maliang.smlm._link_numba import link_tracks

    return link_tracks(np.ascontiguousarray(frame, np.int64), x, y, u,
                       0.0 if opts.radius is None else float(opts.radius), gate_factor(), int(opts.max_dark))


@takes_options(LinkOptions, positional=("radius", "max_dark"))
def link(locs: pd.DataFrame, *, opts: LinkOptions) -> pd.DataFrame:
    r"""Merge each molecule's localizations in consecutive frames into one localization.

    Frame by frame (frames sorted ascending), every localization joins the nearest still-open track: one
    whose last localization lies within the gate and whose last frame is at least ``frame - max_dark - 1``,
    each track taking at most one localization per frame. The candidate pairs of a frame are assigned greedily,
    the closest first (distance over the pair's gate), which for isolated molecules is the nearest-neighbour
    rule and stays one-to-one in dense frames. A localization left over starts a new track.

    The gate is ``radius`` or, when ``radius`` is None, drawn per pair from the localization uncertainties
    ``u = (uncertainty_x + uncertainty_y) / 2``: two localizations of one molecule lie a Rayleigh-distributed
    distance apart of scale :math:`s = \sqrt{u_i^2 + u_j^2}`, so

    .. math:: r_{ij} = s \sqrt{2 \ln(1/p)}, \qquad p = 10^{-3} \;(r_{ij} = 3.72\,s)

    misses one true pair in a thousand (:data:`MISS_PROBABILITY`, :func:`gate_factor`).

    Each track of localizations :math:`i = 1..n` becomes one row with the inverse-variance weighted mean

    .. math:: \bar x = \frac{\sum_i x_i / u_{x,i}^2}{\sum_i 1 / u_{x,i}^2}, \qquad
              u_{\bar x} = \Big(\sum_i 1 / u_{x,i}^2\Big)^{-1/2}

    (and the same for ``y``); a localization whose uncertainty is missing, not finite or not positive has no
    weight, and a track with no weight at all gets the plain mean and a NaN uncertainty. ``photons`` and
    ``log_likelihood`` (the log-likelihood of independent frames adds) are summed, ``frame`` is the first
    frame, every other numeric column (``background``, ``sigma``, extra columns) is averaged and other
    columns take the value of the track's first localization. Added columns: ``first_frame``, ``n_frames``
    (frames spanned, last - first + 1) and ``n_locs`` (localizations merged); linking an already linked table
    combines them.

    Parameters
    ----------
    locs : pandas.DataFrame
        Localizations with ``frame`` (integers, any order, negative allowed), ``x, y`` (camera pixels) and,
        for the automatic gate and the weights, ``uncertainty_x, uncertainty_y``. Not modified.
    {options}

    Returns
    -------
    pandas.DataFrame
        One row per track, ordered by first frame, with the columns of ``locs`` plus ``first_frame, n_frames,
        n_locs`` and the ``attrs`` of ``locs``. An empty table gives an empty table with these columns.
    """
    locs = _check_locs(locs)
    ids, first_rows = _link_tracks(locs, opts)
    return _merge(locs, ids, first_rows)


def _merge(locs: pd.DataFrame, ids: np.ndarray, first_rows: np.ndarray) -> pd.DataFrame:
    """One row per track id (ids ``0..k-1``, ``first_rows``: the row of each track's first localization in time):
    the weighted means, sums and spans described in :func:`link`. The per-track sums are numba passes over the
    rows in row order (:mod:`._link_numba`; the sums ``np.bincount`` makes), run on two threads."""
    from napari_maliang.smlm._link_numba import track_span, track_sums, weighted_sums

    k = len(first_rows)
    frame = locs["frame"].to_numpy()
    first = locs["first_frame"].to_numpy().astype(np.int64) if "first_frame" in locs.columns else frame
    last = first + locs["n_frames"].to_numpy().astype(np.int64) - 1 if "n_frames" in locs.columns else frame
    xy = {axis: locs[axis].to_numpy(np.float64) for axis in ("x", "y")}
    summed = [name for name in locs.columns
              if name not in (*_SPAN, "frame", *_POSITION) and locs[name].dtype.kind in "iufb"]
    with ThreadPoolExecutor(2) as pool:  # the passes are independent and release the GIL
        span = pool.submit(track_span, ids, k, np.ascontiguousarray(first, np.int64),
                           np.ascontiguousarray(last, np.int64))
        sums = {axis: pool.submit(weighted_sums, ids, k, xy[axis], *_uncertainty(locs, axis)) for axis in ("x", "y")}
        totals = {name: pool.submit(track_sums, ids, k, locs[name].to_numpy()) for name in summed}
        if "n_locs" in locs.columns:
            totals["n_locs"] = pool.submit(track_sums, ids, k, locs["n_locs"].to_numpy())
        count, first_frame, last_frame = span.result()
        totals = {name: future.result() for name, future in totals.items()}
        sums = {axis: future.result() for axis, future in sums.items()}

    columns = {"frame": first_frame}
    for axis in ("x", "y"):
        weight, weighted_sum, plain_sum = sums[axis]
        with np.errstate(divide="ignore", invalid="ignore"):
            columns[axis] = np.where(weight > 0, weighted_sum / weight, plain_sum / count)
            sd = np.where(weight > 0, 1.0 / np.sqrt(weight), np.nan)
        if f"uncertainty_{axis}" in locs.columns:
            columns[f"uncertainty_{axis}"] = sd.astype(locs[f"uncertainty_{axis}"].dtype)
    for name in locs.columns:
        if name in _SPAN or name in columns:
            continue
        values = locs[name].to_numpy()
        if name in totals:
            merged = totals[name] if name in _SUMMED else totals[name] / count
            columns[name] = merged.astype(values.dtype) if values.dtype.kind == "f" else merged
        else:
            columns[name] = values[first_rows]
    columns["frame"] = first_frame.astype(frame.dtype)
    columns["first_frame"] = first_frame
    columns["n_frames"] = last_frame - first_frame + 1
    columns["n_locs"] = (totals["n_locs"] if "n_locs" in totals else count).astype(np.int64)
    # every column is a new array: no copy into one block (3 ms on 280k tracks)
    out = pd.DataFrame({name: columns[name] for name in (*(c for c in locs.columns if c not in _SPAN), *_SPAN)},
                       copy=False)
    out.attrs.update(locs.attrs)
    return out


def _uncertainty(locs: pd.DataFrame, axis: str):
    """The ``uncertainty_<axis>`` column and True, or an empty array and False when the table has none."""
    name = f"uncertainty_{axis}"
    return (locs[name].to_numpy(), True) if name in locs.columns else (np.zeros(0), False)
