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
hard virtual pixels, ``phi* = phibar``), so the target is its colour. In every channel where its box
is an end box of the range (its lower bound is 0, or its upper bound is the full scale), that target is the
end of the range instead of the box centre; other channels keep the centre.

The blends of an anti-aliased step between two flat regions ``A`` and ``B`` (the band regions of
:func:`~.regions.antialiasing_bands`) are ``(1 - a) A + a B``: in every channel they lie between ``A``'s and
``B``'s colours. A band region's target is its box centre moved into that interval (between the two flat
regions' targets) and kept in its box: between white and orange (255, 140, 0) every blend has red 255.
"""

from __future__ import annotations

import numpy as np

from .regions import region_colours, thick_regions

__all__ = ["FLAT_GRAPHIC_SHARE", "flat_regions", "flat_edges", "end_targets"]

#: an image is a flat graphic when at least this share of its pixels lies in flat regions (:func:`flat_edges`)
FLAT_GRAPHIC_SHARE = 0.5


def flat_regions(labels: np.ndarray, soft_h: np.ndarray, soft_v: np.ndarray) -> np.ndarray:
    """bool ``(n + 1,)`` by region label: thick regions whose border is mostly hard (fewer soft edges than hard).

    Parameters
    ----------
    labels : int array (H, W)
        4-connected regions of one colour, labels ``1..n`` (:func:`~.regions.label_regions`).
    soft_h, soft_v : bool arrays (H, W-1), (H-1, W)
        Soft edges between horizontal / vertical neighbours (paper section 2.1, after the brushes).
    """
    from ._flat_numba import border_counts

    n = int(labels.max())
    soft, border = np.zeros(n + 1, np.int64), np.zeros(n + 1, np.int64)
    border_counts(np.ascontiguousarray(labels, np.int32), np.ascontiguousarray(soft_h, np.bool_),
                  np.ascontiguousarray(soft_v, np.bool_), soft, border)
    return thick_regions(labels) & (2 * soft < border)


def flat_edges(labels: np.ndarray, flat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(hard_h, hard_v)``: in a flat graphic, every edge between two regions of which one is flat.

    In an image whose pixels lie mostly in flat regions (:func:`flat_regions`; at least
    :data:`FLAT_GRAPHIC_SHARE` of them), a flat region's few soft edges (anti-aliased text or thin lines on
    it, a neighbour one code away) are not a gradient crossing a cell face: smoothing across them only pulls
    the flat colour towards the neighbour's. They are made hard, before any brush (a red stroke makes them
    soft again). In other images (photographs: 0-32 % of the design photographs' pixels lie in flat regions,
    small thick islands of texture) nothing is changed: hardening their few soft edges lost up to 0.13 dB.
    """
    flat = np.asarray(flat, bool)
    if np.bincount(labels.ravel(), minlength=flat.size)[flat].sum() < FLAT_GRAPHIC_SHARE * labels.size:
        h, w = labels.shape
        return np.zeros((h, w - 1), bool), np.zeros((h - 1, w), bool)
    return ((labels[:, :-1] != labels[:, 1:]) & (flat[labels[:, :-1]] | flat[labels[:, 1:]]),
            (labels[:-1, :] != labels[1:, :]) & (flat[labels[:-1, :]] | flat[labels[1:, :]]))


def end_targets(indices, labels, flat, lower, upper, top, anchors, bands=None) -> tuple[np.ndarray, np.ndarray]:
    """Data targets with the flat regions of end boxes moved to the end of the range, and their blends between them.

    Parameters
    ----------
    indices, labels : int arrays (H, W)
        Palette index and region label per pixel.
    flat : bool array (n + 1,)
        :func:`flat_regions`.
    lower, upper : int arrays (K, C)
        Each palette colour's box (inclusive integer bounds, :meth:`~.lattice.Lattice.cell_bounds`).
    top : array (C,)
        Full scale per channel (255 or 65535).
    anchors : array (K, C)
        The data target of every other region (the box centres, end boxes by the histogram: :mod:`.centroids`).
    bands : tuple of two int arrays (H, W), optional
        :func:`~.regions.antialiasing_bands`: per band pixel, the labels of the two thick regions it blends.
        A band region whose first band pixel blends two flat regions targets its box centre clipped to the
        interval between their targets, then to its box.

    Returns
    -------
    target_indices : int64 array (H, W)
        ``indices``, except that every flat region whose target moved has an index of its own (``K``,
        ``K + 1``, ...). Regions of one colour never touch, so two 4-neighbours have equal target indices
        exactly when they have equal colours, as the system of eq. (1) needs.
    targets : float64 array (K + m, C)
        ``anchors`` followed by the m moved targets: per channel of a flat region, 0 where the box's lower
        bound is 0, ``top`` where its upper bound is ``top`` (the centre where it is both: one code for the
        whole range).
    """
    colour = region_colours(labels, indices, flat.size)
    lo, hi = lower[colour] == 0, upper[colour] == np.asarray(top)[None, :]
    centre = anchors[colour]
    target = np.where(lo & ~hi, 0.0, np.where(hi & ~lo, np.asarray(top, np.float64)[None, :], centre))
    target[~flat] = centre[~flat]
    if bands is not None:
        pair_a, pair_b = (np.asarray(p).ravel() for p in bands)
        first = np.flatnonzero(pair_a > 0)
        region, at = np.unique(labels.ravel()[first], return_index=True)  # each band region's first band pixel
        a, b = pair_a[first[at]], pair_b[first[at]]
        keep = flat[a] & flat[b]
        region, a, b = region[keep], a[keep], b[keep]
        between = np.clip(centre[region], np.minimum(target[a], target[b]), np.maximum(target[a], target[b]))
        target[region] = np.clip(between, lower[colour[region]], upper[colour[region]])
    moved = np.flatnonzero((target != centre).any(axis=1))
    if moved.size == 0:
        return indices, anchors
    k = anchors.shape[0]
    new = np.full(flat.size, -1, np.int64)
    new[moved] = k + np.arange(moved.size)
    own = new[labels]
    return np.where(own >= 0, own, indices), np.concatenate([anchors, target[moved]])
