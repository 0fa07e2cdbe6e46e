"""The whole MaLiang routine over a stack: camera -> de-noise -> detect -> fit, in frame chunks.

Quan et al. 2010, section 2.2 (Fig. 1): step 1 de-noising (:mod:`.denoise`), step 2 sub-region
extraction (:mod:`.detect`), step 3 maximum-likelihood localization (:mod:`.fit`), then the
overlapping-spot rejection of section 2.3, preceded by a two-emitter refit of suspected overlaps
(:mod:`.multifit`, an extension beyond the paper) that separates pairs of molecules instead of
dropping them. The stack is processed in chunks of frames, so the
working memory is bounded by the chunk size, not by the stack; the input may be a NumPy array,
a ``numpy.memmap`` / ``tifffile.memmap``, any array-like that slices along the first axis, or a
dask array. For dask input every chunk is one ``dask.delayed`` task computed with the active
scheduler, so the same call runs on a ``dask.distributed`` cluster and gives the same table.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from napari_maliang._backend import resolve_backend
from napari_maliang._progress import Progress
from napari_maliang._shared.options import run_steps, takes_options
from napari_maliang.smlm.block import BlockParams, localize_block
from napari_maliang.smlm.camera import Camera
from napari_maliang.smlm.detect import check_box
from napari_maliang.smlm.options import LocalizeOptions
from napari_maliang.smlm.psf import estimate_psf_sigma
from napari_maliang.smlm.table import COLUMNS, empty_table

__all__ = [
    "COLUMNS",
    "empty_table",
    "LocalizeOptions",
    "LocalizeProgress",
    "estimate_psf_sigma",
    "iter_localize",
    "localize",
    "localize_block",
    "localize_steps",
]

CHUNK_BYTES = 32 * 2**20  # float32 photon frames per chunk (about 32 frames of 512 x 512)
# on the GPU a chunk's fixed costs (launches, the CPU refit of overlaps, the table) dominate small chunks: on an H200,
# 1000 frames of 512 x 512 took 0.72 s in chunks of 32 frames and 0.40 s in chunks of 500
CHUNK_BYTES_GPU = 512 * 2**20


@dataclass(frozen=True)
class LocalizeProgress(Progress):
    """Progress of :func:`localize_steps`: frames done, localizations found, throughput.

    ``partial()`` returns the table of the chunks finished so far (``attrs["partial"]`` is
    True until the last chunk), which is what a cancelled run keeps.
    """

    frames_done: int = 0
    n_localizations: int = 0
    frames_per_s: float = 0.0
    locs_per_s: float = 0.0
    partial: Callable[[], pd.DataFrame] | None = field(default=None, repr=False, compare=False)


# ----------------------------------------------------------------------------- validation
def _is_dask(movie) -> bool:
    return type(movie).__module__.split(".")[0] == "dask"


def _check_movie(movie):
    if isinstance(movie, (list, tuple)):
        movie = np.asarray(movie)
    if not hasattr(movie, "shape") or not hasattr(movie, "dtype") or not hasattr(movie, "__getitem__"):
        raise TypeError(
            f"movie must be a NumPy/dask array or an array-like with shape, dtype and slicing; got {type(movie).__name__}"
        )
    shape = tuple(int(s) for s in movie.shape)
    dtype = np.dtype(movie.dtype)
    if dtype.kind not in "uif":
        raise TypeError(f"movie must hold integer or float camera counts, got dtype {dtype}")
    if len(shape) == 2:
        two_d = True
    elif len(shape) == 3:
        two_d = False
    else:
        raise ValueError(f"expected a frame (H, W) or a stack (frames, H, W), got an array of shape {shape}")
    if min(shape[-2:]) < 3:
        raise ValueError(f"frames of shape {shape[-2:]} are too small to localize anything")
    return movie, shape, dtype, two_d


def _check_camera(camera) -> Camera:
    if camera is None:
        return Camera()
    if isinstance(camera, Camera):
        return camera
    if isinstance(camera, dict):
        return Camera.from_dict(camera)
    raise TypeError(f"camera must be a Camera, a dict of its settings or None, got {type(camera).__name__}")


def _chunk_frames(chunk_frames: int | None, shape, backend: str = "cpu") -> int:
    """Frames per chunk: ``chunk_frames``, else about ``CHUNK_BYTES`` of float32 frames (on the GPU
    ``CHUNK_BYTES_GPU``, at most a sixteenth of the device's free memory: detection holds a few float copies)."""
    if chunk_frames is not None:
        return chunk_frames
    budget = CHUNK_BYTES
    if backend == "gpu":
        import cupy

        budget = min(CHUNK_BYTES_GPU, cupy.cuda.Device().mem_info[0] // 16)
    h, w = shape[-2:]
    return max(1, budget // (h * w * 4))


# ----------------------------------------------------------------------------- driver
@takes_options(LocalizeOptions)
def localize_steps(
    movie, *, camera: Camera | dict | None = None, opts: LocalizeOptions
) -> Generator[LocalizeProgress, None, pd.DataFrame]:
    """Localize every single molecule of a PALM/STORM stack (paper section 2.2, Fig. 1).

    Parameters
    ----------
    movie : array (frames, H, W) or (H, W)
        Raw camera frames (ADU): a NumPy array, a memory map, a dask array or any array-like
        that slices along the first axis. A 2-D array is one frame.
    camera : Camera or dict, optional
        ADU -> photons conversion; default ``Camera()`` (counts are photons, 100 nm pixels).
    {options}

    Yields
    ------
    LocalizeProgress
        After every chunk. Closing the generator stops the run at the next chunk boundary; the last
        yielded progress's ``partial()`` holds the localizations found so far, labelled
        ``attrs["partial"] = True`` (on Python >= 3.13 ``generator.close()`` also returns that table).

    Notes
    -----
    With ``multi_emitter=True`` (default) suspected overlaps -- spots wider than ``psf_sigma``,
    poor fits (Poisson deviance), candidates with another candidate within ``box // 2 + 2``
    pixels, failed or width-rejected single fits; a few percent of the spots -- are refitted in a
    ``box + 2`` square by one emitter (free width) and by two emitters of width ``psf_sigma`` on a
    shared background (:func:`~napari_maliang.smlm.multifit.split_pairs`); where two explain the
    pixels better by ``2 (log L_2 - log L_1) > min_llr``, the spot becomes two rows whose ``sigma``
    is ``psf_sigma``, whose ``uncertainty_*`` come from the joint Fisher information and whose
    ``log_likelihood`` is that of the joint fit. Suspects that are not split keep their single fit
    (width-rejected ones stay rejected). Set ``psf_sigma`` to the real PSF width
    (:func:`estimate_psf_sigma`). With ``backend="gpu"`` the
    single-emitter fits run on the device and the suspects are refitted by the CPU multi-emitter
    fitter (few spots).

    Returns
    -------
    pandas.DataFrame
        Columns ``frame, x, y, photons, background, sigma, uncertainty_x, uncertainty_y,
        log_likelihood``; ``x, y, sigma, uncertainty_*`` in camera pixels of the full frame
        (pixel centres at integers), ``photons``/``background`` in photons. ``attrs`` holds
        ``pixel_size_nm``, ``frame_shape``, ``n_frames``, ``camera`` and ``partial``.
    """
    movie, shape, dtype, two_d = _check_movie(movie)
    psf_sigma, threshold = opts.psf_sigma, opts.threshold
    box = check_box(opts.box, shape)
    camera = _check_camera(camera)
    backend_resolved = resolve_backend(opts.backend)
    n_frames = 1 if two_d else shape[0]
    step = _chunk_frames(opts.chunk_frames, shape, backend_resolved)
    params = BlockParams(
        psf_sigma=psf_sigma,
        threshold=threshold,
        box=box,
        camera=camera.to_dict(),
        backend=backend_resolved,
        iterations=opts.iterations,
        fit_sigma=opts.fit_sigma,
        min_distance=opts.min_distance,
        reject_n_std=opts.reject_n_std,
        multi_emitter=opts.multi_emitter,
        min_llr=opts.min_llr,
    )
    attrs = {
        "pixel_size_nm": camera.pixel_size_nm,
        "frame_shape": tuple(shape[-2:]),
        "n_frames": n_frames,
        "camera": camera.to_dict(),
        "psf_sigma": psf_sigma,
        "threshold": threshold,
        "box": box,
        "backend": backend_resolved,
        "partial": False,
    }
    bounds = [(s, min(s + step, n_frames)) for s in range(0, n_frames, step)]
    parts: list[pd.DataFrame] = []
    state = {"frames": 0, "locs": 0}
    t0 = time.perf_counter()

    def table(partial: bool) -> pd.DataFrame:
        out = pd.concat(parts, ignore_index=True) if parts else empty_table()
        out.attrs.update(attrs)
        out.attrs["partial"] = bool(partial)
        out.attrs["frames_done"] = state["frames"]
        return out

    def progress() -> LocalizeProgress:
        dt = max(time.perf_counter() - t0, 1e-9)
        done, locs = state["frames"], state["locs"]
        return LocalizeProgress(
            done,
            n_frames,
            f"{done}/{n_frames} frames ({done / dt:,.0f} frames/s), {locs} localizations ({locs / dt:,.0f} locs/s)",
            frames_done=done,
            n_localizations=locs,
            frames_per_s=done / dt,
            locs_per_s=locs / dt,
            partial=lambda: table(done < n_frames),
        )

    def add(part: pd.DataFrame, n: int) -> None:
        parts.append(part)
        state["frames"] += n
        state["locs"] += len(part)

    try:
        yield progress()
        if _is_dask(movie):
            import dask

            stack = movie[None] if two_d else movie
            group = _dask_parallelism()
            p = asdict(params)
            for g in range(0, len(bounds), group):
                batch = bounds[g : g + group]
                tasks = [dask.delayed(localize_block)(stack[s:e], s, p) for s, e in batch]
                for (s, e), part in zip(batch, dask.compute(*tasks), strict=True):
                    add(part, e - s)
                yield progress()
        else:
            for s, e in bounds:
                block = movie[None] if two_d else movie[s:e]
                add(localize_block(block, s, params), e - s)
                del block
                _release_mapped_pages(movie)
                yield progress()
    except GeneratorExit:
        return table(True)
    return table(False)


def _release_mapped_pages(movie) -> None:
    """Drop the finished chunk's pages of a memory-mapped stack from this process.

    Pages of a read-only file mapping that were read stay mapped (and count in the resident
    set) until the mapping is closed; ``MADV_DONTNEED`` unmaps them (they stay in the OS page
    cache), so the resident memory of a run over a memory-mapped stack stays at about one
    chunk instead of growing to the whole file.
    """
    mm = getattr(movie, "_mmap", None)
    if mm is None or not hasattr(mm, "madvise"):
        return
    import mmap

    try:
        mm.madvise(mmap.MADV_DONTNEED)
    except (OSError, ValueError, AttributeError):  # closed mapping, platform without madvise
        pass


def _dask_parallelism() -> int:
    """Chunks computed per round: the distributed client's total threads, else the local cores."""
    try:
        from distributed import get_client

        client = get_client()
        return max(1, sum(client.nthreads().values()))
    except (ImportError, ValueError):
        import os

        return max(1, os.cpu_count() or 1)


localize = run_steps(localize_steps)


def iter_localize(movie, **kwargs):
    """Deprecated name of :func:`localize_steps` (every tool's generator form is now ``*_steps``).

    References
    ----------
    .. [1] T. Quan et al., "Ultra-fast, high-precision image analysis for localization-based super resolution microscopy", Optics Express 18(11), 11867-11876 (2010), doi:10.1364/OE.18.011867, section 2.2 and Fig. 1.
    """
    import warnings

    warnings.warn("iter_localize is deprecated; use localize_steps", DeprecationWarning, stacklevel=2)
    return localize_steps(movie, **kwargs)


