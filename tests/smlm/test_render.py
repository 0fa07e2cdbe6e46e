"""Tests of napari_maliang.smlm.rendering (rendering contract: geometry, mass, methods, errors)."""

import numpy as np
import pandas as pd
import pytest

from napari_maliang.smlm.rendering import default_contrast_limits, render, render_layer_kwargs, render_shape


def _table(x, y, ux=None, uy=None):
    data = {"x": np.asarray(x, float), "y": np.asarray(y, float)}
    if ux is not None:
        data["uncertainty_x"] = np.asarray(ux, float)
        data["uncertainty_y"] = np.asarray(uy if uy is not None else ux, float)
    return pd.DataFrame(data)


def test_histogram_pixel_geometry():
    # output pixel i covers camera [-0.5 + i*ps, -0.5 + (i+1)*ps)
    locs = _table([0.0, 3.04, 9.49], [0.0, 1.96, 0.0])
    image = render(locs, pixel_size=0.1, method="histogram", shape=(4, 10))
    assert image.shape == (40, 100)
    assert image.dtype == np.float32
    assert image.sum() == 3
    assert image[5, 5] == 1  # (0, 0) -> pixel 5 covers [0.0, 0.1)
    assert image[24, 35] == 1  # y=1.96 -> floor(2.46/0.1)=24; x=3.04 -> floor(3.54/0.1)=35
    assert image[5, 99] == 1


def test_shapes_and_default_extent():
    locs = _table([0.2, 12.3], [0.1, 5.2])
    assert render(locs, pixel_size=0.1, method="histogram").shape == (60, 130)
    assert render_shape(locs, pixel_size=0.1) == (60, 130)
    assert render(locs, pixel_size=0.1, method="histogram", shape=(64, 64)).shape == (640, 640)
    assert render(locs, pixel_size=0.25, method="gaussian", shape=(64, 64)).shape == (256, 256)
    assert render(locs, pixel_size=1 / 3, method="ash", shape=(10, 10)).shape == (30, 30)


@pytest.mark.parametrize("method", ["histogram", "gaussian", "ash"])
def test_mass_conserved_and_nan_ignored(method):
    rng = np.random.default_rng(1)
    n = 5000
    locs = _table(rng.uniform(8, 24, n), rng.uniform(8, 24, n), rng.uniform(0.05, 0.3, n))
    locs.loc[::100, "x"] = np.nan
    image = render(locs, pixel_size=0.1, method=method, shape=(32, 32))
    assert np.all(image >= 0)
    assert image.sum(dtype=float) == pytest.approx(n - 50, rel=1e-4)


def test_gaussian_uses_each_precision():
    ps = 0.05
    locs = _table([10.0, 20.0], [10.0, 10.0], ux=[0.1, 0.3])
    image = render(locs, pixel_size=ps, method="gaussian", shape=(21, 31))
    yy, xx = np.mgrid[: image.shape[0], : image.shape[1]]
    cy = -0.5 + (yy + 0.5) * ps  # camera coordinates of output pixel centres
    cx = -0.5 + (xx + 0.5) * ps
    for x0, sigma in ((10.0, 0.1), (20.0, 0.3)):
        window = (np.abs(cx - x0) < 2) & (np.abs(cy - 10.0) < 2)
        w = image * window
        assert w.sum() == pytest.approx(1.0, rel=1e-5)
        mx = (w * cx).sum() / w.sum()
        my = (w * cy).sum() / w.sum()
        assert mx == pytest.approx(x0, abs=1e-3)
        assert my == pytest.approx(10.0, abs=1e-3)
        sd = np.sqrt((w * (cx - mx) ** 2).sum() / w.sum())
        assert sd == pytest.approx(sigma, rel=0.06)
    # the precise molecule is the brighter peak
    assert image[:, : image.shape[1] // 2].max() > 5 * image[:, image.shape[1] // 2 :].max()


def test_gaussian_falls_back_to_fixed_blur():
    locs = _table([5.0], [5.0])
    image = render(locs, pixel_size=0.05, method="gaussian", shape=(11, 11))
    fixed = render(_table([5.0], [5.0], ux=[0.15]), pixel_size=0.05, method="gaussian", shape=(11, 11))
    np.testing.assert_allclose(image, fixed, atol=1e-7)
    wide = render(locs, pixel_size=0.05, method="gaussian", shape=(11, 11), blur=0.4)
    assert wide.max() < image.max() / 4


def test_ash_is_mean_of_shifted_histograms():
    rng = np.random.default_rng(3)
    n, m, ps = 3000, 3, 0.2
    x = rng.uniform(3, 13, n)
    y = rng.uniform(3, 13, n)
    image = render(_table(x, y), pixel_size=ps, method="ash", shape=(16, 16), ash_shifts=m)
    # brute force: m*m histograms with bins m*ps wide, shifted by ps, value spread over their fine pixels
    out = np.zeros((80, 80))
    for sy in range(m):
        for sx in range(m):
            iy = np.floor(((y + 0.5) / ps + sy) / m).astype(int)
            ix = np.floor(((x + 0.5) / ps + sx) / m).astype(int)
            coarse = np.zeros((40, 40))
            np.add.at(coarse, (iy, ix), 1.0)
            fine = np.repeat(np.repeat(coarse, m, 0), m, 1)
            fine = fine[sy : sy + 80, sx : sx + 80] / (m * m)
            out += fine / (m * m) * m * m  # each coarse bin spreads over m*m fine pixels
    out /= m * m
    np.testing.assert_allclose(image, out, atol=1e-5)


def test_layer_kwargs_overlay_the_stack():
    ps = 0.1
    locs = _table([7.3], [2.6])
    image = render(locs, pixel_size=ps, method="histogram", shape=(8, 8))
    kw = render_layer_kwargs(ps, image, stack_scale=(100.0, 100.0), stack_translate=(5.0, -3.0))
    i, j = np.unravel_index(np.argmax(image), image.shape)
    world = np.array([i, j]) * kw["scale"] + kw["translate"]
    # world coordinate of the raw stack at camera (y, x) = (2.6, 7.3) is (260 + 5, 730 - 3)
    assert np.allclose(world, [265.0, 727.0], atol=100 * ps / 2 + 1e-9)
    assert kw["contrast_limits"] == (0.0, 1.0)
    assert set(render_layer_kwargs(0.1)) == {"scale", "translate"}


def test_default_contrast_ignores_empty_and_hot_pixels():
    image = np.zeros((100, 100), np.float32)
    image[:10, :10] = 1.0
    image[50, 50] = 1000.0
    low, high = default_contrast_limits(image)
    assert low == 0 and 0.9 < high < 1000
    assert default_contrast_limits(np.zeros((3, 3))) == (0.0, 1.0)


def test_bad_input():
    locs = _table([1.0], [1.0])
    with pytest.raises(ValueError, match="method"):
        render(locs, method="splat")
    with pytest.raises(ValueError, match="pixel_size"):
        render(locs, pixel_size=0)
    with pytest.raises(ValueError, match="'x' and 'y'"):
        render(pd.DataFrame({"a": [1.0]}))
    with pytest.raises(ValueError, match="shape"):
        render(_table([], []))
    assert render(_table([], []), shape=(4, 4), pixel_size=0.5).sum() == 0
    with pytest.raises(ValueError, match="blur"):
        render(locs, blur=-1)


def test_cli_render(tmp_path):
    import tifffile

    from napari_maliang import cli

    rng = np.random.default_rng(0)
    locs = _table(rng.uniform(2, 14, 500), rng.uniform(2, 14, 500), rng.uniform(0.05, 0.2, 500))
    locs["frame"] = np.arange(500)
    src = tmp_path / "locs.csv"
    locs.to_csv(src, index=False)
    out = tmp_path / "sr.tif"
    assert cli.main(["render", str(src), "-o", str(out), "--shape", "16", "16", "--quiet"]) == 0
    image = tifffile.imread(out)
    assert image.shape == (160, 160) and image.sum() == pytest.approx(500, rel=1e-3)
    assert cli.main(["render", str(src), "-o", str(tmp_path / "sr.png"), "--method", "histogram"]) == 0
    assert cli.main(["render", str(src), "-o", str(tmp_path / "sr.npy"), "--pixel-size", "0"]) == 2
    assert not (tmp_path / "sr.npy").exists()
    assert cli.main(["render", str(src), "-o", str(tmp_path / "sr.jpg")]) == 2


def test_cli_render_thunderstorm_with_camera_pixel_size(tmp_path, capsys):
    from napari_maliang import cli
    from napari_maliang.smlm.io import write_localizations

    locs = _table([10.0] * 20, [20.0] * 20, [0.1] * 20)  # a cluster at x=10, y=20 camera pixels of 160 nm
    locs["frame"] = np.arange(20)
    src = tmp_path / "ts.csv"
    write_localizations(locs, src, pixel_size_nm=160.0)  # ThunderSTORM: nm, no pixel size in the file
    out = tmp_path / "sr.npy"
    args = ["render", str(src), "-o", str(out), "--shape", "32", "32", "--pixel-size", "1", "--method", "histogram"]
    assert cli.main([*args, "--camera-pixel-nm", "160"]) == 0
    assert np.unravel_index(np.argmax(np.load(out)), (32, 32)) == (20, 10)
    capsys.readouterr()
    assert cli.main([*args, "--overwrite"]) == 0  # 100 nm assumed: said so, not silent
    assert "--camera-pixel-nm" in capsys.readouterr().err
    assert cli.main([*args, "--overwrite", "--camera-pixel-nm", "-5"]) == 2
