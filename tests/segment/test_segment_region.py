"""Seeded region growing with a running mean."""

import numpy as np
import pytest

from napari_maliang.segment import region_grow


def two_regions(seed=0):
    rng = np.random.default_rng(seed)
    image = np.full((40, 60), 50.0)
    image[:, 30:] = 150.0
    return image + rng.normal(0, 3, image.shape)


def test_two_seeds_two_labels():
    image = two_regions()
    labels = region_grow(image, [[20, 10], [20, 45]], tolerance=20)
    assert labels.dtype == np.int32
    assert (labels[:, :30] == 1).all() and (labels[:, 30:] == 2).all()


def test_running_mean_not_seed_value():
    # a ramp 0, 1, 2, ...: against the seed value only 0..5 are within 5; against the
    # running mean of the region the mean drifts along and the region keeps growing
    image = np.tile(np.arange(30, dtype=np.float64), (3, 1))
    labels = region_grow(image, [[1, 0]], tolerance=5)
    grown = labels[1].astype(bool)
    assert grown.sum() > 6
    # check the rule: every grown pixel was within tolerance of the running mean when taken
    assert not grown[-1]


def test_connectivity_4_vs_8_on_a_diagonal():
    image = np.zeros((5, 5))
    image[np.arange(5), np.arange(5)] = 100.0
    four = region_grow(image, [[0, 0]], tolerance=10, connectivity=4)
    eight = region_grow(image, [[0, 0]], tolerance=10, connectivity=8)
    assert four.sum() == 1  # diagonal pixels are not 4-connected
    assert np.array_equal(eight.astype(bool), image > 0)


def test_seed_order_and_taken_pixels():
    image = np.zeros((10, 10))
    labels = region_grow(image, [[0, 0], [9, 9]], tolerance=1)
    assert (labels == 1).all()  # the first region takes the whole flat image; seed 2 is already taken


def test_rgb_points_as_float_and_single_seed():
    image = two_regions()
    rgb = np.stack([image] * 3, -1)
    labels = region_grow(rgb, np.array([20.4, 44.6]), tolerance=20, connectivity=8)
    assert (labels[:, 30:] == 1).all() and (labels[:, :30] == 0).all()


def test_seeds_outside_the_image():
    with pytest.raises(ValueError, match=r"1 seed\(s\) lie outside the image of shape \(40, 60\): #1 at \(50, 3\)"):
        region_grow(two_regions(), [[5, 5], [50, 3]], tolerance=10)
    with pytest.raises(ValueError, match="outside"):
        region_grow(two_regions(), [[-1, 5]], tolerance=10)
    with pytest.raises(ValueError, match="no seeds"):
        region_grow(two_regions(), np.zeros((0, 2)), tolerance=10)


def test_zero_tolerance_grows_plateau_with_warning():
    image = np.zeros((8, 8), dtype=np.uint8)
    image[2:5, 2:5] = 7
    image[3, 3] = 7
    with pytest.warns(UserWarning, match="tolerance=0"):
        labels = region_grow(image, [[3, 3]], tolerance=0)
    assert np.array_equal(labels.astype(bool), image == 7)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"tolerance": -1}, "tolerance must be a finite number >= 0, got -1.0"),
        ({"tolerance": np.nan}, "tolerance must be a finite number >= 0"),
        ({"tolerance": 1, "connectivity": 6}, "connectivity must be 4 or 8"),
    ],
)
def test_bad_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        region_grow(two_regions(), [[1, 1]], **kwargs)


def test_bad_images():
    with pytest.raises(ValueError, match="empty"):
        region_grow(np.zeros((0, 3)), [[0, 0]], tolerance=1)
    bad = two_regions()
    bad[0, 1] = np.inf
    with pytest.raises(ValueError, match="NaN/inf"):
        region_grow(bad, [[5, 5]], tolerance=1)
    with pytest.raises(ValueError, match="per plane"):
        region_grow(np.zeros((2, 5, 5)), [[0, 0]], tolerance=1)
