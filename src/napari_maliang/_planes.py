"""Plane-by-plane processing of image files, for stacks larger than memory.

A TIFF stack is read one plane at a time (a ``tifffile.memmap`` when its pixels lie contiguous
and uncompressed in the file, else one page at a time) and each result is appended to a BigTIFF as
soon as it is computed, so memory holds about one input and one output plane whatever the
stack's length. Other formats (PNG, JPEG, ...) hold one image and are read whole with
scikit-image.

Shapes: ``(H, W)`` and ``(H, W, 3|4)`` are one image; ``(N, H, W)`` is a stack of grayscale
planes; ``(N, H, W, 3|4)`` a stack of colour planes (where the command takes colour).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

__all__ = ["ImagePlanes", "map_planes", "open_planes", "write_image"]

_TIFF = (".tif", ".tiff")


@dataclass
class ImagePlanes:
    """An image file seen as planes: ``stack`` is False for a single image (one plane)."""

    path: str
    shape: tuple
    dtype: np.dtype
    stack: bool
    _get: Callable[[int], np.ndarray]

    def __len__(self) -> int:
        return self.shape[0] if self.stack else 1

    def __getitem__(self, i: int) -> np.ndarray:
        """Plane ``i`` (``0 <= i < len(self)``), read from the file now."""
        if not 0 <= i < len(self):
            raise IndexError(f"plane {i} of {len(self)}")
        return np.asarray(self._get(i if self.stack else None))

    def __iter__(self) -> Iterator[np.ndarray]:
        return (self[i] for i in range(len(self)))


def open_planes(path, *, colour: bool = True) -> ImagePlanes:
    """Open an image file for plane-by-plane reading (see the module docstring for shapes).

    ``colour=False`` refuses stacks of colour planes. Raises ``ValueError`` with a readable
    message for a missing or unreadable file or an unsupported shape.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise ValueError(f"input file not found: {path!r}")
    if path.lower().endswith(_TIFF):
        shape, dtype, get = _open_tiff(path)
    else:
        from skimage import io

        try:
            whole = np.asarray(io.imread(path))
        except Exception as exc:  # noqa: BLE001 - any reader failure becomes one clear message
            raise ValueError(f"cannot read {path!r} as an image: {exc}") from None
        shape, dtype = whole.shape, whole.dtype

        def get(i):
            return whole if i is None else whole[i]

    shape = tuple(int(s) for s in shape)
    if not _is_stack(shape):
        stack = False
    elif len(shape) == 3 or (len(shape) == 4 and shape[-1] in (3, 4) and colour):
        stack = True
    else:
        kinds = "a 2-D image, a colour image or a stack of 2-D" + (" or colour" if colour else "") + " planes"
        raise ValueError(f"{os.path.basename(path)}: expected {kinds}; got shape {shape}")
    return ImagePlanes(path, shape, np.dtype(dtype), stack, get)


def _is_stack(shape) -> bool:
    """Anything but ``(H, W)`` and ``(H, W, 3|4)`` is a stack along its first axis."""
    return not (len(shape) == 2 or (len(shape) == 3 and shape[-1] in (3, 4)))


def _open_tiff(path: str):
    """Shape, dtype and a plane getter reading only that plane (memmap, else page by page)."""
    import tifffile

    try:
        with tifffile.TiffFile(path) as tif:
            series = tif.series[0]
            shape, dtype = tuple(series.shape), series.dtype
            contiguous = series.dataoffset is not None
            n_pages = len(series.pages)
            palette = series.keyframe.photometric == tifffile.PHOTOMETRIC.PALETTE
    except (tifffile.TiffFileError, OSError, IndexError, KeyError, ValueError) as exc:
        raise ValueError(f"{os.path.basename(path)} is not a readable TIFF (truncated or corrupt?): {exc}") from None
    if palette:  # its values are indices into a colour map, not intensities
        raise ValueError(f"{os.path.basename(path)} is an indexed-colour (palette) TIFF: save it as RGB first")
    if contiguous:
        try:
            mm = tifffile.memmap(path, mode="r")
        except ValueError as exc:
            raise ValueError(f"{os.path.basename(path)} is truncated or corrupt: {exc}") from None
        return shape, dtype, lambda i: mm if i is None else mm[i]
    n = shape[0] if _is_stack(shape) else 1
    if n_pages != n:
        raise ValueError(
            f"{os.path.basename(path)}: {n_pages} TIFF pages for {n} planes of shape {shape}; "
            "save it with one page per plane (or uncompressed) to read it plane by plane"
        )
    tif = tifffile.TiffFile(path)  # kept open for the life of the getter

    def get(i):
        return tif.series[0].pages[0 if i is None else i].asarray()

    return shape, dtype, get


def write_image(path, image: np.ndarray) -> None:
    """Write one image: TIFF with tifffile, other formats with scikit-image."""
    path = os.fspath(path)
    if path.lower().endswith(_TIFF):
        import tifffile

        tifffile.imwrite(path, image)
        return
    from skimage import io

    io.imsave(path, image, check_contrast=False)


def map_planes(planes: ImagePlanes, func: Callable[[np.ndarray], np.ndarray], output, *, on_plane=None) -> tuple:
    """Apply ``func`` to every plane of ``planes`` and write the results to ``output``.

    A single image is written with :func:`write_image`. A stack is streamed into a BigTIFF
    (``output`` must end in ``.tif``/``.tiff``): each result plane is appended as soon as it is
    computed, into a temporary file beside ``output`` that replaces it only when every plane is
    written (an interrupted run leaves no partial file). All result planes must share shape and
    dtype. ``on_plane(i, result)`` is called after each plane. Returns the output's shape.
    """
    output = os.fspath(output)
    if not planes.stack:
        result = np.asarray(func(planes[0]))
        write_image(output, result)
        if on_plane is not None:
            on_plane(0, result)
        return result.shape
    if not output.lower().endswith(_TIFF):
        raise ValueError(f"a stack of {len(planes)} planes is written as TIFF: give an output ending in .tif, not {output!r}")
    import tifffile

    tmp = f"{output}.part"
    first = None
    try:
        with tifffile.TiffWriter(tmp, bigtiff=True) as tw:
            for i, plane in enumerate(planes):
                result = np.ascontiguousarray(func(plane))
                if first is None:
                    first = (result.shape, result.dtype)
                elif (result.shape, result.dtype) != first:
                    raise ValueError(f"plane {i} gave {result.shape} {result.dtype}, plane 0 {first[0]} {first[1]}")
                colour = result.ndim == 3 and result.shape[-1] in (3, 4)
                tw.write(result, contiguous=True, photometric="rgb" if colour else "minisblack")
                if on_plane is not None:
                    on_plane(i, result)
        os.replace(tmp, output)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return (len(planes), *first[0])
