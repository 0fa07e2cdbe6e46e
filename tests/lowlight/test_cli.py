import numpy as np
from skimage import io

from napari_maliang import cli
from napari_maliang.lowlight import enhance


def test_enhance_command_writes_a_brighter_png(tmp_path, dark_pair, capsys):
    dark, _ = dark_pair
    src = tmp_path / "dark.png"
    io.imsave(src, np.round(dark * 255).astype(np.uint8), check_contrast=False)
    dst = tmp_path / "out.png"
    assert cli.main(["enhance", str(src), "-o", str(dst), "--k", "12"]) == 0
    out = io.imread(dst)
    assert out.shape == dark.shape and out.dtype == np.uint8
    expected = enhance(io.imread(src), k=12)
    assert np.abs(out / 255.0 - expected).max() <= 0.5 / 255 + 1e-6
    assert "dark.png ->" in capsys.readouterr().out
    # the photon-noise pre-filter can be switched off
    assert cli.main(["enhance", str(src), "-o", str(dst), "--k", "12", "--noise-filter", "0", "-q"]) == 0
    expected = enhance(io.imread(src), k=12, noise_filter=0)
    assert np.abs(io.imread(dst) / 255.0 - expected).max() <= 0.5 / 255 + 1e-6
    # the darkening gamma can be given instead of estimated
    assert cli.main(["enhance", str(src), "-o", str(dst), "--k", "12", "--gamma", "1.6", "-q"]) == 0
    expected = enhance(io.imread(src), k=12, gamma=1.6)
    assert np.abs(io.imread(dst) / 255.0 - expected).max() <= 0.5 / 255 + 1e-6
    assert np.abs(expected - enhance(io.imread(src), k=12)).mean() > 0.02  # and it is used
    # the GP can be left out (the reference after the post-steps)
    assert cli.main(["enhance", str(src), "-o", str(dst), "--no-gp", "-q"]) == 0
    expected = enhance(io.imread(src), gp=False)
    assert np.abs(io.imread(dst) / 255.0 - expected).max() <= 0.5 / 255 + 1e-6


def test_enhance_command_16_bit_and_directory(tmp_path, dark_pair):
    dark, _ = dark_pair
    for i in range(2):
        io.imsave(tmp_path / f"g{i}.tif", np.round(dark[..., i] * 65535).astype(np.uint16), check_contrast=False)
    outdir = tmp_path / "out"
    outdir.mkdir()
    args = ["enhance", str(tmp_path / "g0.tif"), str(tmp_path / "g1.tif"), "-o", str(outdir), "--bits", "16", "-q"]
    assert cli.main(args) == 0
    out = io.imread(outdir / "g1.tif")
    assert out.dtype == np.uint16 and out.shape == dark.shape[:2]
    assert out.mean() / 65535 > dark[..., 1].mean() + 0.15


def test_enhance_command_streams_a_stack_with_one_exposure(tmp_path, dark_pair, capsys):
    import tifffile

    from napari_maliang.lowlight import estimate_stack_gamma

    dark, _ = dark_pair
    stack = np.stack([dark, dark * 0.8, dark * 0.6])  # a darkening time series, (3, H, W, 3)
    stack16 = np.round(stack * 65535).astype(np.uint16)
    src, dst = tmp_path / "series.tif", tmp_path / "out.tif"
    tifffile.imwrite(src, stack16, photometric="rgb")
    assert cli.main(["enhance", str(src), "-o", str(dst), "--k", "8", "--bits", "16"]) == 0
    out = tifffile.imread(dst)
    assert out.shape == stack.shape and out.dtype == np.uint16
    gamma, used = estimate_stack_gamma(stack16)
    assert used == 3 and gamma > 1.5
    # every plane is enhanced with the one stack-wide gamma (no flicker from per-plane estimates)
    expected = enhance(stack16[2], k=8, gamma=gamma)
    assert np.abs(out[2] / 65535 - expected).max() <= 0.5 / 65535 + 1e-6
    assert f"darkening gamma {gamma:.2f} estimated on 3 planes" in capsys.readouterr().out
    # a stack is written as TIFF only
    assert cli.main(["enhance", str(src), "-o", str(tmp_path / "out.png")]) == 2
    assert "written as TIFF" in capsys.readouterr().err


def test_enhance_command_errors(tmp_path, capsys):
    assert cli.main(["enhance", str(tmp_path / "missing.png"), "-o", str(tmp_path / "x.png")]) == 2
    assert "not found" in capsys.readouterr().err
    tiny = tmp_path / "tiny.png"
    io.imsave(tiny, np.zeros((2, 2), np.uint8), check_contrast=False)
    assert cli.main(["enhance", str(tiny), "-o", str(tmp_path / "t.png")]) == 2
    assert "smaller than one 3x3 patch" in capsys.readouterr().err
    assert cli.main(["enhance", str(tiny), "-o", str(tmp_path / "t.png"), "--gamma", "0.3"]) == 2
    assert "gamma must be a finite number >= 1 and <= 16, got 0.3" in capsys.readouterr().err
