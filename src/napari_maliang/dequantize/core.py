"""Blind image dequantization (Kim, Ahn & Choi): the public :func:`dequantize` and a reusable
:class:`Dequantizer` that keeps everything independent of the annotations between solves."""

from __future__ import annotations

import warnings

import numpy as np

from napari_maliang._progress import Progress
from napari_maliang._shared.options import run_steps, takes_options

from . import brushes as _brushes
from ._color import lab2rgb, rgb2lab
from .cells import (
    lattice_cells,
    out_of_cell,
    pull_into_cells,
    resolve_lattice,
    settle,
    voronoi_cells,
)
from .centroids import end_box_targets, toward_level
from .flat import band_ends, end_region_targets, flat_edges, flat_regions, targets_by_pixel
from .options import COLOR_SPACES, SMALL_REGION_LATTICE, SMALL_REGION_PALETTE, SOLVE_OPTIONS, DequantizeOptions
from .regions import (
    antialiasing_bands,
    antialiasing_edges,
    check_color_count,
    dither_score,
    index_image,
    kmeans_quantize,
    label_regions,
    line_edges,
    region_colours,
    thick_regions,
    value_scale,
)
from .selfcheck import SELF_CHECK_MIN_GAIN, applies, self_check_gain
from .solve import MultigridPCG, Stencil
from .solve import solve as solve_stencil
from .system import build_matrix, build_rhs
from .weights import bell_weights, laplacian_stencil, poisson_distance

__all__ = ["COLOR_SPACES", "DequantizeOptions", "Dequantizer", "DitheredImageError", "dequantize", "dequantize_steps"]


#: an image with more than this share of checkerboard 2x2 blocks (:func:`~.regions.dither_score`) is taken
#: for dithered. Measured on the design images of benchmarks/dequantize.py: at most 0.019 without dithering
#: (all 11 quantizers, 5-bit lattices of noisy photos included; their share of single-pixel regions reaches
#: 0.53, which is why that is not the test), at least 0.059 with Floyd-Steinberg (Pillow, 8/16/32 colours)
#: or 4x4 Bayer ordered dithering (2/3/4 bits)
DITHER_THRESHOLD = 0.04

#: Gaussian sigma (pixels) that blurs dithering away for ``dither="smooth"`` (measured on coffee and astronaut
#: with Floyd-Steinberg to 8/16/32 colours: 0.7 beats the dithered input's PSNR by up to +2.9 dB with 8 and
#: 16 colours; 1.0 and 1.5 blur texture more than they remove dither)
DITHER_SIGMA = 0.7

#: integer results: before rounding, pixels are pulled this far inside their Voronoi faces (in RGB
#: units), half the diagonal of the unit cube (sqrt(3)/2), so rounding cannot carry them across a face
INTEGER_MARGIN = 0.87



#: weight added (after multiplying by 8) to a pixel that leaves its Voronoi cell (section 2.3). The paper gives
#: no value; a pixel that escapes is almost always in texture the smoothness model does not fit, so it is
#: pinned hard to its quantized colour at once (measured: 50 against max(omega, 0.01) raised the worst-case
#: PSNR gain from -0.27 to -0.03 dB at omega 0.5 in RGB and the mean by +0.04 dB, and needs fewer rounds).
REFINE_STEP = 50.0

#: the keep_means shift fades in over this many pixels from a brush stroke (none under the stroke itself)
STROKE_FADE = 8.0

#: a lattice's regions holding at least this share of the pixels are re-centred on their data target after the
#: solve, in the channels where their box is an end box (``keep_means``, :func:`_big_region_drift`). At 0.05, on
#: the 1705 lattice cases of the seen held-out sets 12-21: cases below -0.1 dB 155 -> 109, SSIM lower 192 -> 181,
#: mean gain +1.89 -> +1.97 dB (re-centring inner boxes too lost 0.31 dB on the 6-level photographs); 0.05 -> 0.01
#: on the 2029 of sets 12-23: 124 -> 108, 224 -> 219, +1.966 -> +1.974 dB, photographs unchanged
LATTICE_MEAN_SHARE = 0.01

#: refinement stops once at most this share of the pixels is still outside its cell (after the first
#: refinement round); the final pull moves those few pixels just inside their cells (measured: 0.1 %
#: instead of 0.01 % saves 1-2 solves, 0.25 s per MP, for -0.016 dB mean PSNR in RGB and 0 in Lab). It also
#: stops, a heuristic, after a refinement solve that took no iteration: its warm start was already within the error
#: tolerance, so the pixels still outside are about that close to their cells (on a face, a thousandth of a level
#: out), and the final pull moves them in. Raising their weights eightfold round after round seldom moves them (on
#: the 615 cases of held-out 33 and 34, 33 ran 7-8 more such rounds up to ``max_refine`` and none changed a brush-free
#: result) but made the weights so large (10^10) that a later brush solve, which starts from them, stopped at the
#: float32 working precision of its right-hand side without an iteration: the strokes did nothing.
REFINE_TOL = 1e-3

#: every CPU solve of eq. (1) runs until the multigrid estimate of its remaining error is below this share of
#: an 8-bit level (1/255 of the working space's full scale) at every pixel (``atol`` of
#: :meth:`~.solve.MultigridPCG.solve`; true errors measured 0.09-0.23 levels), below the output's rounding.
#: The relative-residual test used before (rtol 1e-3 with a 100-fold, then 10-fold, reduction per round)
#: stopped refinement rounds after one iteration with errors of up to 36 levels; on a flat graphic (held-out
#: 2's "desert", k-means 8) that left a 1.5-level shift in its largest region, which the mean step then
#: spread over it: -11.8 dB instead of +1.2 dB.
ERROR_TOL = 0.1

#: the GPU twin's solves (Jacobi-CG, :func:`~.solve.jacobi_cg`) stop at this relative residual: the same algorithm
#: run by SciPy on 25 design cases (benchmarks, 2026-12-04) scored the CPU solver's gains within 0.12 dB
#: (mean +3.25 against +3.24 dB); at 1e-3, the earlier value, it lost up to 0.33 dB (mean +3.19)
GPU_RTOL = 1e-5


def _mean_drift(x, indices, palette) -> np.ndarray:
    """(K, C): how far the mean of each colour's restored pixels moved from the palette colour.

    Subtracting it (``keep_means``, beyond the paper) puts every colour's mean back on its palette
    colour: a k-means or median-cut palette colour is the mean of the colours its cell received,
    while smoothing towards the neighbours' colours (the virtual boundary pixels of eq. 1) drifts
    textured and thin regions away from it. Measured on the 24 palette cases of
    benchmarks/dequantize.py: mean PSNR gain +0.88 -> +1.24 dB at ω 0.15 in RGB and +0.52 -> +1.29 dB
    at ω 0.01 in Lab, no losing case; one shift per region instead of per colour gained less. In a flat graphic the
    shift moves only the pixels outside flat regions, but the drift is measured over all the colour's pixels:
    measured over those pixels alone instead (as this docstring said from a42d535 until 2026-12-07, while the code
    never did), the 494 flat-graphic palette cases of the seen held-out sets 22-34 had 42 SSIM lower instead of 36
    (below -0.1 dB 9 -> 8, mean +0.063 -> +0.062 dB).
    """
    idx = indices.ravel()
    k, nc = palette.shape
    drift = x.reshape(idx.size, nc) - palette.take(idx, axis=0)  # take: several times faster than fancy indexing
    count = np.maximum(np.bincount(idx, minlength=k), 1)
    return np.stack([np.bincount(idx, drift[:, c], minlength=k) for c in range(nc)], axis=1) / count[:, None]


def _big_region_drift(x, labels, phibar, end_box, share: float) -> np.ndarray:
    """(n + 1, C): how far the mean of each region of a lattice image that holds at least ``share`` of the
    pixels moved from its data target ``phibar`` (H, W, C), in the channels where ``end_box`` (bool (n + 1, C))
    says the region's box is the first or the last of the range; 0 elsewhere.

    Subtracting it (``keep_means`` for a lattice, beyond the paper) puts such a region's mean back on its
    target. Smoothing from the cell faces of its neighbours lifts (or lowers) the whole of a huge region
    whose neighbours lie on one side of it: the black surround of an MRI slice row under the 3-bit bin
    centre, true 2 and input 16, came out at 19.4 on average (-1.08 dB against the input). Smaller regions
    keep the solve's mean: a band of a gradient spans its box, and re-centring every colour on its box
    centre lost 1.3 dB. So do huge regions of inner boxes, whose neighbours tell which way they lean (a grey
    background at 64.5 in the 6-level box [25.5, 76.5]: the solve's 57.3 beats the centre 51); at the ends of
    the range values pile up into plateaus (black surrounds, white pages).
    """
    lab = labels.ravel()
    area = np.bincount(lab)
    big = area >= share * lab.size
    drift = np.zeros((area.size, x.shape[-1]))
    inside = big[lab]  # only the pixels of huge regions are summed (a few regions, much of the picture)
    if inside.any():
        moved = (x - phibar).reshape(lab.size, -1)[inside]
        for c in range(drift.shape[1]):
            drift[:, c] = np.bincount(lab[inside], moved[:, c], minlength=area.size)
        drift /= np.maximum(area, 1)[:, None]
    drift[~(big[:, None] & end_box)] = 0.0
    return drift


class DitheredImageError(ValueError):
    """The image looks dithered (:func:`~.regions.dither_score`), which breaks the paper's uniform regions."""


class Dequantizer:
    """Everything about one quantized image that does not depend on brushes, omega or w_c.

    Holds the palette, the quantizer's cells and their adjacency, the working-colour-space palette,
    the regions, the region Laplacian and the Poisson distance, plus the last solution as a warm start,
    so a widget can re-solve after each brush stroke quickly.

    Parameters
    ----------
    image : array (H, W), (H, W, 3) or (H, W, 4)
        The colour-quantized image, uint8, uint16 or float (floats in 0..1 for a "lab" space).
    options : DequantizeOptions, optional
        Its fields may also be given as keywords. The quantizer fields are fixed here; the solve fields
        (:data:`SOLVE_OPTIONS`) are the defaults of :meth:`steps`.
    lattice : Lattice, optional
        The lattice quantizer known to have made the image (it must hold every colour); ``quantizer`` is then
        not read. The self-check passes the coarser lattice of its re-quantization (:mod:`.selfcheck`), which
        a crop's few values may not tell by themselves.

    Notes
    -----
    A dithered image (:data:`DITHER_THRESHOLD`) is handled as ``dither`` says: blurred away with
    ``"smooth"`` (Gaussian, sigma :data:`DITHER_SIGMA`), in which case the result is that descreened image,
    since the pixels of a dithered image are not their colours' cells' samples and there is nothing to
    dequantize.
    """

    @takes_options(DequantizeOptions)
    def __init__(self, image, *, lattice=None, opts: DequantizeOptions):
        from napari_maliang._backend import resolve_backend

        self.options = opts
        color_space, quantizer, quantizer_space, quantize = (
            opts.color_space, opts.quantizer, opts.quantizer_space, opts.quantize
        )
        self.backend = resolve_backend(opts.backend)
        image = np.asarray(image)
        if quantize is not None:
            image = kmeans_quantize(image, int(quantize))
        self.indexed = index_image(image, max_colors=None)
        self.input_dtype = image.dtype
        self.scale = value_scale(image)
        if lattice is not None and not np.array_equal(lattice.requantize(self.indexed.palette), self.indexed.palette):
            raise ValueError(f"the image's colours are not all levels of the lattice given ({lattice.describe()})")
        self.lattice = lattice or resolve_lattice(self.indexed.palette, quantizer, self.input_dtype)
        if self.lattice is None:
            check_color_count(self.indexed.n_colors, opts.max_colors)
        self.gray = self.indexed.palette.shape[1] == 1
        self.color_space, self.quantizer_space = (
            ("gray", "gray") if self.gray else ("rgb", "rgb") if self.lattice is not None
            else (color_space, quantizer_space)
        )
        palette = self.indexed.palette.astype(np.float64)
        if "lab" in (self.color_space, self.quantizer_space) and (palette.min() < 0 or palette.max() > self.scale):
            raise ValueError(
                f"colour values must lie in [0, {self.scale:g}] for a 'lab' colour or quantizer space (got "
                f"[{palette.min():g}, {palette.max():g}]); rescale the image or use 'rgb'"
            )
        self.dither_score = dither_score(self.indexed.indices)
        self.descreened = None  # dither="smooth" on a dithered image: the blurred image is the result
        self.end_guess_share = 0.0  # data_targets: pixels the end guesses move or would (lattices, last solve)
        if self.dither_score > DITHER_THRESHOLD:
            self._on_dither(opts.dither)
        self.indices = self.indexed.indices
        self.shape = self.indices.shape
        self.palette = palette
        if self.lattice is not None:
            self.cells = lattice_cells(palette, self.lattice)
            self.palette_work = self.cells.anchors  # data term: the box centres (lattices work in RGB)
            self._boxes = self.lattice.cell_bounds(palette)[:2]  # flat regions of end boxes: see data_targets
            self._top = np.array([quant.top for quant in self.lattice.channels], np.float64)
            self._targets = end_box_targets(self.indices, self.lattice, palette)  # the end guesses: see data_targets
            self._leaned = toward_level(self.cells.anchors, self._targets, palette, self._top)  # the default
        else:
            self.cells = voronoi_cells(self._to_space(self.quantizer_space, palette))
            self.palette_work = self._to_space(self.color_space, palette)
        self.quantizer = self.cells.quantizer
        self.adjacency = self.cells.adjacency
        # Pillow re-quantizes 8-bit RGB through its 6-bit cache (cells.PILLOW_CACHE_MASK): round for it too
        self.pillow = self.lattice is None and self.quantizer_space == "rgb" and self.input_dtype == np.uint8
        span = float(np.ptp(self.palette_work, axis=0).max()) if palette.shape[0] > 1 else 1.0
        self.margin = 1e-5 * max(span, 1e-12)
        full_scale = 100.0 if self.color_space == "lab" else self.scale  # CIE-Lab: L* runs 0..100
        self.error_tol = ERROR_TOL * full_scale / 255.0
        self._base = None
        self._d = None
        self.labels = None
        self._antialiased = None
        self._flat = None  # flat regions of a flat graphic, by label (flat_edges): kept out of the mean step
        self._bands = None  # antialiasing_bands
        self._thick = None  # thick_regions
        self._touching = None  # touching_edges: every classification of the edges starts from them
        self._x = None  # last working-space solution (warm start)
        self._w_refined = None  # (omega, continuity, small_region, refined weights) of the last solve
        self._results = {}  # (options, annotations digest, dtype) -> output (undo is instant)
        self._drift = {}  # (omega, continuity, max_refine, small_region) -> mean drift of the brush-free result
        self._self_check = None  # (self_check_gain,), once computed

    def _on_dither(self, dither: str) -> None:
        message = (
            f"the image looks dithered: {100 * self.dither_score:.0f}% of its 2x2 blocks are two-colour "
            f"checkerboards (quantized images without dithering have under {100 * DITHER_THRESHOLD:.0f}%), and "
            "dequantization assumes uniformly coloured regions"
        )
        if dither == "raise":
            raise DitheredImageError(
                f"{message}. Pass dither='smooth' to blur the dither away instead, or dither='continue' to go on "
                "as it is (little will change); in the widget: 'if dithered'"
            )
        if dither == "continue":
            warnings.warn(f"{message}; going on as asked (little will change)", UserWarning, stacklevel=3)
            return
        warnings.warn(f"{message}; the dither is blurred away (Gaussian, sigma {DITHER_SIGMA}) instead, as asked",
                      UserWarning, stacklevel=3)
        from scipy.ndimage import gaussian_filter

        colour = self.indexed.palette[self.indexed.indices].astype(np.float64)
        self.descreened = gaussian_filter(colour, (DITHER_SIGMA, DITHER_SIGMA, 0))

    def _to_space(self, space: str, rgb: np.ndarray) -> np.ndarray:
        """Input values -> ``space`` ("lab": CIE-Lab of ``rgb / scale``; else the values)."""
        return rgb2lab(rgb / self.scale) if space == "lab" else np.asarray(rgb, np.float64)

    def _from_space(self, space: str, x: np.ndarray) -> np.ndarray:
        """``space`` -> input values (CIE-Lab is clipped to the sRGB gamut)."""
        return lab2rgb(x)[0] * self.scale if space == "lab" else x

    def _in_quantizer_space(self, x):
        """Working-space colours -> the quantizer's space (where the cells are)."""
        if self.color_space == self.quantizer_space:
            return x
        return self._to_space(self.quantizer_space, self._from_space(self.color_space, x))

    @property
    def n_colors(self) -> int:
        return self.indexed.n_colors

    def _regions(self):
        if self.labels is None:
            self.labels, self.n_regions = label_regions(self.indices)
        return self.labels

    def _touching_edges(self):
        if self._touching is None:
            self._touching = _brushes.touching_edges(self.indices, self.adjacency)
        return self._touching

    def _thick_regions(self):
        if self._thick is None:
            self._thick = thick_regions(self._regions())
        return self._thick

    def _antialiasing_bands(self):
        if self._bands is None:
            self._bands = antialiasing_bands(self.indices, self.palette, self._regions(), self._thick_regions())
        return self._bands

    def auto_hard_edges(self) -> tuple[np.ndarray, np.ndarray] | None:
        """``(hard_h, hard_v)``: the anti-aliased steps between flat areas (:func:`~.regions.antialiasing_edges`),
        every edge of a flat region (:func:`~.flat.flat_edges`) and, for a palette, the edges of lines drawn on a
        ground (:func:`~.regions.line_edges`), hard before any brush; ``None`` when the ``auto_hard`` option is
        off."""
        if not self.options.auto_hard:
            return None
        if self._antialiased is None:
            steps = antialiasing_edges(self.indices, self.palette, self._regions(), self._antialiasing_bands())
            soft = _brushes.classify_edges(self.indices, self.adjacency, None, steps, self._touching_edges())
            flat_h, flat_v, self._flat = flat_edges(self.labels, *soft, pin_thin=self.lattice is None,
                                                    thick=self._thick_regions())
            hard_h, hard_v = steps[0] | flat_h, steps[1] | flat_v
            if self.lattice is None:  # a palette's few cells all touch: lines on a ground are not gradients
                line_h, line_v = line_edges(self.indices, self.palette, self.labels, scale=self.scale)
                hard_h, hard_v = hard_h | line_h, hard_v | line_v
            self._antialiased = (hard_h, hard_v)
        return self._antialiased

    def data_targets(self, soft_h, soft_v) -> tuple[np.ndarray, np.ndarray]:
        """``(target_indices, targets)``: each pixel's data target ``phibar`` (eq. 1) is ``targets[target_indices]``.

        The working-space palette; for a lattice, the box centres (flat regions: the integer nearest it, towards
        the quantizer's level), except that in the channels where an end box's level is the end of the range (0
        or the full scale) flat regions target that end and the others lean from the centre towards it as the
        image's histogram says (:func:`~.centroids.toward_level`), and that the anti-aliasing blends between two
        flat regions target the interval between theirs (:mod:`.flat`). With ``end_guess`` (off by default) the
        end boxes are guessed too: the first and last box of a channel target the box's mean under the image's
        histogram (:mod:`.centroids`), and flat regions whose every channel is in an end box target the ends.
        :attr:`end_guess_share` says how many pixels the guesses move (or would, with the option off): the
        targets of both settings are compared per region (:func:`~.flat.end_region_targets`), each pixel's target
        being its region's."""
        if self.lattice is None:
            return self.indices, self.palette_work
        flat = flat_regions(self.labels, soft_h, soft_v, thick=self._thick_regions())
        if self._flat is not None:
            flat |= self._flat
        colour = region_colours(self.labels, self.indices, flat.size)
        ends = band_ends(self.labels, self._antialiasing_bands())
        guessed, leaned = (end_region_targets(colour, flat, *self._boxes, self._top, anchors, self.palette, ends,
                                              guess=guess)
                           for guess, anchors in ((True, self._targets), (False, self._leaned)))
        moved = (np.abs(guessed - leaned) >= self.scale / 255.0).any(axis=1)
        self.end_guess_share = float(np.bincount(self.labels.ravel(), minlength=flat.size)[moved].sum() / self.labels.size)
        used = self.options.end_guess
        anchors = self._targets if used else self._leaned
        return targets_by_pixel(self.indices, self.labels, guessed if used else leaned, anchors.take(colour, axis=0), anchors)

    def _solve_inputs(self, ann, continuity: float, check: bool, omega: float, small_region: float):
        """``(soft_h, soft_v, target_indices, targets, b0, w)`` for the solves of eq. (1) under the annotations
        ``ann``: the soft edges after the brushes (:meth:`edges`), the data targets (:meth:`data_targets`), the
        right-hand side of the virtual boundary pixels (eq. 1, 5-6) and the data weights of eq. (3)
        (:func:`~.weights.bell_weights`, float32); None when ``check`` runs the self-check
        (:attr:`self_check_gain`) and it keeps the image.

        Work that does not depend on each other runs on two threads, each side being mostly single-threaded (the
        solver splits only large grids, by channel): the self-check, then the Poisson distance (eq. 2, computed
        once) and the weights (not at all for an image the check keeps) on a second thread, beside the automatic
        hard edges, the edge classification and the data targets. On two cores the check then costs almost
        nothing, and an image it keeps is returned before the rest is computed (measured on the 1-MP astronaut, median of 9 alternating
        runs at 18:26 UTC on 2026-12-07, with the distance still after the hard edges: 6 levels 1.16 -> 1.08 s,
        k-means 16 0.98 -> 0.87 s, the 5-bit bin centre 1.43 -> 1.12 s; docs/benchmarks/dequantize.md for later).
        """
        from concurrent.futures import ThreadPoolExecutor

        def weights(gain):
            # the one worker runs its tasks in order, so the check is done: nothing for an image it keeps, and
            # nothing after it failed (its error is raised on this thread; kept_as_is would run it again)
            if gain is not None and (gain.exception() is not None or self.kept_as_is):
                return None
            self._distance()
            return bell_weights(self._d, self.labels, self.n_regions, omega, small_region).astype(np.float32)

        self._regions()  # both threads read the regions
        with ThreadPoolExecutor(1, thread_name_prefix="maliang-prepare") as pool:
            gain = pool.submit(lambda: self.self_check_gain) if check else None
            w = pool.submit(weights, gain)
            self.auto_hard_edges()
            if gain is not None:
                gain.result()  # raises what the check raised
                if self.kept_as_is:
                    return None
            soft_h, soft_v = _brushes.classify_edges(self.indices, self.adjacency, ann, self.auto_hard_edges(),
                                                     self._touching_edges())
            target_idx, targets = self.data_targets(soft_h, soft_v)
            b0 = build_rhs(target_idx, targets, np.zeros(self.shape), soft_h, soft_v, float(continuity))
        return soft_h, soft_v, target_idx, targets, b0.astype(np.float32), w.result()

    def _distance(self) -> None:
        """The region Laplacian and the Poisson distance (eq. 2), once."""
        if self._base is None:
            base = laplacian_stencil(self.indices)
            self._d = poisson_distance(self.indices, stencil=base)
            # the solver works in float32: keep the operator and everything per round in float32 (no casts)
            self._base32 = Stencil(*(np.ascontiguousarray(a, np.float32) for a in (base.diag, base.east, base.south)))
            self._base = base

    def edges(self, annotations=None):
        """``(soft_h, soft_v)`` soft-edge masks after the brushes (section 2.1 and 2.4)."""
        ann = _brushes.check_annotations(annotations, self.shape)
        return _brushes.classify_edges(self.indices, self.adjacency, ann, self.auto_hard_edges(), self._touching_edges())

    def edge_image(self, annotations=None) -> np.ndarray:
        """uint8 (H, W): 1 next to a soft edge, 2 next to a hard edge, 0 elsewhere."""
        return _brushes.edge_classification_image(self.indices, *self.edges(annotations))

    def describe(self) -> str:
        """The recognised quantizer in words (shown by the widget and the CLI)."""
        return self.cells.describe()

    @property
    def flat_graphic(self) -> bool:
        """True when the image reads as a flat graphic or a screenshot (:func:`~.flat.flat_edges`): the edges of
        its flat regions are kept hard (and, for a palette, its text keeps its colours)."""
        self.auto_hard_edges()
        return self._flat is not None and bool(self._flat.any())

    def _checks(self) -> bool:
        """Whether the self-check applies (see :attr:`self_check_gain`)."""
        opts = self.options
        return opts.self_check and not opts.end_guess and applies(self.lattice) and self.descreened is None

    @property
    def self_check_gain(self) -> float | None:
        """PSNR gain (dB) of dequantizing the image's coarser re-quantization against the image
        (:mod:`.selfcheck`), computed once; None where the check does not apply (option off, not a bin-centre or
        round-to-level lattice, a descreened dithered image, ``end_guess`` on: the guess that flat areas are white or
        black is the user's, and the check's truth, the image's own levels, never lies at an end) or says nothing
        (the coarser crop has under :data:`~.selfcheck.MIN_COARSE_COLOURS` colours)."""
        if not self._checks():
            return None
        if self._self_check is None:  # computed once: (gain or None,)
            image = self.palette[self.indices].astype(self.input_dtype)
            self._self_check = (self_check_gain(image, self.lattice, self.options),)
        return self._self_check[0]

    @property
    def kept_as_is(self) -> bool:
        """True when the self-check says to return the image unchanged (brush-free solves only)."""
        gain = self.self_check_gain
        return gain is not None and gain < SELF_CHECK_MIN_GAIN

    @property
    def info(self) -> dict:
        """What was recognised and used: quantizer, its description, spaces, colour count, dither score,
        whether the image reads as a flat graphic, the share of pixels whose data target the end guesses
        of the last solve move by at least one 8-bit level, or would with ``end_guess`` off (0 for palettes),
        and the self-check's gain and verdict (:attr:`self_check_gain`, :attr:`kept_as_is`)."""
        return {
            "quantizer": self.quantizer,
            "quantizer_description": self.describe(),
            "color_space": self.color_space,
            "quantizer_space": self.quantizer_space,
            "n_colors": self.n_colors,
            "dither_score": round(self.dither_score, 4),
            "flat_graphic": self.flat_graphic,
            "end_guess_share": round(self.end_guess_share, 4),
            "self_check_gain": None if self.self_check_gain is None else round(self.self_check_gain, 3),
            "kept_as_is": self.kept_as_is,
        }

    def output_dtype(self, dtype=None) -> np.dtype:
        """The result's dtype: the input's by default; a float dtype gives float32 (no rounding)."""
        if dtype is None:
            return np.dtype(self.input_dtype) if np.issubdtype(self.input_dtype, np.integer) else np.dtype(np.float32)
        dtype = np.dtype(dtype)
        if np.issubdtype(dtype, np.floating):
            return np.dtype(np.float32)
        if dtype != self.input_dtype:
            raise ValueError(f"dtype must be None (the input's, {self.input_dtype}) or a float dtype, got {dtype}")
        return dtype

    def steps(self, annotations=None, *, dtype=None, rtol: float = GPU_RTOL, check: bool = True, **solve):
        """Generator: yields :class:`Progress`, returns the dequantized image (input scale, see ``dtype``).

        ``solve`` changes any of the solve fields of the options (:data:`SOLVE_OPTIONS`: ``omega``,
        ``continuity``, ``max_refine``, ``small_region``, ``keep_means``) for this call; the others were
        fixed when this Dequantizer was made.

        Repeated calls on one instance (the widget) reuse the regions, the Poisson distance, the last
        solution as warm start and the refined weights of the last call with the same ω and w_c, and
        return a remembered result at once for annotations seen before (undo). With ``keep_means``
        the colour means are restored with the shift of the brush-free result (computed first when
        needed), so a stroke changes the result only where its solve does; the shift fades out over
        ``STROKE_FADE`` pixels towards a stroke, so under it the user sees the paper's solution.
        ``dtype`` (:meth:`output_dtype`): None gives the input's dtype, every pixel rounded to an
        integer colour inside its cell; a float dtype gives float32. ``rtol`` is the relative residual at
        which the GPU's conjugate gradients stop; the CPU solver stops on its error (:data:`ERROR_TOL`).
        Without annotations (an array of zeros counts as none) and with ``check``, an image the self-check keeps
        (:attr:`kept_as_is`) is returned unchanged, with a warning.
        """
        import hashlib

        fixed = set(solve) - set(SOLVE_OPTIONS)
        if fixed:
            raise TypeError(f"{', '.join(sorted(fixed))}: set when the Dequantizer is made, not per solve")
        opts = self.options.replace(**solve) if solve else self.options
        omega, continuity, max_refine, small_region, keep_means = (getattr(opts, n) for n in SOLVE_OPTIONS)
        if small_region is None:
            small_region = SMALL_REGION_LATTICE if self.lattice is not None else SMALL_REGION_PALETTE
        dtype = self.output_dtype(dtype)
        ann = _brushes.check_annotations(annotations, self.shape)
        if ann is not None and not ann.any():
            ann = None  # an empty annotations layer is no annotation (no solve of the brush-free means first)
        digest = None if ann is None else hashlib.blake2b(ann.tobytes(), digest_size=16).hexdigest()
        keep_means = bool(keep_means)  # palettes: every colour's mean; lattices: their huge regions' means
        key = (float(omega), float(continuity), int(max_refine), float(small_region), keep_means, digest, dtype.str)
        total = int(max_refine) + 3
        checking = check and digest is None and self.n_colors > 1 and self._checks()
        if checking and self._self_check is None and key in self._results:
            _ = self.self_check_gain  # a result is remembered (solved with check=False): only the check is left
        if not checking or self._self_check is not None:  # else the check runs beside the preparation below
            if checking and self.kept_as_is:
                return self._kept_as_is(dtype)
            if key in self._results:
                return self._results[key].copy()
            if self.descreened is not None:
                out = self.descreened if dtype.kind == "f" else np.clip(np.rint(self.descreened), 0, self.scale)
                return self._with_alpha(out.astype(dtype), dtype)
            if self.n_colors == 1:
                return self._with_alpha(self.palette[self.indices].astype(dtype), dtype)
        drift_key = key[:4]
        if keep_means and ann is not None and drift_key not in self._drift:
            yield from self.steps(None, omega=omega, continuity=continuity, max_refine=max_refine, rtol=rtol,
                                  small_region=small_region, keep_means=True, dtype=np.float32, check=False)
        checking = checking and self._self_check is None
        yield Progress(0, total, "self-check (dequantizing a coarser re-quantization of the image), regions and "
                                 "Poisson distance (eq. 2)" if checking else "regions and Poisson distance (eq. 2)")
        inputs = self._solve_inputs(ann, continuity, checking, float(omega), float(small_region))
        if inputs is None:
            return self._kept_as_is(dtype)
        soft_h, soft_v, target_idx, targets, b0, w = inputs
        if self._w_refined is not None and self._w_refined[:3] == (float(omega), float(continuity), float(small_region)):
            w = np.maximum(w, self._w_refined[3])  # start from the weights refined for the last brushes
        phibar = targets.astype(np.float32).take(target_idx, axis=0)
        x = self._x if self._x is not None else phibar  # the CPU solver works in float32 (the GPU twin's start only)
        step = np.full(self.shape, REFINE_STEP)
        if ann is not None:  # where the user asked for smoothing (red brush), refine as gently as the paper
            step[ann == _brushes.SOFT] = max(float(omega), 1e-2)
        for round_ in range(int(max_refine) + 1):
            yield Progress(1 + round_, total, f"solving eq. (1), round {round_ + 1}")
            stencil = build_matrix(self.indices, w, soft_h, soft_v, float(continuity), base=self._base32)
            b = b0 + w[..., None] * phibar
            if self.backend == "gpu":
                x, _ = solve_stencil(stencil, b, x, rtol=rtol, backend="gpu")
                moved = True
            else:
                # refinement rounds only have to push the offending pixels back into their cells
                x, iterations = MultigridPCG(stencil).solve(b, x, atol=self.error_tol)
                moved = iterations > 0 or round_ == 0
            bad = out_of_cell(self._in_quantizer_space(x), self.indices, self.cells)
            if (not bad.any() or round_ == max_refine or not moved
                    or (round_ > 0 and bad.sum() <= REFINE_TOL * bad.size)):
                break  # a handful of stragglers, or pixels the solve cannot move, is left to the final pull
            w = w.copy()
            w[bad] = 8.0 * w[bad] + step[bad].astype(np.float32)  # section 2.3: raise w where re-quantization fails (strongly: see REFINE_STEP)
        self._x = x
        self._w_refined = (float(omega), float(continuity), float(small_region), w)
        yield Progress(total - 1, total, "re-quantization guarantee")
        if keep_means:
            free = None if self._flat is None or not self._flat.any() else ~self._flat[self.labels]
            if self.lattice is not None:  # a box's centre is not its pixels' mean: only huge regions
                if ann is None:
                    colour = region_colours(self.labels, self.indices, self.n_regions + 1)
                    lower, upper = self._boxes
                    end_box = ((lower == 0) | (upper == self._top[None, :]))[colour]
                    self._drift[drift_key] = _big_region_drift(x, self.labels, phibar, end_box, LATTICE_MEAN_SHARE)
                shift = self._drift[drift_key].take(self.labels, axis=0)
            else:
                if ann is None:
                    self._drift[drift_key] = _mean_drift(x, self.indices, self.palette_work)
                shift = self._drift[drift_key].take(self.indices, axis=0)
            if free is not None:
                shift[~free] = 0.0
            if ann is not None and ann.any():  # under a stroke the user's edit rules: no shift there
                from scipy.ndimage import distance_transform_edt

                shift *= np.minimum(distance_transform_edt(ann == 0) / STROKE_FADE, 1.0)[..., None]
            x = x - shift
        out = self._with_alpha(self._settled(x, dtype), dtype)
        if len(self._results) >= 4:
            self._results.pop(next(iter(self._results)))
        self._results[key] = out
        return out.copy()

    def _kept_as_is(self, dtype) -> np.ndarray:
        """The input, as the self-check says (:attr:`kept_as_is`), with a warning saying why."""
        warnings.warn(
            "left unchanged: dequantizing this image's own coarser re-quantization (twice the step, or half the "
            f"levels) changed its PSNR by {self.self_check_gain:+.2f} dB, under {SELF_CHECK_MIN_GAIN:+.2f} dB (flat "
            "colours, as in screenshots and posterized art?); paint, or turn self_check off, to dequantize it anyway",
            UserWarning, stacklevel=3)  # the caller of steps
        return self._with_alpha(self.palette[self.indices].astype(dtype), dtype)

    def _settled(self, x, dtype) -> np.ndarray:
        """Working-space solution -> output values of ``dtype`` that re-quantize to the input, pixel by pixel.

        The pixels are pulled into their cells in the quantizer's space (far enough inside a Voronoi face
        that rounding cannot cross it, :data:`INTEGER_MARGIN`), converted to output values and settled:
        rounded to the nearest integer colour inside the cell (and inside it for Pillow's cache too), or,
        for float output, moved towards the palette colour where gamut clipping pushed them out.
        """
        integer = np.issubdtype(dtype, np.integer)  # settle clamps the colours of integer images to their range
        q = self._in_quantizer_space(x)
        rounds_in_place = integer and self.lattice is None and self.quantizer_space != "lab"
        q = pull_into_cells(q, self.indices, self.cells, INTEGER_MARGIN if rounds_in_place else self.margin)
        rgb = self._from_space(self.quantizer_space, q)
        out = settle(rgb, self.indices, self.cells, self.palette, scale=self.scale, integer=integer,
                     clamp=np.issubdtype(self.input_dtype, np.integer), lab=self.quantizer_space == "lab",
                     pillow=self.pillow and integer)
        return out.astype(dtype)

    def _with_alpha(self, out, dtype) -> np.ndarray:
        if self.gray and out.ndim == 3:
            out = out[..., 0]
        if self.indexed.alpha is not None:
            out = np.concatenate([out, self.indexed.alpha[..., None].astype(dtype)], axis=-1)
        return out


@takes_options(DequantizeOptions)
def dequantize_steps(image, *, annotations=None, opts: DequantizeOptions, dtype=None, return_info: bool = False):
    """Restore smooth colour variations in a colour-quantized image (Kim, Ahn & Choi).

    Uniformly-coloured 4-connected regions are filled by minimising eq. (1) (smoothness + data term
    with the Poisson-distance weights of eq. 2-3) with virtual boundary pixels set to the average
    colour across *soft* edges (cells adjacent in colour space, section 2.1) and to the own colour
    across *hard* edges; all regions and channels form one sparse SPD system (section 2.2). Pixels
    that leave their cell get a larger weight and the system is solved again (section 2.3); optional
    continuity constraints (eq. 5-6) and brush annotations (section 2.4).

    Parameters
    ----------
    image : array (H, W), (H, W, 3) or (H, W, 4)
        Colour-quantized image, uint8, uint16 or float. Alpha is ignored (with a warning) and copied.
    annotations : int array (H, W), optional
        0 none, 1 magenta (colours under the stroke not adjacent), 2 blue (adjacent), 3 green (hard
        edge here), 4 red (soft edge here).
    {options}
    dtype : None or a float dtype
        None: the input's dtype; integer results are rounded to the nearest integer colour inside each
        pixel's cell (an 8-bit RGB palette's cells also as Pillow's palette mapping reads them). A
        float dtype gives the float32 result.
    return_info : bool
        Also return :attr:`Dequantizer.info` (the recognised quantizer and the spaces used).

    Yields
    ------
    Progress

    Returns
    -------
    ndarray (and dict with ``return_info``)
        Same shape as ``image``, on the input's scale, of the input's dtype (or float32). Every pixel
        re-quantizes to its input colour (:func:`requantization_mask` with the same ``quantizer`` and
        ``quantizer_space``). A single-colour image is returned unchanged.
    """
    dq = Dequantizer(image, options=opts)
    result = yield from dq.steps(annotations, dtype=dtype)
    return (result, dq.info) if return_info else result


dequantize = run_steps(dequantize_steps)
