import numpy as np
import pytest

from napari_maliang.lowlight.training import kmeans, kmeans_plus_plus, patch_pairs, tile_patches


def test_tile_patches_known_layout():
    plane = np.arange(4 * 7, dtype=np.float32).reshape(4, 7)
    tiles = tile_patches(plane, 2, 3)
    assert tiles.shape == (4, 6)  # 2 x 2 tiles, the 7th column is dropped
    np.testing.assert_array_equal(tiles[0], [0, 1, 2, 7, 8, 9])
    np.testing.assert_array_equal(tiles[3], [17, 18, 19, 24, 25, 26])


def test_patch_pairs_concatenates_low_then_reference():
    low = np.arange(36, dtype=np.float32).reshape(6, 6)
    ref = low + 100
    x = patch_pairs(low, ref, patch=(3, 3))
    assert x.shape == (4, 18)  # d = 2 p q
    np.testing.assert_array_equal(x[:, 9:], x[:, :9] + 100)
    rgb = np.stack([low, low + 1, low + 2], axis=-1)
    assert patch_pairs(rgb, rgb, patch=(3, 3)).shape == (12, 18)  # channels pooled
    with pytest.raises(ValueError, match="smaller than one"):
        patch_pairs(low[:2], ref[:2], patch=(3, 3))


def test_kmeans_recovers_separated_clusters(rng):
    means = np.array([[0, 0, 0], [5, 5, 0], [0, 5, 5], [5, 0, 5]], np.float32)
    x = np.vstack([m + 0.1 * rng.standard_normal((300, 3)) for m in means]).astype(np.float32)
    centres, labels = kmeans(x, 4, seed=0, max_points=None)
    match = np.argmin(((centres[:, None] - means[None]) ** 2).sum(-1), axis=1)
    assert sorted(match) == [0, 1, 2, 3]
    np.testing.assert_allclose(centres, means[match], atol=0.05)
    assert np.bincount(labels).tolist() == [300] * 4


def test_kmeans_is_seeded(rng):
    x = rng.random((500, 6), dtype=np.float32)
    a, _ = kmeans(x, 7, seed=5)
    b, _ = kmeans(x, 7, seed=5)
    np.testing.assert_array_equal(a, b)


def test_kmeans_plus_plus_picks_distinct_points(rng):
    x = rng.random((200, 2), dtype=np.float32)
    c = kmeans_plus_plus(x, 10, rng=np.random.default_rng(0))
    assert len(np.unique(c, axis=0)) == 10
    assert all((x == ci).all(axis=1).any() for ci in c)


def test_k_larger_than_points_is_reduced_with_warning(rng):
    x = rng.random((5, 4), dtype=np.float32)
    with pytest.warns(UserWarning, match="larger than the number of training patches"):
        c, _ = kmeans(x, 9)
    assert c.shape == (5, 4)


def test_duplicate_points_reduce_k_with_warning():
    x = np.repeat(np.array([[0.0, 1.0], [1.0, 0.0]], np.float32), 10, axis=0)
    with pytest.warns(UserWarning, match="distinct"):
        c, _ = kmeans(x, 5)
    assert len(c) == 2
