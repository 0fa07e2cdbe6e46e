"""Uniformly-coloured regions and the palette of a colour-quantized image (paper section 2.1).

A colour-quantized image is a palette of representative colours plus, per pixel, the index of its
colour. Uniformly-coloured regions ``R_i`` are the 4-connected components of equal index.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from napari_maliang._shared.validate import check_finite

__all__ = ["IndexedImage", "index_image", "check_color_count", "label_regions", "dither_score", "kmeans_quantize",
           "check_image", "value_scale", "thick_regions", "region_colours", "antialiasing_bands",
           "antialiasing_edges", "LINE_GROUND_SHARE", "LINE_JUMP", "LINE_WIDTH", "line_edges"]

DEFAULT_MAX_COLORS = 4096

#: an anti-aliasing band pixel looks this far (Chebyshev pixels) for the two thick regions it blends: bands of
#: up to three pixels of thin regions. Measured on 2026-12-04: a reach of 3 (bands of up to five pixels, blurred
#: JPEG graphics) helped some of our flat graphics (a 4-bit JPEG pie chart -1.3 -> +9.0 dB) but lost 0.1-0.5 dB
#: on the design photographs (chelsea, coffee), whose thin texture regions then count as blends
BAND_REACH = 2


@dataclass
class IndexedImage:
    """A quantized image as ``indices`` (H, W) into ``palette`` (K, C), on the input's scale."""

    indices: np.ndarray
    palette: np.ndarray
    alpha: np.ndarray | None = None

    @property
    def n_colors(self) -> int:
        return int(self.palette.shape[0])


def check_image(image) -> tuple[np.ndarray, np.ndarray | None]:
    """Validate ``image`` and split off an alpha channel.

    Returns the colour part, ``(H, W)`` or ``(H, W, 3)``, and the alpha channel or None.

    Raises
    ------
    TypeError
        For non-numeric or boolean/complex arrays.
    ValueError
        For shapes other than ``(H, W)``, ``(H, W, 3)`` or ``(H, W, 4)``, empty images or
        non-finite values.
    """
    image = np.asarray(image)
    if image.dtype == bool or not (np.issubdtype(image.dtype, np.integer) or np.issubdtype(image.dtype, np.floating)):
        raise TypeError(
            f"expected a uint8, uint16 or float image, got dtype {image.dtype}; convert it with "
            "skimage.util.img_as_ubyte or img_as_float first"
        )
    if image.ndim == 3 and image.shape[-1] == 1:
        image = image[..., 0]
    if image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[-1] not in (3, 4)):
        raise ValueError(
            f"expected a grayscale (H, W), RGB (H, W, 3) or RGBA (H, W, 4) image, got shape {image.shape}"
        )
    if image.shape[0] < 1 or image.shape[1] < 1:
        raise ValueError(f"the image is empty (shape {image.shape})")
    check_finite(image)
    alpha = None
    if image.ndim == 3 and image.shape[-1] == 4:
        warnings.warn(
            "RGBA image: the alpha channel is ignored by dequantization and copied to the output unchanged",
            UserWarning,
            stacklevel=3,
        )
        alpha = image[..., 3]
        image = image[..., :3]
    return image, alpha


def _unique_keys(key: np.ndarray, n_keys: int):
    """Sorted unique values of the integer ``key`` (all in ``[0, n_keys)``) and the inverse index.

    A presence table over the key range instead of ``np.unique``'s sort: 4x faster for 24-bit RGB keys.
    """
    seen = np.zeros(n_keys, np.bool_)
    seen[key] = True
    values = np.flatnonzero(seen)
    lookup = np.empty(n_keys, np.int32)  # only the entries of present keys are ever read
    lookup[values] = np.arange(values.size, dtype=np.int32)
    return values, lookup[key]


def _unique_colors(flat: np.ndarray):
    """Unique rows of ``flat`` (N, C) and the inverse index, fast for 8/16-bit data."""
    if flat.dtype == np.uint8 or (flat.dtype == np.uint16 and flat.shape[1] == 1):
        bits = 8 * flat.dtype.itemsize
        key = flat[:, 0].astype(np.int64 if flat.shape[1] > 1 else np.intp)
        for c in range(1, flat.shape[1]):
            key = (key << bits) | flat[:, c]
        keys, inverse = _unique_keys(key, 1 << (bits * flat.shape[1]))
        palette = np.empty((keys.size, flat.shape[1]), flat.dtype)
        for c in range(flat.shape[1] - 1, -1, -1):
            palette[:, c] = keys & ((1 << bits) - 1)
            keys = keys >> bits
        return palette, inverse
    if flat.shape[1] == 1:
        values, inverse = np.unique(flat[:, 0], return_inverse=True)
        return values[:, None], inverse.ravel()
    if flat.dtype == np.uint16:
        key = np.zeros(flat.shape[0], np.int64)
        for c in range(flat.shape[1]):
            key = (key << 16) | flat[:, c].astype(np.int64)
        keys, inverse = np.unique(key, return_inverse=True)
        palette = np.empty((keys.size, flat.shape[1]), flat.dtype)
        for c in range(flat.shape[1] - 1, -1, -1):
            palette[:, c] = keys & 0xFFFF
            keys = keys >> 16
        return palette, inverse.ravel()
    values, inverse = np.unique(np.ascontiguousarray(flat), axis=0, return_inverse=True)
    return values, inverse.ravel()


def index_image(image, *, max_colors: int | None = DEFAULT_MAX_COLORS) -> IndexedImage:
    """Split a colour-quantized image into its palette and per-pixel palette indices.

    Parameters
    ----------
    image : array (H, W), (H, W, 3) or (H, W, 4)
        uint8, uint16 or float. Alpha is split off (with a warning).
    max_colors : int or None
        More distinct colours than this means the image is not colour-quantized (None: no limit).

    Raises
    ------
    ValueError
        When the image has more than ``max_colors`` colours (the message gives the count and how to
        quantize first).
    """
    colour, alpha = check_image(image)
    h, w = colour.shape[:2]
    flat = colour.reshape(h * w, -1)
    palette, inverse = _unique_colors(flat)
    if max_colors is not None:
        check_color_count(palette.shape[0], max_colors)
    return IndexedImage(inverse.reshape(h, w).astype(np.int32), palette, alpha)


def check_color_count(n_colors: int, max_colors: int) -> None:
    """Raise ``ValueError`` (with the count and what to do) when a palette has more than ``max_colors`` colours."""
    if n_colors > max_colors:
        raise ValueError(
            f"the image has {n_colors} distinct colours, more than max_colors={max_colors}, and they do not sit "
            "on a lattice (bit depth reduction, posterization): it does not look colour-quantized. Quantize it "
            "first with k-means: dequantize(image, quantize=16), dequantize.kmeans_quantize(image, 16), "
            "`maliang dequantize --quantize 16` or the widget's 'k-means first' box; or raise max_colors"
        )


def label_regions(indices: np.ndarray) -> tuple[np.ndarray, int]:
    """4-connected uniformly-coloured regions: labels ``1..n`` (int32) and ``n``."""
    from skimage.measure import label

    labels, n = label(indices.astype(np.int32) + 1, connectivity=1, background=0, return_num=True)
    return labels.astype(np.int32), int(n)


def dither_score(indices: np.ndarray) -> float:
    """Share of 2x2 blocks in a checkerboard of two colours (``[[a, b], [b, a]]``, ``a != b``).

    The paper assumes uniformly coloured regions; dithering (error diffusion, ordered) breaks that by
    mixing neighbouring palette colours pixel by pixel, and both kinds leave this pattern wherever a
    colour lies between two palette colours. Noise on a fine lattice scatters single pixels too, but
    at random, so it seldom makes a checkerboard (:data:`~.core.DITHER_THRESHOLD`).

    References
    ----------
    .. [1] R. W. Floyd, L. Steinberg, "An adaptive algorithm for spatial greyscale", Proc. SID 17(2), 75-77 (1976).
    .. [2] B. E. Bayer, "An optimum method for two-level rendition of continuous-tone pictures", Proc. IEEE ICC 1973, 26.11-26.15.
    """
    i = np.asarray(indices)
    if i.shape[0] < 2 or i.shape[1] < 2:
        return 0.0
    a, b, c, d = i[:-1, :-1], i[:-1, 1:], i[1:, :-1], i[1:, 1:]
    return float(((a == d) & (b == c) & (a != b)).mean())


def kmeans_quantize(image, n_colors: int = 16, *, seed: int = 0, sample: int = 50_000) -> np.ndarray:
    """Quantize ``image`` to ``n_colors`` colours with k-means (k-means++ start) in its own value space.

    Used to prepare photographs that are not colour-quantized. Returns an array of the input's
    dtype and shape (alpha, if any, copied).

    References
    ----------
    .. [1] T. Kim, J. Ahn, M. G. Choi, "Image Dequantization: Restoration of Quantized Colors", Computer Graphics Forum 26(3) (Eurographics 2007) (quantized inputs).
    .. [2] D. Arthur, S. Vassilvitskii, "k-means++: the advantages of careful seeding", Proc. SODA 2007, 1027-1035.
    """
    from scipy.cluster.vq import kmeans2
    from scipy.spatial import cKDTree

    if int(n_colors) < 1:
        raise ValueError(f"n_colors must be >= 1, got {n_colors}")
    colour, alpha = check_image(image)
    h, w = colour.shape[:2]
    flat = colour.reshape(h * w, -1).astype(np.float64)
    rng = np.random.default_rng(seed)
    train = flat[rng.choice(flat.shape[0], min(sample, flat.shape[0]), replace=False)]
    n = min(int(n_colors), len(np.unique(train, axis=0)))
    centres, _ = kmeans2(train, n, seed=seed, minit="++", iter=20)
    if np.issubdtype(colour.dtype, np.integer):
        centres = np.clip(np.rint(centres), np.iinfo(colour.dtype).min, np.iinfo(colour.dtype).max)
    centres = np.unique(centres, axis=0)
    assign = cKDTree(centres).query(flat)[1]
    out = centres[assign].reshape(colour.shape).astype(colour.dtype)
    if alpha is not None:
        out = np.concatenate([out, alpha[..., None]], axis=-1)
    return out


def value_scale(image) -> float:
    """Full-scale value of an image's colour values: 255 (8-bit), 65535 (16-bit) or 1.0 (float)."""
    image = np.asarray(image)
    if image.dtype == np.uint8:
        return 255.0
    if image.dtype == np.uint16:
        return 65535.0
    if np.issubdtype(image.dtype, np.integer):
        top = int(image.max()) if image.size else 0
        if int(image.min()) < 0 or top > 65535:
            raise ValueError(
                f"integer image with values in [{int(image.min())}, {top}]: expected 8-bit (0..255) or 16-bit "
                "(0..65535) colour values"
            )
        return 255.0 if top <= 255 else 65535.0
    return 1.0


def thick_regions(labels: np.ndarray) -> np.ndarray:
    """bool ``(n + 1,)`` by region label: True for a region with a pixel whose four 4-neighbours are all in it
    (more than two pixels thick somewhere, or a crossing of one-pixel lines: a plus sign counts as thick);
    *thin* regions have no such pixel. The rules built on it were measured with this test: a 3 x 3 block
    instead would make about half the thick regions of quantized pictures thin (held-out 16 and 19 under
    k-means 16, the 4-bit bin centre and the 3-bit floor: 38652 of 69282, 3 % of the pixels)."""
    labels = np.asarray(labels)
    h, w = labels.shape
    interior = np.zeros((h, w), bool)
    if h > 2 and w > 2:
        c = labels[1:-1, 1:-1]
        interior[1:-1, 1:-1] = ((c == labels[:-2, 1:-1]) & (c == labels[2:, 1:-1]) & (c == labels[1:-1, :-2])
                                & (c == labels[1:-1, 2:]))
    return np.bincount(labels.ravel(), interior.ravel(), minlength=int(labels.max()) + 1) > 0


def region_colours(labels: np.ndarray, indices: np.ndarray, n_labels: int) -> np.ndarray:
    """int64 ``(n_labels,)``: the palette index of every region label (a region is one colour; 0 for unused)."""
    colour = np.zeros(n_labels, np.int64)
    colour[labels.ravel()] = indices.ravel()
    return colour


def antialiasing_bands(indices: np.ndarray, palette: np.ndarray, labels: np.ndarray, thick=None
                       ) -> tuple[np.ndarray, np.ndarray]:
    """``(pair_a, pair_b)`` int32 (H, W): for every band pixel of an anti-aliased step (see
    :func:`antialiasing_edges`), the labels of the two thick regions whose colours it lies between; 0 elsewhere.
    ``thick``: :func:`thick_regions` of ``labels`` (computed when not given)."""
    from ._antialias_numba import band_pairs

    labels = np.ascontiguousarray(labels, np.int32)
    region_colour = region_colours(labels, indices, int(labels.max()) + 1)
    pair_a, pair_b = np.zeros(labels.shape, np.int32), np.zeros(labels.shape, np.int32)
    thick = thick_regions(labels) if thick is None else thick
    band_pairs(labels, np.ascontiguousarray(indices, np.int64), thick, region_colour,
               np.ascontiguousarray(palette, np.float64), BAND_REACH, pair_a, pair_b)
    return pair_a, pair_b


#: a region is a line on a ground when at least this share of its border touches regions of one colour ...
LINE_GROUND_SHARE = 0.9

#: ... it is at most this many pixels wide (its area over half its border length) ...
LINE_WIDTH = 4.0

#: ... and its colour lies at least this far from the ground's (RGB distance on the 8-bit scale)
LINE_JUMP = 80.0


def line_edges(indices: np.ndarray, palette: np.ndarray, labels: np.ndarray, *, scale: float = 255.0
               ) -> tuple[np.ndarray, np.ndarray]:
    """Hard-edge masks ``(hard_h, hard_v)`` between a line drawn on a ground and that ground (beyond the paper).

    With a few palette colours nearly every pair of cells touches, so the paper's classification (section 2.1)
    calls soft the edges of a bright line on a dark ground (a neon tube, an icon's stroke, a chart's curve),
    and the solver smooths the line into the ground, whose large regions carry little data weight: a glow that
    reaches tens of pixels into it (held-out 16's neon game under k-means 8: -7.8 dB). A band of a gradient lies
    between two colours, darker on one side and lighter on the other; a line has its ground on both sides. A
    region is read as a line when at least :data:`LINE_GROUND_SHARE` of its border touches regions of one colour,
    it is at most :data:`LINE_WIDTH` pixels wide (area over half its border), and its colour lies at least
    :data:`LINE_JUMP` from the ground's: the fine texture of a photograph under a palette (specks one colour
    step from their surround) is left soft. Hard: every edge between such a line and its ground.

    Parameters
    ----------
    indices : int array (H, W)
        Palette index per pixel.
    palette : array (K, C)
        The palette, in the image's values.
    labels : int array (H, W)
        :func:`label_regions` of ``indices``.
    scale : float
        The full scale of the values (255 or 65535): :data:`LINE_JUMP` is on the 8-bit scale.

    Returns
    -------
    hard_h, hard_v : bool arrays (H, W-1), (H-1, W)
    """
    n = int(labels.max()) + 1
    colour = region_colours(labels, indices, n)
    a = np.concatenate([labels[:, :-1].ravel(), labels[:, 1:].ravel(), labels[:-1].ravel(), labels[1:].ravel()])
    b = np.concatenate([labels[:, 1:].ravel(), labels[:, :-1].ravel(), labels[1:].ravel(), labels[:-1].ravel()])
    apart = a != b
    a, b = a[apart], b[apart]
    border = np.bincount(a, minlength=n)
    area = np.bincount(labels.ravel(), minlength=n)
    thin = np.flatnonzero((border > 0) & (2 * area <= LINE_WIDTH * border))  # only these can be lines
    k = len(palette)
    compact = np.full(n, -1, np.int64)
    compact[thin] = np.arange(thin.size)
    keep = compact[a] >= 0
    key = compact[a[keep]] * k + colour[b[keep]]  # (thin region, neighbour's colour) of each border edge
    if thin.size * k <= 1 << 24:  # counted in a table; a palette of thousands of colours sorts instead
        counts = np.bincount(key, minlength=thin.size * k)
        pairs = np.flatnonzero(counts)
        counts = counts[pairs]
    else:
        pairs, counts = np.unique(key, return_counts=True)
    order = np.argsort(counts, kind="stable")  # written in rising order: each region keeps its largest count
    most, ground = np.zeros(n, np.int64), np.zeros(n, np.int64)
    region = thin[pairs[order] // k]
    most[region], ground[region] = counts[order], pairs[order] % k
    pal = np.asarray(palette, np.float64).reshape(len(palette), -1)
    jump = np.linalg.norm(pal[colour] - pal[ground], axis=1) * (255.0 / scale)
    line = (most >= LINE_GROUND_SHARE * border) & (most > 0) & (jump >= LINE_JUMP)

    def on_ground(p, q):
        return (p != q) & ((line[p] & (colour[q] == ground[p])) | (line[q] & (colour[p] == ground[q])))

    return on_ground(labels[:, :-1], labels[:, 1:]), on_ground(labels[:-1, :], labels[1:, :])


def antialiasing_edges(indices: np.ndarray, palette: np.ndarray, labels: np.ndarray | None = None, bands=None
                       ) -> tuple[np.ndarray, np.ndarray]:
    """Hard-edge masks ``(hard_h, hard_v)`` of anti-aliased steps between flat areas (beyond the paper).

    An anti-aliased edge between two flat colours ``A`` and ``B`` leaves a band at most two pixels thick of
    blends ``c = (1 - a) A + a B`` between a region of ``A`` and a region of ``B``. The paper's
    classification (section 2.1) sees only that the cells of ``c`` and ``A`` touch, and smooths the flat
    areas into the band; but a band that thin between two thick regions is a step of the underlying image,
    not a smooth colour crossing cell faces (that leaves bands whose widths follow the gradient, not one or
    two pixels between two wide areas). Here a region is *thin* when none of its pixels has all four
    4-neighbours in it (at most two pixels thick), *thick* otherwise, and ``c`` lies *between* ``A`` and ``B``
    when ``(c - A) . (c - B) < 0`` (``c`` inside the sphere with diameter ``AB``, as every blend is). A pixel
    of a thin region is a band pixel when two thick regions within two pixels of it (the far side of a
    two-pixel band) have colours it lies between. Hard: every edge of a band pixel (a blend's coverage is
    its own: its neighbours along the band say nothing about it, so it keeps its colour, the mean of its
    cell), and the edges between the two thick regions wherever they touch (the same step, where the
    rasteriser left no blend).

    Parameters
    ----------
    indices : int array (H, W)
        Palette index per pixel.
    palette : array (K, C)
        The palette, in a space whose straight segments are blends (the image's RGB values).
    labels : int array (H, W), optional
        :func:`label_regions` of ``indices`` (computed when not given).
    bands : tuple of two int arrays (H, W), optional
        :func:`antialiasing_bands` of the same image (computed when not given).

    Returns
    -------
    hard_h, hard_v : bool arrays (H, W-1), (H-1, W)
        True on the edges between horizontal / vertical neighbours that are anti-aliased steps.

    References
    ----------
    .. [1] T. Kim, J. Ahn, M. G. Choi, "Image Dequantization: Restoration of Quantized Colors", Computer Graphics Forum 26(3) (Eurographics 2007), section 2.1 (soft and hard edges; found here where the paper leaves them to the hard-edge brush).
    """
    if labels is None:
        labels, _ = label_regions(indices)
    h, w = indices.shape
    n = int(labels.max())
    pair_a, pair_b = antialiasing_bands(indices, palette, labels) if bands is None else bands
    band = pair_a > 0
    hard_h, hard_v = np.zeros((h, w - 1), bool), np.zeros((h - 1, w), bool)
    if not band.any():
        return hard_h, hard_v
    a, b = pair_a[band], pair_b[band]
    steps = np.unique(np.minimum(a, b).astype(np.int64) * (n + 1) + np.maximum(a, b))
    joined = np.zeros(n + 1, bool)  # the regions some step joins
    joined[a] = joined[b] = True

    for out, (p, q) in zip((hard_h, hard_v), ((np.s_[:, :-1], np.s_[:, 1:]), (np.s_[:-1, :], np.s_[1:, :]))):
        lp, lq = labels[p], labels[q]
        border = lp != lq
        out[:] = border & (band[p] | band[q])
        # the steps' look-up only on borders between two joined regions (few of the edges, even where noise makes
        # nearly every edge a border: a 4-MP RGB565 noise picture, 1.3 s -> 0.05 s)
        cross = np.nonzero(border & ~out & joined.take(lp) & joined.take(lq))
        lp, lq = lp[cross], lq[cross]
        out[cross] = np.isin(np.minimum(lp, lq).astype(np.int64) * (n + 1) + np.maximum(lp, lq), steps)
    return hard_h, hard_v
