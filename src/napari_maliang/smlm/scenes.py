"""Simulated localization tables with ground truth, for drift, rendering and motion tests.

The tables have the localization columns of docs/architecture.md, "Conventions" (``frame, x, y, photons,
background, sigma, uncertainty_x, uncertainty_y, log_likelihood``; camera pixels, frames
0-based) and are made directly, without movies: every localization is its true position plus
the sample drift of its frame plus Gaussian noise whose standard deviation is the
localization precision of a maximum-likelihood fit (Mortensen et al. 2010, which the
CRLB of paper section 2.1 reaches):

    var = s_a^2 / N * (1 + 4 tau + sqrt(2 tau / (1 + 4 tau))),
    s_a^2 = s^2 + a^2 / 12,  tau = 2 pi s_a^2 b / (N a^2)

with ``N`` photons, ``b`` background photons per pixel, ``s`` the PSF sigma and ``a = 1`` pixel.
``df.attrs`` carry ``pixel_size_nm``, ``n_frames`` and ``shape``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = [
    "SceneTruth",
    "bead_table",
    "drift_trajectory",
    "filament_scene",
    "localization_precision",
    "motion_scene",
]

COLUMNS = ("frame", "x", "y", "photons", "background", "sigma", "uncertainty_x", "uncertainty_y", "log_likelihood")


@dataclass
class SceneTruth:
    """Ground truth of a simulated scene (camera pixels)."""

    drift: np.ndarray  # (n_frames, 2): (dy, dx) of every frame
    beads: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))  # (k, 2) (y, x) at frame 0
    filaments: list = field(default_factory=list)  # list of (m, 2) polylines (y, x)
    shifts: np.ndarray | None = None  # motion scenes: shift of every data set along the normal (px)
    normal: np.ndarray | None = None  # motion scenes: unit normal (y, x) of the filament


def localization_precision(photons, background, *, psf_sigma: float = 1.3) -> np.ndarray:
    """Standard deviation (pixels) of an ML localization with ``photons`` and ``background`` per pixel."""
    photons = np.asarray(photons, dtype=float)
    sa2 = psf_sigma**2 + 1.0 / 12.0
    tau = 2.0 * np.pi * sa2 * np.asarray(background, dtype=float) / photons
    return np.sqrt(sa2 / photons * (1.0 + 4.0 * tau + np.sqrt(2.0 * tau / (1.0 + 4.0 * tau))))


def drift_trajectory(
    n_frames: int, *, amplitude: float = 1.0, seed: int = 0, kind: str = "smooth"
) -> np.ndarray:
    """A smooth random sample drift ``(n_frames, 2)`` of ``(dy, dx)`` in pixels, zero at frame 0.

    ``kind="smooth"``: a slow linear trend plus a few low-frequency sinusoids, peak excursion
    about ``amplitude`` pixels; ``kind="linear"``: a straight line to ``amplitude`` pixels;
    ``kind="none"``: zeros.
    """
    t = np.arange(n_frames) / max(n_frames - 1, 1)
    if kind == "none":
        return np.zeros((n_frames, 2))
    rng = np.random.default_rng(seed)
    out = np.empty((n_frames, 2))
    for axis in range(2):
        direction = rng.choice([-1.0, 1.0])
        if kind == "linear":
            out[:, axis] = direction * amplitude * t
            continue
        if kind != "smooth":
            raise ValueError(f"kind must be 'smooth', 'linear' or 'none', got {kind!r}")
        curve = direction * 0.6 * t
        for harmonic in (1, 2, 3):
            phase = rng.uniform(0, 2 * np.pi)
            curve += rng.uniform(0.1, 0.3) / harmonic * np.sin(np.pi * harmonic * t + phase)
        curve -= curve[0]
        peak = np.max(np.abs(curve))
        out[:, axis] = amplitude * curve / (peak if peak > 0 else 1.0)
    return out


def _table(frame, y, x, photons, background, psf_sigma, rng, pixel_size_nm, n_frames, shape):
    sd = localization_precision(photons, background, psf_sigma=psf_sigma)
    n = len(frame)
    df = pd.DataFrame(
        {
            "frame": np.asarray(frame, dtype=np.int64),
            "x": x + rng.normal(0.0, 1.0, n) * sd,
            "y": y + rng.normal(0.0, 1.0, n) * sd,
            "photons": np.asarray(photons, dtype=float) * np.ones(n),
            "background": np.asarray(background, dtype=float) * np.ones(n),
            "sigma": np.full(n, psf_sigma),
            "uncertainty_x": sd * np.ones(n),
            "uncertainty_y": sd * np.ones(n),
            "log_likelihood": np.zeros(n),
        }
    )
    return _with_attrs(df, pixel_size_nm, n_frames, shape)


def _with_attrs(df, pixel_size_nm, n_frames, shape):
    """``df`` with the scene attributes (``pixel_size_nm``, ``n_frames``, ``shape``) set."""
    df.attrs.update(pixel_size_nm=float(pixel_size_nm), n_frames=int(n_frames), shape=tuple(int(s) for s in shape))
    return df


def _blink_frames(rng, locs_per_frame, n_frames):
    """Frame number of every blink: ``Poisson(locs_per_frame)`` blinks in each of ``n_frames`` frames."""
    return np.repeat(np.arange(n_frames), rng.poisson(locs_per_frame, n_frames))


def _sample_polyline(vertices: np.ndarray, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Points at fractions ``u`` of the arc length of a polyline; returns positions and unit normals."""
    seg = np.diff(vertices, axis=0)
    lengths = np.hypot(seg[:, 0], seg[:, 1])
    cum = np.concatenate([[0.0], np.cumsum(lengths)])
    s = u * cum[-1]
    k = np.clip(np.searchsorted(cum, s, side="right") - 1, 0, len(seg) - 1)
    frac = (s - cum[k]) / lengths[k]
    pos = vertices[k] + frac[:, None] * seg[k]
    tangent = seg[k] / lengths[k][:, None]
    normal = np.stack([-tangent[:, 1], tangent[:, 0]], axis=1)
    return pos, normal


def _random_filaments(rng, shape, n_filaments, margin=4.0):
    height, width = shape
    filaments = []
    for _ in range(n_filaments):
        start = rng.uniform([margin, margin], [height - margin, width - margin])
        angle = rng.uniform(0, 2 * np.pi)
        points = [start]
        for _ in range(40):
            angle += rng.normal(0, 0.15)
            step = np.array([np.sin(angle), np.cos(angle)]) * 1.5
            nxt = points[-1] + step
            if not (margin <= nxt[0] <= height - margin and margin <= nxt[1] <= width - margin):
                break
            points.append(nxt)
        if len(points) < 5:
            points = [np.array([margin, margin]), np.array([height - margin, width - margin])]
        filaments.append(np.asarray(points))
    return filaments


def filament_scene(
    *,
    n_frames: int = 10_000,
    shape: tuple[int, int] = (64, 64),
    n_filaments: int = 8,
    locs_per_frame: float = 10.0,
    photons: float = 1000.0,
    background: float = 10.0,
    psf_sigma: float = 1.3,
    filament_width: float = 0.1,
    drift_amplitude: float = 1.5,
    drift_kind: str = "smooth",
    n_beads: int = 0,
    bead_photons: float = 5000.0,
    bead_presence: float = 0.98,
    pixel_size_nm: float = 100.0,
    seed: int = 0,
) -> tuple[pd.DataFrame, SceneTruth]:
    """Filaments with sparse blinking (plus optional fiducial beads) under a sample drift.

    Each frame has ``Poisson(locs_per_frame)`` blinks at random points of random curved
    filaments (``filament_width``: SD of the label distance across a filament, pixels), with
    photons drawn from an exponential distribution around ``photons`` (at least 100).
    Beads sit at random positions and are localized in a fraction ``bead_presence`` of
    frames with ``bead_photons`` photons. Sorted by frame.

    Returns
    -------
    locs : pandas.DataFrame
    truth : SceneTruth
    """
    rng = np.random.default_rng(seed)
    drift = drift_trajectory(n_frames, amplitude=drift_amplitude, seed=seed + 1, kind=drift_kind)
    filaments = _random_filaments(rng, shape, n_filaments)
    frame = _blink_frames(rng, locs_per_frame, n_frames)
    n = frame.size
    which = rng.integers(0, len(filaments), n)
    pos = np.empty((n, 2))
    for k, fil in enumerate(filaments):
        sel = which == k
        p, nrm = _sample_polyline(fil, rng.uniform(0, 1, sel.sum()))
        pos[sel] = p + nrm * rng.normal(0, filament_width, sel.sum())[:, None]
    ph = np.maximum(rng.exponential(photons, n), 100.0)
    y = pos[:, 0] + drift[frame, 0]
    x = pos[:, 1] + drift[frame, 1]
    df = _table(frame, y, x, ph, background, psf_sigma, rng, pixel_size_nm, n_frames, shape)
    beads = np.zeros((0, 2))
    if n_beads:
        beads = rng.uniform([6, 6], [shape[0] - 6, shape[1] - 6], (n_beads, 2))
        df = pd.concat(
            [df, bead_table(beads, drift, photons=bead_photons, background=background, psf_sigma=psf_sigma,
                            presence=bead_presence, seed=seed + 2, pixel_size_nm=pixel_size_nm, shape=shape)],
            ignore_index=True,
        )
        df = _with_attrs(df.sort_values("frame", kind="stable", ignore_index=True), pixel_size_nm, n_frames, shape)
    return df, SceneTruth(drift=drift, beads=beads, filaments=filaments)


def bead_table(
    beads,
    drift: np.ndarray,
    *,
    photons: float = 5000.0,
    background: float = 10.0,
    psf_sigma: float = 1.3,
    presence: float = 1.0,
    seed: int = 0,
    pixel_size_nm: float = 100.0,
    shape: tuple[int, int] = (64, 64),
) -> pd.DataFrame:
    """Localizations of fiducial beads at ``beads`` (``(k, 2)`` y, x) following ``drift`` (``(n_frames, 2)``).

    Each bead is localized in a random fraction ``presence`` of the frames with the ML precision
    of ``photons`` photons.
    """
    rng = np.random.default_rng(seed)
    beads = np.atleast_2d(np.asarray(beads, dtype=float))
    n_frames = drift.shape[0]
    tables = []
    for bead in beads:
        frames = np.flatnonzero(rng.uniform(size=n_frames) < presence)
        ph = rng.normal(photons, 0.05 * photons, frames.size).clip(0.5 * photons)
        tables.append(
            _table(frames, bead[0] + drift[frames, 0], bead[1] + drift[frames, 1], ph, background, psf_sigma,
                   rng, pixel_size_nm, n_frames, shape)
        )
    df = pd.concat(tables, ignore_index=True) if tables else _table([], [], [], 1.0, 1.0, psf_sigma, rng,
                                                                     pixel_size_nm, n_frames, shape)
    return _with_attrs(df, pixel_size_nm, n_frames, shape)


def motion_scene(
    *,
    n_sets: int = 4,
    block_frames: int = 1000,
    shifts_nm=None,
    locs_per_frame: float = 0.3,
    photons: float = 800.0,
    background: float = 10.0,
    psf_sigma: float = 1.3,
    filament_width_nm: float = 15.0,
    length: float = 20.0,
    angle_deg: float = 30.0,
    curvature: float = 0.0,
    outlier_fraction: float = 0.03,
    shape: tuple[int, int] = (40, 40),
    pixel_size_nm: float = 100.0,
    seed: int = 0,
) -> tuple[pd.DataFrame, SceneTruth]:
    """One filament that moves along its normal between data sets of ``block_frames`` frames.

    ``shifts_nm``: cumulative displacement of every data set (length ``n_sets``; default all
    zero: a stationary filament). ``curvature`` bends the filament into a gentle arc (pixels of
    sag at the middle). A fraction ``outlier_fraction`` of localizations are uniform background
    points near the filament (what paper section 2.5 rejects). Every localization is an
    independent label (sparse labelling), so successive sets are independent samples.

    Returns
    -------
    locs : pandas.DataFrame
    truth : SceneTruth
        ``truth.filaments[0]`` is the filament of set 0 as a polyline; ``truth.shifts`` the shift of
        every set (pixels) along ``truth.normal``.
    """
    rng = np.random.default_rng(seed)
    shifts = np.zeros(n_sets) if shifts_nm is None else np.asarray(shifts_nm, dtype=float) / pixel_size_nm
    if shifts.shape != (n_sets,):
        raise ValueError(f"shifts_nm needs one value per data set ({n_sets}), got {shifts.shape}")
    n_frames = n_sets * block_frames
    theta = np.deg2rad(angle_deg)
    tangent = np.array([np.sin(theta), np.cos(theta)])
    normal = np.array([-tangent[1], tangent[0]])
    centre = np.array(shape, dtype=float) / 2
    u = np.linspace(-0.5, 0.5, 41)
    polyline = centre + np.outer(u * length, tangent) + np.outer(curvature * (1 - 4 * u**2), normal)
    frame = _blink_frames(rng, locs_per_frame, n_frames)
    n = frame.size
    pos, nrm = _sample_polyline(polyline, rng.uniform(0, 1, n))
    pos += nrm * rng.normal(0, filament_width_nm / pixel_size_nm, n)[:, None]
    pos += np.outer(shifts[frame // block_frames], normal)
    n_out = int(round(outlier_fraction * n))
    if n_out:
        idx = rng.choice(n, n_out, replace=False)
        pos[idx] += nrm[idx] * rng.uniform(-4, 4, n_out)[:, None] + rng.normal(0, 0.3, (n_out, 2))
    ph = np.maximum(rng.exponential(photons, n), 150.0)
    df = _table(frame, pos[:, 0], pos[:, 1], ph, background, psf_sigma, rng, pixel_size_nm, n_frames, shape)
    return df, SceneTruth(drift=np.zeros((n_frames, 2)), filaments=[polyline], shifts=shifts, normal=normal)
