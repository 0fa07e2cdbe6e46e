"""Flat graphics with anti-aliased edges (issue #12) and the error-based stopping of the solver."""

import numpy as np
import pytest

from napari_maliang.dequantize import Dequantizer, dequantize, kmeans_quantize, requantization_mask
from napari_maliang.dequantize.brushes import HARD, SOFT, classify_edges
from napari_maliang.dequantize.flat import end_targets, flat_edges, flat_regions, grid_share, page_like
from napari_maliang.dequantize.regions import antialiasing_edges
from napari_maliang.dequantize.solve import MultigridPCG, Stencil, to_csr

FLAT = np.array([[112, 192, 182], [0, 92, 105], [251, 188, 78]], np.float64)


def psnr(a, b):
    mse = np.mean((np.asarray(a, np.float64) - np.asarray(b, np.float64)) ** 2)
    return 10 * np.log10(255.0**2 / max(mse, 1e-12))


def flat_graphic(h=120, w=180, over=8, colours=FLAT):
    """Three flat colours (a sky, a slope, an ellipse) rendered with 8x8 supersampling: anti-aliased edges.

    Returns the image and the (H, W) mask of pixels whose 3 x 3 neighbourhood is all one flat colour.
    """
    y, x = (np.mgrid[0:h * over, 0:w * over] + 0.5) / over
    shape = np.zeros(y.shape, np.int64)  # the sky
    shape[y > 0.55 * h - 0.25 * (x - 0.5 * w) * h / w] = 1  # the slope
    shape[((x - 0.72 * w) / (0.2 * w)) ** 2 + ((y - 0.62 * h) / (0.22 * h)) ** 2 < 1] = 2  # the ellipse
    fine = np.asarray(colours, np.float64)[shape]
    img = fine.reshape(h, over, w, over, 3).mean(axis=(1, 3))
    pure = np.stack([(shape.reshape(h, over, w, over) == k).all(axis=(1, 3)) for k in range(3)]).any(axis=0)
    from scipy.ndimage import binary_erosion

    return np.rint(img).astype(np.uint8), binary_erosion(pure, np.ones((3, 3)))


@pytest.mark.parametrize("n_colors", [8, 16, 32])
def test_flat_graphic_with_antialiased_edges_is_not_smoothed(n_colors):
    img, flat = flat_graphic()
    q = kmeans_quantize(img, n_colors)
    out = dequantize(q)
    assert requantization_mask(out, q).all()
    assert psnr(out, img) >= psnr(q, img)  # no loss against the quantized input
    # the flat areas stay flat and the steps between them stay steps (the truth is exactly the flat colours)
    assert np.abs(out[flat].astype(np.int64) - img[flat]).max() <= 1


def test_antialiasing_bands_found_and_gradient_bands_left_soft():
    # A | blend | B: a one-pixel band between two thick regions, its colour between theirs: hard
    idx = np.zeros((8, 12), np.int64)
    idx[:, 6] = 1
    idx[:, 7:] = 2
    pal = np.array([[0, 0, 0], [120, 120, 120], [255, 255, 255]], np.float64)
    hard_h, hard_v = antialiasing_edges(idx, pal)
    assert hard_h[:, 5].all() and hard_h[:, 6].all() and hard_h.sum() == 16 and not hard_v.any()
    # the same colours as wide bands of a smooth ramp: not a step, left to the paper's classification
    ramp = np.repeat(np.arange(3), 4)[None, :].repeat(8, axis=0)
    assert not any(m.any() for m in antialiasing_edges(ramp, pal))
    # a thin band whose colour is not between its neighbours' (a dark line on grey and white): not a blend
    idx_line = idx.copy()
    pal_line = np.array([[200, 200, 200], [0, 0, 0], [255, 255, 255]], np.float64)
    assert not any(m.any() for m in antialiasing_edges(idx_line, pal_line))
    # where the two flat regions touch past the band, that contact is the same step: hard too
    idx_gap = idx.copy()
    idx_gap[0, 6] = 0
    hard_h, _ = antialiasing_edges(idx_gap, pal)
    assert hard_h[0, 6]  # region 0 (now reaching column 6 in row 0) meets region 2 directly


def test_auto_hard_edges_yield_to_the_brushes():
    idx = np.zeros((8, 12), np.int64)
    idx[:, 6] = 1
    idx[:, 7:] = 2
    pal = np.array([[0, 0, 0], [120, 120, 120], [255, 255, 255]], np.float64)
    adjacency = np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]], bool)
    auto = antialiasing_edges(idx, pal)
    soft_h, _ = classify_edges(idx, adjacency, None, auto)
    assert not soft_h.any()  # the automatic step wins over the colour adjacency
    ann = np.zeros(idx.shape, np.uint8)
    ann[:4, 5:8] = SOFT  # red: soft edge here
    soft_h, _ = classify_edges(idx, adjacency, ann, auto)
    assert soft_h[:4, 5:7].all() and not soft_h[4:].any()
    ann[:] = 0
    ann[0, 6:8] = 2  # blue over colours 1 and 2: they are adjacent, everywhere, whatever was found
    soft_h, _ = classify_edges(idx, adjacency, ann, auto)
    assert soft_h[:, 6].all() and not soft_h[:, 5].any()
    ann[:] = 0
    ann[:, 6] = HARD
    assert not classify_edges(idx, adjacency, ann, auto)[0].any()


def test_dequantizer_reports_the_automatic_hard_edges():
    img, _ = flat_graphic(60, 90)
    q = kmeans_quantize(img, 16)
    dq = Dequantizer(q)
    hard_h, hard_v = dq.auto_hard_edges()
    edges = dq.edge_image()
    assert hard_h.any() and hard_v.any()
    assert (edges[:, :-1][hard_h] == 2).all()  # shown as hard in the widget's edge image


def test_auto_hard_off_leaves_the_edges_to_the_paper():
    img, flat = flat_graphic(60, 90)
    q = kmeans_quantize(img, 16)
    on, off = Dequantizer(q), Dequantizer(q, auto_hard=False)
    assert off.auto_hard_edges() is None
    # off: the edges are the Voronoi adjacency's alone (section 2.1), so more of them are soft than with the rules
    assert all((a <= b).all() for a, b in zip(on.edges(), off.edges(), strict=True))
    assert sum(m.sum() for m in off.edges()) > sum(m.sum() for m in on.edges())
    assert all((a == b).all() for a, b in zip(off.edges(), classify_edges(off.indices, off.adjacency), strict=True))
    # and the flat areas are smoothed into their anti-aliased borders again, which the rules prevent
    err = lambda out: np.abs(out[flat].astype(np.int64) - img[flat]).max()
    assert err(dequantize(q)) <= 1 < err(dequantize(q, auto_hard=False))


def test_solver_stops_on_the_error_not_the_residual():
    # one large region whose only data term is weak (eq. 3 near its boundary, omega 0.01): ill-conditioned
    h, w = 64, 64
    yy, xx = np.mgrid[0:h, 0:w]
    diag = np.full((h, w), 4.0)
    east, south = -np.ones((h, w - 1)), -np.ones((h - 1, w))
    weight = 0.01 * np.minimum.reduce([yy, xx, h - 1 - yy, w - 1 - xx]) / (h / 2)
    diag = diag - np.where(xx == 0, 1, 0) - np.where(xx == w - 1, 1, 0) + weight
    diag = diag - np.where(yy == 0, 1, 0) - np.where(yy == h - 1, 1, 0)
    diag[:, 0] += 1.0  # a Dirichlet edge on the left: a virtual boundary pixel at 0
    st = Stencil(diag, east, south)
    b = (weight * 200.0)[..., None]
    exact = np.linalg.solve(to_csr(st).toarray(), b.ravel()).reshape(h, w)
    x0 = np.full((h, w, 1), 200.0)
    x, _ = MultigridPCG(st).solve(b, x0, atol=0.05)
    assert np.abs(x[..., 0] - exact).max() < 0.5  # within half a level of the exact solution


# ---------------------------------------------------------------- lattices: flat regions take their box's end
#: a white sky, a black slope and an orange ellipse: every channel but one at an end of the range
ENDS = np.array([[255, 255, 255], [0, 0, 0], [255, 140, 0]], np.float64)


def rgb565(img):
    """8 -> 5/6/5 bits, widened back by bit replication."""
    out = []
    for c, bits in enumerate((5, 6, 5)):
        k = img[..., c].astype(np.int64) >> (8 - bits)
        out.append((k << (8 - bits)) | (k >> (2 * bits - 8)))
    return np.stack(out, axis=-1).astype(np.uint8)


def levels6(img):
    return (np.rint(np.rint(img * (5 / 255)) * 51)).astype(np.uint8)


def floor3(img):
    return (img & 0xE0).astype(np.uint8)


@pytest.mark.parametrize("guess", [False, True])
@pytest.mark.parametrize("quant", [rgb565, levels6, floor3])
def test_flat_graphic_under_a_lattice_keeps_its_end_colours(quant, guess):
    img, flat = flat_graphic(colours=ENDS)
    q = quant(img)
    out, info = dequantize(q, return_info=True, end_guess=guess)
    assert info["quantizer"] != "nearest"
    assert requantization_mask(out, q).all()
    assert psnr(out, img) >= psnr(q, img)
    # the flat areas stay flat and, in the channels at an end of the range, are exactly that end where the
    # quantizer's level is that end (all of them under RGB565 and 6 levels) or, with the end guesses, the colour
    # is all at the ends (white, black); orange's red under the 3-bit floor (level 224 in the box [224, 255])
    # keeps its box
    at_end = (img == 0) | (img == 255)
    ends = flat[..., None] & at_end & ((guess & at_end.all(axis=-1, keepdims=True)) | (q == img))
    assert np.array_equal(out[ends], img[ends])
    assert quant is not floor3 or not ends[..., 0][(img == ENDS[2]).all(axis=-1)].any()
    for k in range(3):
        area = flat & (img == ENDS[k]).all(axis=-1)
        assert (out[area] == out[area][0]).all()


def test_end_targets_known_answer():
    # two thick regions: colour 0 in the box [0, 31] (an end box) and colour 1 in [96, 127] (interior)
    idx = np.zeros((6, 12), np.int64)
    idx[:, 6:] = 1
    labels = idx.astype(np.int32) + 1
    lower, upper = np.array([[0], [96]]), np.array([[31], [127]])
    anchors = np.array([[15.5], [111.5]])
    no_soft_h, no_soft_v = np.zeros((6, 11), bool), np.zeros((5, 12), bool)
    flat = flat_regions(labels, no_soft_h, no_soft_v)
    assert flat.tolist() == [False, True, True]
    levels = np.array([[16], [112]])  # a bin centre quantizer's
    target_idx, targets = end_targets(idx, labels, flat, lower, upper, np.array([255]), anchors, levels)
    # the end box's region targets 0 (its own index 2); the interior one is one integer colour: of 111 and 112,
    # equally near its box's centre 111.5, the quantizer's level 112 (index 3)
    assert targets.tolist() == [[15.5], [111.5], [0.0], [112.0]]
    assert (target_idx[:, :6] == 2).all() and (target_idx[:, 6:] == 3).all()
    # two channels, the second inside the range: a chosen mid colour keeps its box in the end box (16 of 15.5) ...
    lower2, upper2 = np.array([[0, 96], [96, 96]]), np.array([[31, 127], [127, 127]])
    anchors2 = np.array([[9.0, 111.5], [111.5, 111.5]])  # the end box's histogram mean (9) is not its target
    target_idx, targets = end_targets(idx, labels, flat, lower2, upper2, np.array([255, 255]), anchors2,
                                      np.array([[16, 112], [112, 112]]))
    assert targets.tolist() == [[9.0, 111.5], [111.5, 111.5], [16.0, 112.0], [112.0, 112.0]]
    # ... unless the quantizer's own level there is the end (the floor's first box): then it takes the end; the
    # floor's level 96 is below the centre 111.5, so the integer towards it is 111
    target_idx, targets = end_targets(idx, labels, flat, lower2, upper2, np.array([255, 255]), anchors2,
                                      np.array([[0, 96], [96, 96]]))
    assert targets.tolist() == [[9.0, 111.5], [111.5, 111.5], [0.0, 111.0], [111.0, 111.0]]
    # one soft edge of six on their border (a text pixel's anti-aliasing on a background): still flat
    soft_h = no_soft_h.copy()
    soft_h[2, 5] = True
    assert flat_regions(labels, soft_h, no_soft_v).tolist() == [False, True, True]
    # their border soft on half its length or more (a gradient crossing a box face): neither is flat, both keep
    # the box centres
    soft_h[:3, 5] = True
    flat = flat_regions(labels, soft_h, no_soft_v)
    assert not flat.any()
    target_idx, targets = end_targets(idx, labels, flat, lower, upper, np.array([255]), anchors, levels)
    assert np.array_equal(target_idx, idx) and np.array_equal(targets, anchors)
    # a thin region (two pixels thick) is never flat
    assert not flat_regions(np.ones((2, 12), np.int32), np.zeros((2, 11), bool), np.zeros((1, 12), bool)).any()


@pytest.mark.parametrize("colours, step", [
    ([[239, 240, 241], [49, 54, 59], [61, 174, 233]], 16),  # KDE Breeze's window grey, text and highlight
    ([[31, 119, 180], [255, 255, 255], [255, 127, 14]], 32),  # matplotlib's blue and orange on white
])
def test_chosen_mid_colours_under_a_bin_centre_keep_their_boxes(colours, step):
    # colours with a channel inside the range are not taken to the ends in their end-box channels: the grey's
    # codes (14, 15, 15) would become (232, 255, 255), a cyan window, and the blue's red (31, in [0, 31]) 0
    img, flat = flat_graphic(colours=np.array(colours, np.float64))
    q = ((img // step) * step + step // 2).astype(np.uint8)
    out = dequantize(q)
    assert requantization_mask(out, q).all()
    assert psnr(out, img) >= psnr(q, img) - 0.01  # the old rule: -3.8 dB (grey), -1.3 dB (blue)
    area = flat & (img == colours[0]).all(axis=-1)
    assert np.array_equal(out[area], q[area])  # the box centres: the quantizer's own levels


def test_gradient_in_an_end_box_is_still_smoothed():
    # a ramp 0..159 under the 3-bit floor: bands of 64 columns with soft edges, the first in the end box
    x = np.tile(np.linspace(0, 159, 320), (32, 1))
    img = np.stack([x, x, x], axis=-1).round().astype(np.uint8)
    q = floor3(img)
    out = dequantize(q)
    assert requantization_mask(out, q).all()
    assert psnr(out, img) >= psnr(q, img) + 8.0  # the box centres and the smoothing: far above the input
    first = out[:, :64, 0].astype(np.float64)
    assert first[:, -1].mean() - first[:, 0].mean() > 10  # the end box's band is a ramp, not pinned to 0


# ---------------------------------------------------------------- flat graphics: flat regions keep hard edges
def test_flat_edges_only_in_flat_graphics():
    labels = np.ones((6, 12), np.int32)
    labels[:, 6:] = 2
    labels[2, 2] = 3  # a speck on region 1
    soft_h, soft_v = np.zeros((6, 11), bool), np.zeros((5, 12), bool)
    soft_h[:4, 5] = True  # 4 of the 6 edges between 1 and 2 soft: region 1 flat (4 of 10), region 2 not (4 of 6)
    hard_h, hard_v, flat = flat_edges(labels, soft_h, soft_v)  # 35 of 72 pixels flat: not a flat graphic
    assert not hard_h.any() and not hard_v.any() and not flat.any()
    soft_h[2:4, 5] = False  # 2 of 6 soft: both flat, 71 of 72 pixels: every edge of a flat region is hard
    hard_h, hard_v, flat = flat_edges(labels, soft_h, soft_v)
    assert flat.tolist() == [False, True, True, False]
    assert hard_h[:, 5].all() and hard_h[2, 1] and hard_h[2, 2] and hard_v[1, 2] and hard_v[2, 2]
    assert hard_h.sum() == 6 + 2 and hard_v.sum() == 2


def test_soft_edges_to_thin_regions_set_aside():
    # a thick region with a one-pixel line (thin) along a third of its border, the line's edges all soft
    labels = np.ones((6, 12), np.int32)
    labels[:, 11] = 2
    soft_h, soft_v = np.zeros((6, 11), bool), np.zeros((5, 12), bool)
    soft_h[:, 10] = True
    assert flat_regions(labels, soft_h, soft_v).tolist() == [False, False, False]  # all its border soft
    assert flat_regions(labels, soft_h, soft_v, thin_counts=False).tolist() == [False, True, False]


def test_grid_share_tells_boxes_from_curves():
    y, x = np.mgrid[0:64, 0:64]
    boxes = np.ones((64, 64), np.int32)
    boxes[8:40, 4:60] = 2  # a field of a dialog: borders of 56 and 32 pixels
    assert grid_share(boxes) == 1.0
    disc = 1 + ((x - 31.5) ** 2 + (y - 31.5) ** 2 < 25.0**2).astype(np.int32)  # a contour of a shading
    assert grid_share(disc) < 0.35
    assert grid_share(np.ones((5, 5), np.int32)) == 0.0  # no border at all


def screenshot(dark=False):
    """A small dialog drawn at its own size: flat panels, 1-pixel borders, FreeType text (anti-aliased)."""
    from PIL import Image, ImageDraw, ImageFont

    bg, fg, field, line = (((45, 45, 48), (225, 225, 225), (30, 30, 30), (85, 85, 90)) if dark else
                           ((239, 239, 239), (20, 20, 20), (255, 255, 255), (160, 160, 160)))
    im = Image.new("RGB", (240, 160), bg)
    d = ImageDraw.Draw(im)
    font = ImageFont.load_default(size=12)
    for i, (label, value) in enumerate((("Name:", "holiday_0042.png"), ("Folder:", "/home/user"),
                                        ("Quality:", "92 %"))):
        d.text((8, 12 + 34 * i), label, fill=fg, font=font)
        d.rectangle([70, 8 + 34 * i, 230, 30 + 34 * i], fill=field, outline=line)
        d.text((76, 12 + 34 * i), value, fill=fg, font=font)
    d.rectangle([150, 118, 230, 146], fill=(48, 120, 210))
    d.text((170, 124), "Export", fill=(255, 255, 255), font=font)
    return np.asarray(im)


@pytest.mark.parametrize("dark", [False, True])
@pytest.mark.parametrize("n_colors", [8, 16])
def test_screenshot_with_text_is_not_smoothed(n_colors, dark):
    # text leaves soft edges all over the background (which so did not count as flat) and the solver smoothed
    # the background into the border lines and the text into itself: -8.4 dB on a dialog with 8 k-means colours
    img = screenshot(dark)
    q = kmeans_quantize(img, n_colors)
    out, info = dequantize(q, return_info=True)
    assert info["flat_graphic"]  # found on the pixel grid, though text leaves soft edges all over it
    assert requantization_mask(out, q).all()
    assert psnr(out, img) >= psnr(q, img) - 0.1
    background = (q == q[2, 2]).all(axis=-1)
    assert (out[background] == q[2, 2]).all()  # the flat background keeps its colour exactly


def dialog_with_badges(n):
    """The dialog of :func:`screenshot` above a strip of ``n`` oval red badges: their curved borders between thick
    regions lower the dialog's grid share (five: 0.25)."""
    from PIL import Image, ImageDraw

    im = Image.new("RGB", (240, 220), (239, 239, 239))
    im.paste(Image.fromarray(screenshot()), (0, 0))
    d = ImageDraw.Draw(im)
    for i in range(n):
        x, y = 8 + 46 * (i % 5), 164 + 26 * (i // 5)
        d.ellipse([x, y, x + 40, y + 22], fill=(200, 60, 40))
    return np.asarray(im)


def test_a_dialog_with_a_few_curved_shapes_is_still_a_screenshot():
    # five badges bring the share of straight borders to 0.25: under GRID_SHARE 0.3 the dialog was not a flat
    # graphic and its background was smoothed into its fields (-0.86 dB with 8 k-means colours)
    from napari_maliang.dequantize.regions import label_regions

    img = dialog_with_badges(5)
    q = kmeans_quantize(img, 8)
    labels, _ = label_regions(Dequantizer(q).indices)
    assert 0.2 <= grid_share(labels) < 0.3
    out, info = dequantize(q, return_info=True)
    assert info["flat_graphic"]
    assert psnr(out, img) >= psnr(q, img) - 0.1
    background = (q == q[2, 2]).all(axis=-1)
    assert (out[background] == q[2, 2]).all()


def ruled_page(h=120, w=180, over=8):
    """A white page ruled with one-pixel anti-aliased grey lines, as lines of small text are: only thin regions
    on one background, nothing drawn on the grid."""
    y, x = (np.mgrid[0:h * over, 0:w * over] + 0.5) / over
    ink = np.zeros(y.shape)
    for k in range(11):
        ink = np.maximum(ink, np.abs(y - 6 - 10 * k - 0.04 * x) < 0.5)
    ink = ink.reshape(h, over, w, over).mean(axis=(1, 3))[..., None]
    return np.rint(255 * (1 - ink) + 190 * ink).repeat(3, axis=-1).astype(np.uint8)


def test_page_like_tells_a_page_from_a_patchwork():
    from napari_maliang.dequantize.regions import label_regions

    q = levels6(ruled_page()).astype(np.int64)
    labels, _ = label_regions(q[..., 0] * 65536 + q[..., 1] * 256 + q[..., 2])
    y, x = np.mgrid[0:64, 0:64]
    disc = 1 + ((x - 31.5) ** 2 + (y - 31.5) ** 2 < 25.0**2).astype(np.int32)
    assert page_like(labels)
    assert not page_like(disc)  # two thick regions with a long border between them


def test_page_of_text_is_not_smoothed():
    # a white page whose light lines leave soft edges all over it under 6 levels: no border between thick regions,
    # so grid_share has nothing to measure; the background was smoothed into the lines (a markdown editor of
    # dequantization held-out 12: -3.30 dB)
    img = ruled_page()
    q = levels6(img)
    out, info = dequantize(q, return_info=True)
    assert info["flat_graphic"]
    assert requantization_mask(out, q).all()
    assert psnr(out, img) >= psnr(q, img) - 0.1
    background = (q == 255).all(axis=-1)
    assert (out[background] == 255).all()


def test_photographs_are_not_flat_graphics():
    from napari_maliang.dequantize import smooth_synthetic

    _, info = dequantize(kmeans_quantize(smooth_synthetic((96, 128), seed=2), 16), return_info=True)
    assert not info["flat_graphic"]


def test_palette_colours_pillow_cannot_map_keep_their_value():
    from napari_maliang.dequantize.cells import pillow_keeps, settle, voronoi_cells

    # (239, 239, 239) & ~3 = (236, 236, 236), nearer to (233, 234, 235): Pillow maps it elsewhere
    pal = np.array([[239.0, 239, 239], [233, 234, 235], [0, 0, 0]])
    cells = voronoi_cells(pal)
    assert pillow_keeps(pal, cells).tolist() == [False, True, True]
    y = np.array([[[239.2, 238.9, 239.1], [0.3, 0.2, 0.1]]])
    out = settle(y, np.array([[0, 2]]), cells, pal, scale=255.0, integer=True, pillow=True)
    np.testing.assert_array_equal(out[0], [[239, 239, 239], [0, 0, 0]])  # not moved a level for Pillow's sake


def test_thin_line_on_a_flat_background_does_not_pull_it():
    # a flat graphic with a one-pixel anti-aliased grey line (as text strokes are) across its white sky
    img, flat = flat_graphic(colours=np.array([[255, 255, 255], [0, 92, 105], [251, 188, 78]]))
    over, (h, w) = 8, img.shape[:2]
    y, x = (np.mgrid[0:h * over, 0:w * over] + 0.5) / over
    line = (np.abs(y - 20 - 0.1 * x) < 0.5).reshape(h, over, w, over).mean(axis=(1, 3))[..., None]
    img = np.rint(img * (1 - line) + 90 * line).astype(np.uint8)
    flat &= line[..., 0] == 0
    q = kmeans_quantize(img, 16)
    dq = Dequantizer(q)
    out = dequantize(q)
    assert requantization_mask(out, q).all()
    assert psnr(out, img) >= psnr(q, img)
    assert np.abs(out[flat].astype(np.int64) - img[flat]).max() <= 1  # the white sky stays white along the line
    # the line's edges with the sky are hard automatically; a red stroke makes them soft again
    white = (q == 255).all(axis=-1)
    edges = dq.edge_image()
    touching = np.zeros_like(white)
    touching[:, :-1] |= white[:, :-1] & ~white[:, 1:]
    assert (edges[touching] == 2).all()
    ann = np.zeros(q.shape[:2], np.uint8)
    ann[:, :] = SOFT
    soft_h, soft_v = dq.edges(ann)
    assert soft_h[white[:, :-1] & ~white[:, 1:]].all()


def neon_sign(h=120, w=180):
    """Three-pixel neon tubes (cyan, pink, yellow) on a dark wall, as held-out 16's neon game draws them."""
    img = np.empty((h, w, 3), np.uint8)
    img[:] = (26, 30, 31)
    img[20:23, 10:170] = img[20:100, 10:13] = (31, 163, 195)
    img[60:63, 40:150] = img[60:110, 147:150] = (255, 95, 171)
    img[95:98, 60:120] = (253, 198, 0)
    return img


def test_lines_on_a_ground_are_not_smoothed_into_it():
    # with three colours every pair of cells touches, so the tubes' edges were soft: the wall (one big region,
    # little data weight) was smoothed into a glow up to 83 levels off and the mean step darkened the rest: -8.4 dB
    from napari_maliang.dequantize.regions import label_regions, line_edges

    img = neon_sign()
    q = kmeans_quantize(img, 3)  # pink and yellow share a colour
    dq = Dequantizer(q)
    labels, _ = label_regions(dq.indices)
    hard_h, hard_v = line_edges(dq.indices, dq.palette, labels)
    tube = (q != q[0, 0]).any(axis=-1)
    assert (hard_h == (tube[:, :-1] != tube[:, 1:])).all() and (hard_v == (tube[:-1] != tube[1:])).all()
    out = dequantize(q)
    assert requantization_mask(out, q).all()
    assert psnr(out, img) >= psnr(q, img) - 0.1
    assert (out[~tube] == q[0, 0]).all()  # the wall keeps its colour
    # a speck one colour step from its surround (a photograph's texture) is not a line
    speck = np.full((20, 20, 3), 120, np.uint8)
    speck[8:10, 5:15] = 150
    labels, _ = label_regions(Dequantizer(speck).indices)
    assert not any(m.any() for m in line_edges(Dequantizer(speck).indices, Dequantizer(speck).palette, labels))


BREEZE = [[239, 240, 241], [49, 54, 59], [61, 174, 233]]  # KDE Breeze's window grey, text and highlight


@pytest.mark.parametrize("background", [(239, 240, 241), (255, 255, 255)])
def test_the_end_guess_is_a_guess_the_user_chooses(background):
    # a light-grey dialog and a white page quantize to the same codes under the 3-bit bin centre: nothing in the
    # image tells them apart, so by default the box keeps its level, the input itself (no gain on the page,
    # nothing lost on the grey), and end_guess=True guesses white (right for the page, 15 levels off for the grey)
    img, flat = flat_graphic(colours=[background] + BREEZE[1:])
    q = (img // 32) * 32 + 16
    guessed, info = dequantize(q, end_guess=True, return_info=True)
    kept, info_kept = dequantize(q, return_info=True, self_check=False)  # solved, not kept by the self-check
    assert info["quantizer"] == "center" and info["flat_graphic"]
    sky = flat & (img == background).all(axis=-1)
    assert (guessed[sky] == 255).all() and (kept[sky] == 240).all()
    # the share the guesses move, or would: said either way
    assert info["end_guess_share"] == info_kept["end_guess_share"] >= sky.mean()
    assert requantization_mask(guessed, q).all() and requantization_mask(kept, q).all()
    white = background == (255, 255, 255)
    assert psnr(guessed, img) > psnr(q, img) + 3 if white else psnr(guessed, img) < psnr(q, img) - 3
    assert psnr(kept, img) >= psnr(q, img) - 0.1


def test_end_targets_without_the_guess_move_only_to_the_quantizers_own_end():
    # one flat region whose only channel is in the end box [0, 31]: the guess sends it to 0 whatever the level;
    # without it, a bin centre's region keeps the integer towards its level 16, the floor's goes to its level 0
    idx = np.zeros((6, 12), np.int64)
    labels = np.ones((6, 12), np.int32)
    flat = np.array([False, True])
    lower, upper, anchors = np.array([[0]]), np.array([[31]]), np.array([[15.5]])
    for level, guessed, kept in ((16, 0.0, 16.0), (0, 0.0, 0.0)):
        for guess, want in ((True, guessed), (False, kept)):
            _, targets = end_targets(idx, labels, flat, lower, upper, np.array([255]), anchors, np.array([[level]]),
                                     guess=guess)
            assert targets[-1].tolist() == [want], (level, guess)
