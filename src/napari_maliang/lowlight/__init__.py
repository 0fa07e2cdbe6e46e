"""Low-light image enhancement with an approximated Gaussian process (Loh; see docs/lowlight.md).

``enhance(image, k=30, patch=3, reference="auto", model="rgb", backend="auto")`` returns a float32
image on 0..1. Submodules: :mod:`.reference` (I_R generators), :mod:`.training` (patch pairs,
k-means++), :mod:`.gp` (squared-exponential GP), :mod:`.enhancement`, :mod:`.metrics` (PSNR, SSIM,
SIFT retrieval), :mod:`.noise` (photon-noise pre-filter), :mod:`.samples`. Everything is loaded lazily.
"""

from napari_maliang._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(
    __name__,
    {
        "enhance": "enhancement",
        "enhance_steps": "enhancement",
        "EnhanceResult": "enhancement",
        "EnhanceOptions": "enhancement",
        "classical_reference": "reference",
        "estimate_gamma": "reference",
        "estimate_stack_gamma": "reference",
        "exposure_posterior": "reference",
        "illumination_map": "reference",
        "lime_enhance": "reference",
        "make_reference": "reference",
        "OnnxReference": "reference",
        "kmeans": "training",
        "patch_pairs": "training",
        "fit_gp": "gp",
        "GPModel": "gp",
        "predict_plane": "gp",
        "psnr": "metrics",
        "ssim": "metrics",
        "sift_retrieval": "metrics",
        "estimate_noise": "noise",
        "photon_denoise": "noise",
        "dark_photo": "samples",
        "darken": "samples",
    },
)
