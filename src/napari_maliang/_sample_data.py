"""Sample-data contributions (File > Open Sample > Ma Liang): the files of ``sample_data/``, opened through the
plugin's own readers.

The files (made offline by ``sample_data/make_samples.py``, described in ``sample_data/README.md``) ship inside the
wheel as ``napari_maliang/sample_data``; in a source checkout (editable install) they are the repository's
``sample_data/``. Each sample reads its file the way File > Open does -- a movie with
:func:`~napari_maliang._io.get_acquisition_reader`, localizations with
:func:`~napari_maliang._io.get_localization_reader`, an ``.mlg`` with :func:`~napari_maliang._io.get_mlg_reader`,
a picture with :func:`~napari_maliang._planes.read_picture` -- so the samples exercise the readers. Every file
is checked against its SHA-256 in ``sample_data/SHA256SUMS`` (written by the script) before it is read, so a
missing, truncated or altered file raises an error that names it. The originals beside the quantized and darkened
photos are scikit-image's bundled astronaut (no file needed).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

CHECKSUMS = "SHA256SUMS"
REMEDY = "reinstall napari-maliang, or in a source checkout run: python sample_data/make_samples.py"


def sample_folder() -> Path:
    """The folder of the sample files.

    Returns
    -------
    Path
        ``napari_maliang/sample_data`` when the package is installed from a wheel, else the repository's
        ``sample_data/`` (an editable install of a source checkout).
    """
    import napari_maliang

    package = Path(napari_maliang.__file__).resolve().parent
    installed = package / "sample_data"
    return installed if installed.is_dir() else package.parents[1] / "sample_data"


def sample_path(name: str) -> Path:
    """The path of the sample file ``name``, checked against its SHA-256 in ``SHA256SUMS``.

    Raises
    ------
    FileNotFoundError
        When the file (or ``SHA256SUMS``) is not in :func:`sample_folder`.
    ValueError
        When the file's contents are not those the script wrote (truncated, altered) or it is not listed.
    """
    import hashlib

    folder = sample_folder()
    path = folder / name
    if not path.is_file():
        raise FileNotFoundError(f"sample file {name} is missing from {folder}; {REMEDY}")
    sums = folder / CHECKSUMS
    if not sums.is_file():
        raise FileNotFoundError(f"{CHECKSUMS} is missing from {folder}: sample file {name} cannot be checked; {REMEDY}")
    expected = {}
    for line in sums.read_text(encoding="utf-8").splitlines():  # sha256sum's format: "<hex digest>  <name>"
        digest, _, listed = line.partition("  ")
        expected[listed] = digest
    if name not in expected:
        raise ValueError(f"sample file {name} is not listed in {sums}; {REMEDY}")
    with open(path, "rb") as fh:
        digest = hashlib.file_digest(fh, "sha256").hexdigest()
    if digest != expected[name]:
        raise ValueError(f"sample file {name} in {folder} is damaged (SHA-256 not the one in {CHECKSUMS}); {REMEDY}")
    return path


def _read_with(get_reader, name: str) -> list[tuple]:
    """The layer data of sample file ``name`` (checked by :func:`sample_path`) read by the napari reader that
    ``get_reader`` returns, as File > Open would.

    Raises
    ------
    ValueError
        When that reader does not claim the file.
    """
    path = str(sample_path(name))
    reader = get_reader(path)
    if reader is None:
        raise ValueError(f"napari-maliang's reader does not claim sample file {name}")
    return reader(path)


def _in_camera_pixels(layer: tuple, name: str) -> tuple:
    """A reader's layer tuple renamed and shown in camera pixels (the readers scale to nm when the file gives the
    pixel size; the pixel size stays in the metadata). The samples keep pixels so they tile beside the photos in
    ``maliang demo``'s grid."""
    data, kwargs, kind = layer
    kwargs = {k: v for k, v in kwargs.items() if k not in ("scale", "units")}
    return data, {**kwargs, "name": name}, kind


def _picture(name: str) -> np.ndarray:
    """Sample picture ``name`` (checked by :func:`sample_path`), read by :func:`napari_maliang._planes.read_picture`."""
    from napari_maliang._planes import read_picture

    return read_picture(sample_path(name))


def _astronaut() -> np.ndarray:
    """scikit-image's bundled astronaut (uint8 RGB, 512 x 512): the original of the quantized and dark photos."""
    from skimage import data

    return data.astronaut()


def coins():
    """Greek coins from scikit-image (``coins.png``): a classic thresholding and region-growing test image."""
    return [(_picture("coins.png"), {"name": "coins"}, "image")]


def palm_movie():
    """The simulated 200-frame PALM movie (``palm_movie.ome.tif``) of blinking emitters on filaments and a ring,
    with its ground truth (``palm_truth.csv``, ThunderSTORM, hidden)."""
    from napari_maliang._io import get_acquisition_reader, get_localization_reader

    sample_path("palm_truth-protocol.txt")  # the truth's pixel size
    movie, movie_kwargs, kind = _in_camera_pixels(_read_with(get_acquisition_reader, "palm_movie.ome.tif")[0],
                                                  "PALM movie")
    movie_kwargs["contrast_limits"] = (float(movie.min()), float(np.percentile(np.asarray(movie), 99.9)))
    coords, kwargs, points = _in_camera_pixels(_read_with(get_localization_reader, "palm_truth.csv")[0],
                                               "PALM ground truth")
    kwargs.pop("face_colormap", None)
    kwargs.update(visible=False, face_color="white", symbol="cross", size=1.0)
    return [(movie, movie_kwargs, kind), (coords, kwargs, points)]


def palm_localizations():
    """Our localizations of the simulated PALM movie, from a picasso HDF5 + YAML file (``palm_locs.hdf5``)."""
    from napari_maliang._io import get_localization_reader

    sample_path("palm_locs.yaml")  # the pixel size and frame shape
    return [_in_camera_pixels(_read_with(get_localization_reader, "palm_locs.hdf5")[0], "PALM localizations")]


def _quantized(n_colors: int):
    return [
        (_astronaut(), {"name": "original photo", "visible": False}, "image"),
        (_picture(f"quantized_{n_colors}.png"), {"name": f"quantized photo ({n_colors} colours)"}, "image"),
    ]


def quantized_8():
    """The astronaut photo quantized to an 8-colour k-means palette (``quantized_8.png``), with its original."""
    return _quantized(8)


def quantized_16():
    """The astronaut photo quantized to a 16-colour k-means palette (``quantized_16.png``), with its original."""
    return _quantized(16)


def dark_photo():
    """The astronaut darkened by gamma 2.5 with photon noise (``dark_photo.png``), with its original."""
    return [
        (_astronaut(), {"name": "original photo", "visible": False}, "image"),
        (_picture("dark_photo.png"), {"name": "dark photo", "contrast_limits": (0, 255)}, "image"),
    ]


def cartoon():
    """A cartoon-like 512x512 image for the inpainting codec, decoded from ``cartoon.mlg``."""
    from napari_maliang._io import get_mlg_reader

    image, kwargs, kind = _read_with(get_mlg_reader, "cartoon.mlg")[0]
    return [(image, {**kwargs, "colormap": "gray"}, kind)]
