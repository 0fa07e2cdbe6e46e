
import numpy as np
import pytest
from scipy.spatial import Delaunay

from napari_maliang.dequantize.adjacency import neighbour_lists, palette_adjacency
from napari_maliang.dequantize.regions import index_image, kmeans_quantize, label_regions


def test_index_image_round_trip_uint8_uint16_float():
    rng = np.random.default_rng(0)
    pal = rng.integers(0, 256, (5, 3)).astype(np.uint8)
    idx = rng.integers(0, 5, (12, 9))
    for scale, dtype in ((1, np.uint8), (257, np.uint16), (1 / 255, np.float32)):
        img = (pal[idx].astype(np.float64) * scale).astype(dtype)
        ii = index_image(img)
        np.testing.assert_array_equal(ii.palette[ii.indices], img)
        assert ii.n_colors == len(np.unique(idx))


def test_regions_are_4_connected():
    ind = np.array([[0, 1], [1, 0]])
    labels, n = label_regions(ind)
    assert n == 4  # diagonal same-colour pixels are different regions
    labels, n = label_regions(np.array([[0, 0, 1], [1, 0, 1]]))
    assert n == 3


def test_too_many_colours_message_has_count():
    img = np.arange(64 * 64 * 3, dtype=np.uint32).reshape(64, 64, 3) % 251
    img = img.astype(np.uint8)
    n = len(np.unique(img.reshape(-1, 3), axis=0))
    with pytest.raises(ValueError, match=f"{n} distinct colours.*quantize"):
        index_image(img, max_colors=100)


def test_rgba_warns_and_splits_alpha():
    img = np.zeros((4, 4, 4), np.uint8)
    img[..., 3] = 200
    with pytest.warns(UserWarning, match="alpha"):
        ii = index_image(img)
    assert ii.alpha is not None and ii.alpha.shape == (4, 4)


@pytest.mark.parametrize("bad", [np.zeros((4, 4, 2)), np.zeros((2, 4, 4, 3)), np.zeros((4, 4), bool)])
def test_bad_shapes_and_dtypes(bad):
    with pytest.raises((ValueError, TypeError)):
        index_image(bad)


def test_kmeans_quantize_colour_count():
    rng = np.random.default_rng(1)
    img = rng.integers(0, 256, (40, 40, 3)).astype(np.uint8)
    q = kmeans_quantize(img, 6)
    assert q.dtype == np.uint8 and q.shape == img.shape
    assert 1 < len(np.unique(q.reshape(-1, 3), axis=0)) <= 6


def _brute_adjacency(points):
    tri = Delaunay(points)
    adj = np.zeros((len(points),) * 2, bool)
    for s in tri.simplices:
        for a in s:
            adj[a, s] = True
    np.fill_diagonal(adj, False)
    return adj


def test_generic_palette_matches_delaunay():
    pts = np.random.default_rng(2).normal(size=(30, 3)) * 20
    np.testing.assert_array_equal(palette_adjacency(pts), _brute_adjacency(pts))


def test_degenerate_palettes():
    assert not palette_adjacency(np.zeros((1, 3))).any()
    assert palette_adjacency(np.array([[0, 0, 0], [9, 9, 9.0]])).sum() == 2
    # grayscale / collinear: consecutive values only
    adj = palette_adjacency(np.array([[0.0], [50.0], [20.0], [90.0]]))
    assert adj[0, 2] and adj[2, 1] and adj[1, 3] and not adj[0, 1] and not adj[0, 3]
    line = np.array([[0, 0, 0], [1, 1, 1], [3, 3, 3], [2, 2, 2.0]])
    adj = palette_adjacency(line)
    assert adj[0, 1] and adj[1, 3] and adj[3, 2] and not adj[0, 2]
    # coplanar: 2-D Delaunay inside the plane, no QhullError
    plane = np.array([[0, 0, 5], [10, 0, 5], [0, 10, 5], [10, 10, 5], [30, 30, 5.0]])
    adj = palette_adjacency(plane)
    assert adj[3, 4] and not adj[0, 4]
    # lattice (bit truncation): face, edge and corner neighbours of a cube cell
    g = np.stack(np.meshgrid(*[np.arange(3.0)] * 3, indexing="ij"), -1).reshape(-1, 3)
    adj = palette_adjacency(g)
    assert adj[0].sum() == 7 and adj[13].sum() == 26


def test_neighbour_lists():
    adj = palette_adjacency(np.array([[0.0], [1.0], [2.0]]))
    indptr, nb = neighbour_lists(adj)
    assert list(indptr) == [0, 1, 3, 4] and list(nb) == [1, 0, 2, 1]
