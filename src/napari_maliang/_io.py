"""napari reader and writer contributions: raw PALM/STORM movies, localization tables and ``.mlg`` codec files.

Thin glue over :mod:`napari_maliang.smlm.acquisition`, :mod:`napari_maliang.smlm.io` and :mod:`napari_maliang.codec`;
the file formats themselves live there and are usable without napari. Each reader claims only the files it can
read (a grayscale TIFF stack, not any TIFF; a picasso HDF5, not any HDF5), so other plugins keep theirs.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

LOCALIZATION_SUFFIXES = (".csv", ".hdf5", ".h5")
THUNDERSTORM_MARKERS = ('"x [nm]"', "x [nm]")


def localization_layer_data(table, name: str, *, colour: str = "photons", frames: bool = True,
                            metadata: dict | None = None) -> tuple:
    """A Points ``LayerDataTuple`` for a localization table: data ``(frame, y, x)`` with every column in features.

    The layer shows each frame's localizations over the raw stack (napari shows only the current slice)
    and is coloured by the feature ``colour``. ``frames=False`` gives ``(y, x)`` points (a single image);
    ``metadata`` is added to the layer's metadata (pixel size, frame count and frame shape from the table).
    """
    coords = table[["frame", "y", "x"] if frames else ["y", "x"]].to_numpy(dtype=np.float64)
    features = table.reset_index(drop=True).copy()
    features.attrs = {}
    kwargs = {
        "name": name,
        "features": features,
        "size": 1.5,
        "border_width": 0,
        "metadata": {
            "pixel_size_nm": float(table.attrs.get("pixel_size_nm", 100.0)),
            "n_frames": int(table.attrs.get("n_frames", 0) or 0),
            **({"shape": tuple(table.attrs["frame_shape"])} if "frame_shape" in table.attrs else {}),
            **(metadata or {}),
        },
    }
    if len(features) and colour in features:
        kwargs.update(face_color=colour, face_colormap="viridis")
    return (coords, kwargs, "points")


def _is_localization_file(path: Path) -> bool:
    suffix = path.suffix.lower()
    if suffix in (".hdf5", ".h5"):  # picasso's, not any HDF5 (ilastik, BigDataViewer, Imaris ...)
        import h5py

        try:
            with h5py.File(path, "r") as fh:
                locs = fh.get("locs")
                return isinstance(locs, h5py.Dataset) and bool(locs.dtype.names) and {"x", "y"} <= set(locs.dtype.names)
        except OSError:
            return False
    if suffix == ".csv":
        try:
            with open(path, encoding="utf-8", errors="replace") as fh:
                header = fh.readline()
        except OSError:
            return False
        return any(marker in header for marker in THUNDERSTORM_MARKERS)
    return False


def get_acquisition_reader(path):
    """Reader for raw movies opened lazily: grayscale (OME-/Big)TIFF stacks, picasso ``.raw`` + ``.yaml``,
    ``.nd2`` (one layer per channel; None for anything else, e.g. a single image or an RGB TIFF)."""
    from napari_maliang.smlm.acquisition import is_acquisition

    if isinstance(path, list) or not is_acquisition(path):
        return None
    return _read_acquisition


def _read_acquisition(path):
    import warnings

    from napari_maliang.smlm.acquisition import open_channels

    movies = open_channels(path)  # one layer per channel of a multi-channel ND2
    for movie in movies:
        if movie.damage:
            warnings.warn(movie.damage, stacklevel=2)
    return [movie.layer_data() for movie in movies]


def get_localization_reader(path):
    """Reader for ThunderSTORM CSV and picasso HDF5 localization files (None for anything else)."""
    if isinstance(path, list) or not _is_localization_file(Path(path)):
        return None
    return _read_localizations


def _read_localizations(path):
    import warnings

    from napari_maliang.smlm.io import pixel_size_note, read_localizations

    table = read_localizations(path)
    note = pixel_size_note(table, Path(path).name, "the layer's metadata 'pixel_size_nm'")
    if note:
        warnings.warn(note, stacklevel=2)
    coords, kwargs, kind = localization_layer_data(
        table, Path(path).stem, metadata={"pixel_size_source": table.attrs.get("pixel_size_source", "file")}
    )
    if table.attrs.get("pixel_size_source") != "assumed":  # the file gives the pixel size: the points are in nm
        px = float(table.attrs["pixel_size_nm"])
        kwargs.update(scale=(1.0, px, px), units=("pixel", "nm", "nm"))
    return [(coords, kwargs, kind)]


def _table_from_points(data, meta: dict):
    import pandas as pd

    features = meta.get("features")
    table = pd.DataFrame(features).reset_index(drop=True) if features is not None else pd.DataFrame()
    coords = np.asarray(data, dtype=np.float64)
    if coords.ndim != 2 or coords.shape[1] < 2:
        raise ValueError(f"expected points of shape (n, 2) or (n, 3), got {coords.shape}")
    if "x" not in table or "y" not in table:
        table["y"], table["x"] = coords[:, -2], coords[:, -1]
    if "frame" not in table:
        table["frame"] = coords[:, 0].round().astype(np.int64) if coords.shape[1] >= 3 else 0
    table.attrs["pixel_size_nm"] = float(meta.get("metadata", {}).get("pixel_size_nm", 100.0))
    return table


def write_localizations_points(path: str, data, meta: dict) -> list[str]:
    """Writer: a Points layer of localizations -> ThunderSTORM ``.csv`` or picasso ``.hdf5`` (+ ``.yaml``)."""
    from napari_maliang.smlm import write_localizations

    written = write_localizations(_table_from_points(data, meta), path)
    return [str(p) for p in written]


def get_mlg_reader(path):
    """Reader for ``.mlg`` files of the inpainting codec (None for anything else)."""
    if isinstance(path, list) or Path(path).suffix.lower() != ".mlg":
        return None
    return _read_mlg


def _read_mlg(path):
    from napari_maliang.codec import read_mlg

    image = read_mlg(path)
    return [(image, {"name": Path(path).stem, "rgb": image.ndim == 3}, "image")]


def write_mlg_image(path: str, data, meta: dict) -> list[str]:
    """Writer: an Image layer -> ``.mlg`` (inpainting codec at 0.2 bits per pixel)."""
    from napari_maliang.codec import write_mlg

    return [write_mlg(path, np.asarray(data), bpp=0.2)]
