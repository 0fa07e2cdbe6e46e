import numpy as np
import pytest

from napari_maliang.lowlight.samples import PHOTOS, dark_photo, darken, photo


@pytest.mark.parametrize("name", PHOTOS)
def test_photos_load_offline(name):
    img = photo(name, size=64)
    assert img.dtype == np.float32 and img.ndim == 3 and max(img.shape[:2]) == 64


def test_dark_photo_default():
    dark, orig = dark_photo()
    assert dark.shape == orig.shape == (512, 512, 3)
    assert dark.dtype == np.float32 and 0 <= dark.min() and dark.max() <= 1
    assert dark.mean() == pytest.approx((orig**2.5).mean(), rel=0.02)


def test_darken_noise_statistics():
    flat = np.full((200, 200), 0.5, np.float32)
    d = darken(flat, gamma=2, peak=1000, seed=0)
    assert d.mean() == pytest.approx(0.25, abs=0.002)
    assert d.std() == pytest.approx(np.sqrt(0.25 * 1000) / 1000, rel=0.05)  # Poisson
    np.testing.assert_array_equal(darken(flat, gamma=2, peak=0), flat**2)
    with pytest.raises(ValueError, match="unknown photo"):
        photo("lena")
