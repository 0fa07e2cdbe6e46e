"""Sub-region extraction of the MaLiang pipeline (Quan et al. 2010, section 2.2.2, step 2).

For every de-noised frame (:mod:`napari_maliang.smlm.denoise`) the pixels that are local
maxima above ``threshold`` times the standard deviation of the background noise of the
filtered frame are kept ("more than 5 the standard deviation", section 2.2.2). The noise
standard deviation is estimated robustly per frame from the median absolute deviation (MAD)
of the filtered frame, so the molecules themselves barely bias it. Around each maximum a
``box`` x ``box`` sub-region (default 7, the paper's size for maximum likelihood) is cut out;
near the border the box is shifted inside the frame so spots at the edge are still fitted
(their centre is then off the box centre). Overlapping spots are rejected after the fit by
their width (section 2.3, :func:`reject_wide`).

Local-maximum rule (identical on CPU and GPU): a pixel ``p`` above threshold is a maximum when
``D[p] >= D[q]`` for every ``q`` in its ``(2 r + 1)^2`` neighbourhood and ``D[p] > D[q]`` for the
neighbours that precede it in raster order, so a plateau gives exactly one detection.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from napari_maliang._backend import resolve_backend, to_numpy
from napari_maliang._shared.robust import MAD_TO_SIGMA, MEAN_ABS_TO_SIGMA, mad_sigma
from napari_maliang.smlm.denoise import _as_frames, _groups, _numba_kernels, filter_sizes

__all__ = ["Detections", "check_box", "detect", "extract_spots", "noise_std", "reject_wide"]

_NOISE_SAMPLES = 4096  # the noise estimate uses a regular grid of about this many pixels per frame


def _noise_step(h: int, w: int) -> int:
    """Grid step of the noise sample (filtered neighbours are correlated anyway)."""
    return max(1, int(np.sqrt(h * w / _NOISE_SAMPLES)))


@dataclass
class Detections:
    """Candidate spots found by :func:`detect` (NumPy arrays of equal length, frame-major order).

    Attributes
    ----------
    frame : int64 array
        Frame index within the stack passed to :func:`detect`.
    y, x : int32 arrays
        Pixel of the local maximum.
    y0, x0 : int32 arrays
        Top-left corner of the ``box`` x ``box`` sub-region (shifted inside the frame at borders).
    score : float32 array
        Filtered value at the maximum (photons, after background removal).
    noise : float32 array, one value per frame
        Robust background noise standard deviation of each filtered frame.
    box : int
    """

    frame: np.ndarray
    y: np.ndarray
    x: np.ndarray
    y0: np.ndarray
    x0: np.ndarray
    score: np.ndarray
    noise: np.ndarray
    box: int

    def __len__(self) -> int:
        return int(self.frame.shape[0])


def check_box(box, shape=None) -> int:
    """Validate the sub-region size: an odd integer >= 3 not larger than the frame."""
    if isinstance(box, bool) or not isinstance(box, (int, np.integer)):
        raise TypeError(f"box must be an odd integer number of pixels, got {box!r}")
    box = int(box)
    if box < 3 or box % 2 == 0:
        raise ValueError(f"box must be an odd integer >= 3 (the spot sits on the centre pixel), got {box}")
    if shape is not None and (box > shape[-1] or box > shape[-2]):
        raise ValueError(f"box {box} is larger than the frame {tuple(shape[-2:])}; use a smaller box")
    return box


def _check_threshold(threshold) -> float:
    try:
        threshold = float(threshold)
    except (TypeError, ValueError):
        raise TypeError(f"threshold must be a number (multiples of the noise std), got {threshold!r}") from None
    if not (np.isfinite(threshold) and threshold > 0):
        raise ValueError(f"threshold must be a positive number of noise standard deviations, got {threshold}")
    return threshold


# ----------------------------------------------------------------------------- CPU (numba)
_DETECT = {}


def _detect_kernel():
    if "detect_stack" in _DETECT:
        return _DETECT["detect_stack"]
    import numba

    kernels = _numba_kernels()
    workspace = kernels["workspace"]
    denoise_frame_ws = kernels["denoise_frame_ws"]

    @numba.njit(cache=True, nogil=True)
    def robust_std(filt, step):  # pragma: no cover - compiled
        h, w = filt.shape
        nh = (h + step - 1) // step
        nw = (w + step - 1) // step
        sample = np.empty(nh * nw, np.float32)
        k = 0
        for i in range(0, h, step):
            for j in range(0, w, step):
                sample[k] = filt[i, j]
                k += 1
        med = np.median(sample)
        for t in range(k):
            sample[t] = abs(sample[t] - med)
        mad = np.median(sample) * MAD_TO_SIGMA
        if mad <= 0.0:
            # heavily quantized data: mean absolute deviation (Gaussian-consistent)
            mad = np.mean(sample) * MEAN_ABS_TO_SIGMA
        return mad

    @numba.njit(cache=True, nogil=True)
    def maxima(filt, thr, r, out_y, out_x, out_s):  # pragma: no cover - compiled
        h, w = filt.shape
        n = 0
        cap = out_y.shape[0]
        for i in range(h):
            for j in range(w):
                v = filt[i, j]
                if v <= thr:
                    continue
                ok = True
                for di in range(-r, r + 1):
                    ii = i + di
                    if ii < 0 or ii >= h:
                        continue
                    for dj in range(-r, r + 1):
                        jj = j + dj
                        if jj < 0 or jj >= w or (di == 0 and dj == 0):
                            continue
                        q = filt[ii, jj]
                        if di < 0 or (di == 0 and dj < 0):
                            if q >= v:
                                ok = False
                                break
                        elif q > v:
                            ok = False
                            break
                    if not ok:
                        break
                if ok:
                    if n < cap:
                        out_y[n] = i
                        out_x[n] = j
                        out_s[n] = v
                    n += 1
        return n

    @numba.njit(cache=True, nogil=True)
    def detect_range(frames, start, stop, a, b, threshold, r, step, out_y, out_x, out_s, counts, noise):  # pragma: no cover
        # frames start..stop on one thread (the GIL is released); work buffers allocated once
        nf, h, w = frames.shape
        pad, rows_a, rows_b, sa, sb = workspace(h, w, b)
        filt = np.empty((h, w), np.float32)
        for f in range(start, stop):
            denoise_frame_ws(frames[f], a, b, filt, pad, rows_a, rows_b, sa, sb)
            sd = robust_std(filt, step)
            noise[f] = sd
            if sd <= 0.0:
                counts[f] = 0
                continue
            counts[f] = maxima(filt, threshold * sd, r, out_y[f], out_x[f], out_s[f])

    def detect_stack(frames, a, b, threshold, r, step, cap, out_y, out_x, out_s, counts, noise, groups):
        """Run ``detect_range`` on ``groups`` Python threads over contiguous frame ranges.

        Plain threads around a ``nogil`` kernel rather than numba's ``prange``: no OpenMP
        spin-waiting that steals cycles from the fitter's threads, and no dependence on (or
        conflict with) the process-wide numba threading layer.
        """
        from napari_maliang._shared.threads import run_parts

        args = (a, b, threshold, r, step, out_y, out_x, out_s, counts, noise)
        run_parts(frames.shape[0], groups, lambda lo, hi: detect_range(frames, lo, hi, *args))

    _DETECT["detect_stack"] = detect_stack
    return detect_stack


def _capacity(h, w, r):
    # maxima are at least r+1 apart -> at most ceil(h/(r+1)) * ceil(w/(r+1)); cap memory anyway
    return int(min(-(-h // (r + 1)) * -(-w // (r + 1)), 100_000))


def _detect_cpu(stack, a, b, threshold, r):
    nf, h, w = stack.shape
    cap = _capacity(h, w, r)
    cap = min(cap, max(4096, cap if nf * cap <= 4_000_000 else 4_000_000 // max(nf, 1)))
    out_y = np.empty((nf, cap), np.int32)
    out_x = np.empty((nf, cap), np.int32)
    out_s = np.empty((nf, cap), np.float32)
    counts = np.zeros(nf, np.int64)
    noise = np.zeros(nf, np.float32)
    step = _noise_step(h, w)
    _detect_kernel()(
        stack, a, b, np.float32(threshold), r, step, cap, out_y, out_x, out_s, counts, noise, _groups(nf)
    )
    if np.any(counts > cap):
        raise ValueError(
            f"more than {cap} candidate spots in one frame: the frame is too dense or the threshold "
            f"({threshold}) too low; raise the threshold"
        )
    frame = np.repeat(np.arange(nf, dtype=np.int64), counts)
    mask = np.arange(cap)[None, :] < counts[:, None]
    return frame, out_y[mask], out_x[mask], out_s[mask], noise


# ----------------------------------------------------------------------------- GPU (cupy)
def _detect_gpu(stack, a, b, threshold, r):
    import cupy as cp
    from cupyx.scipy import ndimage as cnd

    f, y, x, s, sd = _detect_array(stack, a, b, threshold, r, cp, cnd)
    return (
        cp.asnumpy(f).astype(np.int64),
        cp.asnumpy(y).astype(np.int32),
        cp.asnumpy(x).astype(np.int32),
        cp.asnumpy(s).astype(np.float32),
        cp.asnumpy(sd).astype(np.float32),
    )


def _detect_array(stack, a, b, threshold, r, xp, nd):
    """The GPU twin written for any array module (``cupy`` + ``cupyx.scipy.ndimage`` on the
    device; ``numpy`` + ``scipy.ndimage`` in the tests that check it against the numba kernel)."""
    from napari_maliang.smlm.denoise import _denoise_array

    filt = _denoise_array(stack, a, b, nd)
    nf, h, w = filt.shape
    step = _noise_step(h, w)
    sample = filt[:, ::step, ::step].reshape(nf, -1)
    med = xp.median(sample, axis=1, keepdims=True)
    dev = xp.abs(sample - med)
    sd = xp.median(dev, axis=1) * MAD_TO_SIGMA
    fallback = xp.mean(dev, axis=1) * MEAN_ABS_TO_SIGMA
    sd = xp.where(sd <= 0, fallback, sd).astype(xp.float32)
    thr = (np.float32(threshold) * sd)[:, None, None]
    ok = (filt > thr) & (sd[:, None, None] > 0)
    padded = xp.pad(filt, ((0, 0), (r, r), (r, r)), mode="constant", constant_values=-xp.inf)
    for di in range(-r, r + 1):
        for dj in range(-r, r + 1):
            if di == 0 and dj == 0:
                continue
            q = padded[:, r + di : r + di + h, r + dj : r + dj + w]
            if di < 0 or (di == 0 and dj < 0):
                ok &= filt > q
            else:
                ok &= filt >= q
    f, y, x = xp.nonzero(ok)
    return f, y, x, filt[f, y, x], sd


# ----------------------------------------------------------------------------- public
def detect(
    frames,
    *,
    psf_sigma: float = 1.3,
    threshold: float = 5.0,
    box: int = 7,
    min_distance: int = 2,
    filter_size: int | None = None,
    ring: int = 1,
    backend: str = "auto",
) -> Detections:
    """Find candidate single molecules (paper section 2.2.2).

    Parameters
    ----------
    frames : array, shape (H, W) or (n, H, W)
        Frames in photons (see :class:`~napari_maliang.smlm.Camera`); NumPy or CuPy. Raw ADU
        work as well: the filter sums to zero, so a camera offset cancels and a gain only
        scales the filtered values and the noise alike (same maxima; ``score`` and ``noise``
        are then in ADU).
    psf_sigma : float
        PSF standard deviation in pixels (sets the de-noising filter sizes).
    threshold : float
        Detection threshold in multiples of the robust noise std of the filtered frame (paper: 5).
    box : int
        Odd side of the sub-regions (paper: 7 for maximum likelihood).
    min_distance : int
        Neighbourhood radius of the local-maximum test (a maximum must dominate its
        ``(2 r + 1)^2`` neighbourhood), default 2.
    filter_size, ring : int
        Override the averaging filter size / annulus width (:func:`~napari_maliang.smlm.denoise.filter_sizes`).
    backend : {"auto", "cpu", "gpu"}

    Returns
    -------
    Detections
    """
    threshold = _check_threshold(threshold)
    a, b = filter_sizes(psf_sigma, size=filter_size, ring=ring)
    r = int(min_distance)
    if r < 1:
        raise ValueError(f"min_distance must be >= 1 pixel, got {min_distance}")
    if resolve_backend(backend) == "gpu":
        import cupy as cp

        stack = _as_frames(cp.asarray(frames), cp)
        box = check_box(box, stack.shape)
        f, y, x, s, noise = _detect_gpu(stack, a, b, threshold, r)
    else:
        stack = _as_frames(np.asarray(frames), keep_dtype=True)
        box = check_box(box, stack.shape)
        f, y, x, s, noise = _detect_cpu(stack, a, b, threshold, r)
    h, w = stack.shape[1:]
    half = box // 2
    y0 = np.clip(y - half, 0, h - box).astype(np.int32)
    x0 = np.clip(x - half, 0, w - box).astype(np.int32)
    return Detections(frame=f, y=y.astype(np.int32), x=x.astype(np.int32), y0=y0, x0=x0, score=s, noise=noise, box=box)


def extract_spots(frames, detections: Detections):
    """Cut the ``box`` x ``box`` sub-regions of ``detections`` out of ``frames``.

    Returns an array ``(n, box, box)`` of the frames' dtype on the frames' device
    (NumPy or CuPy); ``frames`` is the same stack that was passed to :func:`detect`.
    """
    if type(frames).__module__.startswith("cupy"):
        import cupy as xp
    else:
        xp = np
        frames = np.asarray(frames)
    if frames.ndim == 2:
        frames = frames[None]
    box = detections.box
    if xp is np and frames.flags.c_contiguous and frames.dtype in _GATHER_TYPES:
        out = np.empty((len(detections), box, box), frames.dtype)
        _gather_kernel()(frames, detections.frame, detections.y0, detections.x0, out)
        return out
    ar = xp.arange(box)
    f = xp.asarray(detections.frame)[:, None, None]
    yy = xp.asarray(detections.y0)[:, None, None] + ar[None, :, None]
    xx = xp.asarray(detections.x0)[:, None, None] + ar[None, None, :]
    return frames[f, yy, xx]


_GATHER_TYPES = tuple(np.dtype(t) for t in ("uint8", "uint16", "int16", "int32", "float32", "float64"))


def _gather_kernel():
    if "gather" in _DETECT:
        return _DETECT["gather"]
    import numba

    @numba.njit(cache=True, nogil=True)
    def gather(frames, f, y0, x0, out):  # pragma: no cover - compiled
        box = out.shape[1]
        for n in range(out.shape[0]):
            fr = frames[f[n]]
            for i in range(box):
                src = fr[y0[n] + i]
                dst = out[n, i]
                for j in range(box):
                    dst[j] = src[x0[n] + j]

    _DETECT["gather"] = gather
    return gather


def noise_std(frames, *, psf_sigma: float = 1.3, backend: str = "cpu") -> np.ndarray:
    """Robust (MAD) background-noise standard deviation of each filtered frame."""
    return to_numpy(detect(frames, psf_sigma=psf_sigma, threshold=1e30, box=3, backend=backend).noise)


def reject_wide(sigma, *, n_std: float = 3.5, sigma_std=None) -> np.ndarray:
    """Mask of spots to keep: width not above the typical width by more than ``n_std`` std.

    Paper section 2.3: "spots with radii exceeding the average radius of the Airy discs by
    more than 3.5x the standard deviation were regarded as overlapping spots and thus rejected".
    The average width is the median of the fitted widths. The standard deviation is each spot's
    own: the Cramer-Rao standard deviation of its fitted width ``sigma_std`` when given (a dim
    spot's width scatters much more than a bright one's, so one global spread would reject dim
    single molecules), combined with the robust (MAD) spread of the bright half; without
    ``sigma_std`` the MAD spread of all widths.
    """
    sigma = np.asarray(sigma, dtype=np.float64)
    keep = np.isfinite(sigma)
    if keep.sum() < 3:
        return keep
    s = sigma[keep]
    med = np.median(s)
    mad = mad_sigma(s)
    if sigma_std is None:
        sd = np.full_like(sigma, mad if mad > 0 else np.std(s))
    else:
        sigma_std = np.asarray(sigma_std, dtype=np.float64)
        good = keep & np.isfinite(sigma_std)
        floor = 0.0
        if good.sum() >= 3:
            bright = good & (sigma_std <= np.median(sigma_std[good]))
            if bright.sum() >= 3:
                floor = mad_sigma(sigma[bright])
        sd = np.sqrt(np.where(np.isfinite(sigma_std), sigma_std, mad) ** 2 + floor**2)
    return keep & (sigma <= med + n_std * sd)
