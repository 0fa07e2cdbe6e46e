"""napari-maliang: Ma Liang's brushes for napari.

Five image-science tools as napari widgets and plain-Python functions:

- :mod:`napari_maliang.smlm` -- PALM/STORM localization, drift correction, rendering, motion statistics
- :mod:`napari_maliang.dequantize` -- restore smooth colour from colour-quantized images
- :mod:`napari_maliang.codec` -- edge + source-point image codec decoded by PDE inpainting
- :mod:`napari_maliang.lowlight` -- low-light enhancement with an approximated Gaussian process
- :mod:`napari_maliang.segment` -- thresholding, clustering, region growing and morphology

Importing this package is cheap: sub-packages (and numba, cupy, dask, napari)
are imported only when first used.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

_SUBPACKAGES = ("codec", "dequantize", "lowlight", "segment", "smlm")

__all__ = ["__version__", *_SUBPACKAGES]


def __getattr__(name: str):
    if name in _SUBPACKAGES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(__all__)
