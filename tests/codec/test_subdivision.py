"""Adaptive rectangular subdivision (codec/subdivision.py): tree round trips, known answers, bad input."""

import numpy as np
import pytest

from napari_maliang.codec.subdivision import (
    PointCode,
    adaptive_bits,
    code_at_rate,
    dequantise,
    last_splits,
    level_values,
    merge,
    quantise,
    read_tree,
    rect_keys,
    refine,
    refine_within,
    subdivide,
    summed_area,
)


@pytest.fixture(scope="module")
def photo():
    from skimage import data

    return data.camera()[100:228, 200:360].astype(float)


def test_tree_round_trip(photo):
    sub = subdivide(photo, a=1000.0, d=0.0)
    assert 50 < sub.mask.sum() < photo.size / 4
    read = read_tree(sub.flags, photo.shape)
    np.testing.assert_array_equal(read.mask, sub.mask)
    np.testing.assert_array_equal(read.depths, sub.depths)
    np.testing.assert_array_equal(read.order, sub.order)
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
    mask = read_tree(sub.flags, shape).mask
    np.testing.assert_array_equal(mask, sub.mask)
    assert mask[0, 0] and mask[-1, -1]


def test_corrupt_trees(photo):
    sub = subdivide(photo, a=1000.0, d=0.0)
    with pytest.raises(ValueError, match="corrupt"):
        read_tree(sub.flags[:-3], photo.shape)
    with pytest.raises(ValueError, match="corrupt"):
        read_tree(np.r_[sub.flags, 0, 1], photo.shape)
    with pytest.raises(ValueError, match="corrupt"):
        read_tree(np.ones(10, np.uint8), photo.shape)  # every rectangle split: needs far more flags
    with pytest.raises(ValueError, match="shape"):
        read_tree(sub.flags, (0, 5))


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


def test_companded_levels():
    # gamma = 1 is the uniform quantisation; gamma > 1 puts the levels closer together towards lo, and every
    # value goes to its nearest level
    np.testing.assert_array_equal(level_values(5, 0.0, 100.0), [0, 25, 50, 75, 100])
    t = level_values(8, 10.0, 250.0, 2.0)
    assert t[0] == 10 and t[-1] == 250 and np.all(np.diff(np.diff(t)) > 0)
    v = np.random.default_rng(5).random(2000) * 240 + 10
    k = quantise(v, 8, 10.0, 250.0, 2.0)
    np.testing.assert_array_equal(k, np.argmin(np.abs(v[:, None] - t[None]), axis=1))
    np.testing.assert_array_equal(dequantise(k, 8, 10.0, 250.0, 2.0), t[k])
    with pytest.raises(ValueError, match="gamma > 0"):
        quantise(v, 8, 10.0, 250.0, 0.0)


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


def test_tree_model_order_and_contexts_known_answer(monkeypatch):
    # a 3 x 5 image split once across x, both halves leaves: the image's corners, then the split line's ends,
    # then the halves' centres, each predicted from the corners of what it halves or centres; the context is
    # the predicted level (mean rounded half up, q // 2 without predictors), in planes of many stored pixels
    # times 4 plus the predictors' range (capped at 3)
    from napari_maliang.codec import subdivision
    from napari_maliang.codec.subdivision import tree_contexts

    sub = read_tree(np.array([1, 0, 0], np.uint8), (3, 5))
    coded = [(0, 0), (0, 4), (2, 0), (2, 4), (0, 2), (2, 2), (1, 1), (1, 3)]
    np.testing.assert_array_equal(sub.order[:, 0], [y * 5 + x for y, x in coded])
    np.testing.assert_array_equal(sub.order[4], [2, 0, 4, -1, -1])  # (0, 2) from (0, 0) and (0, 4)
    # levels in raster order of the stored pixels (0,0) (0,2) (0,4) (1,1) (1,3) (2,0) (2,2) (2,4)
    levels = np.array([3, 8, 5, 6, 2, 9, 4, 7])
    symbols, contexts = tree_contexts(sub, levels, 12)
    np.testing.assert_array_equal(symbols, [3, 5, 9, 7, 8, 4, 6, 2])
    np.testing.assert_array_equal(contexts, [6, 3, 3, 7, 4, 8, 6, 6])
    monkeypatch.setattr(subdivision, "RANGE_CLASSES_MIN_POINTS", 8)
    np.testing.assert_array_equal(tree_contexts(sub, levels, 12)[1], [24, 12, 12, 31, 18, 34, 27, 27])


def test_move_bits_known_answer_and_the_coder():
    # MoveBits: a single move's bits are exactly the change of the static cost -log2 p(level | context) (the
    # counts of the levels before the move) summed over every stored pixel, its own level's and those it
    # predicts, and no other value is charged; the real adaptive coder agrees in sign on the whole camera at 0.1
    # bpp: the 300 moves estimated to shorten its stream most shorten it, the 300 estimated to lengthen it most
    # lengthen it (measured -131 and +347 bytes estimated, -156 and +155 real: moves together share counts)
    from dataclasses import replace

    from skimage import data

    from napari_maliang.codec.subdivision import (
        MoveBits,
        encode_plane,
        interleaved_range_classes,
        range_classes,
        tree_contexts,
    )

    photo = data.camera().astype(float)
    code = code_at_rate(photo, 0.1, q=12)
    sub, levels, q = code.sub, code.levels, 12
    assert range_classes(len(sub.order)) == interleaved_range_classes(sub.flags.size) == 4  # the same contexts
    symbols, contexts = tree_contexts(sub, levels, q)
    counts = np.bincount(contexts * q + symbols, minlength=q * q * 4).reshape(q * 4, q)
    cost = -np.log2((counts + 0.5) / (counts.sum(1, keepdims=True) + 0.5 * q))

    def static_bits(k):
        s, c = tree_contexts(sub, k, q)
        return cost[c, s].sum()

    move_bits = MoveBits(sub, q)
    for i in np.random.default_rng(0).choice(levels.size, 6, replace=False):
        steps = np.zeros(levels.size, np.int64)
        steps[i] = 1 if levels[i] < q - 1 else -1
        bits = move_bits(levels, steps)
        moved = levels.copy()
        moved[i] += steps[i]
        assert bits[i] == pytest.approx(static_bits(moved) - static_bits(levels), abs=1e-9)
        assert not np.delete(bits, i).any()
    steps = np.where(levels < q - 1, 1, -1)
    bits = move_bits(levels, steps)
    size = len(encode_plane(code))
    for chosen, sign in ((np.argsort(bits)[:300], -1), (np.argsort(-bits)[:300], 1)):
        assert sign * bits[chosen].sum() > 8 * 50
        moved = levels.copy()
        moved[chosen] += steps[chosen]
        assert sign * (len(encode_plane(replace(code, levels=moved))) - size) > 50


def test_tree_model_is_smallest_and_older_models_still_decode():
    # the coarse-to-fine tree model codes the whole camera's values (0.1 bpp, about 6000 stored pixels, with the
    # range classes) in fewer bytes than the raster model of the files of 2026-12-05, which is smaller than
    # order 0; each model decodes its own bytes (and only those)
    from skimage import data

    from napari_maliang.codec.subdivision import ORDER0, RASTER, TREE, decode_points, encode_points, range_classes

    photo = data.camera().astype(float)
    code = code_at_rate(photo, 0.1, q=12)
    assert range_classes(code.sub.mask.sum()) == 4
    tree, values = encode_points(code)
    sizes = {model: len(encode_points(code, model)[1]) for model in (ORDER0, RASTER)}
    assert len(values) < 0.98 * sizes[RASTER] < 0.95 * sizes[ORDER0]
    for model in (ORDER0, RASTER, TREE):
        mask, levels = decode_points(tree, encode_points(code, model)[1], photo.shape, 12, code.sub.flags.size, model)
        np.testing.assert_array_equal(mask, code.sub.mask)
        np.testing.assert_array_equal(levels, code.levels)
    try:  # read in the raster model, the tree model's bytes give other levels, or a level >= q
        _, wrong = decode_points(tree, values, photo.shape, 12, code.sub.flags.size, RASTER)
    except ValueError as exc:
        assert "corrupt values" in str(exc)
    else:
        assert not np.array_equal(wrong, code.levels)


@pytest.mark.parametrize("model", ["INTERLEAVED", "MIXED"])
def test_interleaved_stream_round_trip_smaller_and_corruption(model):
    # the split flags and the levels in one stream, each flag in the context of its rectangle's corner levels:
    # the same tree and levels back, in fewer bytes than the tree and the tree model's values apart (whole camera,
    # 0.1 bpp: measured 3270 -> 3163 bytes, mixed 2941); a wrong flag count or random bytes give a
    # ValueError, or a tree with levels below q
    from skimage import data

    from napari_maliang.codec import subdivision
    from napari_maliang.codec.subdivision import decode_plane, encode_plane, encode_points

    model = getattr(subdivision, model)
    photo = data.camera().astype(float)
    code = code_at_rate(photo, 0.1, q=12)
    stream = encode_plane(code, model)
    mask, levels = decode_plane(stream, photo.shape, 12, code.sub.flags.size, model)
    np.testing.assert_array_equal(mask, code.sub.mask)
    np.testing.assert_array_equal(levels, code.levels)
    tree, values = encode_points(code)
    assert len(stream) < 0.98 * (len(tree) + len(values))
    with pytest.raises(ValueError, match="corrupt"):
        decode_plane(stream, photo.shape, 12, code.sub.flags.size - 1, model)
    rng = np.random.default_rng(3)
    for _ in range(30):
        junk = rng.integers(0, 256, rng.integers(0, 64), dtype=np.uint8).tobytes()
        try:
            mask, levels = decode_plane(junk, (40, 30), 12, int(rng.integers(0, 200)), model)
        except ValueError as exc:
            assert "corrupt" in str(exc)
            continue
        assert mask.shape == (40, 30) and levels.size == mask.sum() and 0 <= levels.min() and levels.max() < 12


def test_mixed_values_shorter_than_the_tree_model_at_every_q():
    # the mixer starts as the tree model alone and learns from the other contexts: on the whole camera at 0.1
    # bpp its stream is at least 2 % shorter than the interleaved model's for the q the encoder uses (measured
    # -7.0 % at q = 12, flags and values), and random levels round-trip at the largest q a section can hold;
    # the byte searches' limit: the coder gives up exactly when the stream cannot fit
    from dataclasses import replace

    from skimage import data

    from napari_maliang.codec.subdivision import INTERLEAVED, MIXED, decode_plane, encode_plane

    photo = data.camera().astype(float)
    for q in (8, 12, 16, 32):
        code = code_at_rate(photo, 0.1, q=q)
        assert len(encode_plane(code, MIXED)) < 0.98 * len(encode_plane(code, INTERLEAVED))
    for model in (MIXED, INTERLEAVED):  # a limit gives the stream when it fits, None when it does not
        stream = encode_plane(code, model)
        n = len(stream)
        for limit in (0, 1, n // 2, n - 2, n - 1, n, n + 1, 10 * n):
            assert encode_plane(code, model, limit=limit) == (stream if n <= limit else None)
    code = code_at_rate(photo[:96, :80], 2.0, q=255)
    code = replace(code, levels=np.random.default_rng(1).integers(0, 255, code.levels.size))
    mask, levels = decode_plane(encode_plane(code), (96, 80), 255, code.sub.flags.size)
    np.testing.assert_array_equal(levels, code.levels)
    assert levels.max() == 254


def test_the_mixers_logistic_tables():
    # the 12-bit logistic function through its 33 integer knots, 4096 / (1 + exp(-(i - 16) / 2)) rounded, and
    # its inverse: squash(0) = 1/2, odd symmetry around it, monotone; stretch(squash(d)) squashes to the same
    # probability (and lies near d where the curve is steep), squash(stretch(p)) >= p (the smallest d reaching p)
    from napari_maliang.codec._subdivision_numba import _SQUASH_KNOTS, _STRETCH, _squash

    i = np.arange(33)
    np.testing.assert_array_equal(_SQUASH_KNOTS, np.rint(4096 / (1 + np.exp(-(i - 16) / 2))))
    d = np.arange(-2047, 2048)
    p = np.array([_squash(int(x)) for x in d])
    assert p[2047] == 2048 and np.all(np.diff(p) >= 0) and np.all(p + p[::-1] - 4096 <= 1)
    np.testing.assert_array_equal([_squash(int(x)) for x in _STRETCH[p]], p)  # a stretch of the same probability
    assert np.abs(_STRETCH[p] - d)[np.abs(d) < 1024].max() <= 8  # and close to d where the logistic is steep
    assert np.all(np.array([_squash(int(x)) for x in _STRETCH[1:4095]]) >= np.arange(1, 4095))
    assert abs(_STRETCH[2048]) <= 1 and _STRETCH[1] < -1500 and _STRETCH[4095] > 1500


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
    read = read_tree(grown.sub.flags, photo.shape)
    np.testing.assert_array_equal(read.mask, grown.sub.mask)
    np.testing.assert_array_equal(read.depths, grown.sub.depths)
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


def test_last_splits_and_merge_known_answer():
    # 5x5: the root is halved across x into [0..4] x [0..2] and [0..4] x [0..4] x [2..4], each splittable once
    # more (flags 1, 0, 0); the root's split is the only one with two leaves, and undoing it leaves one flag
    g = np.arange(25.0).reshape(5, 5)
    tree = read_tree(np.array([1, 0, 0], np.uint8), g.shape)
    code = PointCode(tree, quantise(g[tree.mask], 16, 0, 24), 16, 0.0, 24.0)
    np.testing.assert_array_equal(last_splits(tree), [[0, 4, 0, 4]])
    root = merge(g, code, last_splits(tree))
    np.testing.assert_array_equal(root.sub.flags, [0])
    assert root.sub.mask.sum() == 5 and root.sub.mask[2, 2]
    np.testing.assert_array_equal(root.levels, quantise(g[root.sub.mask], 16, 0, 24))
    assert rect_keys([[0, 4, 0, 4], [0, 4, 0, 2]], g.shape).tolist() == [24, 22]
    from napari_maliang.codec._subdivision_numba import tree_nodes

    flags, rects, parents = tree_nodes(5, 5, np.array([1, 0, 0], np.uint8), np.zeros(0, np.int64), False, 3)
    np.testing.assert_array_equal(rects, [[0, 4, 0, 4], [0, 4, 0, 2], [0, 4, 2, 4]])
    np.testing.assert_array_equal(parents, [-1, 0, 0])
    for short in ([1, 0], [1]):  # the tree needs a third flag: empty arrays, never a read past the end
        flags, rects, _ = tree_nodes(5, 5, np.array(short, np.uint8), np.zeros(0, np.int64), False, 3)
        assert flags.size == 0 and rects.shape == (0, 4)


def test_merge_undoes_exactly_the_given_splits(photo):
    from napari_maliang.codec._subdivision_numba import tree_nodes

    code = code_at_rate(photo, 0.3)
    rects = last_splits(code.sub)
    assert 10 < len(rects) < code.sub.flags.sum()

    def split_rects(sub):
        _, nodes, _ = tree_nodes(*photo.shape, sub.flags, np.zeros(0, np.int64), False, sub.flags.size)
        return nodes[sub.flags == 1]

    splits = split_rects(code.sub)
    for y0, y1, x0, x1 in rects:  # a last split's halves are leaves: no other split rectangle inside it
        inside = (splits[:, 0] >= y0) & (splits[:, 1] <= y1) & (splits[:, 2] >= x0) & (splits[:, 3] <= x1)
        assert inside.sum() == 1
    undone = rects[::3]
    merged = merge(photo, code, undone)
    assert set(rect_keys(split_rects(merged.sub), photo.shape).tolist()) == set(
        rect_keys(splits, photo.shape).tolist()
    ) - set(rect_keys(undone, photo.shape).tolist())
    centres = np.zeros(photo.shape, bool)
    for y0, y1, x0, x1 in undone:  # each undone split is a leaf: its corners and centre are stored
        assert merged.sub.mask[[y0, y0, y1, y1, (y0 + y1) // 2], [x0, x1, x0, x1, (x0 + x1) // 2]].all()
        centres[(y0 + y1) // 2, (x0 + x1) // 2] = True
    assert not (merged.sub.mask & ~code.sub.mask & ~centres).any() and merged.sub.mask.sum() < code.sub.mask.sum()
    np.testing.assert_array_equal(merged.levels, quantise(photo[merged.sub.mask], code.q, code.lo, code.hi))
    np.testing.assert_array_equal(merge(photo, code, rects[:0]).sub.flags, code.sub.flags)
