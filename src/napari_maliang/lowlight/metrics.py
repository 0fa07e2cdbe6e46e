"""Evaluation metrics of the paper (section IV): PSNR, SSIM and SIFT feature retrieval.

The feature-retrieval measure follows Loh et al. 2019 (the paper's ref. [3]): SIFT keypoints are
detected in the enhanced image and in the well-lit ground truth; a keypoint of the enhanced image
is *retrieved* when its descriptor matches a ground-truth descriptor (mutual nearest neighbour
passing Lowe's ratio test) at the same place (within ``radius`` pixels; the images are aligned).
precision = retrieved / keypoints of the enhanced image, recall = retrieved / keypoints of the
ground truth, F1 their harmonic mean.
"""

from __future__ import annotations

import numpy as np

from napari_maliang._shared import metrics as shared
from napari_maliang.lowlight._image import as_unit_float, luminance

__all__ = ["psnr", "sift_retrieval", "ssim"]


def _pair(a, b):
    a = as_unit_float(a, name="image")
    b = as_unit_float(b, name="reference")
    if a.shape != b.shape:
        raise ValueError(f"images must have the same shape, got {a.shape} and {b.shape}")
    return a, b


def psnr(image, truth) -> float:
    """Peak signal-to-noise ratio in dB on the 0..1 scale (inf for identical images).

    References
    ----------
    .. [1] Y. P. Loh, "A New Framework for Efficient Low-light Image Enhancement using Approximated Gaussian Process", section IV.
    """
    return shared.psnr(*_pair(image, truth), data_range=1.0)


def ssim(image, truth) -> float:
    """Structural similarity (scikit-image, Gaussian-weighted as in Wang et al. 2004).

    References
    ----------
    .. [1] Z. Wang, A. C. Bovik, H. R. Sheikh, E. P. Simoncelli, "Image quality assessment: from error visibility to structural similarity", IEEE Trans. Image Process. 13(4), 600-612 (2004), doi:10.1109/TIP.2003.819861.
    """
    return shared.ssim(*_pair(image, truth), data_range=1.0, gaussian=True)


def _sift(gray):
    from skimage.feature import SIFT

    det = SIFT()
    try:
        det.detect_and_extract(gray)
    except RuntimeError:  # no keypoints at all
        return np.empty((0, 2)), np.empty((0, 128), np.uint8)
    return det.keypoints.astype(np.float64), det.descriptors


def sift_retrieval(image, truth, *, radius: float = 3.0, max_ratio: float = 0.8) -> dict:
    """SIFT feature retrieval of ``image`` against the ground truth ``truth`` (see module doc).

    Returns
    -------
    dict with ``precision``, ``recall``, ``f1``, ``n_image``, ``n_truth``, ``n_retrieved``.

    References
    ----------
    .. [1] Y. P. Loh, X. Liang, C. S. Chan, "Low-light image enhancement using Gaussian Process for features retrieval", Signal Processing: Image Communication 74, 175-190 (2019).
    .. [2] D. G. Lowe, "Distinctive image features from scale-invariant keypoints", Int. J. Comput. Vis. 60, 91-110 (2004), doi:10.1023/B:VISI.0000029664.99615.94.
    """
    from skimage.feature import match_descriptors

    a, b = _pair(image, truth)
    ka, da = _sift(luminance(a).astype(np.float64))
    kb, db = _sift(luminance(b).astype(np.float64))
    n_ret = 0
    if len(ka) and len(kb):
        m = match_descriptors(da, db, cross_check=True, max_ratio=max_ratio)
        if len(m):
            dist = np.linalg.norm(ka[m[:, 0]] - kb[m[:, 1]], axis=1)
            n_ret = int(np.count_nonzero(dist <= radius))
    precision = n_ret / len(ka) if len(ka) else 0.0
    recall = n_ret / len(kb) if len(kb) else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "n_image": len(ka),
        "n_truth": len(kb),
        "n_retrieved": n_ret,
    }
