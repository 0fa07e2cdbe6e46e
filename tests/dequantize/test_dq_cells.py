"""Quantizer cells: truncation detection, bin cells, the pull and the re-quantization checks."""

import numpy as np
import pytest
from PIL import Image

from napari_maliang.cli import main
from napari_maliang.dequantize import (
    Dequantizer,
    as_input_dtype,
    dequantize,
    kmeans_quantize,
    requantization_mask,
    smooth_synthetic,
    truncation_step,
)
from napari_maliang.dequantize.cells import make_cells, out_of_cell, pull_into_cells


def truncate(img, bits, depth=8):
    return (img >> (depth - bits)) << (depth - bits)


def rmse(a, b):
    return float(np.sqrt(np.mean((np.asarray(a, np.float64) - np.asarray(b, np.float64)) ** 2)))


@pytest.fixture(scope="module")
def smooth():
    return smooth_synthetic((96, 128), seed=1)


def palette(img):
    return np.unique(img.reshape(-1, img.shape[-1] if img.ndim == 3 else 1), axis=0)


def test_truncation_step_recognises_bit_truncation_only(smooth):
    assert truncation_step(palette(truncate(smooth, 3)), np.uint8) == 32
    assert truncation_step(palette(truncate(smooth, 4)), np.uint8) == 16
    gray = truncate(smooth[..., 0], 2)
    assert truncation_step(palette(gray), np.uint8) == 64
    assert truncation_step(palette(truncate(smooth.astype(np.uint16) * 257, 5, depth=16)), np.uint16) == 2048
    for n in (8, 16, 32):  # k-means palettes are not lattices
        assert truncation_step(palette(kmeans_quantize(smooth, n)), np.uint8) is None
    assert truncation_step(palette(truncate(smooth, 7)), np.uint8) is None  # step 2: too fine to tell
    assert truncation_step(np.array([[0.0], [0.25], [0.5], [0.75]]), np.float64) is None  # float images
    assert truncation_step(np.array([[0], [64], [128]]), np.uint8) is None  # fewer than 4 colours
    assert truncation_step(np.array([[0], [96], [160], [224]]), np.uint8) == 32
    assert truncation_step(np.array([[0], [48], [96], [144]]), np.uint8) is None  # gcd 48: not a power of two


def test_bin_cells_geometry_and_adjacency():
    pal = np.array([[0, 0, 0], [32, 0, 0], [32, 32, 32], [64, 0, 0], [0, 0, 96]], np.float64)
    cells = make_cells(pal, quantizer="auto", dtype=np.uint8)
    assert cells.quantizer == "floor" and cells.step == 32
    np.testing.assert_allclose(cells.anchors, pal + 15.5)
    adj = cells.adjacency
    assert adj[0, 1] and adj[0, 2] and adj[1, 3] and adj[1, 2]  # touching faces, edges and corners
    assert not adj[0, 3] and not adj[0, 4] and not adj[3, 4] and not adj.diagonal().any()
    idx = np.array([[0, 0, 0, 0]])
    x = np.array([[[0, 0, 0], [31, 31, 31], [31.5, 10, 10], [-0.2, 3, 3]]], np.float64)
    np.testing.assert_array_equal(out_of_cell(x, idx, cells)[0], [False, False, True, True])
    pulled = pull_into_cells(x, idx, cells, margin=0.0)
    assert not out_of_cell(pulled, idx, cells).any()
    np.testing.assert_allclose(pulled[0, :2], x[0, :2])  # inside: untouched
    # the pull runs along the segment to the bin centre (15.5, 15.5, 15.5) and stops on the face x = 31
    t = (31 - 15.5) / (31.5 - 15.5)
    np.testing.assert_allclose(pulled[0, 2], 15.5 + t * (x[0, 2] - 15.5))


def test_voronoi_pull_stops_at_the_bisector():
    pal = np.array([[0.0], [10.0], [30.0]])
    cells = make_cells(pal, quantizer="nearest")
    idx = np.array([[0, 1, 1]])
    x = np.array([[[7.0], [25.0], [2.0]]])
    pulled = pull_into_cells(x, idx, cells, margin=0.5)
    np.testing.assert_allclose(pulled[0, :, 0], [4.5, 19.5, 5.5])


def test_truncated_images_lose_the_half_bin_bias(smooth):
    for bits in (3, 4):
        q = truncate(smooth, bits)
        r = dequantize(q)
        assert requantization_mask(r, q).all()  # floor(r / step) * step == q everywhere
        assert (np.floor(r / 2 ** (8 - bits)) * 2 ** (8 - bits) == q).all()
        # the quantized input is biased by half a bin: the restoration is far closer to the original
        assert rmse(r, smooth) < 0.4 * rmse(q, smooth)
        paper = dequantize(q, quantizer="nearest")
        assert requantization_mask(paper, q, quantizer="nearest").all()
        assert rmse(r, smooth) < 0.5 * rmse(paper, smooth)
    gray = truncate(smooth[..., 1], 3)
    rg = dequantize(gray)
    assert rg.shape == gray.shape and rmse(rg, smooth[..., 1]) < 0.4 * rmse(gray, smooth[..., 1])
    assert requantization_mask(rg, gray).all()


def test_truncation_ignores_color_space_and_rounds_safely(smooth):
    q = truncate(smooth, 3)
    dq = Dequantizer(q, color_space="lab")
    assert dq.quantizer == "floor" and dq.color_space == "rgb"
    np.testing.assert_array_equal(dequantize(q, color_space="lab"), dequantize(q, color_space="rgb"))
    out = as_input_dtype(dequantize(q), q)
    assert out.dtype == np.uint8 and requantization_mask(out, q).all()
    assert rmse(out, smooth) < 0.4 * rmse(q, smooth)


def test_quantizer_option_errors(smooth):
    km = kmeans_quantize(smooth, 8)
    with pytest.raises(ValueError, match="quantizer='floor' needs a bit-truncated"):
        dequantize(km, quantizer="floor")
    with pytest.raises(ValueError, match="quantizer must be one of"):
        dequantize(km, quantizer="round")
    with pytest.raises(ValueError, match="quantizer must be one of"):
        requantization_mask(km, km, quantizer="round")
    assert Dequantizer(km).quantizer == "nearest"


def test_cli_quantizer(tmp_path, smooth):
    q = truncate(smooth, 3)
    Image.fromarray(q).save(tmp_path / "q.png")
    for quantizer in ("auto", "nearest"):
        out_path = tmp_path / f"{quantizer}.png"
        assert main(["dequantize", str(tmp_path / "q.png"), "-o", str(out_path), "--quantizer", quantizer]) == 0
        out = np.asarray(Image.open(out_path))
        assert requantization_mask(out, q, quantizer=quantizer).all()
    auto, nearest = (np.asarray(Image.open(tmp_path / f"{k}.png")) for k in ("auto", "nearest"))
    assert rmse(auto, smooth) < 0.5 * rmse(nearest, smooth)


def test_keep_means_restores_the_palette_means_of_a_textured_photo():
    from skimage import data

    from napari_maliang.dequantize.regions import index_image

    img = data.chelsea()[100:228, 150:342]
    q = kmeans_quantize(img, 8)
    kept, drifted = dequantize(q, color_space="rgb"), dequantize(q, color_space="rgb", keep_means=False)
    assert requantization_mask(kept, q, color_space="rgb").all()
    ix = index_image(q)
    idx = ix.indices.ravel()
    for result, tol in ((kept, 1.5), (drifted, None)):
        flat = result.reshape(-1, 3).astype(np.float64)
        mean = np.stack([np.bincount(idx, flat[:, c]) / np.bincount(idx) for c in range(3)], axis=1)
        err = np.abs(mean - ix.palette).max()
        if tol is not None:
            assert err < tol  # only the final pull into the cells moves the means, a little
        else:
            assert err > 3.0  # without the step, smoothing drifts some colours' means by several levels
    psnr = lambda a: -20 * np.log10(rmse(a, img) / 255)
    assert psnr(kept) > psnr(drifted) + 0.3
    # truncation bins are not centred on their pixels' mean: keep_means does not apply there
    t = truncate(img, 3)
    np.testing.assert_array_equal(dequantize(t), dequantize(t, keep_means=False))


def test_touching_bins_matches_all_pairs():
    from napari_maliang.dequantize.cells import _touching_bins

    rng = np.random.default_rng(0)
    for nc in (1, 3):
        for _ in range(10):
            lattice = np.unique(rng.integers(0, 8, (60, nc)), axis=0)
            brute = np.abs(lattice[:, None] - lattice[None]).max(-1) <= 1
            np.fill_diagonal(brute, False)
            np.testing.assert_array_equal(_touching_bins(lattice), brute)
