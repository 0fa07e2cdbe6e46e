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

__all__ = ["ImagePlanes", "check_output", "map_planes", "open_planes", "read_picture", "write_image"]

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
        plane = np.asarray(self._get(i if self.stack else None))
        return plane if plane.dtype.isnative else plane.astype(plane.dtype.newbyteorder("="))

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
        whole = read_picture(path)
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
    return ImagePlanes(path, shape, np.dtype(dtype).newbyteorder("="), stack, get)


#: Pillow modes converted on reading: their pixel values are not the picture's intensities
#: (palette indices, CMYK or YCbCr values, 1-bit flags) or carry alpha beside gray.
_CONVERT = {"P": "RGB", "PA": "RGBA", "CMYK": "RGB", "YCbCr": "RGB", "LAB": "RGB", "HSV": "RGB", "1": "L", "LA": "RGBA"}


def read_picture(path) -> np.ndarray:
    """A non-TIFF picture (PNG, JPEG, GIF, BMP, WebP ...) as the colours a viewer shows.

    Pillow, with the EXIF orientation applied; palette, CMYK and YCbCr images become RGB (RGBA
    when they are transparent), 1-bit images 0/255, gray + alpha RGBA. A 16-bit colour PNG, which
    Pillow would cut to 8 bits, is read with :mod:`napari_maliang._shared.png16`. Several frames (an animated GIF or PNG) give a
    stack ``(N, H, W[, C])``.
    """
    from PIL import Image, ImageOps, ImageSequence

    path = os.fspath(path)
    if _is_16bit_colour_png(path):
        return _read_png16(path)
    try:
        with Image.open(path) as im:
            frames = [_as_shown(ImageOps.exif_transpose(f)) for f in ImageSequence.Iterator(im)]
            if len({(f.shape, f.dtype) for f in frames}) > 1:  # e.g. GIF frames with and without transparency
                mode = "RGBA" if any(f.ndim == 3 and f.shape[-1] == 4 for f in frames) else "RGB"
                frames = [np.asarray(ImageOps.exif_transpose(f).convert(mode)) for f in ImageSequence.Iterator(im)]
    except Exception as exc:  # noqa: BLE001 - any reader failure becomes one clear message
        raise ValueError(f"cannot read {path!r} as an image: {exc}") from None
    return frames[0] if len(frames) == 1 else np.stack(frames)


def _as_shown(frame) -> np.ndarray:
    mode = _CONVERT.get(frame.mode)
    if frame.mode in ("P", "PA") and "transparency" in frame.info:
        mode = "RGBA"
    return np.asarray(frame.convert(mode) if mode else frame)


def _is_16bit_colour_png(path: str) -> bool:
    """True for a PNG with 16 bits per sample and colour type 2 (RGB) or 6 (RGBA) (its IHDR)."""
    with open(path, "rb") as f:
        head = f.read(26)
    return len(head) == 26 and head[:8] == b"\x89PNG\r\n\x1a\n" and head[24] == 16 and head[25] in (2, 6)


def _read_png16(path: str) -> np.ndarray:
    """A 16-bit colour PNG as ``(H, W, 3|4)`` uint16 (:mod:`napari_maliang._shared.png16`; Pillow reads 8 bits)."""
    from napari_maliang._shared import png16

    return png16.read(path)


def _write_png16(path: str, image: np.ndarray) -> None:
    """Write a ``(H, W, 3|4)`` uint16 image as a 16-bit colour PNG (:mod:`napari_maliang._shared.png16`;
    Pillow cannot)."""
    from napari_maliang._shared import png16

    png16.write(path, image)


def _is_stack(shape) -> bool:
    """Anything but ``(H, W)`` and ``(H, W, 3|4)`` is a stack along its first axis."""
    return not (len(shape) == 2 or (len(shape) == 3 and shape[-1] in (3, 4)))


def _open_tiff(path: str):
    """Shape, dtype and a plane getter reading only that plane (:func:`napari_maliang._shared.stacks.open_tiff`:
    a memory map, else page by page).

    Colour samples stored as separate planes (``planarconfig=separate``, axes ``...SYX``) are
    moved last, so the planes come out ``(H, W, S)`` like every other colour image.
    """
    from napari_maliang._shared.stacks import open_tiff

    series = open_tiff(path)
    if series.palette:  # its values are indices into a colour map, not intensities
        raise ValueError(f"{series.name} is an indexed-colour (palette) TIFF: save it as RGB first")
    shape = series.shape
    planar = len(series.axes) >= 3 and series.axes[-3:] == "SYX"
    if planar:
        shape = (*shape[:-3], *shape[-2:], shape[-3])
    if series.memmap is not None:
        mm = series.memmap
        read = lambda i: mm if i is None else mm[i]  # noqa: E731
    else:
        n = shape[0] if _is_stack(shape) else 1
        if len(series.pages) != n:
            raise ValueError(
                f"{series.name}: {len(series.pages)} TIFF pages for {n} planes of shape {shape}; "
                "save it with one page per plane (or uncompressed) to read it plane by plane"
            )
        pages = series.pages
        read = lambda i: pages[0 if i is None else i]  # noqa: E731
    return shape, series.dtype, (lambda i: np.moveaxis(read(i), -3, -1)) if planar else read


def check_output(output, *inputs) -> None:
    """Refuse an ``output`` path that is one of the ``inputs`` (the same file, by any name):
    a command never overwrites the user's data."""
    output = os.fspath(output)
    for path in inputs:
        if path is not None and os.path.exists(output) and os.path.samefile(output, os.fspath(path)):
            raise ValueError(f"the output {output!r} is the input file {os.fspath(path)!r}; choose another output name")


def write_image(path, image: np.ndarray) -> None:
    """Write one image: TIFF with tifffile, a 16-bit colour PNG with our own writer
    (:func:`_write_png16`), other formats with scikit-image."""
    path = os.fspath(path)
    if path.lower().endswith(_TIFF):
        import tifffile

        colour = image.ndim == 3 and image.shape[-1] in (3, 4)
        tifffile.imwrite(path, image, photometric="rgb" if colour else "minisblack")
        return
    if path.lower().endswith(".png") and image.dtype == np.uint16 and image.ndim == 3 and image.shape[-1] in (3, 4):
        _write_png16(path, image)  # Pillow (under scikit-image) cannot write 16-bit colour PNGs
        return
    from skimage import io

    io.imsave(path, image, check_contrast=False)


def map_planes(planes: ImagePlanes, func: Callable[[np.ndarray], np.ndarray], output, *, on_plane=None) -> tuple:
    """Apply ``func`` to every plane of ``planes`` and write the results to ``output``.

    A single image is written with :func:`write_image`. A stack is streamed into a BigTIFF
    (``output`` must end in ``.tif``/``.tiff``): each result plane is appended as soon as it is
    computed, into a temporary file beside ``output`` that replaces it only when every plane is
    written (an interrupted run leaves no partial file). All result planes must share shape and
    dtype. ``output`` may not be the input file (:func:`check_output`). ``on_plane(i, result)`` is called after each plane. Returns the output's shape.
    """
    output = os.fspath(output)
    check_output(output, planes.path)
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
