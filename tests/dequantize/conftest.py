import numpy as np
import pytest


@pytest.fixture
def ramp():
    """A smooth RGB ramp (64 x 256) and its 8-colour k-means quantization."""
    from napari_maliang.dequantize import kmeans_quantize

    x = np.tile(np.linspace(0, 255, 256), (64, 1))
    original = np.stack([x, 255 - x, np.full_like(x, 128)], -1).astype(np.uint8)
    return kmeans_quantize(original, 8), original


@pytest.fixture
def three_tone():
    """Black | gray | white stripes next to a black | white edge: black and white cells are not adjacent."""
    img = np.zeros((20, 30, 3), np.uint8)
    img[:10, 10:20] = 128
    img[:10, 20:] = 255
    img[10:, 15:] = 255
    return img
