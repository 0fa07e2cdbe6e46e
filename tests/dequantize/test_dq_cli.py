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
    outs = []
    for a in ("a.png", "a_rgb.png"):
        assert main(["dequantize", str(tmp_path / "q.png"), "-o", str(tmp_path / "o.png"),
                     "--annotations", str(tmp_path / a)]) == 0
        outs.append(np.asarray(Image.open(tmp_path / "o.png")))
    np.testing.assert_array_equal(outs[0], outs[1])


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
