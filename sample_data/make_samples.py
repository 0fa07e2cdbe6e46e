"""Make every file of sample_data/ from offline sources (run from anywhere).

    python sample_data/make_samples.py

Every file is derived from scikit-image's bundled images (``astronaut``: NASA photograph, public domain; ``coins``:
Greek coins, public domain) or from the project's own seeded simulations, so nothing is downloaded and every run
writes the same pixels and tables. The files are written the way the tools users have write them: an OME-TIFF
movie with its pixel size, a ThunderSTORM CSV with its measurement protocol, a picasso HDF5 + YAML pair, palette
PNGs, 8-bit PNGs, an ``.mlg`` of the inpainting codec; then ``SHA256SUMS``, which the napari samples check the
files against. sample_data/README.md describes each file.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import numpy as np
from PIL import Image

HERE = Path(__file__).resolve().parent
PIXEL_SIZE_NM = 100.0  # the camera pixel of napari_maliang.smlm.sample.palm_sample


def main() -> None:
    """Write every sample file into the folder of this script."""
    dequantization_files()
    palm_files()
    quantized_files()
    dark_photo_file()
    cartoon_file()
    coins_file()
    checksums()


def dequantization_files() -> None:
    """The 256 x 256 astronaut reduced three ways, for ``maliang dequantize`` (palette, bin centres, dithered)."""
    from skimage import data

    photo = Image.fromarray(data.astronaut()).resize((256, 256), Image.Resampling.BOX)
    # a 16-colour palette image as Pillow's median cut writes it (GIF/PNG-8), no dithering
    palette = photo.quantize(16, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    palette.save(HERE / "astronaut_16colours.png", optimize=True)
    # 3-bit reduction shown at the bin centres, (v // 32) * 32 + 16, saved as 8-bit RGB
    rgb = np.asarray(photo)
    Image.fromarray(((rgb // 32) * 32 + 16).astype(np.uint8)).save(HERE / "astronaut_3bit_centre.png")
    # brushes for the palette image, painted in the brush colours on black: a green stroke (hard edge) along
    # the helmet's rim and a red one (soft edge) across the suit's folds
    brushes = np.zeros((256, 256, 3), np.uint8)
    brushes[95:125, 168:172] = (0, 204, 0)
    brushes[180:184, 60:100] = (255, 0, 0)
    Image.fromarray(brushes).save(HERE / "astronaut_16colours_brushes.png", optimize=True)
    # the same photo with Floyd-Steinberg dithering to the same palette: what the dither check is for
    photo.quantize(palette=palette, dither=Image.Dither.FLOYDSTEINBERG).save(
        HERE / "astronaut_16colours_dithered.png", optimize=True)


def palm_files() -> None:
    """The simulated PALM movie as an OME-TIFF, its ground truth as ThunderSTORM CSV + protocol, and our
    localizations of the movie as picasso HDF5 + YAML."""
    import tifffile

    from napari_maliang.smlm import localize, palm_sample, write_localizations

    movie, truth = palm_sample()  # 200 frames of 128 x 128, uint16, seed 0
    um = PIXEL_SIZE_NM / 1000.0
    metadata = {
        "axes": "TYX",
        "PhysicalSizeX": um,
        "PhysicalSizeXUnit": "µm",
        "PhysicalSizeY": um,
        "PhysicalSizeYUnit": "µm",
        # a fixed UUID (tifffile draws a new one each time): the same movie gives the same bytes
        "UUID": f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'napari-maliang/sample_data/palm_movie.ome.tif')}",
    }
    # uncompressed, as cameras write them (the reader then reads frames with plain file reads)
    tifffile.imwrite(HERE / "palm_movie.ome.tif", movie, ome=True, photometric="minisblack", metadata=metadata)
    written = write_localizations(truth, HERE / "palm_truth.csv", pixel_size_nm=PIXEL_SIZE_NM)
    (HERE / "palm_truth-protocol.txt").write_text(_thunderstorm_protocol(truth), encoding="utf-8")
    locs = localize(movie, psf_sigma=1.3, backend="cpu")
    locs.attrs.update(pixel_size_nm=PIXEL_SIZE_NM, frame_shape=movie.shape[1:], n_frames=movie.shape[0])
    written += write_localizations(locs, HERE / "palm_locs.hdf5", format="picasso")
    for path in written:  # written through a private temporary file (mode 600): readable like the others
        path.chmod(0o644)


def _thunderstorm_protocol(truth) -> str:
    """A measurement protocol as ThunderSTORM 1.3 saves it beside its table (``<table>-protocol.txt``): the camera
    settings of the simulation, whose ``pixelSize`` (nm) our reader takes."""
    camera = truth.attrs["camera"]
    settings = {
        "readoutNoise": camera["read_noise"],
        "offset": camera["offset"],
        "quantumEfficiency": camera["quantum_efficiency"],
        "isEmGain": camera["em_gain"] is not None,
        "photons2ADU": camera["gain"],
        "pixelSize": PIXEL_SIZE_NM,
        "gainEM": camera["em_gain"] or 1.0,
    }
    sections = [
        "ThunderSTORM (1.3-2014-11-08)",
        "",
        "Input:",
        json.dumps({"title": "palm_movie.ome.tif", "roiBounds": [0, 0, 128, 128]}, indent=2),
        "Camera settings:",
        json.dumps(settings, indent=2),
        "Analysis:",
        json.dumps({"note": "ground truth of the simulation (napari_maliang.smlm.sample.palm_sample), not an analysis"},
                   indent=2),
        "Post-processing:",
        "[]",
        "",
    ]
    return "\n".join(sections)


def quantized_files() -> None:
    """The astronaut quantized to 8 and 16 k-means colours as palette PNGs, and a label image of brushes for the
    8-colour one."""
    from napari_maliang.dequantize.brushes import ADJACENT, HARD, SOFT
    from napari_maliang.dequantize.samples import quantized_photo

    for n_colors in (8, 16):
        quantized, _ = quantized_photo(n_colors)
        colours, index = np.unique(quantized.reshape(-1, 3), axis=0, return_inverse=True)
        palette = Image.fromarray(index.reshape(quantized.shape[:2]).astype(np.uint8), mode="P")
        palette.putpalette(colours.astype(np.uint8).ravel().tolist())
        palette.save(HERE / f"quantized_{n_colors}.png", optimize=True)
    # the brush values of napari_maliang.dequantize.brushes (0 none), as the widget's brush layer holds them
    brushes = np.zeros((512, 512), np.uint8)
    brushes[140:146, 190:250] = ADJACENT  # blue: the skin tones across the cheek are one smooth shading
    brushes[400:460, 283:291] = HARD  # green: the helmet's left rim against the suit is a real edge
    brushes[330:336, 60:140] = SOFT  # red: the folds of the suit's sleeve are soft
    Image.fromarray(brushes, mode="L").save(HERE / "quantized_8_brushes.png", optimize=True)


def dark_photo_file() -> None:
    """The astronaut darkened by gamma 2.5 with photon noise (1000 photons for white), as an 8-bit RGB PNG."""
    from napari_maliang.lowlight.samples import dark_photo

    dark, _ = dark_photo()
    Image.fromarray(np.rint(dark * 255).astype(np.uint8)).save(HERE / "dark_photo.png", optimize=True)


def cartoon_file() -> None:
    """The codec's synthetic 512 x 512 cartoon, encoded as ``.mlg`` with the codec's default options."""
    from napari_maliang.codec import write_mlg
    from napari_maliang.codec.samples import cartoon

    write_mlg(HERE / "cartoon.mlg", cartoon())


def coins_file() -> None:
    """scikit-image's Greek coins (303 x 384, 8-bit gray) as a PNG."""
    from skimage import data

    Image.fromarray(data.coins()).save(HERE / "coins.png", optimize=True)


def checksums() -> None:
    """``SHA256SUMS`` (``sha256sum -c SHA256SUMS`` checks it): the napari samples check each file against it."""
    import hashlib

    made = sorted(p for p in HERE.iterdir() if p.is_file() and p.suffix not in (".md", ".py") and p.name[0] != "."
                  and p.name != "SHA256SUMS")
    lines = [f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.name}\n" for p in made]
    (HERE / "SHA256SUMS").write_text("".join(lines), encoding="utf-8", newline="\n")


if __name__ == "__main__":
    main()
