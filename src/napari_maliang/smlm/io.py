"""Localization tables on disk (ThunderSTORM CSV, picasso HDF5 + YAML) and lazy TIFF stacks.

Our table (docs/architecture.md, "Conventions") is in camera pixels with pixel centres at integer coordinates and a
0-based ``frame``. The two exchange formats:

ThunderSTORM CSV (``.csv``)
    Columns ``"id","frame","x [nm]","y [nm]","sigma [nm]","intensity [photon]","offset [photon]",
    "bkgstd [photon]","uncertainty_xy [nm]"`` (ThunderSTORM 1.3 names and units), plus our
    ``"uncertainty_x [nm]","uncertainty_y [nm]","log_likelihood"`` so nothing is lost. ThunderSTORM
    follows ImageJ: frames count from 1 and the top-left *corner* of the image is (0, 0), so
    ``x [nm] = (x + 0.5) * pixel_size``. The CSV does not carry the pixel size; pass
    ``pixel_size_nm`` when reading (default 100 nm, or ``attrs["pixel_size_nm"]`` when writing).
picasso HDF5 (``.hdf5``) + YAML sidecar
    Dataset ``locs`` of records ``frame (u4), x, y, photons, sx, sy, bg, lpx, lpy`` (float32,
    camera pixels, pixel centres at integers like ours) plus ``log_likelihood``; the YAML
    (same stem, ``.yaml``) is a multi-document list of dicts with ``Width, Height, Frames,
    Pixelsize`` (nm). The same metadata is embedded as JSON in the HDF5 ``/metadata`` dataset,
    as picasso >= 0.11 does.

Writes are atomic: data go to a temporary file in the target folder that is renamed over the
target only when complete, so an interrupted write never leaves a half-written file.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from napari_maliang.smlm.table import COLUMNS, empty_table

__all__ = [
    "FORMATS",
    "THUNDERSTORM_COLUMNS",
    "PICASSO_COLUMNS",
    "open_stack",
    "read_localizations",
    "write_localizations",
]

FORMATS = ("thunderstorm", "picasso")
THUNDERSTORM_COLUMNS = (
    "id",
    "frame",
    "x [nm]",
    "y [nm]",
    "sigma [nm]",
    "intensity [photon]",
    "offset [photon]",
    "bkgstd [photon]",
    "uncertainty_xy [nm]",
)
_TS_EXTRA = ("uncertainty_x [nm]", "uncertainty_y [nm]", "log_likelihood")
PICASSO_COLUMNS = ("frame", "x", "y", "photons", "sx", "sy", "bg", "lpx", "lpy")
_PICASSO_DTYPE = [("frame", "<u4")] + [(c, "<f4") for c in PICASSO_COLUMNS[1:]] + [("log_likelihood", "<f4")]
_DEFAULT_PIXEL_NM = 100.0


def _format_for(path: Path, format: str | None) -> str:
    if format is None:
        suffix = path.suffix.lower()
        if suffix == ".csv":
            return "thunderstorm"
        if suffix in (".hdf5", ".h5"):
            return "picasso"
        raise ValueError(
            f"cannot tell the localization format of {path.name!r}: use .csv (ThunderSTORM) or .hdf5 (picasso), "
            "or pass format='thunderstorm'|'picasso'"
        )
    if format not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}, got {format!r}")
    return format


def _check_locs(locs) -> pd.DataFrame:
    if not isinstance(locs, pd.DataFrame):
        raise TypeError(f"localizations must be a pandas DataFrame, got {type(locs).__name__}")
    missing = [c for c in ("frame", "x", "y") if c not in locs.columns]
    if missing:
        raise ValueError(f"localization table lacks the column(s) {missing}; expected at least frame, x, y")
    return locs


def _col(locs: pd.DataFrame, name: str, default=np.nan) -> np.ndarray:
    if name in locs.columns:
        return locs[name].to_numpy(dtype=np.float64)
    return np.full(len(locs), default, dtype=np.float64)


def _atomic_target(path: Path):
    """A temporary file next to ``path`` (same filesystem, so ``os.replace`` is atomic)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(fd)
    return Path(tmp)


# ----------------------------------------------------------------------------- writing
def write_localizations(locs: pd.DataFrame, path, format: str | None = None, *, pixel_size_nm: float | None = None):
    """Write a localization table as ThunderSTORM CSV or picasso HDF5 + YAML, atomically.

    Parameters
    ----------
    locs : pandas.DataFrame
        Table with at least ``frame, x, y`` (camera pixels); the other standard columns are
        written when present. ``attrs["pixel_size_nm"]``, ``attrs["frame_shape"]`` and
        ``attrs["n_frames"]`` fill the metadata.
    path : str or Path
        Target file; ``.csv`` -> ThunderSTORM, ``.hdf5`` -> picasso (with ``.yaml`` beside it).
    format : {"thunderstorm", "picasso"}, optional
        Overrides the choice by extension.
    pixel_size_nm : float, optional
        Camera pixel size; default ``attrs["pixel_size_nm"]`` or 100 nm.

    Returns
    -------
    list of Path
        The files written.

    References
    ----------
    .. [1] M. Ovesny et al., "ThunderSTORM: a comprehensive ImageJ plug-in for PALM and STORM data analysis", Bioinformatics 30(16), 2389-2390 (2014), doi:10.1093/bioinformatics/btu202.
    .. [2] J. Schnitzbauer et al., "Super-resolution microscopy with DNA-PAINT", Nature Protocols 12, 1198-1228 (2017), doi:10.1038/nprot.2017.024 (picasso).
    """
    locs = _check_locs(locs)
    path = Path(path)
    fmt = _format_for(path, format)
    px = float(pixel_size_nm or locs.attrs.get("pixel_size_nm") or _DEFAULT_PIXEL_NM)
    if not (np.isfinite(px) and px > 0):
        raise ValueError(f"pixel_size_nm must be positive, got {px}")
    if fmt == "thunderstorm":
        return [_write_thunderstorm(locs, path, px)]
    return _write_picasso(locs, path, px)


def _write_thunderstorm(locs: pd.DataFrame, path: Path, px: float) -> Path:
    ux = _col(locs, "uncertainty_x")
    uy = _col(locs, "uncertainty_y")
    bg = _col(locs, "background")
    out = pd.DataFrame(
        {
            "id": np.arange(1, len(locs) + 1, dtype=np.int64),
            "frame": locs["frame"].to_numpy(dtype=np.int64) + 1,
            "x [nm]": (locs["x"].to_numpy(dtype=np.float64) + 0.5) * px,
            "y [nm]": (locs["y"].to_numpy(dtype=np.float64) + 0.5) * px,
            "sigma [nm]": _col(locs, "sigma") * px,
            "intensity [photon]": _col(locs, "photons"),
            "offset [photon]": bg,
            "bkgstd [photon]": np.sqrt(np.clip(bg, 0, None)),
            "uncertainty_xy [nm]": np.sqrt(0.5 * (ux**2 + uy**2)) * px,
            "uncertainty_x [nm]": ux * px,
            "uncertainty_y [nm]": uy * px,
            "log_likelihood": _col(locs, "log_likelihood"),
        }
    )
    tmp = _atomic_target(path)
    try:
        out.to_csv(tmp, index=False, float_format="%.9g")
        _quote_header(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def _quote_header(tmp: Path) -> None:
    """ThunderSTORM writes its header names in double quotes; do the same (rewrite line 1)."""
    with open(tmp, encoding="utf-8") as fh:
        header = fh.readline()
        rest = fh.read()
    names = header.rstrip("\n").split(",")
    with open(tmp, "w", encoding="utf-8", newline="") as fh:
        fh.write(",".join(f'"{n}"' for n in names) + "\n")
        fh.write(rest)


def _picasso_info(locs: pd.DataFrame, px: float) -> list[dict]:
    shape = locs.attrs.get("frame_shape")
    if shape is None:
        h = int(np.ceil(_col(locs, "y").max() + 1)) if len(locs) else 1
        w = int(np.ceil(_col(locs, "x").max() + 1)) if len(locs) else 1
    else:
        h, w = (int(s) for s in shape)
    frames = locs.attrs.get("n_frames")
    if frames is None:
        frames = int(locs["frame"].max()) + 1 if len(locs) else 0
    movie = {"Frames": int(frames), "Height": h, "Width": w, "Data Type": "uint16", "Byte Order": "<"}
    loc = {
        "Generated by": "napari-maliang localize",
        "Pixelsize": px,
        "Box Size": int(locs.attrs.get("box", 7)),
        "Fit method": "MaLiang Poisson MLE (integrated Gaussian, spherical)",
    }
    cam = locs.attrs.get("camera")
    if isinstance(cam, dict):
        loc["Camera"] = {k: (None if v is None else float(v)) for k, v in cam.items()}
    return [movie, loc]


def _write_picasso(locs: pd.DataFrame, path: Path, px: float) -> list[Path]:
    import h5py
    import yaml

    if path.suffix.lower() not in (".hdf5", ".h5"):
        path = path.with_suffix(".hdf5")
    sigma = _col(locs, "sigma")
    rec = np.zeros(len(locs), dtype=_PICASSO_DTYPE)
    frame = locs["frame"].to_numpy()
    if len(frame) and frame.min() < 0:
        raise ValueError("frame numbers must be >= 0 for picasso files")
    rec["frame"] = frame
    rec["x"] = locs["x"].to_numpy()
    rec["y"] = locs["y"].to_numpy()
    rec["photons"] = _col(locs, "photons")
    rec["sx"] = _col(locs, "sigma_x", np.nan) if "sigma_x" in locs.columns else sigma
    rec["sy"] = _col(locs, "sigma_y", np.nan) if "sigma_y" in locs.columns else sigma
    rec["bg"] = _col(locs, "background")
    rec["lpx"] = _col(locs, "uncertainty_x")
    rec["lpy"] = _col(locs, "uncertainty_y")
    rec["log_likelihood"] = _col(locs, "log_likelihood")
    info = _picasso_info(locs, px)
    yaml_path = path.with_suffix(".yaml")
    tmp_h5 = _atomic_target(path)
    tmp_yaml = _atomic_target(yaml_path)
    try:
        with h5py.File(tmp_h5, "w") as fh:
            fh.create_dataset("locs", data=rec)
            fh.create_dataset("metadata", data=json.dumps(info))
        with open(tmp_yaml, "w", encoding="utf-8") as fh:
            yaml.safe_dump_all(info, fh, default_flow_style=False)
        os.replace(tmp_yaml, yaml_path)
        os.replace(tmp_h5, path)
    finally:
        tmp_h5.unlink(missing_ok=True)
        tmp_yaml.unlink(missing_ok=True)
    return [path, yaml_path]


# ----------------------------------------------------------------------------- reading
def read_localizations(path, format: str | None = None, *, pixel_size_nm: float | None = None) -> pd.DataFrame:
    """Read a ThunderSTORM CSV or picasso HDF5 (+ YAML) file into a localization table.

    Returns a DataFrame with the standard columns (``frame, x, y, photons, background, sigma,
    uncertainty_x, uncertainty_y, log_likelihood``; missing ones are NaN) in camera pixels,
    with ``attrs["pixel_size_nm"]`` (picasso: from ``Pixelsize``; ThunderSTORM: the argument,
    default 100) and, for picasso, ``attrs["frame_shape"]`` and ``attrs["n_frames"]``.

    Raises
    ------
    ValueError
        For a missing, truncated or unreadable file, or one without the expected columns.

    References
    ----------
    .. [1] M. Ovesny et al., "ThunderSTORM: a comprehensive ImageJ plug-in for PALM and STORM data analysis", Bioinformatics 30(16), 2389-2390 (2014), doi:10.1093/bioinformatics/btu202.
    .. [2] J. Schnitzbauer et al., "Super-resolution microscopy with DNA-PAINT", Nature Protocols 12, 1198-1228 (2017), doi:10.1038/nprot.2017.024 (picasso).
    """
    path = Path(path)
    fmt = _format_for(path, format)
    if not path.is_file():
        raise ValueError(f"no such localization file: {path}")
    if fmt == "thunderstorm":
        return _read_thunderstorm(path, pixel_size_nm)
    return _read_picasso(path, pixel_size_nm)


def _finish(data: dict, n: int, attrs: dict) -> pd.DataFrame:
    ref = empty_table()
    cols = {}
    for c in COLUMNS:
        values = data.get(c)
        if values is None:
            values = np.full(n, np.nan)
        cols[c] = np.asarray(values).astype(ref[c].dtype, copy=False)
    df = pd.DataFrame(cols)
    df.attrs.update(attrs)
    df.attrs.setdefault("partial", False)
    return df


def _read_thunderstorm(path: Path, pixel_size_nm) -> pd.DataFrame:
    px = float(pixel_size_nm or _DEFAULT_PIXEL_NM)
    try:
        raw = pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path.name} is not a readable ThunderSTORM CSV file: {exc}") from None
    raw.columns = [str(c).strip().strip('"') for c in raw.columns]
    missing = [c for c in ("frame", "x [nm]", "y [nm]") if c not in raw.columns]
    if missing:
        raise ValueError(f"{path.name} is not a ThunderSTORM CSV: columns {missing} missing (found {list(raw.columns)})")
    numeric = raw.apply(pd.to_numeric, errors="coerce")
    core = numeric[["frame", "x [nm]", "y [nm]"]]
    if core.isna().any().any():
        bad = int(np.flatnonzero(core.isna().any(axis=1).to_numpy())[0]) + 2
        raise ValueError(f"{path.name} is truncated or corrupt: line {bad} has no valid frame/x/y")

    def get(name):
        return numeric[name].to_numpy(dtype=np.float64) if name in numeric.columns else None

    unc = get("uncertainty_xy [nm]")
    if unc is None:
        unc = get("uncertainty [nm]")
    ux = get("uncertainty_x [nm]")
    uy = get("uncertainty_y [nm]")
    ux = unc if ux is None else ux
    uy = unc if uy is None else uy
    sigma = get("sigma [nm]")
    if sigma is None and "sigma1 [nm]" in numeric.columns:
        sigma = 0.5 * (get("sigma1 [nm]") + get("sigma2 [nm]"))
    data = {
        "frame": get("frame") - 1,
        "x": get("x [nm]") / px - 0.5,
        "y": get("y [nm]") / px - 0.5,
        "photons": get("intensity [photon]"),
        "background": get("offset [photon]"),
        "sigma": None if sigma is None else sigma / px,
        "uncertainty_x": None if ux is None else ux / px,
        "uncertainty_y": None if uy is None else uy / px,
        "log_likelihood": get("log_likelihood"),
    }
    return _finish(data, len(raw), {"pixel_size_nm": px, "source_format": "thunderstorm"})


def _read_picasso(path: Path, pixel_size_nm) -> pd.DataFrame:
    import h5py
    import yaml

    try:
        with h5py.File(path, "r") as fh:
            if "locs" not in fh:
                raise ValueError(f"{path.name} has no 'locs' dataset; is it a picasso localization file?")
            rec = fh["locs"][...]
            embedded = fh["metadata"][()] if "metadata" in fh else None
    except OSError as exc:
        raise ValueError(f"{path.name} is not a readable picasso HDF5 file (truncated or corrupt?): {exc}") from None
    names = rec.dtype.names or ()
    missing = [c for c in ("frame", "x", "y") if c not in names]
    if missing:
        raise ValueError(f"{path.name}: the 'locs' dataset lacks field(s) {missing}")
    info: list = []
    yaml_path = path.with_suffix(".yaml")
    if yaml_path.is_file():
        try:
            with open(yaml_path, encoding="utf-8") as fh:
                info = [d for d in yaml.safe_load_all(fh) if isinstance(d, dict)]
        except yaml.YAMLError as exc:
            raise ValueError(f"{yaml_path.name} is not valid YAML: {exc}") from None
    elif embedded is not None:
        try:
            info = json.loads(embedded.decode() if isinstance(embedded, bytes) else str(embedded))
        except ValueError:
            info = []

    def meta(key):
        for d in info:
            if isinstance(d, dict) and key in d:
                return d[key]
        return None

    px = pixel_size_nm or meta("Pixelsize") or _DEFAULT_PIXEL_NM

    def get(name):
        return rec[name].astype(np.float64) if name in names else None

    sx, sy = get("sx"), get("sy")
    sigma = None if sx is None else (sx if sy is None else 0.5 * (sx + sy))
    data = {
        "frame": get("frame"),
        "x": get("x"),
        "y": get("y"),
        "photons": get("photons"),
        "background": get("bg"),
        "sigma": sigma,
        "uncertainty_x": get("lpx"),
        "uncertainty_y": get("lpy"),
        "log_likelihood": get("log_likelihood"),
    }
    attrs = {"pixel_size_nm": float(px), "source_format": "picasso"}
    if meta("Height") is not None and meta("Width") is not None:
        attrs["frame_shape"] = (int(meta("Height")), int(meta("Width")))
    if meta("Frames") is not None:
        attrs["n_frames"] = int(meta("Frames"))
    return _finish(data, len(rec), attrs)


# ----------------------------------------------------------------------------- TIFF stacks
class TiffStack:
    """Frames of a (Big/OME-)TIFF read lazily page by page: ``shape``, ``dtype``, ``stack[a:b]``.

    Used when the file cannot be memory-mapped (compressed or non-contiguous pages); the
    pipeline then reads one chunk of pages at a time. A frames view of
    :class:`napari_maliang._shared.stacks.TiffPages`; made from an opened series or a path.
    """

    def __init__(self, series):
        from napari_maliang._shared.stacks import TiffSeries, open_tiff

        if not isinstance(series, TiffSeries):  # a path, as before the shared reader
            series = open_tiff(series)
        frame_shape = series.shape[-2:]
        n = int(np.prod(series.shape[:-2])) if len(series.shape) > 2 else 1
        self.path = series.path
        self.shape = (n, *frame_shape)
        self.dtype = series.dtype
        self.ndim = 3
        if series.memmap is not None:
            self.pages = series.memmap.reshape(self.shape)
        else:
            self.pages = series.pages
            if len(self.pages) != n or self.pages.page_shape != tuple(frame_shape):
                raise ValueError(
                    f"{self.path}: {len(self.pages)} pages for {n} frames; only stacks of 2-D pages can be read lazily"
                )

    def __len__(self):
        return self.shape[0]

    def __getitem__(self, key):
        return self.pages[key]

    def close(self):
        if hasattr(self.pages, "close"):
            self.pages.close()

    def __array__(self, dtype=None, copy=None):
        out = self[:]
        return out if dtype is None else out.astype(dtype)


def _not_camera_frames(series) -> str | None:
    """Why a TIFF's pixels are not one intensity per camera pixel and frame (colour with RGB samples
    last, indexed colour, several channels), or None when they are."""
    name, axes, shape = series.name, series.axes.upper(), series.shape
    if series.palette:
        return f"{name} is an indexed-colour (palette) image, not camera frames: its values are colour indices"
    if axes.endswith("S") and shape[-1] > 1:
        return (
            f"{name} is a colour image (shape {tuple(shape)}, axes {axes}), not a stack of camera frames; "
            "give the raw single-channel camera stack"
        )
    if "C" in axes and shape[axes.index("C")] > 1:
        return (
            f"{name} has {shape[axes.index('C')]} channels (axes {axes}); localize one channel at a time "
            "(save each channel as its own stack)"
        )
    return None


def open_stack(path):
    """Open a TIFF stack without loading it: a ``tifffile.memmap`` when the file allows, else
    a :class:`TiffStack` reading pages on demand (:func:`napari_maliang._shared.stacks.open_tiff`).

    Raises ``ValueError`` with a readable message for missing, truncated or non-TIFF files, and
    for TIFFs that are not camera frames: colour images (RGB samples last), indexed-colour
    (palette) images and stacks with several channels (a ``C`` axis). Further axes (time, z,
    planar samples) are flattened into frames.

    References
    ----------
    .. [1] The TIFF 6.0 specification and BigTIFF/OME-TIFF, read with tifffile (C. Gohlke).
    """
    from napari_maliang._shared.stacks import open_tiff

    series = open_tiff(path)
    not_frames = _not_camera_frames(series)
    if not_frames:
        raise ValueError(not_frames)
    if series.memmap is not None:
        mm = series.memmap
        return mm if mm.ndim == 2 else mm.reshape(-1, *mm.shape[-2:])
    return TiffStack(series)
