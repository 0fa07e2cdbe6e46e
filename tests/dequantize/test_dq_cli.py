import numpy as np
import pytest
from PIL import Image

from napari_maliang.cli import main
from napari_maliang.dequantize import requantization_mask


def test_cli_round_trip(tmp_path, ramp, capsys):
    q, original = ramp
    Image.fromarray(q).save(tmp_path / "q.png")
    assert main(["dequantize", str(tmp_path / "q.png"), "-o", str(tmp_path / "out.png")]) == 0
    out = np.asarray(Image.open(tmp_path / "out.png"))
    assert out.dtype == np.uint8 and out.shape == q.shape
    assert requantization_mask(out, q).all()
    err = lambda a: np.mean((a.astype(float) - original) ** 2)
    assert err(out) < 0.5 * err(q)


def test_cli_annotations_values_and_colours(tmp_path, three_tone):
    Image.fromarray(three_tone).save(tmp_path / "q.png")
    ann = np.zeros(three_tone.shape[:2], np.uint8)
    ann[12:18, 13:17] = 4
    Image.fromarray(ann).save(tmp_path / "a.png")
    rgb = np.zeros(three_tone.shape, np.uint8)
    rgb[12:18, 13:17] = (255, 0, 0)
    Image.fromarray(rgb).save(tmp_path / "a_rgb.png")
    # an indexed-colour brush image means its colours, not its palette indices
    Image.fromarray(rgb).quantize(colors=2, dither=Image.Dither.NONE).save(tmp_path / "a_palette.png")
    outs = []
    for a in ("a.png", "a_rgb.png", "a_palette.png"):
        assert main(["dequantize", str(tmp_path / "q.png"), "-o", str(tmp_path / "o.png"),
                     "--annotations", str(tmp_path / a)]) == 0
        outs.append(np.asarray(Image.open(tmp_path / "o.png")))
    np.testing.assert_array_equal(outs[0], outs[1])
    np.testing.assert_array_equal(outs[0], outs[2])


def test_cli_errors(tmp_path, three_tone, capsys):
    Image.fromarray(three_tone).save(tmp_path / "q.png")
    Image.fromarray(np.zeros((3, 3), np.uint8)).save(tmp_path / "small.png")
    assert main(["dequantize", str(tmp_path / "q.png"), "-o", str(tmp_path / "o.png"),
                 "--annotations", str(tmp_path / "small.png")]) == 2
    assert "shape" in capsys.readouterr().err
    noisy = np.random.default_rng(0).integers(0, 256, (80, 80, 3)).astype(np.uint8)
    Image.fromarray(noisy).save(tmp_path / "n.png")
    assert main(["dequantize", str(tmp_path / "n.png"), "-o", str(tmp_path / "o.png")]) == 2
    assert "distinct colours" in capsys.readouterr().err
    assert main(["dequantize", str(tmp_path / "n.png"), "-o", str(tmp_path / "o.png"), "--quantize", "8"]) == 0


def test_cli_palette_png_is_read_as_its_colours(tmp_path, ramp):
    # quantizers (pngquant, PIL, GIF) write indexed-colour files: the indices are not intensities
    q, original = ramp
    palette_img = Image.fromarray(q).quantize(colors=256, dither=Image.Dither.NONE)
    palette_img.save(tmp_path / "q_palette.png")
    assert np.array_equal(np.asarray(palette_img.convert("RGB")), q)  # lossless: the same colours
    Image.fromarray(q).save(tmp_path / "q_rgb.png")
    for name in ("q_palette.png", "q_rgb.png"):
        assert main(["dequantize", str(tmp_path / name), "-o", str(tmp_path / f"out_{name}")]) == 0
    from_palette = np.asarray(Image.open(tmp_path / "out_q_palette.png"))
    np.testing.assert_array_equal(from_palette, np.asarray(Image.open(tmp_path / "out_q_rgb.png")))
    assert from_palette.shape == q.shape and requantization_mask(from_palette, q).all()


def test_cli_animated_gif_is_dequantized_frame_by_frame(tmp_path, ramp, three_tone, capsys):
    import tifffile

    q, _ = ramp
    frames = [Image.fromarray(q[:40, :40]), Image.fromarray(np.ascontiguousarray(q[:40, 20:60][::-1, ::-1]))]
    frames = [f.quantize(colors=256, dither=Image.Dither.NONE) for f in frames]
    frames[0].save(tmp_path / "anim.gif", save_all=True, append_images=frames[1:])
    assert main(["dequantize", str(tmp_path / "anim.gif"), "-o", str(tmp_path / "single.png")]) == 2
    assert "written as TIFF" in capsys.readouterr().err
    assert main(["dequantize", str(tmp_path / "anim.gif"), "-o", str(tmp_path / "anim.tif")]) == 0
    out = tifffile.imread(tmp_path / "anim.tif")
    assert out.shape == (2, 40, 40, 3)
    for plane, frame in zip(out, frames, strict=True):
        frame_rgb = np.asarray(frame.convert("RGB"))
        Image.fromarray(frame_rgb).save(tmp_path / "frame.png")
        assert main(["dequantize", str(tmp_path / "frame.png"), "-o", str(tmp_path / "frame_out.png")]) == 0
        np.testing.assert_array_equal(plane, np.asarray(Image.open(tmp_path / "frame_out.png")))
    ann = np.zeros((40, 40), np.uint8)
    Image.fromarray(ann).save(tmp_path / "a.png")
    assert main(["dequantize", str(tmp_path / "anim.gif"), "-o", str(tmp_path / "x.tif"),
                 "--annotations", str(tmp_path / "a.png")]) == 2
    assert "stack of 2 planes" in capsys.readouterr().err


def test_cli_says_the_quantizer_writes_float_tiff_and_refuses_dithering(tmp_path, capsys):
    import tifffile

    from napari_maliang.dequantize import smooth_synthetic

    original = smooth_synthetic((64, 80), seed=3)
    q = (original // 32) * 32 + 16  # 3-bit bin centres
    Image.fromarray(q).save(tmp_path / "q.png")
    assert main(["dequantize", str(tmp_path / "q.png"), "-o", str(tmp_path / "o.png")]) == 0
    assert "quantizer recognised: bin centre, 3 bits (step 32)" in capsys.readouterr().err
    out = np.asarray(Image.open(tmp_path / "o.png"))
    assert out.dtype == np.uint8 and ((out // 32) * 32 + 16 == q).all()
    assert main(["dequantize", str(tmp_path / "q.png"), "-o", str(tmp_path / "o.tif"), "--float"]) == 0
    f = tifffile.imread(tmp_path / "o.tif")
    assert f.dtype == np.float32 and np.abs(f - out).max() <= 1.0
    assert main(["dequantize", str(tmp_path / "q.png"), "-o", str(tmp_path / "f.png"), "--float"]) == 2
    assert "only TIFF holds" in capsys.readouterr().err and not (tmp_path / "f.png").exists()
    pal = Image.fromarray(original).quantize(8, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    Image.fromarray(original).quantize(palette=pal, dither=Image.Dither.FLOYDSTEINBERG).save(tmp_path / "d.png")
    assert main(["dequantize", str(tmp_path / "d.png"), "-o", str(tmp_path / "d_out.png")]) == 2
    assert "looks dithered" in capsys.readouterr().err and not (tmp_path / "d_out.png").exists()
    with pytest.warns(UserWarning, match="blurred away"):
        assert main(["dequantize", str(tmp_path / "d.png"), "-o", str(tmp_path / "d_out.png"), "--dither", "smooth"]) == 0
    assert (tmp_path / "d_out.png").exists()


def test_cli_says_what_may_be_white_and_guesses_it_when_asked(tmp_path, capsys):
    # a light-grey page with a dark bar and a gradient strip, under the 3-bit bin centre
    img = np.full((48, 96, 3), (239, 240, 241), np.uint8)
    img[8:20, 8:60] = (40, 44, 48)
    img[30:40, 8:88] = np.linspace(20, 230, 80).astype(np.uint8)[None, :, None]
    Image.fromarray((img // 32) * 32 + 16).save(tmp_path / "q.png")
    # (the self-check, which would keep this flat picture as it is, off: the end boxes are what is tested)
    assert main(["dequantize", str(tmp_path / "q.png"), "-o", str(tmp_path / "kept.png"), "--no-self-check"]) == 0
    assert "may be white or black" in capsys.readouterr().err
    assert tuple(np.asarray(Image.open(tmp_path / "kept.png"))[2, 2]) == (240, 240, 240)
    assert main(["dequantize", str(tmp_path / "q.png"), "-o", str(tmp_path / "guessed.png"), "--end-guess"]) == 0
    assert "ends guessed (white, black)" in capsys.readouterr().err
    assert tuple(np.asarray(Image.open(tmp_path / "guessed.png"))[2, 2]) == (255, 255, 255)


def test_cli_leaves_a_screenshot_the_self_check_rejects_and_dequantizes_it_when_told(tmp_path, keyboard):
    q = (keyboard // 32) * 32 + 16  # 3-bit bin centre
    Image.fromarray(q).save(tmp_path / "q.png")
    with pytest.warns(UserWarning, match="left unchanged"):
        assert main(["dequantize", str(tmp_path / "q.png"), "-o", str(tmp_path / "kept.png")]) == 0
    assert np.array_equal(np.asarray(Image.open(tmp_path / "kept.png")), q)
    assert main(["dequantize", str(tmp_path / "q.png"), "-o", str(tmp_path / "forced.png"), "--no-self-check"]) == 0
    forced = np.asarray(Image.open(tmp_path / "forced.png"))
    assert not np.array_equal(forced, q) and ((forced // 32) * 32 + 16 == q).all()
