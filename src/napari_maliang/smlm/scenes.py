"""Simulated localization tables with ground truth, for the tests and benchmarks of drift, rendering, motion,
linking, resolution and clustering.

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
    "blinking_events",
    "drift_trajectory",
    "filament_scene",
    "handover_scene",
    "localization_precision",
    "motion_scene",
    "random_events_scene",
    "site_recovery",
    "sites_scene",
    "true_tracks",
    "two_halves_scene",
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


# ------------------------------------------------------------------------------ linking and resolution


def blinking_events(
    positions,
    n_frames: int,
    rng: np.random.Generator,
    *,
    photons: float = 800.0,
    photon_spread: float = 0.5,
    background: float = 20.0,
    psf_sigma: float = 1.3,
    p_gap: float = 0.3,
    pixel_size_nm: float = 100.0,
    shape: tuple[int, int] = (512, 512),
    shuffle: bool = True,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Blinking molecules at known positions, for linking: each molecule's localizations with their molecule.

    The model, per molecule: ``1 + Poisson(1)`` on-events, each starting at a uniform random frame of
    ``[0, n_frames)`` and lasting ``Geometric(1/3)`` localizations (mean 3); after each localization of an event
    the molecule is dark for one frame with probability ``p_gap`` (a blink within the event), else it is
    localized in the next frame. Frames past the movie are dropped, and where two events of a molecule
    overlap it is localized once per frame. Each localization has log-normal photons (median ``photons``,
    log-spread ``photon_spread``), the ML precision ``s`` of those photons over ``background`` photons per
    pixel (:func:`localization_precision`) and lies at the true position plus ``N(0, s)`` per axis.

    Parameters
    ----------
    positions : array_like, shape (n_molecules, 2)
        True ``(y, x)`` of every molecule, camera pixels (pixel centres at integers).
    n_frames : int
        Length of the movie.
    rng : numpy.random.Generator
        The random draws, in this order: events per molecule, event lengths, gaps, start frames, photons,
        x noise, y noise, and the shuffle.
    photons, photon_spread, background, psf_sigma : float
        Median and log-spread of the photon count, background photons per pixel, PSF sigma (px).
    p_gap : float
        Chance of a one-frame dark gap after each localization of an event.
    pixel_size_nm, shape
        Stored in ``attrs`` with ``n_frames``.
    shuffle : bool
        Return the rows in random order (the tools must not rely on a frame order), else by molecule and frame.

    Returns
    -------
    locs : pandas.DataFrame
        The localization columns (``frame`` int64, the others float32; ``log_likelihood`` 0).
    molecule : ndarray of int
        The molecule (row of ``positions``) of every localization.
    """
    positions = np.asarray(positions, dtype=float)
    n_mol = len(positions)
    event_mol = np.repeat(np.arange(n_mol), 1 + rng.poisson(1.0, n_mol))
    lengths = rng.geometric(1 / 3, len(event_mol))
    event = np.repeat(np.arange(len(event_mol)), lengths)
    step = 1 + (rng.random(len(event)) < p_gap)
    starts = np.cumsum(lengths) - lengths
    step[starts] = 0
    offset = np.cumsum(step) - np.repeat(np.cumsum(step)[starts], lengths)
    frame = rng.integers(0, n_frames, len(event_mol))[event] + offset
    mol = event_mol[event]
    keep = frame < n_frames
    frame, mol = frame[keep], mol[keep]
    # one localization per molecule and frame (the first, in (molecule, frame) order)
    _, first = np.unique(mol.astype(np.int64) * (n_frames + 10) + frame, return_index=True)
    frame, mol = frame[first], mol[first]
    ph = rng.lognormal(np.log(photons), photon_spread, len(frame))
    sd = localization_precision(ph, background, psf_sigma=psf_sigma)
    n = len(frame)
    df = pd.DataFrame(
        {
            "frame": frame.astype(np.int64),
            "x": positions[mol, 1] + rng.normal(0, 1, n) * sd,
            "y": positions[mol, 0] + rng.normal(0, 1, n) * sd,
            "photons": ph.astype(np.float32),
            "background": np.full(n, background, np.float32),
            "sigma": np.full(n, psf_sigma, np.float32),
            "uncertainty_x": sd.astype(np.float32),
            "uncertainty_y": sd.astype(np.float32),
            "log_likelihood": np.zeros(n, np.float32),
        }
    )
    if shuffle:
        order = rng.permutation(n)
        df, mol = df.iloc[order].reset_index(drop=True), mol[order]
    return _with_attrs(df, pixel_size_nm, n_frames, shape), mol


def true_tracks(frame, molecule, max_dark: int) -> np.ndarray:
    """The ideal linking of a simulated table: a molecule's localizations form one track until more than
    ``max_dark`` frames pass without one.

    Parameters
    ----------
    frame, molecule : array_like of int
        Frame and true molecule of every localization (any row order).
    max_dark : int
        The longest dark gap (frames) within a track, as in :func:`napari_maliang.smlm.linking.link`.

    Returns
    -------
    ndarray of int64
        The track of every row, numbered ``0, 1, ...`` by molecule, then time.
    """
    frame, molecule = np.asarray(frame), np.asarray(molecule)
    order = np.lexsort((frame, molecule))
    new = np.ones(len(order), bool)
    new[1:] = (molecule[order][1:] != molecule[order][:-1]) | (np.diff(frame[order]) > max_dark + 1)
    out = np.empty(len(order), np.int64)
    out[order] = np.cumsum(new) - 1
    return out


def _fixed_precision_table(frame, xy, sigma) -> pd.DataFrame:
    """Localizations at ``xy`` ((n, 2) as x, y) of precision ``sigma``, sorted by frame."""
    n = len(frame)
    df = pd.DataFrame(
        {
            "frame": np.asarray(frame, dtype=np.int64), "x": xy[:, 0], "y": xy[:, 1], "photons": np.full(n, 1000.0),
            "background": np.full(n, 10.0), "sigma": np.full(n, 1.3), "uncertainty_x": np.full(n, sigma),
            "uncertainty_y": np.full(n, sigma), "log_likelihood": np.zeros(n),
        }
    )
    df.attrs.update(pixel_size_nm=100.0)
    return df.sort_values("frame", kind="stable", ignore_index=True)


def _consecutive_frames(first, on, n_frames):
    """Molecule and frame of every localization: molecule ``m`` on in frames ``first[m] .. first[m] + on[m] - 1``
    (those within the movie)."""
    molecule = np.repeat(np.arange(len(on)), on)
    frame = first[molecule] + np.arange(molecule.size) - np.repeat(np.cumsum(on) - on, on)
    keep = frame < n_frames
    return molecule[keep], frame[keep]


def random_events_scene(
    sigma: float,
    *,
    n_molecules: int = 20_000,
    n_frames: int = 2000,
    field: float = 256.0,
    mean_on: float = 4.0,
    single_frame: bool = False,
    seed: int = 0,
) -> pd.DataFrame:
    """Molecules at random positions, each on once for consecutive frames, for NeNA.

    The model: ``n_molecules`` molecules uniform on the ``field`` x ``field`` px square; each is on from a
    uniform random first frame of ``[0, n_frames)`` for ``Geometric(1 / mean_on)`` consecutive frames (one frame
    when ``single_frame``), cut at the end of the movie; every localization is the true position plus
    ``N(0, sigma)`` per axis, so the distance of consecutive localizations of one molecule is Rayleigh
    distributed with scale ``sqrt(2) sigma`` (the NeNA model). Draws: positions, first frames, durations, noise.

    Returns
    -------
    pandas.DataFrame
        ``frame, x, y, photons (1000), background (10), sigma (1.3), uncertainty_x = uncertainty_y = sigma,
        log_likelihood (0)``, sorted by frame; ``attrs["pixel_size_nm"] = 100``.
    """
    rng = np.random.default_rng(seed)
    truth = rng.uniform(0, field, (n_molecules, 2))
    first = rng.integers(0, n_frames, n_molecules)
    on = np.ones(n_molecules, np.int64) if single_frame else rng.geometric(1 / mean_on, n_molecules)
    molecule, frame = _consecutive_frames(first, on, n_frames)
    return _fixed_precision_table(frame, truth[molecule] + rng.normal(0, sigma, (molecule.size, 2)), sigma)


def handover_scene(
    sigma: float,
    *,
    n_pairs: int = 10_000,
    separation: float = 0.6,
    n_frames: int = 2000,
    field: float = 256.0,
    mean_on: float = 4.0,
    seed: int = 0,
) -> pd.DataFrame:
    """Pairs of molecules that hand over, for NeNA's short-range term.

    The model: ``n_pairs`` pairs, the first molecule uniform on the ``field`` x ``field`` px square, the second
    ``separation`` px away in a uniform random direction. Every molecule is on for ``Geometric(1 / mean_on)``
    consecutive frames; the first from a uniform random frame of ``[0, n_frames)``, the second from the frame
    after the first switches off, so the next-frame neighbour of the first's last localization is the second:
    neighbours at ``separation``, blurred by ``sqrt(2) sigma``. Frames past the movie are dropped; every
    localization is the truth plus ``N(0, sigma)`` per axis. Draws: first positions, directions, durations,
    first frames, noise.

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`random_events_scene`, sorted by frame.
    """
    rng = np.random.default_rng(seed)
    first_of_pair = rng.uniform(0, field, (n_pairs, 2))
    angle = rng.uniform(0, 2 * np.pi, n_pairs)
    truth = np.concatenate([first_of_pair, first_of_pair + separation * np.column_stack([np.cos(angle),
                                                                                         np.sin(angle)])])
    on = rng.geometric(1 / mean_on, 2 * n_pairs)
    start = rng.integers(0, n_frames, n_pairs)
    molecule, frame = _consecutive_frames(np.concatenate([start, start + on[:n_pairs]]), on, n_frames)
    return _fixed_precision_table(frame, truth[molecule] + rng.normal(0, sigma, (molecule.size, 2)), sigma)


def two_halves_scene(
    sigma: float,
    *,
    n_molecules: int = 20_000,
    field: float = 128.0,
    n_frames: int = 4000,
    block_frames: int = 500,
    seed: int = 1,
) -> pd.DataFrame:
    """Molecules localized once in each FRC half, for FRC.

    The model: ``n_molecules`` molecules uniform on the ``field`` x ``field`` px square, each localized once in
    a random frame of a random even block of ``block_frames`` frames (the first half of
    :func:`napari_maliang.smlm.resolution.frc`) and once in a random odd block (the second half), each time
    at the truth plus ``N(0, sigma)`` per axis. The expected FRC is ``exp(-4 pi^2 sigma^2 q^2)`` times the
    pixel's transfer. Draws: positions, then per half the blocks, the frames within them and the noise.

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`random_events_scene`, sorted by frame.
    """
    rng = np.random.default_rng(seed)
    truth = rng.uniform(0, field, (n_molecules, 2))
    n_blocks = n_frames // (2 * block_frames)
    frames, positions = [], []
    for half in (0, 1):
        block = 2 * rng.integers(0, n_blocks, n_molecules) + half
        frames.append(block * block_frames + rng.integers(0, block_frames, n_molecules))
        positions.append(truth + rng.normal(0, sigma, (n_molecules, 2)))
    return _fixed_precision_table(np.concatenate(frames), np.concatenate(positions), sigma)


def sites_scene(
    n_side: int = 60, *, per_site: int = 40, sigma: float = 0.3, n_noise: int = 150_000, extent: float = 512.0,
    spacing: float = 500.0 / 60, margin: float = 6.0, jitter: float = 1.5, n_frames: int = 10_000, seed: int = 1,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Sites of single molecules on a jittered square grid over a uniform background, for clustering.

    ``n_side**2`` sites at ``margin + spacing * (i, j)`` plus a uniform offset in ``[-jitter, jitter]`` per axis,
    each localized ``per_site`` times with Gaussian scatter ``sigma``, and ``n_noise`` background localizations
    uniform over ``[0, extent)^2``; frames uniform over ``n_frames`` (no linking structure). The defaults are the
    scene of benchmarks/smlm_post.py (0.57 background localizations per px^2).

    Returns
    -------
    table : pandas.DataFrame
        ``frame, x, y, photons`` (camera pixels; ``attrs["pixel_size_nm"] = 100``), sites first.
    truth : int64 array
        The site of every row, -1 for the background.
    """
    rng = np.random.default_rng(seed)
    grid = np.stack(np.meshgrid(np.arange(n_side), np.arange(n_side)), -1).reshape(-1, 2)
    centres = margin + spacing * grid + rng.uniform(-jitter, jitter, grid.shape)
    k = len(centres)
    xy = np.concatenate([np.repeat(centres, per_site, 0) + rng.normal(0, sigma, (k * per_site, 2)),
                         rng.uniform(0, extent, (n_noise, 2))])
    truth = np.concatenate([np.repeat(np.arange(k), per_site), np.full(n_noise, -1)])
    n = len(xy)
    df = pd.DataFrame({"frame": rng.integers(0, n_frames, n), "x": xy[:, 0], "y": xy[:, 1],
                       "photons": np.full(n, 1000.0, np.float32)})
    df.attrs.update(pixel_size_nm=100.0)
    return df, truth


def site_recovery(truth, labels, jaccard: float = 0.9) -> float:
    """The share of true sites (``truth`` 0 .. k - 1, -1 background) whose cluster is right: the found cluster
    holding most of the site's localizations has a Jaccard index (shared / either) of at least ``jaccard``."""
    truth, labels = np.asarray(truth), np.asarray(labels)
    k = int(truth.max()) + 1 if truth.size else 0
    both = (truth >= 0) & (labels >= 0)
    if k == 0 or not both.any():
        return 0.0
    pairs = np.unique(np.stack([truth[both], labels[both]], 1), axis=0, return_counts=True)
    (site, found), shared = pairs[0].T, pairs[1]
    best = np.lexsort((-shared, site))  # per site, the found cluster sharing most (first of ties: lowest label)
    first = best[np.r_[True, site[best][1:] != site[best][:-1]]]
    site, found, shared = site[first], found[first], shared[first]
    site_size = np.bincount(truth[truth >= 0], minlength=k)
    found_size = np.bincount(labels[labels >= 0])
    union = site_size[site] + found_size[found] - shared
    return float((shared / union >= jaccard).sum() / k)
