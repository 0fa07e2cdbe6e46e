import numpy as np
import pandas as pd
import pytest
import tifffile
import yaml

from napari_maliang.smlm.io import (
    PICASSO_COLUMNS,
    THUNDERSTORM_COLUMNS,
    open_stack,
    read_localizations,
    write_localizations,
)

COLUMNS = ["frame", "x", "y", "photons", "background", "sigma", "uncertainty_x", "uncertainty_y", "log_likelihood"]


@pytest.fixture
def locs():
    rng = np.random.default_rng(0)
    n = 50
    df = pd.DataFrame(
        {
            "frame": np.sort(rng.integers(0, 20, n)).astype(np.int64),
            "x": rng.uniform(-0.4, 63.4, n),
            "y": rng.uniform(-0.4, 47.4, n),
            "photons": rng.uniform(500, 3000, n).astype(np.float32),
            "background": rng.uniform(10, 30, n).astype(np.float32),
            "sigma": rng.uniform(1.1, 1.5, n).astype(np.float32),
            "uncertainty_x": rng.uniform(0.02, 0.1, n).astype(np.float32),
            "uncertainty_y": rng.uniform(0.02, 0.1, n).astype(np.float32),
            "log_likelihood": rng.uniform(-200, -100, n).astype(np.float32),
        }
    )
    df.attrs.update(pixel_size_nm=130.0, frame_shape=(48, 64), n_frames=20)
    return df


def _same(a, b, atol):
    assert list(a.columns[: len(COLUMNS)]) == COLUMNS
    np.testing.assert_array_equal(a["frame"].to_numpy(), b["frame"].to_numpy())
    for c in COLUMNS[1:]:
        np.testing.assert_allclose(a[c].to_numpy(np.float64), b[c].to_numpy(np.float64), atol=atol, rtol=1e-5)


def test_thunderstorm_round_trip_and_format(tmp_path, locs):
    path = tmp_path / "locs.csv"
    write_localizations(locs, path, format="thunderstorm")
    header = path.read_text().splitlines()[0]
    names = [h.strip('"') for h in header.split(",")]
    assert names[: len(THUNDERSTORM_COLUMNS)] == list(THUNDERSTORM_COLUMNS)
    raw = pd.read_csv(path)
    # ThunderSTORM units: nm, 1-based frames, ImageJ corner origin
    np.testing.assert_allclose(raw["x [nm]"], (locs["x"] + 0.5) * 130, rtol=1e-7)
    np.testing.assert_array_equal(raw["frame"], locs["frame"] + 1)
    np.testing.assert_allclose(raw["sigma [nm]"], locs["sigma"] * 130, rtol=1e-6)
    back = read_localizations(path, pixel_size_nm=130)
    _same(back, locs, atol=1e-6)
    assert back.attrs["pixel_size_nm"] == 130 and back.attrs["pixel_size_source"] == "argument"
    # ThunderSTORM's own columns come back under their names, and a second round trip changes nothing
    np.testing.assert_array_equal(back["id"], np.arange(1, len(locs) + 1))
    again = tmp_path / "again.csv"
    write_localizations(back, again)
    assert again.read_text() == path.read_text()


def test_thunderstorm_foreign_file(tmp_path):
    path = tmp_path / "ts.csv"
    path.write_text(
        '"id","frame","x [nm]","y [nm]","sigma [nm]","intensity [photon]","offset [photon]","bkgstd [photon]",'
        '"uncertainty [nm]"\n1,1,150.0,250.0,130.0,1000,20,4.5,10.0\n'
    )
    df = read_localizations(path, pixel_size_nm=100)
    assert df.loc[0, "frame"] == 0
    assert df.loc[0, "x"] == pytest.approx(1.0) and df.loc[0, "y"] == pytest.approx(2.0)
    assert df.loc[0, "uncertainty_x"] == pytest.approx(0.1)
    assert np.isnan(df.loc[0, "log_likelihood"])


def test_picasso_round_trip_and_format(tmp_path, locs):
    import h5py

    path = tmp_path / "locs.hdf5"
    written = write_localizations(locs, path, format="picasso")
    assert (tmp_path / "locs.yaml").is_file() and path in written
    with h5py.File(path) as fh:
        rec = fh["locs"][...]
    assert rec.dtype.names[: len(PICASSO_COLUMNS)] == PICASSO_COLUMNS
    assert rec.dtype["frame"] == np.uint32 and rec.dtype["x"] == np.float32
    np.testing.assert_allclose(rec["lpx"], locs["uncertainty_x"], rtol=1e-6)
    info = list(yaml.safe_load_all((tmp_path / "locs.yaml").read_text()))
    merged = {k: v for d in info for k, v in d.items()}
    assert merged["Width"] == 64 and merged["Height"] == 48 and merged["Frames"] == 20
    assert merged["Pixelsize"] == 130
    back = read_localizations(path)
    _same(back, locs, atol=1e-5)
    assert back.attrs["pixel_size_nm"] == 130 and back.attrs["frame_shape"] == (48, 64)
    assert back.attrs["pixel_size_source"] == "file"
    np.testing.assert_allclose(back["sigma_x"], locs["sigma"], rtol=1e-6)  # picasso's sx, under our name


def test_format_from_extension_and_errors(tmp_path, locs):
    write_localizations(locs, tmp_path / "a.csv")
    write_localizations(locs, tmp_path / "a.hdf5")
    assert len(read_localizations(tmp_path / "a.csv")) == len(locs)
    assert len(read_localizations(tmp_path / "a.hdf5")) == len(locs)
    with pytest.raises(ValueError, match="format"):
        write_localizations(locs, tmp_path / "a.txt")
    with pytest.raises(ValueError, match="format"):
        write_localizations(locs, tmp_path / "a.csv", format="excel")
    with pytest.raises(ValueError, match="column"):
        write_localizations(locs.drop(columns="x"), tmp_path / "b.csv")
    with pytest.raises(TypeError):
        write_localizations(locs.to_numpy(), tmp_path / "b.csv")
    with pytest.raises(ValueError, match="no such"):
        read_localizations(tmp_path / "missing.csv")


def test_truncated_files_raise(tmp_path, locs):
    write_localizations(locs, tmp_path / "a.hdf5")
    data = (tmp_path / "a.hdf5").read_bytes()
    (tmp_path / "cut.hdf5").write_bytes(data[: len(data) // 3])
    with pytest.raises(ValueError, match="picasso"):
        read_localizations(tmp_path / "cut.hdf5")
    write_localizations(locs, tmp_path / "a.csv")
    text = (tmp_path / "a.csv").read_text()
    (tmp_path / "cut.csv").write_text(text[: len(text) // 2].rsplit(",", 3)[0])
    with pytest.raises(ValueError, match="truncated"):
        read_localizations(tmp_path / "cut.csv")
    (tmp_path / "junk.csv").write_text("hello,world\n1,2\n")
    with pytest.raises(ValueError, match="ThunderSTORM"):
        read_localizations(tmp_path / "junk.csv")


def test_write_is_atomic(tmp_path, locs, monkeypatch):
    path = tmp_path / "keep.csv"
    write_localizations(locs, path)
    before = path.read_bytes()

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_csv", boom)
    with pytest.raises(OSError):
        write_localizations(locs.iloc[:5], path)
    assert path.read_bytes() == before  # old file intact
    assert [p.name for p in tmp_path.iterdir()] == ["keep.csv"]  # no temporary left behind


@pytest.mark.parametrize("name", ["mode.csv", "mode.hdf5"])
def test_written_files_get_the_mode_open_would_give(tmp_path, locs, name):
    # the atomic write goes through a private temporary file (0600); the result must not stay private
    import os
    import stat

    (tmp_path / "plain").write_text("x")
    expected = stat.S_IMODE(os.stat(tmp_path / "plain").st_mode)
    write_localizations(locs, tmp_path / name)
    written = [tmp_path / name] + ([tmp_path / "mode.yaml"] if name.endswith(".hdf5") else [])
    assert [stat.S_IMODE(os.stat(p).st_mode) for p in written] == [expected] * len(written)


def test_empty_table_round_trip(tmp_path, locs):
    empty = locs.iloc[:0].copy()
    for name in ("e.csv", "e.hdf5"):
        write_localizations(empty, tmp_path / name)
        assert len(read_localizations(tmp_path / name)) == 0


def test_open_stack(tmp_path):
    movie = np.random.default_rng(0).integers(0, 1000, (6, 16, 20)).astype(np.uint16)
    tifffile.imwrite(tmp_path / "s.tif", movie)
    mm = open_stack(tmp_path / "s.tif")
    assert isinstance(mm, np.memmap)
    np.testing.assert_array_equal(mm[2:4], movie[2:4])
    tifffile.imwrite(tmp_path / "z.tif", movie, compression="zlib")
    lazy = open_stack(tmp_path / "z.tif")
    assert lazy.shape == movie.shape
    np.testing.assert_array_equal(lazy[1:5], movie[1:5])
    for name in ("s.tif", "z.tif"):
        data = (tmp_path / name).read_bytes()
        (tmp_path / f"cut_{name}").write_bytes(data[: len(data) // 2])
        with pytest.raises(ValueError, match="truncated|corrupt"):
            open_stack(tmp_path / f"cut_{name}")
    (tmp_path / "junk.tif").write_bytes(b"II*\x00garbage")
    with pytest.raises(ValueError):
        open_stack(tmp_path / "junk.tif")


# ------------------------------------------------------- stacks that are not camera frames (audit)


def test_open_stack_refuses_colour_palette_and_channel_tiffs(tmp_path):
    rng = np.random.default_rng(3)
    rgb = rng.integers(0, 255, (24, 20, 3)).astype(np.uint8)
    tifffile.imwrite(tmp_path / "rgb.tif", rgb)  # (H, W, 3) was read as 24 frames of 20 x 3 pixels
    tifffile.imwrite(tmp_path / "rgbs.tif", np.stack([rgb] * 4), compression="zlib")
    cmap = np.zeros((3, 256), np.uint16)
    cmap[:, :4] = [[0, 65535, 0, 0], [0, 0, 65535, 0], [0, 0, 0, 65535]]
    tifffile.imwrite(tmp_path / "pal.tif", rng.integers(0, 4, (24, 20)).astype(np.uint8), photometric="palette",
                     colormap=cmap)  # palette indices were localized as intensities
    movie = rng.integers(0, 255, (4, 2, 24, 20)).astype(np.uint16)
    tifffile.imwrite(tmp_path / "tc.tif", movie, imagej=True, metadata={"axes": "TCYX"})  # channels became frames
    for name, why in (("rgb.tif", "colour"), ("rgbs.tif", "colour"), ("pal.tif", "palette"), ("tc.tif", "channel")):
        with pytest.raises(ValueError, match=why) as err:
            open_stack(tmp_path / name)
        assert "corrupt" not in str(err.value)


def test_open_stack_reads_odd_but_valid_stacks(tmp_path):
    rng = np.random.default_rng(4)
    movie = rng.integers(0, 1000, (5, 16, 20)).astype(np.uint16)
    tifffile.imwrite(tmp_path / "be.tif", movie.astype(">u2"))
    np.testing.assert_array_equal(np.asarray(open_stack(tmp_path / "be.tif")[:], np.float64), movie)
    tifffile.imwrite(tmp_path / "tz.tif", movie[:4].reshape(2, 2, 16, 20), imagej=True, metadata={"axes": "TZYX"})
    assert open_stack(tmp_path / "tz.tif").shape == (4, 16, 20)
    tifffile.imwrite(tmp_path / "one.tif", movie[0])
    np.testing.assert_array_equal(open_stack(tmp_path / "one.tif"), movie[0])
    tifffile.imwrite(tmp_path / "f.tif", movie.astype(np.float32) - 100, photometric="minisblack")
    np.testing.assert_array_equal(open_stack(tmp_path / "f.tif")[:], movie.astype(np.float32) - 100)


def _picasso_file(path, fields, n=4):
    import h5py

    rec = np.zeros(n, dtype=[(name, dtype) for name, dtype in fields])
    for i, (name, _) in enumerate(fields):
        rec[name] = np.arange(n) + i
    with h5py.File(path, "w") as fh:
        fh.create_dataset("locs", data=rec)
    return rec


def test_picasso_columns_we_do_not_use_are_kept_and_written_back(tmp_path):
    fields = [("frame", "<u4"), ("x", "<f4"), ("y", "<f4"), ("photons", "<f4"), ("sx", "<f4"), ("sy", "<f4"),
              ("bg", "<f4"), ("lpx", "<f4"), ("lpy", "<f4"), ("net_gradient", "<f4"), ("z", "<f4"), ("group", "<i4")]
    rec = _picasso_file(tmp_path / "p.hdf5", fields)
    back = read_localizations(tmp_path / "p.hdf5")
    for name in ("net_gradient", "z", "group"):
        np.testing.assert_array_equal(back[name], rec[name])
    np.testing.assert_array_equal(back["sigma_y"], rec["sy"])
    assert back["group"].dtype == np.int32
    write_localizations(back, tmp_path / "q.hdf5", pixel_size_nm=160)
    again = read_localizations(tmp_path / "q.hdf5")
    for name in ("net_gradient", "z", "group", "sigma_x", "sigma_y"):
        np.testing.assert_array_equal(again[name], back[name])
    assert again.attrs["pixel_size_nm"] == 160


def test_picasso_refuses_text_columns_and_name_clashes(tmp_path, locs):
    with pytest.raises(ValueError, match="numbers only"):
        write_localizations(locs.assign(note="a"), tmp_path / "a.hdf5")
    with pytest.raises(ValueError, match="rename"):
        write_localizations(locs.assign(lpx=1.0), tmp_path / "a.hdf5")
    assert not (tmp_path / "a.hdf5").exists()


def test_thunderstorm_columns_we_do_not_use_are_kept(tmp_path):
    path = tmp_path / "ts.csv"
    path.write_text(
        '"id","frame","x [nm]","y [nm]","z [nm]","sigma1 [nm]","sigma2 [nm]","intensity [photon]","detections",'
        '"uncertainty [nm]"\n7,1,150,250,-40,120,140,1000,3,10\n9,4,350,50,25,110,150,900,1,12\n'
    )
    df = read_localizations(path, pixel_size_nm=100)
    np.testing.assert_array_equal(df["id"], [7, 9])
    np.testing.assert_array_equal(df["z [nm]"], [-40, 25])
    np.testing.assert_array_equal(df["detections"], [3, 1])
    np.testing.assert_allclose(df["sigma"], [1.3, 1.3])
    write_localizations(df, tmp_path / "out.csv")
    again = read_localizations(tmp_path / "out.csv", pixel_size_nm=100)
    for name in ("id", "z [nm]", "detections", "sigma1 [nm]"):
        np.testing.assert_array_equal(again[name], df[name])


@pytest.mark.parametrize("frame", ["-5", "0", "2.5"])
def test_thunderstorm_frames_count_from_one(tmp_path, frame):
    path = tmp_path / "ts.csv"
    path.write_text(f'"frame","x [nm]","y [nm]"\n1,10,10\n{frame},150,250\n')
    with pytest.raises(ValueError, match=f"line 3: frame {frame}; ThunderSTORM frames"):
        read_localizations(path)


def test_pixel_size_comes_from_the_file_or_is_said_to_be_assumed(tmp_path):
    path = tmp_path / "run1.csv"
    path.write_text('"frame","x [nm]","y [nm]"\n1,160,240\n')
    df = read_localizations(path)
    assert df.attrs["pixel_size_nm"] == 100 and df.attrs["pixel_size_source"] == "assumed"
    # ThunderSTORM's measurement protocol beside the table (JSON camera settings)
    (tmp_path / "run1-protocol.txt").write_text(
        'ThunderSTORM (dev-2016-09-10-b1)\n{"cameraSettings": {"offset": 414.0, "pixelSize": 160.0}}\n'
    )
    df = read_localizations(path)
    assert df.attrs["pixel_size_nm"] == 160 and df.attrs["pixel_size_source"] == "file"
    assert df.loc[0, "x"] == pytest.approx(0.5)
    assert read_localizations(path, pixel_size_nm=80).attrs["pixel_size_source"] == "argument"
    _picasso_file(tmp_path / "bare.hdf5", [("frame", "<u4"), ("x", "<f4"), ("y", "<f4")])
    assert read_localizations(tmp_path / "bare.hdf5").attrs["pixel_size_source"] == "assumed"
    with pytest.raises(ValueError, match="positive"):
        read_localizations(path, pixel_size_nm=-3)
