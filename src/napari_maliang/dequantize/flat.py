"""Flat regions of flat graphics and their colours at the ends of lattice boxes (beyond the paper, issue #12).

A lattice quantizer (bit-depth reduction, posterization) maps a whole box of values to one code, and
dequantization pulls every region towards its box centre (:func:`~.cells.lattice_cells`): the best guess
for values spread over the box, as a photograph's are. A flat graphic (a logo, a chart, a diagram) is
different: its large regions are one colour each, and that colour's channels are very often at the ends
of the range (a white or black background, saturated colours: 0 and 255). White (255) under RGB565 lies in
the box [248, 255], whose centre 251.5 is 3.5 levels off on the whole background.

A region says it is flat when nothing in it or around it suggests a gradient: it is *thick* (more than two
pixels thick somewhere, :func:`~.regions.thick_regions`) and most of its border is hard after the automatic
classification and the brushes (real edges and anti-aliased steps, :func:`~.regions.antialiasing_edges`),
while a band of a gradient is bounded by soft edges on both sides. Most, not all: the anti-aliased pixels
of text and thin lines (thin on both sides, so not found as steps) leave a few soft edges on a white
background. Away from its soft edges such a region is solved to one constant, its data target (eq. 1 with
hard virtual pixels, ``phi* = phibar``), so the target is its colour. In a channel where its box is an end
box of the range (its lower bound is 0, or its upper bound is the full scale), that target is the end of
the range instead of the box centre when the quantizer's own level there is that end (the floor's first
box, every end of round-to-level and bit replication: the input itself, so nothing is risked), or when
*every* channel of the colour lies in an end box: white, black, a primary or secondary colour. A colour
with a channel inside the range is a chosen mid colour (KDE's window grey (239, 240, 241), matplotlib's
blue (31, 119, 180)) whose other channels are no likelier than any value of their boxes to sit at an end:
there the region keeps its box centre (not the end box's histogram mean of :mod:`.centroids`: in a flat
graphic that histogram is mostly the region itself, and leans to the end). Under the 4-bit bin centre the grey's codes
(14, 15, 15), moved to (232, 255, 255), would tint a whole window cyan. Other channels keep the centre.
Pure white, black and primaries are still a guess in a bin-centre or floor quantizer's end box (a dark
UI's (13, 13, 13) lies in the box [0, 31] too): the guess that pays on average, not on every image, so it is
made only when asked (``guess``, the ``end_guess`` option, off by default since 2026-12-07: without it 29
instead of 37 cases of the blind held-out set 15 lose more than 0.1 dB, docs/benchmarks/dequantize.md).
A flat region is one integer colour, so its target is an integer: of the two nearest a box's centre (a
bin-centre box [8, 15] has centre 11.5), the one towards the quantizer's own level (12, the input itself); the
centre, rounded pixel by pixel, scattered the region over both.

The blends of an anti-aliased step between two flat regions ``A`` and ``B`` (the band regions of
:func:`~.regions.antialiasing_bands`) are ``(1 - a) A + a B``: in every channel they lie between ``A``'s and
``B``'s colours. A band region's target is its box centre moved into that interval (between the two flat
regions' targets) and kept in its box: between white and orange (255, 140, 0) every blend has red 255.
"""

from __future__ import annotations

import numpy as np

from .regions import region_colours, thick_regions

__all__ = ["FLAT_GRAPHIC_SHARE", "GRID_RUN", "GRID_SHARE", "MAX_FLAT_PASSES", "PAGE_BORDER", "flat_regions", "grid_share",
           "page_like", "flat_edges", "end_targets", "band_ends", "end_region_targets", "targets_by_pixel"]

#: an image is a flat graphic when at least this share of its pixels lies in flat regions (:func:`flat_edges`)
FLAT_GRAPHIC_SHARE = 0.5

#: ... or when that share is reached with text and lines set aside (``thin_counts=False`` in
#: :func:`flat_regions`) and at least this share of the borders between its thick regions lies on straight,
#: axis-aligned runs of :data:`GRID_RUN` pixels or more (:func:`grid_share`), as a screenshot's boxes do.
#: Measured where the first rule fails and the share is reached: 0.48-0.96 for the design screenshots,
#: 0.00-0.13 for 57 photographs (design, nine more scikit-image photographs, held-out 6), 0.00-0.11 for
#: the design's JPEG'd graphics; held-out 6's screenshots mostly 0.3-0.97. 0.3 until 2026-12-07: a few curved shapes
#: (badges, round buttons, a chart's curves) bring a dialog below it (held-out 19's FLTK button editor: 0.26, its
#: grey smoothed into its fields, -2.2 dB under k-means 8); photographs of held-out 15-16 that reach the share stay
#: at 0.00-0.11. On the palette and lattice cases of the seen held-out sets 12-19 (2531): cases below -0.1 dB
#: 209 -> 197, SSIM lower 242 -> 230, mean gain -0.006 dB
GRID_SHARE = 0.2

#: the shortest straight run of border counted by :func:`grid_share` (longer than a JPEG block's 8 pixels)
GRID_RUN = 16

#: ... or when that share is reached with text and lines set aside and the borders between its thick regions add
#: up to less than this many image sides (:func:`page_like`). Measured where the other rules fail and the share
#: is reached (dequantization held-out sets 9-12, 1320 cases, seen): 0.003-1.42 sides for 20 cases of screenshots
#: and graphics, at least 1.49 for every render and 3.99 for every photograph
PAGE_BORDER = 1.0

#: at most this many passes of :func:`flat_edges` (each makes the edges of the regions found flat hard, which
#: can make their neighbours flat)
MAX_FLAT_PASSES = 8


def flat_regions(labels: np.ndarray, soft_h: np.ndarray, soft_v: np.ndarray, *, thin_counts: bool = True,
                 thick: np.ndarray | None = None) -> np.ndarray:
    """bool ``(n + 1,)`` by region label: thick regions whose border is mostly hard (fewer soft edges than hard).

    Parameters
    ----------
    labels : int array (H, W)
        4-connected regions of one colour, labels ``1..n`` (:func:`~.regions.label_regions`).
    soft_h, soft_v : bool arrays (H, W-1), (H-1, W)
        Soft edges between horizontal / vertical neighbours (paper section 2.1, after the brushes).
    thin_counts : bool
        False: only soft edges between two thick regions count against a region. A soft edge to a thin region
        (at most two pixels thick: a stroke of text, a one-pixel border line, an anti-aliased pixel) is what
        text and lines leave on a flat background, while the bands of a gradient that crosses cell faces are
        thick wherever it is gentle enough to need dequantizing.
    thick : bool array (n + 1,), optional
        :func:`~.regions.thick_regions` of ``labels`` (computed when not given).
    """
    from ._flat_numba import border_counts

    n = int(labels.max())
    thick = thick_regions(labels) if thick is None else thick
    soft, border = np.zeros(n + 1, np.int64), np.zeros(n + 1, np.int64)
    border_counts(np.ascontiguousarray(labels, np.int32), np.ascontiguousarray(soft_h, np.bool_),
                  np.ascontiguousarray(soft_v, np.bool_), np.ones(n + 1, np.bool_) if thin_counts else thick,
                  soft, border)
    return thick & (2 * soft < border)


def _thick_borders(labels: np.ndarray, thick: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The borders between two thick regions: between left/right neighbours (transposed, so that they run along
    the rows like the other) and between up/down neighbours, as bool arrays."""
    thick = thick[labels]
    return (((labels[:, :-1] != labels[:, 1:]) & thick[:, :-1] & thick[:, 1:]).T,
            (labels[:-1, :] != labels[1:, :]) & thick[:-1, :] & thick[1:, :])


def grid_share(labels: np.ndarray, run: int = GRID_RUN, thick: np.ndarray | None = None) -> float:
    """The share of the borders between two thick regions that lie on straight, axis-aligned runs of at least
    ``run`` edges.

    A screenshot, a document or a diagram is drawn on the pixel grid: its panels, fields, rules and bars
    leave long horizontal and vertical borders between thick regions. The false contours of a photograph
    follow its shading and seldom stay on one row or column for ``run`` pixels. Text and thin lines (thin
    regions) are left out: their borders are short and curved in both kinds of picture.
    """
    runs = total = 0
    for border in _thick_borders(labels, thick_regions(labels) if thick is None else thick):
        line = np.pad(border, ((0, 0), (1, 1))).ravel().astype(np.int8)
        step = np.diff(line)
        length = np.flatnonzero(step == -1) - np.flatnonzero(step == 1)
        runs += int(length[length >= run].sum())
        total += int(border.sum())
    return runs / total if total else 0.0


def page_like(labels: np.ndarray, thick: np.ndarray | None = None) -> bool:
    """True when the borders between thick regions add up to less than :data:`PAGE_BORDER` times the side
    ``sqrt(H W)`` of the image: a background (or a few) with only text and thin lines on it, a page.

    A quantized photograph or render is a patchwork of thick regions whose false contours run for many image
    sides; a page of text keeps its few thick regions apart (a markdown editor whose light panels all round
    to white under 6 levels: 0.01 sides; :func:`grid_share` has then next to nothing to measure).
    """
    thick = thick_regions(labels) if thick is None else thick
    return sum(int(b.sum()) for b in _thick_borders(labels, thick)) < PAGE_BORDER * np.sqrt(labels.size)


def flat_edges(labels: np.ndarray, soft_h: np.ndarray, soft_v: np.ndarray, *, pin_thin: bool = False, thick=None
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(hard_h, hard_v, flat)``: in a flat graphic, every edge of a flat region, and the flat regions.

    An image is a flat graphic when at least :data:`FLAT_GRAPHIC_SHARE` of its pixels lie in flat regions
    (:func:`flat_regions`), or when they do with text and lines set aside (``thin_counts=False``) and it is
    drawn on the pixel grid (:func:`grid_share` at least :data:`GRID_SHARE`: a screenshot, whose anti-aliased
    text leaves soft edges all over its flat background) or is a page (:func:`page_like`: its thick regions
    barely touch, text and lines on a background). In a flat graphic, a flat region's few soft edges
    (anti-aliased text or thin lines on it, a neighbour one code away) are not a gradient crossing a cell face:
    smoothing across them only pulls the flat colour towards the neighbour's. They are made hard, before any
    brush (a red stroke makes them soft again). An edge to a flat region then counts as hard for its
    neighbour too, which may make the neighbour flat (a page's grey surround whose cell touches the page's
    white, a drop shadow beside it): the classification, with text and lines set aside, is repeated until no
    region changes (at most :data:`MAX_FLAT_PASSES` passes). With ``pin_thin`` (palettes) every edge of a thin
    region is hard too: the pixels of text keep their palette colour, the mean of what their cell received,
    instead of being smoothed into each other. In other images (photographs: 0-32 % of the design
    photographs' pixels lie in flat regions, small thick islands of texture) nothing is changed: hardening
    their few soft edges lost up to 0.13 dB.

    Parameters
    ----------
    labels : int array (H, W)
        Region labels ``1..n``.
    soft_h, soft_v : bool arrays (H, W-1), (H-1, W)
        Soft edges before this step.
    pin_thin : bool
        Make every edge of a thin region hard in a flat graphic.
    thick : bool array (n + 1,), optional
        :func:`~.regions.thick_regions` of ``labels`` (computed when not given).

    Returns
    -------
    hard_h, hard_v : bool arrays (H, W-1), (H-1, W)
        The edges made hard (all False when the image is not a flat graphic).
    flat : bool array (n + 1,)
        The flat regions by label (all False when the image is not a flat graphic).
    """
    h, w = labels.shape
    size = np.bincount(labels.ravel())
    thick = thick_regions(labels) if thick is None else thick
    flat = flat_regions(labels, soft_h, soft_v, thick=thick)
    loose = flat_regions(labels, soft_h, soft_v, thin_counts=False, thick=thick)
    strict = size[flat].sum() >= FLAT_GRAPHIC_SHARE * labels.size
    graphic = strict or (size[loose].sum() >= FLAT_GRAPHIC_SHARE * labels.size
                         and (grid_share(labels, thick=thick) >= GRID_SHARE or page_like(labels, thick)))
    if not graphic:
        return np.zeros((h, w - 1), bool), np.zeros((h - 1, w), bool), np.zeros_like(flat)
    if pin_thin or not strict:
        flat |= loose
    pin = ~thick if pin_thin else np.zeros_like(flat)
    left, right, up, down = labels[:, :-1], labels[:, 1:], labels[:-1, :], labels[1:, :]
    for _ in range(MAX_FLAT_PASSES):
        hard = flat | pin
        hard_h = (left != right) & (hard[left] | hard[right])
        hard_v = (up != down) & (hard[up] | hard[down])
        more = flat | flat_regions(labels, soft_h & ~hard_h, soft_v & ~hard_v, thin_counts=not pin_thin, thick=thick)
        if np.array_equal(more, flat):
            break
        flat = more
    return hard_h, hard_v, flat


def end_targets(indices, labels, flat, lower, upper, top, anchors, levels, bands=None, guess: bool = True
                ) -> tuple[np.ndarray, np.ndarray]:
    """Data targets with the flat regions of end boxes moved to the end of the range, and their blends between them:
    :func:`end_region_targets` per region, as ``(target_indices, targets)`` (:func:`targets_by_pixel`).

    Parameters
    ----------
    indices, labels : int arrays (H, W)
        Palette index and region label per pixel.
    flat : bool array (n + 1,)
        :func:`flat_regions`.
    lower, upper, top, anchors, levels, guess
        As in :func:`end_region_targets`.
    bands : tuple of two int arrays (H, W), optional
        :func:`~.regions.antialiasing_bands` (see :func:`band_ends`).

    Returns
    -------
    As :func:`targets_by_pixel`.
    """
    colour = region_colours(labels, indices, flat.size)
    ends = None if bands is None else band_ends(labels, bands)
    target = end_region_targets(colour, flat, lower, upper, top, anchors, levels, ends, guess=guess)
    return targets_by_pixel(indices, labels, target, anchors.take(colour, axis=0), anchors)


def band_ends(labels: np.ndarray, bands: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(region, a, b)``: every band region of :func:`~.regions.antialiasing_bands` (``bands``, per band pixel the
    labels of the two thick regions it blends) and the two labels its first band pixel (in raster order) blends."""
    pair_a, pair_b = (np.asarray(p).ravel() for p in bands)
    first = np.flatnonzero(pair_a > 0)
    region, at = np.unique(labels.ravel()[first], return_index=True)
    return region, pair_a[first[at]], pair_b[first[at]]


def end_region_targets(colour, flat, lower, upper, top, anchors, levels, ends=None, guess: bool = True) -> np.ndarray:
    """float64 ``(n + 1, C)``: every region's data target, with the flat regions of end boxes moved to the end of
    the range, and their blends between them.

    Parameters
    ----------
    colour : int array (n + 1,)
        Palette index per region label (:func:`~.regions.region_colours`).
    flat : bool array (n + 1,)
        :func:`flat_regions`.
    lower, upper : int arrays (K, C)
        Each palette colour's box (inclusive integer bounds, :meth:`~.lattice.Lattice.cell_bounds`).
    top : array (C,)
        Full scale per channel (255 or 65535).
    anchors : array (K, C)
        The data target of every other region (the box centres, end boxes leaning by the histogram: :mod:`.centroids`).
    levels : array (K, C)
        The quantizer's own level of every palette colour (the palette): the end of the range where the
        quantizer reconstructs its end box there.
    ends : tuple of three int arrays, optional
        :func:`band_ends`. A band region whose first band pixel blends two flat regions targets its box centre
        clipped to the interval between their targets, then to its box.
    guess : bool
        Move a flat region whose every channel is in an end box to the end of the range (white, black, the
        primaries). Off: only where that end is the colour's level (nothing is risked against the input).

    Returns
    -------
    target : float64 array (n + 1, C)
        ``anchors`` of the region's colour, except per channel of a flat region: 0 where the box's lower bound is
        0, ``top`` where its upper bound is ``top`` (the centre where it is both: one code for the whole range),
        where that end is the colour's level or (with ``guess``) every channel of the colour is in an end box;
        elsewhere the integer nearest the box's centre, ties towards the colour's level.
    """
    # per palette colour (K, fewer than regions): the target its flat regions get
    top = np.asarray(top, np.float64)[None, :]
    lo, hi = lower == 0, upper == top
    end = np.where(lo & ~hi, 0.0, np.where(hi & ~lo, top, np.nan))  # per channel: its box's end of the range
    every_channel = (lo | hi).all(axis=1, keepdims=True) & guess
    move = ~np.isnan(end) & (every_channel | (levels == end))
    box_centre = 0.5 * (lower + upper)  # not the end box's histogram mean: the region is the histogram
    # a flat region is one integer colour: of the integers nearest its box's centre (equally close on average to a
    # value anywhere in the box), the one towards the quantizer's own level, for a bin centre the level itself
    flat_value = np.where(levels >= box_centre, np.floor(box_centre + 0.5), np.ceil(box_centre - 0.5))
    # both choices of every colour in one (2K, C) table, gathered once: np.take along the first axis is several
    # times faster than indexing two (K, C) tables and selecting (3.3 M regions of a noisy RGB565 picture: 0.33 s)
    choices = np.stack([anchors, np.where(move, end, flat_value)], axis=1).reshape(-1, anchors.shape[1])
    target = choices.take(2 * colour + flat, axis=0)
    if ends is not None:
        region, a, b = ends
        keep = flat[a] & flat[b]
        region, a, b = region[keep], a[keep], b[keep]
        between = np.clip(anchors[colour[region]], np.minimum(target[a], target[b]), np.maximum(target[a], target[b]))
        target[region] = np.clip(between, lower[colour[region]], upper[colour[region]])
    return target


def targets_by_pixel(indices, labels, target, centre, anchors) -> tuple[np.ndarray, np.ndarray]:
    """``(target_indices, targets)`` of the region targets ``target`` (n + 1, C) where they differ from ``centre``
    (``anchors`` of each region's colour).

    Returns
    -------
    target_indices : int64 array (H, W)
        ``indices``, except that every region whose target moved has an index of its own (``K``, ``K + 1``,
        ...). Regions of one colour never touch, so two 4-neighbours have equal target indices exactly when
        they have equal colours, as the system of eq. (1) needs.
    targets : float64 array (K + m, C)
        ``anchors`` followed by the m moved targets.
    """
    moved = np.flatnonzero((target != centre).any(axis=1))
    if moved.size == 0:
        return indices, anchors
    k = anchors.shape[0]
    new = np.full(target.shape[0], -1, np.int64)
    new[moved] = k + np.arange(moved.size)
    own = new[labels]
    return np.where(own >= 0, own, indices), np.concatenate([anchors, target[moved]])
