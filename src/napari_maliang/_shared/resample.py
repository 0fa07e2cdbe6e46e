"""Image resizing with OpenCV's ``INTER_AREA`` and ``INTER_LINEAR`` semantics, in NumPy.

Why our own: the low-light tool's results (the exposure statistics, the LIME illumination map, the
benchmark images) were made with ``cv2.resize``; reproducing its sampling, and for ``INTER_AREA``
its float32 operation order, keeps them identical without OpenCV as a dependency (bit for bit
where it matters: a resized photo that is then given Poisson noise by a seeded generator must not
change by one ulp, or the noise draws change). ``skimage.transform.resize`` is a different
resampler: its anti-aliased downscaling is a Gaussian pre-filter plus interpolation, not an area
mean, and its borders differ.

Both functions are separable (a pass along the columns, then along the rows) and vectorised
over whole rows or columns; they take ``(H, W)`` or ``(H, W, C)`` arrays and return float32.
"""

from __future__ import annotations

import numpy as np

__all__ = ["resize_area", "resize_linear"]

_F32 = np.float32


def _check(image, shape):
    img = np.asarray(image)
    if img.ndim not in (2, 3):
        raise ValueError(f"expected an (H, W) or (H, W, C) image, got shape {img.shape}")
    if img.shape[0] < 1 or img.shape[1] < 1:
        raise ValueError(f"the image is empty (shape {img.shape})")
    try:
        h, w = (int(v) for v in shape)
    except (TypeError, ValueError):
        raise TypeError(f"shape must be a (rows, columns) pair, got {shape!r}") from None
    if h < 1 or w < 1:
        raise ValueError(f"the output shape must be at least 1 x 1, got {(h, w)}")
    return img, h, w


def _scale(n_in: int, n_out: int) -> float:
    return 1.0 / (n_out / n_in)  # as OpenCV: scale = 1 / inv_scale, inv_scale = n_out / n_in, in double


# ----------------------------------------------------------------------------------- area, shrinking
def _area_table(n_in: int, n_out: int):
    """OpenCV's ``computeResizeAreaTab`` for ``n_out <= n_in``, as ``(index, weight, valid)`` arrays of
    shape ``(n_out, m)``: the input pixels of each output cell in order, with float32 weights.

    Output cell ``d`` covers ``[d s, (d + 1) s)`` with ``s = n_in / n_out``; input pixel ``[i, i + 1)``
    weighs its overlap with the cell over the cell's width (the last cell is cut at the image's
    end); partial overlaps under 1e-3 px are dropped.
    """
    scale = _scale(n_in, n_out)
    d = np.arange(n_out)
    f1 = d * scale
    f2 = f1 + scale
    cell = np.minimum(scale, n_in - f1)
    s2 = np.minimum(np.floor(f2).astype(np.int64), n_in - 1)
    s1 = np.minimum(np.ceil(f1).astype(np.int64), s2)
    head = (s1 - f1) > 1e-3
    full = np.maximum(s2 - s1, 0)
    tail = (f2 - s2) > 1e-3
    m = int((head + full + tail).max())
    idx = np.zeros((n_out, m), np.int64)
    wts = np.zeros((n_out, m), _F32)
    valid = np.zeros((n_out, m), bool)
    # head entry (partial first pixel), then the whole pixels, then the tail (partial last pixel)
    idx[head, 0] = s1[head] - 1
    wts[head, 0] = ((s1 - f1) / cell)[head].astype(_F32)
    valid[head, 0] = True
    pos = head.astype(np.int64)
    for j in range(int(full.max()) if full.size else 0):
        on = full > j
        idx[on, pos[on] + j] = s1[on] + j
        wts[on, pos[on] + j] = (1.0 / cell[on]).astype(_F32)
        valid[on, pos[on] + j] = True
    pos = pos + full
    idx[tail, pos[tail]] = s2[tail]
    wts[tail, pos[tail]] = (np.minimum(np.minimum(f2 - s2, 1.0), cell) / cell)[tail].astype(_F32)
    valid[tail, pos[tail]] = True
    return idx, wts, valid


def _area_pass(x: np.ndarray, axis: int, n_out: int) -> np.ndarray:
    """Weighted sums along ``axis`` (0 or 1) in the table's order, float32: ``acc += src * w``."""
    idx, wts, valid = _area_table(x.shape[axis], n_out)
    shape = list(x.shape)
    shape[axis] = n_out
    acc = np.zeros(shape, _F32)
    for j in range(idx.shape[1]):
        on = np.nonzero(valid[:, j])[0]
        wj = wts[on, j]
        if axis == 0:
            acc[on] = acc[on] + x[idx[on, j]] * wj[:, None, None]
        else:
            acc[:, on] = acc[:, on] + x[:, idx[on, j]] * wj[None, :, None]
    return acc


def _area_block_mean(x: np.ndarray, iy: int, ix: int) -> np.ndarray:
    """Integer factors: the mean of each ``iy x ix`` block, summed in OpenCV's float32 order."""
    ho, wo = x.shape[0] // iy, x.shape[1] // ix
    blocks = x[: ho * iy, : wo * ix].reshape(ho, iy, wo, ix, x.shape[2])
    vals = [blocks[:, sy, :, sx] for sy in range(iy) for sx in range(ix)]
    total = np.zeros(vals[0].shape, _F32)
    k = 0
    while k + 4 <= len(vals):  # OpenCV's unrolled loop: sum += ((v0 + v1) + v2) + v3
        total = total + (((vals[k] + vals[k + 1]) + vals[k + 2]) + vals[k + 3])
        k += 4
    while k < len(vals):
        total = total + vals[k]
        k += 1
    if iy == ix == 2 and x.shape[2] == 1:
        # OpenCV's SIMD loop (4 outputs at a time, the remainder as above) adds pairs first
        n = (wo // 4) * 4
        simd = (vals[0][:, :n] + vals[1][:, :n]) + (vals[2][:, :n] + vals[3][:, :n])
        total[:, :n] = simd
    return total * _F32(1.0 / (iy * ix))


# ------------------------------------------------------------------------------ two-tap interpolation
def _blend(a: np.ndarray, b: np.ndarray, f: np.ndarray, fused: bool) -> np.ndarray:
    if fused:  # a + f (b - a) with one rounding (a fused multiply-add), as Intel IPP
        return (a + f.astype(np.float64) * (b - a)).astype(_F32)
    return a * (_F32(1.0) - f) + b * f  # OpenCV's loops: each product and the sum rounded to float32


def _two_tap(x: np.ndarray, ytaps, xtaps, *, fused: bool = False) -> np.ndarray:
    """OpenCV's separable two-tap resize (``resizeGeneric_`` with ``HResizeLinear`` /
    ``VResizeLinear`` on float32): ``out = (1 - f) I[s] + f I[s + 1]`` along the columns, then
    along the rows, in float32 (``fused``: the form ``I[s] + f (I[s + 1] - I[s])`` with a fused
    multiply-add, closest to OpenCV's IPP path).

    Columns: a tap before the image takes pixel 0, one at or past the last pixel takes the last
    pixel (weight 1). Rows: both rows are clamped into the image, the weights kept.
    """
    h, w = x.shape[:2]
    sx, fx = xtaps
    sx = sx.copy()
    fx = fx.astype(_F32, copy=True)
    lo = sx < 0
    sx[lo], fx[lo] = 0, 0
    hi = sx >= w - 1
    sx[hi], fx[hi] = w - 1, 0
    beyond = np.nonzero(sx + 1 >= w)[0]  # from the first such column on: a plain copy (OpenCV's xmax)
    xmax = int(beyond[0]) if beyond.size else sx.size
    cols = np.empty((h, sx.size, x.shape[2]), _F32)
    s0 = sx[:xmax]
    cols[:, :xmax] = _blend(x[:, s0], x[:, s0 + 1], fx[None, :xmax, None], fused)
    cols[:, xmax:] = x[:, sx[xmax:]]
    sy, fy = ytaps
    r0 = np.clip(sy, 0, h - 1)
    r1 = np.clip(sy + 1, 0, h - 1)
    return _blend(cols[r0], cols[r1], fy.astype(_F32)[:, None, None], fused)


def _area_grow_taps(n_in: int, n_out: int):
    """``INTER_AREA`` taps where the image is enlarged along some axis: ``s = floor(d n_in / n_out)``,
    ``f = (d + 1) - (s + 1) n_out / n_in``, then 0 if ``f <= 0`` else ``f - floor(f)``."""
    inv = n_out / n_in
    d = np.arange(n_out)
    s = np.floor(d * (1.0 / inv)).astype(np.int64)
    f = ((d + 1) - (s + 1) * inv).astype(_F32)
    return s, np.where(f <= 0, _F32(0.0), f - np.floor(f)).astype(_F32)


def _linear_taps(n_in: int, n_out: int, *, exact: bool):
    """Half-pixel-centre taps ``x = (d + 0.5) n_in / n_out - 0.5``, ``s = floor(x)``, ``f = x - s``.

    ``exact``: ``f`` is taken in double precision, then rounded to float32 (what OpenCV's x86 builds
    compute through Intel IPP for images of at least 2 x 2 with 1, 3 or 4 channels); otherwise
    ``x`` is rounded to float32 first (OpenCV's own loop, used for the other images).
    """
    x = (np.arange(n_out) + 0.5) * _scale(n_in, n_out) - 0.5
    if not exact:
        x = x.astype(_F32)
    s = np.floor(x).astype(np.int64)
    return s, (x - s).astype(_F32)


# ----------------------------------------------------------------------------------------- public
def _resize(image, shape, method) -> np.ndarray:
    """Check the arguments, run ``method(x, rows, columns)`` on the float32 ``(H, W, C)`` image (a copy
    when the size does not change) and give the input's channel layout back."""
    img, h, w = _check(image, shape)
    x = np.asarray(img, _F32).reshape(img.shape[0], img.shape[1], -1)
    out = x.copy() if (h, w) == img.shape[:2] else method(x, h, w)
    return out.reshape((h, w) + img.shape[2:])


def resize_area(image, shape) -> np.ndarray:
    """Resize by area averaging, as OpenCV's ``cv2.resize(image, (w, h), interpolation=cv2.INTER_AREA)``.

    Shrinking (neither output side larger than the input's): output pixel ``(i, j)`` is the
    area-weighted mean of the input pixels its cell covers,

    .. math:: O_{ij} = \\sum_{k, l} a^y_{ik} \\, a^x_{jl} \\, I_{kl}, \\qquad
              a_{ik} = \\frac{|[k, k + 1) \\cap [i s, (i + 1) s)|}{\\min(s, n_{in} - i s)},
              \\quad s = \\frac{n_{in}}{n_{out}}

    per axis (partial overlaps under 1e-3 px dropped); an integer factor is a plain block mean.
    Enlarging along either axis: OpenCV then interpolates two taps per output pixel on both axes
    (an output pixel inside one input pixel copies it, one across a pixel boundary blends the two
    by the fraction it covers), reproduced here. The float32 arithmetic follows OpenCV's order, so
    the result is bit-identical to OpenCV 4.x-5.x on x86 for 1- and 3-channel float32 images.

    Parameters
    ----------
    image : array (H, W) or (H, W, C)
    shape : (int, int)
        Output ``(rows, columns)`` (``cv2.resize`` takes ``(columns, rows)``).

    Returns
    -------
    ndarray float32 (rows, columns[, C])
    """
    return _resize(image, shape, _area)


def _area(x: np.ndarray, h: int, w: int) -> np.ndarray:
    hi, wi = x.shape[:2]
    if h > hi or w > wi:
        return _two_tap(x, _area_grow_taps(hi, h), _area_grow_taps(wi, w))
    sy, sx = _scale(hi, h), _scale(wi, w)
    iy, ix = round(sy), round(sx)
    eps = np.finfo(np.float64).eps
    if abs(sy - iy) < eps and abs(sx - ix) < eps:
        return _area_block_mean(x, iy, ix)
    return _area_pass(_area_pass(x, 1, w), 0, h)


def resize_linear(image, shape) -> np.ndarray:
    """Bilinear resize, as OpenCV's ``cv2.resize(image, (w, h), interpolation=cv2.INTER_LINEAR)``.

    Half-pixel centres: along each axis output index ``d`` samples the input at

    .. math:: x = (d + 0.5) \\, \\frac{n_{in}}{n_{out}} - 0.5, \\qquad
              O_d = (1 - f) \\, I_{\\lfloor x \\rfloor} + f \\, I_{\\lfloor x \\rfloor + 1}, \\quad f = x - \\lfloor x \\rfloor,

    with samples outside ``[0, n_in - 1]`` taking the border pixel; rows and columns separately,
    in float32. No anti-aliasing (meant for enlarging). Agrees with OpenCV to 1 float32 ulp (on
    x86 OpenCV runs this through Intel IPP, whose rounding at the borders is not reproduced).

    Parameters
    ----------
    image : array (H, W) or (H, W, C)
    shape : (int, int)
        Output ``(rows, columns)``.

    Returns
    -------
    ndarray float32 (rows, columns[, C])
    """
    return _resize(image, shape, _linear)


def _linear(x: np.ndarray, h: int, w: int) -> np.ndarray:
    hi, wi = x.shape[:2]
    exact = hi >= 2 and wi >= 2 and x.shape[2] in (1, 3, 4)
    return _two_tap(x, _linear_taps(hi, h, exact=exact), _linear_taps(wi, w, exact=exact), fused=exact)
