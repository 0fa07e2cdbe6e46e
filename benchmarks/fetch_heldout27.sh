#!/usr/bin/env bash
# Fetch the twenty-seventh dequantization held-out set into DIR/dequantize27 (DIR defaults to $MALIANG_HELDOUT_PHOTOS,
# else ~/.cache/maliang-heldout) from pinned Debian packages, without installing anything, then check every file
# against the sha256 in benchmarks/dequantize_heldout27.txt.
# Fixed on 2026-12-07 before it was ever scored, after set 26, as a further blind judge of dequantization with
# colour photographs of real scenes again and dark renders, with no picture that is already quantized (at least 64
# distinct colours, no palette-mode file, colours not all on the RGB565 levels or on a 3- to 6-bit grid); chosen by
# content only, from thumbnails; all 9 packages gave earlier sets other files (the files taken here were used
# nowhere):
#   photographs (9)       hugin-data 3 (Hugin help photographs: a little planet of a hilltop town, an ornate wall
#                         with arched windows, a church nave panorama), gimp-help-en 3 (GIMP manual photographs: men
#                         in red coats, three ducklings, the Taj Mahal), freedombox-doc-en 2 (circuit boards on
#                         white: an OLinuXino LIME2, an Orange Pi Zero), kstars-data 1 (the Earth's limb from orbit)
#   UI screenshots (3)    kstars-data 1 (the FITS viewer with the Rosette nebula), mayavi2 1 (a Mayavi2 window with
#   (kind "flat")         parametric surfaces), freedombox-doc-en 1 (the Janus video room in a browser)
#   flat graphics (3)     python-dipy-doc 2 (the workshop 2019 banner, a GitHub branch drop-down),
#                         python-vispy-doc 1 (colour-map bars)
#   smooth renders (10)   5 dim on a black or dark surround: kstars-data 1 (a sky map near the pole with green
#                         mosaic tiles), povray-doc 2 (magnet fractals, reflecting spheres), openuniverse-common 1
#                         (the galaxy M33), python-vispy-doc 1 (signal traces); then povray-doc 1 (a golden torus),
#                         openuniverse-common 1 (a map of Io), python-vispy-doc 1 (a checkered tube) and mayavi2 2 (a
#                         canyon terrain, a rainbow ribbon surface)
# About 231 MB of downloads (9 .deb files, of which kstars-data 79 MB, gimp-help-en 50 MB, freedombox-doc-en 44 MB
# and mayavi2 21 MB).
# mayavi2 is an architecture-specific package: the version pinned is that of Debian 12 amd64 (the pictures are the
# same).
# Then: python benchmarks/dequantize.py --set heldout27 (once dequantize.py's MANIFEST_SETS includes 27)
set -euo pipefail
# shellcheck source=benchmarks/_fetch_common.sh
source "$(dirname "$0")/_fetch_common.sh"  # TMP (the working folder, removed on exit); we are in it
heldout_set 27 "$@"  # MANIFEST and OUT (made)

debs_to_root hugin-data=2022.0.0+dfsg-2 gimp-help-en=2.10.34-2 freedombox-doc-en=23.6.2+deb12u2 \
    kstars-data=5:3.6.2-2 mayavi2=4.8.0-2 python-dipy-doc=1.6.0-1 python-vispy-doc=0.6.6-3 povray-doc=1:3.7.0.10-2 \
    openuniverse-common=1.0beta3.1+dfsg-7.1

copy_manifest "held-out set 27"
