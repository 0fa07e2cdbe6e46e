"""The options of the PALM/STORM tools (:mod:`napari_maliang._shared.options`): localization, drift, rendering and
motion. Only declarations, no implementation, so the command line and the widgets can build their controls without
loading the tools (numba, SciPy, pandas).
"""

from __future__ import annotations

from dataclasses import dataclass

from napari_maliang._shared.options import REQUIRED, Options, option

__all__ = [
    "DEFAULT_MIN_LLR",
    "DRIFT_METHODS",
    "ClusterOptions",
    "FrcOptions",
    "LinkOptions",
    "RENDER_METHODS",
    "FiducialDriftOptions",
    "LocalizeOptions",
    "MotionOptions",
    "NenaOptions",
    "RccDriftOptions",
    "RenderOptions",
]

DEFAULT_MIN_LLR = 30.0  # 2 log-likelihood gain of two emitters over one before a spot is split


@dataclass(frozen=True)
class LocalizeOptions(Options):
    """Options of :func:`localize` (Quan et al. 2010, section 2.2; the camera is given apart)."""

    references = (
        '.. [1] T. Quan, P. Li, F. Long, S. Zeng, Q. Luo, P. N. Hedde, G. U. Nienhaus, Z.-L. Huang, "Ultra-fast, high-precision image analysis for localization-based super resolution microscopy", Optics Express 18(11), 11867-11876 (2010), doi:10.1364/OE.18.011867, section 2.2 and Fig. 1; the two-emitter refit of overlaps is beyond the paper (docs/smlm-fitting.md).'
    )

    psf_sigma: float = option(
        1.3, "PSF standard deviation: filter sizes, and the initial (or fixed) fit width.", symbol="σ", unit="px",
        low=0, low_open=True, step=0.05, label="PSF sigma",
    )
    threshold: float = option(
        5.0, "Detection threshold in multiples of the robust noise std of the filtered frame (paper: 5).",
        unit="noise std", low=0, low_open=True, step=0.5,
    )
    box: int = option(7, "Odd side of the fitted sub-region (paper: 7).", unit="px", low=3, step=2)
    backend: str = option("auto", "Where detection and fitting run: 'auto' takes the GPU when cupy has one.",
                          choices=("auto", "cpu", "gpu"))
    chunk_frames: int | None = option(
        None, "Frames per chunk: the working memory is bounded by a chunk, not by the stack.", low=1,
        none="auto: about 32 MiB of float32 frames (512 MiB on a GPU)", none_names=("auto",),
    )
    iterations: int = option(10, "Maximum-likelihood (Levenberg-Marquardt) iterations per fit (paper section 3.2).", low=1)
    fit_sigma: bool = option(
        True, "Fit the PSF width too and reject spots whose width is off: overlapping molecules (section 2.3).",
        flag="--fit-sigma",
    )
    min_distance: int = option(2, "Radius of the local-maximum test of the detection.", unit="px", low=1)
    reject_n_std: float | None = option(
        3.5, "Reject spots whose fitted width is this many robust standard deviations off the median (section 2.3).",
        low=0, low_open=True, none="keep every width",
    )
    multi_emitter: bool = option(
        True, "Refit suspected overlaps with two emitters and keep both when the likelihood-ratio test prefers two.",
        label="separate overlapping pairs",
    )
    min_llr: float = option(
        DEFAULT_MIN_LLR, "Threshold of that test on 2 (log L2 - log L1).", low=0, label="pair threshold (LLR)"
    )

    def check(self) -> None:
        if self.box % 2 == 0:
            raise ValueError(f"box must be an odd integer >= 3 (the spot sits on the centre pixel), got {self.box}")


@dataclass(frozen=True)
class FiducialDriftOptions(Options):
    """Options of ``correct_drift(method="fiducial")`` (paper section 3.3, Fig. 6)."""

    references = (
        '.. [1] T. Quan, P. Li, F. Long, S. Zeng, Q. Luo, P. N. Hedde, G. U. Nienhaus, Z.-L. Huang, "Ultra-fast, high-precision image analysis for localization-based super resolution microscopy", Optics Express 18(11), 11867-11876 (2010), doi:10.1364/OE.18.011867, section 3.3 and Fig. 6.'
    )

    radius: float = option(3.0, "Localizations within this distance of a bead belong to it.", unit="px", low=0,
                           low_open=True, step=0.5, label="bead radius")
    min_presence: float = option(0.5, "A bead is present in at least this fraction of the frames.", low=0,
                                 low_open=True, high=1, step=0.05)
    max_spread: float = option(0.3, "A bead's track, less its slow drift, scatters by less than this (keeps dense "
                               "blinking structures out).", unit="px", low=0, low_open=True, step=0.05)
    smoothing: float | None = option(None, "Smoothing-spline parameter lam of the averaged bead track.", low=0,
                                     none="automatic: generalized cross-validation")
    remove_fiducials: bool = option(False, "Drop the bead localizations from the corrected table.")


@dataclass(frozen=True)
class RccDriftOptions(Options):
    """Options of ``correct_drift(method="rcc")`` (redundant cross-correlation, Wang et al. 2014)."""

    references = (
        '.. [1] Y. Wang, J. Schnitzbauer, Z. Hu, X. Li, Y. Cheng, Z.-L. Huang, B. Huang, "Localization events-based sample drift correction for localization microscopy with redundant cross-correlation algorithm", Optics Express 22(13), 15982-15991 (2014), doi:10.1364/OE.22.015982.'
    )

    segment_frames: int = option(1000, "Frames per time segment.", low=1, step=100, label="segment frames")
    bin_size: float | None = option(None, "Pixel of the segment images, in camera pixels.", unit="px", low=0,
                                    low_open=True, step=0.05,
                                    none="automatic: 0.4, coarser for wide fields (about 480 bins at most)")
    blur: float = option(0.3, "Gaussian blur of the segment images.", unit="px", low=0, step=0.05)
    max_shift: float = option(5.0, "Largest drift between two segments.", unit="px", low=0, low_open=True)
    rmax: float = option(0.2, "Pairs whose residual exceeds this are dropped one by one (outlier rejection).",
                         unit="px", low=0, low_open=True, step=0.05)
    min_locs: int = option(50, "Least localizations per segment.", low=1)
    refine: bool = option(True, "Measure a second round on the segment images shifted by the first estimate.")


#: the drift methods and their options
DRIFT_METHODS = {"fiducial": FiducialDriftOptions, "rcc": RccDriftOptions}

RENDER_METHODS = ("gaussian", "histogram", "ash")


@dataclass(frozen=True)
class RenderOptions(Options):
    """Options of :func:`render` (paper Figs. 2b-d, 5)."""

    references = (
        '.. [1] T. Quan, P. Li, F. Long, S. Zeng, Q. Luo, P. N. Hedde, G. U. Nienhaus, Z.-L. Huang, "Ultra-fast, high-precision image analysis for localization-based super resolution microscopy", Optics Express 18(11), 11867-11876 (2010), doi:10.1364/OE.18.011867, Figs. 2 and 5.'
    )

    pixel_size: float = option(0.1, "Output pixel size in camera pixels (0.1 renders 10x oversampled).",
                               unit="camera px", low=0, low_open=True, step=0.05, label="pixel")
    method: str = option("gaussian", "Estimator: a Gaussian per localization of its own precision, a histogram, or "
                         "an averaged shifted histogram.", choices=RENDER_METHODS)
    blur: float | None = option(None, "Gaussian only: one standard deviation for every localization instead of its "
                                "own precision (0.15 px when the table has no uncertainty columns).",
                                unit="camera px", low=0, none="each localization's precision")
    min_blur: float = option(0.0, "Gaussian only: the smallest standard deviation.", unit="camera px", low=0)
    max_blur: float = option(2.0, "Gaussian only: the largest standard deviation (bounds the cost of very poor "
                             "localizations).", unit="camera px", low=0, low_open=True)
    ash_shifts: int = option(4, "ASH only: shifts m per axis (bins are m output pixels wide).", low=1)


@dataclass(frozen=True)
class MotionOptions(Options):
    """Options of :func:`motion_analysis` (paper section 2.5, Fig. 7)."""

    references = (
        '.. [1] T. Quan, P. Li, F. Long, S. Zeng, Q. Luo, P. N. Hedde, G. U. Nienhaus, Z.-L. Huang, "Ultra-fast, high-precision image analysis for localization-based super resolution microscopy", Optics Express 18(11), 11867-11876 (2010), doi:10.1364/OE.18.011867, section 2.5 and Fig. 7.'
    )

    block_frames: int = option(
        1000, "Frames per data set (paper: 1000); a final partial block of at least half a block is a set of its own, "
        "a shorter remainder joins the last set.", low=1, step=100, label="frames per set",
    )
    band: float = option(2.0, "Keep localizations at most this far from the line (half-width of the band).",
                         unit="px", low=0, low_open=True, step=0.25)
    reject_sd: float = option(4.0, "Points further than this many standard deviations from a set's regression line "
                              "are rejected, iteratively (paper: 4).", low=0, low_open=True, step=0.5,
                              label="reject (SD)")
    max_iterations: int = option(20, "Limit of rejection rounds per set.", low=1)
    min_locs: int = option(10, "Least localizations a data set must keep.", low=1)


@dataclass(frozen=True)
class LinkOptions(Options):
    """Options of :func:`link`: one molecule's localizations in consecutive frames become one localization."""

    references = (
        '.. [1] P. Annibale, S. Vanni, M. Scarselli, U. Rothlisberger, A. Radenovic, "Quantitative photo activated localization microscopy: unraveling the effects of photoblinking", PLoS ONE 6(7), e22678 (2011), doi:10.1371/journal.pone.0022678.\n'
        '.. [2] J. Schnitzbauer, M. T. Strauss, T. Schlichthaerle, F. Schueder, R. Jungmann, "Super-resolution microscopy with DNA-PAINT", Nature Protocols 12, 1198-1228 (2017), doi:10.1038/nprot.2017.024 (picasso link).\n'
        '.. [3] M. Ovesny, P. Krizek, J. Borkovec, Z. Svindrych, G. M. Hagen, "ThunderSTORM: a comprehensive ImageJ plug-in for PALM and STORM data analysis", Bioinformatics 30(16), 2389-2390 (2014), doi:10.1093/bioinformatics/btu202 (merging).'
    )

    radius: float | None = option(
        None, "Largest distance between two localizations of one molecule.", unit="px", low=0, low_open=True,
        step=0.05, none="from each pair's localization uncertainty",
    )
    max_dark: int = option(1, "Frames a molecule may stay dark between two of its localizations.", unit="frames",
                           low=0, label="max dark frames")


@dataclass(frozen=True)
class FrcOptions(Options):
    """Options of :func:`frc`: Fourier ring correlation of two half data sets (Nieuwenhuizen et al. 2013)."""

    references = (
        '.. [1] R. P. J. Nieuwenhuizen, K. A. Lidke, M. Bates, D. L. Puig, D. Grunwald, S. Stallinga, B. Rieger, "Measuring image resolution in optical nanoscopy", Nature Methods 10, 557-562 (2013), doi:10.1038/nmeth.2448.'
    )

    pixel: float = option(0.1, "Pixel of the two half images.", unit="camera px", low=0, low_open=True, step=0.01)
    block_frames: int = option(500, "The halves are alternate blocks of this many frames.", unit="frames", low=1,
                               step=100)


@dataclass(frozen=True)
class ClusterOptions(Options):
    """Options of :func:`cluster`: DBSCAN on the localizations (Ester et al. 1996; labels as scikit-learn's),
    optionally refined as the sites of single molecules (:func:`~napari_maliang.smlm.clustering.site_members`)."""

    references = (
        '.. [1] M. Ester, H.-P. Kriegel, J. Sander, X. Xu, "A density-based algorithm for discovering clusters in large spatial databases with noise", Proc. KDD-96, 226-231 (1996); on a grid of eps-wide cells with union-find, as in J. Gan, Y. Tao, "DBSCAN revisited: mis-claim, un-fixability, and approximation", Proc. SIGMOD 2015, 519-530, doi:10.1145/2723372.2737792.'
    )

    eps: float = option(REQUIRED, "Neighbourhood radius: localizations closer than this are neighbours.", unit="px",
                        low=0, low_open=True, step=0.05, symbol="ε")
    min_samples: int = option(10, "Neighbours (itself included) that make a localization a cluster core.", low=1,
                              label="min samples")
    members: str = option(
        "density", "Which localizations a cluster keeps: 'density' those DBSCAN gives it (within eps of a core "
        "point); 'gaussian' treats every cluster as the site of one molecule and gives each localization to the "
        "likeliest site's Gaussian or to the background (the Bayes rule; for repeated blinks or DNA-PAINT "
        "binding sites, not for extended structures).", choices=("density", "gaussian"),
    )


@dataclass(frozen=True)
class NenaOptions(Options):
    """Options of :func:`nena`: the distance of each localization to its nearest neighbour in the next frame
    (Endesfelder et al. 2014)."""

    references = (
        '.. [1] U. Endesfelder, S. Malkusch, F. Fricke, M. Heilemann, "A simple method to estimate the average localization precision of a single-molecule localization microscopy experiment", Histochemistry and Cell Biology 141, 629-638 (2014), doi:10.1007/s00418-014-1192-3.'
    )

    max_distance: float | None = option(
        None, "Largest next-frame neighbour distance that is histogrammed and fitted.", unit="px", low=0,
        low_open=True, step=0.1, none="10 times the median localization uncertainty of the table, 1 px without one",
    )
