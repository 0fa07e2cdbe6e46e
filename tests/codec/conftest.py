import numpy as np
import pytest

from napari_maliang.codec.samples import cartoon


@pytest.fixture(scope="session")
def small_cartoon():
    return cartoon((96, 128), n_shapes=6, seed=5)


@pytest.fixture(scope="session")
def small_cartoon_rgb():
    return cartoon((96, 96), n_shapes=5, rgb=True, seed=7)


@pytest.fixture(scope="session")
def small_stream(small_cartoon):
    from napari_maliang.codec import encode

    return encode(small_cartoon, edge_threshold=6, spacing=6, quant=6)


@pytest.fixture(scope="session")
def small_photo_stream():
    from skimage import data

    from napari_maliang.codec import encode

    return encode(data.astronaut()[200:248, 180:236], bpp=0.8, mode="photo")


def psnr(a, b):
    mse = np.mean((np.asarray(a, float) - np.asarray(b, float)) ** 2)
    return 10 * np.log10(255.0**2 / mse) if mse else np.inf
