"""Low-light enhancement with a k-means-approximated Gaussian process (Loh, paper sections III-IV).

Pipeline of :func:`enhance` (generator twin :func:`enhance_steps` for widgets):

1. the reference I_R (:mod:`.reference`; the paper's CNN, here pluggable);
2. patch pairs of I_L and I_R and their ``k`` k-means centres (:mod:`.training`, section III.B);
3. a squared-exponential GP fitted on the centres by marginal likelihood (:mod:`.gp`);
4. GP prediction for every patch of I_L, averaged where patches overlap;
5. the colour handling of the chosen model: the luminance model (LM, Table I) enhances Y of
   YCbCr and keeps the input's chroma; the colour model (CM, Table II) runs one GP for the three
   RGB channels (patches of every channel pooled, as in the paper);
6. the remedies for the paper's failure cases (section IV.E): a per-channel constraint against
   colour skew (``channel_constraint``) and an optional denoising step (``denoise``).

With ``gp=False`` steps 2-4 are skipped and the reference goes through step 6 (the GP ablation of
issue #16; the photon-noise pre-filter of :mod:`.noise` runs before step 1 either way).

By default (``gp_target="recorruption"``, not in the paper) steps 2-5 are replaced with the built-in reference:
a GP with a linear kernel learns from the image's own re-corrupted copy what the photon filter and the
brightening lose, and restores it (:mod:`.restoration`); its output goes through the photon-noise bound and the
optional denoising of step 6, without the colour model's channel constraint.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

import numpy as np

from napari_maliang._progress import Progress
from napari_maliang._shared.options import Options, option, run_steps, takes_options
from napari_maliang.lowlight._image import as_unit_float, bilateral, luminance, rgb_to_ycbcr, ycbcr_to_rgb

__all__ = ["EnhanceOptions", "EnhanceResult", "enhance", "enhance_steps", "parse_model", "parse_patch"]

_MODELS = {
    "rgb": "rgb",
    "color": "rgb",
    "colour": "rgb",
    "cm": "rgb",
    "y": "y",
    "luminance": "y",
    "lm": "y",
}


@dataclass
class EnhanceResult:
    """Everything :func:`enhance_steps` computed, for widgets and studies.

    ``image`` is the enhanced float32 image on 0..1; ``reference`` the I_R used; ``centres`` the
    ``(k, 2 p q)`` k-means centres (I_L part then I_R part); ``gp`` the fitted :class:`GPModel` (with
    ``gp=False``: no centres and ``None``, and ``image`` is the reference after the post-steps; with the default
    ``gp_target="recorruption"``: no centres and the fitted :class:`~.restoration.RestorationMap`, or ``None``
    for a noise-free image).
    """

    image: np.ndarray
    reference: np.ndarray
    centres: np.ndarray
    gp: object
    patch: tuple
    model: str
    info: dict = field(default_factory=dict)

    def training_patches(self) -> np.ndarray:
        """The k centres as image pairs ``(k, p, 2 q + 1)``: I_L patch | gap | I_R patch."""
        p, q = self.patch
        k = self.centres.shape[0]
        out = np.full((k, p, 2 * q + 1), np.nan, np.float32)
        out[:, :, :q] = self.centres[:, : p * q].reshape(k, p, q)
        out[:, :, q + 1 :] = self.centres[:, p * q :].reshape(k, p, q)
        return out


_WARPS = {"none": lambda a: a, "sqrt": np.sqrt}
_UNWARPS = {"none": lambda a: a, "sqrt": np.square}


def parse_model(model: str) -> str:
    """``"rgb"`` (colour model) or ``"y"`` (luminance model) from the accepted aliases."""
    key = str(model).lower()
    if key not in _MODELS:
        raise ValueError(f"model must be 'rgb' (colour model) or 'luminance' ('y'), got {model!r}")
    return _MODELS[key]


def parse_patch(patch) -> tuple[int, int]:
    """``p x q`` from an int or a pair; both at least 1."""
    if isinstance(patch, (int, np.integer)):
        p = q = int(patch)
    else:
        try:
            p, q = (int(v) for v in patch)
        except (TypeError, ValueError):
            raise TypeError(f"patch must be an int or a (p, q) pair, got {patch!r}") from None
    if p < 1 or q < 1:
        raise ValueError(f"patch sides must be at least 1, got {p}x{q}")
    return p, q


def _predict_planes(twin, model_gp, planes, patch, *, parallel: bool):
    """Generator: predict each plane, in worker threads on a multi-core CPU (the compiled kernel
    releases the GIL); progress is yielded from this thread, and a stop (generator closed at a
    ``yield``, e.g. Cancel in a widget) makes the workers stop at their next step."""
    import os
    import threading
    from concurrent.futures import ThreadPoolExecutor, wait

    n = len(planes)
    workers = min(n, os.cpu_count() or 1) if parallel else 1
    if workers <= 1:
        outs = []
        for i, plane in enumerate(planes):
            gen = twin(model_gp, plane, patch=patch)
            while True:
                try:
                    prog = next(gen)
                except StopIteration as stop:
                    outs.append(np.asarray(stop.value, np.float32))
                    break
                yield Progress(0.25 + 0.7 * (i + prog.fraction) / n, 1, f"GP prediction, plane {i + 1}/{n}")
        return outs

    stop = threading.Event()
    done = [0.0] * n

    def drive(i):
        gen = twin(model_gp, planes[i], patch=patch)
        while True:
            if stop.is_set():
                gen.close()
                return None
            try:
                prog = next(gen)
            except StopIteration as result:
                done[i] = 1.0
                return np.asarray(result.value, np.float32)
            done[i] = prog.fraction

    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="maliang-gp")
    try:
        futures = [pool.submit(drive, i) for i in range(n)]
        pending = set(futures)
        while pending:
            _, pending = wait(pending, timeout=0.05)
            yield Progress(0.25 + 0.7 * sum(done) / n, 1, f"GP prediction ({workers} threads)")
        return [f.result() for f in futures]
    finally:
        stop.set()
        pool.shutdown(wait=True)


def _small_blas():
    """Limit BLAS to one thread for the small k-means/GP matrices (threadpoolctl, if installed).

    Multi-threaded OpenBLAS on matrices of a few thousand x 30 costs more in thread wake-ups than
    it saves; on a busy 2-core machine it made training 5-30x slower (docs/benchmarks/lowlight.md).
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # optional: without it the result is the same, only slower
        import contextlib

        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


@dataclass(frozen=True)
class EnhanceOptions(Options):
    """Options of :func:`enhance` (Loh et al., sections III-IV); the patch and the reference are given apart."""

    references = (
        '.. [1] Y. P. Loh, "A New Framework for Efficient Low-light Image Enhancement using Approximated Gaussian Process", sections III-IV.\n'
        '.. [2] Y. P. Loh, X. Liang, C. S. Chan, "Low-light image enhancement using Gaussian Process for features retrieval", Signal Processing: Image Communication 74, 175-190 (2019).'
    )

    k: int = option(
        30, "Number of k-means centres, the GP's training points (paper Tables I-II); reduced, with a warning, "
        "when the image has fewer distinct patches.", symbol="k", low=1, flag="--k", label="k (training points)",
    )
    model: str = option(
        "rgb", "Colour model (one GP for the pooled R, G, B patches; Table II) or luminance model (GP on Y of YCbCr, "
        "chroma kept from the input; Table I); a grayscale image is one plane either way.", choices=tuple(_MODELS),
    )
    backend: str = option(
        "auto", "Where the GP prediction runs (the re-corruption GP: where its map is applied; its fit and the photon "
        "filter run on the CPU).", choices=("auto", "cpu", "gpu"),
    )
    seed: int = option(0, "Seed of k-means++ and the training subsample.", low=0)
    channel_constraint: bool = option(
        True, "Colour model only: rescale each channel so its mean matches the reference's (against the paper's "
        "colour-skew failure case).",
    )
    denoise: float = option(
        0.0, "Range sigma (0..1) of an edge-preserving bilateral filter applied to the result (the paper's noise "
        "failure case); 0 = off.", low=0, high=1, step=0.02,
    )
    max_train: int = option(4096, "At most max(max_train, 40 k) patch pairs enter k-means (seeded subsample).", low=1)
    optimize: bool = option(True, "Fit the GP hyperparameters by marginal likelihood (else keep the heuristic start).")
    input_warp: str = option(
        "sqrt", "Transform of the I_L patches before k-means and the GP: 'sqrt' (not in the paper) is the "
        "variance-stabilising transform of photon noise, which makes the noise nearly uniform as the GP's "
        "homoscedastic model assumes; 'none' is the paper's raw intensities.", choices=tuple(_WARPS),
    )
    noise_filter: float = option(
        1.0, "Photon-noise pre-filter (not in the paper; its failure case (b)): non-local means in the Anscombe "
        "domain of the photon counts estimated from the image, at this strength (in noise standard deviations), "
        "with the exact unbiased inverse, before the reference, the training pairs and the GP prediction; "
        "0 = off (the paper's pipeline).", low=0, step=0.25, label="photon-noise filter",
    )
    gp_mean: str = option(
        "linear", "Prior mean of the GP: 'linear' (not in the paper) follows each pixel with a slope fitted on the "
        "centres, so the GP models the non-linear residual; 'constant' is the paper's zero mean on the centred "
        "targets.", choices=("linear", "constant"),
    )
    gamma: float | None = option(
        None, "Built-in reference only: the gamma that darkened the input (dark = original ** gamma), used instead "
        "of the blind estimate, which fails on pictures unlike a well-exposed photo (documents, night scenes); "
        "1 leaves the exposure unchanged.", low=1, high=16, step=0.05, none="estimated blindly",
        label="darkening gamma",
    )
    gp: bool = option(
        True, "Run the GP (gp_target says what it learns). Off (not in the paper), the result is the reference "
        "itself after the same colour constraint and denoising steps: a fifth of the time at 256 x 256, a third at "
        "a megapixel, and on held-out photos 0.10-0.20 dB and 0.013-0.015 SSIM below the default GP "
        "(docs/benchmarks/lowlight_heldout.md, issue #16's ablation).",
        label="GP on reference",
    )
    gp_target: str = option(
        "recorruption", "What the GP regresses. 'recorruption' (not in the paper; built-in reference only): a GP "
        "with a linear kernel on 7 x 7 patches, fitted on the image's own re-corrupted copy (fresh photon noise "
        "on the filtered image, filtered again) to restore what the photon filter and the brightening lose "
        "(lowlight.restoration). 'reference': the paper's GP from patches of the input to patches of the "
        "reference, on k-means centres (k, patch, model, input warp and GP mean apply to it only).",
        choices=("recorruption", "reference"), label="GP learns",
    )
    exposure: str = option(
        "bayes", "Built-in reference only, when gamma is not given: how the darkening gamma is chosen blindly. "
        "'bayes' (not in the paper): a posterior over the exponent from cues of the image, with a prior fitted on "
        "photographs, and the exponent with the least expected error of the result under it (the 10-90 % interval "
        "is reported); 'uniform': the earlier point estimate (luminance closest to uniform).",
        choices=("bayes", "uniform"), label="blind exposure",
    )


#: The GP's change to the built-in reference is bounded, pixel by pixel, by this many standard deviations of the
#: photon noise carried into the output (:func:`_photon_bounded`). The GP is trained to reproduce the reference
#: (a pointwise map of its own input), so a change larger than the noise it may remove is signal lost: on a
#: high-contrast photo (a space photo of low-light held-out set 6, mostly black, found after that set was
#: scored) its k-means centres, means of textured patches, taught it a blur that put the bright parts 0.27
#: below the reference, -9.5 dB. Chosen on the 89 design photos (one draw each, seeds 95000 + i, as
#: benchmarks/lowlight_exposure_prior.py lists them): bound 0.5 / 1 / 2 / none: GP minus reference -0.003 /
#: -0.008 / -0.012 / -0.012 dB on average, worst -0.31 / -0.54 / -0.84 / -0.84 dB, best +0.74 / +0.72 / +0.72 /
#: +0.72 dB; the space photo: 28.5 / 27.8 / 26.1 / 22.0 dB (reference 31.5).
GP_NOISE_BOUND = 0.5


def _photon_bounded(out: np.ndarray, ref: np.ndarray, gamma: float, photons: float) -> tuple[np.ndarray, float]:
    """``out`` moved to within :data:`GP_NOISE_BOUND` noise standard deviations of the built-in reference ``ref``;
    returns it and the share of values that were moved.

    The reference is ``ref = D ** (1/g)`` of the photon-filtered input ``D``; a Poisson count with ``N``
    photons at white gives the raw input the standard deviation ``sqrt(D / N)`` (an upper bound for ``D``, which
    the filter has smoothed), carried into the output by the derivative ``D ** (1/g - 1) / g``:
    ``sigma = D ** (1/g - 1/2) / (g sqrt(N))`` (``D`` at least ``1/N``, one photon). Without a noise level
    (:func:`~napari_maliang.lowlight.noise.estimate_photons` gives ``inf`` for a noise-free image, and for one
    too small or too flat to measure) there is nothing to bound by: ``out`` is returned as it is.
    """
    g = max(float(gamma), 1.0)
    if not np.isfinite(photons) or photons <= 0:
        return np.asarray(out, np.float32), 0.0
    d = np.maximum(np.clip(ref, 0.0, 1.0) ** g, 1.0 / photons)
    bound = GP_NOISE_BOUND * d ** (1.0 / g - 0.5) / (g * np.sqrt(photons))
    change = out - ref
    moved = float(np.mean(np.abs(change) > bound))
    return (ref + np.clip(change, -bound, bound)).astype(np.float32), moved


def _denoise(img: np.ndarray, strength: float) -> np.ndarray:
    """Edge-preserving denoising (OpenCV's bilateral filter, our compiled copy; range sigma ``strength`` on 0..1)."""
    if strength <= 0:
        return img
    return bilateral(img, strength)


def _finish(out, ref, single_model: bool, opts, info, bound=None):
    """Generator: the post-steps of the GP's output (or of the reference, with ``gp=False``): the
    per-channel constraint of the colour model (failure case (a)), then ``bound`` (``(out, ref) -> (out, share
    moved)``, :func:`_photon_bounded`; after the channel gains, which are global and would otherwise carry a
    bounded bias of the dark pixels into the bright ones), the optional bilateral step (``denoise``), clipping
    to 0..1 (float32)."""
    if not single_model and opts.channel_constraint and out.ndim == 3:
        # Failure case (a), colour skew: one GP serves all channels, so nothing ties the
        # channels' balance to the reference. Constrain each channel's mean to the
        # reference's (a per-channel gain, bounded to 0.5..2).
        gains = ref.reshape(-1, 3).mean(axis=0) / np.maximum(out.reshape(-1, 3).mean(axis=0), 1e-4)
        gains = np.clip(gains, 0.5, 2.0).astype(np.float32)
        out = out * gains
        info["channel_gains"] = gains.tolist()
    if bound is not None:
        out, info["gp_bounded"] = bound(out, ref)
    if opts.denoise > 0:
        out = _denoise(np.clip(out, 0, 1), opts.denoise)
    out = np.clip(out, 0.0, 1.0).astype(np.float32)
    yield Progress(1, 1, "done")
    return out


@takes_options(EnhanceOptions)
def enhance_steps(image, *, patch=3, reference="auto", opts: EnhanceOptions, details: bool = False):
    """Enhance a low-light image with the k-means-approximated GP (Loh, sections III-IV).

    Parameters
    ----------
    image : array (H, W) or (H, W, 3)
        uint8, uint16 or float on 0..1 (see :func:`~napari_maliang.lowlight._image.as_unit_float`).
        NaN/inf raise ``ValueError``.
    patch : int or (int, int)
        Patch size ``p x q``; each data point has ``d = 2 p q`` values.
    reference : str, path, callable or array
        I_R: ``"auto"``/``"classical"`` (built-in LIME-style map with blind exposure), ``"lime"``,
        a path to an ONNX model, a callable or a precomputed array (see
        :func:`~napari_maliang.lowlight.reference.make_reference`).
    {options}
    details : bool
        Return an :class:`EnhanceResult` (with the reference, the centres and the GP) instead of the image.

    Yields
    ------
    Progress

    Returns
    -------
    ndarray float32 on 0..1, the input's shape without alpha (or an EnhanceResult with ``details``).
    """
    from napari_maliang._backend import resolve_backend
    from napari_maliang.lowlight import gp as gpmod
    from napari_maliang.lowlight.preview import exposure_text
    from napari_maliang.lowlight.reference import estimate_gamma, exposure_posterior, is_builtin, make_reference
    from napari_maliang.lowlight.training import kmeans, patch_pairs

    k, seed, noise_filter, gp_mean, input_warp = opts.k, opts.seed, opts.noise_filter, opts.gp_mean, opts.input_warp
    p, q = parse_patch(patch)
    mode = parse_model(opts.model)
    device = resolve_backend(opts.backend)
    warp = _WARPS[input_warp]
    gamma = given = opts.gamma

    img = raw = as_unit_float(image)
    h, w = img.shape[:2]
    if h < p or w < q:
        raise ValueError(
            f"image of size {h}x{w} is smaller than one {p}x{q} patch; use a smaller patch or a larger image"
        )
    from napari_maliang.lowlight.noise import estimate_noise, estimate_photons, photon_denoise

    raw_noise = None  # noise level of sqrt(input), for the Bayes exposure's not-dark rule
    if is_builtin(reference) and given is None and opts.exposure == "bayes":
        raw_noise = estimate_noise(img)
    photons = estimate_photons(img)
    noise_sigma = 0.5 / np.sqrt(photons)  # of sqrt(input): 1 / (2 sqrt(N)), 0 for a noise-free image
    if noise_filter > 0:
        yield Progress(0, 1, "photon-noise filter")
        img = photon_denoise(img, strength=noise_filter, sigma=noise_sigma)
    yield Progress(0.05, 1, "reference image")
    exposure = {}
    if is_builtin(reference):
        if given is not None:
            gamma, exposure = given, {"gamma": given, "gamma_source": "given"}
        elif opts.exposure == "uniform":
            gamma = estimate_gamma(img)
            exposure = {"gamma": gamma, "gamma_source": "estimated", "exposure": "uniform"}
        else:
            post = exposure_posterior(img, noise=raw_noise)
            gamma = post["gamma"]
            exposure = {
                "gamma": gamma,
                "gamma_source": "estimated",
                "exposure": post["exposure"],
                "gamma_low": post["gamma_low"],
                "gamma_high": post["gamma_high"],
                "exposure_text": exposure_text(gamma, post["gamma_low"], post["gamma_high"]),
            }
    ref = make_reference(img, reference, noise_filter=0.0, gamma=gamma)
    info = {
        "k": 0,
        "patch": (p, q),
        "model": mode,
        "backend": device,
        "input_warp": input_warp,
        "noise_filter": noise_filter,
        "gp_mean": gp_mean,
        "gp": bool(opts.gp),
        "photons_at_white": photons,
        "noise_sigma": float(noise_sigma),
        **exposure,
    }
    target = opts.gp_target if is_builtin(reference) else "reference"  # re-corruption needs the brightening
    info["gp_target"] = target if opts.gp else None
    no_centres = np.zeros((0, 2 * p * q), np.float32)
    if not opts.gp:
        # the ablation of issue #16: the reference, through the same post-steps as the GP's output
        out = yield from _finish(np.asarray(ref, np.float32), ref, img.ndim == 2 or mode == "y", opts, info)
        if details:
            return EnhanceResult(out, ref, no_centres, None, (p, q), mode, info)
        return out
    if target == "recorruption":
        out, mapping = ref, None
        if np.isfinite(photons):  # a noise-free image has nothing to re-corrupt (gamma is set: built-in reference)
            from napari_maliang.lowlight.reference import classical_reference
            from napari_maliang.lowlight.restoration import recorruption_restore

            yield Progress(0.3, 1, "GP on the re-corrupted copy")
            out, mapping = recorruption_restore(
                img, raw, photons=photons, seed=opts.seed, backend=device,
                brighten=partial(classical_reference, gamma=gamma, noise_filter=0.0),
                denoise=partial(photon_denoise, strength=noise_filter, sigma=noise_sigma),
            )  # fmt: skip
        info["recorrupted"] = mapping is not None
        # no channel constraint: the map is per channel, and the constraint would pull the means back to the
        # reference's, undoing the map's correction of the brightening's bias (1.6 dB on a design photo)
        bound = partial(_photon_bounded, gamma=gamma, photons=photons)
        out = yield from _finish(out, ref, True, opts, info, bound)
        if details:
            return EnhanceResult(out, ref, no_centres, mapping, (p, q), mode, info)
        return out
    yield Progress(0.15, 1, "k-means on patch pairs")

    gray = img.ndim == 2
    if mode == "y" and not gray:
        ycc = rgb_to_ycbcr(img)
        low, tgt = ycc[..., 0], luminance(ref)
    else:
        low, tgt = img, ref
    low = warp(low)
    pairs = patch_pairs(low, tgt, patch=(p, q))
    with _small_blas():
        centres, _ = kmeans(pairs, k, seed=seed, max_points=opts.max_train)
    yield Progress(0.2, 1, f"GP on {len(centres)} centres")
    with _small_blas():
        model_gp = gpmod.fit_gp(centres[:, : p * q], centres[:, p * q :], optimize=opts.optimize, mean=gp_mean)
    yield Progress(0.25, 1, "GP prediction")

    twin = gpmod.predict_plane_gpu if device == "gpu" else gpmod.predict_plane_cpu
    planes = [low] if low.ndim == 2 else [low[..., c] for c in range(low.shape[2])]
    outs = yield from _predict_planes(twin, model_gp, planes, (p, q), parallel=device == "cpu")
    pred = outs[0] if len(outs) == 1 else np.stack(outs, axis=-1)

    info["k"] = int(len(centres))
    bound = partial(_photon_bounded, gamma=gamma, photons=photons) if is_builtin(reference) else None
    if mode == "y" and not gray:
        if bound is not None:  # the luma against the reference's (the chroma stays the input's)
            pred, info["gp_bounded"] = bound(pred, tgt)
            bound = None
        ycc = ycc.copy()
        ycc[..., 0] = pred
        out = ycbcr_to_rgb(ycc)
    else:
        out = pred
    out = yield from _finish(out, ref, gray or mode == "y", opts, info, bound)
    if details:
        shown = centres.copy()
        shown[:, : p * q] = _UNWARPS[input_warp](np.maximum(shown[:, : p * q], 0))
        return EnhanceResult(out, ref, shown, model_gp, (p, q), mode, info)
    return out


enhance = run_steps(enhance_steps)
