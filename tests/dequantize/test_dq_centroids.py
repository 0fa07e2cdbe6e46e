"""Data targets of a lattice's end boxes from the histogram (napari_maliang.dequantize.centroids)."""

import numpy as np
import pytest

from napari_maliang.dequantize import core, dequantize
from napari_maliang.dequantize.centroids import (
    MIN_EVIDENCE,
    end_box_targets,
    log_polynomial_mean,
    pile_up,
    toward_level,
)
from napari_maliang.dequantize.lattice import fit_lattice


def _exponential_mean(a, b, slope):
    """The closed form of the mean of ``exp(slope t)`` on ``[a, b]``."""
    w = b - a
    return a + w * (1.0 / (1.0 - np.exp(-slope * w)) - 1.0 / (slope * w))


def test_log_polynomial_mean_known_values():
    # a line through two points: the exponential density's closed form; flat: the midpoint
    assert log_polynomial_mean(0.0, 1.0, [0.0, 1.0], [0.0, 0.0]) == pytest.approx(0.5)
    assert log_polynomial_mean(0.0, 1.0, [0.0, 1.0], [0.0, 1.0]) == pytest.approx(_exponential_mean(0.0, 1.0, 1.0))
    assert log_polynomial_mean(-0.5, 31.5, [15.5, 47.5], [0.0, -9.6]) == pytest.approx(
        _exponential_mean(-0.5, 31.5, -0.3), rel=1e-4)
    # mirror symmetry, and a steep density: the end it leans to
    assert log_polynomial_mean(-0.5, 31.5, [15.5, 47.5], [0.0, -9.6]) == pytest.approx(
        31.0 - log_polynomial_mean(-0.5, 31.5, [15.5, -16.5], [0.0, -9.6]))
    assert log_polynomial_mean(0.0, 32.0, [0.0, 1.0], [0.0, -50.0]) < 0.05
    # a parabola through three points: a Gaussian density, centred at 10 with sd 4, cut to [0, 32]
    centres = np.array([5.0, 15.0, 25.0])
    mean = log_polynomial_mean(0.0, 32.0, centres, -0.5 * ((centres - 10.0) / 4.0) ** 2)
    t = np.linspace(0.0, 32.0, 100001)
    f = np.exp(-0.5 * ((t - 10.0) / 4.0) ** 2)
    assert mean == pytest.approx(np.sum(t * f) / np.sum(f), abs=1e-4)


def test_parabola_follows_a_histogram_falling_faster_than_an_exponential():
    # shadows piled up near black, half-normal (sd 20): the log-density is a parabola, and the first box's
    # target is close to the true values' mean there (12.95), where the line through two boxes says 10.25
    values = np.minimum(np.abs(np.random.default_rng(3).normal(0.0, 20.0, 200_000)), 255)
    grey = np.repeat(_floor3(values).reshape(400, 500)[..., None], 3, axis=-1)
    palette, indices = np.unique(grey.reshape(-1, 3), axis=0, return_inverse=True)
    targets = end_box_targets(indices.reshape(400, 500), fit_lattice("floor", palette, np.uint8), palette)
    counts = np.bincount((values // 32).astype(int), minlength=8)
    line = _exponential_mean(-0.5, 31.5, (np.log((counts[1] + 1) / 32) - np.log((counts[0] + 1) / 32)) / 32.0)
    truth = values[values < 32].mean()
    assert abs(targets[0, 0] - truth) < 0.25 * abs(line - truth)


def _floor3(values):
    return (np.asarray(values) // 32 * 32).astype(np.uint8)


def test_end_boxes_follow_the_histogram_interior_boxes_keep_their_centre():
    rng = np.random.default_rng(0)
    # a dark scene: values piled up near 0 (exponential, mean 6), then fewer and fewer brighter ones
    values = np.minimum(rng.exponential(30.0, 64 * 64), 255).reshape(64, 64)
    grey = np.repeat(_floor3(values)[..., None], 3, axis=-1)
    palette, indices = np.unique(grey.reshape(-1, 3), axis=0, return_inverse=True)
    lattice = fit_lattice("floor", palette, np.uint8)
    targets = end_box_targets(indices.reshape(64, 64), lattice, palette)
    box0 = values[values < 32]
    assert targets[0, 0] < 15.5 - 1.0  # leans towards 0, as the values do
    assert abs(targets[0, 0] - box0.mean()) < abs(15.5 - box0.mean())  # closer to their mean than the centre
    interior = (palette[:, 0] > 0) & (palette[:, 0] < 224)
    np.testing.assert_array_equal(targets[interior], palette[interior] + 15.5)  # box centres, exactly
    assert np.all((targets >= palette) & (targets <= palette + 31))  # inside its box: re-quantizes


def test_an_even_histogram_keeps_the_centre():
    ramp = np.repeat(np.repeat(np.arange(256, dtype=np.uint8)[None, :], 8, axis=0)[..., None], 3, axis=-1)
    q = _floor3(ramp)
    palette, indices = np.unique(q.reshape(-1, 3), axis=0, return_inverse=True)
    targets = end_box_targets(indices.reshape(q.shape[:2]), fit_lattice("floor", palette, np.uint8), palette)
    np.testing.assert_allclose(targets, palette + 15.5, atol=1e-9)


def test_toward_level_moves_only_from_the_centre_towards_an_end_level():
    # one grey colour per row, two channels: (level, box centre, histogram target) -> the target used
    levels = np.array([[0.0, 0.0], [224.0, 255.0], [255.0, 16.0]])
    centres = np.array([[15.5, 15.5], [239.5, 242.5], [242.5, 15.5]])
    histogram = np.array([[4.0, 20.0], [250.0, 250.0], [230.0, 3.0]])
    got = toward_level(centres, histogram, levels, np.array([255.0, 255.0]))
    np.testing.assert_array_equal(got, [
        [4.0, 15.5],      # floor's first box (level 0): towards 0 as far as the histogram says, never past the centre
        [239.5, 250.0],   # floor's last box (level 224, not an end): its centre; 6 levels' last box (level 255): 250
        [242.5, 15.5],    # a histogram away from the end level keeps the centre; a bin centre's level 16: its centre
    ])


def test_an_end_box_with_an_empty_box_beyond_the_next_keeps_the_centre():
    """A render whose blue runs from 0 to 47 (the first box 0..31 and the next 32..63 under the 3-bit floor) and a
    full grey ramp in red and green: the third box holds no blue pixel (under :data:`MIN_EVIDENCE`), so the
    histogram says nothing about the shape of blue's density in the first box, and blue keeps its box centre 15.5.
    (With nothing in the *next* box either, the first box would target 0: see the white background below.)"""
    h, w = 64, 256
    ramp = np.repeat(np.arange(w, dtype=np.float64)[None, :], h, axis=0)
    blue = np.repeat(np.linspace(0.0, 47.0, h)[:, None], w, axis=1)
    q = _floor3(np.stack([ramp, ramp, blue], axis=-1))
    palette, indices = np.unique(q.reshape(-1, 3), axis=0, return_inverse=True)
    targets = end_box_targets(indices.reshape(h, w), fit_lattice("floor", palette, np.uint8), palette)
    assert MIN_EVIDENCE * h * w > 0  # a box of no pixel is under it
    np.testing.assert_array_equal(targets[palette[:, 2] == 0, 2], 15.5)


def test_a_dark_noisy_sky_is_restored_darker_than_the_box_centre(monkeypatch):
    """A noisy night sky under 3-bit floor truncation (values piled up near 0, some above 31): the floor's first
    box is reconstructed at 0, so by default its target leans from the centre towards 0 as the histogram says
    (:func:`toward_level`), and the sky is restored closer to the truth than its box centre, the same as with
    ``end_guess=True``, and still re-quantizing."""

    yy, xx = np.mgrid[0:96, 0:96]
    sky = np.random.default_rng(1).exponential(10.0, (96, 96))
    disc = np.hypot(yy - 48, xx - 48) < 30
    planet = 60 + 150 * np.clip(1 - np.hypot(yy - 48, xx - 48) / 30, 0, 1)
    truth = np.clip(np.where(disc, planet, sky), 0, 255)
    q = np.repeat(_floor3(truth)[..., None], 3, axis=-1)
    ours = dequantize(q).astype(float)[..., 0]
    guessed = dequantize(q, end_guess=True).astype(float)[..., 0]
    monkeypatch.setattr(core, "toward_level", lambda centres, *_: centres)  # the targets of before: box centres
    centres = dequantize(q).astype(float)[..., 0]
    sky_box0 = ~disc & (q[..., 0] == 0)
    err = {name: np.abs(out[sky_box0] - truth[sky_box0]).mean()
           for name, out in (("ours", ours), ("guessed", guessed), ("centre", centres))}
    assert err["ours"] < 0.85 * err["centre"]  # measured 12.8 against 18.5
    assert err["ours"] == pytest.approx(err["guessed"], abs=0.5)
    assert np.array_equal(_floor3(ours), q[..., 0])  # re-quantizes to the input


def test_pile_up_known_values():
    # a flat density of 2 pixels per value over the 32 values of [-0.5, 31.5]: 64 pixels are accounted for
    assert pile_up(-0.5, 31.5, 256.0, [47.5, 79.5], [np.log(2.0), np.log(2.0)]) == pytest.approx(0.75, rel=1e-6)
    # the exponential accounts for more than the box holds: nothing piled up
    assert pile_up(-0.5, 31.5, 10.0, [47.5, 79.5], [np.log(2.0), np.log(2.0)]) == 0.0
    # a density falling towards the end (rising inward) accounts for fewer pixels there than a flat one
    assert pile_up(-0.5, 31.5, 256.0, [47.5, 79.5], [0.0, 1.0]) > 0.75
    # the rest follows the exponential through the same two points: flat, the box centre; rising, above it
    assert log_polynomial_mean(-0.5, 31.5, [47.5, 79.5], [np.log(2.0), np.log(2.0)]) == pytest.approx(15.5, abs=1e-9)
    assert log_polynomial_mean(-0.5, 31.5, [47.5, 79.5], [0.0, 1.0]) > 15.5


def _six_levels(values):
    return (np.rint(np.asarray(values, np.float64) * 5 / 255) * 51).astype(np.uint8)


@pytest.mark.parametrize("end", [0, 255])
def test_a_clipped_channel_stays_at_its_end(end):
    """A saturated cyan-to-blue sky (red clipped at 0 everywhere but in a band of reds) under 6 levels, and its
    negative (red clipped at 255): most of red's end box is the clipped sky, far more than the boxes inward say a
    smooth density would put there, so its target is within 1 of the end (the parabola through the three boxes
    said 6.6 from 0), and the restored red stays within 2 of it (0.7 and 1.5 away; 2.4 and 4.7 before)."""
    h, w = 120, 200
    yy, xx = np.mgrid[0:h, 0:w]
    red = np.where(np.abs(yy - 60) < 12, 30 + 190 * np.cos((xx / w) * np.pi) ** 2, 0.0)  # a band of reds and pinks
    truth = np.stack([red, 150 + 90 * xx / w, 255 - 60 * yy / h], axis=-1)
    truth = truth if end == 0 else 255 - truth
    q = _six_levels(truth)
    palette, indices = np.unique(q.reshape(-1, 3), axis=0, return_inverse=True)
    targets = end_box_targets(indices.reshape(h, w), fit_lattice("round", palette, np.uint8), palette)
    assert np.abs(targets[palette[:, 0] == end, 0] - end).max() < 1.0
    out = dequantize(q, self_check=False).astype(float)
    sky = red == 0
    assert np.abs(out[..., 0][sky] - end).mean() < 2.0


def _rgb565(values):
    """RGB565 widened back to 8 bits by bit replication."""
    v = np.asarray(values, np.float64).astype(np.uint8)
    r, g, b = v[..., 0] >> 3, v[..., 1] >> 2, v[..., 2] >> 3
    return np.stack([(r << 3) | (r >> 2), (g << 2) | (g >> 4), (b << 3) | (b >> 2)], axis=-1).astype(np.uint8)


def test_a_white_background_with_a_gap_before_it_targets_white():
    """A render on white (held-out 32's POV-Ray blob hand): a shaded dark ball on a white background under RGB565.
    Red's and blue's last box [248, 255] holds the background and the boxes next to it hold no pixel, so the
    histogram has nothing to fit, but nothing leads into the last box either: its values are taken to have piled up
    at the end, so the background targets 255 (the box centre 251.5 before) and is restored there."""
    h, w = 96, 128
    yy, xx = np.mgrid[0:h, 0:w]
    r = np.hypot(yy - 48, xx - 64) / 30.0
    ball = r < 1
    shade = 40 + 100 * np.clip(1 - r, 0, 1)
    truth = np.where(ball[..., None], np.stack([shade, 0.8 * shade, 0.6 * shade], -1), 255.0)
    q = _rgb565(truth)
    palette, indices = np.unique(q.reshape(-1, 3), axis=0, return_inverse=True)
    lattice = fit_lattice("replicate", palette, np.uint8)
    targets = end_box_targets(indices.reshape(h, w), lattice, palette)
    white = (palette == 255).all(axis=1)
    np.testing.assert_array_equal(targets[white], [[255.0, 255.0, 255.0]])
    out = dequantize(q, self_check=False).astype(float)
    assert np.abs(out[~ball] - 255.0).mean() < 0.5  # 3.5 off in red and blue at the box centre
