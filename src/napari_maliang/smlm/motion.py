"""Motion Z-statistics of a linear structure between successive data sets (paper section 2.5, 3.3, Figs. 5, 7).

The user draws a line or path along a structure (e.g. an F-actin filament). The analysis:

1. keeps localizations within ``band`` pixels of the drawn line, expressed in path coordinates
   ``(s, d)``: arc length along the path and signed distance from it;
2. splits them into data sets of ``block_frames`` consecutive frames (paper: 8 sets of 1000);
3. cleans every set (paper section 2.5): a straight "mean contour line" ``d = a + b s`` is fitted by
   linear regression, points further than ``reject_sd`` (4) standard deviations from it are
   dropped, and the fit is repeated until nothing changes;
4. projects every set's positions onto the normal of the *first* set's contour line
   (Fig. 5d, 5g);
5. compares successive sets: ``shift = mean_b - mean_a`` and
   ``Z = shift / sqrt(se_a^2 + se_b^2)`` with ``se = sd / sqrt(n)``, two-sided p-value
   ``2 * (1 - Phi(|Z|))`` (Fig. 7).
"""

from __future__ import annotations

import math
from collections.abc import Generator
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from napari_maliang._progress import Progress
from napari_maliang._shared.options import run_steps, takes_options
from napari_maliang.smlm.options import MotionOptions

__all__ = ["MotionOptions", "MotionResult", "motion_analysis", "motion_analysis_steps", "motion_z_statistics", "path_coordinates"]

TABLE_COLUMNS = ("set_a", "set_b", "shift", "z", "p_value", "n_a", "n_b", "mean_a", "mean_b", "se_a", "se_b")


@dataclass
class MotionResult:
    """Everything :func:`motion_analysis` computed.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per pair of successive data sets: ``set_a, set_b, shift, z, p_value, n_a, n_b,
        mean_a, mean_b, se_a, se_b`` (``shift``, means and standard errors in pixels along the
        normal; ``shift_nm`` too when the pixel size is known).
    sets : list of pandas.DataFrame
        Cleaned localizations of every data set (rows of the input, plus ``set``, ``s`` (arc
        length, px), ``d`` (distance from the drawn line, px) and ``projection`` (px)).
    profiles : list of numpy.ndarray
        ``projection`` of every set (what Fig. 5d/5g histograms).
    set_frames : list of (int, int)
        First and last frame of every set.
    normal : numpy.ndarray
        Unit normal of the first set's contour line in path coordinates ``(s, d)``.
    rejected : list of int
        Localizations dropped by the cleaning, per set.
    """

    table: pd.DataFrame
    sets: list = field(default_factory=list)
    profiles: list = field(default_factory=list)
    set_frames: list = field(default_factory=list)
    normal: np.ndarray = field(default_factory=lambda: np.array([0.0, 1.0]))
    rejected: list = field(default_factory=list)


@takes_options(MotionOptions)
def motion_z_statistics(
    locs: pd.DataFrame, line, *, opts: MotionOptions, n_frames: int | None = None, progress=None
) -> pd.DataFrame:
    """The table of :func:`motion_analysis` (paper Fig. 7), whose arguments it takes: one row per successive pair
    of data sets, ``set_a, set_b, shift, z, p_value, n_a, n_b, mean_a, mean_b, se_a, se_b`` (pixels)."""
    return motion_analysis(locs, line, options=opts, n_frames=n_frames, progress=progress).table


def path_coordinates(points_yx: np.ndarray, line: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Arc length ``s`` along ``line`` of the nearest point and signed distance ``d`` from it.

    ``d`` is measured along the normal ``(-t_x, t_y)`` (in (y, x)) of the segment's unit tangent
    ``(t_y, t_x)``. Points beyond the ends are measured from the extended end segments.
    """
    line = np.asarray(line, dtype=float)
    p = np.asarray(points_yx, dtype=float)
    seg = np.diff(line, axis=0)
    lengths = np.hypot(seg[:, 0], seg[:, 1])
    keep = lengths > 1e-12
    line = np.vstack([line[:-1][keep], line[-1:]])
    seg = seg[keep]
    lengths = lengths[keep]
    cum = np.concatenate([[0.0], np.cumsum(lengths)])
    tangent = seg / lengths[:, None]
    normal = np.stack([-tangent[:, 1], tangent[:, 0]], axis=1)
    best = np.full(p.shape[0], np.inf)
    s = np.zeros(p.shape[0])
    d = np.zeros(p.shape[0])
    n_seg = seg.shape[0]
    for k in range(n_seg):
        rel = p - line[k]
        t = rel @ tangent[k]
        lo = -np.inf if k == 0 else 0.0
        hi = np.inf if k == n_seg - 1 else lengths[k]
        tc = np.clip(t, lo, hi)
        foot = line[k] + tc[:, None] * tangent[k]
        dist = np.hypot(*(p - foot).T)
        better = dist < best
        best[better] = dist[better]
        s[better] = cum[k] + tc[better]
        d[better] = (rel @ normal[k])[better]
    return s, d


@takes_options(MotionOptions)
def motion_analysis_steps(
    locs: pd.DataFrame, line, *, opts: MotionOptions, n_frames: int | None = None
) -> Generator[Progress, None, MotionResult]:
    """Z-statistics of the motion of a linear structure between successive data sets (paper Fig. 7), with the
    per-set profiles and cleaned localizations.

    Parameters
    ----------
    locs : pandas.DataFrame
        Localizations with ``frame, x, y`` (camera pixels).
    line : array_like, shape (n, 2)
        Vertices ``(y, x)`` (pixels) of a line or path drawn along the structure (n >= 2).
    {options}
    n_frames : int, optional
        Length of the movie (default ``df.attrs["n_frames"]`` or ``max(frame) + 1``).

    Yields
    ------
    Progress

    Returns
    -------
    MotionResult
        ``table``: one row per successive pair, ``set_a, set_b, shift, z, p_value, n_a, n_b, mean_a, mean_b,
        se_a, se_b`` (pixels); the per-set profiles and cleaned localizations.

    Raises
    ------
    ValueError
        A line with fewer than 2 vertices or outside the data, an empty band, a block too long
        for two data sets, a set with fewer than ``min_locs``.
    """
    block_frames, band, reject_sd, max_iterations, min_locs = (
        opts.block_frames, opts.band, opts.reject_sd, opts.max_iterations, opts.min_locs
    )
    from scipy.stats import norm

    from napari_maliang.smlm.drift import _check_table

    _check_table(locs)
    line = np.asarray(line, dtype=float)
    if line.ndim != 2 or line.shape[1] < 2 or line.shape[0] < 2:
        raise ValueError(f"line must be an (n, 2) array of (y, x) vertices with n >= 2, got shape {line.shape}")
    line = line[:, -2:]  # a 3-D shape (frame, y, x): keep (y, x)
    if not np.all(np.isfinite(line)) or np.hypot(*np.diff(line, axis=0).T).sum() <= 0:
        raise ValueError("line must have finite vertices and a non-zero length")
    frame = np.asarray(locs["frame"], dtype=np.int64)
    last = int(frame.max()) + 1
    n_frames = max(last, int(n_frames if n_frames is not None else locs.attrs.get("n_frames", 0) or 0))
    # a final partial block of at least half a block is a set of its own, a shorter one joins the last set
    n_sets = int(math.floor(n_frames / block_frames + 0.5))
    if n_sets < 2:
        raise ValueError(
            f"block_frames={block_frames} is too large for the movie ({n_frames} frames): need at least two "
            f"data sets to compare; use block_frames <= {max(1, n_frames // 2)}"
        )
    x = np.asarray(locs["x"], dtype=float)
    y = np.asarray(locs["y"], dtype=float)
    finite = np.isfinite(x) & np.isfinite(y)
    # is the line anywhere near the data?
    ymin, ymax, xmin, xmax = y[finite].min(), y[finite].max(), x[finite].min(), x[finite].max()
    if (
        line[:, 0].max() < ymin - band or line[:, 0].min() > ymax + band
        or line[:, 1].max() < xmin - band or line[:, 1].min() > xmax + band
    ):
        raise ValueError(
            f"the line (y {line[:, 0].min():.1f}..{line[:, 0].max():.1f}, x {line[:, 1].min():.1f}.."
            f"{line[:, 1].max():.1f}) lies outside the localizations (y {ymin:.1f}..{ymax:.1f}, x {xmin:.1f}.."
            f"{xmax:.1f}); draw it on the structure in the same coordinates (camera pixels)"
        )
    yield Progress(0.05, 1.0, "selecting the band")
    s, d = path_coordinates(np.stack([y, x], axis=1), line)
    length = float(np.hypot(*np.diff(line, axis=0).T).sum())
    inside = finite & (np.abs(d) <= band) & (s >= 0) & (s <= length)
    if not inside.any():
        raise ValueError(
            f"no localization within {band} px of the line: the band is empty; widen band or redraw the line"
        )
    set_id = np.minimum(frame // block_frames, n_sets - 1)
    sets, profiles, set_frames, rejected, fits = [], [], [], [], []
    for k in range(n_sets):
        sel = np.flatnonzero(inside & (set_id == k))
        first = k * block_frames
        last_frame = (k + 1) * block_frames - 1 if k < n_sets - 1 else n_frames - 1
        if sel.size < min_locs:
            raise ValueError(
                f"data set {k} (frames {first}..{last_frame}) has {sel.size} localizations in the band "
                f"(need at least {min_locs}); use larger block_frames, a wider band, or a line on a denser structure"
            )
        keep, fit = _clean(s[sel], d[sel], float(reject_sd), int(max_iterations))
        if keep.sum() < min_locs:
            raise ValueError(f"data set {k} keeps only {int(keep.sum())} localizations after rejection")
        rejected.append(int(sel.size - keep.sum()))
        sel = sel[keep]
        fits.append(fit)
        set_frames.append((first, last_frame))
        sets.append(sel)
        yield Progress(0.1 + 0.8 * (k + 1) / n_sets, 1.0, f"cleaned data set {k + 1}/{n_sets}")
    # normal of the first set's contour line d = a + b s in (s, d) coordinates
    b0 = fits[0][1]
    normal = np.array([-b0, 1.0]) / math.hypot(b0, 1.0)
    rows, tables = [], []
    pixel_size_nm = locs.attrs.get("pixel_size_nm")
    stats = []
    for k, sel in enumerate(sets):
        proj = s[sel] * normal[0] + d[sel] * normal[1]
        profiles.append(proj)
        n = proj.size
        mean = float(proj.mean())
        se = float(proj.std(ddof=1) / math.sqrt(n))
        stats.append((n, mean, se))
        table = locs.iloc[sel].copy()
        table["set"] = k
        table["s"] = s[sel]
        table["d"] = d[sel]
        table["projection"] = proj
        tables.append(table)
    for k in range(n_sets - 1):
        (na, ma, sa), (nb, mb, sb) = stats[k], stats[k + 1]
        shift = mb - ma
        se = math.hypot(sa, sb)
        z = shift / se if se > 0 else (0.0 if shift == 0 else math.copysign(math.inf, shift))
        p = float(2.0 * norm.sf(abs(z)))
        rows.append((k, k + 1, shift, z, p, na, nb, ma, mb, sa, sb))
    table = pd.DataFrame(rows, columns=list(TABLE_COLUMNS))
    table = table.astype({"set_a": int, "set_b": int, "n_a": int, "n_b": int})
    if pixel_size_nm:
        table["shift_nm"] = table["shift"] * float(pixel_size_nm)
    table.attrs["set_frames"] = set_frames
    table.attrs["block_frames"] = block_frames
    table.attrs["band"] = band
    yield Progress(1.0, 1.0, "Z-statistics done")
    return MotionResult(
        table=table, sets=tables, profiles=profiles, set_frames=set_frames, normal=normal, rejected=rejected
    )


def _clean(s, d, reject_sd, max_iterations):
    """Paper 2.5: iterate a linear regression d = a + b s and drop points > reject_sd SD from it."""
    keep = np.ones(s.size, dtype=bool)
    fit = (float(np.mean(d)), 0.0)
    for _ in range(max_iterations):
        ss, dd = s[keep], d[keep]
        if ss.size < 3 or np.ptp(ss) <= 0:
            fit = (float(np.mean(dd)) if dd.size else 0.0, 0.0)
            break
        b, a = np.polyfit(ss, dd, 1)
        fit = (float(a), float(b))
        resid = d - (a + b * s)
        sd = float(np.std(resid[keep], ddof=2))
        new_keep = np.abs(resid) <= reject_sd * sd if sd > 0 else keep
        if np.array_equal(new_keep, keep):
            break
        keep = new_keep
    return keep, fit


motion_analysis = run_steps(motion_analysis_steps)
