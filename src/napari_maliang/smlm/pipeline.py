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

from napari_maliang._backend import resolve_backend, to_numpy
from napari_maliang._progress import Progress
from napari_maliang._shared.options import Options, option, run_steps, takes_options
from napari_maliang._shared.robust import mad_sigma
from napari_maliang.smlm.camera import Camera
from napari_maliang.smlm.detect import Detections, check_box, detect, extract_spots, reject_wide
from napari_maliang.smlm.multifit import DEFAULT_MIN_LLR

__all__ = [
    "COLUMNS",
    "LocalizeOptions",
    "LocalizeProgress",
    "estimate_psf_sigma",
    "iter_localize",
    "localize",
    "localize_block",
    "localize_steps",
]

COLUMNS = (
    "frame",
    "x",
    "y",
    "photons",
    "background",
    "sigma",
    "uncertainty_x",
    "uncertainty_y",
    "log_likelihood",
)
_DTYPES = {
    "frame": np.int64,
    "x": np.float64,
    "y": np.float64,
    "photons": np.float32,
    "background": np.float32,
    "sigma": np.float32,
    "uncertainty_x": np.float32,
    "uncertainty_y": np.float32,
    "log_likelihood": np.float32,
}
CHUNK_BYTES = 32 * 2**20  # float32 photon frames per chunk (about 32 frames of 512 x 512)


@dataclass(frozen=True)
class LocalizeOptions(Options):
    """Options of :func:`localize` (Quan et al. 2010, section 2.2; the camera is given apart)."""

    psf_sigma: float = option(
        1.3, "PSF standard deviation: filter sizes, and the initial (or fixed) fit width.", symbol="σ", unit="px",
        low=0, low_open=True, step=0.05, label="PSF sigma",
    )
    threshold: float = option(
        5.0, "Detection threshold in multiples of the robust noise std of the filtered frame (paper: 5).",
        unit="noise std", low=0, low_open=True, step=0.5,
    )
    box: int = option(7, "Odd side of the fitted sub-region (paper: 7).", unit="px", low=3, step=2)
    backend: str = option("auto", "Where detection and fitting run: 'auto' takes the GPU when cupy has one.",
                          choices=("auto", "cpu", "gpu"))
    chunk_frames: int | None = option(
        None, "Frames per chunk: the working memory is bounded by a chunk, not by the stack.", low=1,
        none="auto: about 32 MiB of float32 frames", none_names=("auto",),
    )
    iterations: int = option(10, "Maximum-likelihood (Levenberg-Marquardt) iterations per fit (paper section 3.2).", low=1)
    fit_sigma: bool = option(
        True, "Fit the PSF width too and reject spots whose width is off: overlapping molecules (section 2.3).",
        flag="--fit-sigma",
    )
    min_distance: int = option(2, "Radius of the local-maximum test of the detection.", unit="px", low=1)
    reject_n_std: float | None = option(
        3.5, "Reject spots whose fitted width is this many robust standard deviations off the median (section 2.3).",
        low=0, low_open=True, none="keep every width",
    )
    multi_emitter: bool = option(
        True, "Refit suspected overlaps with two emitters and keep both when the likelihood-ratio test prefers two.",
        label="separate overlapping pairs",
    )
    min_llr: float = option(
        DEFAULT_MIN_LLR, "Threshold of that test on 2 (log L2 - log L1).", low=0, label="pair threshold (LLR)"
    )

    def check(self) -> None:
        if self.box % 2 == 0:
            raise ValueError(f"box must be an odd integer >= 3 (the spot sits on the centre pixel), got {self.box}")


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


@dataclass(frozen=True)
class _Params:
    psf_sigma: float
    threshold: float
    box: int
    camera: dict
    backend: str
    iterations: int
    fit_sigma: bool
    min_distance: int
    reject_n_std: float | None
    multi_emitter: bool = True
    min_llr: float = DEFAULT_MIN_LLR


def empty_table(attrs: dict | None = None) -> pd.DataFrame:
    """An empty localization table with the standard columns and dtypes."""
    df = pd.DataFrame({c: np.zeros(0, _DTYPES[c]) for c in COLUMNS})
    if attrs:
        df.attrs.update(attrs)
    return df


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


def _chunk_frames(chunk_frames: int | None, shape) -> int:
    h, w = shape[-2:]
    return max(1, CHUNK_BYTES // (h * w * 4)) if chunk_frames is None else chunk_frames


# ----------------------------------------------------------------------------- fitting glue
def _fit(spots: np.ndarray, params: _Params, camera: Camera):
    """Single-emitter fits of a chunk's spots; returns ``(FitResult, CRLB scale)`` (the excess noise of an
    EMCCD is already in the fit's CRLB, so the scale is 1)."""
    from napari_maliang.smlm.fit import fit_spots

    res = fit_spots(
        spots,
        sigma=None if params.fit_sigma else params.psf_sigma,
        iterations=params.iterations,
        backend=params.backend,
        excess_noise=camera.excess_noise,
        **({"initial_sigma": params.psf_sigma} if params.fit_sigma else {}),
    )
    return res, 1.0


def localize_block(block, first_frame: int, params: _Params | dict) -> pd.DataFrame:
    """Localize every molecule of one chunk of frames (pure; what each dask task runs).

    Detection, single-emitter fits, the multi-emitter refit of suspected overlaps (``multi_emitter``,
    on the CPU also for the GPU backend) and the width rejection; see :func:`localize`.

    Parameters
    ----------
    block : array (n, H, W)
        Raw camera frames (ADU).
    first_frame : int
        Index of ``block[0]`` in the whole stack (added to the ``frame`` column).
    params : dict or internal parameter record
        Keyword options of :func:`localize` after validation.
    """
    if isinstance(params, dict):
        params = _Params(**params)
    camera = Camera.from_dict(params.camera)
    backend = resolve_backend(params.backend)
    block = np.asarray(block) if backend == "cpu" else block
    if block.ndim == 2:
        block = block[None]
    if block.dtype.kind == "f":
        bad = ~np.isfinite(np.asarray(block).reshape(block.shape[0], -1)).all(axis=1)
        if bad.any():
            f = first_frame + int(np.flatnonzero(bad)[0])
            raise ValueError(
                f"frame {f} contains NaN or infinite pixels; replace them (e.g. with the median) before localizing"
            )
    if backend == "gpu":
        import cupy as cp

        block = cp.asarray(block)
    # Detection runs on the raw counts: the de-noising filter sums to zero, so the camera
    # offset cancels and the gain scales signal and noise alike. Only the cut-outs are
    # converted to photons (no float copy of the whole chunk).
    det = detect(
        block,
        psf_sigma=params.psf_sigma,
        threshold=params.threshold,
        box=params.box,
        min_distance=params.min_distance,
        backend=backend,
    )
    if len(det) == 0:
        return empty_table()
    spots = camera.to_photons(to_numpy(extract_spots(block, det)))
    res, scale = _fit(spots, params, camera)

    x = np.asarray(res.x, np.float64)
    y = np.asarray(res.y, np.float64)
    photons = np.asarray(res.photons, np.float64)
    bg = np.asarray(res.background, np.float64)
    sigma = np.asarray(res.sigma, np.float64)
    box = params.box
    keep = (
        np.isfinite(x)
        & np.isfinite(y)
        & np.isfinite(photons)
        & np.isfinite(sigma)
        & (photons > 0)
        & (sigma > 0.2 * params.psf_sigma)
        & (x > -0.5)
        & (x < box - 0.5)
        & (y > -0.5)
        & (y < box - 0.5)
    )
    if params.reject_n_std is not None and params.fit_sigma:
        crlb_sigma = getattr(res, "crlb_sigma", None)
        keep &= reject_wide(np.where(keep, sigma, np.nan), n_std=params.reject_n_std, sigma_std=crlb_sigma)
    table = pd.DataFrame(
        {
            "frame": (det.frame + int(first_frame)).astype(np.int64),
            "x": det.x0 + x,
            "y": det.y0 + y,
            "photons": photons.astype(np.float32),
            "background": bg.astype(np.float32),
            "sigma": sigma.astype(np.float32),
            "uncertainty_x": (np.asarray(res.crlb_x, np.float64) * scale).astype(np.float32),
            "uncertainty_y": (np.asarray(res.crlb_y, np.float64) * scale).astype(np.float32),
            "log_likelihood": np.asarray(res.log_likelihood, np.float32),
        }
    )
    pairs = None
    if params.multi_emitter:
        keep, pairs = _split_overlapping(block, det, res, keep, params, camera, first_frame, spots)
        # tie-break of duplicate removal: closeness of each fit to its candidate pixel (the centre
        # of its box away from the frame border; a fit there saw the whole molecule)
        half = 0.5 * (box - 1)
        score = -np.hypot(np.nan_to_num(x, nan=1e3) - half - (det.x - det.x0 - half),
                          np.nan_to_num(y, nan=1e3) - half - (det.y - det.y0 - half))
    else:
        score = det.score
    table, score = table[keep], score[keep]
    if pairs is not None:
        table = pd.concat([table, pairs[0]], ignore_index=True)
        score = np.concatenate([score, pairs[1]])
    return _drop_duplicates(table, score).reset_index(drop=True)


def _split_overlapping(block, det, res, keep, params: _Params, camera: Camera, first_frame: int, spots):
    """Refit suspected overlaps with one and with two emitters; replace the split ones by two rows.

    Suspects: spots wider than ``psf_sigma`` by more than two standard deviations (of the width's
    Cramer-Rao error combined with the spread of bright spots' widths; only when the width is
    fitted), poor fits (Poisson deviance above ``box^2 + 3 box``), spots with another candidate
    within ``box // 2 + 2`` pixels (Chebyshev) in the same frame, and failed or width-rejected
    single fits. Each suspect is cut out again in a ``box + 2`` square centred on its
    single-emitter position and handed to
    :func:`~napari_maliang.smlm.multifit.split_pairs` (one emitter with a free width vs two at the
    PSF width, likelihood-ratio test). Returns the updated ``keep`` mask and ``(rows, scores)`` of
    the separated molecules (None when nothing was split).
    """
    from napari_maliang.smlm.multifit import split_pairs

    box = params.box
    sigma = np.asarray(res.sigma, np.float64)
    x = np.asarray(res.x, np.float64)
    y = np.asarray(res.y, np.float64)
    n = len(det)
    # the two-emitter model uses the PSF width the user gave (psf_sigma; estimate_psf_sigma measures
    # it): a median of the fitted widths would be inflated where most spots are overlaps
    sigma_ref = params.psf_sigma
    if params.fit_sigma and keep.sum() >= 3:
        good = keep & np.isfinite(sigma)
        crlb_sigma = np.nan_to_num(np.asarray(res.crlb_sigma, np.float64), nan=np.inf)
        bright = good & (crlb_sigma <= np.median(crlb_sigma[good]))
        floor = mad_sigma(sigma[bright]) if bright.sum() >= 3 else 0.0
        floor = min(floor, 0.1 * sigma_ref)
        wide = ~(sigma <= sigma_ref + 2.0 * np.sqrt(crlb_sigma**2 + floor**2))
    else:
        wide = np.zeros(n, bool)
    # another candidate of the same frame within box // 2 + 2 pixels (Chebyshev)
    near = _near_pairs(det, box // 2 + 2, block.shape[-2])
    # poor single-emitter fits: Poisson deviance 2 (log L_saturated - log L) above box^2 + 3 box,
    # about two standard deviations above its chi-square expectation (box^2 - 5 degrees of freedom)
    poor = _deviance(spots, np.asarray(res.log_likelihood, np.float64)) > _DEV_A * box * box + _DEV_B * box
    suspect = wide | near | ~keep | poor
    if not suspect.any():
        return keep, None
    idx = np.flatnonzero(suspect)
    h, w = block.shape[-2:]
    mbox = box + 2 if box + 2 <= min(h, w) else box
    mh = mbox // 2
    # centred on the single fit where it stayed in its box (between the two molecules of a merged
    # pair, also when the width rejection dropped it), else on the candidate pixel
    xi, yi = x[idx], y[idx]
    inside = np.isfinite(xi) & np.isfinite(yi) & (xi > -0.5) & (xi < box - 0.5) & (yi > -0.5) & (yi < box - 0.5)
    cx = np.where(inside, det.x0[idx] + np.nan_to_num(xi), det.x[idx])
    cy = np.where(inside, det.y0[idx] + np.nan_to_num(yi), det.y[idx])
    cx = np.rint(cx).astype(np.int64)
    cy = np.rint(cy).astype(np.int64)
    sub = Detections(
        frame=det.frame[idx],
        y=cy.astype(np.int32),
        x=cx.astype(np.int32),
        y0=np.clip(cy - mh, 0, h - mbox).astype(np.int32),
        x0=np.clip(cx - mh, 0, w - mbox).astype(np.int32),
        score=det.score[idx],
        noise=det.noise,
        box=mbox,
    )
    spots = camera.to_photons(to_numpy(extract_spots(block, sub)))
    out = split_pairs(
        spots,
        psf_sigma=sigma_ref,
        min_llr=params.min_llr,
        min_separation=1.0,
        iterations=max(params.iterations, 20),
        excess_noise=camera.excess_noise,
        fit_sigma=True,  # the null model keeps a free width even when the table's width is fixed
    )
    if not out.split.any():
        return keep, None
    s = np.flatnonzero(out.split)
    keep = keep.copy()
    keep[idx[s]] = False
    pair = out.pair
    frame = np.repeat(sub.frame[s], 2)
    px = (sub.x0[s, None] + pair.x[s]).ravel()
    py = (sub.y0[s, None] + pair.y[s]).ravel()
    rows = pd.DataFrame(
        {
            "frame": (frame + int(first_frame)).astype(np.int64),
            "x": px,
            "y": py,
            "photons": pair.photons[s].ravel().astype(np.float32),
            "background": np.repeat(pair.background[s], 2).astype(np.float32),
            "sigma": np.full(2 * len(s), sigma_ref, np.float32),
            "uncertainty_x": pair.crlb_x[s].ravel().astype(np.float32),
            "uncertainty_y": pair.crlb_y[s].ravel().astype(np.float32),
            "log_likelihood": np.repeat(pair.log_likelihood[s], 2).astype(np.float32),
        }
    )
    centre = 0.5 * (mbox - 1)
    score = -np.hypot(pair.x[s] - centre - (sub.x[s, None] - sub.x0[s, None] - centre),
                      pair.y[s] - centre - (sub.y[s, None] - sub.y0[s, None] - centre)).ravel()
    return keep, (rows, score)


_DEV_A, _DEV_B = 1.0, 3.0  # a single fit is poor when its deviance exceeds A box^2 + B box (box 7: 70)


def _deviance(spots: np.ndarray, loglik: np.ndarray) -> np.ndarray:
    """Poisson deviance ``2 (log L_saturated - log L)`` of each spot's fit (counts below 0 as 0)."""
    from napari_maliang.smlm._multifit_numba import deviance

    spots = np.ascontiguousarray(spots, dtype=np.float32)
    out = np.empty(len(spots))
    deviance(spots, np.ascontiguousarray(loglik, dtype=np.float64), out)
    return out


def _near_pairs(det: Detections, radius: int, height: int) -> np.ndarray:
    """Mask of candidates with another candidate of the same frame within ``radius`` (Chebyshev).

    Candidates come frame by frame in raster order, so ``frame * (H + 2 radius + 2) + row`` is
    sorted and every neighbour lies a few places further in that order.
    """
    n = len(det)
    near = np.zeros(n, bool)
    if n < 2:
        return near
    key = det.frame.astype(np.int64) * (int(height) + 2 * radius + 2) + det.y.astype(np.int64)
    x = det.x.astype(np.int64)
    order = None
    if np.any(np.diff(key) < 0):  # not in raster order (not from detect): sort first
        order = np.argsort(key, kind="stable")
        key, x = key[order], x[order]
    idx = np.arange(n)
    end = np.searchsorted(key, key + radius, side="right")
    for k in range(1, int((end - idx).max())):
        i = idx[: n - k]
        j = i + k
        hit = (j < end[i]) & (np.abs(x[j] - x[i]) <= radius)
        near[i[hit]] = True
        near[j[hit]] = True
    if order is None:
        return near
    out = np.empty(n, bool)
    out[order] = near  # back to the callers' order
    return out


def _drop_duplicates(table: pd.DataFrame, score: np.ndarray, radius: float = 1.0) -> pd.DataFrame:
    """Two candidates of one frame that converged onto the same molecule: keep the stronger one."""
    if len(table) < 2:
        return table
    from scipy.spatial import cKDTree

    pts = np.column_stack([table["frame"].to_numpy() * 1.0e4, table["y"].to_numpy(), table["x"].to_numpy()])
    pairs = cKDTree(pts).query_pairs(radius, output_type="ndarray")
    if len(pairs) == 0:
        return table
    drop = np.zeros(len(table), bool)
    for i, j in pairs:
        if drop[i] or drop[j]:
            continue
        drop[j if score[i] >= score[j] else i] = True
    return table[~drop]


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
    step = _chunk_frames(opts.chunk_frames, shape)
    params = _Params(
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
            f"{done}/{n_frames} frames, {locs} localizations, {locs / dt:,.0f} locs/s",
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
    """Deprecated name of :func:`localize_steps` (every tool's generator form is now ``*_steps``)."""
    import warnings

    warnings.warn("iter_localize is deprecated; use localize_steps", DeprecationWarning, stacklevel=2)
    return localize_steps(movie, **kwargs)


def estimate_psf_sigma(
    movie,
    *,
    psf_sigma: float = 1.3,
    threshold: float = 8.0,
    box: int = 7,
    camera: Camera | dict | None = None,
    max_frames: int = 50,
    backend: str = "auto",
) -> float:
    """Estimate the PSF width (px) as the median fitted sigma of bright, isolated spots.

    Runs detection and a free-width fit on up to ``max_frames`` frames spread over the stack
    (a high threshold keeps clear single molecules). Raises ``ValueError`` when fewer than 5
    spots are found.
    """
    movie, shape, dtype, two_d = _check_movie(movie)
    n = 1 if two_d else shape[0]
    idx = np.unique(np.linspace(0, n - 1, min(n, int(max_frames))).round().astype(int))
    if two_d:
        frames = np.asarray(movie)[None]
    else:
        frames = np.stack([np.asarray(movie[int(i)]) for i in idx])
    df = localize(
        frames, psf_sigma=psf_sigma, threshold=threshold, box=box, camera=camera, backend=backend, reject_n_std=None,
        multi_emitter=False,  # separated pairs carry the guessed width, not a measured one
    )
    if len(df) < 5:
        raise ValueError(
            f"only {len(df)} clear spots found in {len(frames)} frames; cannot estimate the PSF width "
            "(lower the threshold or enter sigma by hand)"
        )
    return float(np.median(df["sigma"]))
