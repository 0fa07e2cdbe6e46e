"""PALM/STORM single-molecule localization microscopy (Quan et al., MaLiang).

Detection and Poisson maximum-likelihood fitting of single molecules on CPU (numba)
and GPU (cupy), drift correction, super-resolution rendering and motion Z-statistics.
Every name below is imported lazily on first use.
"""

from napari_maliang._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(
    __name__,
    {
        "Camera": "camera",
        "simulate_movie": "simulate",
        "simulate_spots": "simulate",
        "FitResult": "fit",
        "fit_spots": "fit",
        "localize": "pipeline",
        "iter_localize": "pipeline",
        "localize_steps": "pipeline",
        "LocalizeOptions": "options",
        "estimate_psf_sigma": "pipeline",
        "LocalizeProgress": "pipeline",
        "palm_sample": "sample",
        "read_localizations": "io",
        "write_localizations": "io",
        "correct_drift": "drift",
        "apply_drift": "drift",
        "find_fiducials": "drift",
        "render": "rendering",
        "render_layer_kwargs": "rendering",
        "motion_z_statistics": "motion",
        "motion_analysis": "motion",
        "MotionResult": "motion",
        "open_stack": "io",
        "open_acquisition": "acquisition",
        "nena": "resolution",
        "frc": "resolution",
        "filter_localizations": "filtering",
        "link": "linking",
        "cluster": "clustering",
        "cluster_stats": "clustering",
    },
)
