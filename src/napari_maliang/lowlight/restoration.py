"""What the GP regresses by default: the image's own re-corrupted copy (issue #16; not in the paper).

The paper's GP learns patches of the dark image I_L -> patches of its reference I_R. With the built-in
reference, I_R = b(D) is a pointwise map (the brightening ``b(x) = x ** (1/g)``) of the photon-filtered input
``D``, so the best that regression can learn is that same map: on held-out photos it added 0.0-0.1 dB. A
regression must be given what the reference lacks: what the photon filter and the brightening lose.
Re-corruption (Noisier2Noise, Recorrupted-to-Recorrupted, here for Poisson noise) makes that learnable from the
image alone:

1. a second dark image ``d2 = poisson(N D) / N`` (``N`` the estimated photons at white, clipped to 0..1,
   seeded), i.e. ``D`` seen through the same camera noise as the input ``d``;
2. ``D2``, ``d2`` filtered exactly as ``d`` was (the same photon filter at the same noise level);
3. a regression from the pair ``(b(D2), b(d2))`` to ``b(D)``, which stands in for ``(b(D), b(d))`` -> the
   unknown photo; applied to ``(b(D), b(d))``, it puts back detail that the filter removed and removes what it
   left, measured after the brightening (where PSNR is measured).

The regression is a GP with a linear kernel on the two ``(2 r + 1)^2`` patches (and a constant): prior
``f(x) = x . w``, ``w ~ N(0, s_p^2 I)``, noise ``s_n^2``; its posterior mean (Rasmussen & Williams 2006,
eqs. 2.7-2.9, the weight-space view) is ``w = (X^T X + (s_n^2 / s_p^2) I)^-1 X^T y``, fitted on
:data:`TRAIN_PIXELS` seeded pixels of every channel pooled, and applied to every pixel as one correlation per
input image and channel. The paper's squared-exponential kernel on k-means centres was tried on top of it and
added nothing (-0.02 dB), as did a quadratic and a clustered (anchored) map (docs/benchmarks/lowlight.md, "The
GP's place"); ``r = 3`` (7 x 7 patches) was the best of 1, 2, 3 there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

__all__ = ["RADIUS", "RIDGE", "TRAIN_PIXELS", "RestorationMap", "fit_restoration", "recorruption_restore"]

#: Patch radius: the map reads ``(2 RADIUS + 1)^2`` pixels of each of its two input images.
RADIUS = 3
#: Seeded training pixels (rows of ``X``), all channels pooled.
TRAIN_PIXELS = 20000
#: ``s_n^2 / s_p^2`` per training pixel: the GP's prior precision on ``w``, relative to the data (keeps a flat
#: image, whose patches are collinear, solvable; too small to bias a textured one).
RIDGE = 1e-6


@dataclass(frozen=True)
class RestorationMap:
    """A fitted map: ``weights`` ``(2 (2 r + 1)^2 + 1,)``: the filtered image's kernel, the noisy image's
    kernel (each ``(2 r + 1)^2`` in raster order) and the constant."""

    weights: np.ndarray
    radius: int

    def kernels(self) -> tuple[np.ndarray, np.ndarray]:
        """The two correlation kernels ``(2 r + 1, 2 r + 1)``: on the filtered image, on the noisy image."""
        s = 2 * self.radius + 1
        return self.weights[: s * s].reshape(s, s), self.weights[s * s : 2 * s * s].reshape(s, s)

    def __call__(self, filtered: np.ndarray, noisy: np.ndarray, *, backend: str = "cpu") -> np.ndarray:
        """The map on every pixel of ``filtered`` and ``noisy`` (same shape, ``(H, W)`` or ``(H, W, C)``;
        mirrored borders), float32 NumPy. ``backend="gpu"`` correlates with CuPy (``cupyx.scipy.ndimage``, the
        twin of ``scipy.ndimage``)."""
        if backend == "gpu":
            import cupy as xp
            from cupyx.scipy.ndimage import correlate
        else:
            xp = np
            from scipy.ndimage import correlate

        out = xp.full(filtered.shape, self.weights[-1], xp.float32)
        for kernel, image in zip(self.kernels(), (filtered, noisy)):
            kernel = xp.asarray(kernel, xp.float32)
            image = xp.asarray(image, xp.float32)
            planes = [image] if image.ndim == 2 else [image[..., c] for c in range(image.shape[2])]
            for c, plane in enumerate(planes):
                view = out if image.ndim == 2 else out[..., c]
                view += correlate(plane, kernel, mode="mirror")
        return out if xp is np else xp.asnumpy(out)


def _patch_rows(images, radius: int, index) -> np.ndarray:
    """Rows ``[patch of images[0], patch of images[1], ..., 1]`` at the pixels ``index`` (y, x, channel), each
    patch ``(2 r + 1)^2`` values in raster order, borders mirrored (as ``scipy.ndimage.correlate``'s
    ``mode="mirror"``)."""
    y, x, c = index
    span = np.arange(2 * radius + 1)
    blocks = []
    for image in images:
        image = image[..., None] if image.ndim == 2 else image
        pad = np.pad(image, ((radius, radius), (radius, radius), (0, 0)), mode="reflect")
        _, width, depth = pad.shape
        # one gather: the patch's flat offsets from its top-left corner, added to each pixel's flat index
        offsets = ((span[:, None] * width + span[None, :]) * depth).ravel()
        corner = (y * width + x) * depth + c
        blocks.append(pad.ravel()[corner[:, None] + offsets[None, :]])
    blocks.append(np.ones((len(y), 1)))
    return np.hstack(blocks).astype(np.float64)


def fit_restoration(
    filtered2: np.ndarray, noisy2: np.ndarray, target: np.ndarray, *, radius: int = RADIUS, seed: int = 0
) -> RestorationMap:
    """The GP posterior mean ``w`` (module docstring) from the re-corrupted pair to ``target``.

    Parameters
    ----------
    filtered2, noisy2, target : arrays of one shape, ``(H, W)`` or ``(H, W, C)``
        ``b(D2)``, ``b(d2)`` and ``b(D)``.
    radius : int
        Patch radius ``r``.
    seed : int
        Seed of the :data:`TRAIN_PIXELS` training pixels (drawn with replacement).
    """
    shape = target.shape if target.ndim == 3 else (*target.shape, 1)
    rng = np.random.default_rng(seed)
    index = tuple(rng.integers(0, s, TRAIN_PIXELS) for s in shape)
    x = _patch_rows((filtered2, noisy2), radius, index)
    y = target.reshape(shape)[index].astype(np.float64)
    gram = x.T @ x + RIDGE * len(y) * np.eye(x.shape[1])
    return RestorationMap(np.linalg.solve(gram, x.T @ y), radius)


def recorruption_restore(
    filtered: np.ndarray,
    dark: np.ndarray,
    *,
    photons: float,
    brighten: Callable[[np.ndarray], np.ndarray],
    denoise: Callable[[np.ndarray], np.ndarray],
    seed: int = 0,
    backend: str = "cpu",
) -> tuple[np.ndarray, RestorationMap]:
    """Restore ``brighten(filtered)`` by a map learned from the image's re-corrupted copy (module docstring).

    Parameters
    ----------
    filtered : array (H, W) or (H, W, 3)
        ``D``: the photon-filtered dark image, float on 0..1.
    dark : array like ``filtered``
        ``d``: the dark input before the filter.
    photons : float
        ``N``, photons at white (finite and positive: a noise-free image has nothing to re-corrupt).
    brighten : callable
        ``b``, the reference's brightening (``reference.classical_reference`` at the exposure decided).
    denoise : callable
        The photon filter that made ``filtered`` from ``dark``, at the same noise level.
    seed : int
        Seed of the Poisson draw (``seed``) and of the training pixels (``seed + 1``).
    backend : {"cpu", "gpu"}
        Where the fitted map is applied (:meth:`RestorationMap.__call__`); the filter and the fit run on the CPU.

    Returns
    -------
    (ndarray float32, RestorationMap)
        The restored image (not clipped) and the fitted map.
    """
    photons = float(photons)
    if not np.isfinite(photons) or photons <= 0:
        raise ValueError(f"re-corruption needs a finite, positive photon level, got {photons}")
    draw = np.random.default_rng(seed).poisson(np.asarray(filtered, np.float64) * photons)
    noisy2 = np.clip(draw / photons, 0.0, 1.0).astype(np.float32)
    target = brighten(filtered)
    mapping = fit_restoration(brighten(denoise(noisy2)), brighten(noisy2), target, seed=seed + 1)
    return mapping(target, brighten(dark), backend=backend), mapping
