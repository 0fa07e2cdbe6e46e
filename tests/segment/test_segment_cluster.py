"""k-means segmentation on colour and colour + position features."""

import numpy as np
import pytest

from napari_maliang.segment import kmeans_segment, pixel_features


def three_colour_image(noise=0.0, seed=0):
    rng = np.random.default_rng(seed)
    truth = np.zeros((60, 90), dtype=np.int32)
    truth[:, 30:60] = 1
    truth[:, 60:] = 2
    palette = np.array([[20, 30, 40], [200, 40, 40], [240, 240, 230]], dtype=np.float64)
    image = palette[truth] + rng.normal(0, noise, truth.shape + (3,))
    return np.clip(image, 0, 255).astype(np.uint8), truth


def test_recovers_three_colours_ordered_by_brightness():
    image, truth = three_colour_image(noise=12)
    labels = kmeans_segment(image, 3, seed=1)
    assert labels.dtype == np.int32 and labels.shape == truth.shape
    # labels 1..3 by increasing brightness = the palette order
    assert np.mean(labels == truth + 1) > 0.99


def test_seeded_and_order_independent_of_seed():
    image, truth = three_colour_image(noise=12)
    a = kmeans_segment(image, 3, seed=5)
    b = kmeans_segment(image, 3, seed=5)
    c = kmeans_segment(image, 3, seed=6)
    assert np.array_equal(a, b)
    assert np.mean(a == c) > 0.99  # same clusters, same brightness ordering


def test_grayscale_two_clusters():
    rng = np.random.default_rng(2)
    image = np.where(rng.random((40, 40)) < 0.5, 50.0, 150.0) + rng.normal(0, 5, (40, 40))
    labels = kmeans_segment(image, 2)
    assert np.array_equal(labels == 2, image > 100)


def test_position_features_split_same_colour_blobs():
    image = np.zeros((40, 80, 3), dtype=np.uint8)
    image[10:30, 5:25] = 255  # two white squares far apart on black
    image[10:30, 55:75] = 255
    labels = kmeans_segment(image, 4, use_position=True, position_weight=3.0, seed=0)
    left, right = labels[20, 15], labels[20, 65]
    assert left != right
    assert (labels[10:30, 5:25] == left).mean() > 0.95
    assert (labels[10:30, 55:75] == right).mean() > 0.95
    feats = pixel_features(image, use_position=True)
    assert feats.shape == (40 * 80, 5)


def test_k_larger_than_distinct_colours():
    image, _ = three_colour_image(noise=0)
    with pytest.raises(ValueError, match=r"k=4 is larger than the number of distinct colours in the image \(3\)"):
        kmeans_segment(image, 4)
    # exactly as many clusters as colours is fine and exact
    labels = kmeans_segment(image, 3)
    assert len(np.unique(labels)) == 3


@pytest.mark.parametrize(
    ("image", "k", "exc", "match"),
    [
        (np.zeros((0, 4)), 2, ValueError, "empty"),
        (np.array([[1.0, np.nan], [2.0, 3.0]]), 2, ValueError, "NaN/inf"),
        (np.zeros((3, 8, 8)), 2, ValueError, "per plane"),
        (np.arange(16.0).reshape(4, 4), 0, ValueError, "k must be an integer >= 1, got 0"),
        (np.arange(16.0).reshape(4, 4), 2.5, TypeError, "k must be an integer"),
    ],
)
def test_bad_input(image, k, exc, match):
    with pytest.raises(exc, match=match):
        kmeans_segment(image, k)


def test_constant_image_k1():
    labels = kmeans_segment(np.full((5, 5), 3.0), 1)
    assert (labels == 1).all()
