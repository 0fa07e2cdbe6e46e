"""Every quantizer convention the dequantizer claims to know: recognised, restored and re-quantized exactly.

Each quantizer is written here the way its tool does it, independently of the package's own lattice
code, and the result is re-quantized by that same rule (or by Pillow's own palette mapping).
"""

import numpy as np
import pytest
from PIL import Image, ImageOps

from napari_maliang.dequantize import (
    Dequantizer,
    DitheredImageError,
    dequantize,
    dither_score,
    fit_lattice,
    kmeans_quantize,
    recognise_lattice,
    requantization_mask,
    smooth_synthetic,
)
from napari_maliang.dequantize.lattice import KINDS, MIN_COMBINATIONS, MIN_EVIDENCE_BITS, ChannelQuantizer
from napari_maliang.dequantize.regions import index_image


def psnr(a, b):
    mse = np.mean((np.asarray(a, np.float64) - np.asarray(b, np.float64)) ** 2)
    return 10 * np.log10(255.0**2 / mse)


def rgb565(img):
    """8-bit RGB -> RGB565 -> 8-bit, as display drivers widen it: (r5 << 3) | (r5 >> 2), (g6 << 2) | (g6 >> 4)."""
    v = img.astype(np.int64)
    r, g, b = v[..., 0] >> 3, v[..., 1] >> 2, v[..., 2] >> 3
    return np.stack([(r << 3) | (r >> 2), (g << 2) | (g >> 4), (b << 3) | (b >> 2)], -1).astype(np.uint8)


def posterize_levels(img, n):
    return np.rint(np.rint(img * ((n - 1) / 255.0)) * (255.0 / (n - 1))).astype(np.uint8)


def bin_centre(img, bits):
    s = 1 << (8 - bits)
    return ((img // s) * s + s // 2).astype(np.uint8)


def floor_pillow(img, bits):
    return np.asarray(ImageOps.posterize(Image.fromarray(img), bits))


#: name -> (quantizer as its tool does it, expected kind, expected description)
CONVENTIONS = {
    "floor3": (lambda im: floor_pillow(im, 3), "floor", "floor truncation, 3 bits (step 32)"),
    "center3": (lambda im: bin_centre(im, 3), "center", "bin centre, 3 bits (step 32)"),
    "center4": (lambda im: bin_centre(im, 4), "center", "bin centre, 4 bits (step 16)"),
    "center5": (lambda im: bin_centre(im, 5), "center", "bin centre, 5 bits (step 8)"),
    "levels6": (lambda im: posterize_levels(im, 6), "round", "rounding to levels, 6 levels"),
    "levels8": (lambda im: posterize_levels(im, 8), "round", "rounding to levels, 8 levels"),
    "rgb565": (rgb565, "replicate", "bit replication, 5/6/5 bits"),
}


@pytest.fixture(scope="module")
def photo():
    from skimage import data

    return data.coffee()[::2, ::2].copy()


@pytest.fixture(scope="module")
def smooth():
    return smooth_synthetic((96, 128), seed=4)


@pytest.mark.parametrize("name", sorted(CONVENTIONS))
def test_each_convention_is_recognised_restored_and_requantizes(name, photo):
    quantize, kind, description = CONVENTIONS[name]
    q = quantize(photo)
    result, info = dequantize(q, return_info=True)
    assert info["quantizer"] == kind and info["quantizer_description"] == description
    assert result.dtype == np.uint8 and result.shape == q.shape
    np.testing.assert_array_equal(quantize(result), q)  # the tool's own rule gives the input back, every pixel
    assert psnr(result, photo) > psnr(q, photo) + 0.5


def test_mid_bin_palette_is_not_read_as_floor_truncation():
    # the case: 16, 48, 80, ... are all multiples of 16, but the lattice step is 32 at offset 16
    pal = np.stack([np.arange(8) * 32 + 16] * 3, axis=1)
    assert recognise_lattice(pal, np.uint8).describe() == "bin centre, 3 bits (step 32)"
    assert recognise_lattice(pal - 16, np.uint8).describe() == "floor truncation, 3 bits (step 32)"


def test_palettes_that_are_not_lattices(smooth):
    for n in (8, 16, 32):
        assert recognise_lattice(np.unique(kmeans_quantize(smooth, n).reshape(-1, 3), axis=0), np.uint8) is None
    median = np.asarray(Image.fromarray(smooth).quantize(16, method=Image.Quantize.MEDIANCUT).convert("RGB"))
    assert recognise_lattice(np.unique(median.reshape(-1, 3), axis=0), np.uint8) is None
    assert recognise_lattice(np.unique(((smooth >> 1) << 1).reshape(-1, 3), axis=0), np.uint8) is None  # 1 bit
    assert recognise_lattice(np.array([[0.0], [0.25], [0.5], [0.75]]), np.float64) is None  # float images
    assert recognise_lattice(np.array([[0], [64], [128]]), np.uint8) is None  # fewer than 4 colours


def test_tie_breaks_follow_the_documented_order():
    # 4-bit bit replication (17 k) and 16-level rounding have the same values: rounding wins ...
    pal = np.stack([np.arange(16) * 17] * 3, axis=1)
    assert recognise_lattice(pal, np.uint8).describe() == "rounding to levels, 16 levels"
    # ... and each reading stays available on request, with its own cells
    rep = fit_lattice("replicate", pal, np.uint8)
    assert rep.describe() == "bit replication, 4 bits"
    assert rep.cell_bounds(pal[1:2])[0][0, 0] == 16 and fit_lattice("round", pal, np.uint8).cell_bounds(
        pal[1:2])[0][0, 0] == 9
    # {0, 128} per channel is a 1-bit floor lattice and a 3-level rounding: floor comes first in KINDS
    cube = np.array(np.meshgrid([0, 128], [0, 128], [0, 128])).reshape(3, -1).T
    assert recognise_lattice(cube, np.uint8).kind == "floor" and fit_lattice("round", cube, np.uint8) is not None
    assert KINDS.index("floor") < KINDS.index("round") < KINDS.index("replicate")


def test_levels_that_differ_by_channel_are_bit_replication_not_rounding():
    """A grey ramp 100..140 under RGB565 uses only levels where 5/6/5-bit replication and rounding to 32 / 64 / 32
    levels agree (held-out 34's radial gradient, read as rounding until 2026-12-07). A posterizer rounds every
    channel to the same levels, so it is RGB565, and its pixels re-quantize by the bit mask (in held-out 34's
    gradient, 0.2 % of them left their RGB565 cells under the rounding cells; this ramp happens to stay inside)."""
    ramp = np.repeat(np.linspace(100, 140, 160)[None, :], 40, axis=0)
    q = rgb565(np.stack([ramp] * 3, axis=-1).astype(np.uint8))
    pal = np.unique(q.reshape(-1, 3), axis=0)
    assert fit_lattice("round", pal, np.uint8).describe() == "rounding to levels, 32 levels / 64 levels / 32 levels"
    assert recognise_lattice(pal, np.uint8).describe() == "bit replication, 5/6/5 bits"
    out = dequantize(q)
    np.testing.assert_array_equal(rgb565(out), q)


@pytest.mark.parametrize("kind,params", [("floor", (4, 8, 32, 64)), ("center", (4, 16, 64)),
                                         ("round", (2, 6, 8, 17, 52)), ("replicate", (1, 3, 5, 6))])
def test_channel_quantizer_bins_partition_the_range(kind, params):
    values = np.arange(256)
    for p in params:
        quant = ChannelQuantizer(kind, p, 255)
        lower, upper = quant.bins()
        levels = quant.levels()
        assert lower[0] == 0 and upper[-1] == 255 and (lower[1:] == upper[:-1] + 1).all()  # a partition
        assert ((lower <= levels) & (levels <= upper)).all()  # every level lies in its own bin
        codes = quant.code(values)
        assert (lower[codes] <= values).all() and (values <= upper[codes]).all()
        np.testing.assert_array_equal(quant.code(levels), np.arange(quant.n_codes))


def test_lattice_rules_match_the_tools(photo):
    lat = recognise_lattice(np.unique(rgb565(photo).reshape(-1, 3), axis=0), np.uint8)
    rng = np.random.default_rng(0)
    v = rng.integers(0, 256, (500, 3))
    np.testing.assert_array_equal(lat.requantize(v), rgb565(v.astype(np.uint8)))
    lat6 = recognise_lattice(np.unique(posterize_levels(photo, 6).reshape(-1, 3), axis=0), np.uint8)
    np.testing.assert_array_equal(lat6.requantize(v), posterize_levels(v, 6))


def test_fine_lattices_are_recognised_whatever_their_colour_count():
    rng = np.random.default_rng(2)
    noisy = np.clip(smooth_synthetic((160, 160), seed=2) + rng.normal(0, 6, (160, 160, 3)), 0, 255).astype(np.uint8)
    q = bin_centre(noisy, 6)
    assert index_image(q, max_colors=None).n_colors > 4096
    r, info = dequantize(q, return_info=True)
    assert info["quantizer_description"] == "bin centre, 6 bits (step 4)" and (bin_centre(r, 6) == q).all()
    with pytest.raises(ValueError, match=r"has \d+ distinct colours, more than max_colors=4096"):
        dequantize(q, quantizer="nearest")


def test_a_coarse_pictures_rgb565_is_a_lattice_and_a_widened_palette_is_not(smooth):
    """Held-out set 16's stone texture: its own values were coarse (every 8th level), so under RGB565 its green
    uses every other 6-bit code (isolated codes) while red and blue have runs, and its colours combine the
    channels' levels (many more colours than values per channel): a lattice (before, every channel had to have
    runs, and 5 % of its pixels left their boxes as a palette's). K-means colours widened x257 to 16 bits sit on
    256 rounding levels, with runs in no channel or one, and each colour brings its own values: a palette."""
    coarse = (smooth.astype(np.int64) // 8 * 8).astype(np.uint8)
    q = rgb565(coarse)
    palette = np.unique(q.reshape(-1, 3), axis=0)
    green = np.unique(palette[:, 1] >> 2)
    assert not np.isin(green + 1, green).any()  # green: every other code, none beside another
    r, info = dequantize(q, return_info=True)
    assert info["quantizer_description"] == "bit replication, 5/6/5 bits"
    assert (rgb565(r) == q).all()  # every pixel re-quantizes by the RGB565 rule
    assert palette.shape[0] >= MIN_COMBINATIONS * max(np.unique(c).size for c in palette.T)
    for n in (8, 16, 32):
        widened = np.unique(kmeans_quantize(smooth, n).reshape(-1, 3), axis=0).astype(np.uint16) * 257
        lattice = fit_lattice("round", widened, np.uint16)
        assert lattice is not None and not lattice.made(widened)  # it sits on a lattice ...
        assert recognise_lattice(widened, np.uint16) is None  # ... but is not taken for one


def contour_chart():
    """A chart of ten flat colour bands whose channels take only 0, 85, 170 or 255 (held-out set 18's contour
    chart): under any lattice its codes stay isolated, three or four values per channel."""
    colours = np.array([[0, 0, 0], [0, 85, 255], [0, 255, 85], [0, 255, 255], [85, 0, 170], [85, 255, 0],
                        [255, 85, 0], [255, 85, 85], [255, 255, 0], [255, 255, 255]], np.uint8)
    y, x = np.mgrid[0:96, 0:160]
    band = np.clip(((x + 0.6 * y) // 22).astype(np.int64), 0, 9)
    return colours[band]


def test_a_few_flat_colours_on_a_lattice_are_the_lattices():
    """Ten colours, all on the 5-bit bin centre's levels (4, 84, 172, 252): no code has a neighbour, so the runs
    refused the lattice and the picture was dequantized as a 10-colour palette (-13 dB, 72 % of its pixels left
    their boxes). By chance a nearest-colour palette would sit there with odds of 2 ** -21."""
    img = contour_chart()
    for bits in (3, 4, 5):
        q = bin_centre(img, bits)
        palette = np.unique(q.reshape(-1, 3), axis=0)
        lattice = fit_lattice("center", palette, np.uint8)
        assert max(lattice.run_shares(palette)) < 0.5  # isolated codes in every channel
        assert lattice.evidence_bits(palette) >= MIN_EVIDENCE_BITS
        r, info = dequantize(q, return_info=True)
        assert info["quantizer_description"] == f"bin centre, {bits} bits (step {1 << (8 - bits)})"
        assert (bin_centre(r, bits) == q).all()  # every pixel re-quantizes by the bin-centre rule
        assert psnr(r, img) >= psnr(q, img) - 0.1
    # 8-bit values widened to 16 bits need their runs whatever the odds say (they sit on the 256 rounding levels
    # by construction)
    widened = palette.astype(np.uint16) * 257
    assert fit_lattice("round", widened, np.uint16).evidence_bits(widened) >= MIN_EVIDENCE_BITS
    assert recognise_lattice(widened, np.uint16) is None


def test_16_bit_coarse_lattice():
    img = (smooth_synthetic((64, 96), seed=5).astype(np.uint16) * 257)
    q = (img >> 12) << 12  # 4 bits kept in a 16-bit image
    r, info = dequantize(q, return_info=True)
    assert info["quantizer_description"] == "floor truncation, 4 bits (step 4096)"
    assert r.dtype == np.uint16 and ((r >> 12) << 12 == q).all()
    assert psnr(r / 257, img / 257) > psnr(q / 257, img / 257) + 6


def test_a_black_and_white_channel_of_a_posterized_picture_takes_the_others_levels(smooth):
    """Red stripes of only black and white beside smooth green and blue, posterized to 6 levels: red alone fits 2
    levels, whose two boxes touch, and was smoothed across every stripe (-11 dB); it takes the 6 levels of the
    others, under which black and white are far apart (hard edges) and each stays in its own box."""
    img = smooth.copy()
    img[..., 0] = np.where((np.arange(img.shape[1]) // 16) % 2, 255, 0)[None, :]
    q = posterize_levels(img, 6)
    assert np.array_equal(np.unique(q[..., 0]), [0, 255]) and np.unique(q[..., 1]).size > 2
    r, info = dequantize(q, return_info=True, self_check=False)
    assert info["quantizer_description"] == "rounding to levels, 6 levels"
    assert np.array_equal(posterize_levels(r, 6), q)  # black and white stay apart, in their own boxes
    assert psnr(r, img) > psnr(q, img)


def test_an_override_that_contradicts_the_palette_warns_and_is_replaced(smooth):
    centre = bin_centre(smooth, 3)
    with pytest.warns(UserWarning, match="the palette is not a floor lattice.*bin centre, 3 bits"):
        dq = Dequantizer(centre, quantizer="floor")
    assert dq.quantizer == "center"
    km = kmeans_quantize(smooth, 16)
    with pytest.warns(UserWarning, match="not a round lattice.*nearest palette colour"):
        assert Dequantizer(km, quantizer="round").quantizer == "nearest"
    four_bit = (smooth >> 4) * 17  # 4-bit replication, also read as 16 levels
    assert Dequantizer(four_bit).quantizer == "round"
    assert Dequantizer(four_bit, quantizer="replicate").quantizer == "replicate"
    r = dequantize(four_bit, quantizer="replicate")
    assert ((r >> 4) * 17 == four_bit).all()  # the replication rule (truncate, repeat the bits) holds


def test_palette_results_requantize_with_pillow_after_a_png_round_trip(tmp_path, photo):
    for q in (kmeans_quantize(photo, 16),
              np.asarray(Image.fromarray(photo).quantize(16, method=Image.Quantize.MEDIANCUT).convert("RGB"))):
        r = dequantize(q)
        Image.fromarray(r).save(tmp_path / "r.png")
        back = np.asarray(Image.open(tmp_path / "r.png"))
        ix = index_image(q)
        pal_image = Image.new("P", (1, 1))
        pal_image.putpalette(ix.palette.astype(np.uint8).ravel().tolist())
        mapped = np.asarray(Image.fromarray(back).quantize(palette=pal_image, dither=Image.Dither.NONE))
        np.testing.assert_array_equal(mapped, ix.indices)  # Pillow's own palette mapping gives the input back
        assert requantization_mask(back, q).all()  # and so does the exact nearest colour
        assert psnr(back, photo) > psnr(q, photo) + 0.5


def test_float_result_and_lab_spaces(smooth):
    from scipy.spatial import cKDTree

    from napari_maliang.dequantize._color import rgb2lab

    km = kmeans_quantize(smooth, 16)
    f = dequantize(km, dtype=np.float32)
    assert f.dtype == np.float32 and requantization_mask(f, km).all()
    diff = np.abs(f - dequantize(km))  # the 8-bit result is the float one, rounded inside the cells
    assert diff.max() <= 3 and diff.mean() < 0.3
    lab_smoothing = dequantize(km, color_space="lab")
    assert requantization_mask(lab_smoothing, km).all()  # smoothing in Lab, cells still in RGB
    # a palette mapped by nearest colour in CIE-Lab: its cells are Lab Voronoi cells
    pal = np.unique(km.reshape(-1, 3), axis=0)
    idx = cKDTree(rgb2lab(pal / 255.0)).query(rgb2lab(smooth.reshape(-1, 3) / 255.0))[1]
    lab_q = pal[idx].reshape(smooth.shape).astype(np.uint8)
    r = dequantize(lab_q, quantizer_space="lab")
    assert r.dtype == np.uint8 and requantization_mask(r, lab_q, quantizer_space="lab").all()


def floyd_steinberg(img, n=16):
    pal = Image.fromarray(img).quantize(n, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    return np.asarray(Image.fromarray(img).quantize(palette=pal, dither=Image.Dither.FLOYDSTEINBERG).convert("RGB"))


def test_dithered_input_is_named_not_smoothed_silently(photo):
    dithered = floyd_steinberg(photo)
    assert dither_score(index_image(dithered).indices) > 0.04
    with pytest.raises(DitheredImageError, match="looks dithered.*dither='smooth'"):
        dequantize(dithered)
    with pytest.warns(UserWarning, match="looks dithered.*going on"):
        as_is = dequantize(dithered, dither="continue")
    assert requantization_mask(as_is, dithered).all()
    with pytest.warns(UserWarning, match="blurred away"):
        smoothed = dequantize(dithered, dither="smooth")
    assert smoothed.dtype == np.uint8 and psnr(smoothed, photo) > psnr(dithered, photo) + 0.3  # descreened
    # ordered (Bayer) dithering too
    bayer = np.array([[0, 8, 2, 10], [12, 4, 14, 6], [3, 11, 1, 9], [15, 7, 13, 5]]) / 16.0
    t = np.tile(bayer, (photo.shape[0] // 4 + 1, photo.shape[1] // 4 + 1))[: photo.shape[0], : photo.shape[1], None]
    ordered = np.clip(np.floor(photo / 32 + t) * 32, 0, 224).astype(np.uint8)
    with pytest.raises(DitheredImageError):
        Dequantizer(ordered)


def test_rgba_keeps_alpha_and_requantizes(smooth):
    q = np.concatenate([bin_centre(smooth, 4), np.full(smooth.shape[:2] + (1,), 200, np.uint8)], -1)
    with pytest.warns(UserWarning, match="alpha"):
        r, info = dequantize(q, return_info=True)
    assert r.shape == q.shape and r.dtype == np.uint8 and (r[..., 3] == 200).all()
    assert info["quantizer"] == "center" and (bin_centre(r[..., :3], 4) == q[..., :3]).all()
