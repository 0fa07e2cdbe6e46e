"""Live exposure preview (issue #16): the built-in reference at any darkening exponent, on a small copy.

:class:`ExposurePreview` does once per image what does not depend on the exponent ``g`` -- the noise
level, the photon-noise filter and the blind decision exactly as
:func:`~napari_maliang.lowlight.enhance_steps` does them, and area-downsampled restorations at a few
anchor exponents -- so that the preview at any ``g`` is an interpolation and one exponential on the
small copy (milliseconds; the widget's exposure slider calls it on every move).
"""

from __future__ import annotations

import numpy as np

from napari_maliang.lowlight._image import as_unit_float
from napari_maliang.lowlight.reference import check_gamma

__all__ = ["PREVIEW_SIDE", "ExposurePreview", "exposure_text"]

#: Longest side of the preview in pixels (an image no larger is previewed at full resolution).
PREVIEW_SIDE = 512

#: Floor of the correction base, as in :func:`~napari_maliang.lowlight.reference.classical_reference`.
_BASE_FLOOR = 1e-6
#: ``1/g`` at the anchor exponents ``g = 2 ** (k / 2)``, k = 0 .. 8 (1 to 16, the range of ``check_gamma``).
_ANCHOR_A = 2.0 ** (-np.arange(9) / 2.0)
#: Floor of the area means before their log (an all-black cell), far below one grey level.
_LOG_FLOOR = 1e-30


def exposure_text(gamma: float, low: float, high: float, photons: float | None = None) -> str:
    """The blind decision as a user reads it: ``"exposure 2.4, likely 1.9-3.1"`` (the 10-90 % interval;
    the wording of ``enhance_steps(...).info["exposure_text"]``), followed, when the photons at white are
    given, by ``" (noise: ~1000 photons at white)"`` (two significant digits; "no photon noise measured"
    for ``inf``).

    References
    ----------
    .. [1] docs/lowlight.md, blind exposure; issue #16 (exposure as a decision under uncertainty).
    """
    text = f"exposure {gamma:.1f}, likely {low:.1f}-{high:.1f}"
    if photons is None:
        return text
    if not np.isfinite(photons):
        return f"{text} (noise: no photon noise measured)"
    return f"{text} (noise: ~{float(f'{photons:.2g}'):g} photons at white)"


def _area_matrix(n_in: int, n_out: int):
    """The area-averaging weights of ``resize_area`` along one axis as a sparse ``(n_out, n_in)`` matrix."""
    import scipy.sparse as sp

    from napari_maliang._shared.resample import _area_table

    idx, weights, valid = _area_table(n_in, n_out)
    rows = np.broadcast_to(np.arange(n_out)[:, None], idx.shape)
    return sp.csr_matrix((weights[valid], (rows[valid], idx[valid])), shape=(n_out, n_in))


def _area_downsampler(shape_in, shape_out):
    """``f(image) -> resize_area(image, shape_out)`` for many images of ``shape_in`` (to float32 rounding):
    the separable weights as two sparse matrix products, about 7x faster than ``resize_area`` for a
    non-integer factor, which matters when nine restorations of the same image are downsampled."""
    (h, w), (ho, wo) = shape_in, shape_out
    if (ho, wo) == (h, w):
        return lambda image: image
    rows, cols = _area_matrix(h, ho), _area_matrix(w, wo)

    def downsample(image):
        rest = image.shape[2:]
        y = (rows @ image.reshape(h, -1)).reshape(ho, w, -1)  # along the rows: (ho, w, C)
        y = (cols @ y.transpose(1, 0, 2).reshape(w, -1)).reshape(wo, ho, -1)  # along the columns
        return np.ascontiguousarray(y.transpose(1, 0, 2), np.float32).reshape((ho, wo) + rest)

    return downsample


class ExposurePreview:
    """The built-in reference of one image at any darkening exponent, on a downsampled copy.

    The built-in reference (:func:`~napari_maliang.lowlight.reference.classical_reference` at its
    default ``local=0``) restores each pixel and channel of the photon-filtered image by the inverse
    gamma ``R_g(x) = x * max(x, 1e-6) ** (1/g - 1)``, i.e. ``x ** (1/g)``. The preview pixel is the
    area mean of ``R_g`` over the input pixels its cell covers (what an area-downsampled full run
    shows), computed without touching the full image again:

    Preparation (once; about 1.5 s for one megapixel on a busy 2-core CPU, mostly the photon-noise filter,
    so run it off the GUI thread):

    1. as :func:`~napari_maliang.lowlight.enhance_steps` does: the photons at white ``N``
       (:func:`~napari_maliang.lowlight.noise.estimate_photons`), the photon-noise filter at that level and
       strength ``noise_filter`` at full resolution, and the noise level of ``sqrt(image)``
       (:func:`~napari_maliang.lowlight.noise.estimate_noise`) for the decision;
    2. the blind decision (:func:`~napari_maliang.lowlight.reference.exposure_posterior` on the filtered
       image with the unfiltered noise level): the same ``gamma`` and 10-90 % interval as the full run;
    3. for the anchors ``g_k = 2 ** (k / 2)``, ``k = 0 .. 8`` (1 to 16), the log of the area-downsampled
       restorations (the weights of :func:`~napari_maliang._shared.resample.resize_area`, OpenCV's
       INTER_AREA; longest side ``side``), ``M_k = log area_mean(R_{g_k})``.

    :meth:`__call__` at exponent ``g`` interpolates ``M`` linearly in ``a = 1/g`` between the two anchors
    around it and exponentiates (two passes over the small copy, milliseconds). For a cell of one value
    ``x``, ``log mean(R_g) = a log x`` is linear in ``a``, so the preview is exact at full resolution and
    at the anchors; in general ``log mean(x ** a)`` is the cumulant generating function of ``log x`` over the
    cell, convex in ``a``, and the chord lies above it by at most ``(a_{k+1} - a_k) ** 2 / 8`` times the
    (tilted) variance of ``log x`` in the cell: the preview is at worst slightly brighter than the
    downsampled reference between anchors (``tests/lowlight/test_preview.py``: 78-82 dB PSNR against it
    at 3x downsampling, where ``area_mean(x) ** a``, the power of the downsampled image, gives 40-56 dB;
    ``benchmarks/lowlight_preview.py`` measures it with the speed).

    The GP of the full run learns and reproduces this reference (docs/lowlight.md: it adds about
    0.01 dB over its reference on the benchmark photos), so the preview shows what the full run gives.

    Parameters
    ----------
    image : array (H, W) or (H, W, 3)
        The dark input (uint8, uint16 or float on 0..1).
    noise_filter : float
        Strength of the photon-noise pre-filter (the widget's and ``enhance``'s ``noise_filter``; 0 = off).
    side : int
        Longest side of the preview in pixels (at least 8); a smaller image is previewed at full size.

    Attributes
    ----------
    gamma, gamma_low, gamma_high : float
        The blind decision and its 10-90 % interval; ``exposure`` says how it was decided.
    noise, photons : float
        Noise level of ``sqrt(image)`` and the photons at white (``inf``: no photon noise), as ``enhance_steps``
        reports them.
    factor : (float, float)
        Input pixels per preview pixel along the rows and the columns.

    References
    ----------
    .. [1] Y. P. Loh, "A New Framework for Efficient Low-light Image Enhancement using Approximated Gaussian
       Process", section III.A (the reference I_R).
    .. [2] docs/lowlight.md, blind exposure and "Widget"; issue #16 (live exposure in the widget).
    """

    def __init__(self, image, *, noise_filter: float = 1.0, side: int = PREVIEW_SIDE):
        from napari_maliang.lowlight.noise import estimate_noise, estimate_photons, photon_denoise
        from napari_maliang.lowlight.reference import exposure_posterior

        if isinstance(side, bool) or not isinstance(side, (int, np.integer)) or side < 8:
            raise ValueError(f"side must be an integer >= 8, got {side!r}")
        noise_filter = float(noise_filter)
        if not (np.isfinite(noise_filter) and noise_filter >= 0):
            raise ValueError(f"noise_filter must be a finite number >= 0, got {noise_filter}")
        img = as_unit_float(image)
        self.noise = estimate_noise(img)  # as enhance_steps: for the exposure decision
        self.photons = estimate_photons(img)  # and for the noise filter
        if noise_filter > 0:
            img = photon_denoise(img, strength=noise_filter, sigma=0.5 / np.sqrt(self.photons))
        post = exposure_posterior(img, noise=self.noise)
        self.gamma, self.gamma_low, self.gamma_high = post["gamma"], post["gamma_low"], post["gamma_high"]
        self.exposure = post["exposure"]

        h, w = img.shape[:2]
        s = min(1.0, side / max(h, w))
        small = (max(1, round(h * s)), max(1, round(w * s)))
        self.factor = (h / small[0], w / small[1])
        downsample = _area_downsampler((h, w), small)
        log_base = np.log(np.maximum(img, np.float32(_BASE_FLOOR)))
        maps = []
        for a in _ANCHOR_A:
            restored = np.exp(log_base * np.float32(a - 1.0)) * img  # R_g of the reference, g = 1/a
            maps.append(np.log(np.maximum(downsample(restored), np.float32(_LOG_FLOOR))))
        self._log_means = np.stack(maps).astype(np.float32)

    @property
    def shape(self) -> tuple:
        """Shape of the preview: ``(rows, columns)`` or ``(rows, columns, 3)``."""
        return self._log_means.shape[1:]

    @property
    def text(self) -> str:
        """``"exposure 2.4, likely 1.9-3.1 (noise: ~1000 photons at white)"`` (:func:`exposure_text`)."""
        return exposure_text(self.gamma, self.gamma_low, self.gamma_high, self.photons)

    def __call__(self, gamma: float, *, out: np.ndarray | None = None) -> np.ndarray:
        """The preview at darkening exponent ``gamma`` (1..16): float32 on 0..1 of :attr:`shape`.

        ``out`` (float32, :attr:`shape`) receives the result instead of a new array.
        """
        if check_gamma(gamma) is None:
            raise ValueError("gamma must be a number in [1, 16], got None")
        if out is None:
            out = np.empty(self.shape, np.float32)
        elif out.shape != self.shape or out.dtype != np.float32:
            raise ValueError(f"out must be float32 of shape {self.shape}, got {out.dtype} {out.shape}")
        a = 1.0 / float(gamma)
        i = int(np.clip(np.searchsorted(-_ANCHOR_A, -a), 1, len(_ANCHOR_A) - 1))  # _ANCHOR_A decreases
        t = np.float32((a - _ANCHOR_A[i - 1]) / (_ANCHOR_A[i] - _ANCHOR_A[i - 1]))
        lo, hi = self._log_means[i - 1], self._log_means[i]
        np.subtract(hi, lo, out=out)
        out *= t
        out += lo
        np.exp(out, out=out)
        return np.clip(out, 0.0, 1.0, out=out)
