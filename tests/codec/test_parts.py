import sys
from pathlib import Path

import numpy as np
import pytest

from napari_maliang.codec import edgecode, values
from napari_maliang.codec.edges import detect_edges, perona_malik, sobel_magnitude
from napari_maliang.codec.format import CodecError
from napari_maliang.codec.geometry import build_geometry
from napari_maliang.codec.inpaint import AMGConjugateGradients, _inside_operator, assemble, inpaint


def _ring(n=64):
    yy, xx = np.mgrid[:n, :n]
    r = np.hypot(yy - n / 2, xx - n / 2)
    return (np.abs(r - n / 4) < 0.8) & (xx < n - 3)


@pytest.mark.parametrize("compare", [False, True])
def test_edge_coding_is_lossless(compare):
    rng = np.random.default_rng(1)
    e = _ring(80) | (rng.random((80, 80)) < 0.01)
    payload = edgecode.encode_edges(e, compare=compare)
    assert np.array_equal(edgecode.decode_edges(payload, e.shape), e)


@pytest.mark.parametrize("density", [0.0, 0.002, 0.5, 0.98, 1.0])
@pytest.mark.parametrize("shape", [(1, 1), (1, 37), (29, 1), (33, 47)])
def test_context_coder_round_trips_any_map(density, shape):
    e = np.random.default_rng(3).random(shape) < density
    payload = edgecode.context_encode(e)
    assert np.array_equal(edgecode.context_decode(payload, shape), e)
    assert len(payload) <= e.size * 12 / 8 + 8  # the probabilities never fall below 1/4096


def test_context_coder_beats_plain_bits():
    e = _ring(128)
    sizes = edgecode.method_sizes(e)
    assert sizes["context arithmetic"] < e.size / 8 / 10
    assert sizes["context arithmetic"] < min(sizes["zlib"], sizes["PNG"])


_OLD = Path(__file__).parent / "data" / "edge_payloads_2026-11.npz"


@pytest.mark.parametrize("kind", ["cabac", "png", "jxl"])
def test_edge_maps_of_earlier_files_still_decode(kind):
    # payloads written by the November 2026 encoder (two-pass coder, imagecodecs' PNG and JPEG XL)
    old = np.load(_OLD)
    if kind == "jxl":
        pytest.importorskip("imagecodecs")
    assert np.array_equal(edgecode.decode_edges(old[kind].tobytes(), old["edges"].shape), old["edges"])


def test_context_coder_beats_the_jpeg_xl_of_earlier_files():
    old = np.load(_OLD)  # a cut of a real edge map (the RGB cartoon of benchmarks/codec.py)
    assert len(edgecode.encode_edges(old["edges"])) < min(len(old["jxl"]), len(old["cabac"]))


def test_jpeg_xl_edge_map_without_imagecodecs_names_the_extra(monkeypatch):
    old = np.load(_OLD)
    monkeypatch.setitem(sys.modules, "imagecodecs", None)
    with pytest.raises(CodecError, match=r"napari-maliang\[codecs\]"):
        edgecode.decode_edges(old["jxl"].tobytes(), old["edges"].shape)
    # the PNG of earlier files needs only Pillow
    assert np.array_equal(edgecode.decode_edges(old["png"].tobytes(), old["edges"].shape), old["edges"])


def test_png_edge_map_of_the_wrong_size_is_refused():
    old = np.load(_OLD)
    with pytest.raises(CodecError, match="size"):
        edgecode.decode_edges(old["png"].tobytes(), (10, 10))


def test_perona_malik_keeps_edges_smooths_noise():
    rng = np.random.default_rng(0)
    clean = np.zeros((64, 64)); clean[:, 32:] = 100
    noisy = clean + rng.normal(0, 5, clean.shape)
    out = perona_malik(noisy, iterations=20, kappa=20)
    assert np.std(out[:, :28] - clean[:, :28]) < 0.5 * np.std(noisy[:, :28] - clean[:, :28])
    assert out[:, 34:].mean() - out[:, :30].mean() > 90


def test_sobel_edges_are_thin_and_located():
    img = np.zeros((40, 40)); img[:, 20:] = 200
    e = detect_edges(sobel_magnitude(img), 20)
    cols = np.nonzero(e.any(axis=0))[0]
    assert set(cols) <= {19, 20} and e.sum(axis=1).max() == 1


def test_geometry_sources_on_both_sides_and_spacing():
    img = np.zeros((40, 60)); img[:, 30:] = 200
    e = detect_edges(sobel_magnitude(img), 20)
    geo = build_geometry(e, spacing=8, grid=0, edge_values=False)
    sy, sx = np.divmod(geo.sources, 60)
    col = int(np.nonzero(e[20])[0][0])
    assert set(sx) == {col - 1, col + 1}
    for side in (col - 1, col + 1):
        rows = np.sort(sy[sx == side])
        assert rows[0] == 0 and rows[-1] == 39  # endpoints
        assert np.diff(rows).max() < 2 * 8  # every chain pixel within spacing - 1 hops of a source


def test_inpaint_exact_for_piecewise_linear():
    # two regions with different linear ramps: the decoder must rebuild them (eq. 1 + eq. 3);
    # the image frame is chained too (border flag), else Neumann borders bend the ramps
    H, W = 48, 64
    yy, xx = np.mgrid[:H, :W].astype(float)
    img = np.where(xx < 32, 40 + 0.5 * yy, 180 - 0.3 * yy)
    e = np.zeros((H, W), bool); e[:, 32] = True
    geo = build_geometry(e, spacing=6, grid=0, edge_values=True, border=True)
    vals = img.ravel()[geo.sources][:, None]
    u = inpaint(geo, vals, tol=1e-10)[..., 0]
    err = np.abs(u - img)[~e]
    # exact along straight chains; the 1-D interpolation around the frame's corners is not
    assert err.mean() < 0.2 and err.max() < 2.0
    geo0 = build_geometry(e, spacing=6, grid=0, edge_values=True, border=False)
    u0 = inpaint(geo0, img.ravel()[geo0.sources][:, None], tol=1e-10)[..., 0]
    assert np.abs(u0 - img)[~e].mean() > 3 * err.mean()


def test_assembled_system_matches_solution():
    H, W = 32, 40
    rng = np.random.default_rng(3)
    e = np.zeros((H, W), bool); e[5:25, 20] = True
    geo = build_geometry(e, spacing=5, grid=8, edge_values=False)
    vals = rng.uniform(0, 255, (geo.n_sources, 1))
    u = inpaint(geo, vals, tol=1e-12)[..., 0].ravel()
    A, known = assemble(geo)
    r = A @ u
    b = np.zeros(H * W); b[geo.sources] = vals[:, 0]
    assert np.abs(r - b).max() < 1e-6


@pytest.mark.parametrize("tol", [1e-2, 1e-6])
def test_amg_conjugate_gradients_are_pyamgs_iterates(tol):
    # the codec's own CG loop over pyamg's hierarchy must give pyamg's iterates to the last bit (the encoder's
    # choices and files stay what they were), and solve the system
    rng = np.random.default_rng(5)
    H, W = 96, 120
    mask = rng.random((H, W)) < 0.03
    A, B = _inside_operator(H, W, np.flatnonzero(~mask.ravel()))
    b = B @ rng.uniform(0, 255, B.shape[1])
    cg = AMGConjugateGradients(A)
    assert len(cg.ml.levels) > 2
    x = cg.solve(b, tol=tol)
    assert np.array_equal(x, cg.ml.solve(b, tol=tol, accel="cg", maxiter=100))
    assert np.linalg.norm(b - A @ x) < tol * np.linalg.norm(b)


def test_value_coding_round_trip():
    rng = np.random.default_rng(4)
    n = 300
    ref = np.array([-1] + [int(rng.integers(0, i)) for i in range(1, n)])
    new = rng.random(n) < 0.1
    kmax = np.array([32, 16, 16])
    k = rng.integers(0, 17, (n, 3))
    payload = values.encode_values(k, ref, new, kmax)
    assert np.array_equal(values.decode_values(payload, ref, new, kmax), k)


def test_color_transform_inverts():
    rgb = np.random.default_rng(0).uniform(0, 255, (10, 3))
    assert np.allclose(values.ycc_to_rgb(values.rgb_to_ycc(rgb)), rgb, atol=1e-6)


def test_prepare_image_big_endian_uint16_scales_like_native():
    from napari_maliang.codec.core import prepare_image

    native = np.arange(0, 65536, 64, dtype=np.uint16).reshape(32, 32)
    np.testing.assert_array_equal(prepare_image(native.astype(">u2")), prepare_image(native))
    assert prepare_image(native).max() == pytest.approx(255 * 65472 / 65535)
