"""Constraint brushes of the interactive annotation (paper section 2.4) and soft/hard edge classification.

Brush values in an ``annotations`` array (H, W) of integers:

====  =======  ===========================================================================
 1    magenta  the colours under the stroke are NOT adjacent (for those colour pairs, everywhere)
 2    blue     the colours under the stroke ARE adjacent (for those colour pairs, everywhere)
 3    green    the edges under the stroke are hard (only there)
 4    red      the edges under the stroke are soft (only there)
====  =======  ===========================================================================

Each 8-connected stroke of brush 1 or 2 is one statement about the set of colours it covers (all
pairs among them). Image-space brushes win over colour-pair brushes, which win over the automatic
classification; blue is applied after magenta, and on an edge touched by both green and red, green
(hard) wins.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "NONE", "NOT_ADJACENT", "ADJACENT", "HARD", "SOFT", "BRUSHES", "BRUSH_COLORS",
    "check_annotations", "classify_edges", "edge_classification_image", "touching_edges",
]

NONE, NOT_ADJACENT, ADJACENT, HARD, SOFT = 0, 1, 2, 3, 4

#: brush value -> (name shown to the user, colour name)
BRUSHES = {
    NOT_ADJACENT: ("magenta: colours not adjacent", "magenta"),
    ADJACENT: ("blue: colours adjacent", "blue"),
    HARD: ("green: hard edge here", "green"),
    SOFT: ("red: soft edge here", "red"),
}

#: brush value -> RGBA in 0..1 (as in the paper's figures)
BRUSH_COLORS = {
    NOT_ADJACENT: (1.0, 0.0, 1.0, 1.0),
    ADJACENT: (0.0, 0.0, 1.0, 1.0),
    HARD: (0.0, 0.8, 0.0, 1.0),
    SOFT: (1.0, 0.0, 0.0, 1.0),
}


def check_annotations(annotations, shape) -> np.ndarray | None:
    """Validate an annotation array for an image of ``shape`` (H, W); returns it as uint8 or None."""
    if annotations is None:
        return None
    ann = np.asarray(annotations)
    if ann.shape != tuple(shape):
        raise ValueError(f"annotations must have the image's shape {tuple(shape)}, got {ann.shape}")
    if ann.dtype == bool or not (np.issubdtype(ann.dtype, np.integer) or np.issubdtype(ann.dtype, np.floating)):
        raise TypeError(f"annotations must be an integer array with values 0-4, got dtype {ann.dtype}")
    if np.issubdtype(ann.dtype, np.floating):
        if not np.all(np.isfinite(ann)) or np.any(ann != np.round(ann)):
            raise ValueError("annotations must hold whole numbers 0-4 (0 none, 1 magenta, 2 blue, 3 green, 4 red)")
    bad = np.setdiff1d(np.unique(ann), np.arange(5))
    if bad.size:
        raise ValueError(
            f"annotations hold unknown values {bad.tolist()[:10]}; allowed are 0 (none), 1 (magenta, not adjacent), "
            "2 (blue, adjacent), 3 (green, hard edge) and 4 (red, soft edge)"
        )
    return ann.astype(np.uint8)


def _stroke_colour_sets(indices, mask, n_colors):
    from scipy import ndimage

    comp, n = ndimage.label(mask, structure=np.ones((3, 3), bool))
    if n == 0:
        return []
    key = np.unique(comp[mask].astype(np.int64) * n_colors + indices[mask])
    comps, colours = np.divmod(key, n_colors)
    splits = np.flatnonzero(np.diff(comps)) + 1
    return np.split(colours, splits)


def _colour_statements(indices, annotations, n_colors: int) -> list[tuple[np.ndarray, bool]]:
    """``(colours, adjacent)`` per 8-connected magenta (False) or blue (True) stroke, magenta first: the stroke
    states that every pair of the colours it covers is (not) adjacent."""
    if annotations is None:
        return []
    statements = []
    for value, state in ((NOT_ADJACENT, False), (ADJACENT, True)):
        mask = annotations == value
        if mask.any():
            statements += [(colours, state) for colours in _stroke_colour_sets(indices, mask, n_colors)
                           if colours.size > 1]
    return statements


def touching_edges(indices, adjacency) -> tuple[np.ndarray, np.ndarray]:
    """``(touch_h, touch_v)``: the edges between horizontal / vertical 4-neighbours of different colours whose cells
    are adjacent (``adjacency[a, b]``: a (K, K) bool matrix or a :class:`~.cells.BoxAdjacency`), the soft edges of
    section 2.1 before anything else; only the edges between colours are looked up, so no (K, K) array is made."""
    out = []
    for a, b in ((indices[:, :-1], indices[:, 1:]), (indices[:-1, :], indices[1:, :])):
        diff = a != b
        touch = np.zeros(diff.shape, bool)
        touch[diff] = adjacency[a[diff], b[diff]]
        out.append(touch)
    return out[0], out[1]


def classify_edges(indices, adjacency, annotations=None, auto_hard=None, touching=None) -> tuple[np.ndarray, np.ndarray]:
    """Soft-edge masks ``(soft_h, soft_v)`` between horizontal / vertical 4-neighbours.

    An edge between pixels of different colours is soft when their colour-space cells are adjacent
    (:func:`touching_edges`, or ``touching`` when given: the same, computed once per image), or a magenta or blue
    stroke says so for their colour pair, and it is not among the automatically found hard edges ``auto_hard``
    (``(hard_h, hard_v)``, e.g. :func:`~.regions.antialiasing_edges`), then overridden under red (soft) and
    green (hard) strokes. A colour pair named by a magenta or blue stroke follows the stroke, not ``auto_hard``.
    Edges inside a region are False. Only the edges between colours are looked up, so no (K, K) array is made.
    """
    n_colors = adjacency.shape[0]
    statements = _colour_statements(indices, annotations, n_colors)
    neighbours = ((indices[:, :-1], indices[:, 1:]), (indices[:-1, :], indices[1:, :]))  # horizontal, vertical
    diffs = None if annotations is None else [a != b for a, b in neighbours]  # statements and strokes only
    if not statements:
        touching = touching_edges(indices, adjacency) if touching is None else touching
        hard = (None, None) if auto_hard is None else auto_hard
        soft = [touch.copy() if h is None else touch & ~h for touch, h in zip(touching, hard, strict=True)]
    else:  # per colour pair present, not per edge: many strokes stay cheap
        soft = []
        for k, ((a, b), diff) in enumerate(zip(neighbours, diffs)):
            ea, eb = a[diff], b[diff]
            pairs, edge_pair = np.unique(ea.astype(np.int64) * n_colors + eb, return_inverse=True)
            pa, pb = np.divmod(pairs, n_colors)
            pair_on, pair_named = adjacency[pa, pb], np.zeros(pairs.shape, bool)
            member = np.zeros(n_colors, bool)
            for colours, state in statements:
                member[:] = False
                member[colours] = True
                both = member[pa] & member[pb]
                pair_on[both] = state
                pair_named |= both
            on, named = pair_on[edge_pair], pair_named[edge_pair]
            if auto_hard is not None:
                on &= ~(auto_hard[k][diff] & ~named)
            edge = np.zeros(diff.shape, bool)
            edge[diff] = on
            soft.append(edge)
    if annotations is not None:
        for value, state in ((SOFT, True), (HARD, False)):
            m = annotations == value
            if m.any():
                soft[0][(m[:, :-1] | m[:, 1:]) & diffs[0]] = state
                soft[1][(m[:-1, :] | m[1:, :]) & diffs[1]] = state
    return soft[0], soft[1]


def edge_classification_image(indices, soft_h, soft_v) -> np.ndarray:
    """uint8 (H, W): 0 inside a region, 1 next to a soft edge only, 2 next to a hard edge."""
    h, w = indices.shape
    out = np.zeros((h, w), np.uint8)
    diff_h = indices[:, 1:] != indices[:, :-1]
    diff_v = indices[1:, :] != indices[:-1, :]
    for diff, soft, a, b in (
        (diff_h, soft_h, (slice(None), slice(None, -1)), (slice(None), slice(1, None))),
        (diff_v, soft_v, (slice(None, -1), slice(None)), (slice(1, None), slice(None))),
    ):
        s = diff & soft
        hd = diff & ~soft
        for sl in (a, b):
            out[sl] = np.maximum(out[sl], np.where(hd, 2, np.where(s, 1, 0)).astype(np.uint8))
    return out
