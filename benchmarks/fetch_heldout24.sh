#!/usr/bin/env bash
# Fetch the twenty-fourth dequantization held-out set into DIR/dequantize24 (DIR defaults to $MALIANG_HELDOUT_PHOTOS,
# else ~/.cache/maliang-heldout) from pinned Debian packages, without installing anything, then check every file
# against the sha256 in benchmarks/dequantize_heldout24.txt.
# Fixed on 2026-12-07 before it was ever scored, after sets 22 and 23, as a further blind judge of dequantization
# with smooth renders and dark scientific images weighed more than in early sets, with no picture that is already
# quantized (at least 64 distinct colours, no palette-mode file, colours not all on the RGB565 levels or on a 3- to
# 6-bit grid); chosen by content only, from thumbnails; 3 of the packages no earlier set used, python3-matplotlib
# (whose mpl_toolkits test images no set used), 5 earlier sets (the files taken here were used nowhere, sets 22
# and 23 included):
#   photographs (2)       tachyon-doc 2 (texture photographs: dry soil, a parquet floor)
#   UI screenshots (6)    saods9-doc 2 (DS9 windows: Cassiopeia A on black, a galaxy cluster with contours),
#   (kind "flat")         python-silx-doc 3 (two dark 3-D views, a light image-ROI plot), python3-xrt 1 (xrtQook)
#   flat graphics (6)     python3-xrt 1 (a 3-D beamline view on black), python-vispy-doc 1 (a Voronoi banner),
#                         python-ase-doc 1 (a Pourbaix diagram), python3-matplotlib 3 (3-D test baselines)
#   smooth renders (10)   6 dim on a black or dark surround: tachyon-doc 1 (a ray-traced island under a black sky),
#                         mayavi2 1 (an MRI head render), python-vispy-doc 1 (a fireworks glow), python-ase-doc 1
#                         (its glowing-atom logo on dark teal), python3-xrt 1 (a rainbow ray fan), mricron-doc 1 (an
#                         MRI slice with a red overlay); then python-vispy-doc 1 (a colour cube on dark grey), mayavi2
#                         2 (a translucent volume render, a Julia-set canyon) and python-ase-doc 1 (a copper cluster)
# About 81 MB of downloads (9 .deb files, of which mayavi2 21 MB, python-silx-doc 15 MB and python-vispy-doc 13 MB).
# mayavi2 and python3-matplotlib are architecture-specific packages: the versions pinned are those of Debian 12 amd64
# (the pictures are the same).
# Then: python benchmarks/dequantize.py --set heldout24 (once dequantize.py's MANIFEST_SETS includes 24)
set -euo pipefail
# shellcheck source=benchmarks/_fetch_common.sh
source "$(dirname "$0")/_fetch_common.sh"  # TMP (the working folder, removed on exit); we are in it
heldout_set 24 "$@"  # MANIFEST and OUT (made)

debs_to_root tachyon-doc=0.99~b6+dsx-10 saods9-doc=8.4.1+repack-3 python-silx-doc=1.1.0+dfsg-5 \
    python3-xrt=1.4.0-2 python-vispy-doc=0.6.6-3 python-ase-doc=3.22.1-3+deb12u1 \
    python3-matplotlib=3.6.3-1+b1 mayavi2=4.8.0-2 mricron-doc=1.2.20211006+dfsg-4

copy_manifest "held-out set 24"
