"""Blind image dequantization (Kim, Ahn & Choi): the public :func:`dequantize` and a reusable
:class:`Dequantizer` that keeps everything independent of the annotations between solves."""

from __future__ import annotations

import numpy as np

from napari_maliang._progress import Progress, run_to_end

from . import brushes as _brushes
from ._color import lab2rgb, rgb2lab
from .cells import make_cells, out_of_cell, pull_into_cells
from .regions import DEFAULT_MAX_COLORS, index_image, kmeans_quantize, label_regions, value_scale
from .solve import MultigridPCG, Stencil, solve
from .system import build_matrix, build_rhs
from .weights import bell_weights, laplacian_stencil, poisson_distance

__all__ = ["Dequantizer", "dequantize", "dequantize_steps", "COLOR_SPACES"]

COLOR_SPACES = ("lab", "rgb")


#: default of ``small_region`` (added data weight ``small_region / d_max`` per region, beyond the paper)
SMALL_REGION = 0.5

#: weight added (after multiplying by 8) to a pixel that leaves its Voronoi cell (section 2.3). The paper gives
#: no value; a pixel that escapes is almost always in texture the smoothness model does not fit, so it is
#: pinned hard to its quantized colour at once (measured: 50 against max(omega, 0.01) raised the worst-case
#: PSNR gain from -0.27 to -0.03 dB at omega 0.5 in RGB and the mean by +0.04 dB, and needs fewer rounds).
REFINE_STEP = 50.0

#: the keep_means shift fades in over this many pixels from a brush stroke (none under the stroke itself)
STROKE_FADE = 8.0

#: refinement stops once at most this share of the pixels is still outside its cell (after the first
#: refinement round); the final pull moves those few pixels just inside their cells (measured: 0.1 %
#: instead of 0.01 % saves 1-2 solves, 0.25 s per MP, for -0.016 dB mean PSNR in RGB and 0 in Lab)
REFINE_TOL = 1e-3


def _mean_drift(x, indices, palette) -> np.ndarray:
    """(K, C): how far the mean of each colour's restored pixels moved from the palette colour.

    Subtracting it (``keep_means``, beyond the paper) puts every colour's mean back on its palette
    colour: a k-means or median-cut palette colour is the mean of the colours its cell received,
    while smoothing towards the neighbours' colours (the virtual boundary pixels of eq. 1) drifts
    textured and thin regions away from it. Measured on the 24 palette cases of
    benchmarks/dequantize.py: mean PSNR gain +0.88 -> +1.24 dB at ω 0.15 in RGB and +0.52 -> +1.29 dB
    at ω 0.01 in Lab, no losing case; one shift per region instead of per colour gained less.
    """
    idx = indices.ravel()
    k, nc = palette.shape
    drift = x.reshape(idx.size, nc) - palette[idx]
    count = np.maximum(np.bincount(idx, minlength=k), 1)
    return np.stack([np.bincount(idx, drift[:, c], minlength=k) for c in range(nc)], axis=1) / count[:, None]


def _check_options(omega, continuity, max_refine, small_region=0.0):
    for name, value in (("omega", omega), ("continuity", continuity), ("small_region", small_region)):
        if not np.isfinite(value) or value < 0:
            raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    if int(max_refine) != max_refine or max_refine < 0:
        raise ValueError(f"max_refine must be an integer >= 0, got {max_refine!r}")


class Dequantizer:
    """Everything about one quantized image that does not depend on brushes, omega or w_c.

    Holds the palette, the working-colour-space palette, the colour-space adjacency, the regions,
    the region Laplacian and the Poisson distance, plus the last solution as a warm start, so a
    widget can re-solve after each brush stroke quickly.

    Parameters
    ----------
    image : array (H, W), (H, W, 3) or (H, W, 4)
        The colour-quantized image, uint8, uint16 or float (floats in 0..1 for ``color_space="lab"``).
    color_space : {"lab", "rgb"}
        Space of the Voronoi cells, of the smoothing and of the re-quantization check. Grayscale
        images always work on their values, truncation palettes on RGB.
    quantizer : {"auto", "nearest", "floor"}
        The quantizer that made the image (:mod:`.cells`): nearest palette colour (the paper) or bit
        truncation; "auto" recognises truncation palettes.
    max_colors : int
        More colours than this raise ``ValueError`` (the image is not quantized).
    quantize : int, optional
        Quantize with k-means to this many colours first (for images that are not quantized).
    backend : {"auto", "cpu", "gpu"}
    """

    def __init__(self, image, *, color_space: str = "lab", max_colors: int = DEFAULT_MAX_COLORS,
                 quantize: int | None = None, backend: str = "auto", quantizer: str = "auto"):
        from napari_maliang._backend import resolve_backend

        if color_space not in COLOR_SPACES:
            raise ValueError(f"color_space must be one of {COLOR_SPACES}, got {color_space!r}")
        self.backend = resolve_backend(backend)
        image = np.asarray(image)
        if quantize is not None:
            image = kmeans_quantize(image, int(quantize))
        self.indexed = index_image(image, max_colors=max_colors)
        self.input_dtype = image.dtype
        self.scale = value_scale(image)
        self.indices = self.indexed.indices
        self.shape = self.indices.shape
        palette = self.indexed.palette.astype(np.float64)
        self.gray = palette.shape[1] == 1
        lab = not self.gray and color_space == "lab"
        if lab and (palette.min() < 0 or palette.max() > self.scale):
            raise ValueError(
                f"colour values must lie in [0, {self.scale:g}] for color_space='lab' (got "
                f"[{palette.min():g}, {palette.max():g}]); rescale the image or use color_space='rgb'"
            )
        self.cells = make_cells(palette, quantizer=quantizer, dtype=self.input_dtype,
                                to_work=(lambda p: rgb2lab(p / self.scale)) if lab else None)
        self.quantizer = self.cells.quantizer
        self.color_space = "gray" if self.gray else "rgb" if self.quantizer == "floor" else color_space
        self.palette = palette
        self.palette_work = self.cells.anchors  # data-term targets: palette colours or truncation-bin centres
        self.adjacency = self.cells.adjacency
        span = float(np.ptp(self.palette_work, axis=0).max()) if palette.shape[0] > 1 else 1.0
        self.margin = 1e-5 * max(span, 1e-12)
        self._base = None
        self._d = None
        self._x = None  # last working-space solution (warm start)
        self._w_refined = None  # (omega, continuity, small_region, refined weights) of the last solve
        self._results = {}  # (omega, continuity, max_refine, annotations digest) -> output (undo is instant)
        self._drift = {}  # (omega, continuity, max_refine, small_region) -> mean drift of the brush-free result

    @property
    def n_colors(self) -> int:
        return self.indexed.n_colors

    def _prepare(self):
        if self._base is None:
            self.labels, self.n_regions = label_regions(self.indices)
            self._base = laplacian_stencil(self.indices)
            self._d = poisson_distance(self.indices, stencil=self._base)
            # the solver works in float32: keep the operator and everything per round in float32 (no casts)
            self._base32 = Stencil(*(np.ascontiguousarray(a, np.float32)
                                     for a in (self._base.diag, self._base.east, self._base.south)))

    def edges(self, annotations=None):
        """``(soft_h, soft_v)`` soft-edge masks after the brushes (section 2.1 and 2.4)."""
        ann = _brushes.check_annotations(annotations, self.shape)
        return _brushes.classify_edges(self.indices, self.adjacency, ann)

    def edge_image(self, annotations=None) -> np.ndarray:
        """uint8 (H, W): 1 next to a soft edge, 2 next to a hard edge, 0 elsewhere."""
        return _brushes.edge_classification_image(self.indices, *self.edges(annotations))

    def steps(self, annotations=None, *, omega: float = 0.01, continuity: float = 0.0, max_refine: int = 10,
              rtol: float = 1e-3, small_region: float = SMALL_REGION, keep_means: bool = True):
        """Generator: yields :class:`Progress`, returns the dequantized image (float32, input scale).

        Repeated calls on one instance (the widget) reuse the regions, the Poisson distance, the last
        solution as warm start and the refined weights of the last call with the same ω and w_c, and
        return a remembered result at once for annotations seen before (undo). With ``keep_means``
        the colour means are restored with the shift of the brush-free result (computed first when
        needed), so a stroke changes the result only where its solve does; the shift fades out over
        ``STROKE_FADE`` pixels towards a stroke, so under it the user sees the paper's solution.
        """
        import hashlib

        _check_options(omega, continuity, max_refine, small_region)
        ann = _brushes.check_annotations(annotations, self.shape)
        digest = None if ann is None or not ann.any() else hashlib.blake2b(ann.tobytes(), digest_size=16).hexdigest()
        keep_means = bool(keep_means) and self.quantizer == "nearest"  # truncation bins: no mean step
        key = (float(omega), float(continuity), int(max_refine), float(small_region), keep_means, digest)
        if key in self._results:
            return self._results[key].copy()
        total = int(max_refine) + 3
        if self.n_colors == 1:
            return self._finish_output(self.palette[self.indices], np.zeros(self.shape, bool))
        drift_key = key[:4]
        if keep_means and ann is not None and drift_key not in self._drift:
            yield from self.steps(None, omega=omega, continuity=continuity, max_refine=max_refine, rtol=rtol,
                                  small_region=small_region, keep_means=True)
        yield Progress(0, total, "regions and Poisson distance (eq. 2)")
        self._prepare()
        soft_h, soft_v = _brushes.classify_edges(self.indices, self.adjacency, ann)
        w = bell_weights(self._d, self.labels, self.n_regions, float(omega), float(small_region)).astype(np.float32)
        if self._w_refined is not None and self._w_refined[:3] == (float(omega), float(continuity), float(small_region)):
            w = np.maximum(w, self._w_refined[3])  # start from the weights refined for the last brushes
        b0 = build_rhs(self.indices, self.palette_work, np.zeros(self.shape), soft_h, soft_v,
                       float(continuity)).astype(np.float32)
        phibar = self.palette_work.astype(np.float32)[self.indices]
        x = self._x if self._x is not None else self.palette_work[self.indices]
        step = np.full(self.shape, REFINE_STEP)
        if ann is not None:  # where the user asked for smoothing (red brush), refine as gently as the paper
            step[ann == _brushes.SOFT] = max(float(omega), 1e-2)
        for round_ in range(int(max_refine) + 1):
            yield Progress(1 + round_, total, f"solving eq. (1), round {round_ + 1}")
            stencil = build_matrix(self.indices, w, soft_h, soft_v, float(continuity), base=self._base32)
            b = b0 + w[..., None] * phibar
            if self.backend == "gpu":
                x, _ = solve(stencil, b, x, rtol=rtol, backend="gpu")
            else:
                # refinement rounds only have to push the offending pixels back into their cells
                x, _ = MultigridPCG(stencil).solve(b, x, rtol=rtol, reduction=1e-2 if round_ == 0 else 1e-1)
            bad = out_of_cell(x, self.indices, self.cells)
            if not bad.any() or round_ == max_refine or (round_ > 0 and bad.sum() <= REFINE_TOL * bad.size):
                break  # a handful of stragglers is left to the final pull (saves several full solves)
            w = w.copy()
            w[bad] = 8.0 * w[bad] + step[bad].astype(np.float32)  # section 2.3: raise w where re-quantization fails (strongly: see REFINE_STEP)
        self._x = x
        self._w_refined = (float(omega), float(continuity), float(small_region), w)
        yield Progress(total - 1, total, "re-quantization guarantee")
        if keep_means:
            if ann is None:
                self._drift[drift_key] = _mean_drift(x, self.indices, self.palette_work)
            shift = self._drift[drift_key][self.indices]
            if ann is not None and ann.any():  # under a stroke the user's edit rules: no shift there
                from scipy.ndimage import distance_transform_edt

                shift *= np.minimum(distance_transform_edt(ann == 0) / STROKE_FADE, 1.0)[..., None]
            x = x - shift
        x = pull_into_cells(x, self.indices, self.cells, self.margin)
        out = self._finish_output(*self._to_output(x))
        if len(self._results) >= 4:
            self._results.pop(next(iter(self._results)))
        self._results[key] = out
        return out.copy()

    def _to_output(self, x):
        """Working-space colours -> output values, and the pixels that clipping to the value range moved.

        Every other pixel is its working colour converted exactly (to rounding far below the cells'
        margin), so only the clipped ones can have left their cell.
        """
        if self.color_space == "lab":
            out, clipped = lab2rgb(x)
            out *= self.scale
        elif np.issubdtype(self.input_dtype, np.integer):
            clipped = ((x < 0) | (x > self.scale)).any(axis=-1)
            out = np.clip(x, 0, self.scale)
        else:
            out, clipped = x, np.zeros(self.shape, bool)
        if self.gray:
            out = out[..., 0]
        return out, clipped

    def _finish_output(self, out, suspect):
        out = np.asarray(out, dtype=np.float32)
        if self.gray and out.ndim == 3:
            out = out[..., 0]
        if suspect.any():
            out = self._guarantee(out, suspect)
        if self.indexed.alpha is not None:
            out = np.concatenate([out, self.indexed.alpha[..., None].astype(np.float32)], axis=-1)
        return out

    def _working(self, out):
        flat = out.astype(np.float64)
        if self.gray:
            flat = flat[..., None]
        if self.color_space == "lab":
            flat = rgb2lab(flat / self.scale)
        return flat

    def _guarantee(self, out, suspect):
        """Final check in the output's own values: every ``suspect`` pixel must re-quantize to its input
        colour; those that do not are moved towards a colour inside their cell."""
        anchors = self.cells.anchors if self.quantizer == "floor" else self.palette  # inside the cell, output values
        where = np.nonzero(suspect)
        idx = self.indices[where][None]
        values = out[where]
        target = anchors[idx[0]].astype(np.float32)
        if self.gray:
            target = target[..., 0]
        for t in (0.5, 0.25, 0.125, 0.0):
            bad = out_of_cell(self._working(values[None]), idx, self.cells)[0]
            if not bad.any():
                break
            values[bad] = target[bad] + np.float32(t) * (values[bad] - target[bad])
        out[where] = values
        return out


def dequantize_steps(image, *, annotations=None, omega: float = 0.01, continuity: float = 0.0,
                     color_space: str = "lab", max_refine: int = 10, backend: str = "auto",
                     max_colors: int = DEFAULT_MAX_COLORS, quantize: int | None = None,
                     small_region: float = SMALL_REGION, quantizer: str = "auto", keep_means: bool = True):
    """Generator form of :func:`dequantize` (yields :class:`~napari_maliang._progress.Progress`)."""
    _check_options(omega, continuity, max_refine, small_region)
    dq = Dequantizer(image, color_space=color_space, max_colors=max_colors, quantize=quantize, backend=backend,
                     quantizer=quantizer)
    result = yield from dq.steps(annotations, omega=omega, continuity=continuity, max_refine=max_refine,
                                 small_region=small_region, keep_means=keep_means)
    return result


def dequantize(image, *, annotations=None, omega: float = 0.01, continuity: float = 0.0, color_space: str = "lab",
               max_refine: int = 10, backend: str = "auto", max_colors: int = DEFAULT_MAX_COLORS,
               quantize: int | None = None, small_region: float = SMALL_REGION, quantizer: str = "auto",
               keep_means: bool = True) -> np.ndarray:
    """Restore smooth colour variations in a colour-quantized image (Kim, Ahn & Choi).

    Uniformly-coloured 4-connected regions are filled by minimising eq. (1) (smoothness + data term
    with the Poisson-distance weights of eq. 2-3) with virtual boundary pixels set to the average
    colour across *soft* edges (Voronoi cells adjacent in colour space, section 2.1) and to the own
    colour across *hard* edges; all regions and channels form one sparse SPD system (section 2.2).
    Pixels that leave their Voronoi cell get a larger weight and the system is solved again
    (section 2.3); optional continuity constraints (eq. 5-6) and brush annotations (section 2.4).

    Parameters
    ----------
    image : array (H, W), (H, W, 3) or (H, W, 4)
        Colour-quantized image, uint8, uint16 or float. Alpha is ignored (with a warning) and copied.
    annotations : int array (H, W), optional
        0 none, 1 magenta (colours under the stroke not adjacent), 2 blue (adjacent), 3 green (hard
        edge here), 4 red (soft edge here).
    omega : float
        Global data-term weight ω of eq. (3); the paper uses 0.01 (0.5 minimises the MSE).
    continuity : float
        Weight w_c of the continuity constraints of eq. (6) across soft edges (0 = off).
    color_space : {"lab", "rgb"}
        Colour space of the Voronoi cells and of the smoothing (the paper works in CIE-Lab).
    max_refine : int
        Rounds of iterative refining; pixels still outside their cell afterwards are pulled inside.
    backend : {"auto", "cpu", "gpu"}
    max_colors : int
        An image with more distinct colours is rejected as not quantized.
    quantize : int, optional
        Quantize with k-means to this many colours first.
    small_region : float
        Extra data weight ``small_region / d_max`` for every pixel of a region whose largest Poisson
        distance (eq. 2) is ``d_max`` (not in the paper; 0 gives the paper's eq. 3 exactly). Small and
        textured regions keep more of their quantized colour; large smooth regions hardly change.
    quantizer : {"auto", "nearest", "floor"}
        How the image was quantized (:mod:`napari_maliang.dequantize.cells`). "nearest": every colour
        went to its nearest palette colour, the paper's model (k-means, median cut). "floor": bit-depth
        truncation ``(v >> b) << b``; a colour ``c`` then stands for ``[c, c + step)``, so the cells are
        those bins (in RGB whatever ``color_space`` says) and regions are pulled towards the bin
        centres, removing the half-bin bias of truncation. "auto" chooses "floor" for integer images
        whose palette values are all multiples of one power of two >= 4 (at least 4 colours).
    keep_means : bool
        After refinement, shift each colour's pixels so that they average to the palette colour again
        (not in the paper: k-means and median-cut palette colours are the means of their cells), then
        pull them into their cells. Only for the "nearest" quantizer (a truncation bin's centre is not
        its mean).

    Returns
    -------
    ndarray, float32
        Same shape as ``image``, on the input's scale (uint8 -> 0..255). Every pixel re-quantizes to
        its input colour (:func:`requantization_mask` with the same ``color_space`` and ``quantizer``:
        nearest palette colour, or truncation). A single-colour image is returned unchanged.
    """
    return run_to_end(dequantize_steps(image, annotations=annotations, omega=omega, continuity=continuity,
                                       color_space=color_space, max_refine=max_refine, backend=backend,
                                       max_colors=max_colors, quantize=quantize, small_region=small_region,
                                       quantizer=quantizer, keep_means=keep_means))
