import numpy as np
import pytest

from napari_maliang.lowlight.metrics import psnr, sift_retrieval, ssim


def test_psnr_known_values():
    a = np.zeros((10, 10), np.float32)
    assert psnr(a + 0.1, a) == pytest.approx(20.0, abs=1e-4)
    assert psnr(a, a) == float("inf")
    with pytest.raises(ValueError, match="same shape"):
        psnr(a, a[:5])


def test_ssim_identity_and_degradation(small_photo):
    assert ssim(small_photo, small_photo) == pytest.approx(1.0)
    assert ssim(small_photo * 0.5, small_photo) < 0.9


def test_sift_retrieval_identity_and_darkening(small_photo):
    same = sift_retrieval(small_photo, small_photo)
    assert same["n_truth"] > 20
    # a few keypoints have several orientations with near-equal descriptors and fail the ratio test
    assert same["precision"] > 0.95 and same["recall"] > 0.95
    dark = sift_retrieval(small_photo**4 * 0.5, small_photo)
    assert dark["recall"] < same["recall"]
    assert 0 <= dark["f1"] <= 1


def test_sift_on_blank_image_is_zero(small_photo):
    res = sift_retrieval(np.zeros_like(small_photo), small_photo)
    assert res["n_image"] == 0 and res["precision"] == 0 and res["f1"] == 0
