import numpy as np
import pytest

from napari_maliang.lowlight._image import as_unit_float, luminance, rgb_to_ycbcr, ycbcr_to_rgb


def test_integer_scales():
    assert as_unit_float(np.array([[0, 255]], np.uint8)).tolist() == [[0.0, 1.0]]
    out = as_unit_float(np.array([[0, 65535, 32768]], np.uint16))
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, [[0, 1, 32768 / 65535]], atol=1e-6)


def test_float_above_one_is_rescaled_with_warning():
    with pytest.warns(UserWarning, match="divided by its maximum"):
        out = as_unit_float(np.array([[0.0, 2.0, 4.0]]))
    np.testing.assert_allclose(out, [[0, 0.5, 1]])


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_nan_and_inf_rejected(bad):
    img = np.zeros((8, 8, 3), np.float32)
    img[2, 3, 1] = bad
    with pytest.raises(ValueError, match="NaN/inf"):
        as_unit_float(img)


def test_shapes():
    assert as_unit_float(np.zeros((4, 5, 4), np.uint8)).shape == (4, 5, 3)  # alpha dropped
    assert as_unit_float(np.zeros((4, 5, 1), np.uint8)).shape == (4, 5)
    with pytest.raises(ValueError, match=r"\(H, W, 3\)"):
        as_unit_float(np.zeros((4, 5, 2)))
    with pytest.raises(ValueError, match="empty"):
        as_unit_float(np.zeros((0, 5)))
    with pytest.raises(TypeError):
        as_unit_float(np.array([["a"]]))


def test_ycbcr_round_trip(rng):
    rgb = rng.random((6, 7, 3), dtype=np.float32)
    ycc = rgb_to_ycbcr(rgb)
    np.testing.assert_allclose(ycbcr_to_rgb(ycc), rgb, atol=1e-5)
    np.testing.assert_allclose(ycc[..., 0], luminance(rgb), atol=1e-6)
    grey = np.full((2, 2, 3), 0.3, np.float32)
    np.testing.assert_allclose(rgb_to_ycbcr(grey), np.broadcast_to([0.3, 0.5, 0.5], (2, 2, 3)), atol=1e-6)
