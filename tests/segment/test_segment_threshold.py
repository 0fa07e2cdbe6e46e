"""Thresholds: the lecture's worked Otsu example, iterative and adaptive thresholding, bad input."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from napari_maliang.segment import (
    adaptive_threshold,
    iterative_threshold,
    otsu_table,
    otsu_threshold,
    to_gray,
)

LECTURE_HIST = [8, 7, 2, 6, 9, 4]

# The lecture's table ("Otsu's Method: within-class variance"), T = 0..5
LECTURE_TABLE = {
    "weight_b": [0, 0.2222, 0.4167, 0.4722, 0.6389, 0.8889],
    "mean_b": [0, 0, 0.4667, 0.6471, 1.2609, 2.0313],
    "var_b": [0, 0, 0.2489, 0.4637, 1.4102, 2.5303],
    "weight_f": [1, 0.7778, 0.5833, 0.5278, 0.3611, 0.1111],
    "mean_f": [2.3611, 3.0357, 3.7143, 3.8947, 4.3077, 5.000],
    "var_f": [3.1196, 1.9639, 0.7755, 0.5152, 0.2130, 0],
    "within": [3.1196, 1.5268, 0.5561, 0.4909, 0.9779, 2.2491],
    "between": [0, 1.5928, 2.5635, 2.6287, 2.1417, 0.8705],
}


def lecture_image(dtype=np.uint8):
    """The lecture's 6 x 6, 6-level image (any arrangement with the histogram 8, 7, 2, 6, 9, 4)."""
    values = np.repeat(np.arange(6), LECTURE_HIST)
    return np.random.default_rng(0).permutation(values).reshape(6, 6).astype(dtype)


def test_lecture_table_reproduced():
    table = otsu_table(LECTURE_HIST)
    for field, expected in LECTURE_TABLE.items():
        # the lecture prints 4 decimals (W_b at T=1 with 3). One entry is off in its 4th decimal:
        # sigma_f^2 at T=1 is 1.96301 exactly (its W_f * sigma_f^2 = 1.5268 in the same table agrees
        # with 1.96301, not with the printed 1.9639), hence atol 1e-3 with that entry checked apart.
        np.testing.assert_allclose(getattr(table, field), expected, atol=1e-3, err_msg=field)
        if field != "var_f":
            np.testing.assert_allclose(getattr(table, field), expected, atol=6e-4, err_msg=field)
    assert round(table.var_f[1], 5) == 1.96301
    assert table.best == 3.0
    # the worked numbers for T = 3
    assert round(table.weight_b[3], 4) == 0.4722 and round(table.mean_b[3], 4) == 0.6471
    assert round(table.within[3], 4) == 0.4909
    # sigma_B = sigma^2 - sigma_W
    np.testing.assert_allclose(table.between, table.within[0] - table.within, atol=1e-12)


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.int32])
def test_lecture_image_gives_T_3(dtype):
    image = lecture_image(dtype)
    assert otsu_threshold(image) == 3.0
    assert ((image >= 3).sum()) == 6 + 9 + 4


def test_otsu_offset_levels_and_float():
    image = lecture_image(np.uint16) + 1000
    assert otsu_threshold(image) == 1003.0
    # float image of the same levels: T is the lower edge of the first foreground bin
    f = lecture_image(np.float64) / 5.0
    t = otsu_threshold(f, nbins=6)
    assert np.array_equal(f >= t, lecture_image() >= 3)


def test_otsu_bimodal_separates_classes():
    rng = np.random.default_rng(1)
    image = np.where(rng.random((64, 64)) < 0.3, 180, 60) + rng.normal(0, 10, (64, 64))
    truth = image > 120
    t = otsu_threshold(image)
    assert 90 < t < 150
    assert np.mean((image >= t) == truth) > 0.99


def test_iterative_two_level_image_is_midpoint():
    image = np.array([[10, 10, 30], [30, 30, 30]], dtype=np.uint8)
    # G1 = {30}, G2 = {10}: T = (30 + 10) / 2 = 20 whatever the start
    assert iterative_threshold(image) == 20.0
    assert iterative_threshold(image, t0=29) == 20.0
    assert iterative_threshold(image.astype(float), t0=11) == 20.0


def test_iterative_float_matches_int_path_and_fixed_point():
    rng = np.random.default_rng(2)
    image = np.clip(np.where(rng.random((50, 50)) < 0.4, 170, 70) + rng.normal(0, 15, (50, 50)), 0, 255)
    image = image.astype(np.uint8)
    t_int = iterative_threshold(image, tol=1e-6)
    t_float = iterative_threshold(image.astype(np.float64), tol=1e-6)
    assert abs(t_int - t_float) < 1e-6
    # fixed point: T = (m1 + m2) / 2 with G1 = f >= T
    g1 = image >= t_int
    assert abs(0.5 * (image[g1].mean() + image[~g1].mean()) - t_int) < 1e-5


def test_iterative_bad_start_and_tol():
    image = lecture_image()
    with pytest.raises(ValueError, match="t0=100 leaves one class empty"):
        iterative_threshold(image, t0=100)
    with pytest.raises(ValueError, match="tol must be a finite number > 0, got 0"):
        iterative_threshold(image, tol=0)


# ---------------------------------------------------------------- adaptive


def reference_adaptive(image, window, step, min_std):
    """Slow, literal reading of the lecture: loop over window positions (only for small images)."""
    image = np.asarray(image)
    H, W = image.shape
    lo = int(image.min())
    vals = image.astype(np.int64) - lo
    L = int(vals.max()) + 1
    tg = otsu_table(np.bincount(vals.ravel(), minlength=L)).best
    r = (window // step - 1) // 2
    mask = np.zeros((H, W), dtype=bool)
    for ty in range(-(-H // step)):
        for tx in range(-(-W // step)):
            y0, y1 = max(0, (ty - r) * step), min(H, (ty + r + 1) * step)
            x0, x1 = max(0, (tx - r) * step), min(W, (tx + r + 1) * step)
            win = vals[y0:y1, x0:x1]
            tile = (slice(ty * step, (ty + 1) * step), slice(tx * step, (tx + 1) * step))
            if win.std() < min_std or win.min() == win.max():
                mask[tile] = win.mean() >= tg  # uniform: classify the whole area by its mean
            else:
                t = otsu_table(np.bincount(win.ravel(), minlength=L)).best
                mask[tile] = vals[tile] >= t
    return mask


@pytest.mark.parametrize(("window", "step", "shape"), [(8, 8, (37, 50)), (9, 3, (31, 26)), (5, 1, (17, 19))])
def test_adaptive_matches_literal_reference(window, step, shape):
    rng = np.random.default_rng(window)
    yy, xx = np.mgrid[0 : shape[0], 0 : shape[1]]
    image = 40 + 2 * xx + np.where(rng.random(shape) < 0.3, 60, 0) + rng.normal(0, 4, shape)
    image = np.clip(image, 0, 255).astype(np.uint8)
    image[:8, :8] = 90  # a perfectly uniform patch
    min_std = 6.0
    got = adaptive_threshold(image, window=window, step=step, min_std=min_std)
    assert np.array_equal(got, reference_adaptive(image, window, step, min_std))


@settings(max_examples=25, deadline=None)
@given(
    st.integers(0, 2**16),
    st.sampled_from([(3, 1), (3, 3), (6, 2), (9, 3), (5, 5), (10, 2)]),
    st.integers(5, 30),
    st.integers(5, 30),
    st.floats(0, 20),
)
def test_adaptive_matches_reference_on_random_images(seed, ws, h, w, min_std):
    window, step = ws
    rng = np.random.default_rng(seed)
    image = rng.integers(0, 40, (h, w)).astype(np.uint8) + (rng.random((h, w)) < 0.3) * 100
    image = image.astype(np.uint8)
    if image.min() == image.max():
        return
    assert np.array_equal(
        adaptive_threshold(image, window=window, step=step, min_std=min_std),
        reference_adaptive(image, window, step, min_std),
    )


def test_adaptive_beats_global_under_uneven_illumination():
    rng = np.random.default_rng(3)
    H, W = 256, 256
    yy, xx = np.mgrid[0:H, 0:W]
    truth = ((yy // 16 + xx // 16) % 3 == 0) & (rng.random((H // 16, W // 16)).repeat(16, 0).repeat(16, 1) < 0.7)
    illumination = 30 + 150 * xx / W
    image = np.clip(illumination + 60 * truth + rng.normal(0, 3, (H, W)), 0, 255).astype(np.uint8)
    global_acc = np.mean((image >= otsu_threshold(image)) == truth)
    mask, info = adaptive_threshold(image, window=48, step=16, min_std=10, return_info=True)
    acc = np.mean(mask == truth)
    assert acc > 0.97 > global_acc + 0.1
    assert info.uniform.any() and (~info.uniform).any()
    assert np.isnan(info.thresholds[info.uniform]).all()


def test_adaptive_uniform_windows_classified_whole_by_mean():
    # left half dark flat with tiny noise, right half bright flat: every window uniform
    image = np.zeros((32, 64), dtype=np.uint8)
    image[:, 32:] = 200
    image[::2, ::2] += 1  # noise std 0.4 < min_std
    image[0, 0] = 0
    mask = adaptive_threshold(image, window=16, min_std=5)
    assert not mask[:, :32].any() and mask[:, 32:].all()


def test_adaptive_float_image_and_rgb():
    rng = np.random.default_rng(4)
    image = rng.random((40, 40))
    image[:, 20:] += 1.0
    mask = adaptive_threshold(image, window=40, min_std=0.0)
    assert mask[:, 20:].mean() > 0.95 and mask[:, :20].mean() < 0.05
    rgb = np.stack([image] * 3, axis=-1)
    assert np.array_equal(adaptive_threshold(rgb, window=40, min_std=0.0), mask)


def test_adaptive_window_must_be_odd_multiple_of_step():
    with pytest.raises(ValueError, match="odd multiple of step"):
        adaptive_threshold(lecture_image(), window=8, step=4)
    with pytest.raises(ValueError, match=">= 1"):
        adaptive_threshold(lecture_image(), window=0)


# ---------------------------------------------------------------- bad input


ALL_THRESHOLDS = [otsu_threshold, iterative_threshold, adaptive_threshold]


@pytest.mark.parametrize("func", ALL_THRESHOLDS)
def test_empty_image(func):
    with pytest.raises(ValueError, match="empty"):
        func(np.zeros((0, 5), dtype=np.uint8))


@pytest.mark.parametrize("func", ALL_THRESHOLDS)
@pytest.mark.parametrize("dtype", [np.uint8, np.float32])
def test_constant_image_clear_message_not_nan(func, dtype):
    with pytest.raises(ValueError, match="constant .* threshold is undefined"):
        func(np.full((16, 16), 7, dtype=dtype))


@pytest.mark.parametrize("func", ALL_THRESHOLDS)
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nan_inf_pixels(func, bad):
    image = lecture_image(np.float64)
    image[2, 3] = bad
    with pytest.raises(ValueError, match=r"1 NaN/inf pixel .*\(2, 3\)"):
        func(image)


@pytest.mark.parametrize("func", ALL_THRESHOLDS)
def test_stack_refused_clearly(func):
    with pytest.raises(ValueError, match="stack of shape .*per plane"):
        func(np.zeros((4, 16, 16), dtype=np.uint8))


def test_rgb_converted_with_note():
    gray = lecture_image() * 40
    rgb = np.stack([gray, gray, gray], axis=-1)
    converted, note = to_gray(rgb)
    assert "converted the RGB image to grayscale" in note
    np.testing.assert_allclose(converted, gray, atol=1e-9)
    assert otsu_threshold(rgb) == pytest.approx(otsu_threshold(gray), abs=1.0)
    assert to_gray(gray)[1] is None
    with pytest.raises(TypeError, match="numeric"):
        otsu_threshold(np.array([["a", "b"]]))


def test_otsu_threshold_in_the_middle_of_an_empty_gap():
    image = np.array([[0, 0, 100, 100]], dtype=np.uint8)
    assert otsu_threshold(image) == 50.0  # any T in (0, 100] splits alike: the middle of the gap
    assert otsu_threshold(np.array([[10, 12, 13]], dtype=np.uint8)) == 11.0  # ceil((10 + 12) / 2)
    assert otsu_table([8, 7, 2, 6, 9, 4]).best == 3.0  # no gap: unchanged
