"""Sample-data contributions (File > Open Sample > Ma Liang), generated on the fly."""

from __future__ import annotations


def coins():
    """Greek coins from scikit-image: a classic thresholding and region-growing test image."""
    from skimage import data

    return [(data.coins(), {"name": "coins"}, "image")]
