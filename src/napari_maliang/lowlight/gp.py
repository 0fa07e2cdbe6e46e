"""Zero-mean Gaussian-process regression with a squared-exponential kernel on the k centres.

Paper section III.A/IV.A (after Rasmussen & Williams 2006, ch. 2 and 5): the GP maps a flattened
``p x q`` patch of the low-light image I_L to the matching patch of the reference I_R. It is
trained on the ``k`` k-means centres only, so training costs ``O(k^3)`` instead of ``O(n^3)``.

- kernel ``k(x, x') = s_f^2 exp(-|x - x'|^2 / (2 l^2))`` plus noise ``s_n^2`` on the diagonal;
- hyperparameters ``(s_f, l, s_n)`` maximise the log marginal likelihood (R&W eq. 2.30, gradient
  eq. 5.9) over log-parameters with L-BFGS-B; the ``p q`` outputs share the kernel, so the
  likelihood is the sum over output columns;
- the prior mean: the paper's zero mean on the *centred* targets (``mean="constant"``: the
  training targets' mean is subtracted and added back, so predictions far from the data fall back
  to the mean patch instead of black), or by default (``mean="linear"``, not in the paper) an
  explicit linear basis ``m(x) = b + beta x`` (R&W section 2.7), each output pixel following its
  own input pixel with one shared slope ``beta`` fitted by least squares on the centres; the GP
  then models only the non-linear residual, and a patch far from every centre falls back to this
  per-pixel trend instead of to one mean patch;
- prediction ``f* = K(X*, X) alpha`` (R&W eq. 2.25) for every overlapping patch of I_L, in chunks;
  each pixel gets the average of the ``p q`` patch predictions covering it.

:func:`predict_plane_cpu` and :func:`predict_plane_gpu` are twins with the same signature
(a compiled numba kernel and CuPy); :func:`predict_plane` picks one from ``backend``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from napari_maliang._progress import Progress, run_to_end

__all__ = [
    "GPModel",
    "fit_gp",
    "negative_log_marginal_likelihood",
    "predict_patches",
    "predict_plane",
    "predict_plane_cpu",
    "predict_plane_gpu",
]

_BOUNDS = ((np.log(1e-3), np.log(10.0)), (np.log(1e-2), np.log(30.0)), (np.log(1e-4), np.log(1.0)))


@dataclass
class GPModel:
    """A trained GP: training inputs ``x`` (k, d_in), weights ``alpha`` (k, m), target offset
    ``y_mean`` (m,) and ``slope``: the prior mean is ``y_mean + slope * x`` (slope 0: constant)."""

    x: np.ndarray
    alpha: np.ndarray
    y_mean: np.ndarray
    signal_std: float
    lengthscale: float
    noise_std: float
    nlml: float = float("nan")
    slope: float = 0.0

    @property
    def k(self) -> int:
        return self.x.shape[0]


def _sq_dist(a, b, xp=np):
    a2 = (a * a).sum(axis=1)
    b2 = (b * b).sum(axis=1)
    d = a2[:, None] + b2[None, :] - 2.0 * (a @ b.T)
    return xp.maximum(d, 0.0)


def negative_log_marginal_likelihood(log_params, x: np.ndarray, y: np.ndarray, d2: np.ndarray | None = None):
    """Negative log marginal likelihood and its gradient in ``(log s_f, log l, log s_n)``.

    ``y`` is ``(k, m)``: ``m`` independent output columns sharing the kernel (R&W eq. 2.30, 5.9):
    ``nlml = 1/2 tr(Y^T K^-1 Y) + m/2 log|K| + k m/2 log 2 pi`` and
    ``d nlml / d theta = 1/2 tr((m K^-1 - alpha alpha^T) dK/dtheta)``.
    """
    from scipy.linalg import cho_factor, cho_solve

    log_sf, log_l, log_sn = (float(v) for v in log_params)
    sf2, l2, sn2 = np.exp(2 * log_sf), np.exp(2 * log_l), np.exp(2 * log_sn)
    if d2 is None:
        d2 = _sq_dist(x, x)
    n, m = y.shape
    kf = sf2 * np.exp(-0.5 * d2 / l2)
    kmat = kf + (sn2 + 1e-9) * np.eye(n)
    try:
        c = cho_factor(kmat, lower=True)
    except np.linalg.LinAlgError:
        return 1e25, np.zeros(3)
    alpha = cho_solve(c, y)
    logdet = 2.0 * np.log(np.diag(c[0])).sum()
    nlml = 0.5 * float((y * alpha).sum()) + 0.5 * m * logdet + 0.5 * n * m * np.log(2 * np.pi)
    w = m * cho_solve(c, np.eye(n)) - alpha @ alpha.T
    grad = 0.5 * np.array([(w * (2.0 * kf)).sum(), (w * (kf * d2 / l2)).sum(), np.trace(w) * 2.0 * sn2])
    return nlml, grad


def fit_gp(
    x, y, *, optimize: bool = True, init=None, max_iter: int = 100, restarts=(1.0, 0.25), mean: str = "linear"
) -> GPModel:
    """Fit the GP on the centres: inputs ``x`` (k, d_in), targets ``y`` (k, m).

    ``mean="linear"`` (default; needs ``m == d_in``, else falls back to ``"constant"``): the prior
    mean is ``b + beta x``, each output following its own input with one slope ``beta`` and one
    offset per output, fitted by ordinary least squares on the centres; ``"constant"``: the paper's
    zero mean on the centred targets.

    Hyperparameters start from ``s_f = std(y)``, ``l =`` median pairwise input distance,
    ``s_n = s_f / 10`` (or ``init = (s_f, l, s_n)``) and, with ``optimize``, maximise the marginal
    likelihood (scipy L-BFGS-B on the log-parameters with the analytic gradient), restarted from
    the start lengthscale times each factor in ``restarts``; the best optimum is kept.

    References
    ----------
    .. [1] Y. P. Loh, "A New Framework for Efficient Low-light Image Enhancement using Approximated Gaussian Process", section III.
    .. [2] C. E. Rasmussen, C. K. I. Williams, *Gaussian Processes for Machine Learning*, MIT Press (2006).
    """
    from scipy.linalg import cho_factor, cho_solve
    from scipy.optimize import minimize

    x = np.asarray(x, np.float64)
    y = np.asarray(y, np.float64)
    if x.ndim != 2 or y.ndim != 2 or x.shape[0] != y.shape[0] or x.shape[0] < 1:
        raise ValueError(f"expected x (k, d) and y (k, m) with the same k >= 1, got {x.shape} and {y.shape}")
    if mean not in ("linear", "constant"):
        raise ValueError(f"mean must be 'linear' or 'constant', got {mean!r}")
    slope = 0.0
    if mean == "linear" and x.shape[1] == y.shape[1] and len(x) > 1:
        xc = x - x.mean(axis=0)
        den = float((xc * xc).sum())
        if den > 1e-12:
            slope = float((xc * (y - y.mean(axis=0))).sum() / den)
    resid = y - slope * x if slope else y  # the targets less the linear part of the prior mean
    y_mean = resid.mean(axis=0)
    yc = resid - y_mean
    d2 = _sq_dist(x, x)
    if init is None:
        sf = max(float(yc.std()), 1e-3)
        off = d2[np.triu_indices(len(x), 1)]
        ell = max(float(np.sqrt(np.median(off))) if off.size else 1.0, 1e-2)
        init = (sf, ell, sf / 10)
    theta = np.log(np.clip(np.asarray(init, np.float64), 1e-4, None))
    theta = np.array([np.clip(t, lo, hi) for t, (lo, hi) in zip(theta, _BOUNDS, strict=True)])
    nlml = float("nan")
    if optimize and len(x) > 1:
        # The likelihood has a well-known second optimum "long lengthscale, everything is noise";
        # start from a few lengthscales (restarts are cheap at k <= a few hundred) and keep the best.
        best = None
        for shrink in restarts:
            start = theta + np.array([0.0, np.log(shrink), 0.0])
            start = np.array([np.clip(t, lo, hi) for t, (lo, hi) in zip(start, _BOUNDS, strict=True)])
            res = minimize(
                negative_log_marginal_likelihood,
                start,
                args=(x, yc, d2),
                jac=True,
                method="L-BFGS-B",
                bounds=_BOUNDS,
                options={"maxiter": max_iter},
            )
            if best is None or res.fun < best.fun:
                best = res
        theta, nlml = best.x, float(best.fun)
    sf, ell, sn = np.exp(theta)
    kmat = sf**2 * np.exp(-0.5 * d2 / ell**2) + (sn**2 + 1e-9) * np.eye(len(x))
    alpha = cho_solve(cho_factor(kmat, lower=True), yc)
    return GPModel(
        x=x.astype(np.float32),
        alpha=alpha.astype(np.float32),
        y_mean=y_mean.astype(np.float32),
        signal_std=float(sf),
        lengthscale=float(ell),
        noise_std=float(sn),
        nlml=nlml,
        slope=slope,
    )


def _model_arrays(model: GPModel, xp):
    return (
        xp.asarray(model.x, dtype=xp.float32),
        xp.asarray(model.alpha * np.float32(model.signal_std**2), dtype=xp.float32),
        xp.asarray(model.y_mean, dtype=xp.float32),
        np.float32(-0.5 / model.lengthscale**2),
    )


def predict_patches(model: GPModel, patches, *, xp=np):
    """Posterior mean for flattened patches ``(n, d_in)`` -> ``(n, m)`` (R&W eq. 2.25)."""
    c, alpha, mean, scale = _model_arrays(model, xp)
    patches = xp.asarray(patches, dtype=xp.float32)
    ks = _sq_dist(patches, c, xp)
    ks *= scale
    xp.exp(ks, out=ks)
    out = ks @ alpha + mean
    if model.slope:
        out += np.float32(model.slope) * patches
    return out


def _overlap_average(acc, plane, model: GPModel, patch, corner, xp):
    """The prediction of every pixel from ``acc``, the ``(H + p - 1, W + q - 1)`` sums of the patch predictions
    covering it: divided by the number of patches covering it (separable: rows times columns), plus the linear
    prior mean ``slope * pixel`` that each patch predicts for it."""
    (p, q), (top, left) = patch, corner
    h, w = plane.shape
    count_r = xp.zeros(h + p - 1, xp.float32)
    count_c = xp.zeros(w + q - 1, xp.float32)
    for a in range(p):
        count_r[a : a + h] += 1
    for b in range(q):
        count_c[b : b + w] += 1
    out = acc[top : top + h, left : left + w] / (count_r[top : top + h, None] * count_c[None, left : left + w])
    if model.slope:
        out += np.float32(model.slope) * plane
    return out


def _predict_plane(xp, model: GPModel, plane, *, patch=(3, 3), chunk: int = 131072):
    p, q = patch
    plane = xp.asarray(plane, dtype=xp.float32)
    h, w = plane.shape
    top, left = (p - 1) // 2, (q - 1) // 2
    padded = xp.pad(plane, ((top, p - 1 - top), (left, q - 1 - left)), mode="reflect" if min(h, w) > 1 else "edge")
    acc = xp.zeros((h + p - 1, w + q - 1), xp.float32)
    c, alpha, mean, scale = _model_arrays(model, xp)
    c2 = (c * c).sum(axis=1)
    rows = max(1, chunk // max(w, 1))
    for r0 in range(0, h, rows):
        r1 = min(h, r0 + rows)
        cols = [padded[r0 + a : r1 + a, b : b + w] for a in range(p) for b in range(q)]
        x = xp.stack(cols, axis=-1).reshape(-1, p * q)
        ks = (x * x).sum(axis=1)[:, None] + c2[None, :] - 2.0 * (x @ c.T)
        xp.maximum(ks, 0.0, out=ks)
        ks *= scale
        xp.exp(ks, out=ks)
        pred = (ks @ alpha + mean).reshape(r1 - r0, w, p * q)
        for a in range(p):
            for b in range(q):
                acc[r0 + a : r1 + a, b : b + w] += pred[..., a * q + b]
        yield Progress(r1, h, f"GP prediction {r1}/{h} rows")
    return _overlap_average(acc, plane, model, (p, q), (top, left), xp)


def _predict_plane_fused(model: GPModel, plane, *, patch=(3, 3), chunk: int = 131072):
    """CPU prediction by a compiled kernel (numba), the same maths as :func:`_predict_plane`.

    For every patch position the patch vector ``v`` is read from the reflect-padded plane, and for
    each centre ``c_j``: ``K_j = s_f^2 exp(-|v - c_j|^2 / 2 l^2)`` (the squared distance computed
    directly, not expanded), the patch's prediction ``mean + sum_j K_j alpha_j`` is added into the
    ``p x q`` pixels it covers, and each pixel is divided by the number of patches covering it.
    Fused per row of patches: no ``(n, p q)`` patch matrix nor any per-centre image is built.
    Runs ``chunk`` pixels (whole rows) per kernel call, yielding progress between calls.
    """
    from napari_maliang.lowlight._kernels_numba import gp_predict_rows

    p, q = patch
    plane = np.ascontiguousarray(plane, dtype=np.float32)
    h, w = plane.shape
    top, left = (p - 1) // 2, (q - 1) // 2
    # reflect = OpenCV's BORDER_REFLECT_101; a 1-pixel-wide plane is replicated
    padded = np.pad(plane, ((top, p - 1 - top), (left, q - 1 - left)), mode="reflect" if min(h, w) > 1 else "edge")
    c, alpha, mean, scale = _model_arrays(model, np)
    acc = np.zeros((h + p - 1, w + q - 1), np.float32)
    c = np.ascontiguousarray(c)
    alpha = np.ascontiguousarray(alpha)
    mean = np.ascontiguousarray(mean)
    rows = max(1, chunk // max(w, 1))
    for r0 in range(0, h, rows):
        r1 = min(h, r0 + rows)
        gp_predict_rows(padded, r0, r1, p, q, c, alpha, mean, np.float32(scale), acc)
        yield Progress(r1, h, f"GP prediction {r1}/{h} rows")
    return _overlap_average(acc, plane, model, (p, q), (top, left), np)


def predict_plane_cpu(model: GPModel, plane, *, patch=(3, 3), chunk: int = 131072):
    """Generator: GP prediction of one image plane on the CPU; returns the (H, W) float32 plane.

    Every overlapping ``p x q`` patch (reflect-padded at the border) is predicted; each pixel is
    the average of the predictions of the patches that cover it. Runs as one compiled (numba)
    kernel fused over patches and centres (``O(k n p q)``, memory ``O(n)``), ``chunk`` pixels
    (whole rows) per step between progress reports.
    """
    return (yield from _predict_plane_fused(model, plane, patch=patch, chunk=chunk))


def predict_plane_reference(model: GPModel, plane, *, patch=(3, 3), chunk: int = 131072):
    """Generator: the same prediction with explicit patch matrices in NumPy (a readable reference
    implementation for tests; the GPU twin runs this code with CuPy)."""
    return (yield from _predict_plane(np, model, plane, patch=patch, chunk=chunk))


def predict_plane_gpu(model: GPModel, plane, *, patch=(3, 3), chunk: int = 131072):
    """GPU twin of :func:`predict_plane_cpu` (CuPy); returns a NumPy array."""
    import cupy

    from napari_maliang._backend import to_numpy

    out = yield from _predict_plane(cupy, model, plane, patch=patch, chunk=chunk)
    return to_numpy(out)


def predict_plane(model: GPModel, plane, *, patch=(3, 3), chunk: int = 131072, backend: str = "cpu"):
    """Plain function: :func:`predict_plane_cpu` or :func:`predict_plane_gpu` chosen by ``backend``.

    References
    ----------
    .. [1] Y. P. Loh, "A New Framework for Efficient Low-light Image Enhancement using Approximated Gaussian Process", section III.
    .. [2] C. E. Rasmussen, C. K. I. Williams, *Gaussian Processes for Machine Learning*, MIT Press (2006).
    """
    from napari_maliang._backend import resolve_backend

    twin = predict_plane_gpu if resolve_backend(backend) == "gpu" else predict_plane_cpu
    return run_to_end(twin(model, plane, patch=patch, chunk=chunk))
