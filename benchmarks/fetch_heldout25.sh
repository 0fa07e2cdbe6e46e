#!/usr/bin/env bash
# Fetch the twenty-fifth dequantization held-out set into DIR/dequantize25 (DIR defaults to $MALIANG_HELDOUT_PHOTOS,
# else ~/.cache/maliang-heldout) from pinned Debian packages, without installing anything, then check every file
# against the sha256 in benchmarks/dequantize_heldout25.txt.
# Fixed on 2026-12-07 before it was ever scored, after set 24, as a further blind judge of dequantization with
# colour photographs again and dark renders, with no picture that is already quantized (at least 64 distinct
# colours, no palette-mode file, colours not all on the RGB565 levels or on a 3- to 6-bit grid); chosen by content
# only, from thumbnails; all 11 packages gave earlier sets other files (the files taken here were used nowhere):
#   photographs (9)       hugin-data 3 (Hugin help photographs: a desk with a lamp, a kitchen, a footbridge),
#                         darknet 3 (a dog and a bicycle, an eagle, a giraffe and a zebra), cimg-examples 1 (a toy
#                         cow), libvigraimpex-doc 1 (a railway into a tunnel), fotoxx-common 1 (warped tractor photos)
#   UI screenshots (2)    fotoxx-common 2 (a noise-reduction dialog with a face, an HDR dialog with night photos)
#   (kind "flat")
#   flat graphics (5)     python3-xrt 2 (a 3-D beamline view on black, a beam-footprint plot), python3-matplotlib 3
#                         (3-D test baselines: stem plots, RGB voxels, a bar chart)
#   smooth renders (10)   5 dim on a black or dark surround: tachyon-doc 1 (a star field), python-vispy-doc 3 (a
#                         trail and a rain of grey rings on dark grey, a blurred checkered cube on black),
#                         mricron-doc 1 (an MRI slice with a red lesion); then tachyon-doc 2 (a fire texture, a
#                         copper teapot) and mayavi2 3 (spherical harmonics, Boy's surface, the Lorenz attractor)
# About 80 MB of downloads (11 .deb files, of which mayavi2 21 MB and python-vispy-doc 13 MB).
# darknet, mayavi2 and python3-matplotlib are architecture-specific packages: the versions pinned are those of
# Debian 12 amd64 (the pictures are the same).
# Then: python benchmarks/dequantize.py --set heldout25 (once dequantize.py's MANIFEST_SETS includes 25)
set -euo pipefail
# shellcheck source=benchmarks/_fetch_common.sh
source "$(dirname "$0")/_fetch_common.sh"  # TMP (the working folder, removed on exit); we are in it
heldout_set 25 "$@"  # MANIFEST and OUT (made)

debs_to_root hugin-data=2022.0.0+dfsg-2 darknet=0.0.0+git20180914.61c9d02e-2+b4 cimg-examples=3.2.1+dfsg-1 \
    libvigraimpex-doc=1.11.1+dfsg-11 fotoxx-common=20.08-2 python3-xrt=1.4.0-2 python3-matplotlib=3.6.3-1+b1 \
    tachyon-doc=0.99~b6+dsx-10 python-vispy-doc=0.6.6-3 mayavi2=4.8.0-2 mricron-doc=1.2.20211006+dfsg-4

copy_manifest "held-out set 25"
