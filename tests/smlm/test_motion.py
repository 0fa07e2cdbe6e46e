"""Motion Z-statistics (paper 2.5, 3.3, Figs. 5, 7) on simulated filaments."""

import numpy as np
import pandas as pd
import pytest

from napari_maliang.smlm import motion_z_statistics
from napari_maliang.smlm.motion import motion_analysis, path_coordinates
from napari_maliang.smlm.scenes import motion_scene


def test_50nm_shift_is_detected():
    locs, truth = motion_scene(shifts_nm=[0, 0, 50, 50], seed=1)
    line = truth.filaments[0][[0, -1]]
    table = motion_z_statistics(locs, line, block_frames=1000, band=2.0)
    assert list(table[["set_a", "set_b"]].itertuples(index=False, name=None)) == [(0, 1), (1, 2), (2, 3)]
    assert {"shift", "z", "p_value", "n_a", "n_b", "se_a", "se_b"} <= set(table.columns)
    assert table.loc[1, "z"] > 3
    assert table.loc[1, "shift"] * 100 == pytest.approx(50, abs=8)
    assert table.loc[1, "p_value"] < 0.003
    assert abs(table.loc[0, "z"]) < 3 and abs(table.loc[2, "z"]) < 3


def test_shift_sign_follows_the_normal_on_a_curved_path():
    locs, truth = motion_scene(shifts_nm=[0, -50], n_sets=2, curvature=1.0, seed=2)
    result = motion_analysis(locs, truth.filaments[0], block_frames=1000, band=2.0)
    # the drawn path's left normal is truth.normal, so the shift is negative
    assert result.table.loc[0, "z"] < -3
    assert len(result.profiles) == 2 and len(result.sets) == 2
    assert {"set", "s", "d", "projection"} <= set(result.sets[0].columns)
    assert result.set_frames == [(0, 999), (1000, 1999)]


def test_stationary_filament_z_is_calibrated():
    zs = []
    for seed in range(100):
        locs, truth = motion_scene(n_sets=2, curvature=0.5 * (seed % 2), seed=100 + seed)
        line = truth.filaments[0][[0, -1]] + np.random.default_rng(seed).normal(0, 0.3, (2, 2))
        zs.append(motion_z_statistics(locs, line).loc[0, "z"])
    zs = np.asarray(zs)
    # a calibrated Z is N(0, 1): |Z| < 2 for 95.4 % of seeds
    assert np.mean(np.abs(zs) < 2) >= 0.93
    assert 0.8 < zs.std() < 1.2


def test_outliers_are_rejected():
    locs, truth = motion_scene(n_sets=2, outlier_fraction=0.1, seed=3)
    result = motion_analysis(locs, truth.filaments[0][[0, -1]], band=3.0)
    assert sum(result.rejected) > 0.5 * 0.1 * len(locs) * 0.75  # most outliers inside the band go
    for table in result.sets:
        resid = table["projection"] - table["projection"].mean()
        assert np.abs(resid).max() <= 4.5 * resid.std()


def test_path_coordinates():
    line = np.array([[0.0, 0.0], [0.0, 10.0], [10.0, 10.0]])
    s, d = path_coordinates(np.array([[1.0, 5.0], [5.0, 9.0]]), line)
    np.testing.assert_allclose(s, [5.0, 15.0])
    np.testing.assert_allclose(d, [-1.0, -1.0])  # normal (-t_x, t_y) in (y, x)


def test_bad_input():
    locs, truth = motion_scene(n_sets=2, seed=4)
    line = truth.filaments[0][[0, -1]]
    before = locs.copy()
    with pytest.raises(ValueError, match="outside the localizations"):
        motion_z_statistics(locs, line + 500)
    with pytest.raises(ValueError, match="too large for the movie"):
        motion_z_statistics(locs, line, block_frames=5000)
    with pytest.raises(ValueError, match="band is empty"):
        motion_z_statistics(locs, line + np.array([6.0, -6.0 * np.tan(np.pi / 6)]) * 0 + truth.normal * 8, band=0.5)
    with pytest.raises(ValueError, match="band must be"):
        motion_z_statistics(locs, line, band=0)
    with pytest.raises(ValueError, match="n >= 2"):
        motion_z_statistics(locs, line[:1])
    with pytest.raises(ValueError, match="need at least"):
        motion_z_statistics(locs, line, block_frames=10)
    pd.testing.assert_frame_equal(locs, before)


def test_cli_motion(tmp_path, capsys):
    from napari_maliang import cli

    locs, truth = motion_scene(shifts_nm=[0, 60], n_sets=2, seed=6)
    src = tmp_path / "locs.csv"
    locs.to_csv(src, index=False)
    (y0, x0), (y1, x1) = truth.filaments[0][[0, -1]]
    out = tmp_path / "z.csv"
    argv = ["motion", str(src), "--line", f"{y0},{x0};{y1},{x1}", "-o", str(out), "--sets", str(tmp_path / "s.csv")]
    assert cli.main(argv + ["--quiet"]) == 0
    table = pd.read_csv(out)
    assert table.loc[0, "z"] > 3
    assert "Z" in capsys.readouterr().out
    assert cli.main(["motion", str(src), "--line", "500,500;510,510", "-o", str(tmp_path / "w.csv")]) == 2
    assert "outside" in capsys.readouterr().err
    assert cli.main(["motion", str(src), "--line", "nonsense", "-o", str(tmp_path / "w.csv")]) == 2
    assert not (tmp_path / "w.csv").exists()
