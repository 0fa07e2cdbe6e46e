"""Encoder front end: Perona-Malik denoising (paper eq. 11) and Sobel edges with a threshold.

The paper denoises with 30 Jacobi iterations of ``du/dt = div(g(|grad u|) grad u)`` and then
detects edges with Sobel and a manually set threshold. Here the threshold is searched by the
rate control; the thresholded Sobel band is thinned to one-pixel curves (so the edge map
is cheap to code and splits the image into 4-connected regions) and short fragments are
dropped.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage as ndi


def perona_malik(image: np.ndarray, *, iterations: int = 10, kappa: float | None = None, dt: float = 0.2):
    """Anisotropic diffusion ``du/dt = div(g(|grad u|) grad u)`` with ``g(s) = exp(-(s/kappa)^2)`` (eq. 11).

    Explicit 4-neighbour scheme (stable for ``dt <= 0.25``). ``image`` is ``(H, W)`` or
    ``(H, W, C)`` float; channels share the conductance (computed from their summed
    squared differences) so colour edges stay aligned.

    Parameters
    ----------
    iterations : int
        Number of explicit steps (the paper uses 30 Jacobi iterations).
    kappa : float, optional
        Edge-stopping contrast; default: the 90th percentile of neighbour differences.
    """
    u = np.asarray(image, dtype=np.float32)
    squeeze = u.ndim == 2
    if squeeze:
        u = u[..., None]
    u = u.copy()
    if kappa is None:
        gx = np.abs(np.diff(u, axis=1)).sum(-1)
        gy = np.abs(np.diff(u, axis=0)).sum(-1)
        kappa = float(np.percentile(np.concatenate([gx.ravel(), gy.ravel()]), 90)) + 1e-3
    k2 = np.float32(kappa * kappa)
    dt = np.float32(dt)
    # each neighbour difference is shared by two pixels (d_east(x) = -d_west(x + 1)), so
    # compute the fluxes once per link and scatter them to both ends
    for _ in range(iterations):
        dx = u[:, 1:] - u[:, :-1]  # east difference of column x, = -west difference of x + 1
        dy = u[1:] - u[:-1]  # south difference of row y, = -north difference of y + 1
        fx = np.exp(-np.einsum("ijc,ijc->ij", dx, dx)[..., None] / k2) * dx
        fy = np.exp(-np.einsum("ijc,ijc->ij", dy, dy)[..., None] / k2) * dy
        flux = np.zeros_like(u)
        flux[:, :-1] += fx
        flux[:, 1:] -= fx
        flux[:-1] += fy
        flux[1:] -= fy
        u += dt * flux
    return u[..., 0] if squeeze else u


def sobel_magnitude(image: np.ndarray) -> np.ndarray:
    """Sobel gradient magnitude; for colour the largest over the channels."""
    u = np.asarray(image, dtype=np.float32)
    if u.ndim == 2:
        u = u[..., None]
    mag = None
    for c in range(u.shape[-1]):
        gx = ndi.sobel(u[..., c], axis=1, mode="nearest")
        gy = ndi.sobel(u[..., c], axis=0, mode="nearest")
        m = np.hypot(gx, gy) / 8.0  # per-pixel step height for an ideal edge
        mag = m if mag is None else np.maximum(mag, m)
    return mag


_thin_kernel = []


def _get_thin_kernel():
    if _thin_kernel:
        return _thin_kernel[0]
    import numba

    @numba.njit(cache=True)
    def thin_kernel(skel, lut1, lut2):
        # the two-subiteration parallel thinning of scikit-image's ``thin`` (Guo and Hall 1989),
        # visiting only the pixels still on instead of correlating the whole image every pass
        H, W = skel.shape
        ys, xs = np.nonzero(skel)
        n = ys.size
        codes = np.empty(n, np.uint8)
        changed = True
        while changed:
            changed = False
            for sub in range(2):
                lut = lut1 if sub == 0 else lut2
                for k in range(n):
                    y = ys[k]
                    x = xs[k]
                    c = 0
                    if y > 0:
                        if x > 0:
                            c += 8 * skel[y - 1, x - 1]
                        c += 4 * skel[y - 1, x]
                        if x < W - 1:
                            c += 2 * skel[y - 1, x + 1]
                    if x > 0:
                        c += 16 * skel[y, x - 1]
                    if x < W - 1:
                        c += skel[y, x + 1]
                    if y < H - 1:
                        if x > 0:
                            c += 32 * skel[y + 1, x - 1]
                        c += 64 * skel[y + 1, x]
                        if x < W - 1:
                            c += 128 * skel[y + 1, x + 1]
                    codes[k] = c
                m = 0
                for k in range(n):
                    if lut[codes[k]]:
                        skel[ys[k], xs[k]] = 0
                        changed = True
                    else:
                        ys[m] = ys[k]
                        xs[m] = xs[k]
                        m += 1
                n = m
        return skel

    _thin_kernel.append(thin_kernel)
    return thin_kernel


def _thin(mask: np.ndarray) -> np.ndarray:
    """``skimage.morphology.thin`` (same lookup tables, same result), on the pixels still on."""
    try:
        from skimage.morphology._skeletonize import G123_LUT, G123P_LUT

        kernel = _get_thin_kernel()
    except Exception:  # private tables moved or numba missing: the library's own loop
        from skimage.morphology import thin

        return thin(mask)
    skel = np.ascontiguousarray(mask, dtype=np.uint8).copy()
    return kernel(skel, np.asarray(G123_LUT, np.bool_), np.asarray(G123P_LUT, np.bool_)).astype(bool)


def thin_edges(mask: np.ndarray) -> np.ndarray:
    """Thin a binary edge band to one-pixel, 8-connected curves."""
    # pad by replication so that curves running into the image border keep reaching it
    # (otherwise thinning shortens them and regions leak around their ends)
    return _thin(np.pad(mask, 1, mode="edge"))[1:-1, 1:-1]


def remove_short(edges: np.ndarray, min_length: int) -> np.ndarray:
    """Drop 8-connected edge fragments with fewer than ``min_length`` pixels."""
    if min_length <= 1 or not edges.any():
        return edges
    lab, n = ndi.label(edges, structure=np.ones((3, 3), bool))
    sizes = np.bincount(lab.ravel(), minlength=n + 1)
    keep = sizes >= min_length
    keep[0] = False
    return keep[lab]


def detect_edges(magnitude: np.ndarray, threshold: float, *, min_length: int = 0) -> np.ndarray:
    """Edge map: ``magnitude > threshold``, thinned, short fragments removed."""
    band = magnitude > threshold
    if not band.any():
        return band
    return remove_short(thin_edges(band), min_length)
