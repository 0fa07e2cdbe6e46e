"""Adaptive rectangular subdivision (codec/subdivision.py): tree round trips, known answers, bad input."""

import numpy as np
import pytest

from napari_maliang.codec.subdivision import (
    adaptive_bits,
    code_at_rate,
    dequantise,
    quantise,
    refine,
    refine_within,
    subdivide,
    summed_area,
    tree_mask,
)


@pytest.fixture(scope="module")
def photo():
    from skimage import data

    return data.camera()[100:228, 200:360].astype(float)


def test_tree_round_trip(photo):
    sub = subdivide(photo, a=1000.0, d=0.0)
    assert 50 < sub.mask.sum() < photo.size / 4
    mask, depths = tree_mask(sub.flags, photo.shape)
    np.testing.assert_array_equal(mask, sub.mask)
    np.testing.assert_array_equal(depths, sub.depths)
    # corners and centre of the image are stored whatever the tree
    assert sub.mask[0, 0] and sub.mask[-1, -1] and sub.mask[0, -1] and sub.mask[-1, 0]


def test_known_answers():
    # a plane and a constant are rebuilt exactly from the root's five pixels: no split, one flag
    yy, xx = np.mgrid[:64, :80]
    for f in (np.full((64, 80), 9.0), 3.0 + 0.5 * xx - 0.25 * yy):
        sub = subdivide(f, a=1e-9, d=0.0)
        assert sub.flags.tolist() == [0] and sub.mask.sum() == 5
    # threshold 0 on a checkerboard: every rectangle that can be split is; all pixels end up stored
    cb = ((yy + xx) % 2).astype(float)
    sub = subdivide(cb, a=0.0, d=0.0)
    assert sub.mask.all()


@pytest.mark.parametrize("shape", [(1, 1), (3, 7), (2, 2), (1, 9)])
def test_tiny_images(shape):
    f = np.random.default_rng(1).random(shape) * 255
    sub = subdivide(f, a=0.0)
    mask, _ = tree_mask(sub.flags, shape)
    np.testing.assert_array_equal(mask, sub.mask)
    assert mask[0, 0] and mask[-1, -1]


def test_corrupt_trees(photo):
    sub = subdivide(photo, a=1000.0, d=0.0)
    with pytest.raises(ValueError, match="corrupt"):
        tree_mask(sub.flags[:-3], photo.shape)
    with pytest.raises(ValueError, match="corrupt"):
        tree_mask(np.r_[sub.flags, 0, 1], photo.shape)
    with pytest.raises(ValueError, match="corrupt"):
        tree_mask(np.ones(10, np.uint8), photo.shape)  # every rectangle split: needs far more flags
    with pytest.raises(ValueError, match="shape"):
        tree_mask(sub.flags, (0, 5))


def test_bad_input():
    with pytest.raises(ValueError, match="2-D"):
        subdivide(np.zeros((4, 4, 3)), 1.0)
    with pytest.raises(ValueError, match="threshold"):
        subdivide(np.zeros((4, 4)), np.nan)
    with pytest.raises(ValueError, match="q >= 2"):
        quantise(np.zeros(3), 1, 0, 1)


def test_quantisation_error():
    v = np.random.default_rng(2).random(1000) * 200 + 20
    k = quantise(v, 32, 20.0, 220.0)
    assert k.min() >= 0 and k.max() <= 31
    assert np.abs(dequantise(k, 32, 20.0, 220.0) - v).max() <= 0.5 * 200 / 31 + 1e-9


def test_adaptive_bits_matches_a_plain_loop():
    rng = np.random.default_rng(3)
    s = rng.integers(0, 5, 300)
    c = rng.integers(0, 3, 300)
    n = np.zeros((3, 5))
    expected = 0.0
    for sym, ctx in zip(s, c):
        expected -= np.log2((n[ctx, sym] + 0.5) / (n[ctx].sum() + 2.5))
        n[ctx, sym] += 1
    assert adaptive_bits(s, c, 5) == pytest.approx(expected)
    # a run of 100 equal bits costs about 0.5 log2(100) + 1 bits (KT redundancy), far below 100
    assert adaptive_bits(np.zeros(100, int), np.zeros(100, int), 2) < 6


def test_code_at_rate_respects_the_budget(photo):
    small = code_at_rate(photo, 0.1)
    large = code_at_rate(photo, 0.4)
    assert small.bits <= 0.1 * photo.size and large.bits <= 0.4 * photo.size
    assert large.sub.mask.sum() > 2 * small.sub.mask.sum()
    with pytest.raises(ValueError, match="below"):
        code_at_rate(photo, 1e-5)


def test_coded_round_trip_and_size(photo):
    from napari_maliang.codec.subdivision import decode_points, encode_points

    for q in (12, 16):
        code = code_at_rate(photo, 0.4, q=q)
        tree, values = encode_points(code)
        mask, levels = decode_points(tree, values, photo.shape, q, code.sub.flags.size)
        np.testing.assert_array_equal(mask, code.sub.mask)
        np.testing.assert_array_equal(levels, code.levels)
        # the range coder lands within 2 % (+ a few bytes of flushing) of the code-length estimate
        coded = 8 * (len(tree) + len(values))
        estimate = code.bits - 96
        assert abs(coded - estimate) < 0.02 * estimate + 64


def test_value_contexts_known_answer():
    # stored pixels (raster order) and their levels: the context is the level predicted from the previous
    # stored pixel of the row and of the column (mean rounded half up), the one there is, or q // 2
    from napari_maliang.codec.subdivision import value_contexts

    mask = np.zeros((3, 5), bool)
    mask[0, [0, 2, 4]] = mask[1, 2] = mask[2, [0, 4]] = True
    levels = np.array([3, 8, 5, 6, 2, 9])  # (0,0) (0,2) (0,4) (1,2) (2,0) (2,4)
    np.testing.assert_array_equal(value_contexts(mask, levels, 12), [6, 3, 8, 8, 3, 4])


def test_predictive_values_are_smaller_and_order_0_still_decodes(photo):
    # the predicted-level contexts code the camera's values in fewer bytes; the order-0 model of older files
    # round-trips too
    from napari_maliang.codec.subdivision import decode_points, encode_points

    code = code_at_rate(photo, 0.4, q=12)
    tree, predictive = encode_points(code)
    _, order0 = encode_points(code, predictive=False)
    assert len(predictive) < 0.95 * len(order0)
    mask, levels = decode_points(tree, order0, photo.shape, 12, code.sub.flags.size, predictive=False)
    np.testing.assert_array_equal(levels, code.levels)
    _, wrong = decode_points(tree, predictive, photo.shape, 12, code.sub.flags.size, predictive=False)
    assert not np.array_equal(wrong, code.levels)


def test_coded_corruption_gives_value_errors(photo):
    from napari_maliang.codec.subdivision import decode_points, encode_points

    code = code_at_rate(photo, 0.4, q=12)
    tree, values = encode_points(code)
    n = code.sub.flags.size
    with pytest.raises(ValueError, match="corrupt"):
        decode_points(tree, values, photo.shape, 12, n - 1)
    with pytest.raises(ValueError, match="corrupt"):
        decode_points(tree, values, photo.shape, 12, 10**9)
    rng = np.random.default_rng(7)
    for _ in range(30):  # random bytes: a mask and levels, or a ValueError, never anything else
        junk_tree = rng.integers(0, 256, rng.integers(0, 64), dtype=np.uint8).tobytes()
        junk_values = rng.integers(0, 256, rng.integers(0, 64), dtype=np.uint8).tobytes()
        try:
            mask, levels = decode_points(junk_tree, junk_values, (40, 30), 12, int(rng.integers(0, 200)))
        except ValueError:
            continue
        assert mask.shape == (40, 30) and levels.size == mask.sum() and levels.max(initial=0) < 12


def test_refine_splits_only_the_leaves_with_error(photo):
    code = code_at_rate(photo, 0.1)
    # no leaf's sum exceeds an infinite threshold: the same tree
    table = summed_area(np.arange(6.0).reshape(2, 3))  # [[0, 1, 2], [3, 4, 5]]
    assert table.shape == (3, 4) and table[0].sum() == table[:, 0].sum() == 0
    assert table[2, 3] == 15 and table[1, 2] == 1 and table[2, 3] - table[1, 3] - table[2, 1] + table[1, 1] == 9
    same = refine(photo, code, summed_area(np.ones(photo.shape)), np.inf)
    np.testing.assert_array_equal(same.sub.flags, code.sub.flags)
    np.testing.assert_array_equal(same.sub.mask, code.sub.mask)
    # error at one pixel only: the (at most four) leaves holding it are split, nothing else, and the decoder's
    # walk agrees
    error = np.zeros(photo.shape)
    error[10, 12] = 1.0
    grown = refine(photo, code, summed_area(error), 0.5)
    added = grown.sub.mask & ~code.sub.mask
    assert 1 <= added.sum() <= 16 and not added[64:, :].any() and not added[:, 80:].any()
    mask, depths = tree_mask(grown.sub.flags, photo.shape)
    np.testing.assert_array_equal(mask, grown.sub.mask)
    np.testing.assert_array_equal(depths, grown.sub.depths)
    # the stored values are the image's, quantised as the code's
    assert grown.sub.flags.size > code.sub.flags.size
    np.testing.assert_array_equal(grown.levels, quantise(photo[grown.sub.mask], code.q, code.lo, code.hi))


def test_refine_within_fills_the_budget_largest_error_first(photo):
    code = code_at_rate(photo, 0.1)
    budget = 1.2 * code.bits
    error = np.random.default_rng(3).random(photo.shape)
    error[64:, 80:] *= 100  # one quadrant much worse: its leaves are split first
    new = refine_within(photo, code, error, lambda c: c.bits <= budget)
    assert code.bits < new.bits <= budget
    added = new.sub.mask & ~code.sub.mask
    assert added[64:, 80:].sum() > 0.8 * added.sum()
    # nothing fits, or no error: the code itself
    assert refine_within(photo, code, error, lambda c: c.bits <= code.bits - 1) is code
    assert refine_within(photo, code, np.zeros(photo.shape), lambda c: True) is code
    with pytest.raises(ValueError, match="summed-area table"):
        refine(photo, code, np.zeros(photo.shape), 1.0)
