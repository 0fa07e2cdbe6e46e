"""Quantizer cells: box and Voronoi geometry, the pull, exact rounding and the re-quantization checks."""

import numpy as np
import pytest
from PIL import Image

from napari_maliang.cli import main
from napari_maliang.dequantize import (
    Dequantizer,
    dequantize,
    kmeans_quantize,
    recognise_lattice,
    requantization_mask,
    smooth_synthetic,
)
from napari_maliang.dequantize.cells import (
    lattice_cells,
    out_of_cell,
    pull_into_cells,
    settle,
    voronoi_cells,
)


def truncate(img, bits, depth=8):
    return (img >> (depth - bits)) << (depth - bits)


def rmse(a, b):
    return float(np.sqrt(np.mean((np.asarray(a, np.float64) - np.asarray(b, np.float64)) ** 2)))


@pytest.fixture(scope="module")
def smooth():
    return smooth_synthetic((96, 128), seed=1)


def test_box_cells_geometry_and_adjacency():
    pal = np.array([[0, 0, 0], [32, 0, 0], [32, 32, 32], [64, 0, 0], [0, 0, 96]])
    lattice = recognise_lattice(pal, np.uint8)
    assert lattice.kind == "floor" and {c.param for c in lattice.channels} == {32}
    cells = lattice_cells(pal, lattice)
    np.testing.assert_allclose(cells.anchors, pal + 15.5)
    adj = cells.adjacency
    assert adj[0, 1] and adj[0, 2] and adj[1, 3] and adj[1, 2]  # touching faces, edges and corners
    assert not adj[0, 3] and not adj[0, 4] and not adj[3, 4] and not adj[np.arange(5), np.arange(5)].any()
    idx = np.array([[0, 0, 0, 0]])
    x = np.array([[[0, 0, 0], [31, 31, 31], [31.5, 10, 10], [-0.2, 3, 3]]], np.float64)
    np.testing.assert_array_equal(out_of_cell(x, idx, cells)[0], [False, False, True, True])
    pulled = pull_into_cells(x, idx, cells, margin=0.0)
    assert not out_of_cell(pulled, idx, cells).any()
    np.testing.assert_allclose(pulled[0, :2], x[0, :2])  # inside: untouched
    # the pull runs along the segment to the box centre (15.5, 15.5, 15.5) and stops on the face x = 31
    t = (31 - 15.5) / (31.5 - 15.5)
    np.testing.assert_allclose(pulled[0, 2], 15.5 + t * (x[0, 2] - 15.5))


def test_voronoi_pull_stops_at_the_bisector():
    pal = np.array([[0.0], [10.0], [30.0]])
    cells = voronoi_cells(pal)
    idx = np.array([[0, 1, 1]])
    x = np.array([[[7.0], [25.0], [2.0]]])
    pulled = pull_into_cells(x, idx, cells, margin=0.5)
    np.testing.assert_allclose(pulled[0, :, 0], [4.5, 19.5, 5.5], atol=1e-6)
    # a colour on the bisector is claimed by neither cell: quantizers break such ties their own way
    assert out_of_cell(np.array([[[5.0], [5.0]]]), np.array([[0, 1]]), cells).all()


def test_settle_rounds_to_the_nearest_integer_colour_inside_the_cell():
    pal = np.array([[0.0, 0, 0], [10, 0, 0], [200, 200, 200]])
    cells = voronoi_cells(pal)
    idx = np.array([[0, 0, 1, 1]])
    # 4.6 rounds to 5 (the bisector: a tie) and must become 4; 5.4 rounds to 5 and must become 6
    y = np.array([[[4.6, 0.2, 0], [3.2, 1.7, 0], [5.4, 0, 0.4], [9.8, 0.1, 0]]])
    out = settle(y, idx, cells, pal, scale=255.0, integer=True)
    np.testing.assert_array_equal(out[0], [[4, 0, 0], [3, 2, 0], [6, 0, 0], [10, 0, 0]])
    # Pillow reads c & ~3: (6, 0, 0) -> (4, 0, 0), nearer to colour 0, so Pillow wants 8 or more
    out = settle(y, idx, cells, pal, scale=255.0, integer=True, pillow=True)
    np.testing.assert_array_equal(out[0, :2], [[4, 0, 0], [3, 2, 0]])
    assert (out[0, 2:, 0] >= 8).all() and ((out[0, 2:].astype(int) & ~3) @ [1, 0, 0] >= 8).all()


def test_settle_keeps_integer_colours_in_the_value_range():
    # a smoothed colour far outside the range: clamped it lands in D's cell, so it moves towards A, and the
    # colour found there must be clamped too (unclamped, (-12, -12, 15) wrapped to (244, 244, 15) in uint8)
    pal = np.array([[0.0, 0, 0], [10, 0, 0], [0, 10, 0], [0, 0, 50]])
    cells = voronoi_cells(pal)
    y = np.array([[[-50.0, -50, 60]]])
    out = settle(y, np.array([[0]]), cells, pal, scale=255.0, integer=True)
    assert (out >= 0).all() and (out <= 255).all()
    assert not out_of_cell(out, np.array([[0]]), cells).any()


def test_truncated_images_lose_the_half_bin_bias(smooth):
    for bits in (3, 4):
        q = truncate(smooth, bits)
        r = dequantize(q)
        assert r.dtype == np.uint8 and requantization_mask(r, q).all()
        assert (truncate(r, bits) == q).all()  # the bit mask gives the input back everywhere
        # the quantized input is biased by half a bin: the restoration is far closer to the original
        assert rmse(r, smooth) < 0.4 * rmse(q, smooth)
        paper = dequantize(q, quantizer="nearest")
        assert requantization_mask(paper, q, quantizer="nearest").all()
        assert rmse(r, smooth) < 0.5 * rmse(paper, smooth)
    gray = truncate(smooth[..., 1], 3)
    rg = dequantize(gray)
    assert rg.shape == gray.shape and rmse(rg, smooth[..., 1]) < 0.4 * rmse(gray, smooth[..., 1])
    assert requantization_mask(rg, gray).all()


def test_lattices_ignore_the_smoothing_space(smooth):
    q = truncate(smooth, 3)
    dq = Dequantizer(q, color_space="lab")
    assert dq.quantizer == "floor" and dq.color_space == "rgb" and dq.quantizer_space == "rgb"
    np.testing.assert_array_equal(dequantize(q, color_space="lab"), dequantize(q, color_space="rgb"))


def test_option_errors(smooth):
    km = kmeans_quantize(smooth, 8)
    for bad in ({"quantizer": "median"}, {"quantizer_space": "hsv"}, {"color_space": "hsv"}, {"dither": "no"},
                {"dtype": np.uint16}):
        with pytest.raises(ValueError, match=next(iter(bad))):
            dequantize(km, **bad)
    with pytest.raises(ValueError, match="quantizer must be one of"):
        requantization_mask(km, km, quantizer="median")
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
    kept, drifted = (dequantize(q, keep_means=k, dtype=np.float32) for k in (True, False))
    assert requantization_mask(kept, q).all()
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


def _disc_on_a_surround(surround):
    """A bright disc fading outwards (200 -> 40) with an anti-aliased rim, on a flat grey ``surround``, and its
    3-bit bin-centre quantization (each value to the centre of its box of 32)."""
    yy, xx = np.mgrid[:200, :200]
    r = np.hypot(yy - 100, xx - 100)
    disc = np.clip(60 - r, 0, 1)
    v = surround + disc * (40 + 160 * np.clip(1 - r / 60, 0, 1) - surround)
    img = np.repeat(v[..., None], 3, -1)
    return img, (np.floor(img) // 32 * 32 + 16).astype(np.uint8), r > 62


def test_a_huge_dark_surround_keeps_its_mean_in_its_end_box():
    img, q, surround = _disc_on_a_surround(2.0)  # a black surround (true 2) in the end box [0, 31], input 16
    # without the mean step the self-check would keep this picture as it is: off, to compare the two solves
    kept, drifted = (dequantize(q, keep_means=k, self_check=False).astype(np.float64) for k in (True, False))
    for out in (kept, drifted):
        assert ((out.astype(np.uint8) // 32) * 32 + 16 == q).all()
    # smoothing from the disc's rim lifts the whole surround above its box centre 15.5; the mean step takes it back
    assert drifted[surround].mean() > 17.0
    assert abs(kept[surround].mean() - 15.5) < 0.5
    assert rmse(kept, img) < rmse(q, img) < rmse(drifted, img)
    # a huge region of an inner box is left where the solve put it (its neighbours tell which way it leans)
    _, q, _ = _disc_on_a_surround(80.0)
    np.testing.assert_array_equal(dequantize(q, self_check=False), dequantize(q, keep_means=False, self_check=False))


def test_touching_boxes_matches_all_pairs():
    from napari_maliang.dequantize.cells import BoxAdjacency

    rng = np.random.default_rng(0)
    for nc in (1, 3):
        for _ in range(10):
            codes = np.unique(rng.integers(0, 8, (60, nc)), axis=0)
            brute = np.abs(codes[:, None] - codes[None]).max(-1) <= 1
            np.fill_diagonal(brute, False)
            k = len(codes)
            i, j = np.meshgrid(np.arange(k), np.arange(k), indexing="ij")
            adjacency = BoxAdjacency(codes)
            assert adjacency.shape == (k, k)
            np.testing.assert_array_equal(adjacency[i, j], brute)


def test_all_65536_rgb565_colours_without_a_dense_adjacency():
    # every RGB565 colour once (256 x 256): a (K, K) adjacency would be 4 GiB, and it was copied per classification
    # (22.7 s and 8.6 GB of peak memory for these edges before 2026-12-07)
    import tracemalloc

    from napari_maliang.dequantize import Dequantizer
    from napari_maliang.dequantize.cells import BoxAdjacency

    i, j = np.mgrid[0:256, 0:256]
    r5, g6, b5 = i // 8, j // 4, (i % 8) * 4 + (j % 4)
    image = np.stack([(r5 << 3) | (r5 >> 2), (g6 << 2) | (g6 >> 4), (b5 << 3) | (b5 >> 2)], -1).astype(np.uint8)
    tracemalloc.start()
    try:
        dq = Dequantizer(image, dither="continue", self_check=False, auto_hard=False)
        soft_h, soft_v = dq.edges()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert dq.n_colors == 65536 and dq.quantizer == "replicate" and isinstance(dq.adjacency, BoxAdjacency)
    assert peak < 200e6
    # across a row, blue steps by one code inside each run of four and jumps back three codes between runs
    np.testing.assert_array_equal(soft_h, np.broadcast_to(j[:, :-1] % 4 != 3, soft_h.shape))
    # down a column blue steps by four codes, or by 28 back where red steps by one: no box there touches the next
    assert not soft_v.any()


@pytest.mark.parametrize("kind", ["floor", "center", "round", "replicate"])
def test_box_kernels_equal_the_half_space_kernels(kind):
    """A lattice's cells are tested, pulled and settled through their bounds (:attr:`Cells.boxes`): the results
    must be those of the same cells as half-spaces, bit for bit, on faces, corners and beyond the range too."""
    import dataclasses

    rng = np.random.default_rng(7)
    image = rng.integers(0, 256, (40, 50, 3)).astype(np.uint8)
    quantize = {
        "floor": lambda v: (v // 32) * 32,
        "center": lambda v: (v // 32) * 32 + 16,
        "round": lambda v: np.round(v / 51.0) * 51,
        "replicate": lambda v: np.stack([(v[..., 0] >> 3) * 8 + (v[..., 0] >> 5), (v[..., 1] >> 2) * 4 + (v[..., 1] >> 6),
                                         (v[..., 2] >> 3) * 8 + (v[..., 2] >> 5)], -1),
    }[kind]
    q = quantize(image.astype(np.int64))
    palette, idx = np.unique(q.reshape(-1, 3), axis=0, return_inverse=True)
    lattice = recognise_lattice(palette, np.uint8)
    assert lattice.kind == kind
    boxes = lattice_cells(palette, lattice)
    halfspaces = dataclasses.replace(boxes, boxes=None)
    idx = idx.reshape(q.shape[:2])
    lower, upper = boxes.boxes
    # values on the faces, just beside them, at the corners and well outside, in float32 and float64
    face = np.where(rng.random(q.shape) < 0.5, lower[idx], upper[idx])
    x = np.where(rng.random(q.shape) < 0.3, face, q + rng.normal(0, 20, q.shape))
    x += np.where(rng.random(q.shape) < 0.2, rng.choice([-1e-9, 1e-9, -0.5, 0.5], q.shape), 0.0)
    for values in (x, x.astype(np.float32)):
        for margin in (0.0, 0.87):
            np.testing.assert_array_equal(out_of_cell(values, idx, boxes, margin), out_of_cell(values, idx, halfspaces, margin))
            np.testing.assert_array_equal(pull_into_cells(values, idx, boxes, margin),
                                          pull_into_cells(values, idx, halfspaces, margin))
    for integer in (True, False):
        np.testing.assert_array_equal(settle(x, idx, boxes, palette, scale=255.0, integer=integer),
                                      settle(x, idx, halfspaces, palette, scale=255.0, integer=integer))
    assert out_of_cell(x, idx, boxes).any() and not out_of_cell(x, idx, boxes).all()


def test_the_settle_kernel_is_loaded_from_numbas_cache(tmp_path):
    """The exact rounding's kernel (boxes and half-spaces) compiles once and is then loaded from numba's cache in
    later processes (a kernel closing over compiled functions would compile again, seconds, in every process)."""
    import os
    import subprocess
    import sys

    import numba

    if numba.config.DISABLE_JIT:
        pytest.skip("numba's JIT is off: nothing is compiled or cached")
    code = (
        "import numpy as np\n"
        "from napari_maliang.dequantize.cells import _settle_kernel, lattice_cells, settle, voronoi_cells\n"
        "from napari_maliang.dequantize import recognise_lattice\n"
        "pal = np.array([[0, 0, 0], [32, 0, 0], [32, 32, 32], [64, 0, 0], [0, 0, 96]])\n"
        "idx, y = np.zeros((4, 4), np.int64), np.full((4, 4, 3), 10.3)\n"
        "for cells in (lattice_cells(pal, recognise_lattice(pal, np.uint8)), voronoi_cells(pal.astype(float))):\n"
        "    settle(y, idx, cells, pal, scale=255.0, integer=True)\n"
        "stats = _settle_kernel(3).stats\n"
        "print(sum(stats.cache_hits.values()), sum(stats.cache_misses.values()))\n"
    )
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path))
    runs = [subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                           check=True).stdout.splitlines()[-1] for _ in range(2)]
    assert runs[0].split() == ["0", "2"]  # both variants compiled
    assert runs[1].split() == ["2", "0"]  # and loaded
