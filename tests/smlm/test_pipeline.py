import numpy as np
import pandas as pd
import pytest
import tifffile

from napari_maliang._backend import has_gpu
from napari_maliang.smlm.camera import Camera
from napari_maliang.smlm.pipeline import (
    COLUMNS,
    LocalizeProgress,
    estimate_psf_sigma,
    iter_localize,
    localize,
    localize_steps,
)
from napari_maliang.smlm.simulate import simulate_movie


@pytest.fixture(scope="module")
def data():
    return simulate_movie(frames=24, shape=(64, 80), n_emitters=8, photons=(800, 3000), background=20,
                          min_distance=9, seed=11)


def match(truth, locs, radius=1.0):
    """Greedy one-to-one matching per frame; returns (n_true_positive, errors (n, 2) as dx, dy)."""
    tp, errs = 0, []
    for f, t in truth.groupby("frame"):
        d = locs[locs.frame == f]
        if len(d) == 0:
            continue
        dist = np.hypot(t.x.to_numpy()[:, None] - d.x.to_numpy()[None], t.y.to_numpy()[:, None] - d.y.to_numpy()[None])
        used = set()
        for i in np.argsort(dist.min(axis=1)):
            j = int(np.argmin(np.where([k in used for k in range(dist.shape[1])], np.inf, dist[i])))
            if dist[i, j] < radius and j not in used:
                used.add(j)
                tp += 1
                errs.append((d.x.to_numpy()[j] - t.x.to_numpy()[i], d.y.to_numpy()[j] - t.y.to_numpy()[i]))
    return tp, np.array(errs)


def test_recall_precision_and_accuracy(data):
    movie, truth = data
    locs = localize(movie, backend="cpu")
    assert list(locs.columns) == list(COLUMNS)
    assert locs["frame"].dtype == np.int64
    tp, err = match(truth, locs)
    assert tp == len(truth)  # recall 1 on isolated emitters
    assert tp == len(locs)  # precision 1
    rmse = np.sqrt((err**2).mean(axis=0))
    assert (rmse < 0.08).all()
    assert abs(err.mean()) < 0.02
    # reported precision close to the observed one (CRLB-based)
    ratio = rmse / np.sqrt((locs[["uncertainty_x", "uncertainty_y"]].to_numpy() ** 2).mean(axis=0))
    assert ((ratio > 0.7) & (ratio < 1.4)).all()
    np.testing.assert_allclose(np.median(locs.sigma), 1.3, atol=0.05)
    assert locs.attrs["pixel_size_nm"] == 100 and locs.attrs["frame_shape"] == (64, 80)
    assert locs.attrs["partial"] is False and locs.attrs["n_frames"] == 24


def test_chunking_memmap_and_2d_give_same_table(data, tmp_path):
    movie, _ = data
    ref = localize(movie, chunk_frames=24, backend="cpu")
    pd.testing.assert_frame_equal(localize(movie, chunk_frames=5, backend="cpu"), ref)
    tifffile.imwrite(tmp_path / "m.tif", movie)
    mm = tifffile.memmap(tmp_path / "m.tif", mode="r")
    pd.testing.assert_frame_equal(localize(mm, chunk_frames=7, backend="cpu"), ref)
    one = localize(movie[3], backend="cpu")  # 2-D = one frame, frame index 0
    expected = ref[ref.frame == 3].reset_index(drop=True).assign(frame=0)
    pd.testing.assert_frame_equal(one, expected)


def test_dask_and_distributed_give_same_table(data):
    da = pytest.importorskip("dask.array")
    distributed = pytest.importorskip("distributed")
    movie, _ = data
    ref = localize(movie, chunk_frames=6, backend="cpu")
    lazy = da.from_array(movie, chunks=(4, -1, -1))
    pd.testing.assert_frame_equal(localize(lazy, chunk_frames=6, backend="cpu"), ref)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as c:
        with distributed.Client(c):
            got = localize(lazy, chunk_frames=6, backend="cpu")
    pd.testing.assert_frame_equal(got, ref)


def test_camera_conversion():
    movie, truth = simulate_movie(frames=6, shape=(64, 80), n_emitters=8, photons=2000, background=20,
                                  min_distance=9, gain=2.0, offset=100.0, seed=5)
    locs = localize(movie, camera=Camera(gain=2.0, offset=100.0), backend="cpu")
    assert len(locs) == len(truth)
    np.testing.assert_allclose(np.median(locs.photons), 2000, rtol=0.05)
    np.testing.assert_allclose(np.median(locs.background), 20, rtol=0.1)
    em = localize(movie, camera={"gain": 2.0, "offset": 100.0, "em_gain": 1.0 + 1e-9}, backend="cpu")
    assert len(em) == len(locs)  # EMCCD: same positions, precision worse by the excess-noise factor
    np.testing.assert_allclose(em.uncertainty_x / locs.uncertainty_x, np.sqrt(2), rtol=1e-3)


def test_progress_and_cancel(data):
    movie, _ = data
    gen = localize_steps(movie, chunk_frames=4, backend="cpu")
    items = [next(gen), next(gen), next(gen)]
    assert all(isinstance(p, LocalizeProgress) for p in items)
    assert [p.frames_done for p in items] == [0, 4, 8]
    assert items[-1].total == 24
    last = items[-1]
    assert last.message == (f"8/24 frames ({last.frames_per_s:,.0f} frames/s), {last.n_localizations} "
                            f"localizations ({last.locs_per_s:,.0f} locs/s)")
    assert last.frames_per_s > 0 and last.locs_per_s == pytest.approx(last.n_localizations / 8 * last.frames_per_s)
    gen.close()  # cancel
    partial = items[-1].partial()
    assert partial.attrs["partial"] is True and partial.attrs["frames_done"] == 8
    assert len(partial) == items[-1].n_localizations and partial.frame.max() < 8
    seen = []
    full = localize(movie, chunk_frames=10, progress=seen.append, backend="cpu")
    assert seen[-1].frames_done == 24 and full.attrs["partial"] is False


def test_no_molecules_and_saturated_frames():
    empty = localize(np.random.default_rng(0).poisson(20, (3, 32, 32)).astype(np.uint16), backend="cpu")
    assert list(empty.columns) == list(COLUMNS) and len(empty) <= 1
    sat = localize(np.full((2, 32, 32), 65535, np.uint16), backend="cpu")
    assert len(sat) == 0


@pytest.mark.parametrize(
    ("movie", "kwargs", "error", "match"),
    [
        (np.zeros((2, 32, 32)), {"box": 6}, ValueError, "odd"),
        (np.zeros((2, 32, 32)), {"box": 41}, ValueError, "larger than the frame"),
        (np.zeros((2, 2, 32, 32)), {}, ValueError, "shape"),
        (np.zeros((2, 32, 32), bool), {}, TypeError, "dtype"),
        (np.zeros((2, 32, 32), complex), {}, TypeError, "dtype"),
        ("movie.tif", {}, TypeError, "array"),
        (np.zeros((2, 32, 32)), {"psf_sigma": 0}, ValueError, "psf_sigma"),
        (np.zeros((2, 32, 32)), {"camera": Camera, "backend": "cpu"}, TypeError, "camera"),
        (np.zeros((2, 32, 32)), {"backend": "tpu"}, ValueError, "backend"),
        (np.zeros((2, 32, 32)), {"chunk_frames": 0}, ValueError, "chunk_frames"),
    ],
)
def test_bad_input(movie, kwargs, error, match):
    with pytest.raises(error, match=match):
        localize(movie, **kwargs)


def test_nan_pixels_rejected(data):
    movie = data[0][:4].astype(np.float32)
    movie[2, 5, 5] = np.nan
    with pytest.raises(ValueError, match="frame 2 contains NaN"):
        localize(movie, backend="cpu")


def test_estimate_psf_sigma(data):
    movie, _ = data
    assert estimate_psf_sigma(movie, backend="cpu") == pytest.approx(1.3, abs=0.05)
    with pytest.raises(ValueError, match="spots"):
        estimate_psf_sigma(np.zeros((3, 32, 32), np.uint16), backend="cpu")


@pytest.mark.gpu
@pytest.mark.skipif(not has_gpu(), reason="needs a CUDA device")
def test_gpu_table_matches_cpu(data):
    movie, _ = data
    cpu = localize(movie, backend="cpu")
    gpu = localize(movie, backend="gpu")
    assert len(cpu) == len(gpu)
    np.testing.assert_allclose(gpu[["x", "y"]].to_numpy(), cpu[["x", "y"]].to_numpy(), atol=1e-3)


def test_cli_localize(data, tmp_path, capsys):
    from napari_maliang.cli import main
    from napari_maliang.smlm.io import read_localizations

    movie, _ = data
    tifffile.imwrite(tmp_path / "stack.tif", movie)
    assert main(["localize", str(tmp_path / "stack.tif"), "-o", str(tmp_path / "locs.csv"), "--pixel-size", "130",
                 "--backend", "cpu", "--chunk-frames", "5"]) == 0
    err = capsys.readouterr().err
    assert "24/24 frames" in err and "locs/s" in err  # text progress bar
    expected = localize(movie, backend="cpu")
    got = read_localizations(tmp_path / "locs.csv", pixel_size_nm=130)
    np.testing.assert_allclose(got[["x", "y"]].to_numpy(), expected[["x", "y"]].to_numpy(), atol=1e-5)
    assert main(["localize", str(tmp_path / "stack.tif"), "-o", str(tmp_path / "locs.hdf5"), "--format", "picasso",
                 "--quiet", "--backend", "cpu"]) == 0
    assert read_localizations(tmp_path / "locs.hdf5").attrs["frame_shape"] == (64, 80)
    data_bytes = (tmp_path / "stack.tif").read_bytes()
    (tmp_path / "cut.tif").write_bytes(data_bytes[: len(data_bytes) // 2])
    # a truncated movie: said on stderr, and the whole frames before the damage are localized
    assert main(["localize", str(tmp_path / "cut.tif"), "-o", str(tmp_path / "x.csv"), "--quiet",
                 "--backend", "cpu"]) == 0
    err = capsys.readouterr().err
    assert "truncated" in err and "the 12 of 24 whole frames before the damage are kept" in err  # 12.0 frames of data
    cut = read_localizations(tmp_path / "x.csv", pixel_size_nm=100)
    kept = cut["frame"].max() + 1
    assert 10 <= kept <= 12
    early = expected[expected.frame < kept]
    np.testing.assert_allclose(cut[["x", "y"]].to_numpy(), early[["x", "y"]].to_numpy(), atol=1e-3)
    # a wrong output is refused before the run, and the input is never the output
    assert main(["localize", str(tmp_path / "stack.tif"), "-o", str(tmp_path / "locs.txt"), "--quiet"]) == 2
    assert "cannot tell the localization format" in capsys.readouterr().err
    assert main(["localize", str(tmp_path / "stack.tif"), "-o", str(tmp_path / "stack.tif"), "--format", "picasso",
                 "--quiet"]) == 2
    assert "is the input file" in capsys.readouterr().err
    assert (tmp_path / "stack.tif").read_bytes() == data_bytes


def test_cli_localize_picasso_raw_on_a_dask_cluster(data, tmp_path, capsys):
    """``maliang localize movie.raw --scheduler ADDRESS``: the same table as a local run of the array."""
    import yaml

    distributed = pytest.importorskip("distributed")
    from napari_maliang.cli import main
    from napari_maliang.smlm.io import read_localizations

    movie, _ = data
    (tmp_path / "m.raw").write_bytes(movie.astype("<u2").tobytes())
    (tmp_path / "m.yaml").write_text(yaml.safe_dump({"Width": 80, "Height": 64, "Frames": len(movie),
                                                     "Data Type": "uint16", "Byte Order": "<", "Pixelsize": 117}))
    expected = localize(movie, backend="cpu")
    # worker processes, as a real cluster's: the chunks' tasks must travel (pickled) to them
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as c:
        assert main(["localize", str(tmp_path / "m.raw"), "-o", str(tmp_path / "m.csv"), "--backend", "cpu",
                     "--chunk-frames", "5", "--scheduler", c.scheduler_address]) == 0
        ran = c.scheduler.task_prefixes  # what the cluster computed, by task name
    assert ran["localize_block"].all_durations["compute"] > 0  # the frames were localized on the workers
    err = capsys.readouterr().err
    assert "pixel size: 117 nm (from the file)" in err
    got = read_localizations(tmp_path / "m.csv", pixel_size_nm=117)
    np.testing.assert_array_equal(got["frame"], expected["frame"])
    np.testing.assert_allclose(got[["x", "y"]].to_numpy(), expected[["x", "y"]].to_numpy(), atol=1e-4)
    np.testing.assert_allclose(got[["photons", "background", "sigma"]].to_numpy(),
                               expected[["photons", "background", "sigma"]].to_numpy(), rtol=1e-4)
    assert main(["localize", str(tmp_path / "m.raw"), "-o", str(tmp_path / "n.csv"), "--quiet",
                 "--scheduler", "tcp://127.0.0.1:1"]) == 2
    assert "cannot reach the dask scheduler" in capsys.readouterr().err


def test_cli_localize_says_when_the_pixel_size_is_assumed(data, tmp_path, capsys):
    from napari_maliang.cli import main

    movie, _ = data
    tifffile.imwrite(tmp_path / "stack.tif", movie[:3], photometric="minisblack")
    assert main(["localize", str(tmp_path / "stack.tif"), "-o", str(tmp_path / "l.csv"), "--quiet",
                 "--backend", "cpu"]) == 0
    assert "pixel size: 100 nm (assumed: the file does not say; give --pixel-size)" in capsys.readouterr().err


def test_palm_sample():
    from napari_maliang.smlm.sample import palm_sample, palm_sample_layers

    movie, truth = palm_sample(frames=30, shape=(64, 64))
    assert movie.shape == (30, 64, 64) and movie.dtype == np.uint16
    assert {"frame", "x", "y", "photons"} <= set(truth.columns) and len(truth) > 0
    layers = palm_sample_layers()
    assert [kind for *_, kind in layers] == ["image", "points"]
    assert layers[1][0].shape[1] == 3 and len(layers[1][1]["features"]) == len(layers[1][0])


def test_iter_localize_is_a_deprecated_name_of_localize_steps():
    movie = np.random.default_rng(0).poisson(5, (2, 16, 16)).astype(np.uint16)
    with pytest.warns(DeprecationWarning, match="localize_steps"):
        gen = iter_localize(movie, backend="cpu")
    with pytest.raises(StopIteration) as stop:
        while True:
            next(gen)
    assert list(stop.value.value.columns) == list(COLUMNS)
