"""``maliang threshold | kmeans | region-grow | morphology`` on files."""

import numpy as np
import tifffile
from skimage import data

from napari_maliang.cli import main


def test_threshold_otsu_and_adaptive(tmp_path, capsys):
    src = tmp_path / "coins.tif"
    tifffile.imwrite(src, data.coins())
    out = tmp_path / "mask.tif"
    assert main(["threshold", str(src), "-o", str(out), "--method", "otsu"]) == 0
    assert "otsu threshold T = 108" in capsys.readouterr().out
    assert np.array_equal(tifffile.imread(out), (data.coins() >= 108).astype(np.uint8))
    assert main(["threshold", str(src), "-o", str(out), "--method", "adaptive", "--window", "48", "--step", "16"]) == 0
    assert tifffile.imread(out).shape == (303, 384)


def test_threshold_constant_image_fails_clearly(tmp_path, capsys):
    src = tmp_path / "flat.tif"
    tifffile.imwrite(src, np.full((8, 8), 3, np.uint8))
    assert main(["threshold", str(src), "-o", str(tmp_path / "o.tif")]) == 2
    assert "constant" in capsys.readouterr().err


def test_stack_per_plane_kmeans_region_morphology(tmp_path):
    stack = np.zeros((2, 20, 20), np.uint8)
    stack[:, 5:15, 5:15] = 200
    src = tmp_path / "stack.tif"
    tifffile.imwrite(src, stack)
    out = tmp_path / "out.tif"
    assert main(["kmeans", str(src), "-o", str(out), "-k", "2"]) == 0
    assert np.array_equal(tifffile.imread(out), (stack > 0).astype(np.int32) + 1)
    assert main(["region-grow", str(src), "-o", str(out), "--seed", "10", "10", "--tolerance", "5"]) == 0
    assert np.array_equal(tifffile.imread(out), (stack > 0).astype(np.int32))
    assert main(["morphology", str(src), "-o", str(out), "--op", "erosion", "--se-grid", "1 1 1;1 1 1;1 1 1"]) == 0
    assert tifffile.imread(out).sum() == 2 * 64
    assert main(["morphology", str(src), "-o", str(out), "--op", "thinning"]) == 0
    assert 0 < tifffile.imread(out).sum() < 2 * 100
    assert main(["region-grow", str(src), "-o", str(out), "--seed", "50", "1", "--tolerance", "5"]) == 2
