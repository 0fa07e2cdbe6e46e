"""Global and locally adaptive thresholding (lecture "Image Segmentation", thresholding part).

Conventions used throughout: a threshold ``T`` splits the pixels into the foreground
``G1 = {f >= T}`` (label 1) and the background ``G2 = {f < T}`` (label 0), exactly as the
lecture's segmentation rule ``g(x, y) = 1 if f(x, y) >= T else 0``. Integer images are
histogrammed on their exact grey levels, so ``T`` is a grey level (the lecture's 6-level
worked example gives ``T = 3``); float images use ``nbins`` equal bins between their minimum
and maximum and ``T`` is the lower edge of the first foreground bin.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass

import numpy as np

from napari_maliang._progress import Progress
from napari_maliang._shared.options import Options, option, run_steps, takes_options
from napari_maliang._shared.validate import gray_float, to_gray  # noqa: F401  (to_gray: exported by segment)

__all__ = [
    "AdaptiveInfo",
    "AdaptiveOptions",
    "IterativeOptions",
    "OtsuOptions",
    "OtsuTable",
    "adaptive_threshold",
    "adaptive_threshold_steps",
    "apply_threshold",
    "iterative_threshold",
    "otsu_table",
    "otsu_threshold",
]

# Exact integer histograms are used up to this many grey levels (covers uint8 and uint16).
_MAX_EXACT_LEVELS = 1 << 16


# --------------------------------------------------------------------------- options


_NBINS = option(256, "Histogram bins for float images (integer images use their exact grey levels).", low=2)


@dataclass(frozen=True)
class OtsuOptions(Options):
    """Options of :func:`otsu_threshold` (lecture, "Otsu's Method")."""

    references = (
        '.. [1] S. Yu, *Image Segmentation*, lecture notes (module INT302), Xi\'an Jiaotong-Liverpool University: "Otsu\'s Method".\n'
        '.. [2] N. Otsu, "A threshold selection method from gray-level histograms", IEEE Trans. Syst. Man Cybern. 9(1), 62-66 (1979), doi:10.1109/TSMC.1979.4310076.'
    )

    nbins: int = _NBINS


@dataclass(frozen=True)
class IterativeOptions(Options):
    """Options of :func:`iterative_threshold` (lecture, "Basic Global Thresholding")."""

    references = (
        '.. [1] S. Yu, *Image Segmentation*, lecture notes (module INT302), Xi\'an Jiaotong-Liverpool University: "Basic Global Thresholding".'
    )

    t0: float | None = option(
        None, "Initial threshold; must leave both classes non-empty.", symbol="T0", none="the image mean"
    )
    tol: float = option(
        0.5,
        "Stop when T changes by less than this, in the image's units (0.5 grey levels suits 8-bit images; "
        "use a smaller value for images scaled to 0..1).",
        symbol="ΔT",
        low=0,
        low_open=True,
        step=0.1,
        label="tolerance",
    )
    max_iter: int = option(1000, "Safety limit on the number of updates.", low=1)


@dataclass(frozen=True)
class AdaptiveOptions(Options):
    """Options of :func:`adaptive_threshold` (lecture, "Locally adaptive thresholding")."""

    references = (
        '.. [1] S. Yu, *Image Segmentation*, lecture notes (module INT302), Xi\'an Jiaotong-Liverpool University: "Locally adaptive thresholding".'
    )

    window: int = option(32, "Window side; an odd multiple of step.", unit="px", low=1, label="window")
    step: int | None = option(
        None, "Sliding step: each window decides the step x step tile at its centre.", unit="px", low=1,
        none="the window (tiles)",
    )
    min_std: float | None = option(
        None,
        "Windows whose grey-level standard deviation is below this are uniform: classified whole by their mean.",
        low=0,
        step=1.0,
        none="automatic: 0.2 x the global Otsu class contrast",
        label="uniform if std <",
    )
    nbins: int = _NBINS

    def check(self) -> None:
        step = self.window if self.step is None else self.step
        if self.window % step or (self.window // step) % 2 == 0:
            odd = ", ".join(str(step * m) for m in (1, 3, 5))
            raise ValueError(
                f"window must be an odd multiple of step so that each window is centred on a step x step tile; "
                f"with step={step} use window = {odd}, ... (got window={self.window})"
            )


# --------------------------------------------------------------------------- helpers


@dataclass(frozen=True)
class _Levels:
    """Quantization of an image into histogram levels: value of level ``k`` is ``lo + k * width``."""

    q: np.ndarray  # level index per pixel (intp)
    nlevels: int
    lo: float
    width: float
    exact: bool  # True when levels are the image's exact integer grey levels

    def value(self, k):
        return self.lo + np.asarray(k, dtype=np.float64) * self.width


def _quantize(gray: np.ndarray, nbins: int) -> _Levels:
    """Histogram levels of ``gray``: its exact grey levels when integer, else ``nbins`` (>= 2) equal bins."""
    lo = gray.min()
    hi = gray.max()
    if gray.dtype.kind in "biu" and int(hi) - int(lo) + 1 <= _MAX_EXACT_LEVELS:
        if gray.dtype.kind in "bu" and gray.dtype.itemsize <= 2 and not lo:
            q = gray.view(np.uint8) if gray.dtype == bool else gray  # no copy needed
        else:
            q = gray.astype(np.intp)
            if lo:
                q -= int(lo)
        return _Levels(q, int(hi) - int(lo) + 1, float(lo), 1.0, True)
    lo, hi = float(lo), float(hi)
    width = (hi - lo) / nbins if hi > lo else 1.0
    q = np.floor((gray - lo) / width).astype(np.intp)
    np.clip(q, 0, nbins - 1, out=q)
    return _Levels(q, nbins, lo, width, False)


def _raise_constant(gray: np.ndarray, name: str = "image") -> None:
    value = gray.flat[0]
    raise ValueError(
        f"{name} is constant (every pixel = {value:g}): a threshold is undefined because there is only one "
        "grey level to separate. Check that the right image or plane is selected."
    )


@dataclass(frozen=True)
class OtsuTable:
    """Otsu's quantities for every candidate threshold ``T`` (one entry per histogram level).

    For ``T = levels[k]`` the background is the levels below ``T`` and the foreground the
    levels from ``T`` up, as in the lecture's table. Empty classes get weight, mean and
    variance 0 (the table's convention for ``T = 0``).
    """

    thresholds: np.ndarray
    weight_b: np.ndarray
    mean_b: np.ndarray
    var_b: np.ndarray
    weight_f: np.ndarray
    mean_f: np.ndarray
    var_f: np.ndarray
    within: np.ndarray
    between: np.ndarray
    counts: np.ndarray

    @property
    def best(self) -> float:
        """The threshold minimizing the within-class variance (= maximizing the between-class one)
        among those that leave both classes non-empty.

        Ties between different splits go to the first (within 1e-10 relative round-off); when
        empty levels separate the classes, ``T`` is the middle level of that gap (rounded up).
        """
        valid = (self.weight_b > 0) & (self.weight_f > 0)
        if not valid.any():
            raise ValueError("the histogram has a single occupied level: a threshold is undefined")
        within = np.where(valid, self.within, np.inf)
        # ties (equal in exact arithmetic, e.g. symmetric histograms) go to the first T despite round-off
        scale = max(float(self.within[0]), float(np.max(self.within[valid])), 1e-300)
        first = int(np.flatnonzero(within <= within.min() + 1e-10 * scale)[0])
        # every T in (a, b] -- a the top occupied background level, b the lowest occupied foreground
        # level -- gives the same split; across an empty gap take its middle, ceil((a + b) / 2)
        b = first + int(np.flatnonzero(self.counts[first:] > 0)[0])
        return float(self.thresholds[(first - 1 + b + 1) // 2])


def otsu_table(histogram, levels=None) -> OtsuTable:
    """Otsu's within- and between-class variances for every threshold of a histogram.

    Implements the lecture's definitions (section "Otsu's Method"):
    ``sigma_W^2(T) = W_b sigma_b^2 + W_f sigma_f^2`` and
    ``sigma_B^2(T) = sigma^2 - sigma_W^2 = W_b W_f (mu_b - mu_f)^2``.

    Parameters
    ----------
    histogram : array_like of shape (L,)
        Pixel counts ``h(i)`` per grey level.
    levels : array_like of shape (L,), optional
        Grey value of each bin (default ``0, 1, ..., L-1``).

    Returns
    -------
    OtsuTable
        ``thresholds[k] = levels[k]``; ``best`` is Otsu's threshold.

    References
    ----------
    .. [1] S. Yu, *Image Segmentation*, lecture notes (module INT302), Xi'an Jiaotong-Liverpool University: "Otsu's Method".
    .. [2] N. Otsu, "A threshold selection method from gray-level histograms", IEEE Trans. Syst. Man Cybern. 9(1), 62-66 (1979), doi:10.1109/TSMC.1979.4310076.

    Examples
    --------
    The lecture's 6-level image (histogram 8, 7, 2, 6, 9, 4):

    >>> table = otsu_table([8, 7, 2, 6, 9, 4])
    >>> table.best, round(float(table.within[3]), 4)
    (3.0, 0.4909)
    """
    h = np.asarray(histogram, dtype=np.float64)
    if h.ndim != 1 or h.size == 0:
        raise ValueError(f"histogram must be a non-empty 1-D array, got shape {h.shape}")
    if (h < 0).any() or not np.isfinite(h).all():
        raise ValueError("histogram counts must be finite and non-negative")
    v = np.arange(h.size, dtype=np.float64) if levels is None else np.asarray(levels, dtype=np.float64)
    if v.shape != h.shape:
        raise ValueError(f"levels has shape {v.shape} but the histogram has shape {h.shape}")
    n = h.sum()
    if n <= 0:
        raise ValueError("histogram is empty (all counts are zero)")
    # background for T = levels[k]: bins 0..k-1 (exclusive cumulative sums)
    nb = np.concatenate(([0.0], np.cumsum(h)[:-1]))
    sb = np.concatenate(([0.0], np.cumsum(h * v)[:-1]))
    qb = np.concatenate(([0.0], np.cumsum(h * v * v)[:-1]))
    nf = n - nb
    sf = (h * v).sum() - sb
    qf = (h * v * v).sum() - qb
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_b = np.where(nb > 0, sb / nb, 0.0)
        mean_f = np.where(nf > 0, sf / nf, 0.0)
        var_b = np.where(nb > 0, qb / nb - mean_b**2, 0.0)
        var_f = np.where(nf > 0, qf / nf - mean_f**2, 0.0)
    var_b = np.maximum(var_b, 0.0)
    var_f = np.maximum(var_f, 0.0)
    wb, wf = nb / n, nf / n
    within = wb * var_b + wf * var_f
    between = wb * wf * (mean_b - mean_f) ** 2
    return OtsuTable(v, wb, mean_b, var_b, wf, mean_f, var_f, within, between, h)


def apply_threshold(image, threshold: float) -> np.ndarray:
    """The lecture's segmentation rule: ``True`` where ``image >= threshold``.

    References
    ----------
    .. [1] S. Yu, *Image Segmentation*, lecture notes (module INT302), Xi'an Jiaotong-Liverpool University: the segmentation rule g = 1 where f >= T.
    """
    gray, _ = gray_float(image)
    return gray >= threshold


# --------------------------------------------------------------------------- global thresholds


@takes_options(OtsuOptions)
def otsu_threshold(image, *, opts: OtsuOptions) -> float:
    """Otsu's threshold: minimizes the within-class variance of foreground and background.

    Lecture "Image Segmentation", section "Otsu's Method" (``sigma_W^2`` minimum, equivalently
    ``sigma_B^2 = W_b W_f (mu_b - mu_f)^2`` maximum). Segment with ``image >= T``.

    Parameters
    ----------
    image : array_like
        2-D grayscale image (uint8, uint16, int or float); RGB is converted to luminance.
    {options}

    Returns
    -------
    float
        ``T``: the first grey level (integer images) or bin edge (float images) of the foreground.

    Raises
    ------
    ValueError
        Empty or constant image, NaN/inf pixels, 3-D stacks.
    """
    gray, _ = gray_float(image)
    if gray.dtype.kind in "bu" and gray.dtype.itemsize <= 2:
        # uint8/uint16/bool: histogram the grey levels directly (no quantized copy)
        hist = np.bincount(gray.ravel())
        lo = int(np.flatnonzero(hist)[0])
        hist = hist[lo:]
        if np.count_nonzero(hist) < 2:
            _raise_constant(gray)
        return float(lo + otsu_table(hist).best)
    levels = _quantize(gray, opts.nbins)
    hist = np.bincount(levels.q.ravel(), minlength=levels.nlevels)
    if np.count_nonzero(hist) < 2:
        _raise_constant(gray)
    table = otsu_table(hist)
    return float(levels.value(table.best))


@takes_options(IterativeOptions)
def iterative_threshold(image, *, opts: IterativeOptions) -> float:
    """Basic global thresholding by iteration (lecture, "Basic Global Thresholding").

    1) start from ``T = t0`` (default: the mean intensity); 2) split into ``G1 = {f >= T}`` and
    ``G2 = {f < T}``; 3) compute their means ``m1``, ``m2``; 4) ``T = (m1 + m2) / 2``;
    5) repeat until ``T`` changes by less than ``tol``.

    Parameters
    ----------
    image : array_like
        2-D grayscale image; RGB is converted to luminance.
    {options}

    Returns
    -------
    float
        The final threshold ``T`` (segment with ``image >= T``).
    """
    gray, _ = gray_float(image)
    t0, tol = opts.t0, opts.tol
    lo, hi = gray.min(), gray.max()
    if lo == hi:
        _raise_constant(gray)
    # integer images: iterate on the exact histogram (same result, O(levels) per step)
    if gray.dtype.kind in "biu" and int(hi) - int(lo) + 1 <= _MAX_EXACT_LEVELS:
        hist = np.bincount((gray.astype(np.intp) - int(lo)).ravel()).astype(np.float64)
        values = np.arange(hist.size, dtype=np.float64) + float(lo)
        csum_n = np.cumsum(hist)
        csum_s = np.cumsum(hist * values)
        n, s = csum_n[-1], csum_s[-1]

        def means(t):
            k = int(np.ceil(t - float(lo)))  # first level in G1 (values >= t)
            if k <= 0 or k >= hist.size:
                return None
            n2, s2 = csum_n[k - 1], csum_s[k - 1]
            if n2 == 0 or n2 == n:
                return None
            return (s - s2) / (n - n2), s2 / n2
    else:
        flat = gray.ravel().astype(np.float64, copy=False)

        def means(t):
            g1 = flat >= t
            n1 = int(np.count_nonzero(g1))
            if n1 == 0 or n1 == flat.size:
                return None
            s1 = float(flat[g1].sum())
            return s1 / n1, (float(flat.sum()) - s1) / (flat.size - n1)

    t = float(gray.mean()) if t0 is None else float(t0)
    for _ in range(opts.max_iter):
        m = means(t)
        if m is None:
            raise ValueError(
                f"t0={t:g} leaves one class empty (image range {float(lo):g}..{float(hi):g}); "
                "choose t0 inside the range, or leave it out to start from the mean"
            )
        t_new = 0.5 * (m[0] + m[1])
        if abs(t_new - t) < tol:
            return float(t_new)
        t = t_new
    return float(t)


# --------------------------------------------------------------------------- locally adaptive


@dataclass(frozen=True)
class AdaptiveInfo:
    """What :func:`adaptive_threshold` decided, per step x step tile.

    ``thresholds`` holds each tile's local Otsu threshold in image units (NaN for uniform
    tiles), ``uniform`` marks the uniform windows, ``uniform_foreground`` how those were
    classified, ``global_threshold`` the global Otsu threshold their mean was compared with.
    """

    thresholds: np.ndarray
    uniform: np.ndarray
    uniform_foreground: np.ndarray
    global_threshold: float
    min_std: float
    window: int
    step: int


@takes_options(AdaptiveOptions)
def adaptive_threshold_steps(
    image, *, opts: AdaptiveOptions, return_info: bool = False
) -> Generator[Progress, None, np.ndarray]:
    """Locally adaptive thresholding (lecture, "Locally adaptive thresholding"), as a progress generator.

    The lecture's recipe: slide a window over the image; for each window position decide
    whether to threshold. Uniform windows (judged by their variance: standard deviation below
    ``min_std``) are not thresholded; the entire area is classified as foreground or background
    by its mean value (here: mean >= the global Otsu threshold). Non-uniform windows get Otsu's
    method on the local histogram.

    The window slides in steps of ``step`` pixels and decides the ``step x step`` tile at its
    centre, so ``window`` must be an odd multiple of ``step``. With ``step == window`` (the
    default) the windows tile the image and each classifies its entire area (block
    processing); ``step=1`` is the per-pixel sliding window. Windows are clipped at the image
    border. Window histograms are sliding sums of per-tile histograms (computed in one pass
    over the pixels), and Otsu runs on each window histogram in compiled code (numba), so
    there is no Python loop per pixel or per window and no image-sized temporary.

    The automatic ``min_std`` is 0.2 x the contrast ``mu_f - mu_b`` between the two classes of the
    global Otsu split: a window straddling an object edge has a standard deviation of about
    ``(mu_f - mu_b) sqrt(p (1 - p))``, which exceeds this when the smaller class covers more than
    about 5 % of the window; pure noise below it is left unthresholded.

    Parameters
    ----------
    image : array_like
        2-D grayscale image; RGB is converted to luminance.
    {options}
    return_info : bool
        Also return an :class:`AdaptiveInfo`.

    Yields
    ------
    Progress

    Returns
    -------
    ndarray of bool, or (mask, AdaptiveInfo)
    """
    from napari_maliang.segment._adaptive_numba import expand_mask, tile_histograms, window_decisions

    gray, _ = gray_float(image)
    window = opts.window
    step = window if opts.step is None else opts.step
    min_std = opts.min_std
    H, W = gray.shape
    if gray.min() == gray.max():
        _raise_constant(gray)
    lv = _quantize(gray, opts.nbins)
    L = lv.nlevels
    q = lv.q
    global_hist = np.bincount(q.ravel(), minlength=L)
    global_table = otsu_table(global_hist)
    tg = global_table.best  # global Otsu, in level units
    if min_std is None:
        kg = int(tg)
        min_std = 0.2 * float(global_table.mean_f[kg] - global_table.mean_b[kg]) * lv.width
    min_std_q = float(min_std) / lv.width
    r = (window // step - 1) // 2
    nty, ntx = -(-H // step), -(-W // step)

    k_all = np.empty((nty, ntx), dtype=np.int64)
    uniform_all = np.empty((nty, ntx), dtype=np.bool_)
    ufg_all = np.empty((nty, ntx), dtype=np.bool_)

    # process tile rows in bands so that memory stays bounded (about 2**23 histogram cells)
    band = max(1, min(nty, (1 << 23) // max(1, ntx * L) - 2 * r))
    nbands = -(-nty // band)
    yield Progress(0, nbands + 1, "adaptive threshold: local histograms")
    for b in range(nbands):
        t0, t1 = b * band, min(nty, (b + 1) * band)
        h0, h1 = max(0, t0 - r), min(nty, t1 + r)  # tile rows whose histograms the windows need
        th = tile_histograms(q, step, h0, h1, ntx, L)
        window_decisions(
            th, h0, t0, t1, nty, r, min_std_q, float(tg), k_all[t0:t1], uniform_all[t0:t1], ufg_all[t0:t1]
        )
        yield Progress(b + 1, nbands + 1, f"adaptive threshold: windows {t1 * ntx}/{nty * ntx}")

    # uniform windows classify their whole tile: threshold 0 (all foreground) or L (none)
    t_tile = np.where(uniform_all, np.where(ufg_all, 0, L), k_all).astype(np.int64)
    mask = np.empty((H, W), dtype=np.bool_)
    expand_mask(q, t_tile, step, mask)
    thr_info = np.where(uniform_all, np.nan, lv.value(k_all))
    ufg_all &= uniform_all
    yield Progress(nbands + 1, nbands + 1, "adaptive threshold: done")
    if return_info:
        info = AdaptiveInfo(
            thresholds=thr_info,
            uniform=uniform_all,
            uniform_foreground=ufg_all,
            global_threshold=float(lv.value(tg)),
            min_std=float(min_std),
            window=window,
            step=step,
        )
        return mask, info
    return mask


adaptive_threshold = run_steps(adaptive_threshold_steps)
