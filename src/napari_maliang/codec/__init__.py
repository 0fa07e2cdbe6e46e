"""Edge + source-point image codec decoded by PDE inpainting (Bastani, Helfroush & Kasiri 2010).

``encode(image, bpp=0.2)`` keeps a thinned Sobel edge map (lossless, context-adaptive arithmetic
coding) and quantized source points on both sides of every edge; ``decode(data)`` rebuilds the
image by 1-D diffusion along the edges and Laplace diffusion inside the regions (eq. 1-10),
solved as one sparse system. Files use the ``.mlg`` format (:mod:`.format`).
"""

from napari_maliang._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(
    __name__,
    {
        "encode": "core",
        "encode_iter": "core",
        "encode_steps": "core",
        "EncodeOptions": "options",
        "rate_distortion": "compare",
        "rate_distortion_steps": "compare",
        "decode": "core",
        "decode_details": "core",
        "DecodeResult": "core",
        "prepare_image": "core",
        "read_mlg": "core",
        "write_mlg": "core",
        "CodecError": "format",
        "cartoon": "samples",
    },
)
