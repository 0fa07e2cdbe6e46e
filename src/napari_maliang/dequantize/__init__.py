"""Image dequantization: restore smooth colour from colour-quantized images (Kim, Ahn & Choi).

Public API: :func:`dequantize` (and its generator :func:`dequantize_steps`), :class:`Dequantizer`
for repeated solves with changing brushes, :func:`kmeans_quantize`, :func:`requantization_mask`,
:func:`recognise_lattice` (bit-depth reduction and posterization palettes, see :mod:`.lattice`),
the brush constants in :mod:`.brushes`, and :func:`quantized_photo` sample data.
"""

from napari_maliang._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(
    __name__,
    {
        "dequantize": "core",
        "dequantize_steps": "core",
        "Dequantizer": "core",
        "DequantizeOptions": "options",
        "DitheredImageError": "core",
        "dither_score": "regions",
        "kmeans_quantize": "regions",
        "requantization_mask": "cells",
        "recognise_lattice": "lattice",
        "fit_lattice": "lattice",
        "palette_adjacency": "adjacency",
        "BRUSHES": "brushes",
        "BRUSH_COLORS": "brushes",
        "quantized_photo": "samples",
        "smooth_synthetic": "samples",
    },
)
