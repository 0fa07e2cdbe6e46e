"""A small simulated PALM stack with its ground truth, for the napari sample menu and demos."""

from __future__ import annotations

import numpy as np


def palm_sample(*, frames: int = 200, shape=(128, 128), seed: int = 0):
    """Simulated PALM movie of blinking emitters on a ring-and-line structure, with ground truth.

    Fluorophores sit on two filaments and a ring (like labelled actin/clathrin), switch on and
    off and bleach (``simulate_movie(blinking=True)``); photons 500-3000 per frame, background 20,
    PSF sigma 1.3 px, 100 nm pixels, Poisson noise. Generates in well under 2 s.

    Returns
    -------
    movie : ndarray, uint16, shape (frames, H, W)
    truth : pandas.DataFrame
        Ground-truth localizations (``frame, x, y, photons, ...``; camera pixels).

    References
    ----------
    .. [1] T. Quan et al., "Ultra-fast, high-precision image analysis for localization-based super resolution microscopy", Optics Express 18(11), 11867-11876 (2010), doi:10.1364/OE.18.011867, section 3 (simulated data).
    """
    from napari_maliang.smlm.simulate import simulate_movie

    h, w = shape
    rng = np.random.default_rng(seed)
    t = rng.uniform(0, 1, 300)
    line1 = np.column_stack([0.15 * h + 0.7 * h * t[:120], 0.1 * w + 0.8 * w * t[:120]])
    line2 = np.column_stack([0.85 * h - 0.6 * h * t[120:200], 0.2 * w + 0.25 * w * t[120:200]])
    phi = 2 * np.pi * t[200:]
    ring = np.column_stack([0.62 * h + 0.18 * h * np.sin(phi), 0.3 * w + 0.18 * w * np.cos(phi)])
    positions = np.vstack([line1, line2, ring])  # (y, x)
    movie, truth = simulate_movie(
        frames=frames,
        shape=shape,
        positions=positions,
        blinking={"k_on": 0.01, "k_off": 0.5, "k_bleach": 0.05, "start_on": 0.0},
        photons=(500.0, 3000.0),
        background=20.0,
        psf_sigma=1.3,
        seed=seed,
    )
    return movie, truth


def palm_sample_layers():
    """napari layer-data tuples of :func:`palm_sample`: the raw stack and its ground truth.

    For a sample-data contribution: ``[(movie, {...}, "image"), (points, {...}, "points")]``; the
    ground-truth Points layer has data ``(frame, y, x)`` and the truth table in ``features``.
    """
    movie, truth = palm_sample()
    points = truth[["frame", "y", "x"]].to_numpy(dtype=float)
    return [
        (movie, {"name": "PALM stack (simulated)", "colormap": "gray", "metadata": {"pixel_size_nm": 100.0}}, "image"),
        (
            points,
            {
                "name": "PALM ground truth",
                "features": truth.reset_index(drop=True),
                "size": 1.0,
                "face_color": "#00ff7f",
                "border_width": 0,
                "visible": False,
                "metadata": {"pixel_size_nm": 100.0},
            },
            "points",
        ),
    ]
