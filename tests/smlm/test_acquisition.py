"""Raw movies opened lazily (napari_maliang.smlm.acquisition): every format and convention it claims, damage."""

import os

import numpy as np
import pytest
import tifffile
import yaml

from napari_maliang.smlm.acquisition import chunk_frames, is_acquisition, open_acquisition, open_channels


@pytest.fixture
def movie():
    return np.random.default_rng(0).integers(0, 4000, (40, 24, 32)).astype(np.uint16)


def _is_lazy(frames, shape) -> bool:
    k = min(chunk_frames(shape[1:], frames.dtype), shape[0])
    import dask.array as da

    return isinstance(frames, da.Array) and frames.shape == shape and frames.chunks[0][0] == k


@pytest.mark.parametrize(
    "kind",
    ["imagej", "imagej-z", "plain", "bigtiff", "zlib", "ome", "pages"],
)
def test_tiff_stacks_open_lazily_with_their_pixels(tmp_path, movie, kind):
    path = tmp_path / ("m.ome.tif" if kind == "ome" else "m.tif")
    if kind == "pages":  # one page at a time, as acquisition software appends frames
        with tifffile.TiffWriter(path) as tw:
            for frame in movie:
                tw.write(frame, contiguous=False, metadata=None)
    else:
        kwargs = {"imagej": {"imagej": True, "metadata": {"axes": "TYX"}},
                  "imagej-z": {"imagej": True, "metadata": {"axes": "ZYX"}}, "plain": {}, "bigtiff": {"bigtiff": True},
                  "zlib": {"compression": "zlib"}, "ome": {"ome": True, "metadata": {"axes": "TYX"}}}[kind]
        tifffile.imwrite(path, movie, **kwargs)
    assert is_acquisition(path)
    acq = open_acquisition(path)
    assert _is_lazy(acq.frames, movie.shape) and acq.damage is None
    np.testing.assert_array_equal(acq.frames[7].compute(), movie[7])
    np.testing.assert_array_equal(acq.frames[3:30:4, 2:9, 5].compute(), movie[3:30:4, 2:9, 5])
    np.testing.assert_array_equal(np.asarray(acq.frames), movie)


def test_ome_pixel_size_and_camera_reach_the_layer(tmp_path, movie):
    path = tmp_path / "m.ome.tif"
    tifffile.imwrite(path, movie, ome=True, metadata={"axes": "TYX", "PhysicalSizeX": 0.107,
                                                      "PhysicalSizeXUnit": "µm", "PhysicalSizeY": 0.107})
    acq = open_acquisition(path)
    assert acq.pixel_size_nm == pytest.approx(107.0)
    data, kwargs, kind = acq.layer_data()
    assert kind == "image" and kwargs["scale"] == (1.0, pytest.approx(107.0), pytest.approx(107.0))
    assert kwargs["units"] == ("pixel", "nm", "nm")
    assert kwargs["metadata"]["pixel_size_nm"] == pytest.approx(107.0)
    assert kwargs["metadata"]["pixel_size_source"] == "file"


def test_a_stack_without_pixel_size_stays_in_camera_pixels(tmp_path, movie):
    tifffile.imwrite(tmp_path / "m.tif", movie)
    _, kwargs, _ = open_acquisition(tmp_path / "m.tif").layer_data()
    assert kwargs["scale"] == (1.0, 1.0, 1.0) and kwargs["metadata"]["pixel_size_source"] == "assumed"


def test_big_endian_tiff(tmp_path, movie):
    tifffile.imwrite(tmp_path / "m.tif", movie, byteorder=">")
    acq = open_acquisition(tmp_path / "m.tif")
    assert acq.frames.dtype == np.uint16 and acq.frames.dtype.isnative
    np.testing.assert_array_equal(acq.frames[5].compute(), movie[5])


@pytest.mark.parametrize("byte_order", ["<", ">"])
def test_picasso_raw_movie(tmp_path, movie, byte_order):
    (tmp_path / "m.raw").write_bytes(movie.astype(np.dtype(np.uint16).newbyteorder(byte_order)).tobytes())
    info = {"Width": 32, "Height": 24, "Frames": 40, "Data Type": "uint16", "Byte Order": byte_order,
            "Camera": "Andor", "Pixelsize": 130, "Gain": 2.5, "Baseline": 100}
    (tmp_path / "m.yaml").write_text(yaml.safe_dump(info))
    assert is_acquisition(tmp_path / "m.raw")
    acq = open_acquisition(tmp_path / "m.raw")
    assert _is_lazy(acq.frames, movie.shape)
    np.testing.assert_array_equal(np.asarray(acq.frames), movie)
    assert acq.pixel_size_nm == 130 and acq.camera == {"pixel_size_nm": 130.0, "gain": 2.5, "offset": 100.0}


def test_truncated_files_keep_the_frames_before_the_damage(tmp_path, movie):
    for name, kwargs in (("plain.tif", {}), ("zlib.tif", {"compression": "zlib"})):
        path = tmp_path / name
        tifffile.imwrite(path, movie, **kwargs)
        with open(path, "r+b") as fh:
            fh.truncate(os.path.getsize(path) * 2 // 3)
        assert is_acquisition(path), name  # claimed, though the damaged file may list only its first page
        acq = open_acquisition(path)
        n = acq.frames.shape[0]
        assert 10 < n < 40, name
        assert "truncated or corrupt" in acq.damage and f"the {n}" in acq.damage
        np.testing.assert_array_equal(np.asarray(acq.frames), movie[:n])
    (tmp_path / "m.raw").write_bytes(movie.tobytes()[: 10 * 24 * 32 * 2 + 100])
    (tmp_path / "m.yaml").write_text(yaml.safe_dump({"Width": 32, "Height": 24, "Frames": 40, "Data Type": "uint16"}))
    acq = open_acquisition(tmp_path / "m.raw")
    assert acq.frames.shape[0] == 10 and "10 whole frames of the 40" in acq.damage


def test_only_real_movies_are_claimed(tmp_path, movie):
    tifffile.imwrite(tmp_path / "one.tif", movie[0])  # one image: napari's own reader
    tifffile.imwrite(tmp_path / "rgb.tif", np.zeros((24, 32, 3), np.uint8), photometric="rgb")
    tifffile.imwrite(tmp_path / "rgbs.tif", np.zeros((5, 24, 32, 3), np.uint8), photometric="rgb")
    tifffile.imwrite(tmp_path / "channels.tif", np.zeros((5, 2, 24, 32), np.uint16), imagej=True,
                     metadata={"axes": "TCYX"})
    (tmp_path / "lonely.raw").write_bytes(movie.tobytes())  # no YAML
    (tmp_path / "fake.tif").write_bytes(b"not a tiff at all")
    for name in ("one.tif", "rgb.tif", "rgbs.tif", "channels.tif", "lonely.raw", "fake.tif", "missing.tif"):
        assert not is_acquisition(tmp_path / name), name


def test_clear_refusals(tmp_path, movie):
    tifffile.imwrite(tmp_path / "rgbs.tif", np.zeros((5, 24, 32, 3), np.uint8), photometric="rgb")
    with pytest.raises(ValueError, match="colour image"):
        open_acquisition(tmp_path / "rgbs.tif")
    tifffile.imwrite(tmp_path / "channels.tif", np.zeros((5, 2, 24, 32), np.uint16), imagej=True,
                     metadata={"axes": "TCYX"})
    with pytest.raises(ValueError, match="2 channels"):
        open_acquisition(tmp_path / "channels.tif")
    (tmp_path / "lonely.raw").write_bytes(movie.tobytes())
    with pytest.raises(ValueError, match="needs its lonely.yaml"):
        open_acquisition(tmp_path / "lonely.raw")
    with pytest.raises(ValueError, match="no such file"):
        open_acquisition(tmp_path / "missing.tif")
    (tmp_path / "fake.tif").write_bytes(b"not a tiff at all")
    with pytest.raises(ValueError, match="not a readable TIFF"):
        open_acquisition(tmp_path / "fake.tif")
    with tifffile.TiffWriter(tmp_path / "sizes.tif") as tw:  # frames of different sizes
        for frame in (movie[0], movie[1], movie[2, :10]):
            tw.write(frame, contiguous=False, metadata=None)
    with pytest.raises(ValueError, match="frames of different sizes"):
        open_acquisition(tmp_path / "sizes.tif")
    nd2 = pytest.importorskip("nd2")
    del nd2
    (tmp_path / "bad.nd2").write_bytes(b"nonsense")
    with pytest.raises(ValueError, match="not a readable ND2"):
        open_acquisition(tmp_path / "bad.nd2")


def test_chunks_hold_a_few_mebibytes_of_frames():
    assert chunk_frames((256, 256), np.uint16) == 32
    assert chunk_frames((512, 512), np.uint16) == 8
    assert chunk_frames((2048, 2048), np.float32) == 1
    assert chunk_frames((16, 16), np.uint8) == 64


class _StandInND2:
    """What ``nd2.ND2File`` offers the reader (sizes, to_dask, voxel_size) with frames of known values (the nd2
    package reads, never writes); the real Nikon file of ``tests/data/nd2`` is checked below."""

    def __init__(self, path, sizes, data, um_per_px):
        self.sizes, self._data, self._um = sizes, data, um_per_px
        self.metadata = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def to_dask(self):
        import dask.array as da

        return da.from_array(self._data, chunks=(1,) * (self._data.ndim - 2) + self._data.shape[-2:])

    def voxel_size(self):
        from types import SimpleNamespace

        return SimpleNamespace(x=self._um, y=self._um, z=1.0)

    def close(self):
        pass


def test_nd2_movies_through_the_nd2_package(tmp_path, monkeypatch, movie):
    nd2 = pytest.importorskip("nd2")
    path = tmp_path / "run.nd2"
    path.write_bytes(b"stand-in")
    tz = movie.reshape(20, 2, 24, 32)  # time and z: 40 frames
    monkeypatch.setattr(nd2, "ND2File", lambda p: _StandInND2(p, {"T": 20, "Z": 2, "Y": 24, "X": 32}, tz, 0.16))
    assert is_acquisition(path)
    acq = open_acquisition(path)
    assert acq.pixel_size_nm == pytest.approx(160.0) and _is_lazy(acq.frames, movie.shape)
    np.testing.assert_array_equal(np.asarray(acq.frames), movie)
    two = np.stack([movie, movie], axis=1)
    monkeypatch.setattr(nd2, "ND2File", lambda p: _StandInND2(p, {"T": 40, "C": 2, "Y": 24, "X": 32}, two, 0.16))
    with pytest.raises(ValueError, match="2 channels"):
        open_acquisition(path)


REAL_ND2 = os.path.join(os.path.dirname(__file__), os.pardir, "data", "nd2", "cluster.nd2")


def test_a_real_nikon_nd2_opens_one_channel_at_a_time():
    """NIS-Elements' own file (T 3 x Z 10 x C 2 x 31 x 38, 0.1678 um/px; tests/data/nd2/README.md)."""
    nd2 = pytest.importorskip("nd2")
    assert is_acquisition(REAL_ND2)
    with pytest.raises(ValueError, match=r"2 channels \(0 = 5-FAM/pH 9.0, 1 = FM 4-64/2% CHAPS\).*--channel"):
        open_acquisition(REAL_ND2)
    with pytest.raises(ValueError, match="channel=2 does not exist"):
        open_acquisition(REAL_ND2, channel=2)
    whole = nd2.imread(REAL_ND2)  # (T, Z, C, Y, X), read by the package's other path
    for c, (name, total) in enumerate((("5-FAM/pH 9.0", 3814184), ("FM 4-64/2% CHAPS", 1018707))):
        acq = open_acquisition(REAL_ND2, channel=c)
        assert acq.channel == name and acq.pixel_size_nm == pytest.approx(167.809, abs=1e-3)
        assert _is_lazy(acq.frames, (30, 31, 38)) and acq.frames.dtype == np.uint16
        frames = np.asarray(acq.frames)  # read after the file was closed: the dask array reopens it
        np.testing.assert_array_equal(frames, whole[:, :, c].reshape(30, 31, 38))
        assert int(frames.sum(dtype=np.int64)) == total
    assert int(np.asarray(open_acquisition(REAL_ND2, channel=0).frames)[14, 15, 19]) == 258  # T 1, Z 4


def test_napari_reader_gives_a_multichannel_nd2_one_layer_per_channel():
    pytest.importorskip("nd2")
    from napari_maliang._io import get_acquisition_reader

    layers = get_acquisition_reader(REAL_ND2)(REAL_ND2)
    assert [kw["name"] for _, kw, kind in layers] == ["cluster [5-FAM/pH 9.0]", "cluster [FM 4-64/2% CHAPS]"]
    for (data, kw, kind), acq in zip(layers, open_channels(REAL_ND2)):
        assert kind == "image" and data.shape == (30, 31, 38)
        assert kw["metadata"]["channel"] == acq.channel and kw["metadata"]["pixel_size_source"] == "file"
        assert kw["scale"][1] == pytest.approx(167.809, abs=1e-3) and kw["units"] == ("pixel", "nm", "nm")


def test_single_channel_files_take_channel_0_or_none(tmp_path, movie):
    tifffile.imwrite(tmp_path / "m.tif", movie)
    assert open_acquisition(tmp_path / "m.tif", channel=0).channel is None
    assert len(open_channels(tmp_path / "m.tif")) == 1
    with pytest.raises(ValueError, match="has one channel; channel=1 does not exist"):
        open_acquisition(tmp_path / "m.tif", channel=1)


def test_cli_localizes_a_chosen_channel_of_a_real_nd2(tmp_path, capsys):
    pytest.importorskip("nd2")
    from napari_maliang.cli import main
    from napari_maliang.smlm.io import read_localizations

    out = tmp_path / "locs.hdf5"  # picasso's table: its YAML carries the pixel size
    assert main(["localize", REAL_ND2, "-o", str(out), "--channel", "1"]) == 0
    err = capsys.readouterr().err
    assert "pixel size: 167.809 nm (from the file)" in err and "(30, 31, 38)" in err
    table = read_localizations(out)
    assert table.attrs["pixel_size_nm"] == pytest.approx(167.809, abs=1e-3) and table.attrs["frame_shape"] == (31, 38)
    assert main(["localize", REAL_ND2, "-o", str(tmp_path / "x.csv"), "--quiet"]) != 0  # no channel: refused
    assert "2 channels" in capsys.readouterr().err
