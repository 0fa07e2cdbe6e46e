"""Ground-truth simulation of single-molecule spots and PALM/STORM movies.

The image model is the paper's eq. (1) integrated over each pixel (see
:mod:`napari_maliang.smlm.psf`), with Poisson photon noise (paper eq. 2, section 2.3:
"the background noise was mostly considered as Poissonian") and optionally an EMCCD
gain register (gamma-distributed multiplication, excess-noise factor sqrt(2)), read
noise, camera gain and offset. Pixel centres sit at integer coordinates; ``x`` is the
column, ``y`` the row.

Camera convention (shared with :class:`napari_maliang.smlm.Camera`)::

    electrons = Poisson(quantum_efficiency * expected photons)
    electrons = Gamma(electrons, em_gain)            # noise="emccd" only
    ADU       = electrons / gain + offset + Normal(0, read_noise / gain)

so ``photons = (ADU - offset) * gain / em_gain / quantum_efficiency`` inverts it; ``gain``
is in electrons per ADU. ``truth.attrs["camera"]`` holds the values used.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from napari_maliang.smlm.psf import expected_counts

NOISE_MODELS = ("poisson", "emccd", "none")


def _check_noise(noise, em_gain):
    if noise not in NOISE_MODELS:
        raise ValueError(f"noise must be one of {NOISE_MODELS}, got {noise!r}")
    if noise == "emccd":
        em_gain = 100.0 if em_gain is None else float(em_gain)
        if not em_gain >= 1.0:
            raise ValueError(f"em_gain must be >= 1 for EMCCD noise, got {em_gain}")
    return em_gain


def _draw(rng, value, n, name):
    """A scalar, a (low, high) range drawn uniformly, or an array of length n."""
    if np.ndim(value) == 0:
        v = float(value)
        out = np.full(n, v)
    else:
        arr = np.asarray(value, dtype=np.float64)
        if arr.shape == (2,) and n != 2:
            lo, hi = arr
            if hi < lo:
                raise ValueError(f"{name} range must be (low, high) with low <= high, got {tuple(arr)}")
            out = rng.uniform(lo, hi, n)
        elif arr.shape == (n,):
            out = arr.copy()
        else:
            raise ValueError(f"{name} must be a scalar, a (low, high) range or an array of length {n}")
    if not np.all(np.isfinite(out)):
        raise ValueError(f"{name} must be finite")
    return out


def _apply_noise(rng, mu, noise, em_gain):
    """Photon (and EM-register) noise on expected counts ``mu``; returns float electrons / em_gain scale."""
    if noise == "none":
        return mu
    counts = rng.poisson(mu).astype(np.float64)
    if noise == "emccd":
        pos = counts > 0
        amplified = np.zeros_like(counts)
        amplified[pos] = rng.gamma(counts[pos], em_gain)
        return amplified
    return counts


def simulate_spots(
    n: int,
    *,
    box: int = 7,
    sigma=1.3,
    photons=1000.0,
    background=10.0,
    max_offset: float = 0.5,
    seed=0,
    noise: str = "poisson",
    em_gain: float | None = None,
):
    """Simulate ``n`` single-molecule spots in ``box`` x ``box`` regions with ground truth.

    The emitter sits within ``max_offset`` pixels of the box centre ``(box - 1) / 2`` (uniformly
    in x and y); the expected image is the pixel-integrated Gaussian of paper eq. (1) and
    the noise the Poisson model of eq. (2).

    Parameters
    ----------
    n : int
        Number of spots.
    box : int
        Box size in pixels (odd or even, >= 3).
    sigma, photons, background : float, (low, high) or array of length n
        PSF standard deviation (px), total photons and background (photons/pixel);
        a pair draws uniformly from that range per spot.
    max_offset : float
        Largest distance (per axis) of the emitter from the box centre, in pixels.
    seed : int or numpy.random.Generator
        Random seed; equal seeds give identical spots.
    noise : {"poisson", "emccd", "none"}
        ``"emccd"`` passes the photo-electrons through a gamma-distributed gain register with
        gain ``em_gain`` (default 100) and divides by it again, so the spots stay in photons but
        carry the excess noise factor sqrt(2). ``"none"`` returns the expected counts.
    em_gain : float, optional
        EM gain for ``noise="emccd"``.

    Returns
    -------
    spots : ndarray, float32, shape (n, box, box)
        Photon counts.
    truth : pandas.DataFrame
        Columns ``x, y, photons, background, sigma`` in box coordinates (pixel centres at integers).

    References
    ----------
    .. [1] T. Quan et al., "Ultra-fast, high-precision image analysis for localization-based super resolution microscopy", Optics Express 18(11), 11867-11876 (2010), doi:10.1364/OE.18.011867, section 3.2 (simulated spots, eq. 1).
    """
    n = int(n)
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    box = int(box)
    if box < 3:
        raise ValueError(f"box must be at least 3 pixels, got {box}")
    em_gain = _check_noise(noise, em_gain)
    rng = np.random.default_rng(seed)
    centre = (box - 1) / 2.0
    x = centre + rng.uniform(-max_offset, max_offset, n)
    y = centre + rng.uniform(-max_offset, max_offset, n)
    ph = _draw(rng, photons, n, "photons")
    bg = _draw(rng, background, n, "background")
    sg = _draw(rng, sigma, n, "sigma")
    if np.any(ph < 0) or np.any(bg < 0):
        raise ValueError("photons and background must be >= 0")
    if np.any(sg <= 0):
        raise ValueError("sigma must be > 0")
    mu = expected_counts(box, x, y, ph, bg, sg) if n else np.zeros((0, box, box))
    counts = _apply_noise(rng, mu, noise, em_gain)
    if noise == "emccd":
        counts = counts / em_gain
    truth = pd.DataFrame({"x": x, "y": y, "photons": ph, "background": bg, "sigma": sg})
    truth.attrs["noise"] = noise
    if noise == "emccd":
        truth.attrs["em_gain"] = em_gain
    return counts.astype(np.float32), truth


# --------------------------------------------------------------------------------------- movies


def _hardcore_positions(rng, n, lo, hi, min_distance, max_rounds=50):
    """``n`` uniform points in the rectangle ``lo..hi`` (x, y) with no two closer than ``min_distance``."""
    _check_packing(n, lo, hi, min_distance)
    pts = np.empty((0, 2))
    for _ in range(max_rounds):
        need = n - len(pts)
        if need <= 0:
            break
        cand = rng.uniform(lo, hi, size=(max(2 * need, 8), 2))
        for p in cand:
            if len(pts) and np.min(np.sum((pts - p) ** 2, axis=1)) < min_distance**2:
                continue
            pts = np.vstack([pts, p])
            if len(pts) == n:
                break
    if len(pts) < n:
        raise ValueError(
            f"cannot place {n} emitters at least {min_distance} px apart in the frame; "
            "lower n_emitters/density or min_distance"
        )
    return pts


def _check_packing(n, lo, hi, min_distance):
    """Fail fast when n discs of diameter min_distance cannot fit (densest packing bound)."""
    if not min_distance or n <= 1:
        return
    w, h = (hi - lo) + min_distance
    if n > w * h / (min_distance**2 * np.sqrt(3) / 2):
        raise ValueError(
            f"cannot place {n} emitters at least {min_distance} px apart in the frame; "
            "lower n_emitters/density or min_distance"
        )


def _frame_positions(rng, frames, n, lo, hi, min_distance):
    """Per-frame independent emitters: (frame, x, y) arrays, n per frame, hard-core distance within a frame."""
    if n == 0:
        return np.zeros(0, np.int64), np.zeros(0), np.zeros(0)
    _check_packing(n, lo, hi, min_distance)
    if not min_distance:
        xy = rng.uniform(lo, hi, size=(frames, n, 2))
    else:
        # Matern type-II thinning, vectorised over frames: keep a candidate when no earlier candidate
        # of the same frame lies closer than min_distance; top up the frames that came out short.
        xy = np.empty((frames, n, 2))
        todo = np.arange(frames)
        have = np.zeros(frames, np.int64)
        for _ in range(60):
            if len(todo) == 0:
                break
            m = int(1.5 * n) + 4
            cand = rng.uniform(lo, hi, size=(len(todo), m, 2))
            # include the already-kept points of each frame as "earlier" candidates
            kept = [xy[f, : have[f]] for f in todo]
            kmax = max((len(k) for k in kept), default=0)
            prev = np.full((len(todo), kmax, 2), -1e12)  # padding far from every candidate
            for i, k in enumerate(kept):
                prev[i, : len(k)] = k
            allp = np.concatenate([prev, cand], axis=1)
            d2 = np.sum((allp[:, :, None, :] - allp[:, None, :, :]) ** 2, axis=-1)
            close = d2 < min_distance**2
            earlier = np.tril(np.ones(close.shape[1:], bool), k=-1)
            ok = ~np.any(close & earlier[None], axis=2)[:, kmax:]
            still = []
            for i, f in enumerate(todo):
                good = cand[i][ok[i]][: n - have[f]]
                xy[f, have[f] : have[f] + len(good)] = good
                have[f] += len(good)
                if have[f] < n:
                    still.append(f)
            todo = np.array(still, np.int64)
        if len(todo):
            raise ValueError(
                f"cannot place {n} emitters per frame at least {min_distance} px apart; "
                "lower n_emitters/density or min_distance"
            )
    frame = np.repeat(np.arange(frames), n)
    return frame, xy[..., 0].ravel(), xy[..., 1].ravel()


def _blink(rng, n_pop, frames, k_on, k_off, k_bleach, start_on):
    """Three-state (off, on, bleached) Markov switching per frame; returns a bool (frames, n_pop) on-mask."""
    on = np.zeros((frames, n_pop), bool)
    state = np.where(rng.random(n_pop) < start_on, 1, 0)  # 0 off, 1 on, 2 bleached
    for f in range(frames):
        on[f] = state == 1
        u = rng.random(n_pop)
        nxt = state.copy()
        is_on = state == 1
        nxt[is_on & (u < k_bleach)] = 2
        nxt[is_on & (u >= k_bleach) & (u < k_bleach + k_off)] = 0
        nxt[(state == 0) & (u < k_on)] = 1
        state = nxt
    return on


def simulate_movie(
    *,
    frames: int = 100,
    shape=(128, 128),
    n_emitters: int | None = None,
    density: float | None = None,
    photons=(500.0, 3000.0),
    background=20.0,
    psf_sigma: float = 1.3,
    blinking=None,
    positions=None,
    min_distance: float | None = None,
    margin: float = 3.0,
    noise: str = "poisson",
    gain: float = 1.0,
    offset: float = 0.0,
    em_gain: float | None = None,
    quantum_efficiency: float = 1.0,
    read_noise: float = 0.0,
    drift=None,
    pixel_size_nm: float = 100.0,
    seed=0,
    threads: int | None = None,
):
    """Simulate a PALM/STORM movie (uint16 ADU) with its ground-truth localizations.

    Emitters are pixel-integrated Gaussians (paper eq. 1) on a background, with Poisson photon
    noise (eq. 2) and an optional EMCCD register, read noise, gain and offset (paper section 2.3
    simulates in the same way after Ober et al.). Each emitter is drawn only in a small window
    around itself, and frames are rendered and noised in parallel by a numba kernel (each frame
    with its own seed, so the result does not depend on the thread count).

    Parameters
    ----------
    frames : int
        Number of frames.
    shape : (H, W)
        Frame size in pixels.
    n_emitters : int, optional
        Without ``blinking``: the number of emitters switched on in every frame (fresh, independent
        positions each frame). With ``blinking``: the size of the fluorophore population whose
        members switch on and off. Default 50 when neither this nor ``density`` is given.
    density : float, optional
        Emitters per pixel^2 instead of ``n_emitters`` (``n_emitters = round(density * H * W)``).
    photons : float, (low, high) or array
        Photons per emitter per frame; a range draws uniformly per emitter.
    background : float or (H, W) array
        Background in photons per pixel.
    psf_sigma : float
        Gaussian PSF standard deviation in pixels.
    blinking : None, True or dict
        ``None``: independent emitters per frame. ``True`` or a dict with rates per frame
        ``k_on`` (off -> on, default 0.02), ``k_off`` (on -> off, 0.5), ``k_bleach`` (on -> bleached,
        0.1) and ``start_on`` (fraction on in frame 0, 0.0): a fixed population with
        three-state switching and photobleaching.
    positions : (N, 2) array of (y, x) or DataFrame with ``x, y``, optional
        Fixed emitter positions (structure) for the blinking population; implies blinking.
    min_distance : float, optional
        Smallest distance between emitters on at the same time (without ``blinking``) or between
        population members (with ``blinking``); None allows overlaps.
    margin : float
        Emitters are placed at least this far (px) from the frame border.
    noise : {"poisson", "emccd", "none"}
        Photon noise model; ``"emccd"`` adds the gamma gain register (``em_gain``, default 100).
    gain : float
        Camera conversion in electrons per ADU (> 0).
    offset : float
        Camera baseline in ADU.
    em_gain, quantum_efficiency, read_noise : float
        EM gain, quantum efficiency (0..1] and Gaussian read noise in electrons (rms).
    drift : None, (dx, dy) per frame, or array (frames, 2) of (dx, dy)
        Stage drift in pixels added to every emitter position of a frame (linear when a pair).
        The per-frame drift is in ``truth.attrs["drift"]`` (a dict of lists ``frame, dx, dy``;
        ``pandas.DataFrame(truth.attrs["drift"])`` makes the table).
    pixel_size_nm : float
        Stored in ``truth.attrs["pixel_size_nm"]``.
    seed : int
        Random seed; the result does not depend on ``threads``.
    threads : int, optional
        Numba threads for rendering and noise (default: numba's setting, all cores).

    Returns
    -------
    movie : ndarray, uint16, shape (frames, H, W)
        Camera counts (ADU), clipped to 0..65535.
    truth : pandas.DataFrame
        One row per emitter per frame it is on: ``frame, x, y, photons, background, sigma, emitter``
        (camera pixels; ``x, y`` include drift; ``background`` is the local background).
        ``attrs`` holds ``pixel_size_nm``, ``camera`` (gain, offset, em_gain, quantum_efficiency,
        read_noise), ``drift`` (dict of lists ``frame, dx, dy``) and ``psf_sigma``.

    References
    ----------
    .. [1] T. Quan et al., "Ultra-fast, high-precision image analysis for localization-based super resolution microscopy", Optics Express 18(11), 11867-11876 (2010), doi:10.1364/OE.18.011867, section 3 (simulated data).
    """
    frames = int(frames)
    if frames < 1:
        raise ValueError(f"frames must be >= 1, got {frames}")
    try:
        h, w = (int(v) for v in shape)
    except (TypeError, ValueError):
        raise ValueError(f"shape must be (H, W), got {shape!r}") from None
    if h < 1 or w < 1:
        raise ValueError(f"shape must be positive, got {shape!r}")
    em_gain = _check_noise(noise, em_gain)
    if not gain > 0:
        raise ValueError(f"gain (electrons per ADU) must be > 0, got {gain}")
    if not 0 < quantum_efficiency <= 1:
        raise ValueError(f"quantum_efficiency must be in (0, 1], got {quantum_efficiency}")
    if read_noise < 0:
        raise ValueError(f"read_noise must be >= 0, got {read_noise}")
    if not psf_sigma > 0:
        raise ValueError(f"psf_sigma must be > 0, got {psf_sigma}")
    if n_emitters is not None and density is not None:
        raise ValueError("give n_emitters or density, not both")
    if density is not None:
        if density < 0:
            raise ValueError(f"density must be >= 0, got {density}")
        n_emitters = int(round(density * h * w))
    rng = np.random.default_rng(seed)
    bg = np.asarray(background, dtype=np.float64)
    if bg.ndim == 0:
        bg_img = np.full((h, w), float(bg))
    elif bg.shape == (h, w):
        bg_img = bg
    else:
        raise ValueError(f"background must be a scalar or an array of shape {(h, w)}, got {bg.shape}")
    if np.any(bg_img < 0) or not np.all(np.isfinite(bg_img)):
        raise ValueError("background must be finite and >= 0")

    lo = np.array([margin, margin], dtype=np.float64)
    hi = np.array([w - 1 - margin, h - 1 - margin], dtype=np.float64)
    if np.any(hi < lo):
        raise ValueError(f"margin {margin} leaves no room in a frame of shape {(h, w)}")

    if positions is not None and blinking is None:
        blinking = True
    if blinking is None or blinking is False:
        n = 50 if n_emitters is None else int(n_emitters)
        if n < 0:
            raise ValueError(f"n_emitters must be >= 0, got {n}")
        frame, x, y = _frame_positions(rng, frames, n, lo, hi, min_distance)
        ph = _draw(rng, photons, len(x), "photons")
        emitter = np.arange(len(x))
    else:
        rates = {"k_on": 0.02, "k_off": 0.5, "k_bleach": 0.1, "start_on": 0.0}
        if isinstance(blinking, dict):
            unknown = set(blinking) - set(rates)
            if unknown:
                raise ValueError(f"unknown blinking keys {sorted(unknown)}; use {sorted(rates)}")
            rates.update(blinking)
        elif blinking is not True:
            raise TypeError("blinking must be None, True or a dict of rates")
        for key, val in rates.items():
            if not 0 <= val <= 1:
                raise ValueError(f"blinking {key} must be a probability in [0, 1], got {val}")
        if rates["k_off"] + rates["k_bleach"] > 1:
            raise ValueError("blinking k_off + k_bleach must be <= 1")
        if positions is not None:
            if isinstance(positions, pd.DataFrame):
                pop = positions[["x", "y"]].to_numpy(np.float64)
            else:
                p = np.asarray(positions, dtype=np.float64)
                if p.ndim != 2 or p.shape[1] != 2:
                    raise ValueError(f"positions must be an (N, 2) array of (y, x), got shape {p.shape}")
                pop = p[:, ::-1].copy()
        else:
            n = 50 if n_emitters is None else int(n_emitters)
            pop = (
                _hardcore_positions(rng, n, lo, hi, min_distance)
                if min_distance
                else rng.uniform(lo, hi, size=(n, 2))
            )
        brightness = _draw(rng, photons, len(pop), "photons")
        on = _blink(rng, len(pop), frames, rates["k_on"], rates["k_off"], rates["k_bleach"], rates["start_on"])
        frame, idx = np.nonzero(on)
        x, y = pop[idx, 0], pop[idx, 1]
        ph = brightness[idx]
        emitter = idx
    if np.any(ph < 0):
        raise ValueError("photons must be >= 0")

    # drift
    if drift is None:
        dxy = np.zeros((frames, 2))
    else:
        d = np.asarray(drift, dtype=np.float64)
        if d.shape == (2,):
            dxy = np.arange(frames)[:, None] * d[None, :]
        elif d.shape == (frames, 2):
            dxy = d
        else:
            raise ValueError(f"drift must be (dx, dy) per frame or an array of shape {(frames, 2)}")
    x = x + dxy[frame, 0]
    y = y + dxy[frame, 1]
    sig = np.full(len(x), float(psf_sigma))

    order = np.lexsort((x, frame))  # sorted by frame (then x) for chunking and a tidy table
    frame, x, y, ph, sig, emitter = (a[order] for a in (frame, x, y, ph, sig, emitter))
    inside = (x > -0.5) & (x < w - 0.5) & (y > -0.5) & (y < h - 0.5)
    local_bg = np.full(len(x), np.nan)
    local_bg[inside] = bg_img[np.rint(y[inside]).astype(int), np.rint(x[inside]).astype(int)]

    radius = int(np.ceil(4.0 * psf_sigma)) + 1
    starts = np.searchsorted(frame, np.arange(frames + 1)).astype(np.int64)
    frame_seeds = rng.integers(1, 2**63 - 1, size=frames, dtype=np.int64).astype(np.uint64)
    movie = np.empty((frames, h, w), np.uint16)
    from napari_maliang.smlm import _simulate_numba as kernels

    uniform_bg = bool(np.all(bg_img == bg_img.flat[0]))
    cdf, guide = kernels.poisson_table(float(bg_img.flat[0]) * quantum_efficiency if uniform_bg else 0.0)
    if threads is not None:
        import numba

        previous = numba.get_num_threads()
        numba.set_num_threads(max(1, min(int(threads), numba.config.NUMBA_NUM_THREADS)))
    try:
        kernels.render_movie(
            movie,
            np.ascontiguousarray(bg_img, dtype=np.float64),
            uniform_bg,
            cdf,
            guide,
            starts,
            x.astype(np.float64),
            y.astype(np.float64),
            ph.astype(np.float64),
            sig,
            radius,
            frame_seeds,
            NOISE_MODELS.index(noise),
            float(em_gain or 1.0),
            float(quantum_efficiency),
            float(read_noise),
            float(gain),
            float(offset),
        )
    finally:
        if threads is not None:
            numba.set_num_threads(previous)

    truth = pd.DataFrame(
        {
            "frame": frame.astype(np.int64),
            "x": x,
            "y": y,
            "photons": ph,
            "background": local_bg,
            "sigma": sig,
            "emitter": emitter.astype(np.int64),
        }
    )
    truth.attrs["pixel_size_nm"] = float(pixel_size_nm)
    truth.attrs["psf_sigma"] = float(psf_sigma)
    truth.attrs["camera"] = {
        "gain": float(gain),
        "offset": float(offset),
        "em_gain": float(em_gain) if noise == "emccd" else None,
        "quantum_efficiency": float(quantum_efficiency),
        "read_noise": float(read_noise),
    }
    # plain lists (not arrays or DataFrames) so pandas can compare attrs when tables are concatenated
    truth.attrs["drift"] = {"frame": list(range(frames)), "dx": dxy[:, 0].tolist(), "dy": dxy[:, 1].tolist()}
    return movie, truth
