"""Make the dequantization files of sample_data/ from offline sources (run from the repository root).

    python sample_data/make_samples.py

Every file is derived from scikit-image's bundled ``astronaut`` photograph (NASA, public domain) or made
synthetically, so nothing is downloaded. The files are written the way the tools that users have write
them: a palette PNG from Pillow, an 8-bit RGB PNG for a bit-depth reduction, an RGB brush painting.
"""

from __future__ import annotations

import os

import numpy as np
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))


def main() -> None:
    from skimage import data

    photo = Image.fromarray(data.astronaut()).resize((256, 256), Image.Resampling.BOX)
    # a 16-colour palette image as Pillow's median cut writes it (GIF/PNG-8), no dithering
    palette = photo.quantize(16, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    palette.save(os.path.join(HERE, "astronaut_16colours.png"), optimize=True)
    # 3-bit reduction shown at the bin centres, (v // 32) * 32 + 16, saved as 8-bit RGB
    rgb = np.asarray(photo)
    Image.fromarray(((rgb // 32) * 32 + 16).astype(np.uint8)).save(os.path.join(HERE, "astronaut_3bit_centre.png"))
    # brushes for the palette image, painted in the brush colours on black: a green stroke (hard edge) along
    # the helmet's rim and a red one (soft edge) across the suit's folds
    brushes = np.zeros((256, 256, 3), np.uint8)
    brushes[95:125, 168:172] = (0, 204, 0)
    brushes[180:184, 60:100] = (255, 0, 0)
    Image.fromarray(brushes).save(os.path.join(HERE, "astronaut_16colours_brushes.png"), optimize=True)
    # the same photo with Floyd-Steinberg dithering to the same palette: what the dither check is for
    photo.quantize(palette=palette, dither=Image.Dither.FLOYDSTEINBERG).save(
        os.path.join(HERE, "astronaut_16colours_dithered.png"), optimize=True)


if __name__ == "__main__":
    main()
