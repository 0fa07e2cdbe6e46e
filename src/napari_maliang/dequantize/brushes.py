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
    "check_annotations", "apply_colour_brushes", "classify_edges", "edge_classification_image",
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


def apply_colour_brushes(indices, adjacency, annotations) -> np.ndarray:
    """Colour-space adjacency after the magenta (1) and blue (2) brushes."""
    adj = adjacency.copy()
    if annotations is None:
        return adj
    k = adj.shape[0]
    for value, state in ((NOT_ADJACENT, False), (ADJACENT, True)):
        mask = annotations == value
        if not mask.any():
            continue
        for colours in _stroke_colour_sets(indices, mask, k):
            if colours.size > 1:
                adj[np.ix_(colours, colours)] = state
    np.fill_diagonal(adj, False)
    return adj


def _named_pairs(indices, n_colors, annotations) -> np.ndarray:
    """(K, K) bool: colour pairs that a magenta or blue stroke made a statement about."""
    named = np.zeros((n_colors, n_colors), bool)
    if annotations is not None:
        for value in (NOT_ADJACENT, ADJACENT):
            mask = annotations == value
            if mask.any():
                for colours in _stroke_colour_sets(indices, mask, n_colors):
                    named[np.ix_(colours, colours)] = True
    return named


def classify_edges(indices, adjacency, annotations=None, auto_hard=None) -> tuple[np.ndarray, np.ndarray]:
    """Soft-edge masks ``(soft_h, soft_v)`` between horizontal / vertical 4-neighbours.

    An edge between pixels of different colours is soft when their (annotated) colour-space cells are
    adjacent and it is not among the automatically found hard edges ``auto_hard`` (``(hard_h, hard_v)``,
    e.g. :func:`~.regions.antialiasing_edges`), then overridden under red (soft) and green (hard) strokes.
    A colour pair named by a magenta or blue stroke follows the stroke, not ``auto_hard``. Edges inside a
    region are False.
    """
    adj = apply_colour_brushes(indices, adjacency, annotations)
    left, right = indices[:, :-1], indices[:, 1:]
    up, down = indices[:-1, :], indices[1:, :]
    diff_h, diff_v = left != right, up != down
    soft_h = diff_h & adj[left, right]
    soft_v = diff_v & adj[up, down]
    if auto_hard is not None:
        named = _named_pairs(indices, adjacency.shape[0], annotations)
        soft_h &= ~(auto_hard[0] & ~named[left, right])
        soft_v &= ~(auto_hard[1] & ~named[up, down])
    if annotations is not None:
        for value, state in ((SOFT, True), (HARD, False)):
            m = annotations == value
            if not m.any():
                continue
            mh = (m[:, :-1] | m[:, 1:]) & diff_h
            mv = (m[:-1, :] | m[1:, :]) & diff_v
            soft_h[mh] = state
            soft_v[mv] = state
    return soft_h, soft_v


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
