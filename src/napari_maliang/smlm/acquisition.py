"""Raw PALM/STORM acquisitions opened lazily: (OME-/Big)TIFF stacks, picasso ``.raw`` + ``.yaml`` and Nikon ``.nd2``.

A movie of 10^4-10^5 frames (4-40 GB) is opened as a dask array of chunks of a few frames (about 4 MiB), whatever
its size: opening reads only the file's headers, napari reads the chunk of the frame it shows, and the
localization pipeline reads one chunk of frames at a time (:func:`napari_maliang.smlm.pipeline.localize_steps`). Frames are read with ordinary
file reads, not through a memory map, so the pages of a long run do not accumulate in the resident memory.

The camera pixel size and settings come from the file where it has them: OME-XML (``PhysicalSizeX``, detector
gain, offset, EM gain), the picasso YAML (``Pixelsize``, ``Gain``, ``Baseline``), the ND2 metadata (voxel size).
A file whose end is missing (an acquisition interrupted while it was written) opens with the frames before the
damage and says so in :attr:`Acquisition.damage`. Colour, palette and multi-channel TIFFs are refused: they are
not camera frames. A multi-channel ND2 opens one channel at a time (``channel=``; :func:`open_channels` opens each,
one napari layer per channel).
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

__all__ = ["ACQUISITION_SUFFIXES", "Acquisition", "chunk_frames", "is_acquisition", "open_acquisition", "open_channels"]

TIFF_SUFFIXES = (".tif", ".tiff", ".btf", ".tf8")
CHUNK_BYTES = 4 * 2**20
ACQUISITION_SUFFIXES = (*TIFF_SUFFIXES, ".raw", ".nd2")


@dataclass
class Acquisition:
    """A lazily opened movie: ``frames`` (a dask array ``(n, H, W)`` in chunks of :func:`chunk_frames` frames) and
    what the file says.

    ``pixel_size_nm`` is None when the file does not give it; ``camera`` holds the camera settings the file gives
    (keys of :class:`napari_maliang.smlm.camera.Camera`); ``damage`` describes a truncated file (None when whole);
    ``channel`` names the channel of a multi-channel file (None for a single-channel one).
    """

    path: str
    frames: object
    pixel_size_nm: float | None = None
    camera: dict = field(default_factory=dict)
    damage: str | None = None
    channel: str | None = None

    def layer_data(self) -> tuple:
        """A napari Image ``LayerDataTuple``: the frames, in nm when the pixel size is known (units nm, scale the
        pixel size), in camera pixels otherwise; ``metadata`` holds the pixel size, its source and the camera."""
        known = self.pixel_size_nm is not None
        px = self.pixel_size_nm if known else 1.0
        metadata = {
            "pixel_size_nm": self.pixel_size_nm if known else 100.0,
            "pixel_size_source": "file" if known else "assumed",
            "camera": dict(self.camera),
            "source_path": self.path,
            "n_frames": int(self.frames.shape[0]),
        }
        if self.damage:
            metadata["damage"] = self.damage
        name = Path(self.path).name.split(".")[0]
        if self.channel is not None:
            metadata["channel"] = self.channel
            name = f"{name} [{self.channel}]"
        kwargs = {
            "name": name,
            "metadata": metadata,
            "scale": (1.0, px, px),
            "units": ("pixel", "nm", "nm") if known else ("pixel", "pixel", "pixel"),
            "colormap": "gray",
        }
        return (self.frames, kwargs, "image")


# ------------------------------------------------------------------------------------------------ frame readers
class _ContiguousFrames:
    """Frames stored one after another from ``offset`` (uncompressed TIFF, picasso .raw), read with plain file
    reads (each call opens the file, so threads may read at once)."""

    def __init__(self, path: str, offset: int, shape: tuple, file_dtype):
        self.path, self.offset, self.shape = path, int(offset), tuple(shape)
        self._file_dtype = np.dtype(file_dtype)
        self.dtype = self._file_dtype.newbyteorder("=")
        self.ndim = 3
        self._frame_bytes = int(np.prod(shape[1:])) * self.dtype.itemsize

    def __getitem__(self, key):
        rows = range(*_frame_slice(key, self.shape[0]).indices(self.shape[0]))
        out = np.empty((len(rows), *self.shape[1:]), self._file_dtype)
        with open(self.path, "rb") as fh:
            if rows.step == 1:  # one read for a run of frames
                _read_into(fh, out, self.offset + rows.start * self._frame_bytes, self.path)
            else:
                for k, i in enumerate(rows):
                    _read_into(fh, out[k], self.offset + i * self._frame_bytes, self.path)
        return out[(slice(None), *_rest(key))].astype(self.dtype, copy=False)


class _PageFrames:
    """Frames that are TIFF pages (compressed, or not one after another), read page by page from one open file."""

    def __init__(self, tif, pages: list, shape: tuple, dtype):
        self._tif, self._pages, self.shape, self.dtype = tif, pages, tuple(shape), np.dtype(dtype).newbyteorder("=")
        self.ndim = 3
        self._lock = threading.Lock()  # one file handle: its seek + read must not interleave

    def __getstate__(self):  # sent to a dask.distributed worker: the file is opened again there
        return self._tif.filehandle.path, [page.index for page in self._pages], self.shape, self.dtype

    def __setstate__(self, state):
        import tifffile

        path, indices, shape, dtype = state
        tif = tifffile.TiffFile(path)
        self.__init__(tif, [tif.pages[i] for i in indices], shape, dtype)

    def __getitem__(self, key):
        rows = range(*_frame_slice(key, self.shape[0]).indices(self.shape[0]))
        out = np.empty((len(rows), *self.shape[1:]), self.dtype)
        with self._lock:
            for k, i in enumerate(rows):
                out[k] = self._pages[i].asarray()
        return out[(slice(None), *_rest(key))]


def _frame_slice(key, n: int) -> slice:
    first = key[0] if isinstance(key, tuple) else key
    if isinstance(first, (int, np.integer)):
        i = int(first) + (n if first < 0 else 0)
        return slice(i, i + 1)
    if isinstance(first, slice):
        return first
    raise TypeError("frames are indexed by slices and integers")


def _rest(key) -> tuple:
    return tuple(key[1:]) if isinstance(key, tuple) else ()


def _read_into(fh, out: np.ndarray, offset: int, path: str) -> None:
    fh.seek(offset)
    if out.size and fh.readinto(memoryview(out.reshape(-1).view(np.uint8))) != out.nbytes:
        raise ValueError(f"{os.path.basename(path)}: the file ends inside the frame data at byte {offset}")


def _as_dask(reader):
    import dask.array as da

    return da.from_array(reader, chunks=(chunk_frames(reader.shape[1:], reader.dtype), *reader.shape[1:]),
                         asarray=True, fancy=False, name=f"maliang-frames-{id(reader):x}")


def chunk_frames(frame_shape, dtype) -> int:
    """Frames per dask chunk: about :data:`CHUNK_BYTES` (1 to 64 frames). napari shows one frame of a chunk read
    whole (a few ms from disk, then cached); one-frame chunks would cost the localization pipeline a dask task
    per frame, a third of its speed on 256 x 256 frames (``benchmarks/smlm_acquisition.py``)."""
    frame_bytes = int(np.prod(frame_shape)) * np.dtype(dtype).itemsize
    return int(np.clip(CHUNK_BYTES // max(frame_bytes, 1), 1, 64))


# ------------------------------------------------------------------------------------------------ formats
def is_acquisition(path) -> bool:
    """True when ``path`` is a file this module opens: a single-channel grayscale TIFF stack of two or more
    frames, a ``.raw`` with a picasso ``.yaml`` beside it, or an ``.nd2`` (when the ``nd2`` package is there).
    Cheap: reads headers only."""
    path = Path(path)
    suffix = path.suffix.lower()
    if not path.is_file() or suffix not in ACQUISITION_SUFFIXES:
        return False
    if suffix == ".raw":
        return path.with_suffix(".yaml").is_file()
    if suffix == ".nd2":
        import importlib.util

        return importlib.util.find_spec("nd2") is not None
    import tifffile

    try:
        with tifffile.TiffFile(path) as tif:  # the first page and the descriptions: fast for any length
            if _header_refusal(tif) is not None:
                return False
            if len(tif.pages) >= 2:
                return True
            # one image is napari's own reader's; but a truncated stack may list one page only, while its
            # description (shaped, ImageJ, OME) still says how many frames it holds (open_acquisition keeps the
            # whole ones)
            return len(tif.pages[0].shape) == 2 and int(np.prod(tif.series[0].shape[:-2])) >= 2
    except Exception:  # noqa: BLE001 - not a TIFF we can read: leave it to other readers
        return False


def _header_refusal(tif) -> str | None:
    """Why a TIFF is not a movie of camera frames, from its first page and its OME-XML / ImageJ description alone
    (colour, palette, several channels, not numbers); None when they do not tell."""
    import re

    import tifffile

    name, page = tif.filehandle.name, tif.pages[0]
    channels = [int(c) for c in re.findall(r'SizeC="(\d+)"', tif.ome_metadata or "")]
    channels.append(int((tif.imagej_metadata or {}).get("channels", 1)))
    if page.photometric == tifffile.PHOTOMETRIC.PALETTE:
        return f"{name} is an indexed-colour (palette) image, not camera frames"
    if page.samplesperpixel > 1:
        return f"{name} is a colour image ({page.samplesperpixel} samples per pixel), not a stack of camera frames"
    if max(channels) > 1:
        return f"{name} has {max(channels)} channels; localize one channel at a time (save each as its own stack)"
    if page.dtype is None or np.dtype(page.dtype).kind not in "uif":
        return f"{name} holds {page.dtype} values, not camera counts"
    return None


def _contiguous_frames(tif, path: Path):
    """Frames of a TIFF whose uncompressed pages lie one after another (tifffile, ImageJ, most OME writers): found
    from the first and the last page alone, without parsing every page (a 30,000-page OME series takes seconds)."""
    pages = tif.pages
    first = pages[0]
    shape, dtype = tuple(first.shape), np.dtype(first.dtype).newbyteorder(tif.byteorder)
    offsets, counts = first.dataoffsets, first.databytecounts
    frame_bytes = int(np.prod(shape)) * dtype.itemsize
    whole = len(offsets) > 0 and all(o + c == nxt for o, c, nxt in zip(offsets, counts, offsets[1:], strict=False))
    if first.compression != 1 or len(shape) != 2 or not whole or sum(counts) != frame_bytes:
        return None
    pages.useframes = True  # the last page's offsets only, not its whole header
    n = len(pages)
    last = pages[n - 1]
    if n < 2 or last.dataoffsets[0] != offsets[0] + (n - 1) * frame_bytes:
        return None
    if offsets[0] + n * frame_bytes > path.stat().st_size:
        return None  # truncated: the salvage decides what is kept
    return _ContiguousFrames(str(path), offsets[0], (n, *shape), dtype)


def _not_a_movie(tif) -> str | None:
    """Why an opened TIFF is not a movie of camera frames (None when it is one), from its parsed series."""
    import tifffile

    from napari_maliang.smlm.io import _not_camera_frames

    name = tif.filehandle.name
    series = tif.series[0]
    if len(tif.series) > 1 and all(s.ndim in (2, 3) and "S" not in s.axes for s in tif.series):
        shapes = sorted({tuple(s.shape[-2:]) for s in tif.series})
        return (f"{name} holds {len(tif.series)} series of frames of sizes {shapes}: frames of different sizes (or "
                "several positions) are not one movie; save each as its own stack")
    palette = series.keyframe.photometric == tifffile.PHOTOMETRIC.PALETTE
    axes = series.axes.upper()
    for reason in (
        f"{name} is an indexed-colour (palette) image, not camera frames" if palette else None,
        _not_camera_frames(_Described(name, axes, series.shape)),
        f"{name} holds {series.dtype} values, not camera counts" if series.dtype.kind not in "uif" else None,
    ):
        if reason:
            return reason
    return None


@dataclass
class _Described:  # what _not_camera_frames looks at
    name: str
    axes: str
    shape: tuple
    palette: bool = False


def open_acquisition(path, channel: int | None = None) -> Acquisition:
    """Open a raw movie lazily (see the module docstring for formats and metadata).

    Parameters
    ----------
    path : str or Path
        The movie.
    channel : int, optional
        The channel (from 0) of a multi-channel ND2 file; a single-channel file takes None or 0.

    Raises
    ------
    ValueError
        For a missing or unreadable file, a TIFF that is not camera frames (colour, palette, several channels), a
        ``.raw`` without its YAML, a file with no complete frame, a multi-channel ND2 without ``channel`` (the
        message names its channels) or a channel the file does not have.

    References
    ----------
    .. [1] OME-TIFF: I. G. Goldberg et al., "The Open Microscopy Environment (OME) Data Model and XML file", Genome
       Biology 6, R47 (2005), doi:10.1186/gb-2005-6-5-r47; TIFF read with tifffile (C. Gohlke).
    .. [2] J. Schnitzbauer et al., "Super-resolution microscopy with DNA-PAINT", Nature Protocols 12, 1198-1228
       (2017), doi:10.1038/nprot.2017.024 (picasso's .raw + .yaml movies).
    """
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"no such file: {path}")
    suffix = path.suffix.lower()
    if suffix == ".nd2":
        return _open_nd2(path, channel)[0]
    if suffix not in (*TIFF_SUFFIXES, ".raw"):
        raise ValueError(f"{path.name}: not a movie this reader knows ({', '.join(ACQUISITION_SUFFIXES)})")
    if channel not in (None, 0):
        raise ValueError(f"{path.name} has one channel; channel={channel} does not exist (give 0 or none)")
    return _open_raw(path) if suffix == ".raw" else _open_tiff(path)


def open_channels(path) -> list[Acquisition]:
    """Every channel of a movie, each opened lazily as :func:`open_acquisition` opens one (one for a
    single-channel file; an ND2 file is opened once for all): what napari's reader shows, one layer per
    channel."""
    path = Path(path)
    if path.suffix.lower() == ".nd2" and path.is_file():
        return _open_nd2(path, None, every=True)
    return [open_acquisition(path)]


def _open_tiff(path: Path) -> Acquisition:
    import tifffile

    from napari_maliang.smlm.camera import Camera

    damage, xml, reader = None, None, None
    try:
        with tifffile.TiffFile(path) as tif:
            refusal, xml = _header_refusal(tif), tif.ome_metadata
            reader = None if refusal else _contiguous_frames(tif, path)
    except (tifffile.TiffFileError, OSError, ValueError, IndexError, KeyError):
        refusal = None  # unreadable or damaged: _frames_of_series says which
    if refusal:
        raise ValueError(refusal)
    if reader is None:
        reader, damage = _frames_of_series(path)
    camera = {}
    if xml:
        try:
            camera = {k: v for k, v in Camera.from_metadata(xml).to_dict().items() if v is not None}
        except ValueError:  # OME-XML that does not parse: no camera settings from it
            camera = {}
        if "PhysicalSizeX" not in xml:
            camera.pop("pixel_size_nm", None)
    return Acquisition(str(path), _as_dask(reader), camera.get("pixel_size_nm"), camera, damage)


def _frames_of_series(path: Path):
    """The frames of a TIFF's parsed first series (compressed or scattered pages) and, for a damaged file, what
    could be kept and a sentence saying so."""
    import tifffile

    from napari_maliang._shared.stacks import open_tiff

    try:
        series = open_tiff(path)
    except ValueError as exc:
        if "truncated" not in str(exc) and "corrupt" not in str(exc):
            raise
        return _salvage_tiff(path, str(exc))
    with tifffile.TiffFile(path) as tif:
        not_a_movie = _not_a_movie(tif)
    if series.memmap is not None:
        mm = series.memmap
        reader = _ContiguousFrames(str(path), mm.offset, (int(np.prod(mm.shape[:-2])), *mm.shape[-2:]), mm.dtype)
    else:
        pages = series.pages
        if not_a_movie:
            pages.close()
        reader = _PageFrames(pages._tif, list(pages._pages), (len(pages), *pages.page_shape), pages.dtype)
    if not_a_movie:
        raise ValueError(not_a_movie)
    return reader, None


def _salvage_tiff(path: Path, problem: str):
    """The frames of a damaged TIFF that lie whole in the file, and a sentence saying what was lost."""
    import logging

    import tifffile

    size = path.stat().st_size
    logger = logging.getLogger("tifffile")
    level = logger.level
    logger.setLevel(logging.CRITICAL)  # tifffile logs the damage again as it parses: it is reported once, below
    try:
        tif = tifffile.TiffFile(path)
        series, first = tif.series[0], tif.pages[0]
    except (tifffile.TiffFileError, OSError, ValueError, IndexError) as exc:
        raise ValueError(f"{path.name} is not a readable TIFF (truncated or corrupt?): {exc}") from None
    finally:
        logger.setLevel(level)
    frame_shape, dtype = tuple(first.shape), np.dtype(first.dtype)
    frame_bytes = int(np.prod(frame_shape)) * dtype.itemsize
    if len(frame_shape) != 2:
        tif.close()
        raise ValueError(f"{path.name} is damaged and its first page is not a camera frame ({frame_shape}): {problem}")
    intended = int(np.prod(series.shape[:-2])) if len(series.shape) > 2 else len(tif.pages)
    if series.dataoffset is not None:  # one contiguous block: the whole frames before the end of the file
        n = min(intended, (size - series.dataoffset) // frame_bytes)
        reader = _ContiguousFrames(str(path), series.dataoffset, (n, *frame_shape), dtype)
        tif.close()
    else:
        good = []
        for page in tif.pages:
            ends = [o + c for o, c in zip(page.dataoffsets, page.databytecounts, strict=False)]
            if page.shape != frame_shape or not ends or max(ends) > size:
                break
            good.append(page)
        n = len(good)
        reader = _PageFrames(tif, good, (n, *frame_shape), dtype)
    if n == 0:
        raise ValueError(f"{path.name} is damaged before its first whole frame: {problem}")
    detail = problem.split(": ", 1)[-1]
    kept = f"{n} of {intended}" if intended > n else f"{n}"
    return reader, f"{path.name} is truncated or corrupt ({detail}): the {kept} whole frames before the damage are kept"


def _open_raw(path: Path) -> Acquisition:
    """picasso's raw movie: frames one after another, described by the YAML of the same stem (``Width``,
    ``Height``, ``Frames``, ``Data Type``, ``Byte Order``; camera ``Pixelsize``, ``Gain``, ``Baseline``)."""
    import yaml

    yaml_path = path.with_suffix(".yaml")
    if not yaml_path.is_file():
        raise ValueError(f"{path.name}: a picasso .raw movie needs its {yaml_path.name} (width, height, frames, type)")
    try:
        with open(yaml_path, encoding="utf-8") as fh:
            info = {k: v for d in yaml.safe_load_all(fh) if isinstance(d, dict) for k, v in d.items()}
    except yaml.YAMLError as exc:
        raise ValueError(f"{yaml_path.name} is not valid YAML: {exc}") from None
    try:
        h, w, n = int(info["Height"]), int(info["Width"]), int(info["Frames"])
        dtype = np.dtype(info.get("Data Type", "uint16")).newbyteorder(">" if info.get("Byte Order") == ">" else "<")
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"{yaml_path.name} does not describe a movie (Width, Height, Frames, Data Type): {exc}") from None
    frame_bytes = h * w * dtype.itemsize
    whole = path.stat().st_size // frame_bytes
    damage = None
    if whole < n:
        if whole == 0:
            raise ValueError(f"{path.name} holds no whole {h}x{w} frame ({path.stat().st_size} bytes)")
        damage = f"{path.name} is truncated: {whole} whole frames of the {n} its YAML announces are kept"
        n = whole
    reader = _ContiguousFrames(str(path), 0, (n, h, w), dtype)
    camera = {}
    for key, name in (("Pixelsize", "pixel_size_nm"), ("Gain", "gain"), ("Baseline", "offset")):
        if isinstance(info.get(key), (int, float)):
            camera[name] = float(info[key])
    return Acquisition(str(path), _as_dask(reader), camera.get("pixel_size_nm"), camera, damage)


def _nd2_file(path: Path):
    """``nd2.ND2File(path)``, or a ValueError that says what is wrong."""
    try:
        import nd2
    except ImportError:
        raise ValueError("reading .nd2 files needs the nd2 package: pip install 'napari-maliang[nd2]'") from None
    try:
        return nd2.ND2File(path)
    except Exception as exc:  # noqa: BLE001 - the nd2 package raises several kinds
        raise ValueError(f"{path.name} is not a readable ND2 file: {exc}") from None


def _nd2_channels(f, path: Path) -> tuple[list[str], int]:
    """The channel names and count of an open ND2 file (refusing RGB samples, which are not camera counts)."""
    sizes = dict(f.sizes)
    if sizes.get("S", 1) > 1:
        raise ValueError(f"{path.name} is a colour image ({sizes['S']} samples per pixel), not camera frames")
    n = int(sizes.get("C", 1))
    try:
        names = [c.channel.name for c in f.metadata.channels]
    except (AttributeError, TypeError):  # no channel metadata: numbered
        names = []
    return (names if len(names) == n else [f"channel {c}" for c in range(n)]), n


def _open_nd2(path: Path, channel: int | None, *, every: bool = False) -> list[Acquisition]:
    """A Nikon ND2 file through the ``nd2`` package (its lazy dask array), opened once: every frame of
    ``channel`` (with ``every``, of each channel, in order), the axes before the channel (time, z, positions)
    in file order."""
    with _nd2_file(path) as f:
        names, n = _nd2_channels(f, path)
        if every:
            channels = range(n)
        else:
            if n > 1 and channel is None:
                listed = ", ".join(f"{c} = {name}" for c, name in enumerate(names))
                raise ValueError(f"{path.name} has {n} channels ({listed}); localize one channel at a time: "
                                 "open_acquisition(path, channel=C), or --channel C on the command line")
            if not 0 <= (channel or 0) < n:
                raise ValueError(f"{path.name} has {n} channel(s); channel={channel} does not exist")
            channels = [channel or 0]
        whole = f.to_dask()
        before_channel = (slice(None),) * list(f.sizes).index("C") if "C" in f.sizes else None
        voxel = f.voxel_size()
    px = float(voxel.x) * 1000.0 if voxel.x else None
    movies = []
    for c in channels:
        frames = whole if before_channel is None else whole[(*before_channel, c)]
        frames = frames.reshape((-1, *frames.shape[-2:]))
        frames = frames.rechunk((chunk_frames(frames.shape[1:], frames.dtype), *frames.shape[1:]))
        movies.append(Acquisition(str(path), frames, px, {"pixel_size_nm": px} if px else {},
                                  channel=names[c] if n > 1 else None))
    return movies
