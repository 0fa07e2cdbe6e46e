#!/usr/bin/env bash
# Fetch the twenty-sixth dequantization held-out set into DIR/dequantize26 (DIR defaults to $MALIANG_HELDOUT_PHOTOS,
# else ~/.cache/maliang-heldout) from pinned Debian packages, without installing anything, then check every file
# against the sha256 in benchmarks/dequantize_heldout26.txt.
# Fixed on 2026-12-07 before it was ever scored, after set 25, as a further blind judge of dequantization with
# colour photographs of real scenes again and dark renders, with no picture that is already quantized (at least 64
# distinct colours, no palette-mode file, colours not all on the RGB565 levels or on a 3- to 6-bit grid); chosen by
# content only, from thumbnails; 1 of the 10 packages no earlier set used (mandelbulber2-data), the other 9 gave
# earlier sets other files (the files taken here were used nowhere):
#   photographs (8)       hugin-data 3 (Hugin help photographs: the Tübingen riverfront, the Pantheon's interior, an
#                         office), darknet 1 (horses on a pasture), gimp-help-en 3 (GIMP tutorial photographs: a red
#                         vintage car, a mallard on grass, a castle on a rock), mandelbulber2-data 1 (a sunset behind
#                         a black tree line, an environment-map texture)
#   UI screenshots (4)    luminance-hdr 3 (over a still life, an HDR window with plants, a ghosted street), mayavi2 1
#   (kind "flat")         (the Mayavi2 window with red annotations)
#   flat graphics (3)     python-dipy-doc 2 (the OHBM 2015 banner, the paper banner), python-vispy-doc 1 (markers)
#   smooth renders (10)   5 dim on a black or dark surround: mandelbulber2-data 1 (a green glow on black),
#                         kstars-data 3 (a starry-sky splash, an eyepiece view of a galaxy pair, a HiPS view of the
#                         Milky Way), mricron-doc 1 (a brain render and MRI slices on dark navy); then
#                         mandelbulber2-data 1 (a fractal torus), python-vispy-doc 2 (a checkered teapot shape, a
#                         checkered wavy surface) and mayavi2 2 (magnetic field lines, a custom colour map surface)
# About 261 MB of downloads (10 .deb files, of which mandelbulber2-data 81 MB, kstars-data 79 MB, gimp-help-en 50 MB
# and mayavi2 21 MB).
# darknet, luminance-hdr and mayavi2 are architecture-specific packages: the versions pinned are those of Debian 12
# amd64 (the pictures are the same).
# Then: python benchmarks/dequantize.py --set heldout26 (once dequantize.py's MANIFEST_SETS includes 26)
set -euo pipefail
# shellcheck source=benchmarks/_fetch_common.sh
source "$(dirname "$0")/_fetch_common.sh"  # TMP (the working folder, removed on exit); we are in it
heldout_set 26 "$@"  # MANIFEST and OUT (made)

debs_to_root hugin-data=2022.0.0+dfsg-2 darknet=0.0.0+git20180914.61c9d02e-2+b4 gimp-help-en=2.10.34-2 \
    mandelbulber2-data=2.20-2 luminance-hdr=2.6.1.1+dfsg-2+b2 python-dipy-doc=1.6.0-1 python-vispy-doc=0.6.6-3 \
    mayavi2=4.8.0-2 kstars-data=5:3.6.2-2 mricron-doc=1.2.20211006+dfsg-4

copy_manifest "held-out set 26"
