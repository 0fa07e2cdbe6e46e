"""Super-resolution rendering of localization tables (histogram, Gaussian, average shifted histogram).

The reconstructed PALM image of Quan et al. (2010), Figs. 2b-d and 5, is built up from the
localizations. Three estimators are offered:

``"histogram"``
    Localizations counted per output pixel.
``"gaussian"``
    Every localization drawn as a unit-mass Gaussian whose standard deviation is its own
    localization precision (``uncertainty_x``, ``uncertainty_y``; the CRLB of the ML fit,
    paper section 2.1), so precise molecules are sharp and poor ones are faint and wide.
``"ash"``
    Average shifted histogram (Scott 1985): the mean of ``m x m`` histograms with bins ``m``
    output pixels wide, shifted by one output pixel each; equal to the fine histogram
    convolved with a separable triangular kernel.

Geometry (the rendering contract): coordinates are camera pixels with pixel centres at
integer positions. Output pixel ``(i, j)`` covers camera ``y`` in
``[-0.5 + i * pixel_size, -0.5 + (i + 1) * pixel_size)`` (same for ``x``), so an Image layer
with :func:`render_layer_kwargs` overlays the raw stack exactly. Pixel values are
localizations per output pixel (every method conserves the number of localizations that
fall inside the field of view).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from napari_maliang._shared.options import takes_options
from napari_maliang.smlm.options import RENDER_METHODS, RenderOptions

#: blur (camera pixels) used by ``method="gaussian"`` when the table has no uncertainty columns
DEFAULT_BLUR = 0.15
#: buffers of the parallel splat may use at most this many bytes in all
_MAX_BUFFER_BYTES = 1 << 30
#: smallest Gaussian standard deviation drawn, in output pixels
_MIN_SIGMA_OUT = 0.25

__all__ = ["RENDER_METHODS", "RenderOptions", "default_contrast_limits", "render", "render_layer_kwargs",
           "render_shape"]


def render_shape(locs, *, pixel_size: float = 0.1, shape: Sequence[int] | None = None) -> tuple[int, int]:
    """Output image shape ``(ceil(H / pixel_size), ceil(W / pixel_size))`` for camera frame ``shape``.

    Without ``shape`` the camera frame is the smallest one holding every localization.
    """
    pixel_size = _check_pixel_size(pixel_size)
    height, width = _camera_shape(locs, shape)
    return _out_shape(height, width, pixel_size)


@takes_options(RenderOptions)
def render(locs, *, shape: Sequence[int] | None = None, opts: RenderOptions) -> np.ndarray:
    """Render localizations into a super-resolution image (paper Figs. 2b-d, 5).

    Parameters
    ----------
    locs : pandas.DataFrame or mapping
        Localization table with at least ``x, y`` in camera pixels (pixel centres at integer
        coordinates); ``method="gaussian"`` also uses ``uncertainty_x, uncertainty_y`` (pixels).
        Rows with non-finite coordinates are ignored.
    shape : (H, W), optional
        Camera frame size in pixels; default: the smallest frame holding every localization.
        Output shape is ``(ceil(H / pixel_size), ceil(W / pixel_size))``.
    {options}

    Returns
    -------
    numpy.ndarray
        ``float32`` image of shape ``(ceil(H / pixel_size), ceil(W / pixel_size))``: localizations per
        output pixel.

    Raises
    ------
    ValueError
        For an unknown method, a non-positive pixel size, a table without ``x``/``y``, or an
        empty table without ``shape``.
    """
    method, pixel_size = opts.method, opts.pixel_size
    x, y = _xy(locs)
    height, width = _camera_shape(locs, shape, x=x, y=y)
    out_h, out_w = _out_shape(height, width, pixel_size)
    if out_h * out_w > 2**31 - 1:
        raise ValueError(
            f"the rendered image would have {out_h} x {out_w} pixels; use a larger pixel_size "
            f"(now {pixel_size} camera pixels) or render a smaller region"
        )
    if method == "gaussian":
        return _render_gaussian(locs, y, x, out_h, out_w, pixel_size, opts.blur, opts.min_blur, opts.max_blur)
    if method == "histogram":
        return _histogram(y, x, out_h, out_w, pixel_size)
    m = opts.ash_shifts
    image = _histogram(y, x, out_h, out_w, pixel_size)
    if m == 1:
        return image
    from scipy.ndimage import convolve1d

    k = np.arange(-(m - 1), m)
    weights = ((m - np.abs(k)) / float(m * m)).astype(np.float32)
    image = convolve1d(image, weights, axis=0, mode="constant")
    image = convolve1d(image, weights, axis=1, mode="constant")
    return image.astype(np.float32, copy=False)


def default_contrast_limits(image: np.ndarray, *, percentile: float = 99.5) -> tuple[float, float]:
    """Contrast limits ``(0, p)`` with ``p`` the ``percentile`` of the non-zero pixels.

    A rendered image is mostly empty with a few very bright spots (beads, dense clusters);
    the percentile of the occupied pixels shows the structures without saturating them all.
    """
    image = np.asarray(image)
    values = image[image > 0]
    if values.size == 0:
        return (0.0, 1.0)
    if values.size > 2_000_000:  # a strided sample is plenty for a percentile
        values = values[:: values.size // 1_000_000]
    high = float(np.percentile(values, percentile))
    if not np.isfinite(high) or high <= 0:
        high = float(values.max())
    return (0.0, high if high > 0 else 1.0)


def render_layer_kwargs(
    pixel_size: float,
    image: np.ndarray | None = None,
    *,
    stack_scale: Sequence[float] | None = None,
    stack_translate: Sequence[float] | None = None,
) -> dict:
    """``scale``, ``translate`` and ``contrast_limits`` of an Image layer showing a rendering.

    With them the rendered image overlays the raw stack (a layer with ``stack_scale`` and
    ``stack_translate``, default 1 and 0, e.g. ``(100, 100)`` for a stack shown in nm) pixel
    for pixel: output pixel ``i`` is centred at camera coordinate ``-0.5 + (i + 0.5) * pixel_size``.

    Parameters
    ----------
    pixel_size : float
        The ``pixel_size`` given to :func:`render` (camera pixels).
    image : numpy.ndarray, optional
        The rendered image; when given, ``contrast_limits`` come from
        :func:`default_contrast_limits`, else they are left out.
    stack_scale, stack_translate : (sy, sx), optional
        The raw stack layer's last two ``scale`` and ``translate`` entries.

    References
    ----------
    .. [1] T. Quan et al., "Ultra-fast, high-precision image analysis for localization-based super resolution microscopy", Optics Express 18(11), 11867-11876 (2010), doi:10.1364/OE.18.011867, Figs. 2 and 5.
    """
    pixel_size = _check_pixel_size(pixel_size)
    sy, sx = (1.0, 1.0) if stack_scale is None else (float(stack_scale[-2]), float(stack_scale[-1]))
    ty, tx = (0.0, 0.0) if stack_translate is None else (float(stack_translate[-2]), float(stack_translate[-1]))
    offset = -0.5 + pixel_size / 2.0
    kwargs = {
        "scale": (pixel_size * sy, pixel_size * sx),
        "translate": (offset * sy + ty, offset * sx + tx),
    }
    if image is not None:
        kwargs["contrast_limits"] = default_contrast_limits(image)
    return kwargs


# --------------------------------------------------------------------------------------------- helpers


def _check_pixel_size(pixel_size) -> float:
    try:
        value = float(pixel_size)
    except (TypeError, ValueError):
        raise TypeError(f"pixel_size must be a number (camera pixels), got {pixel_size!r}") from None
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"pixel_size must be a positive number of camera pixels (e.g. 0.1), got {pixel_size!r}")
    return value


def _column(locs, name):
    try:
        return np.ascontiguousarray(locs[name], dtype=np.float64)
    except (KeyError, ValueError, IndexError):
        return None


def _xy(locs):
    x = _column(locs, "x")
    y = _column(locs, "y")
    if x is None or y is None:
        cols = list(getattr(locs, "columns", getattr(locs, "keys", lambda: [])()))
        raise ValueError(f"the localization table needs columns 'x' and 'y' (camera pixels); it has {cols}")
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError(f"columns 'x' and 'y' must be 1-D and of equal length, got {x.shape} and {y.shape}")
    return x, y


def _camera_shape(locs, shape, x=None, y=None) -> tuple[int, int]:
    if shape is not None:
        shape = tuple(shape)
        if len(shape) < 2:
            raise ValueError(f"shape must be the camera frame (H, W), got {shape!r}")
        height, width = int(shape[-2]), int(shape[-1])
        if height < 1 or width < 1:
            raise ValueError(f"shape must be positive (H, W), got {shape!r}")
        return height, width
    if x is None:
        x, y = _xy(locs)
    finite = np.isfinite(x) & np.isfinite(y)
    if not finite.any():
        raise ValueError("cannot infer the image size from a table without localizations; pass shape=(H, W)")
    height = max(1, int(math.ceil(float(np.max(y[finite])) + 0.5 + 1e-9)))
    width = max(1, int(math.ceil(float(np.max(x[finite])) + 0.5 + 1e-9)))
    return height, width


def _out_shape(height: int, width: int, pixel_size: float) -> tuple[int, int]:
    # tolerate floating error: 64 / 0.1 must give 640, not 641
    out_h = int(math.ceil(height / pixel_size - 1e-9))
    out_w = int(math.ceil(width / pixel_size - 1e-9))
    return max(out_h, 1), max(out_w, 1)


def _n_buffers(n_points: int, out_h: int, out_w: int) -> int:
    import numba

    n_threads = max(1, min(numba.get_num_threads(), n_points // 50_000 + 1))
    return max(1, min(n_threads, _MAX_BUFFER_BYTES // max(1, 4 * out_h * out_w)))


def _sum_buffers(buffers: np.ndarray) -> np.ndarray:
    out = buffers[0]
    for k in range(1, buffers.shape[0]):
        out += buffers[k]
    return out


def _histogram(y, x, out_h, out_w, pixel_size) -> np.ndarray:
    from napari_maliang.smlm._render_kernels import draw

    buffers = np.zeros((_n_buffers(y.size, out_h, out_w), out_h, out_w), dtype=np.float32)
    draw(buffers, y, x, y[:1], x[:1], 1.0 / pixel_size, 0.0, 1.0, 1.0, 1, False)
    return _sum_buffers(buffers)


def _render_gaussian(locs, y, x, out_h, out_w, pixel_size, blur, min_blur, max_blur):
    from napari_maliang.smlm._render_kernels import draw

    default = DEFAULT_BLUR
    if blur is not None:
        blur = float(blur)
        if not np.isfinite(blur) or blur <= 0:
            raise ValueError(f"blur must be a positive number of camera pixels, got {blur!r}")
        sy = sx = np.full(y.size, blur)
    else:
        sy = _column(locs, "uncertainty_y")
        sx = _column(locs, "uncertainty_x")
        if sy is None and sx is None:
            sy = sx = np.full(y.size, DEFAULT_BLUR)
        else:
            sy = sx if sy is None else sy
            sx = sy if sx is None else sx
    lo = float(min_blur)
    hi = float(max_blur)
    if not (np.isfinite(lo) and np.isfinite(hi)) or lo < 0 or hi <= 0 or hi < lo:
        raise ValueError(f"need 0 <= min_blur <= max_blur and max_blur > 0, got min_blur={min_blur}, max_blur={max_blur}")
    # below a quarter output pixel a sampled Gaussian is a single pixel anyway
    lo = max(lo, _MIN_SIGMA_OUT * pixel_size)
    hi = max(hi, lo)
    max_radius = int(math.ceil(3.0 * hi / pixel_size)) + 1
    buffers = np.zeros((_n_buffers(y.size, out_h, out_w), out_h, out_w), dtype=np.float32)
    draw(
        buffers,
        y,
        x,
        np.ascontiguousarray(sy, dtype=np.float64),
        np.ascontiguousarray(sx, dtype=np.float64),
        1.0 / pixel_size,
        lo,
        hi,
        max(default, lo),
        max_radius,
        True,
    )
    return _sum_buffers(buffers)
