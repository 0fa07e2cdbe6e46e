"""Localization tables on disk (ThunderSTORM CSV, picasso HDF5 + YAML) and lazy TIFF stacks.

Our table (docs/architecture.md, "Conventions") is in camera pixels with pixel centres at integer coordinates and a
0-based ``frame``. The two exchange formats:

ThunderSTORM CSV (``.csv``)
    Columns ``"id","frame","x [nm]","y [nm]","sigma [nm]","intensity [photon]","offset [photon]",
    "bkgstd [photon]","uncertainty_xy [nm]"`` (ThunderSTORM 1.3 names and units), plus our
    ``"uncertainty_x [nm]","uncertainty_y [nm]","log_likelihood"`` so nothing is lost. ThunderSTORM
    follows ImageJ: frames count from 1 and the top-left *corner* of the image is (0, 0), so
    ``x [nm] = (x + 0.5) * pixel_size``. The CSV does not carry the pixel size: it comes from
    ``pixel_size_nm`` when reading, else from the measurement protocol ThunderSTORM saves beside
    the table (``<name>-protocol.txt``, ``"pixelSize"`` of its camera settings), else 100 nm is
    assumed and ``attrs["pixel_size_source"]`` says ``"assumed"``.
picasso HDF5 (``.hdf5``) + YAML sidecar
    Dataset ``locs`` of records ``frame (u4), x, y, photons, sx, sy, bg, lpx, lpy`` (float32,
    camera pixels, pixel centres at integers like ours) plus ``log_likelihood``; the YAML
    (same stem, ``.yaml``) is a multi-document list of dicts with ``Width, Height, Frames,
    Pixelsize`` (nm). The same metadata is embedded as JSON in the HDF5 ``/metadata`` dataset,
    as picasso >= 0.11 does.

Every column is kept: columns of the file that are not one of ours (picasso's ``net_gradient``, ``z``,
``group``; ThunderSTORM's ``id``, ``z [nm]``, ``detections`` ...) come through under their own names, picasso's
``sx``/``sy`` as ``sigma_x``/``sigma_y``, and the writers write every extra column of a table back out.

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
    "extra_columns",
    "pixel_size_note",
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
    umask = os.umask(0)  # mkstemp makes the file private (0600): give it the mode open() would
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)
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


def extra_columns(locs: pd.DataFrame) -> list[str]:
    """The columns of ``locs`` that are not standard localization columns (they pass through reading and writing)."""
    return [c for c in locs.columns if c not in COLUMNS]


def _write_thunderstorm(locs: pd.DataFrame, path: Path, px: float) -> Path:
    ux = _col(locs, "uncertainty_x")
    uy = _col(locs, "uncertainty_y")
    bg = _col(locs, "background")
    out = pd.DataFrame(
        {
            "id": locs["id"].to_numpy() if "id" in locs.columns else np.arange(1, len(locs) + 1, dtype=np.int64),
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
    for name in extra_columns(locs):  # a column read from a ThunderSTORM file (id, bkgstd) keeps its values
        out[name] = locs[name].to_numpy()
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
    extra = [c for c in extra_columns(locs) if c not in ("sigma_x", "sigma_y")]
    kept = [c for c in extra if locs[c].dtype.kind in "biuf"]
    if len(kept) < len(extra):
        raise ValueError(
            f"picasso files hold numbers only; the column(s) {[c for c in extra if c not in kept]} are not numeric: "
            "drop them or write ThunderSTORM CSV"
        )
    taken = {name for name, _ in _PICASSO_DTYPE}
    clash = [c for c in kept if c in taken]
    if clash:
        raise ValueError(f"the column(s) {clash} would overwrite picasso's own fields of that name; rename them")
    dtype = _PICASSO_DTYPE + [(c, locs[c].dtype.newbyteorder("<").str) for c in kept]
    rec = np.zeros(len(locs), dtype=dtype)
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
    for name in kept:
        rec[name] = locs[name].to_numpy()
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
    uncertainty_x, uncertainty_y, log_likelihood``; missing ones are NaN) in camera pixels, then
    every other column of the file under its own name (picasso's ``sx``/``sy`` as
    ``sigma_x``/``sigma_y``). ``attrs["pixel_size_nm"]`` is the argument, else the file's
    (picasso: ``Pixelsize`` of the YAML or the embedded metadata; ThunderSTORM: its measurement
    protocol ``<name>-protocol.txt``), else 100 nm; ``attrs["pixel_size_source"]`` says which
    (``"argument"``, ``"file"`` or ``"assumed"``). For picasso, ``attrs["frame_shape"]`` and
    ``attrs["n_frames"]`` too.

    Raises
    ------
    ValueError
        For a missing, truncated or unreadable file, one without the expected columns, or (ThunderSTORM, whose
        frames count from 1) a frame number below 1.

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


def _finish(data: dict, n: int, attrs: dict, extra: dict) -> pd.DataFrame:
    ref = empty_table()
    cols = {}
    for c in COLUMNS:
        values = data.get(c)
        if values is None:
            values = np.full(n, np.nan)
        cols[c] = np.asarray(values).astype(ref[c].dtype, copy=False)
    cols.update({name: values for name, values in extra.items() if name not in cols})
    df = pd.DataFrame(cols)
    df.attrs.update(attrs)
    df.attrs.setdefault("partial", False)
    return df


def pixel_size_note(locs: pd.DataFrame, name: str, option: str = "pixel_size_nm=...") -> str | None:
    """The sentence that says a table's pixel size was assumed (None when it was given or read from the file);
    the command line prints it, the napari reader warns with it. ``option`` names how to give it."""
    if locs.attrs.get("pixel_size_source") != "assumed":
        return None
    return f"{name} does not say its camera pixel size: {locs.attrs['pixel_size_nm']:g} nm assumed (give {option})"


def _pixel_size(given, from_file, name: str) -> tuple[float, str]:
    """The pixel size (nm) and where it came from: the argument, the file, or assumed (100 nm)."""
    for value, source in ((given, "argument"), (from_file, "file")):
        if value is not None:
            try:
                px = float(value)
            except (TypeError, ValueError):
                raise ValueError(f"{name}: pixel size {value!r} is not a number") from None
            if not (np.isfinite(px) and px > 0):
                raise ValueError(f"{name}: pixel size must be positive, got {px}")
            return px, source
    return _DEFAULT_PIXEL_NM, "assumed"


def _thunderstorm_protocol_pixel_size(path: Path) -> float | None:
    """``pixelSize`` of the camera settings in ThunderSTORM's measurement protocol beside the table, if any."""
    import re

    for protocol in (path.with_name(f"{path.stem}-protocol.txt"), path.with_name("protocol.txt")):
        if protocol.is_file():
            match = re.search(r'"?pixelSize"?\s*[:=]\s*([0-9.eE+-]+)', protocol.read_text(errors="replace"))
            if match:
                return float(match.group(1))
    return None


def _read_thunderstorm(path: Path, pixel_size_nm) -> pd.DataFrame:
    px, source = _pixel_size(pixel_size_nm, _thunderstorm_protocol_pixel_size(path), path.name)
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
    frames = core["frame"].to_numpy()
    wrong = np.flatnonzero((frames < 1) | (frames != np.round(frames)))
    if wrong.size:
        raise ValueError(
            f"{path.name}, line {int(wrong[0]) + 2}: frame {frames[wrong[0]]:g}; ThunderSTORM frames are whole numbers "
            "counting from 1"
        )

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
    consumed = {"frame", "x [nm]", "y [nm]", "intensity [photon]", "offset [photon]", "sigma [nm]", "log_likelihood",
                "uncertainty_xy [nm]", "uncertainty [nm]", "uncertainty_x [nm]", "uncertainty_y [nm]"}
    extra = {c: _as_numbers(raw[c]) for c in raw.columns if c not in consumed}
    attrs = {"pixel_size_nm": px, "pixel_size_source": source, "source_format": "thunderstorm"}
    return _finish(data, len(raw), attrs, extra)


def _as_numbers(column: pd.Series) -> np.ndarray:
    """A column as numbers when every value is one, else as it is (text columns pass through too)."""
    numbers = pd.to_numeric(column, errors="coerce")
    return (numbers if numbers.notna().sum() == column.notna().sum() else column).to_numpy()


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

    px, source = _pixel_size(pixel_size_nm, meta("Pixelsize"), path.name)

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
    renamed = {"sx": "sigma_x", "sy": "sigma_y"}
    consumed = {"frame", "x", "y", "photons", "bg", "lpx", "lpy", "log_likelihood"}
    extra = {renamed.get(c, c): rec[c] for c in names if c not in consumed}
    attrs = {"pixel_size_nm": px, "pixel_size_source": source, "source_format": "picasso"}
    if meta("Height") is not None and meta("Width") is not None:
        attrs["frame_shape"] = (int(meta("Height")), int(meta("Width")))
    if meta("Frames") is not None:
        attrs["n_frames"] = int(meta("Frames"))
    return _finish(data, len(rec), attrs, extra)


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
