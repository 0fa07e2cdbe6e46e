"""Drift correction against simulated ground truth (paper 3.3 / Fig. 6; Wang et al. 2014 RCC)."""

import numpy as np
import pandas as pd
import pytest

from napari_maliang.smlm import correct_drift
from napari_maliang.smlm.drift import apply_drift, find_fiducials
from napari_maliang.smlm.scenes import bead_table, drift_trajectory, filament_scene


def residual_nm(drift, truth_drift, pixel_nm=100.0):
    est = np.stack([drift["dy"].to_numpy(), drift["dx"].to_numpy()], axis=1)
    err = est - truth_drift
    err -= err.mean(axis=0)  # a constant offset is not drift
    return float(np.sqrt((err**2).sum(axis=1).mean()) * pixel_nm)


@pytest.fixture(scope="module")
def bead_scene():
    # filaments with sparse blinking + one 5000-photon bead over 10,000 frames, 100 nm pixels
    return filament_scene(n_frames=10_000, n_beads=1, bead_photons=5000, locs_per_frame=5, drift_amplitude=2.0, seed=11)


def test_fiducial_residual_below_2nm(bead_scene):
    locs, truth = bead_scene
    before = locs.copy()
    corrected, drift = correct_drift(locs, method="fiducial")
    pd.testing.assert_frame_equal(locs, before)  # input untouched
    assert list(drift["frame"]) == list(range(10_000))
    assert {"frame", "dx", "dy", "dx_fiducial", "dy_fiducial"} <= set(drift.columns)
    assert drift.loc[0, "dx"] == 0 and drift.loc[0, "dy"] == 0
    assert residual_nm(drift, truth.drift) <= 2.0
    np.testing.assert_allclose(drift.attrs["fiducials"], truth.beads + truth.drift.mean(0), atol=1.0)
    # corrected filament localizations collapse back onto the truth (drift removed)
    f = corrected["frame"].to_numpy()
    shift = corrected["x"].to_numpy() - (locs["x"].to_numpy() - truth.drift[f, 1])
    assert np.std(shift) < 0.02


def test_fiducial_user_positions_and_removal(bead_scene):
    locs, truth = bead_scene
    corrected, drift = correct_drift(locs, method="fiducial", fiducials=truth.beads, remove_fiducials=True)
    assert residual_nm(drift, truth.drift) <= 2.0
    assert len(corrected) < len(locs) - 9000  # the bead's ~9800 localizations are gone


def test_find_fiducials_ignores_filaments(bead_scene):
    locs, truth = bead_scene
    found = find_fiducials(locs)
    assert found.shape == (1, 2)
    assert np.hypot(*(found[0] - truth.beads[0])) < 2.5


def test_no_fiducial_found_is_a_clear_error():
    locs, _ = filament_scene(n_frames=2000, n_beads=0, seed=3)
    with pytest.raises(ValueError, match="no fiducial found"):
        correct_drift(locs, method="fiducial")
    with pytest.raises(ValueError, match="no fiducial found at"):
        correct_drift(locs, method="fiducial", fiducials=[(1.0, 1.0)])


def test_rcc_residual_below_5nm():
    locs, truth = filament_scene(n_frames=10_000, n_beads=0, locs_per_frame=10, drift_amplitude=2.0, seed=5)
    before = locs.copy()
    corrected, drift = correct_drift(locs, method="rcc", segment_frames=1000)
    pd.testing.assert_frame_equal(locs, before)
    assert len(drift) == 10_000 and list(drift.columns[:3]) == ["frame", "dx", "dy"]
    assert residual_nm(drift, truth.drift) <= 5.0
    assert drift.attrs["pairs"]["total"] == 45


def test_rcc_errors():
    locs, _ = filament_scene(n_frames=1000, locs_per_frame=0.02, seed=4)
    with pytest.raises(ValueError, match="too few localizations"):
        correct_drift(locs, method="rcc", segment_frames=200)
    with pytest.raises(ValueError, match="at least two time segments"):
        correct_drift(locs, method="rcc", segment_frames=5000)


def test_bad_arguments():
    locs, _ = filament_scene(n_frames=100, seed=0)
    with pytest.raises(ValueError, match="method"):
        correct_drift(locs, method="aim")
    with pytest.raises(ValueError, match="unknown option"):
        correct_drift(locs, method="rcc", radius=2)
    with pytest.raises(ValueError, match="lacks column"):
        correct_drift(locs.drop(columns="frame"))
    with pytest.raises(TypeError):
        correct_drift(locs.to_numpy())


def test_apply_drift_round_trip():
    drift = drift_trajectory(50, amplitude=1.0, seed=2)
    locs = bead_table([(10.0, 12.0)], drift, photons=1e9, seed=1)
    table = pd.DataFrame({"frame": np.arange(50), "dx": drift[:, 1], "dy": drift[:, 0]})
    out = apply_drift(locs, table)
    np.testing.assert_allclose(out["x"], 12.0, atol=1e-3)
    np.testing.assert_allclose(out["y"], 10.0, atol=1e-3)


def test_cli_drift(tmp_path, capsys):
    from napari_maliang import cli

    locs, truth = filament_scene(n_frames=3000, n_beads=1, locs_per_frame=3, seed=8)
    from napari_maliang.smlm import write_localizations

    src = tmp_path / "locs.csv"
    write_localizations(locs, src)  # ThunderSTORM CSV (nm)
    out = tmp_path / "corrected.hdf5"  # picasso
    table = tmp_path / "drift.csv"
    argv = ["drift", str(src), "-o", str(out), "--drift-table", str(table), "--quiet"]
    assert cli.main(argv) == 0
    drift = pd.read_csv(table)
    assert len(drift) == 3000 and residual_nm(drift, truth.drift) < 3.0
    from napari_maliang._cli.palm_analysis import read_table

    assert len(read_table(str(out))) == len(locs)
    # nothing is overwritten without --overwrite, never the input
    assert cli.main(argv) == 2
    assert "exists" in capsys.readouterr().err
    assert cli.main(["drift", str(src), "-o", str(src), "--quiet"]) == 2
    assert "input" in capsys.readouterr().err
    assert cli.main(["drift", str(src), "-o", str(tmp_path / "x.csv"), "--method", "rcc",
                     "--segment-frames", "5000", "--quiet"]) == 2
    assert "two time segments" in capsys.readouterr().err
    assert not (tmp_path / "x.csv").exists()


def test_rcc_on_a_movie_cropped_in_time():
    locs, truth = filament_scene(n_frames=4000, n_beads=0, locs_per_frame=10, drift_amplitude=1.0, seed=9)
    late = locs[locs["frame"] >= 1500].reset_index(drop=True)
    corrected, drift = correct_drift(late, method="rcc", segment_frames=500)
    assert len(drift) == 4000
    assert residual_nm(drift.iloc[1500:], truth.drift[1500:]) <= 5.0


def test_cli_plain_csv_frames_must_be_whole_numbers(tmp_path):
    from napari_maliang._cli.palm_analysis import read_table

    (tmp_path / "ok.csv").write_text("frame,x,y\n0,1.5,2.5\n3.0,4,5\n")
    assert read_table(str(tmp_path / "ok.csv"))["frame"].tolist() == [0, 3]
    (tmp_path / "bad.csv").write_text("frame,x,y\n0,1.5,2.5\n1.7,4,5\n")  # was truncated to frame 1
    with pytest.raises(ValueError, match="whole"):
        read_table(str(tmp_path / "bad.csv"))
    (tmp_path / "nan.csv").write_text("frame,x,y\n0,1.5,2.5\n,4,5\n")
    with pytest.raises(ValueError, match="whole"):
        read_table(str(tmp_path / "nan.csv"))
