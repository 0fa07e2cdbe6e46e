#!/usr/bin/env bash
# Fetch the thirtieth dequantization held-out set into DIR/dequantize30 (DIR defaults to $MALIANG_HELDOUT_PHOTOS,
# else ~/.cache/maliang-heldout) from pinned Debian packages, without installing anything, then check every file
# against the sha256 in benchmarks/dequantize_heldout30.txt.
# Fixed on 2026-12-07 before it was ever scored, after set 29 (which had no photograph), as a further blind judge
# of dequantization with colour photographs of real scenes again and dark renders, with no picture that is already
# quantized (at least 64 distinct colours, no palette-mode file, colours not all on the RGB565 levels, on a 3- to
# 6-bit grid or on the 6 levels 0, 51, ..., 255); chosen by content only, from thumbnails; all 11 packages gave
# earlier sets other files (the files taken here were used nowhere):
#   photographs (9)       gimp-help-en 3 (GIMP manual photographs: a tree by a meadow, white daisies, a
#                         chimpanzee), hugin-data 2 (a church nave in a circular fisheye on black, two views of an
#                         office), fotoxx-common 3 (a street corner with rippled water added, a living-room panorama
#                         on black, two people on a misty beach), freedombox-doc-en 1 (a RockPro64 board on white)
#   UI screenshots (6)    skrooge-common 2 (a tracker window with a pie chart, a balance line chart), calligraplan 1
#   (kind "flat")         (the work and vacation calendar), mayavi2 1 (a Mayavi2 window with a cut plane),
#                         freedombox-doc-en 2 (the Zoph and Transmission web pages)
#   smooth renders (10)   4 dim on a black or dark surround: povray-doc 2 (Julia colourings on black, the fisheye
#                         camera sample), openuniverse-common 1 (a splash of a sun on black), starfighter-data 1 (the
#                         Eagle nebula); then povray-doc 1 (spheres in layered fog), openuniverse-common 1 (a map of
#                         Callisto), mayavi2 1 (a decimated Julia surface) and ukui-wallpapers 3 (three wallpaper
#                         renders: swirling line bands, a twisted ribbon, soft fluid shapes)
# About 229 MB of downloads (11 .deb files, of which gimp-help-en 50 MB, starfighter-data 46 MB, freedombox-doc-en
# 44 MB, ukui-wallpapers 21 MB and mayavi2 21 MB).
# mayavi2 and calligraplan are architecture-specific packages: the versions pinned are those of Debian 12 amd64 (the
# pictures are the same).
# Then: python benchmarks/dequantize.py --set heldout30 (once dequantize.py's MANIFEST_SETS includes 30)
set -euo pipefail
# shellcheck source=benchmarks/_fetch_common.sh
source "$(dirname "$0")/_fetch_common.sh"  # TMP (the working folder, removed on exit); we are in it
heldout_set 30 "$@"  # MANIFEST and OUT (made)

debs_to_root gimp-help-en=2.10.34-2 hugin-data=2022.0.0+dfsg-2 fotoxx-common=20.08-2 \
    freedombox-doc-en=23.6.2+deb12u2 skrooge-common=2.29.0-1 calligraplan=1:3.3.0-2 mayavi2=4.8.0-2 \
    povray-doc=1:3.7.0.10-2 openuniverse-common=1.0beta3.1+dfsg-7.1 ukui-wallpapers=20.04.3-1.1 \
    starfighter-data=2.4-1

copy_manifest "held-out set 30"
