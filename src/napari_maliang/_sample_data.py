"""Sample-data contributions (File > Open Sample > Ma Liang), generated on the fly from seeded simulations
and the photos that ship with scikit-image (no download needed)."""

from __future__ import annotations


def coins():
    """Greek coins from scikit-image: a classic thresholding and region-growing test image."""
    from skimage import data

    return [(data.coins(), {"name": "coins"}, "image")]


def palm_movie():
    """A simulated 200-frame PALM stack of blinking emitters on filaments and a ring, with its ground truth."""
    from napari_maliang._io import localization_layer_data
    from napari_maliang.smlm.sample import palm_sample

    movie, truth = palm_sample()
    coords, kwargs, kind = localization_layer_data(truth, "PALM ground truth")
    kwargs.update(visible=False, face_color="white", symbol="cross", size=1.0)
    kwargs.pop("face_colormap", None)
    import numpy as np

    limits = (float(movie.min()), float(np.percentile(movie, 99.9)))
    return [(movie, {"name": "PALM movie", "colormap": "gray", "contrast_limits": limits}, "image"), (coords, kwargs, kind)]


def _quantized(n_colors: int):
    from napari_maliang.dequantize.samples import quantized_photo

    quantized, original = quantized_photo(n_colors)
    return [
        (original, {"name": "original photo", "visible": False}, "image"),
        (quantized, {"name": f"quantized photo ({n_colors} colours)"}, "image"),
    ]


def quantized_8():
    """The astronaut photo quantized to an 8-colour k-means palette, with its original."""
    return _quantized(8)


def quantized_16():
    """The astronaut photo quantized to a 16-colour k-means palette, with its original."""
    return _quantized(16)


def dark_photo():
    """A photo darkened by gamma 2.5 with photon noise, with its original."""
    from napari_maliang.lowlight.samples import dark_photo_layers

    return dark_photo_layers()


def cartoon():
    """A cartoon-like 512x512 image for the inpainting codec."""
    from napari_maliang.codec.samples import cartoon as make_cartoon

    return [(make_cartoon(), {"name": "cartoon", "colormap": "gray"}, "image")]
