"""TIFF stacks read without loading them: the one TIFF reader of the localization pipeline and of the
per-plane commands (:func:`napari_maliang.smlm.io.open_stack`, :func:`napari_maliang._planes.open_planes`).

The first series of a (Big/OME-)TIFF is a ``tifffile.memmap`` when its pixels lie contiguous and uncompressed in
the file, else its pages are read one at a time on demand. Missing, truncated and corrupt files are refused with a
readable message before any pixel is read (a run over a long stack must not fail at its last page).
"""

from __future__ import annotations

import logging
import os
import struct

import numpy as np

__all__ = ["TiffPages", "TiffSeries", "open_tiff"]


class TiffSeries:
    """What :func:`open_tiff` found: the first series' ``shape``, ``dtype`` and ``axes`` (tifffile's letters),
    whether its values are palette indices, and its pixels: ``memmap`` (contiguous files) or ``pages``
    (:class:`TiffPages`, one array per page)."""

    def __init__(self, path: str, shape, dtype, axes: str, palette: bool, memmap=None, pages=None):
        self.path, self.shape, self.dtype, self.axes, self.palette = path, tuple(shape), np.dtype(dtype), axes, palette
        self.memmap, self.pages = memmap, pages

    @property
    def name(self) -> str:
        return os.path.basename(self.path)


class TiffPages:
    """The pages of a TIFF series, each read on demand: ``len(pages)``, ``pages[i]`` (one page's array) and
    ``pages[a:b]`` (stacked). The file stays open while the object lives."""

    def __init__(self, path: str, tif=None):
        import tifffile

        self.path = path
        self._tif = tifffile.TiffFile(path) if tif is None else tif  # an already opened file is taken over
        series = self._tif.series[0]
        self._pages = series.pages
        self.page_shape, self.dtype = tuple(series.keyframe.shape), np.dtype(series.keyframe.dtype)

    def __len__(self) -> int:
        return len(self._pages)

    def __getitem__(self, key):
        if isinstance(key, (int, np.integer)):
            return self._page(int(key))
        if isinstance(key, slice):
            idx = range(*key.indices(len(self)))
            out = np.empty((len(idx), *self.page_shape), self.dtype)
            for k, i in enumerate(idx):
                out[k] = self._page(i)
            return out
        raise TypeError("TIFF pages are indexed by an integer or a slice")

    def _page(self, i: int) -> np.ndarray:
        import tifffile

        try:
            return self._pages[i].asarray()
        except (tifffile.TiffFileError, ValueError, OSError, IndexError) as exc:
            raise ValueError(f"{self.path}: page {i} cannot be read (truncated or corrupt file?): {exc}") from None

    def close(self) -> None:
        self._tif.close()


def open_tiff(path) -> TiffSeries:
    """Open the first series of a TIFF file lazily; ``ValueError`` with a readable message for a missing,
    unreadable, truncated or corrupt file.

    Examples
    --------
    >>> import tempfile, tifffile
    >>> path = tempfile.mkdtemp() + "/s.tif"
    >>> tifffile.imwrite(path, np.arange(24, dtype=np.uint16).reshape(2, 3, 4))
    >>> series = open_tiff(path)
    >>> series.shape, series.memmap is not None, int(series.memmap[1, 0, 0])
    ((2, 3, 4), True, 12)
    """
    import tifffile

    path = os.fspath(path)
    name = os.path.basename(path)
    if not os.path.isfile(path):
        raise ValueError(f"no such file: {path}")
    size = os.path.getsize(path)
    problems: list[str] = []

    class _Catch(logging.Handler):  # tifffile logs (rather than raises) some damage: collect it
        def emit(self, record):
            problems.append(record.getMessage())

    handler = _Catch(level=logging.WARNING)
    logger = logging.getLogger("tifffile")
    logger.addHandler(handler)
    tif = None
    try:
        tif = tifffile.TiffFile(path)
        series = tif.series[0]
        shape, dtype, axes = tuple(series.shape), np.dtype(series.dtype), series.axes
        palette = series.keyframe.photometric == tifffile.PHOTOMETRIC.PALETTE
        offset = series.dataoffset
        n_pages = len(series.pages)
        if offset is None:  # pages are read later: check that the first and last page's data are in the file
            for page in (series.pages[0], series.pages[-1]) if n_pages else ():
                if page is None:
                    continue
                ends = [o + c for o, c in zip(page.dataoffsets, page.databytecounts, strict=False)]
                if ends and max(ends) > size:
                    problems.append(f"pixel data beyond the end of the file ({max(ends)} > {size} bytes)")
    except (tifffile.TiffFileError, OSError, IndexError, KeyError, ValueError, struct.error) as exc:
        if tif is not None:
            tif.close()
        raise ValueError(f"{name} is not a readable TIFF (truncated or corrupt?): {exc}") from None
    finally:
        logger.removeHandler(handler)
    if problems or offset is not None:
        tif.close()  # damaged, or read through a memory map: the parsed file is not needed any more
    if problems:
        raise ValueError(f"{name} is truncated or corrupt: {problems[0]}")
    if offset is not None:
        needed = offset + int(np.prod(shape)) * dtype.itemsize
        if needed > size:
            raise ValueError(f"{name} is truncated: {size} bytes on disk, but its {shape} {dtype} pixels need {needed}")
        try:
            memmap = tifffile.memmap(path, mode="r")
        except ValueError as exc:
            raise ValueError(f"{name} is truncated or corrupt: {exc}") from None
        return TiffSeries(path, shape, dtype, axes, palette, memmap=memmap)
    # pages are read on demand from the file parsed above (a long stack's pages are parsed once, not twice)
    return TiffSeries(path, shape, dtype, axes, palette, pages=TiffPages(path, tif))
