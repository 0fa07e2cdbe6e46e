"""napari reader/writer contributions, exercised through napari's own open/save machinery."""

import numpy as np
import pandas as pd
import pytest

from napari_maliang import _io

PLUGIN = "napari-maliang"


def _table(n=50, seed=0):
    rng = np.random.default_rng(seed)
    table = pd.DataFrame(
        {
            "frame": rng.integers(0, 20, n),
            "x": rng.uniform(0, 64, n),
            "y": rng.uniform(0, 64, n),
            "photons": rng.uniform(500, 3000, n),
            "background": rng.uniform(5, 20, n),
            "sigma": np.full(n, 1.3),
            "uncertainty_x": rng.uniform(0.05, 0.2, n),
            "uncertainty_y": rng.uniform(0.05, 0.2, n),
            "log_likelihood": rng.normal(-100, 5, n),
        }
    )
    table.attrs["pixel_size_nm"] = 100.0
    return table


@pytest.mark.parametrize("suffix", [".csv", ".hdf5"])
def test_points_layer_round_trips_through_napari(make_napari_viewer, tmp_path, suffix):
    viewer = make_napari_viewer()
    table = _table()
    table["group"] = np.arange(len(table)) % 7  # columns we do not use pass through the layer and the file
    table["net_gradient"] = np.linspace(1.0, 2.0, len(table))
    coords, kwargs, kind = _io.localization_layer_data(table, "locs")
    layer = viewer.add_points(coords, **kwargs)
    path = tmp_path / f"locs{suffix}"
    written = viewer.layers.save(str(path), selected=False, plugin=PLUGIN)
    assert str(path) in written
    viewer.layers.clear()
    (read,) = viewer.open(str(path), plugin=PLUGIN)
    assert read._type_string == "points" and len(read.data) == len(layer.data)
    order = np.lexsort(read.data.T[::-1]), np.lexsort(layer.data.T[::-1])
    np.testing.assert_allclose(read.data[order[0]], layer.data[order[1]], atol=1e-3)
    for column in ("photons", "group", "net_gradient"):
        np.testing.assert_allclose(
            read.features[column].to_numpy()[order[0]], table[column].to_numpy()[order[1]], rtol=1e-5
        )


def test_points_without_features_are_written_from_coordinates(tmp_path):
    data = np.array([[0.0, 10.0, 20.0], [3.0, 11.5, 4.25]])
    (out,) = _io.write_localizations_points(str(tmp_path / "p.csv"), data, {"metadata": {}})
    from napari_maliang.smlm import read_localizations

    back = read_localizations(out).sort_values("frame")
    np.testing.assert_allclose(back[["frame", "y", "x"]].to_numpy(), data, atol=1e-3)


def test_plain_csv_is_left_to_other_readers(tmp_path):
    path = tmp_path / "table.csv"
    path.write_text("index,axis-0,axis-1\n0,1,2\n")
    assert _io.get_localization_reader(str(path)) is None
    assert _io.get_mlg_reader(str(path)) is None


def test_mlg_round_trips_through_napari(make_napari_viewer, tmp_path):
    from napari_maliang.codec.samples import cartoon

    viewer = make_napari_viewer()
    image = cartoon((128, 128))
    viewer.add_image(image, name="cartoon")
    path = tmp_path / "cartoon.mlg"
    viewer.layers.save(str(path), selected=False, plugin=PLUGIN)
    from napari_maliang.codec.format import MAGIC

    assert path.read_bytes().startswith(MAGIC)
    assert path.stat().st_size * 8 <= 0.2 * image.size + 1e-9
    viewer.layers.clear()
    (read,) = viewer.open(str(path), plugin=PLUGIN)
    assert read.data.shape == image.shape
    reference = np.clip(np.asarray(image, float), 0, 255)
    psnr = 10 * np.log10(255**2 / np.mean((read.data.astype(float) - reference) ** 2))
    assert psnr > 20


def test_mlg_reader_rejects_non_mlg_files(tmp_path):
    from napari_maliang.codec import CodecError

    path = tmp_path / "fake.mlg"
    path.write_bytes(b"not an mlg file at all")
    reader = _io.get_mlg_reader(str(path))
    with pytest.raises(CodecError, match="not an .mlg file"):
        reader(str(path))


def test_a_movie_opens_lazily_in_napari_with_its_pixel_size(make_napari_viewer, tmp_path):
    import tifffile

    movie = np.random.default_rng(1).integers(0, 1000, (30, 16, 20)).astype(np.uint16)
    path = tmp_path / "run.ome.tif"
    tifffile.imwrite(path, movie, ome=True, metadata={"axes": "TYX", "PhysicalSizeX": 0.16, "PhysicalSizeY": 0.16})
    viewer = make_napari_viewer()
    (layer,) = viewer.open(str(path), plugin=PLUGIN)
    assert type(layer.data).__module__.startswith("dask") and layer.data.shape == movie.shape
    assert layer.metadata["pixel_size_nm"] == pytest.approx(160.0)
    assert tuple(layer.scale) == pytest.approx((1.0, 160.0, 160.0))
    assert [str(u) for u in layer.units][-2:] == ["nanometer", "nanometer"]
    viewer.dims.set_current_step(0, 12)
    np.testing.assert_array_equal(np.asarray(layer._slice.image.raw), movie[12])


def test_a_truncated_movie_opens_in_napari_with_the_frames_before_the_damage(make_napari_viewer, tmp_path):
    import os

    import tifffile

    movie = np.random.default_rng(2).integers(0, 1000, (40, 24, 32)).astype(np.uint16)
    path = tmp_path / "cut.tif"
    tifffile.imwrite(path, movie)
    with open(path, "r+b") as fh:
        fh.truncate(os.path.getsize(path) * 2 // 3)
    viewer = make_napari_viewer()
    with pytest.warns(UserWarning, match="truncated or corrupt"):
        (layer,) = viewer.open(str(path), plugin=PLUGIN)
    n = layer.data.shape[0]
    assert 10 < n < 40 and layer.data.shape[1:] == movie.shape[1:]
    np.testing.assert_array_equal(np.asarray(layer.data), movie[:n])
    assert path.stat().st_size < movie.nbytes  # the damaged file is left as it was


def test_only_picasso_hdf5_files_are_claimed(tmp_path):
    import h5py

    with h5py.File(tmp_path / "ilastik.h5", "w") as fh:
        fh.create_dataset("exported_data", data=np.zeros((4, 4)))
    with h5py.File(tmp_path / "bdv.h5", "w") as fh:
        fh.create_dataset("locs", data=np.zeros((4, 4)))  # a plain array, not picasso's records
    (tmp_path / "broken.h5").write_bytes(b"not hdf5")
    for name in ("ilastik.h5", "bdv.h5", "broken.h5"):
        assert _io.get_localization_reader(str(tmp_path / name)) is None, name
    from napari_maliang.smlm import write_localizations

    (written, _) = write_localizations(_table(), tmp_path / "locs.hdf5")
    assert _io.get_localization_reader(str(written)) is not None


def test_a_table_without_pixel_size_is_read_with_a_warning(tmp_path):
    path = tmp_path / "ts.csv"
    path.write_text('"frame","x [nm]","y [nm]"\n1,150,250\n')
    reader = _io.get_localization_reader(str(path))
    with pytest.warns(UserWarning, match="100 nm assumed"):
        ((coords, kwargs, kind),) = reader(str(path))
    assert kwargs["metadata"]["pixel_size_source"] == "assumed" and kwargs["metadata"]["pixel_size_nm"] == 100


def test_a_table_with_its_pixel_size_opens_in_nm(make_napari_viewer, tmp_path):
    from napari_maliang.smlm import write_localizations

    table = _table()
    table.attrs["pixel_size_nm"] = 160.0
    (path, _) = write_localizations(table, tmp_path / "locs.hdf5")
    viewer = make_napari_viewer()
    (layer,) = viewer.open(str(path), plugin=PLUGIN)
    assert tuple(layer.scale) == pytest.approx((1.0, 160.0, 160.0))
    assert [str(u) for u in layer.units][-2:] == ["nanometer", "nanometer"]
    assert layer.metadata["pixel_size_nm"] == 160.0
