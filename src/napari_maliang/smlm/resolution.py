"""Resolution of a PALM/STORM data set from its localizations: NeNA and Fourier ring correlation.

:func:`nena` (Endesfelder et al. 2014) measures the average *localization precision*: a molecule that
stays on for several frames is localized once per frame, and the distance between two of its
localizations in adjacent frames is the difference of two independent 2-D Gaussian errors. Its
distribution is fitted to the histogram of every localization's distance to the nearest localization
of the next frame.

:func:`frc` (Nieuwenhuizen et al. 2013) measures the *image resolution*, which also depends on the
labelling density: the localizations are split into two halves by alternating blocks of frames, each
half is rendered as a histogram image, and the correlation of the two images' Fourier transforms over
rings of equal spatial frequency falls from 1 to 0; the resolution is the inverse of the frequency at
which it drops below 1/7.

Both work in camera pixels (``x, y`` of the localization table, pixel centres at integers; frames
0-based) and return the number and a curve (a DataFrame) to plot.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from napari_maliang._shared.options import takes_options
from napari_maliang.smlm.options import FrcOptions, NenaOptions

__all__ = ["FRC_MIN_LOCALIZATIONS", "FRC_THRESHOLD", "MAX_FRC_IMAGE", "NENA_MIN_PAIRS", "FrcOptions",
           "NenaOptions", "frc", "nena"]

#: NeNA needs at least this many pairs of localizations in adjacent frames within ``max_distance``
NENA_MIN_PAIRS = 200
#: FRC needs at least this many localizations
FRC_MIN_LOCALIZATIONS = 1000
#: the FRC resolution criterion of Nieuwenhuizen et al. 2013
FRC_THRESHOLD = 1.0 / 7.0
#: largest side (pixels) of the FRC half images: 8192 x 8192 float32 images and their transforms take ~1.5 GB
MAX_FRC_IMAGE = 8192
#: default max_distance of NeNA in units of the table's median localization uncertainty
_NENA_RANGE = 10.0
#: iterations of one NeNA fit at most (scipy's curve_fit stopped at 5000 evaluations)
_NENA_MAX_ITER = 5000
#: fraction of the image width tapered by the Tukey window on each side (alpha / 2)
_TUKEY_ALPHA = 0.25
#: rows of the spectra per block of the ring sums
_RING_ROWS = 512
#: half-width of the FRC smoothing kernel as a fraction of the number of rings
_SMOOTH_FRACTION = 0.02


# ------------------------------------------------------------------------------------------------ NeNA


@takes_options(NenaOptions)
def nena(locs: pd.DataFrame, *, opts: NenaOptions) -> tuple[float, pd.DataFrame]:
    r"""Average localization precision by NeNA (nearest neighbour in adjacent frames; Endesfelder et al. 2014).

    For every localization in frame :math:`f`, the distance :math:`d` to the nearest localization in frame
    :math:`f + 1` is taken (up to ``max_distance``). When both are the same molecule, the difference of two
    independent isotropic Gaussian errors of standard deviation :math:`\sigma` makes :math:`d` Rayleigh
    distributed with scale :math:`\sqrt{2}\sigma`. The normalized histogram of :math:`d` is fitted by
    least squares with the NeNA model of [1]_

    .. math::

        p(d) = A_1 \frac{d}{2\sigma^2} e^{-d^2 / 4\sigma^2}
             + \frac{A_2}{2\pi\omega^2} e^{-(d - d_c)^2 / 2\omega^2} + A_3 d,

    the same-molecule term, a Gaussian for short-range correlated neighbours (other molecules of the same
    structure) and a linear term for uncorrelated neighbours (uniform density). :math:`\sigma` is the
    localization precision per axis. The distance between localizations of two molecules is blurred by
    both localization errors, so the fit takes :math:`\omega^2 = 2\sigma^2 + \omega_s^2` with the spread
    :math:`\omega_s \ge 0` of the structure: a free :math:`\omega` lets the Gaussian share the
    same-molecule peak and biases :math:`\sigma` (by up to 15 % for 15 000 pairs of a sample without
    short-range neighbours). The fit weighs each bin by its Poisson error :math:`\sqrt{n_i + 1}`; several
    start values are tried (from the histogram's peak, its median and its tail) and the fit with the
    smallest :math:`\chi^2` is kept. The fitter is a bounded Levenberg-Marquardt with the model's analytic
    derivatives (numba, :mod:`._nena_numba`).

    Parameters
    ----------
    locs : pandas.DataFrame
        Localizations with ``frame, x, y`` (camera pixels); ``uncertainty_x, uncertainty_y`` set the
        default ``max_distance``. Rows with non-finite ``x`` or ``y`` are ignored.
    {options}

    Returns
    -------
    precision : float
        :math:`\sigma`, the localization precision in camera pixels.
    curve : pandas.DataFrame
        ``distance`` (bin centres, px), ``density`` (the normalized histogram, 1/px) and ``fit`` (the fitted
        :math:`p(d)`). ``attrs`` hold ``n_pairs``, ``max_distance`` and the fitted parameters
        (``params``: ``a1, sigma, a2, dc, omega, a3``).

    Raises
    ------
    ValueError
        Missing ``frame``/``x``/``y`` columns, fewer than :data:`NENA_MIN_PAIRS` pairs of localizations in
        adjacent frames within ``max_distance``, or no converging fit.
    """
    from napari_maliang.smlm._nena_numba import fit_nena

    frame, x, y = _frame_xy(locs)
    d_max = opts.max_distance if opts.max_distance is not None else _default_max_distance(locs)
    d = _next_frame_distances(frame, x, y, d_max)
    if d.size < NENA_MIN_PAIRS:
        raise ValueError(
            f"NeNA needs at least {NENA_MIN_PAIRS} pairs of localizations in adjacent frames within "
            f"max_distance={d_max:.3g} px, got {d.size}: too few localizations, or molecules that stay on for "
            "a single frame (a larger max_distance helps only if the precision is worse than it allows)"
        )
    n_bins = int(np.clip(round(math.sqrt(d.size)), 30, 200))
    counts, edges = np.histogram(d, bins=n_bins, range=(0.0, d_max))
    width = edges[1] - edges[0]
    centres = edges[:-1] + width / 2
    density = counts / (d.size * width)

    error = np.sqrt(counts + 1.0) / (d.size * width)

    lower = np.array([0.0, width / 4, 0.0, 0.0, 0.0, 0.0])
    upper = np.array([np.inf, d_max, np.inf, d_max, d_max, np.inf])
    best, best_chi2 = None, np.inf
    for p0 in _nena_starts(centres, density, d, d_max):
        params, chi2, _ = fit_nena(centres, density, error, np.asarray(p0, np.float64), lower, upper, _NENA_MAX_ITER)
        if np.isfinite(chi2) and np.all(np.isfinite(params)) and chi2 < best_chi2:
            best, best_chi2 = params, chi2
    if best is None:
        raise ValueError("the NeNA model could not be fitted to the next-frame distance histogram (no start value "
                         "gave a finite chi-square)")
    a1, sigma, a2, dc, spread, a3 = map(float, best)
    curve = pd.DataFrame({"distance": centres, "density": density, "fit": _nena_model(centres, *best)})
    curve.attrs.update(
        n_pairs=int(d.size), max_distance=float(d_max),
        params={"a1": a1, "sigma": sigma, "a2": a2, "dc": dc, "omega": math.hypot(math.sqrt(2) * sigma, spread),
                "a3": a3},
    )
    return sigma, curve


def _nena_model(d, a1, sigma, a2, dc, spread, a3):
    """The NeNA distance density of Endesfelder et al. 2014 with ``omega^2 = 2 sigma^2 + spread^2`` (see
    :func:`nena`)."""
    omega2 = 2 * sigma**2 + spread**2
    single = a1 * d / (2 * sigma**2) * np.exp(-(d**2) / (4 * sigma**2))
    short = a2 / (2 * np.pi * omega2) * np.exp(-((d - dc) ** 2) / (2 * omega2))
    return single + short + a3 * d


def _nena_starts(centres, density, d, d_max):
    """Start values ``(a1, sigma, a2, dc, spread, a3)``: sigma from the histogram's peak (the Rayleigh mode
    is sqrt(2) sigma) and from the median distance (1.177 sqrt(2) sigma); a3 from the outer quarter."""
    outer = centres > 0.75 * d_max
    a3 = max(float(np.mean(density[outer] / centres[outer])), 0.0)
    a1 = max(1.0 - a3 * d_max**2 / 2, 0.1)
    smooth = np.convolve(density, np.ones(3) / 3, mode="same")
    from_peak = centres[np.argmax(smooth)] / math.sqrt(2)
    from_median = float(np.median(d)) / (math.sqrt(2 * math.log(2)) * math.sqrt(2))
    return [
        [a1, sigma, 0.05, 2 * math.sqrt(2) * sigma, sigma, a3]
        for sigma in (from_peak, from_median, 0.5 * from_median)
    ]


def _default_max_distance(locs) -> float:
    """``_NENA_RANGE`` times the median localization uncertainty, else 1 px."""
    columns = [c for c in ("uncertainty_x", "uncertainty_y") if c in locs.columns]
    if columns:
        values = np.asarray(locs[columns], dtype=np.float64).ravel()
        values = values[np.isfinite(values) & (values > 0)]
        if values.size:
            return _NENA_RANGE * float(np.median(values))
    return 1.0


def _next_frame_distances(frame, x, y, d_max: float) -> np.ndarray:
    """Distance of every localization to the nearest localization of the next frame, where that is within
    ``d_max`` (in order of frame): the localizations sorted by frame in linear time, and the next frame's searched
    in the 3 x 3 cells of ``d_max`` around each (numba, :func:`._grid_numba.next_frame_distances`)."""
    from napari_maliang.smlm._grid_numba import next_frame_distances

    return next_frame_distances(np.ascontiguousarray(frame, np.int64), np.ascontiguousarray(x),
                                np.ascontiguousarray(y), float(d_max))


# ------------------------------------------------------------------------------------------------- FRC


@takes_options(FrcOptions)
def frc(locs: pd.DataFrame, *, opts: FrcOptions) -> tuple[float, pd.DataFrame]:
    r"""Image resolution by Fourier ring correlation of two half data sets (Nieuwenhuizen et al. 2013).

    The localizations are split into two halves by alternating blocks of ``block_frames`` frames (frames
    :math:`[0, B)` to the first half, :math:`[B, 2B)` to the second, ...), so that a molecule's repeated
    localizations in consecutive frames mostly fall in one half. Each half is rendered as a histogram
    image of pixel ``pixel`` over the extent of all localizations, multiplied by a separable Tukey window
    (against the edge artefacts of the periodic transform), zero-padded to a square of side :math:`N` and
    Fourier transformed (:math:`F_1, F_2`). Over the ring :math:`R_q` of frequencies
    :math:`|\mathbf{k}| = q` (ring width :math:`1 / (N p)`)

    .. math::

        \mathrm{FRC}(q) = \frac{\mathrm{Re} \sum_{\mathbf{k} \in R_q} F_1(\mathbf{k}) F_2^*(\mathbf{k})}
        {\sqrt{\sum_{\mathbf{k} \in R_q} |F_1(\mathbf{k})|^2 \sum_{\mathbf{k} \in R_q} |F_2(\mathbf{k})|^2}}.

    The curve is smoothed by a tricube-weighted running mean over about 4 % of the rings (a local LOESS
    fit of degree 0), and the resolution is :math:`1 / q` at the first frequency where the smoothed curve
    drops below the threshold :math:`1/7` (linear interpolation between rings). For molecules at random
    positions localized once in each half with Gaussian precision :math:`\sigma`, the expected curve is
    :math:`\exp(-4\pi^2\sigma^2 q^2)` (times the pixel's transfer, :math:`\mathrm{sinc}^2` per axis) and the
    resolution :math:`2\pi\sigma / \sqrt{\ln 7} \approx 4.5\sigma`. The correction of [1]_ for the spurious
    correlation of molecules localized in both halves (their estimate of the localizations per molecule) is
    not applied: the blocks of frames keep those few.

    Parameters
    ----------
    locs : pandas.DataFrame
        Localizations with ``frame, x, y`` (camera pixels). Rows with non-finite ``x`` or ``y`` are ignored.
    {options}

    Returns
    -------
    resolution : float
        FRC resolution in camera pixels.
    curve : pandas.DataFrame
        ``spatial_frequency`` (1/camera px, ring centres from 0 to the Nyquist frequency ``1 / (2 pixel)``),
        ``frc`` and ``frc_smooth``. ``attrs`` hold ``n_half`` (localizations per half) and ``image_size``
        (:math:`N`).

    Raises
    ------
    ValueError
        Missing ``frame``/``x``/``y`` columns, fewer than :data:`FRC_MIN_LOCALIZATIONS` localizations, a half
        without localizations (fewer than two blocks of frames), half images larger than
        :data:`MAX_FRC_IMAGE` pixels (increase ``pixel``), or an FRC that stays above 1/7 up to the Nyquist
        frequency of ``pixel``.
    """
    from scipy import fft
    from scipy.signal.windows import tukey

    from napari_maliang.smlm.rendering import render

    frame, x, y = _frame_xy(locs)
    if x.size < FRC_MIN_LOCALIZATIONS:
        raise ValueError(f"FRC needs at least {FRC_MIN_LOCALIZATIONS} localizations, got {x.size}")
    second = (frame // opts.block_frames) % 2 == 1
    n_half = (int(np.count_nonzero(~second)), int(np.count_nonzero(second)))
    if min(n_half) == 0:
        raise ValueError(
            f"both halves need localizations, got {n_half[0]} and {n_half[1]}: the localizations lie in frames "
            f"{frame.min()}..{frame.max()}, fewer than two blocks of block_frames={opts.block_frames} frames; "
            "lower block_frames"
        )
    pixel = opts.pixel
    x = x - x.min() - 0.5  # the extent of the data starts at the edge of the image's first pixel
    y = y - y.min() - 0.5
    shape = (int(math.floor(y.max() + 0.5)) + 1, int(math.floor(x.max() + 0.5)) + 1)  # camera px
    side = max(math.ceil(s / pixel - 1e-9) for s in shape)
    if side > MAX_FRC_IMAGE:
        raise ValueError(
            f"the FRC half images would be {side} pixels wide (at most {MAX_FRC_IMAGE}): the localizations "
            f"span {max(shape)} camera pixels; increase pixel (now {pixel:g} camera px) to at least "
            f"{math.ceil(1000 * max(shape) / MAX_FRC_IMAGE) / 1000:g}, or analyse a smaller region"
        )
    n = fft.next_fast_len(side, real=True)
    spectra = []
    for half in (~second, second):
        image = render({"x": x[half], "y": y[half]}, shape=shape, pixel_size=pixel, method="histogram")
        image *= tukey(image.shape[0], _TUKEY_ALPHA).astype(np.float32)[:, None]
        image *= tukey(image.shape[1], _TUKEY_ALPHA).astype(np.float32)[None, :]
        spectra.append(fft.rfft2(image, s=(n, n)))
    n_rings = n // 2 + 1
    cross, power1, power2 = _ring_sums(*spectra, n_rings)
    with np.errstate(invalid="ignore", divide="ignore"):
        curve_values = np.nan_to_num(cross / np.sqrt(power1 * power2))
    smooth = _smooth(curve_values, max(2, round(_SMOOTH_FRACTION * n_rings)))
    q = np.arange(n_rings) / (n * pixel)
    curve = pd.DataFrame({"spatial_frequency": q, "frc": curve_values, "frc_smooth": smooth})
    curve.attrs.update(n_half=n_half, image_size=n)
    below = np.flatnonzero(smooth[1:] < FRC_THRESHOLD)
    if below.size == 0:
        raise ValueError(
            f"resolution not reached within the image: FRC stays above 1/7 up to the Nyquist frequency "
            f"{q[-1]:.3g}/px of pixel={pixel:g} camera px; use a smaller pixel"
        )
    i = below[0] + 1
    t = (smooth[i - 1] - FRC_THRESHOLD) / (smooth[i - 1] - smooth[i])
    crossing = q[i - 1] + t * (q[i] - q[i - 1])
    return float(1.0 / crossing), curve


def _ring_sums(f1: np.ndarray, f2: np.ndarray, n_rings: int) -> np.ndarray:
    """Sums of ``Re(f1 f2*)``, ``|f1|^2`` and ``|f2|^2`` over the rings ``round(|k|) = 0 .. n_rings - 1`` of two
    ``rfft2`` spectra of ``n x n`` images (frequencies beyond the Nyquist ring are left out).

    The columns whose conjugate half ``rfft2`` drops count twice (all but the first and, for an even ``n``,
    the Nyquist column). Blocks of rows bound the temporary arrays.
    """
    n = f1.shape[0]
    ky = np.fft.fftfreq(n, 1.0 / n)
    kx = np.arange(f1.shape[1])
    column_weight = np.where((kx == 0) | (2 * kx == n), 1.0, 2.0).astype(np.float32)
    sums = np.zeros((3, n_rings))
    for start in range(0, n, _RING_ROWS):
        a, b = f1[start : start + _RING_ROWS], f2[start : start + _RING_ROWS]
        ring = np.rint(np.hypot(ky[start : start + _RING_ROWS, None], kx[None, :])).astype(np.intp).ravel()
        for k, values in enumerate((a.real * b.real + a.imag * b.imag, a.real**2 + a.imag**2, b.real**2 + b.imag**2)):
            sums[k] += np.bincount(ring, (values * column_weight).ravel(), minlength=n_rings)[:n_rings]
    return sums


def _smooth(values: np.ndarray, half_width: int) -> np.ndarray:
    """Tricube-weighted running mean over ``2 half_width + 1`` points, renormalized at the ends."""
    u = np.arange(-half_width, half_width + 1) / (half_width + 1)
    kernel = (1 - np.abs(u) ** 3) ** 3
    total = np.convolve(values, kernel, mode="same")
    norm = np.convolve(np.ones_like(values), kernel, mode="same")
    return total / norm


# --------------------------------------------------------------------------------------------- helpers


def _frame_xy(locs) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``frame`` (int64), ``x``, ``y`` (float64) of the rows with finite positions, in table order."""
    columns = list(getattr(locs, "columns", []))
    missing = [c for c in ("frame", "x", "y") if c not in columns]
    if missing:
        raise ValueError(f"the localization table needs columns 'frame', 'x' and 'y'; it has {columns}")
    x = np.asarray(locs["x"], dtype=np.float64)
    y = np.asarray(locs["y"], dtype=np.float64)
    frame = np.asarray(locs["frame"])
    if frame.size and not np.issubdtype(frame.dtype, np.integer):
        as_float = frame.astype(np.float64)
        if not np.all(as_float == np.round(as_float)):
            raise ValueError("the frame column must hold whole numbers (frame indices from 0)")
    keep = np.isfinite(x) & np.isfinite(y)
    return frame.astype(np.int64)[keep], x[keep], y[keep]
