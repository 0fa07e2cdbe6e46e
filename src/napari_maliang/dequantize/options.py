"""The options of dequantization (:mod:`napari_maliang._shared.options`): only declarations, no implementation, so
the command line and the widget can build their controls without loading the solver (numba, SciPy)."""

from __future__ import annotations

from dataclasses import dataclass

from napari_maliang._shared.options import Options, option

from .lattice import KINDS
from .regions import DEFAULT_MAX_COLORS
from .selfcheck import SELF_CHECK_MIN_GAIN

__all__ = [
    "COLOR_SPACES",
    "DITHER_ACTIONS",
    "QUANTIZERS",
    "QUANTIZER_SPACES",
    "SMALL_REGION_LATTICE",
    "SMALL_REGION_PALETTE",
    "SOLVE_OPTIONS",
    "DequantizeOptions",
]

COLOR_SPACES = ("rgb", "lab")
DITHER_ACTIONS = ("raise", "continue", "smooth")
QUANTIZERS = ("auto", "nearest") + KINDS
QUANTIZER_SPACES = ("rgb", "lab")

#: defaults of ``small_region`` (added data weight ``small_region / d_max`` per region, beyond the paper) for a
#: lattice and for a palette. Palettes have fewer, larger cells, and every colour is its cell's mean (k-means,
#: median cut; ``keep_means``): in textures and grain, the fragmented regions a palette makes, that colour is
#: the better guess, and smoothing between the colours around it costs. Measured on the seen sets 12-16
#: (benchmarks/dequantize.py, 753 palette cases): 0.5 -> 2 raised the mean gain +0.26 -> +0.30 dB and cut the
#: cases below -0.1 dB 79 -> 58 (photographs 21 -> 7) and those with a lower SSIM 108 -> 75; for lattices
#: (900 cases) 2 lowered the mean by 0.1 dB and added 11 losing cases, so they keep 0.5
SMALL_REGION_LATTICE = 0.5
SMALL_REGION_PALETTE = 2.0


@dataclass(frozen=True)
class DequantizeOptions(Options):
    """Options of :func:`dequantize` and :class:`Dequantizer` (Kim, Ahn & Choi).

    The first seven say how the image was quantized and are fixed when a :class:`Dequantizer` is made; the
    others (:data:`SOLVE_OPTIONS`) set each solve and may change between solves of one image.
    """

    references = (
        '.. [1] T. Kim, J. Ahn, M. G. Choi, "Image Dequantization: Restoration of Quantized Colors", Computer Graphics Forum 26(3) (Eurographics 2007); beyond the paper: docs/dequantization.md.'
    )

    color_space: str = option(
        "rgb",
        "Colour space of the smoothing of eq. (1) (the paper works in CIE-Lab; RGB measured better, "
        "docs/benchmarks/dequantize.md); the cells stay in quantizer_space either way, and lattice palettes "
        "and grayscale images always work on their values.",
        choices=COLOR_SPACES,
        label="smoothing space",
    )
    quantizer: str = option(
        "auto",
        "How the image was quantized: 'nearest' palette colour (the paper's model: k-means, median cut, octree), "
        "or per channel (:mod:`napari_maliang.dequantize.lattice`) 'floor' truncation (v // s) * s, 'center' "
        "(v // s) * s + s // 2, 'round' posterization to evenly spaced levels including 0 and full scale, "
        "'replicate' truncation widened back by bit replication (RGB565); 'auto' recognises a lattice from the "
        "palette's values whatever its colour count, and a kind the palette does not fit is warned about and "
        "replaced by what was recognised.",
        choices=QUANTIZERS,
    )
    quantizer_space: str = option(
        "rgb",
        "Space in which the palette quantizer chose the nearest colour: 'rgb' (Pillow, k-means in RGB, "
        "libimagequant, image editors) unless the palette was made by nearest colour in CIE-Lab.",
        choices=QUANTIZER_SPACES,
    )
    max_colors: int = option(
        DEFAULT_MAX_COLORS, "A palette (not a lattice) with more distinct colours is rejected as not quantized.", low=1
    )
    quantize: int | None = option(
        None, "Quantize with k-means to this many colours first.", low=1, none="no: the image is quantized",
        label="k-means first",
    )
    # the CPU by default: the GPU twin stops its CG on a relative residual (Jacobi preconditioner), the rule that
    # cost up to 11.8 dB on flat graphics before the CPU solver learnt to stop on the error (docs/dequantization.md,
    # step 5); its results are not validated on the held-out sets, so "auto" and "gpu" are asked for, not given
    backend: str = option("cpu", "Where the sparse solve runs ('auto' takes a GPU where cupy has one: not validated "
                          "on the held-out sets yet).", choices=("auto", "cpu", "gpu"))
    dither: str = option(
        "raise",
        "For an image that looks dithered: raise DitheredImageError, go on with a warning, or blur the dither "
        "away (Gaussian, sigma DITHER_SIGMA) and return that, with a warning.",
        choices=DITHER_ACTIONS,
        label="if dithered",
    )
    omega: float = option(
        0.01, "Global data-term weight of eq. (3); the paper uses 0.01 (0.5 minimises the MSE).", symbol="ω", low=0,
        step=0.01,
    )
    continuity: float = option(
        0.0, "Weight of the continuity constraints of eq. (6) across soft edges (0 = off).", symbol="w_c", low=0
    )
    max_refine: int = option(
        10, "Rounds of iterative refining (section 2.3); pixels still outside their cell are then pulled inside.",
        low=0,
    )
    small_region: float | None = option(
        None,
        "Extra data weight small_region / d_max for every pixel of a region whose largest Poisson distance "
        "(eq. 2) is d_max (not in the paper; 0 gives eq. 3 exactly): small and textured regions keep more of "
        "their quantized colour.",
        low=0,
        none=f"auto: {SMALL_REGION_LATTICE:g} for a lattice, {SMALL_REGION_PALETTE:g} for a palette",
    )
    auto_hard: bool = option(
        True,
        "Make edges hard automatically before the brushes (not in the paper): the one- and two-pixel "
        "anti-aliased steps between flat areas, and in a flat graphic (at least half the pixels in flat regions) "
        "every edge of a flat region. Off: only the Voronoi adjacency of section 2.1 and the brushes decide.",
    )
    end_guess: bool = option(
        False,
        "Lattices (bit-depth reduction, posterization): guess where in the first and last box of a channel the "
        "colours lie (not in the paper): a flat area whose every channel is in an end box as the end of the range "
        "(white paper, black backgrounds), other areas there as the mean of the image's histogram. Nothing in the "
        "image tells white from a light grey of the same box, so it is off by default (every box keeps its centre, "
        "except that where the quantizer's own level is the end, flat areas take it and other areas lean towards it "
        "as the histogram says, never past the centre): turn it on when the flat areas were white or black.",
        label="guess ends (white, black)",
    )
    self_check: bool = option(
        True,
        "Bin-centre and round-to-level lattices: first dequantize the image's own re-quantization with twice the step "
        "or half the levels (a central crop) and score it against the image (not in the paper); when that gains "
        f"under {SELF_CHECK_MIN_GAIN:g} dB, return the image unchanged, "
        "with a warning: screenshots, flat graphics and posterized art, whose boxes hold flat colours, lose when "
        "smoothed. Brush strokes always solve.",
        label="self-check first",
    )
    keep_means: bool = option(
        True,
        "After refinement, shift each colour's pixels so that they average to the palette colour again (not in "
        "the paper: k-means and median-cut colours are their cells' means), then pull them into their cells; "
        "for a lattice, shift every region that covers at least 1 % of the image and lies in an end box (the darkest "
        "or brightest box of a channel) back to its target.",
    )

    def solve_options(self) -> dict:
        """The fields that set one solve (:data:`SOLVE_OPTIONS`), by name."""
        return {name: getattr(self, name) for name in SOLVE_OPTIONS}


#: the options of one solve; the others are fixed when a :class:`Dequantizer` is made
SOLVE_OPTIONS = ("omega", "continuity", "max_refine", "small_region", "keep_means")
