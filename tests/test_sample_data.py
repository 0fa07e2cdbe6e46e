"""The files in sample_data/ open and do what sample_data/README.md says."""

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from napari_maliang.cli import main
from napari_maliang.dequantize import requantization_mask

SAMPLES = Path(__file__).resolve().parents[1] / "sample_data"


def rgb(name):
    return np.asarray(Image.open(SAMPLES / name).convert("RGB"))


def test_palette_sample_dequantizes_with_its_brushes(tmp_path, capsys):
    q = rgb("astronaut_16colours.png")
    assert len(np.unique(q.reshape(-1, 3), axis=0)) == 16
    out = tmp_path / "smooth.png"
    assert main(["dequantize", str(SAMPLES / "astronaut_16colours.png"), "-o", str(out),
                 "--annotations", str(SAMPLES / "astronaut_16colours_brushes.png")]) == 0
    assert "nearest palette colour (16 colours)" in capsys.readouterr().err
    result = np.asarray(Image.open(out))
    assert result.dtype == np.uint8 and requantization_mask(result, q).all()
    assert len(np.unique(result.reshape(-1, 3), axis=0)) > 1000  # smooth colour again, not 16 flat ones


def test_bin_centre_sample_is_recognised(tmp_path, capsys):
    q = rgb("astronaut_3bit_centre.png")
    assert main(["dequantize", str(SAMPLES / "astronaut_3bit_centre.png"), "-o", str(tmp_path / "o.png")]) == 0
    assert "bin centre, 3 bits (step 32)" in capsys.readouterr().err
    result = np.asarray(Image.open(tmp_path / "o.png"))
    assert ((result // 32) * 32 + 16 == q).all()


def test_dithered_sample_is_refused_then_descreened(tmp_path, capsys):
    path = str(SAMPLES / "astronaut_16colours_dithered.png")
    assert main(["dequantize", path, "-o", str(tmp_path / "d.png")]) == 2
    assert "looks dithered" in capsys.readouterr().err and not (tmp_path / "d.png").exists()
    with pytest.warns(UserWarning, match="blurred away"):
        assert main(["dequantize", path, "-o", str(tmp_path / "d.png"), "--dither", "smooth"]) == 0
    assert np.asarray(Image.open(tmp_path / "d.png")).shape == (256, 256, 3)


# ----------------------------------------------------------------------------- the folder
DATA_FILES = sorted(line.split("  ", 1)[1] for line in (SAMPLES / "SHA256SUMS").read_text().splitlines())


def test_folder_is_small_and_the_readme_lists_every_file():
    files = [p for p in SAMPLES.iterdir() if p.is_file()]
    assert sum(p.stat().st_size for p in files) < 20 * 2**20
    readme = (SAMPLES / "README.md").read_text(encoding="utf-8")
    assert [p.name for p in files if p.name != "README.md" and f"`{p.name}`" not in readme] == []


def test_checksums_list_every_data_file_and_match():
    from napari_maliang._sample_data import sample_folder, sample_path

    assert sample_folder() == SAMPLES  # an editable install: the repository's folder
    scripts = {"README.md", "make_samples.py", "SHA256SUMS", ".gitattributes"}
    assert DATA_FILES == sorted(p.name for p in SAMPLES.iterdir() if p.name not in scripts)
    assert all(sample_path(name) == SAMPLES / name for name in DATA_FILES)


# ----------------------------------------------------------------------------- File > Open, through our readers
def open_with_plugin(viewer, name):
    return viewer.open(str(SAMPLES / name), plugin="napari-maliang")


def test_movie_opens_in_napari_as_the_simulation(make_napari_viewer):
    from napari_maliang.smlm import palm_sample

    [layer] = open_with_plugin(make_napari_viewer(), "palm_movie.ome.tif")
    movie, _ = palm_sample()
    assert layer.data.shape == (200, 128, 128) and np.array_equal(np.asarray(layer.data), movie)
    assert layer.metadata["pixel_size_nm"] == 100.0 and layer.metadata["pixel_size_source"] == "file"
    assert tuple(layer.scale) == (1.0, 100.0, 100.0)


def test_truth_opens_in_napari_with_the_protocol_pixel_size(make_napari_viewer):
    from napari_maliang.smlm import palm_sample

    [layer] = open_with_plugin(make_napari_viewer(), "palm_truth.csv")
    _, truth = palm_sample()
    assert layer.metadata["pixel_size_source"] == "file" and layer.metadata["pixel_size_nm"] == 100.0
    np.testing.assert_allclose(layer.data, truth[["frame", "y", "x"]].to_numpy(float), atol=1e-4)
    assert (layer.features["emitter"].to_numpy() == truth["emitter"].to_numpy()).all()


def test_picasso_localizations_open_in_napari_near_the_truth(make_napari_viewer):
    from scipy.spatial import cKDTree

    from napari_maliang.smlm import palm_sample

    [layer] = open_with_plugin(make_napari_viewer(), "palm_locs.hdf5")
    assert layer.metadata["shape"] == (128, 128) and layer.metadata["n_frames"] == 200
    assert layer.metadata["pixel_size_source"] == "file"
    _, truth = palm_sample()
    assert 0.9 * len(truth) < len(layer.data) < 1.1 * len(truth)
    spread = np.array([1000.0, 1.0, 1.0])  # frames far apart: nearest neighbours within a frame
    distance, _ = cKDTree(truth[["frame", "y", "x"]].to_numpy(float) * spread).query(layer.data * spread)
    assert np.median(distance) < 0.2  # pixels


def test_mlg_opens_in_napari_as_the_cartoon(make_napari_viewer):
    from napari_maliang.codec.samples import cartoon

    [layer] = open_with_plugin(make_napari_viewer(), "cartoon.mlg")
    assert layer.data.shape == (512, 512) and layer.data.dtype == np.uint8
    assert np.abs(layer.data.astype(float) - cartoon()).mean() < 5


def test_pictures_read_as_made():
    from skimage import data

    from napari_maliang._cli.dequantize import read_annotations
    from napari_maliang._planes import read_picture
    from napari_maliang.dequantize.brushes import ADJACENT, HARD, NONE, SOFT
    from napari_maliang.lowlight.samples import dark_photo

    assert np.array_equal(read_picture(SAMPLES / "coins.png"), data.coins())
    dark = read_picture(SAMPLES / "dark_photo.png")
    assert np.array_equal(dark, np.asarray(Image.open(SAMPLES / "dark_photo.png")))
    # the generator draws photon noise, and NumPy does not promise the same draws in every version (2.4.6 gave 4
    # of 786,432 values otherwise than the version that wrote the file): the same picture up to those
    remade = np.rint(dark_photo()[0] * 255).astype(np.uint8)
    assert dark.shape == remade.shape and np.mean(dark != remade) < 1e-4
    assert np.abs(dark.astype(float) - remade).mean() < 1e-3
    for n in (8, 16):
        assert Image.open(SAMPLES / f"quantized_{n}.png").mode == "P"
        q = read_picture(SAMPLES / f"quantized_{n}.png")
        assert q.shape == (512, 512, 3) and len(np.unique(q.reshape(-1, 3), axis=0)) == n
    brushes = read_picture(SAMPLES / "quantized_8_brushes.png")
    assert brushes.shape == (512, 512) and set(np.unique(brushes)) == {NONE, ADJACENT, HARD, SOFT}
    assert np.array_equal(read_annotations(SAMPLES / "quantized_8_brushes.png", (512, 512)), brushes)


def test_quantized_sample_dequantizes_with_its_label_brushes(tmp_path, capsys):
    out = tmp_path / "smooth.png"
    assert main(["dequantize", str(SAMPLES / "quantized_8.png"), "-o", str(out),
                 "--annotations", str(SAMPLES / "quantized_8_brushes.png")]) == 0
    assert "nearest palette colour (8 colours)" in capsys.readouterr().err
    assert len(np.unique(np.asarray(Image.open(out)).reshape(-1, 3), axis=0)) > 1000


# ----------------------------------------------------------------------------- the napari samples
LAYERS = {
    "coins": [("coins", (303, 384))],
    "palm_movie": [("PALM movie", (200, 128, 128)), ("PALM ground truth", (999, 3))],
    "palm_localizations": [("PALM localizations", (982, 3))],
    "quantized_8": [("original photo", (512, 512, 3)), ("quantized photo (8 colours)", (512, 512, 3))],
    "quantized_16": [("original photo", (512, 512, 3)), ("quantized photo (16 colours)", (512, 512, 3))],
    "dark_photo": [("original photo", (512, 512, 3)), ("dark photo", (512, 512, 3))],
    "cartoon": [("cartoon", (512, 512))],
}


@pytest.mark.parametrize("function", LAYERS)
def test_sample_gives_its_layers(function):
    from napari_maliang import _sample_data

    layers = getattr(_sample_data, function)()
    assert [(kwargs["name"], np.shape(data)) for data, kwargs, _ in layers] == LAYERS[function]
    assert all("scale" not in kwargs for _, kwargs, _ in layers)  # camera pixels, like the photos in the demo grid


def test_every_sample_command_is_one_of_these():
    from npe2 import PluginManifest

    manifest = PluginManifest.from_distribution("napari-maliang")
    commands = {c.id: c.python_name for c in manifest.contributions.commands}
    used = {commands[s.command].split(":")[1] for s in manifest.contributions.sample_data}
    assert used == set(LAYERS)


FILES_OF = {
    "coins": ["coins.png"],
    "palm_movie": ["palm_movie.ome.tif", "palm_truth.csv", "palm_truth-protocol.txt"],
    "palm_localizations": ["palm_locs.hdf5", "palm_locs.yaml"],
    "quantized_8": ["quantized_8.png"],
    "quantized_16": ["quantized_16.png"],
    "dark_photo": ["dark_photo.png"],
    "cartoon": ["cartoon.mlg"],
}
DAMAGES = [(function, name, how) for function, names in FILES_OF.items() for name in names
           for how in ("missing", "truncated", "altered")]


@pytest.mark.parametrize(("function", "name", "how"), DAMAGES)
def test_damaged_sample_file_is_named(tmp_path, monkeypatch, function, name, how):
    import shutil

    from napari_maliang import _sample_data

    for other in ["SHA256SUMS", *FILES_OF[function]]:
        shutil.copy(SAMPLES / other, tmp_path / other)
    monkeypatch.setattr(_sample_data, "sample_folder", lambda: tmp_path)
    path = tmp_path / name
    if how == "missing":
        path.unlink()
    elif how == "truncated":
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    else:  # one byte changed in the middle: a reader may not notice, the checksum does
        raw = bytearray(path.read_bytes())
        raw[len(raw) // 2] ^= 0x01
        path.write_bytes(bytes(raw))
    error = FileNotFoundError if how == "missing" else ValueError
    with pytest.raises(error, match=rf"sample file {name.replace('.', '[.]')} .*(missing|damaged).*make_samples\.py"):
        getattr(_sample_data, function)()


def test_missing_checksums_are_named(tmp_path, monkeypatch):
    import shutil

    from napari_maliang import _sample_data

    shutil.copy(SAMPLES / "coins.png", tmp_path / "coins.png")
    monkeypatch.setattr(_sample_data, "sample_folder", lambda: tmp_path)
    with pytest.raises(FileNotFoundError, match="SHA256SUMS is missing .* sample file coins.png cannot be checked"):
        _sample_data.coins()
