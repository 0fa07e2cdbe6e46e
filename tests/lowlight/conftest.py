import numpy as np
import pytest

from napari_maliang.lowlight.samples import darken, photo


@pytest.fixture(scope="session")
def small_photo():
    """Chelsea the cat, 128 px, float32 RGB on 0..1 (bundled with scikit-image, offline)."""
    return photo("chelsea", size=128)


@pytest.fixture(scope="session")
def dark_pair(small_photo):
    return darken(small_photo, gamma=2.5, peak=1000, seed=3), small_photo


@pytest.fixture
def rng():
    return np.random.default_rng(1234)
