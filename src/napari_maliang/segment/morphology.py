"""Binary morphology from the lecture: erosion, dilation, opening, closing, hit-and-miss, thinning, thickening.

Padding rule (lecture, "Erosion and Dilation", "Padding"): where the structuring element
reaches past the border, the image is padded "with the same value as the neighbor", i.e. the
nearest edge pixel is replicated (``mode="nearest"``). Every function here uses that rule by
default; the structuring element's origin is its centre (sides must be odd).

Erosion, dilation, opening and closing wrap scikit-image (``skimage.morphology``), which
already implements them, with the lecture's padding and the lecture's default 3 x 3 square.
Hit-and-miss, thinning and thickening are implemented here (thinning/thickening in numba,
imported lazily).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from napari_maliang._shared.options import Options, option, takes_options
from napari_maliang._shared.validate import check_2d, check_finite

__all__ = [
    "THINNING_ELEMENTS",
    "MorphologyOptions",
    "apply_morphology",
    "closing",
    "dilation",
    "erosion",
    "hit_or_miss",
    "opening",
    "parse_structuring_element",
    "structuring_element",
    "thicken",
    "thin",
]

_SQUARE3 = np.ones((3, 3), dtype=bool)


# --------------------------------------------------------------------------- structuring elements


def structuring_element(shape: str = "square", size: int = 1) -> np.ndarray:
    """A boolean structuring element of side ``2 * size + 1``.

    Parameters
    ----------
    shape : {"square", "disk", "diamond", "cross", "horizontal line", "vertical line"}
    size : int
        Radius in pixels (``size=1`` gives 3 x 3).

    References
    ----------
    .. [1] S. Yu, *Image Segmentation*, lecture notes (module INT302), Xi'an Jiaotong-Liverpool University: "Erosion and Dilation" (structuring elements).
    """
    size = int(size)
    if size < 0:
        raise ValueError(f"size must be >= 0, got {size}")
    side = 2 * size + 1
    yy, xx = np.mgrid[-size : size + 1, -size : size + 1]
    if shape == "square":
        return np.ones((side, side), dtype=bool)
    if shape == "disk":
        return yy**2 + xx**2 <= size * size + size * 0.5  # the usual rasterised disk (skimage-like)
    if shape == "diamond":
        return np.abs(yy) + np.abs(xx) <= size
    if shape == "cross":
        return (yy == 0) | (xx == 0)
    if shape == "horizontal line":
        return np.broadcast_to(yy == 0, (side, side)).copy()
    if shape == "vertical line":
        return np.broadcast_to(xx == 0, (side, side)).copy()
    raise ValueError(
        f"unknown structuring element shape {shape!r}; use square, disk, diamond, cross, "
        "horizontal line or vertical line"
    )


def parse_structuring_element(text: str) -> np.ndarray:
    """Parse a structuring element typed as a grid of 0/1: rows on lines or separated by ``;``, cells separated by
    spaces, commas or nothing.

    >>> parse_structuring_element("0 1 0\\n1 1 1\\n0 1 0").astype(int).tolist()
    [[0, 1, 0], [1, 1, 1], [0, 1, 0]]
    >>> parse_structuring_element("010;111;010").sum()
    np.int64(5)

    References
    ----------
    .. [1] S. Yu, *Image Segmentation*, lecture notes (module INT302), Xi'an Jiaotong-Liverpool University: structuring elements as 0/1 grids.
    """
    rows = []
    for line_no, line in enumerate(str(text).replace(";", "\n").strip().splitlines(), start=1):
        line = line.strip().strip("[]").strip()
        if not line:
            continue
        cells = line.replace(",", " ").split()
        if len(cells) == 1 and len(cells[0]) > 1:
            cells = list(cells[0])
        bad = [c for c in cells if c not in ("0", "1")]
        if bad:
            raise ValueError(f"structuring element line {line_no}: only 0 and 1 allowed, found {bad[0]!r}")
        rows.append([c == "1" for c in cells])
    if not rows:
        raise ValueError("structuring element is empty: type rows of 0/1, e.g. '0 1 0 / 1 1 1 / 0 1 0' on lines")
    widths = {len(r) for r in rows}
    if len(widths) != 1:
        raise ValueError(f"structuring element rows have different lengths {sorted(widths)}; every row needs the same")
    se = np.array(rows, dtype=bool)
    _check_se(se, "structuring element")
    return se


def _check_se(se, name: str = "footprint") -> np.ndarray:
    se = np.asarray(se)
    if se.ndim != 2:
        raise ValueError(f"{name} must be 2-D, got shape {se.shape}")
    if se.shape[0] % 2 == 0 or se.shape[1] % 2 == 0:
        raise ValueError(f"{name} must have odd sides so that its origin is the centre pixel, got shape {se.shape}")
    return se.astype(bool)


def _as_mask(mask, name: str = "mask") -> np.ndarray:
    mask = np.asarray(mask)
    if mask.dtype.kind not in "buif":
        raise TypeError(f"{name}: expected a binary image (bool or 0/1), got dtype {mask.dtype}")
    check_2d(mask, name=name)
    check_finite(mask, name=name)
    return mask != 0


# --------------------------------------------------------------------------- basic morphology (skimage)


def _skimage_op(op: str, image, footprint, mode: str):
    from skimage import morphology

    image = np.asarray(image)
    check_2d(image)
    check_finite(image)
    footprint = _SQUARE3 if footprint is None else _check_se(footprint)
    return getattr(morphology, op)(image, footprint, mode=mode)


def erosion(image, footprint=None, *, mode: str = "nearest") -> np.ndarray:
    """Erosion: 1 at the origin where the structuring element *fits* in the foreground (lecture, topic 5).

    Wraps :func:`skimage.morphology.erosion` (grey-scale: the minimum under the element; on
    binary images the lecture's definition). ``footprint`` defaults to the lecture's 3 x 3
    square; ``mode="nearest"`` is the lecture's padding rule (replicate the edge).

    References
    ----------
    .. [1] S. Yu, *Image Segmentation*, lecture notes (module INT302), Xi'an Jiaotong-Liverpool University: "Erosion and Dilation".
    """
    return _skimage_op("erosion", image, footprint, mode)


def dilation(image, footprint=None, *, mode: str = "nearest") -> np.ndarray:
    """Dilation: 1 at the origin where the structuring element *touches* the foreground (lecture, topic 5).

    Wraps :func:`skimage.morphology.dilation` with the lecture's padding and 3 x 3 default.

    References
    ----------
    .. [1] S. Yu, *Image Segmentation*, lecture notes (module INT302), Xi'an Jiaotong-Liverpool University: "Erosion and Dilation".
    """
    return _skimage_op("dilation", image, footprint, mode)


def opening(image, footprint=None, *, mode: str = "nearest") -> np.ndarray:
    """Opening: erosion followed by a dilation (wraps :func:`skimage.morphology.opening`).

    References
    ----------
    .. [1] S. Yu, *Image Segmentation*, lecture notes (module INT302), Xi'an Jiaotong-Liverpool University: "Erosion and Dilation" (opening: erosion then dilation).
    """
    return _skimage_op("opening", image, footprint, mode)


def closing(image, footprint=None, *, mode: str = "nearest") -> np.ndarray:
    """Closing: dilation followed by an erosion (wraps :func:`skimage.morphology.closing`).

    References
    ----------
    .. [1] S. Yu, *Image Segmentation*, lecture notes (module INT302), Xi'an Jiaotong-Liverpool University: "Erosion and Dilation" (closing: dilation then erosion).
    """
    return _skimage_op("closing", image, footprint, mode)


# --------------------------------------------------------------------------- hit-and-miss


def hit_or_miss(mask, fg, bg) -> np.ndarray:
    """Hit-and-miss transform with separate foreground and background structuring elements.

    A pixel is 1 when the foreground pixels around it exactly match the foreground element
    ``fg`` (SE1: ``fg`` fits in the foreground) *and* the background pixels match the
    background element ``bg`` (SE2: ``bg`` fits in the background) -- lecture, "Hit-and-miss
    Operation": ``(A erode SE1) AND (A^c erode SE2)``. Cells that are 0 in both elements are
    "don't care". Borders are padded by replicating the edge (the lecture's rule).

    Parameters
    ----------
    mask : array_like, 2-D
        Binary image (non-zero = foreground).
    fg, bg : array_like of bool, odd sides
        Foreground and background elements, both centred on their middle pixel. They must
        not both require the same cell.

    Returns
    -------
    ndarray of bool

    References
    ----------
    .. [1] S. Yu, *Image Segmentation*, lecture notes (module INT302), Xi'an Jiaotong-Liverpool University: "Hit-and-miss Operation".
    """
    from scipy import ndimage

    a = _as_mask(mask)
    fg = _check_se(fg, "foreground element")
    bg = _check_se(bg, "background element")
    if not fg.any() and not bg.any():
        raise ValueError("the foreground and background elements are both empty: mark at least one cell with 1")
    # bring both to a common (odd) shape, centred
    sh = (max(fg.shape[0], bg.shape[0]), max(fg.shape[1], bg.shape[1]))
    fg, bg = _centre_pad(fg, sh), _centre_pad(bg, sh)
    if (fg & bg).any():
        cells = [tuple(int(i) for i in c) for c in np.argwhere(fg & bg)[:3]]
        raise ValueError(
            f"the foreground and background elements both require cell(s) {cells}: a pixel cannot be "
            "foreground and background at once, so nothing would match; clear one of them"
        )
    py, px = sh[0] // 2, sh[1] // 2
    padded = np.pad(a, ((py, py), (px, px)), mode="edge")
    out = np.ones(padded.shape, dtype=bool)
    if fg.any():
        out &= ndimage.binary_erosion(padded, structure=fg, border_value=1)
    if bg.any():
        out &= ndimage.binary_erosion(~padded, structure=bg, border_value=1)
    return out[py : py + a.shape[0], px : px + a.shape[1]]


def _centre_pad(se: np.ndarray, shape) -> np.ndarray:
    dy, dx = (shape[0] - se.shape[0]) // 2, (shape[1] - se.shape[1]) // 2
    return np.pad(se, ((dy, dy), (dx, dx)))


# --------------------------------------------------------------------------- thinning / thickening


def _golay_elements() -> tuple[tuple[np.ndarray, np.ndarray], ...]:
    # B1: background above, foreground centre + row below (the lecture's thinning element with its
    # side cells as don't-care); B2: the same turned by 45 degrees. B3..B8: 90-degree turns.
    b1_fg = np.array([[0, 0, 0], [0, 1, 0], [1, 1, 1]], dtype=bool)
    b1_bg = np.array([[1, 1, 1], [0, 0, 0], [0, 0, 0]], dtype=bool)
    b2_fg = np.array([[0, 0, 0], [1, 1, 0], [0, 1, 0]], dtype=bool)
    b2_bg = np.array([[0, 1, 1], [0, 0, 1], [0, 0, 0]], dtype=bool)
    out = []
    for k in range(4):
        out.append((np.rot90(b1_fg, -k).copy(), np.rot90(b1_bg, -k).copy()))
        out.append((np.rot90(b2_fg, -k).copy(), np.rot90(b2_bg, -k).copy()))
    return tuple(out)


#: The eight (foreground, background) 3 x 3 element pairs used by :func:`thin` in this order.
THINNING_ELEMENTS = _golay_elements()


def _element_codes() -> np.ndarray:
    # 9-bit codes: bit (3 * i + j) for cell (i, j) of the 3 x 3 neighbourhood
    bits = (1 << np.arange(9)).reshape(3, 3)
    return np.array([[int(bits[fg].sum()), int(bits[bg].sum())] for fg, bg in THINNING_ELEMENTS], dtype=np.int64)


def thin(mask, *, max_iter: int | None = None) -> np.ndarray:
    """Thinning: ``A - (A hit-and-miss B_i)`` with the eight elements ``B_1..B_8`` in turn, repeated until stable.

    Lecture, "Hit-and-miss Operation, Thinning, Thickening" ("Difference between Erosion and
    Thinning: one pixel width"). The elements (:data:`THINNING_ELEMENTS`) are the lecture's
    thinning element -- background row above, foreground row below -- with the two side cells
    of the middle row as don't-care, and its 45-degree turn, each in four 90-degree
    rotations. Each element is applied to the whole image at once (a parallel hit-and-miss),
    the elements one after the other. The result is one pixel wide and keeps every 8-connected
    component. Borders replicate the edge pixel (the lecture's padding rule).

    Parameters
    ----------
    mask : array_like, 2-D
        Binary image (non-zero = foreground).
    max_iter : int, optional
        Maximum number of passes over the eight elements (default: until nothing changes).

    Returns
    -------
    ndarray of bool

    References
    ----------
    .. [1] S. Yu, *Image Segmentation*, lecture notes (module INT302), Xi'an Jiaotong-Liverpool University: "Hit-and-miss Operation, Thinning, Thickening".
    """
    a = _as_mask(mask)
    limit = -1 if max_iter is None else int(max_iter)
    if max_iter is not None and limit < 0:
        raise ValueError(f"max_iter must be >= 0 or None, got {max_iter}")
    from napari_maliang.segment._thin_numba import sequential_thin

    out = a.astype(np.uint8)
    sequential_thin(out, _element_codes(), limit)
    return out.astype(bool)


def thicken(mask, *, max_iter: int | None = None) -> np.ndarray:
    """Thickening: ``A OR (A hit-and-miss B_i)`` with the thinning elements' foreground and background swapped.

    Lecture, "Hit-and-miss Operation, Thinning, Thickening". Swapping the roles of the
    elements makes thickening the dual of thinning: ``thicken(A) = NOT thin(NOT A)``, which is
    how it is computed. Run until stable, the background is thinned to one-pixel-wide
    separating lines between the objects.

    Parameters
    ----------
    mask : array_like, 2-D
        Binary image (non-zero = foreground).
    max_iter : int, optional
        Maximum number of passes over the eight elements (default: until nothing changes).

    References
    ----------
    .. [1] S. Yu, *Image Segmentation*, lecture notes (module INT302), Xi'an Jiaotong-Liverpool University: "Hit-and-miss Operation, Thinning, Thickening".
    """
    a = _as_mask(mask)
    return ~thin(~a, max_iter=max_iter)


# --------------------------------------------------------------------------- one operation by name

OPERATIONS = ("erosion", "dilation", "opening", "closing", "hit-and-miss", "thinning", "thickening")
ELEMENTS = ("square", "disk", "diamond", "cross", "horizontal line", "vertical line")
_BASIC = {"erosion": erosion, "dilation": dilation, "opening": opening, "closing": closing}


@dataclass(frozen=True)
class MorphologyOptions(Options):
    """Options of :func:`apply_morphology` (lecture, topic 5 and "Hit-and-miss Operation, Thinning, Thickening")."""

    references = (
        '.. [1] S. Yu, *Image Segmentation*, lecture notes (module INT302), Xi\'an Jiaotong-Liverpool University: "Erosion and Dilation", "Hit-and-miss Operation, Thinning, Thickening".'
    )

    operation: str = option("opening", "The operation.", choices=OPERATIONS, flag="--op")
    element: str = option(
        "square", "Structuring element of erosion, dilation, opening and closing.", choices=ELEMENTS, flag="--se"
    )
    radius: int = option(1, "Element radius: its side is 2 radius + 1 (1 gives 3 x 3).", unit="px", low=0, flag="--size")
    custom: str | None = option(
        None,
        "A custom element instead, as rows of 0/1 separated by ';' or new lines (e.g. '0 1 0;1 1 1;0 1 0').",
        none="the element above",
        flag="--se-grid",
        label="custom element",
    )
    foreground: str = option(
        "0 0 0;0 1 0;0 1 0", "Hit-and-miss foreground element SE1 (rows of 0/1).", flag="--fg-grid", label="SE1 (foreground)"
    )
    background: str = option(
        "1 1 1;0 0 0;0 0 0", "Hit-and-miss background element SE2 (rows of 0/1).", flag="--bg-grid", label="SE2 (background)"
    )
    passes: int | None = option(
        None, "Passes of thinning or thickening over the eight elements.", low=1, none="until stable"
    )

    def check(self) -> None:
        if self.operation in _BASIC:
            self.footprint()
        elif self.operation == "hit-and-miss":
            hit_or_miss(np.zeros((3, 3), bool), *self.hit_and_miss_elements())

    def footprint(self) -> np.ndarray:
        """The structuring element of erosion, dilation, opening and closing."""
        if self.custom is not None:
            return parse_structuring_element(self.custom)
        return structuring_element(self.element, self.radius)

    def hit_and_miss_elements(self) -> tuple[np.ndarray, np.ndarray]:
        """``(SE1, SE2)``."""
        return parse_structuring_element(self.foreground), parse_structuring_element(self.background)


@takes_options(MorphologyOptions)
def apply_morphology(mask, *, opts: MorphologyOptions) -> np.ndarray:
    """One binary morphology operation chosen by name: what the widget and ``maliang morphology`` run.

    Parameters
    ----------
    mask : array_like, 2-D
        Binary image (non-zero = foreground).
    {options}

    Returns
    -------
    ndarray of bool
    """
    mask = _as_mask(mask)
    if opts.operation in _BASIC:
        return _BASIC[opts.operation](mask, opts.footprint())
    if opts.operation == "hit-and-miss":
        return hit_or_miss(mask, *opts.hit_and_miss_elements())
    return (thin if opts.operation == "thinning" else thicken)(mask, max_iter=opts.passes)
