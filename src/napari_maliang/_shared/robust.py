"""Robust statistics shared by the tools."""

from __future__ import annotations

import numpy as np

__all__ = ["MAD_TO_SIGMA", "MEAN_ABS_TO_SIGMA", "mad_sigma"]

#: ``1 / Phi^-1(3/4)``: the median absolute deviation of a normal sample times this is its standard deviation
MAD_TO_SIGMA = 1.482602218505602

#: ``sqrt(pi / 2)``: the mean absolute deviation of a normal sample times this is its standard deviation (the
#: fallback where the median absolute deviation is 0, as on heavily quantized data)
MEAN_ABS_TO_SIGMA = 1.2533141373155001


def mad_sigma(x, axis=None):
    """Robust standard deviation ``MAD_TO_SIGMA * median(|x - median(x)|)`` (along ``axis``).

    Examples
    --------
    >>> float(mad_sigma([1.0, 2.0, 3.0, 4.0, 100.0]))  # the outlier does not count
    1.482602218505602
    """
    x = np.asarray(x, dtype=np.float64)
    return MAD_TO_SIGMA * np.median(np.abs(x - np.median(x, axis=axis, keepdims=True)), axis=axis)
