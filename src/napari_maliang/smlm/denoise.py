"""De-noising filter of the MaLiang pipeline (Quan et al. 2010, section 2.2.1, step 1).

The paper convolves each frame with two filters and sums the results: an *averaging*
filter the size of the Airy disk, and an *annular averaging* filter two pixels larger whose
weights are negative with the same total magnitude ("the same sum"), so the pair removes the
local background (after Hedde et al. 2009). Both are box filters, hence separable into row and
column passes::

    D = S_a / a**2  -  (S_b - S_a) / (b**2 - a**2),      b = a + 2 * ring

where ``S_k`` is the k x k box sum (border pixels replicated, ``mode="nearest"``). ``D`` is zero
on a flat background and positive on a spot. The CPU twin is a numba kernel of direct window
sums on an edge-replicated copy (vectorised row and column passes, parallel over frames); the GPU twin uses
``cupyx.scipy.ndimage.uniform_filter`` with the same border rule.
"""

from __future__ import annotations

import math

import numpy as np

from napari_maliang._backend import resolve_backend

__all__ = ["denoise", "filter_sizes"]


def filter_sizes(psf_sigma: float = 1.3, *, size: int | None = None, ring: int = 1) -> tuple[int, int]:
    """Side lengths ``(a, b)`` of the averaging and annular filters.

    ``a`` is the odd integer nearest the PSF full width at half maximum (``2.355 * sigma``,
    the diameter of the Airy core, section 2.2.1), at least 3; ``b = a + 2 * ring``
    ("smaller (2 pixels) than that of the annular filter" for the paper's ``ring=1``).
    """
    try:
        psf_sigma = float(psf_sigma)
    except (TypeError, ValueError):
        raise TypeError(f"psf_sigma must be a number, got {psf_sigma!r}") from None
    if not (math.isfinite(psf_sigma) and psf_sigma > 0):
        raise ValueError(f"psf_sigma must be a positive number of pixels, got {psf_sigma}")
    if size is None:
        fwhm = 2.0 * math.sqrt(2.0 * math.log(2.0)) * psf_sigma
        size = max(3, 2 * int(math.floor(fwhm / 2.0)) + 1)
    size = int(size)
    ring = int(ring)
    if size < 1 or size % 2 == 0:
        raise ValueError(f"averaging filter size must be a positive odd integer, got {size}")
    if ring < 1:
        raise ValueError(f"annulus ring width must be >= 1 pixel, got {ring}")
    return size, size + 2 * ring


# ----------------------------------------------------------------------------- numba kernels
_KERNELS = {}


def _numba_kernels():
    """Compile (once, cached on disk) the numba kernels shared by denoise and detect."""
    if _KERNELS:
        return _KERNELS
    import numba

    @numba.njit(cache=True, nogil=True)
    def workspace(h, w, b):  # pragma: no cover - compiled
        hb = b // 2
        rowbuf = np.empty((1, w + 2 * hb), np.float32)
        ring_a = np.empty((b, w), np.float32)
        ring_b = np.empty((b, w), np.float32)
        return rowbuf, ring_a, ring_b, np.empty(w, np.float32), np.empty(w, np.float32)

    @numba.njit(cache=True, nogil=True)
    def denoise_frame_ws(frame, a, b, out, rowbuf, ring_a, ring_b, sa, sb):  # pragma: no cover - compiled
        # Streaming separable box sums: each (edge-replicated) input row is summed horizontally
        # into a ring buffer of the last b rows, and each output row is the vertical sum of the
        # ring. Direct window sums in contiguous 1-D loops (LLVM vectorises them; exact in
        # float32 for photon counts), a working set of a few kB per thread instead of whole
        # intermediate frames, and the buffers are reused frame after frame.
        h, w = frame.shape
        ha = a // 2
        hb = b // 2
        wp = w + 2 * hb
        d = hb - ha
        inv_a = np.float32(1.0 / (a * a))
        inv_ring = np.float32(1.0 / (b * b - a * a))
        row = rowbuf[0]
        for p in range(h + 2 * hb):
            src = min(max(p - hb, 0), h - 1)
            frow = frame[src]
            left = frow[0]
            right = frow[w - 1]
            for j in range(hb):
                row[j] = left
                row[wp - 1 - j] = right
            for j in range(w):  # explicit loop: vectorised dtype conversion
                row[hb + j] = frow[j]
            slot = p % b
            ra = ring_a[slot]
            rb = ring_b[slot]
            for j in range(w):
                ra[j] = 0.0
            for k in range(d, d + a):
                q = row[k : k + w]
                for j in range(w):
                    ra[j] += q[j]
            for j in range(w):
                rb[j] = ra[j]
            for k in range(d):
                q1 = row[k : k + w]
                q2 = row[b - 1 - k : b - 1 - k + w]
                for j in range(w):
                    rb[j] += q1[j] + q2[j]
            if p >= 2 * hb:
                i = p - 2 * hb  # output row i needs padded rows i .. i + 2 hb
                for j in range(w):
                    sa[j] = 0.0
                    sb[j] = 0.0
                for k in range(d, d + a):
                    r = ring_a[(i + k) % b]
                    for j in range(w):
                        sa[j] += r[j]
                for k in range(b):
                    r = ring_b[(i + k) % b]
                    for j in range(w):
                        sb[j] += r[j]
                o = out[i]
                for j in range(w):
                    o[j] = sa[j] * inv_a - (sb[j] - sa[j]) * inv_ring

    @numba.njit(cache=True, nogil=True)
    def denoise_frame(frame, a, b, out):  # pragma: no cover - compiled
        pad, rows_a, rows_b, sa, sb = workspace(frame.shape[0], frame.shape[1], b)
        denoise_frame_ws(frame, a, b, out, pad, rows_a, rows_b, sa, sb)

    @numba.njit(cache=True, nogil=True)
    def denoise_range(frames, start, stop, a, b, out):  # pragma: no cover - compiled
        nf, h, w = frames.shape
        pad, rows_a, rows_b, sa, sb = workspace(h, w, b)
        for f in range(start, stop):
            denoise_frame_ws(frames[f], a, b, out[f], pad, rows_a, rows_b, sa, sb)

    def denoise_stack(frames, a, b, out, groups):
        """``denoise_range`` on ``groups`` Python threads (GIL released), contiguous frame ranges."""
        from napari_maliang._shared.threads import run_parts

        run_parts(frames.shape[0], groups, lambda lo, hi: denoise_range(frames, lo, hi, a, b, out))

    _KERNELS["workspace"] = workspace
    _KERNELS["denoise_frame_ws"] = denoise_frame_ws
    _KERNELS["denoise_frame"] = denoise_frame
    _KERNELS["denoise_stack"] = denoise_stack
    return _KERNELS


def _groups(n_frames: int) -> int:
    """Worker threads for the CPU kernels: the cores this process may use, at most one per frame."""
    from napari_maliang._shared.threads import default_threads

    return max(1, min(int(n_frames), default_threads()))


_NATIVE = tuple(np.dtype(t) for t in ("uint8", "uint16", "int16", "int32", "float32"))


def _as_frames(frames, xp=np, keep_dtype=False):
    arr = frames
    if arr.ndim == 2:
        arr = arr[None]
    if arr.ndim != 3:
        raise ValueError(f"expected a frame (H, W) or a stack (frames, H, W), got shape {tuple(frames.shape)}")
    if arr.dtype.kind not in "uif":
        raise TypeError(f"frames must be integer or float, got dtype {arr.dtype}")
    if keep_dtype and arr.dtype in _NATIVE:
        # the numba kernels read integer frames directly (no float copy of the chunk)
        return xp.ascontiguousarray(arr)
    return xp.ascontiguousarray(arr, dtype=xp.float32)


def denoise(frames, *, psf_sigma: float = 1.3, size: int | None = None, ring: int = 1, backend: str = "auto"):
    """Average minus annular-average filter of paper section 2.2.1 (step 1, "De-noising").

    Parameters
    ----------
    frames : array, shape (H, W) or (n, H, W)
        Frames in photons (NumPy, or CuPy for the GPU backend).
    psf_sigma : float
        PSF standard deviation in pixels; sets the filter sizes (:func:`filter_sizes`).
    size : int, optional
        Averaging filter side (odd); default from ``psf_sigma``.
    ring : int
        Width of the annulus around the averaging square (paper: 1, i.e. 2 pixels larger).
    backend : {"auto", "cpu", "gpu"}

    Returns
    -------
    array, float32, same shape as ``frames``
        Background-free filtered frames (on the backend's device).
    """
    a, b = filter_sizes(psf_sigma, size=size, ring=ring)
    squeeze = np.ndim(frames) == 2
    if resolve_backend(backend) == "gpu":
        import cupy as cp

        stack = _as_frames(cp.asarray(frames), cp)
        out = _denoise_gpu(stack, a, b)
    else:
        stack = _as_frames(np.asarray(frames), keep_dtype=True)
        out = np.empty(stack.shape, np.float32)
        _numba_kernels()["denoise_stack"](stack, a, b, out, _groups(stack.shape[0]))
    return out[0] if squeeze else out


def _denoise_gpu(stack, a, b):
    from cupyx.scipy import ndimage as cnd

    return _denoise_array(stack, a, b, cnd)


def _denoise_array(stack, a, b, nd):
    """Array-module version (``nd`` = ``cupyx.scipy.ndimage`` on GPU, ``scipy.ndimage`` in tests)."""
    mean_a = nd.uniform_filter(stack, size=(1, a, a), mode="nearest")
    mean_b = nd.uniform_filter(stack, size=(1, b, b), mode="nearest")
    # S_a = a^2 mean_a, S_b = b^2 mean_b
    ring_mean = (mean_b * (b * b) - mean_a * (a * a)) / (b * b - a * a)
    return (mean_a - ring_mean).astype(stack.dtype, copy=False)


def denoise_reference(frames, *, psf_sigma: float = 1.3, size: int | None = None, ring: int = 1) -> np.ndarray:
    """Plain ``scipy.ndimage`` version of :func:`denoise` (for tests and as documentation)."""
    from scipy import ndimage as nd

    a, b = filter_sizes(psf_sigma, size=size, ring=ring)
    x = np.asarray(frames, dtype=np.float64)
    sz = (1,) * (x.ndim - 2)
    mean_a = nd.uniform_filter(x, size=sz + (a, a), mode="nearest")
    mean_b = nd.uniform_filter(x, size=sz + (b, b), mode="nearest")
    ring_mean = (mean_b * (b * b) - mean_a * (a * a)) / (b * b - a * a)
    return (mean_a - ring_mean).astype(np.float32)
