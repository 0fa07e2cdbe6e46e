"""Edge-enhancing anisotropic diffusion (EED) inpainting: the photo mode's decoder (issue #17).

Given the pixels of a mask and their values, the rest of the image is the steady state of

    du/dt = div(D(grad u_sigma) grad u)   on the unknown pixels,   u = f on the known ones,

with the diffusion tensor of EED (Weickert 1998, section 5.1; used for compression by Galic et al. 2008 and
R-EED, Schmaltz et al. 2014, section 2): eigenvector ``v1 || grad u_sigma`` with eigenvalue
``g(|grad u_sigma|^2)`` (across edges) and ``v2 _|_ grad u_sigma`` with eigenvalue 1 (along edges), where
``u_sigma`` is the current image smoothed by a Gaussian of standard deviation ``sigma`` and ``g`` the
Charbonnier diffusivity ``g(s^2) = 1 / sqrt(1 + s^2 / lambda^2)`` (R-EED's choice) or the Perona-Malik one
``g(s^2) = 1 / (1 + s^2 / lambda^2)``. Colour images share one tensor, from the sum of the channels'
structure ``sum_c grad u_sigma,c grad u_sigma,c^T`` (its largest eigenvalue stands for ``|grad u_sigma|^2``).

Discretisation: per 2x2 pixel cell, with the cell's tensor ``D = [[a, b], [b, c]]`` (x = column) the mean of
its four pixels', the energy ``Q = 1/4 sum_corners grad_k u^T D grad_k u`` over the four one-sided gradients
at the cell's corners, i.e. ``a/2 (dx_top^2 + dx_bottom^2) + c/2 (dy_left^2 + dy_right^2) + b/2 ((u_00 - u_11)^2
- (u_01 - u_10)^2)``: Weickert's standard 3x3 stencil (1998, section 3.4.2) with the tensor averaged on cells.
Where the cell's anisotropy allows (``a >= |b|`` and ``c >= |b|``) its nonnegative variant is used instead,
``(a - |b|)/2`` and ``(c - |b|)/2`` on the axial pairs and ``(|b| + b)/2``, ``(|b| - b)/2`` on the diagonals
(Weickert 1998, p. 95). Both cell forms are positive semidefinite, so the operator (their sum, a signed graph
Laplacian with symmetric weights) is negative semidefinite for any anisotropy and the explicit scheme is L2
stable; the max-min principle holds exactly where every weight is nonnegative and may be missed by small
overshoots at edges whose cells are too anisotropic for the nonnegative form (``g < 0.17`` near 22.5 degrees).
Borders reflect (only cells inside the image contribute: the natural boundary condition of the energy).

Solver: fast explicit diffusion (FED; Grewenig, Weickert & Bruhn, DAGM 2010): cycles of ``n`` explicit
steps with the step sizes ``tau_i = tau_max / (2 cos^2(pi (2 i + 1) / (4 n + 2)))``, ``i = 0..n-1``, whose
cycle reaches the diffusion time ``theta = tau_max (n^2 + n) / 3`` (instead of ``tau_max n``); the tensor is
updated once per cycle (lagged nonlinearity, as R-EED does). ``tau_max = 1 / max_p sum_q |w_pq|`` is the
Gershgorin bound of the explicit scheme's stability limit ``2 / lambda_max``. The start is homogeneous
diffusion (:func:`.inpaint.homogeneous`), so the cycles only have to sharpen the edges.

Guided (linear) variant: with ``guide`` the tensor is that of another image, computed once and frozen, so the
diffusion is linear and converges to the minimiser of the fixed-tensor energy; R-EED decodes the chroma planes
so, with the decoded luma as the guide (Schmaltz et al. 2014, section 5.1).
"""

from __future__ import annotations

import numpy as np

DIFFUSIVITIES = ("charbonnier", "perona-malik")
#: the longest FED cycle run in one piece: without reordering its steps, rounding errors grow with ``n``
#: (Grewenig et al. 2010, section 4) and cycles of 50 steps blew up in float64 here
MAX_STEPS = 20


def fed_taus(n: int, tau_max: float) -> np.ndarray:
    """The ``n`` step sizes of one FED cycle (Grewenig, Weickert & Bruhn 2010, eq. 8), in the order
    ``tau_0 .. tau_{n-1}``; their sum is ``tau_max (n^2 + n) / 3``."""
    if n < 1 or not tau_max > 0:
        raise ValueError(f"a FED cycle needs n >= 1 and tau_max > 0 (got n={n}, tau_max={tau_max})")
    i = np.arange(n)
    return tau_max / (2.0 * np.cos(np.pi * (2 * i + 1) / (4 * n + 2)) ** 2)


def fed_time(n: int, tau_max: float) -> float:
    """The diffusion time one FED cycle of ``n`` steps reaches: the sum of :func:`fed_taus`, ``tau_max (n^2 + n) / 3``."""
    return tau_max * (n**2 + n) / 3.0


def fed_steps(theta: float, tau_max: float) -> int:
    """The smallest ``n`` whose FED cycle reaches the diffusion time ``theta``: ``tau_max (n^2 + n) / 3 >= theta``."""
    return max(1, int(np.ceil(-0.5 + np.sqrt(0.25 + 3.0 * theta / tau_max))))


def diffusion_tensor(u: np.ndarray, *, lam: float, sigma: float, diffusivity: str = "charbonnier"):
    """EED tensor entries ``a, b, c`` (``D = [[a, b], [b, c]]``, x = column) of the ``(C, H, W)`` image ``u``.

    ``D = I + (g(mu) - 1) v1 v1^T`` with ``mu`` and ``v1`` the largest eigenvalue and its unit eigenvector of
    ``sum_c grad u_sigma,c grad u_sigma,c^T`` (central differences, reflecting borders).
    """
    from scipy.ndimage import gaussian_filter

    if diffusivity not in DIFFUSIVITIES:
        raise ValueError(f"diffusivity must be one of {DIFFUSIVITIES}, got {diffusivity!r}")
    us = gaussian_filter(u, sigma=(0, sigma, sigma), mode="reflect") if sigma > 0 else u
    pad = np.pad(us, ((0, 0), (1, 1), (1, 1)), mode="edge")
    gx = 0.5 * (pad[:, 1:-1, 2:] - pad[:, 1:-1, :-2])
    gy = 0.5 * (pad[:, 2:, 1:-1] - pad[:, :-2, 1:-1])
    jxx = (gx * gx).sum(axis=0)
    jxy = (gx * gy).sum(axis=0)
    jyy = (gy * gy).sum(axis=0)
    half = 0.5 * (jxx - jyy)
    root = np.sqrt(half * half + jxy * jxy)
    mu = 0.5 * (jxx + jyy) + root
    # v1 = (cos t, sin t) with tan 2t = 2 jxy / (jxx - jyy): cos^2 t = (1 + half/root) / 2, etc.
    flat = root <= 1e-12
    safe = np.where(flat, 1.0, root)
    cos2 = np.where(flat, 1.0, 0.5 * (1.0 + half / safe))
    sincos = np.where(flat, 0.0, 0.5 * jxy / safe)
    z = mu / (lam * lam)
    g = 1.0 / np.sqrt(1.0 + z) if diffusivity == "charbonnier" else 1.0 / (1.0 + z)
    a = 1.0 + (g - 1.0) * cos2
    b = (g - 1.0) * sincos
    c = 1.0 + (g - 1.0) * (1.0 - cos2)
    return a, b, c


def stencil_weights(a: np.ndarray, b: np.ndarray, c: np.ndarray):
    """The four symmetric neighbour-pair weight arrays ``w_e, w_s, w_se, w_sw`` (layout in :mod:`._eed_numba`)
    summed over the 2x2 cells' energies (module docstring); pairs leaving the image get 0."""
    H, W = a.shape
    ac = 0.25 * (a[:-1, :-1] + a[:-1, 1:] + a[1:, :-1] + a[1:, 1:])
    bc = 0.25 * (b[:-1, :-1] + b[:-1, 1:] + b[1:, :-1] + b[1:, 1:])
    cc = 0.25 * (c[:-1, :-1] + c[:-1, 1:] + c[1:, :-1] + c[1:, 1:])
    ab = np.abs(bc)
    t = ((ac >= ab) & (cc >= ab)) * ab  # |b| where the nonnegative form applies, else 0
    ax = 0.5 * (ac - t)
    ay = 0.5 * (cc - t)
    w_e = np.zeros((H, W))
    w_s = np.zeros((H, W))
    w_se = np.zeros((H, W))
    w_sw = np.zeros((H, W))
    w_e[:-1, :-1] += ax  # top edge of cell (y, x)
    w_e[1:, :-1] += ax  # bottom edge
    w_s[:-1, :-1] += ay  # left edge
    w_s[:-1, 1:] += ay  # right edge
    w_se[:-1, :-1] = 0.5 * (bc + t)  # (y, x) - (y + 1, x + 1)
    w_sw[:-1, 1:] = 0.5 * (t - bc)  # (y, x + 1) - (y + 1, x)
    return w_e, w_s, w_se, w_sw


def _row_sums(w_e, w_s, w_se, w_sw) -> np.ndarray:
    """``sum_q |w_pq|`` for every pixel (each pair counted at both ends)."""
    s = np.zeros(w_e.shape)
    for w, (dy, dx) in ((w_e, (0, 1)), (w_s, (1, 0)), (w_se, (1, 1)), (w_sw, (1, -1))):
        aw = np.abs(w)
        s += aw
        H, W = aw.shape
        ys, yd = slice(0, H - dy), slice(dy, H)
        xs, xd = (slice(0, W - dx), slice(dx, W)) if dx >= 0 else (slice(1, W), slice(0, W - 1))
        s[yd, xd] += aw[ys, xs]
    return s


def eed_inpaint(
    image: np.ndarray,
    mask: np.ndarray,
    *,
    lam: float = 2.0,
    sigma: float = 1.0,
    time: float = 200.0,
    cycles: int = 4,
    diffusivity: str = "charbonnier",
    init: np.ndarray | None = None,
    guide: np.ndarray | None = None,
    backend: str = "cpu",
    trace: list | None = None,
) -> np.ndarray:
    """Fill the pixels outside ``mask`` by EED from the pixels inside it (module docstring).

    Parameters
    ----------
    image : ndarray
        ``(H, W)`` or ``(H, W, C)``; only the values where ``mask`` is True are read.
    mask : ndarray of bool
        ``(H, W)``, True at the known pixels (at least one).
    lam : float
        Contrast parameter ``lambda`` of the diffusivity, on the image's scale (8-bit: 0..255).
    sigma : float
        Standard deviation of the Gaussian presmoothing of the tensor's gradient (pixels).
    time : float
        Total diffusion time, split into ``cycles`` FED cycles of equal time.
    cycles : int
        Number of FED cycles (the tensor is recomputed before each).
    diffusivity : {"charbonnier", "perona-malik"}
    init : ndarray, optional
        Starting image (same shape as ``image``); default homogeneous diffusion from the same pixels.
    guide : ndarray, optional
        ``(H, W)`` or ``(H, W, C')`` image whose EED tensor is used, frozen, for all cycles instead of the
        evolving image's: the diffusion is then linear, ``du/dt = div(D(grad g_sigma) grad u)``, and its
        steady state the minimiser of the fixed-tensor energy (R-EED's luma-guided chroma inpainting,
        Schmaltz et al. 2014, section 5.1: the chroma planes diffuse with the decoded luma's tensor).
    backend : {"cpu", "gpu", "auto"}
        Where the FED steps run: the numba kernel, or its CuPy twin (:mod:`._eed_xp`; the tensor stays on
        the CPU). The codec decodes on the CPU, so that every machine decodes a file to the same pixels.
    trace : list, optional
        Receives one ``(weights, taus)`` per FED cycle run (the four pair-weight arrays and the step sizes):
        with them the decoder's steps are a fixed linear map of the start, which tonal optimisation
        (:class:`.tonal.DecoderInpainting`) differentiates.

    Returns
    -------
    ndarray
        float64, the shape of ``image``, equal to ``image`` on the mask.

    References
    ----------
    .. [1] J. Weickert, Anisotropic Diffusion in Image Processing, Teubner 1998 (sections 3.4.2, 5.1).
    .. [2] S. Grewenig, J. Weickert, A. Bruhn, From box filtering to fast explicit diffusion, DAGM 2010.
    .. [3] C. Schmaltz, P. Peter, M. Mainberger, F. Ebel, J. Weickert, A. Bruhn, Understanding, optimising,
       and extending data compression with anisotropic diffusion, IJCV 108 (2014), section 2.
    """
    f = np.asarray(image, dtype=np.float64)
    m = np.asarray(mask)
    if f.ndim not in (2, 3) or m.shape != f.shape[:2]:
        raise ValueError(
            f"shape mismatch: image must be (H, W) or (H, W, C) and mask (H, W); got {f.shape} and {m.shape}"
        )
    if m.dtype != bool:
        raise ValueError(f"mask must be boolean, got {m.dtype}")
    if not m.any():
        raise ValueError("the mask is empty: EED inpainting needs at least one known pixel")
    if not np.isfinite(f[m]).all():
        raise ValueError("the known pixels must be finite")
    if not (lam > 0 and sigma >= 0 and time >= 0 and cycles >= 1):
        raise ValueError(f"need lam > 0, sigma >= 0, time >= 0, cycles >= 1 (got {lam}, {sigma}, {time}, {cycles})")
    if diffusivity not in DIFFUSIVITIES:
        raise ValueError(f"diffusivity must be one of {DIFFUSIVITIES}, got {diffusivity!r}")
    gray = f.ndim == 2
    if init is None:
        from .inpaint import homogeneous

        u0 = homogeneous(f, m)
    else:
        u0 = np.asarray(init, dtype=np.float64)
        if u0.shape != f.shape:
            raise ValueError(f"init must have the image's shape {f.shape}, got {u0.shape}")
    u = np.ascontiguousarray((u0[None] if gray else np.moveaxis(u0, -1, 0)).copy())
    known = (f[None] if gray else np.moveaxis(f, -1, 0))[:, m]
    u[:, m] = known
    if guide is not None:
        gd = np.asarray(guide, dtype=np.float64)
        if gd.ndim not in (2, 3) or gd.shape[:2] != m.shape or not np.isfinite(gd).all():
            raise ValueError(f"guide must be a finite (H, W) or (H, W, C) image with H, W = {m.shape}, got {gd.shape}")
        gd = gd[None] if gd.ndim == 2 else np.moveaxis(gd, -1, 0)
    if time > 0 and not m.all():
        from napari_maliang._backend import resolve_backend

        if resolve_backend(backend) == "gpu":
            from ._eed_xp import fed_cycle_gpu as fed_cycle
        else:
            from ._eed_numba import fed_cycle

        unknown = (~m).astype(np.uint8)
        w = None
        for _ in range(cycles):
            if w is None or guide is None:  # the guide's tensor is computed once (linear diffusion)
                w = stencil_weights(
                    *diffusion_tensor(u if guide is None else gd, lam=lam, sigma=sigma, diffusivity=diffusivity)
                )
                tau_max = 1.0 / max(float(_row_sums(*w).max()), 1e-12)
                # longer cycles are split into pieces of at most MAX_STEPS steps
                pieces = int(np.ceil(time / cycles / fed_time(MAX_STEPS, tau_max)))
                taus = fed_taus(fed_steps(time / cycles / pieces, tau_max), tau_max)
            for _ in range(pieces):
                u = fed_cycle(u, *w, unknown, taus)
                if trace is not None:
                    trace.append((w, taus))
    return u[0] if gray else np.moveaxis(u, 0, -1)
