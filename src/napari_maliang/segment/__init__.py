"""The segmentation toolbox: thresholds, clustering, region growing and morphology.

Pure NumPy / SciPy / scikit-image (numba for region growing and thinning), no napari or Qt.
Each function documents the lecture section ("Image Segmentation", Siyue Yu) it implements;
see ``docs/segmentation.md``. Submodules are imported on first use.

- thresholds: :func:`otsu_threshold`, :func:`iterative_threshold`, :func:`adaptive_threshold`
  (and :func:`otsu_table` for the lecture's table of within/between-class variances)
- clustering: :func:`kmeans_segment`
- region growing: :func:`region_grow`
- morphology: :func:`erosion`, :func:`dilation`, :func:`opening`, :func:`closing`,
  :func:`hit_or_miss`, :func:`thin`, :func:`thicken`
"""

from napari_maliang._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(
    __name__,
    {
        # thresholds
        "otsu_threshold": "threshold",
        "otsu_table": "threshold",
        "OtsuTable": "threshold",
        "iterative_threshold": "threshold",
        "adaptive_threshold": "threshold",
        "adaptive_threshold_steps": "threshold",
        "AdaptiveInfo": "threshold",
        "apply_threshold": "threshold",
        "OtsuOptions": "threshold",
        "IterativeOptions": "threshold",
        "AdaptiveOptions": "threshold",
        # clustering
        "kmeans_segment": "cluster",
        "kmeans_segment_steps": "cluster",
        "pixel_features": "cluster",
        "KMeansOptions": "cluster",
        # region growing
        "region_grow": "region",
        "RegionGrowOptions": "region",
        # morphology
        "erosion": "morphology",
        "dilation": "morphology",
        "opening": "morphology",
        "closing": "morphology",
        "hit_or_miss": "morphology",
        "thin": "morphology",
        "thicken": "morphology",
        "apply_morphology": "morphology",
        "MorphologyOptions": "morphology",
        "structuring_element": "morphology",
        "parse_structuring_element": "morphology",
        "THINNING_ELEMENTS": "morphology",
        # input helpers
        "to_gray": "threshold",
    },
)
