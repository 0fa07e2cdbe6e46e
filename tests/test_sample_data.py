"""The files in sample_data/ open and do what sample_data/README.md says."""

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from napari_maliang.cli import main
from napari_maliang.dequantize import requantization_mask

SAMPLES = Path(__file__).resolve().parents[1] / "sample_data"


def rgb(name):
    return np.asarray(Image.open(SAMPLES / name).convert("RGB"))


def test_palette_sample_dequantizes_with_its_brushes(tmp_path, capsys):
    q = rgb("astronaut_16colours.png")
    assert len(np.unique(q.reshape(-1, 3), axis=0)) == 16
    out = tmp_path / "smooth.png"
    assert main(["dequantize", str(SAMPLES / "astronaut_16colours.png"), "-o", str(out),
                 "--annotations", str(SAMPLES / "astronaut_16colours_brushes.png")]) == 0
    assert "nearest palette colour (16 colours)" in capsys.readouterr().err
    result = np.asarray(Image.open(out))
    assert result.dtype == np.uint8 and requantization_mask(result, q).all()
    assert len(np.unique(result.reshape(-1, 3), axis=0)) > 1000  # smooth colour again, not 16 flat ones


def test_bin_centre_sample_is_recognised(tmp_path, capsys):
    q = rgb("astronaut_3bit_centre.png")
    assert main(["dequantize", str(SAMPLES / "astronaut_3bit_centre.png"), "-o", str(tmp_path / "o.png")]) == 0
    assert "bin centre, 3 bits (step 32)" in capsys.readouterr().err
    result = np.asarray(Image.open(tmp_path / "o.png"))
    assert ((result // 32) * 32 + 16 == q).all()


def test_dithered_sample_is_refused_then_descreened(tmp_path, capsys):
    path = str(SAMPLES / "astronaut_16colours_dithered.png")
    assert main(["dequantize", path, "-o", str(tmp_path / "d.png")]) == 2
    assert "looks dithered" in capsys.readouterr().err and not (tmp_path / "d.png").exists()
    with pytest.warns(UserWarning, match="blurred away"):
        assert main(["dequantize", path, "-o", str(tmp_path / "d.png"), "--dither", "smooth"]) == 0
    assert np.asarray(Image.open(tmp_path / "d.png")).shape == (256, 256, 3)
