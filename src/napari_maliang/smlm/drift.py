"""Sample drift correction of localization tables: fiducial beads and redundant cross-correlation.

``method="fiducial"`` follows paper section 3.3 and Fig. 6 (after Betzig et al. 2006): one or
more fluorescent beads are tracked through the acquisition, their trajectories averaged, the
*smooth* drift (a smoothing spline, so that the beads' own localization noise is not written
into the data) is subtracted from every localization.

``method="rcc"`` is fiducial-free redundant cross-correlation (Wang et al., Opt. Express 22,
15982, 2014): the movie is cut into time segments, each rendered; the drift between *every* pair
of segments is measured from the sub-pixel peak of their cross-correlation; the over-determined
system ``d_j - d_i = r_ij`` is solved by least squares, pairs whose residual exceeds
``rmax`` are dropped one by one (outlier rejection), and the segment drifts are interpolated
to every frame.

Conventions: the drift table has one row per frame ``0 .. n_frames - 1`` with ``frame, dx, dy``
in camera pixels (the units of ``x, y``), zero at frame 0; corrected positions are
``x - dx[frame]``, ``y - dy[frame]``. The input table is never modified.
"""

from __future__ import annotations

import math
from collections.abc import Generator

import numpy as np
import pandas as pd

from napari_maliang._progress import Progress
from napari_maliang._shared.options import run_steps
from napari_maliang._shared.robust import MAD_TO_SIGMA, mad_sigma
from napari_maliang.smlm.options import DRIFT_METHODS, FiducialDriftOptions, RccDriftOptions

__all__ = [
    "DRIFT_METHODS",
    "FiducialDriftOptions",
    "RccDriftOptions",
    "apply_drift",
    "correct_drift",
    "correct_drift_steps",
    "find_fiducials",
]





# ---------------------------------------------------------------------------------------------- public


def correct_drift_steps(
    locs: pd.DataFrame, *, method: str = "fiducial", fiducials=None, n_frames: int | None = None, options=None,
    **fields,
) -> Generator[Progress, None, tuple[pd.DataFrame, pd.DataFrame]]:
    """Estimate and remove sample drift (paper section 3.3, Fig. 6; Wang et al. 2014 for RCC).

    Parameters
    ----------
    locs : pandas.DataFrame
        Localizations with ``frame, x, y`` (camera pixels). Not modified.
    method : {"fiducial", "rcc"}
        Fiducial beads, or redundant cross-correlation of time segments.
    fiducials : array (k, 2), optional
        Fiducial: the ``(y, x)`` bead positions; default: found automatically (:func:`find_fiducials`).
    n_frames : int, optional
        Frames of the movie; default ``locs.attrs["n_frames"]`` or ``max(frame) + 1``.
    options : FiducialDriftOptions or RccDriftOptions, optional
        The method's options, which ``fields`` then change.
    **fields
        Fields of the method's options class (:data:`DRIFT_METHODS`): for "fiducial"
        :class:`FiducialDriftOptions` (``radius``, ``min_presence``, ``max_spread``, ``smoothing``,
        ``remove_fiducials``), for "rcc" :class:`RccDriftOptions` (``segment_frames``, ``bin_size``, ``blur``,
        ``max_shift``, ``rmax``, ``min_locs``, ``refine``).

    Yields
    ------
    Progress

    Returns
    -------
    corrected : pandas.DataFrame
        A copy of ``locs`` with drift-corrected ``x, y``; ``attrs["drift_method"]`` is set.
    drift : pandas.DataFrame
        ``frame, dx, dy`` for every frame (camera pixels); fiducial tables also hold the raw
        averaged bead trajectory ``dx_fiducial, dy_fiducial`` (NaN in frames without a bead),
        RCC tables have ``attrs["segments"]`` (per-segment drifts) and ``attrs["pairs"]``.

    Raises
    ------
    ValueError
        Unknown method or option, missing columns, no fiducial found, fewer than two segments,
        too few localizations in a segment.

    References
    ----------
    The fiducial method: :attr:`FiducialDriftOptions.references`; RCC: :attr:`RccDriftOptions.references`.
    """
    if method not in DRIFT_METHODS:
        raise ValueError(f"method must be one of {tuple(DRIFT_METHODS)}, got {method!r}")
    opts = _method_options(method, options, fields)
    if fiducials is not None and method != "fiducial":
        raise ValueError("fiducials are the beads of method='fiducial'")
    _check_table(locs)
    n_frames = _n_frames(locs, n_frames)
    if method == "fiducial":
        drift, fid_mask = yield from _fiducial_drift(locs, n_frames, opts, fiducials)
    else:
        drift = yield from _rcc_drift(locs, n_frames, opts)
        fid_mask = None
    corrected = apply_drift(locs, drift)
    if fid_mask is not None and opts.remove_fiducials:
        corrected = corrected.loc[~fid_mask].reset_index(drop=True)
    corrected.attrs["drift_method"] = method
    yield Progress(1.0, 1.0, "drift corrected")
    return corrected, drift


correct_drift = run_steps(correct_drift_steps)


def _method_options(method: str, options, fields: dict):
    cls = DRIFT_METHODS[method]
    known = {opt.name for opt in cls.fields_of()}
    unknown = sorted(set(fields) - known)
    if unknown:
        raise ValueError(f"unknown option(s) {unknown} for method={method!r}; allowed: {sorted(known)}")
    return cls.build(options, **fields)


def apply_drift(locs: pd.DataFrame, drift: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of ``locs`` with ``x - dx[frame]`` and ``y - dy[frame]`` (drift table from this module).

    References
    ----------
    .. [1] T. Quan et al., "Ultra-fast, high-precision image analysis for localization-based super resolution microscopy", Optics Express 18(11), 11867-11876 (2010), doi:10.1364/OE.18.011867, section 3.3.
    """
    _check_table(locs)
    frames = np.asarray(drift["frame"], dtype=np.int64)
    if frames.size == 0 or np.any(np.diff(frames) != 1):
        raise ValueError("the drift table must have one row per frame, in order")
    f = np.asarray(locs["frame"], dtype=np.int64) - frames[0]
    if f.size and (f.min() < 0 or f.max() >= frames.size):
        raise ValueError(
            f"localizations in frames {int(f.min()) + frames[0]}..{int(f.max()) + frames[0]} but the drift table "
            f"covers frames {frames[0]}..{frames[-1]}"
        )
    out = locs.copy()
    out["x"] = np.asarray(locs["x"], dtype=float) - np.asarray(drift["dx"], dtype=float)[f]
    out["y"] = np.asarray(locs["y"], dtype=float) - np.asarray(drift["dy"], dtype=float)[f]
    out.attrs = dict(locs.attrs)
    return out


def find_fiducials(
    locs: pd.DataFrame,
    *,
    radius: float = FiducialDriftOptions.radius,
    min_presence: float = FiducialDriftOptions.min_presence,
    max_spread: float = FiducialDriftOptions.max_spread,
    n_frames: int | None = None,
) -> np.ndarray:
    """Positions ``(k, 2)`` (y, x, camera pixels) of fiducial beads found automatically.

    A bead is a place where localizations are present in at least ``min_presence`` of all
    frames within ``radius`` pixels, and whose track is tight: after removing its own slow
    motion (the drift) the positions scatter by less than ``max_spread`` pixels (this keeps
    dense blinking structures out).

    References
    ----------
    .. [1] T. Quan et al., "Ultra-fast, high-precision image analysis for localization-based super resolution microscopy", Optics Express 18(11), 11867-11876 (2010), doi:10.1364/OE.18.011867, section 3.3 and Fig. 6.
    """
    _check_table(locs)
    n_frames = _n_frames(locs, n_frames)
    x = np.asarray(locs["x"], dtype=float)
    y = np.asarray(locs["y"], dtype=float)
    frame = np.asarray(locs["frame"], dtype=np.int64)
    ok = np.isfinite(x) & np.isfinite(y)
    if not ok.any():
        return np.zeros((0, 2))
    x, y, frame = x[ok], y[ok], frame[ok]
    from scipy.ndimage import maximum_filter, uniform_filter

    bin_size = 0.5
    y0, x0 = y.min() - radius, x.min() - radius
    iy = ((y - y0) / bin_size).astype(np.int64)
    ix = ((x - x0) / bin_size).astype(np.int64)
    shape = (int(iy.max()) + 2, int(ix.max()) + 2)
    counts = np.bincount(iy * shape[1] + ix, minlength=shape[0] * shape[1]).reshape(shape).astype(float)
    size = int(2 * math.ceil(radius / bin_size) + 1)
    box = uniform_filter(counts, size=size, mode="constant") * size * size
    span = n_frames - max(0, int(frame.min()))  # frames with data (a movie cropped in time)
    peaks = (box == maximum_filter(box, size=size, mode="constant")) & (box >= min_presence * span)
    candidates = np.argwhere(peaks)
    order = np.argsort(-box[peaks])
    found: list[np.ndarray] = []
    for cy, cx in candidates[order]:
        centre = np.array([y0 + (cy + 0.5) * bin_size, x0 + (cx + 0.5) * bin_size])
        if any(np.hypot(*(centre - f)) < 2 * radius for f in found):
            continue
        # the box sum is flat-topped: move to the middle of the localizations (a few mean-shift steps)
        track = None
        for _ in range(5):
            track = _track(frame, y, x, centre, radius, n_frames)
            if track is None:
                break
            new_centre = np.median(track[1], axis=0)
            if np.hypot(*(new_centre - centre)) < 0.05:
                break
            centre = new_centre
        if track is None:
            continue
        t_frames, t_pos = track
        if t_frames.size < min_presence * span:
            continue
        spread = _track_spread(t_frames, t_pos)
        if spread > max_spread:
            continue
        found.append(np.median(t_pos, axis=0))
    return np.asarray(found, dtype=float).reshape(-1, 2)


# --------------------------------------------------------------------------------------------- fiducial


def _track(frame, y, x, centre, radius, n_frames):
    """Per-frame position of the localization nearest to ``centre`` within ``radius``."""
    d2 = (y - centre[0]) ** 2 + (x - centre[1]) ** 2
    near = np.flatnonzero(d2 <= radius * radius)
    if near.size == 0:
        return None
    order = np.lexsort((d2[near], frame[near]))
    near = near[order]
    f = frame[near]
    first = np.ones(near.size, dtype=bool)
    first[1:] = f[1:] != f[:-1]
    near = near[first]
    return frame[near], np.stack([y[near], x[near]], axis=1)


def _track_spread(frames, pos) -> float:
    """Robust SD (px) of a track around its running median (its own drift removed)."""
    from scipy.ndimage import median_filter

    if pos.shape[0] < 5:
        return np.inf
    window = int(min(101, max(5, (pos.shape[0] // 20) | 1)))
    smooth = median_filter(pos, size=(window, 1), mode="nearest")
    resid = pos - smooth
    mad = mad_sigma(resid, axis=0)
    return float(np.max(mad))


def _smooth_curve(frames, values, n_frames, smoothing):
    """Smoothing spline of ``values`` at ``frames`` evaluated at every frame.

    The measurements are first averaged in bins of ``ceil(n / 400)`` frames (the drift is slow
    on that scale) and the spline is fitted with weights = points per bin; ``smoothing=None``
    chooses the smoothing by generalized cross-validation (scipy ``make_smoothing_spline``).
    """
    from scipy.interpolate import make_smoothing_spline

    all_frames = np.arange(n_frames, dtype=float)
    if frames.size < 5:
        return np.interp(all_frames, frames, values)
    step = max(1, int(math.ceil(n_frames / 400)))
    b = frames // step
    counts = np.bincount(b)
    used = counts > 0
    centres = (np.bincount(b, weights=frames.astype(float))[used]) / counts[used]
    means = np.bincount(b, weights=values)[used] / counts[used]
    if centres.size < 5:
        return np.interp(all_frames, centres, means)
    lam = None if smoothing is None else float(smoothing) / step**3
    spline = make_smoothing_spline(centres, means, w=counts[used].astype(float), lam=lam)
    out = spline(all_frames)
    # no extrapolation beyond the measured frames: hold the end values
    out[all_frames < centres[0]] = spline(float(centres[0]))
    out[all_frames > centres[-1]] = spline(float(centres[-1]))
    return out


def _running_median(frames, values, n_frames, window=51):
    from scipy.ndimage import median_filter

    med = median_filter(values, size=(min(window, max(1, values.shape[0]) | 1), 1), mode="nearest")
    all_frames = np.arange(n_frames)
    return np.stack([np.interp(all_frames, frames, med[:, a]) for a in range(values.shape[1])], axis=1)


def _fiducial_drift(locs, n_frames, opts: FiducialDriftOptions, fiducials=None):
    radius, min_presence, smoothing, max_spread = opts.radius, opts.min_presence, opts.smoothing, opts.max_spread
    x = np.asarray(locs["x"], dtype=float)
    y = np.asarray(locs["y"], dtype=float)
    frame = np.asarray(locs["frame"], dtype=np.int64)
    yield Progress(0.05, 1.0, "finding fiducials")
    if fiducials is None:
        centres = find_fiducials(
            locs, radius=radius, min_presence=min_presence, max_spread=max_spread, n_frames=n_frames
        )
        if centres.shape[0] == 0:
            raise ValueError(
                f"no fiducial found: no place has localizations in at least {min_presence:.0%} of the "
                f"{n_frames} frames within {radius} px with a tight track; pick the beads by hand "
                "(fiducials=[(y, x), ...]), lower min_presence, raise radius, or use method='rcc'"
            )
    else:
        centres = np.atleast_2d(np.asarray(fiducials, dtype=float))
        if centres.ndim != 2 or centres.shape[1] != 2 or not np.all(np.isfinite(centres)):
            raise ValueError(f"fiducials must be an (k, 2) array of (y, x) pixel positions, got shape {centres.shape}")
        if centres.shape[0] == 0:
            raise ValueError("no fiducial given: pass at least one (y, x) bead position or fiducials=None")
    tracks = []
    fid_mask = np.zeros(len(locs), dtype=bool)
    for k, centre in enumerate(centres):
        track = _track(frame, y, x, centre, radius, n_frames)
        span = n_frames - max(0, int(frame.min()))
        need = max(5, int(0.1 * span)) if fiducials is not None else min_presence * span
        if track is None or track[0].size < need:
            found = 0 if track is None else track[0].size
            raise ValueError(
                f"no fiducial found at (y={centre[0]:.1f}, x={centre[1]:.1f}): localizations within {radius} px "
                f"in only {found} of {span} frames; pick a bead that is visible most of the time"
            )
        tracks.append(track)
        yield Progress(0.1 + 0.4 * (k + 1) / len(centres), 1.0, f"tracked fiducial {k + 1}/{len(centres)}")

    # joint estimate: positions p_j(f) = o_j + d(f) + noise; alternate offsets and the mean drift,
    # rejecting points far from the model (blinks of nearby molecules)
    pos = np.full((len(tracks), n_frames, 2), np.nan)
    for j, (f, p) in enumerate(tracks):
        pos[j, f] = p
    offsets = np.nanmedian(pos, axis=1)
    for _ in range(3):
        raw = _nanmean0(pos - offsets[:, None, :])
        have = np.all(np.isfinite(raw), axis=1)
        # a cheap robust model for the outlier test: running median of the measured frames
        smooth = _running_median(np.flatnonzero(have), raw[have], n_frames)
        resid = pos - offsets[:, None, :] - smooth[None]
        scale = np.nanmedian(np.abs(resid)) * MAD_TO_SIGMA + 1e-6
        pos[np.any(np.abs(resid) > 6 * scale, axis=2)] = np.nan
        offsets = np.nanmedian(pos - smooth[None], axis=1)
    raw = _nanmean0(pos - offsets[:, None, :])
    have = np.all(np.isfinite(raw), axis=1)
    smooth = np.stack(
        [_smooth_curve(np.flatnonzero(have), raw[have, a], n_frames, smoothing) for a in range(2)], axis=1
    )
    yield Progress(0.9, 1.0, "smoothing drift")
    ref = smooth[0].copy()
    smooth -= ref
    raw = raw - ref
    for j, (f, p) in enumerate(tracks):
        d2 = (x - centres[j][1]) ** 2 + (y - centres[j][0]) ** 2
        fid_mask |= d2 <= radius * radius
    drift = pd.DataFrame(
        {
            "frame": np.arange(n_frames, dtype=np.int64),
            "dx": smooth[:, 1],
            "dy": smooth[:, 0],
            "dx_fiducial": raw[:, 1],
            "dy_fiducial": raw[:, 0],
        }
    )
    drift.attrs["fiducials"] = centres.tolist()
    drift.attrs["method"] = "fiducial"
    drift.attrs["pixel_size_nm"] = float(locs.attrs.get("pixel_size_nm", 100.0))
    return drift, fid_mask


# ------------------------------------------------------------------------------------------------- RCC


def _segment_images(x, y, frame, edges, origin, shape, bin_size, blur):
    from scipy.ndimage import gaussian_filter

    images = []
    for a, b in zip(edges[:-1], edges[1:], strict=True):
        sel = (frame >= a) & (frame < b)
        iy = ((y[sel] - origin[0]) / bin_size).astype(np.int64)
        ix = ((x[sel] - origin[1]) / bin_size).astype(np.int64)
        ok = (iy >= 0) & (ix >= 0) & (iy < shape[0]) & (ix < shape[1])
        img = np.bincount(iy[ok] * shape[1] + ix[ok], minlength=shape[0] * shape[1]).reshape(shape)
        img = img.astype(np.float64)
        if blur > 0:
            img = gaussian_filter(img, blur / bin_size, mode="constant")
        images.append(img - img.mean())
    return images


def _subpixel_peak(cc: np.ndarray, max_px: int):
    """Peak of a centred cross-correlation within ``max_px`` of the centre, refined by a 2-D quadratic fit."""
    cy, cx = cc.shape[0] // 2, cc.shape[1] // 2
    win = cc[cy - max_px : cy + max_px + 1, cx - max_px : cx + max_px + 1]
    py, px = np.unravel_index(np.argmax(win), win.shape)
    py += cy - max_px
    px += cx - max_px
    if not (1 <= py < cc.shape[0] - 1 and 1 <= px < cc.shape[1] - 1):
        return float(py - cy), float(px - cx), False
    # least-squares fit of z = a + b y + c x + d y^2 + e x y + f x^2 on the 3x3 (or 5x5) neighbourhood
    r = 2 if (2 <= py < cc.shape[0] - 2 and 2 <= px < cc.shape[1] - 2) else 1
    patch = cc[py - r : py + r + 1, px - r : px + r + 1]
    dy, dx = np.mgrid[-r : r + 1, -r : r + 1]
    dy = dy.ravel().astype(float)
    dx = dx.ravel().astype(float)
    w = np.exp(-(dy**2 + dx**2) / 2.0)  # emphasise the top of the peak
    design = np.stack([np.ones_like(dy), dy, dx, dy * dy, dx * dy, dx * dx], axis=1)
    coef, *_ = np.linalg.lstsq(design * w[:, None], patch.ravel() * w, rcond=None)
    _, b, c, d, e, f = coef
    hess = np.array([[2 * d, e], [e, 2 * f]])
    try:
        off = -np.linalg.solve(hess, [b, c])
    except np.linalg.LinAlgError:
        off = np.zeros(2)
    if not np.all(np.isfinite(off)) or np.any(np.abs(off) > 1.0) or np.linalg.det(hess) <= 0 or d >= 0:
        # fall back to 1-D parabolas
        def para(m, z, p):
            den = m - 2 * z + p
            return 0.5 * (m - p) / den if den < 0 else 0.0

        off = np.array(
            [para(cc[py - 1, px], cc[py, px], cc[py + 1, px]), para(cc[py, px - 1], cc[py, px], cc[py, px + 1])]
        )
    return float(py - cy + off[0]), float(px - cx + off[1]), True


def _rcc_solve(pairs, shifts, n_seg, rmax):
    """Least-squares segment drifts (segment 0 = 0) from pairwise shifts, dropping outliers > rmax."""
    keep = np.ones(len(pairs), dtype=bool)
    pairs = np.asarray(pairs)
    while True:
        a = np.zeros((int(keep.sum()), n_seg))
        kp = pairs[keep]
        a[np.arange(kp.shape[0]), kp[:, 1]] = 1.0
        a[np.arange(kp.shape[0]), kp[:, 0]] -= 1.0
        a = a[:, 1:]  # segment 0 is the reference
        sol, *_ = np.linalg.lstsq(a, shifts[keep], rcond=None)
        resid = np.linalg.norm(a @ sol - shifts[keep], axis=1)
        worst = int(np.argmax(resid)) if resid.size else 0
        if resid.size == 0 or resid[worst] <= rmax:
            break
        # drop the worst pair, unless the system would lose rank (a segment must stay connected)
        trial = keep.copy()
        trial[np.flatnonzero(keep)[worst]] = False
        kt = pairs[trial]
        at = np.zeros((kt.shape[0], n_seg))
        at[np.arange(kt.shape[0]), kt[:, 1]] = 1.0
        at[np.arange(kt.shape[0]), kt[:, 0]] -= 1.0
        if kt.shape[0] < n_seg - 1 or np.linalg.matrix_rank(at[:, 1:]) < n_seg - 1:
            break
        keep = trial
    drift = np.vstack([np.zeros((1, 2)), sol])
    return drift, keep


def _rcc_drift(locs, n_frames, opts: RccDriftOptions):
    import scipy.fft as sfft

    segment_frames, bin_size, blur, max_shift, rmax, min_locs, refine = (
        opts.segment_frames, opts.bin_size, opts.blur, opts.max_shift, opts.rmax, opts.min_locs, opts.refine
    )
    # segments start at the first frame with localizations (a cropped movie need not start at 0)
    first = int(np.nanmin(np.asarray(locs["frame"], dtype=float)))
    first = min(max(first, 0), n_frames - 1)
    span = n_frames - first
    n_seg = span // segment_frames
    if n_seg < 2:
        raise ValueError(
            f"RCC needs at least two time segments, but the movie has {span} frames with localizations and "
            f"segment_frames={segment_frames}; use segment_frames <= {max(1, span // 2)}"
        )
    if bin_size is None:
        # the peak is fitted, so coarse bins cost little accuracy: 0.4 px, coarser for wide fields
        xs = np.asarray(locs["x"], dtype=float)
        ys = np.asarray(locs["y"], dtype=float)
        extent = max(float(np.nanmax(xs) - np.nanmin(xs)), float(np.nanmax(ys) - np.nanmin(ys)))
        bin_size = max(0.4, extent / 480.0)
    # the last segment takes the remaining frames
    edges = first + np.arange(n_seg + 1) * segment_frames
    edges[-1] = n_frames
    x = np.asarray(locs["x"], dtype=float)
    y = np.asarray(locs["y"], dtype=float)
    frame = np.asarray(locs["frame"], dtype=np.int64)
    ok = np.isfinite(x) & np.isfinite(y)
    x, y, frame = x[ok], y[ok], frame[ok]
    counts = np.histogram(frame, bins=edges)[0]
    if counts.min() < int(min_locs):
        worst = int(np.argmin(counts))
        raise ValueError(
            f"too few localizations for RCC: segment {worst} (frames {edges[worst]}..{edges[worst + 1] - 1}) has "
            f"{counts[worst]} (< min_locs={min_locs}); use longer segments (segment_frames) or method='fiducial'"
        )
    centres = np.array([frame[(frame >= a) & (frame < b)].mean() for a, b in zip(edges[:-1], edges[1:], strict=True)])
    seg_drift = np.zeros((n_seg, 2))
    per_frame = np.zeros((n_frames, 2))
    n_rounds = 2 if refine else 1
    total_pairs = n_seg * (n_seg - 1) // 2
    for round_ in range(n_rounds):
        # round 2 renders segments from positions already corrected by round 1, which removes the
        # blur of the drift inside each segment; the result is added to round 1's drift
        cx = x - per_frame[frame, 1]
        cy = y - per_frame[frame, 0]
        margin = max_shift + 3 * blur + 1.0
        origin = (cy.min() - margin, cx.min() - margin)
        # the empty margin (>= max_shift) around the data keeps the circular correlation free of
        # wrap-around for the shifts searched, so no further zero padding is needed
        shape = (
            sfft.next_fast_len(int(math.ceil((cy.max() - origin[0] + margin) / bin_size)), real=True),
            sfft.next_fast_len(int(math.ceil((cx.max() - origin[1] + margin) / bin_size)), real=True),
        )
        fshape = shape
        images = _segment_images(cx, cy, frame, edges, origin, shape, bin_size, blur)
        spectra = [sfft.rfft2(img, fshape, workers=-1) for img in images]
        max_px = int(math.ceil(max_shift / bin_size))
        max_px = min(max_px, shape[0] - 2, shape[1] - 2)
        pairs, shifts = [], []
        done = 0
        for i in range(n_seg):
            for j in range(i + 1, n_seg):
                cc = sfft.irfft2(spectra[i].conj() * spectra[j], fshape, workers=-1)
                cc = np.fft.fftshift(cc)
                sy, sx, _ = _subpixel_peak(cc, max_px)
                pairs.append((i, j))
                shifts.append((sy * bin_size, sx * bin_size))
                done += 1
                if done % 8 == 0 or done == total_pairs:
                    yield Progress(
                        (round_ + done / total_pairs) / n_rounds * 0.95, 1.0,
                        f"RCC round {round_ + 1}: {done}/{total_pairs} correlations",
                    )
        shifts = np.asarray(shifts)
        seg, keep = _rcc_solve(pairs, shifts, n_seg, rmax)
        seg_drift_round = seg - seg.mean(axis=0)
        # add the drift of round 1 (as seen at the segment centres) back
        seg_drift = seg_drift_round + (
            np.stack([np.interp(centres, np.arange(n_frames), per_frame[:, a]) for a in range(2)], axis=1)
            if round_ else 0.0
        )
        per_frame = _interpolate_segments(centres, seg_drift, n_frames)
    per_frame -= per_frame[0]
    drift = pd.DataFrame(
        {"frame": np.arange(n_frames, dtype=np.int64), "dx": per_frame[:, 1], "dy": per_frame[:, 0]}
    )
    drift.attrs["method"] = "rcc"
    drift.attrs["segments"] = {
        "centre_frame": centres.tolist(),
        "dy": (seg_drift[:, 0] - seg_drift[0, 0]).tolist(),
        "dx": (seg_drift[:, 1] - seg_drift[0, 1]).tolist(),
    }
    drift.attrs["pairs"] = {"used": int(keep.sum()), "total": int(keep.size)}
    drift.attrs["pixel_size_nm"] = float(locs.attrs.get("pixel_size_nm", 100.0))
    return drift


def _interpolate_segments(centres, seg_drift, n_frames):
    from scipy.interpolate import CubicSpline

    frames = np.arange(n_frames, dtype=float)
    if centres.size >= 4:
        spline = CubicSpline(centres, seg_drift, axis=0, bc_type="natural", extrapolate=True)
        out = spline(frames)
        # linear continuation beyond the first/last segment centre (a cubic would overshoot)
        for end, sel in ((0, frames < centres[0]), (-1, frames > centres[-1])):
            slope = spline(centres[end], 1)
            out[sel] = seg_drift[end] + (frames[sel, None] - centres[end]) * slope
        return out
    return _linear_extrapolate(frames, centres, seg_drift)  # 2 or 3 segments: piecewise linear


def _linear_extrapolate(frames, centres, values):
    out = np.empty((frames.size, 2))
    for a in range(2):
        out[:, a] = np.interp(frames, centres, values[:, a])
        lo = frames < centres[0]
        hi = frames > centres[-1]
        s0 = (values[1, a] - values[0, a]) / (centres[1] - centres[0])
        s1 = (values[-1, a] - values[-2, a]) / (centres[-1] - centres[-2])
        out[lo, a] = values[0, a] + (frames[lo] - centres[0]) * s0
        out[hi, a] = values[-1, a] + (frames[hi] - centres[-1]) * s1
    return out


# ------------------------------------------------------------------------------------------------- helpers


def _nanmean0(a):
    """``nanmean`` over axis 0 without the empty-slice warning (NaN where nothing is known)."""
    valid = np.isfinite(a)
    n = valid.sum(axis=0)
    total = np.where(valid, a, 0.0).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, total / np.maximum(n, 1), np.nan)


def _check_table(locs):
    if not isinstance(locs, pd.DataFrame):
        raise TypeError(f"expected a pandas DataFrame of localizations, got {type(locs).__name__}")
    missing = [c for c in ("frame", "x", "y") if c not in locs.columns]
    if missing:
        raise ValueError(f"the localization table lacks column(s) {missing}; it has {list(locs.columns)}")
    if len(locs) == 0:
        raise ValueError("the localization table is empty")


def _n_frames(locs, n_frames=None) -> int:
    last = int(np.max(locs["frame"])) + 1 if len(locs) else 0
    if n_frames is None:
        n_frames = int(locs.attrs.get("n_frames", 0) or 0)
    n_frames = max(int(n_frames), last)
    if n_frames < 1:
        raise ValueError("cannot tell the number of frames: the table has no frame numbers")
    return n_frames
