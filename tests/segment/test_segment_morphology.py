"""Morphology: the lecture's erosion/dilation example and padding rule, hit-and-miss, thinning, thickening."""

import numpy as np
import pytest
from scipy import ndimage

from napari_maliang.segment import (
    THINNING_ELEMENTS,
    closing,
    dilation,
    erosion,
    hit_or_miss,
    opening,
    parse_structuring_element,
    structuring_element,
    thicken,
    thin,
)

# lecture, "Erosion and Dilation"
LECTURE_IM = np.array(
    [
        [0, 0, 0, 0, 0, 0, 0, 0],
        [0, 1, 0, 0, 0, 0, 1, 0],
        [0, 1, 0, 0, 0, 0, 1, 0],
        [0, 1, 1, 1, 1, 1, 1, 0],
        [0, 1, 1, 1, 1, 1, 1, 0],
        [0, 1, 1, 1, 1, 1, 1, 0],
        [0, 1, 1, 1, 1, 1, 1, 0],
        [0, 0, 1, 1, 1, 1, 0, 0],
    ],
    dtype=np.uint8,
)


def test_lecture_erosion_with_edge_padding():
    out = erosion(LECTURE_IM)
    expected = np.zeros((8, 8), dtype=np.uint8)
    expected[4:6, 2:6] = 1
    expected[6:8, 3:5] = 1  # bottom rows survive only because the edge row is replicated
    assert np.array_equal(out, expected)
    # with zero padding the last row would be eroded away: the padding rule matters
    assert not erosion(LECTURE_IM, mode="constant")[7].any()


def test_lecture_dilation():
    expected = np.ones((8, 8), dtype=np.uint8)
    expected[0:2, 3:5] = 0
    assert np.array_equal(dilation(LECTURE_IM), expected)


def test_opening_closing_are_compositions():
    rng = np.random.default_rng(0)
    m = rng.random((30, 30)) < 0.5
    se = structuring_element("disk", 2)
    assert np.array_equal(opening(m, se), dilation(erosion(m, se), se))
    assert np.array_equal(closing(m, se), erosion(dilation(m, se), se))


def test_structuring_elements_and_parsing():
    assert structuring_element("square", 1).sum() == 9
    assert structuring_element("diamond", 1).sum() == 5
    assert structuring_element("cross", 2).sum() == 9
    assert structuring_element("horizontal line", 2).sum() == 5
    disk = structuring_element("disk", 3)
    assert disk.shape == (7, 7) and disk[3].all() and not disk[0, 0]
    se = parse_structuring_element("0 1 0\n1,1,1\n[0 1 0]")
    assert se.tolist() == [[False, True, False], [True, True, True], [False, True, False]]
    assert parse_structuring_element("010\n111\n010").tolist() == se.tolist()
    with pytest.raises(ValueError, match="only 0 and 1"):
        parse_structuring_element("0 2 0")
    with pytest.raises(ValueError, match="different lengths"):
        parse_structuring_element("1 1\n1")
    with pytest.raises(ValueError, match="odd sides"):
        parse_structuring_element("1 1\n1 1")
    with pytest.raises(ValueError, match="empty"):
        parse_structuring_element("  ")
    with pytest.raises(ValueError, match="unknown structuring element"):
        structuring_element("star")


def test_hit_or_miss_detects_local_maxima_tops():
    # lecture: "local maximums have upper neighbours in the BG -> detect them"
    image = np.zeros((9, 9), dtype=bool)
    image[2:9, 2] = True  # a vertical bar; its top end has background above
    image[5:9, 6] = True
    fg = np.array([[0, 0, 0], [0, 1, 0], [0, 1, 0]], dtype=bool)
    bg = np.array([[1, 1, 1], [0, 0, 0], [0, 0, 0]], dtype=bool)
    hits = hit_or_miss(image, fg, bg)
    assert np.argwhere(hits).tolist() == [[2, 2], [5, 6]]


def test_hit_or_miss_matches_scipy_inside_the_image():
    rng = np.random.default_rng(1)
    m = rng.random((40, 40)) < 0.5
    fg = np.array([[0, 1, 0], [0, 1, 0], [0, 1, 0]], dtype=bool)
    bg = np.array([[1, 0, 0], [1, 0, 0], [1, 0, 0]], dtype=bool)
    ours = hit_or_miss(m, fg, bg)
    ref = ndimage.binary_hit_or_miss(m, structure1=fg, structure2=bg)
    assert np.array_equal(ours[1:-1, 1:-1], ref[1:-1, 1:-1])


def test_hit_or_miss_lecture_padding_at_border():
    m = np.zeros((5, 5), dtype=bool)
    m[:, 0] = True  # a bar along the left border
    fg = np.array([[0, 0, 0], [1, 1, 0], [0, 0, 0]], dtype=bool)  # needs foreground on the left
    # the replicated edge column is foreground, so the border pixels match
    assert hit_or_miss(m, fg, np.zeros((3, 3), bool))[:, 0].all()


def test_hit_or_miss_bad_elements():
    m = np.ones((5, 5))
    with pytest.raises(ValueError, match="both require"):
        hit_or_miss(m, np.ones((3, 3)), np.ones((3, 3)))
    with pytest.raises(ValueError, match="both empty"):
        hit_or_miss(m, np.zeros((3, 3)), np.zeros((3, 3)))
    with pytest.raises(ValueError, match="odd sides"):
        hit_or_miss(m, np.ones((2, 2)), np.zeros((3, 3)))


def one_pixel_wide(m):
    return not (m[:-1, :-1] & m[1:, :-1] & m[:-1, 1:] & m[1:, 1:]).any()


def euler_ok(a, b):
    eight = np.ones((3, 3))
    same_objects = ndimage.label(a, eight)[1] == ndimage.label(b, eight)[1]
    same_holes = ndimage.label(~np.pad(a, 1))[1] == ndimage.label(~np.pad(b, 1))[1]
    return same_objects and same_holes


def test_thin_rectangle_to_line():
    m = np.zeros((11, 30), dtype=bool)
    m[3:8, 2:28] = True
    t = thin(m)
    assert one_pixel_wide(t) and euler_ok(m, t)
    assert t[5, 6:24].all()  # the medial line survives
    assert t.sum() < 35


def test_thin_random_shapes_keep_topology_and_are_one_pixel_wide():
    rng = np.random.default_rng(2)
    for _ in range(10):
        m = ndimage.binary_opening(rng.random((48, 48)) < 0.55)
        t = thin(m)
        assert one_pixel_wide(t)
        assert euler_ok(m, t)
        assert not (t & ~m).any()
        assert np.array_equal(thin(t), t)  # stable


def test_thin_ring_keeps_its_hole_and_max_iter():
    yy, xx = np.mgrid[-15:16, -15:16]
    ring = (yy**2 + xx**2 <= 14**2) & (yy**2 + xx**2 >= 6**2)
    t = thin(ring)
    assert one_pixel_wide(t) and euler_ok(ring, t)
    one = thin(ring, max_iter=1)
    assert t.sum() < one.sum() < ring.sum()
    assert np.array_equal(thin(ring, max_iter=0), ring)


def test_thicken_is_dual_of_thin_and_leaves_one_pixel_background_lines():
    m = np.zeros((20, 40), dtype=bool)
    m[8:12, 5:9] = True
    m[8:12, 30:34] = True
    t = thicken(m)
    assert np.array_equal(t, ~thin(~m))
    assert (t >= m).all()  # thickening only adds
    background = ~t
    assert background.any() and one_pixel_wide(background)
    # the two objects stay separated by a background line
    lab = ndimage.label(t)[0]
    assert lab[10, 6] != lab[10, 31]
    partial = thicken(m, max_iter=1)
    assert m.sum() < partial.sum() < t.sum()


def test_thinning_elements_are_rotations():
    assert len(THINNING_ELEMENTS) == 8
    for fg, bg in THINNING_ELEMENTS:
        assert fg[1, 1] and not (fg & bg).any()


def test_morphology_bad_input():
    with pytest.raises(ValueError, match="empty"):
        thin(np.zeros((0, 0)))
    with pytest.raises(ValueError, match="per plane"):
        erosion(np.zeros((2, 4, 4)))
    with pytest.raises(ValueError, match="NaN/inf"):
        thin(np.array([[0, np.nan], [1, 1]]))
    with pytest.raises(ValueError, match="max_iter"):
        thin(np.ones((3, 3)), max_iter=-2)


def test_apply_morphology_runs_each_operation_by_name():
    from napari_maliang.segment import MorphologyOptions, apply_morphology

    rng = np.random.default_rng(3)
    mask = ndimage.binary_opening(rng.random((40, 50)) > 0.4)
    se = structuring_element("disk", 2)
    assert np.array_equal(apply_morphology(mask, operation="closing", element="disk", radius=2), closing(mask, se))
    cross = "0 1 0;1 1 1;0 1 0"
    assert np.array_equal(
        apply_morphology(mask, operation="erosion", custom=cross), erosion(mask, structuring_element("cross", 1))
    )
    fg, bg = "0 0 0;0 1 0;0 1 0", "1 1 1;0 0 0;0 0 0"
    assert np.array_equal(
        apply_morphology(mask, operation="hit-and-miss"),
        hit_or_miss(mask, parse_structuring_element(fg), parse_structuring_element(bg)),
    )
    assert np.array_equal(apply_morphology(mask.astype(np.uint8) * 7, operation="thinning", passes=1), thin(mask, max_iter=1))
    with pytest.raises(ValueError, match="only 0 and 1"):
        MorphologyOptions(custom="1 2 1")
    with pytest.raises(ValueError, match="both require cell"):
        MorphologyOptions(operation="hit-and-miss", foreground="1 1 1;0 0 0;0 0 0")
    MorphologyOptions(operation="thinning", custom="1 2 1")  # an element the operation does not use is not parsed
