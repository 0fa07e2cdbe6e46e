"""Data targets of a lattice's end boxes from the image's own histogram (beyond the paper, issue #12).

A lattice quantizer (bit-depth reduction, posterization) keeps only which box ``[lo, hi]`` a value fell
in, and dequantization pulls each region towards a target inside its box (eq. 1's data term), the box
centre. At the two ends of the range that centre is a poor guess: values pile up there (clipped highlights
and shadows, black space, white pages and backgrounds, saturated colours). Under 3-bit floor truncation the
red channel of held-out set 4's blue-marble photograph has a median of 0 in the box [0, 31], restored at
its centre 15.5 (-0.36 SSIM in that channel); a JPEG chart's white background lies at the top of its box.

The histogram tells which way the values lean. Per channel, the density of each box (pixels per value,
plus one pixel so that an unused box is not a zero) is known at the box centres; its logarithm is taken as the
parabola through the first three boxes (the last three at the top), and the end box's target is the mean of
that density over the box's extent ``[a, b] = [lo - 1/2, hi + 1/2]``,

.. math:: \\bar t = \\frac{\\int_a^b t\\, e^{p(t)}\\, dt}{\\int_a^b e^{p(t)}\\, dt},

clipped to ``[lo, hi]``: the centroid condition of Lloyd-Max quantization (the level that minimises the squared
error is the mean of the density over the cell) with the density estimated from the quantized image itself. With
two boxes ``p`` is the line through them: an exponential density, whose mean has the closed form
``a + w (1 / (1 - exp(-s w)) - 1 / (s w))``, ``w = b - a`` (the centre when the slope ``s`` is 0). The parabola
follows a histogram that falls off faster than an exponential towards the end (shadows piled up near black):
against the mean of the true values in the first box of 3- and 4-bit floor truncation, on the photographs and
renders of held-out sets 5-10 (468 channel cases), the line's estimate was off by 4.99 and 2.37 levels (rms), the
parabola's by 4.28 and 2.03, the box centre's by 7.48 and 3.73.

Values also pile up at the end value itself: a clipped channel (the red of a saturated cyan sky, 0 over most of
a wallpaper), black space around a render, a white page. No smooth density through the boxes' counts has such a
point mass, and the parabola, bent by it, put the red of that sky at 5 where it was 0.3 (held-out 30's ribbon
wallpaper under 6 levels: SSIM -0.116 while PSNR gained 2.3 dB). So where an end box holds more pixels than the
exponential through the two boxes inward would put there (:func:`pile_up`), the excess is taken to lie at the end
value and the rest to follow that exponential: the target is ``share * end + (1 - share) * tail``. Where the
exponential accounts for every pixel (a histogram falling off steeply towards the end, shadows spread over the box)
the parabola stays. Measured before it was adopted, on the 654 floor, 6-level and RGB565 cases of the seen held-out
sets 22-30: cases with a lower SSIM 101 -> 81, below -0.1 dB 13 -> 11, mean gain +3.625 -> +3.630 dB (photographs
+4.399 -> +4.382, flat pictures +2.915 -> +2.867, renders +3.710 -> +3.767); single cases move by up to 2 dB either
way (a dark render whose first box is spread, not piled up, reads as piled up when the boxes inward are another
object's). Applying it only where the excess is at least 80 % or 90 % of the box gave 85 and 91 SSIM-lower cases.

Interior boxes keep their centre. A band of a smooth gradient spans its whole box whatever the histogram
of the image does around it, and moving its target off the centre bends the ramp: with every box moved
the design set's round-to-level cases lost 0.9 dB on average (synthetic ramps up to 2 dB), while with the end
boxes alone every lattice family gained (benchmarks/dequantize.py, docs/benchmarks/dequantize.md).

These targets are a guess about the image's density: a plateau in an end box (a fog's grey sky, a black cat on
a dark grey ground) is not a tail, and the parabola sends it to the end of the range. They are used whole only
with the ``end_guess`` option (off by default since 2026-12-07). By default (:func:`toward_level`) they may only
move a target from the box centre towards the quantizer's own level, where that level is the end of the range
(the floor's first box, both end boxes of round-to-level posterization and of RGB565's bit replication): the
restored value then lies between the input's and the box centre's, so in a region of one true value it is never
further from the truth than the worse of the two, and near the truth wherever the histogram is right (a dark
photograph's shadows under 3-bit floor truncation: +1.1 -> +4.3 dB on a rally car of held-out 15). Where a box of
the fit is (nearly) empty (a channel lying within its end box) the histogram says nothing about the shape of the
density there, and the box keeps its centre (:data:`MIN_EVIDENCE`). Except where the box *next to* the end box is
nearly empty while the end box is not: nothing leads into the end box, and its values are taken to have piled up at
the end, as a render's black surround or a white background does (held-out 23's Mandelbrot under RGB565: -0.61 ->
+4.47 dB). Measured before it was adopted on the 828 floor, 6-level and RGB565 cases of the seen held-out sets 22-32:
mean +3.706 -> +3.720 dB, cases below -0.1 dB 13 -> 13, SSIM lower 85 -> 82, photographs unchanged (+4.506 ->
+4.507); then judged blind on held-out 33 and 34 (616 cases of every quantizer): mean +1.693 -> +1.698 dB, losing
20 -> 20, SSIM lower 39 -> 39 (a water normal map under 6 levels +3.2 dB, no longer kept by the self-check). Its
risk is a channel spread over its end box with nothing beside it (a blue ramp within [0, 31] under the 3-bit floor,
the others varying): restored at the end, not at the box centre, which was the old reason to keep the centre; among
the 126 end boxes of the seen sets 22-30 with a nearly empty box beside them, the end was nearer the true mean in
106. Asking in addition that most of the end box's pixels be near black or near white in every channel kept that
ramp at its centre but lost the Mandelbrot's gain (seen sets: 13 -> 14 losing, 85 -> 86 SSIM lower); fitting the pile-up
wherever any box of the fit is nearly empty swung single cases by up to 7 dB both ways (13 -> 14 losing).

References
----------
.. [1] S. P. Lloyd, "Least squares quantization in PCM", IEEE Trans. Inf. Theory 28(2), 129-137 (1982).
.. [2] J. Max, "Quantizing for minimum distortion", IRE Trans. Inf. Theory 6(1), 7-12 (1960).
"""

from __future__ import annotations

import numpy as np

__all__ = ["MIN_EVIDENCE", "end_box_targets", "log_polynomial_mean", "pile_up", "toward_level"]

#: each box of the fit must hold at least this share of the pixels, or the end box keeps its centre (a nearly empty
#: box gives no tail for the histogram to follow); except that where the box next to the end box holds less and the
#: end box holds more, the end box's values are taken to lie at the end of the range (a black surround, a white
#: background: nothing leads into them)
MIN_EVIDENCE = 1e-3


def log_polynomial_mean(a: float, b: float, centres, log_density, samples: int = 1025) -> float:
    """Mean over ``[a, b]`` of the density ``exp(p(t))``, ``p`` the polynomial through the points
    ``(centres[i], log_density[i])`` (a line through two, a parabola through three); by the trapezoid rule on
    ``samples`` points (numerically safe for any slope: ``p`` is shifted by its maximum)."""
    coef = np.polyfit(np.asarray(centres, np.float64), np.asarray(log_density, np.float64), len(centres) - 1)
    t = np.linspace(a, b, samples)
    p = np.polyval(coef, t)
    f = np.exp(p - p.max())
    return float(np.sum(t[1:] * f[1:] + t[:-1] * f[:-1]) / np.sum(f[1:] + f[:-1]))


def pile_up(a: float, b: float, count: float, centres, log_density, samples: int = 1025) -> float:
    """The share of an end box's ``count`` pixels on ``[a, b]`` in excess of the exponential density through the
    two boxes inward (``exp`` of the line through ``(centres[i], log_density[i])``, pixels per value), which piled
    up at the end of the range; 0 where the exponential accounts for every pixel (trapezoid rule on ``samples``
    points). The rest follows that exponential: its mean over the box is :func:`log_polynomial_mean` of the same
    two points."""
    coef = np.polyfit(np.asarray(centres, np.float64), np.asarray(log_density, np.float64), 1)
    t = np.linspace(a, b, samples)
    f = np.exp(np.polyval(coef, t))
    smooth = 0.5 * np.sum(f[1:] + f[:-1]) * (t[1] - t[0])
    return max(0.0, 1.0 - smooth / count)


def end_box_targets(indices: np.ndarray, lattice, palette: np.ndarray) -> np.ndarray:
    """(K, C) float64: each palette colour's data target per channel, its box centre, or in the first and the
    last box of a channel the mean of the density fitted to the histogram there (:func:`log_polynomial_mean`), or,
    where the end box holds more pixels than the exponential through the two boxes inward puts there, that excess
    at the end value and the rest following the exponential (:func:`pile_up`); the centre where a box of the fit
    holds under :data:`MIN_EVIDENCE` of the pixels, except the end value where that box is the one next to the end
    box (and the end box holds more).

    Parameters
    ----------
    indices : int array (H, W)
        Palette index of every pixel.
    lattice : :class:`~.lattice.Lattice`
        The recognised quantizer (per channel: its boxes, :meth:`~.lattice.ChannelQuantizer.bins`).
    palette : array (K, C)
        The palette (the lattice's levels the image uses).
    """
    _, _, codes = lattice.cell_bounds(palette)
    pixels = np.bincount(indices.ravel(), minlength=palette.shape[0]).astype(np.float64)
    least = MIN_EVIDENCE * indices.size
    out = np.empty(palette.shape, np.float64)
    for c, quant in enumerate(lattice.channels):
        lo, hi = (bound.astype(np.float64) for bound in quant.bins())
        centre = 0.5 * (lo + hi)
        target = centre.copy()
        if lo.size > 1:
            count = np.bincount(codes[:, c], weights=pixels, minlength=lo.size)
            log_density = np.log((count + 1.0) / (hi - lo + 1.0))
            n = min(3, lo.size)  # the end box and the next one or two inward
            for boxes in (np.arange(n), lo.size - 1 - np.arange(n)):
                end = boxes[0]
                end_value = lo[end] if end == 0 else hi[end]
                if n == 3 and count[end] >= least and count[boxes[1]] < least:  # nothing leads into the end box:
                    target[end] = end_value  # its values piled up at the end of the range
                    continue
                if (count[boxes] < least).any():
                    continue
                a, b = lo[end] - 0.5, hi[end] + 0.5
                inward = boxes[1:]
                # values piled up at the end itself, beyond the density of the boxes inward (three boxes needed)
                share = pile_up(a, b, count[end], centre[inward], log_density[inward]) if n == 3 else 0.0
                if share > 0:
                    tail = log_polynomial_mean(a, b, centre[inward], log_density[inward])
                    mean = share * end_value + (1.0 - share) * tail
                else:
                    mean = log_polynomial_mean(a, b, centre[boxes], log_density[boxes])
                target[end] = np.clip(mean, lo[end], hi[end])
        out[:, c] = target[codes[:, c]]
    return out


def toward_level(centres, targets, levels, top) -> np.ndarray:
    """(K, C) float64: the box centres, except that where a colour's level is the end of the range (0 or
    ``top``) its target moves towards that level as far as ``targets`` (:func:`end_box_targets`) say, never past
    the centre: between the input's value and the box centre.

    Parameters
    ----------
    centres, targets, levels : arrays (K, C)
        Each palette colour's box centre, histogram target and the quantizer's own level (the palette).
    top : array (C,)
        Full scale per channel (255 or 65535).
    """
    centres = np.asarray(centres, np.float64)
    levels = np.asarray(levels, np.float64)
    at_end = (levels == 0) | (levels == np.asarray(top, np.float64)[None, :])
    leaned = np.clip(targets, np.minimum(centres, levels), np.maximum(centres, levels))
    return np.where(at_end, leaned, centres)
