#!/usr/bin/env bash
# Fetch the eighteenth dequantization held-out set into DIR/dequantize18 (DIR defaults to $MALIANG_HELDOUT_PHOTOS,
# else ~/.cache/maliang-heldout) from pinned Debian packages, without installing anything, then check every file
# against the sha256 in benchmarks/dequantize_heldout18.txt.
# Fixed on 2026-12-07 before it was ever scored, as a further blind judge of dequantization with UI screenshots and
# flat graphics weighed heavily; chosen by content only, from thumbnails, from Debian packages that no other
# benchmark or doc of this project used (hydrogen-doc is built from the source of set 8's hydrogen-data, and
# scribus-data holds Scribus 1.5's templates, newer than those of set 5's scribus-template, which gave set 5 nine
# pictures; the files taken here were used nowhere):
#   photographs (1)       scribus-data 1 (colour photographs are exhausted among unused sources)
#   UI screenshots (16)   hydrogen-doc 1, kgoldrunner 1, kblackbox 1, blinken 1 (these 4 dark); hydrogen-doc 1,
#   (kind "flat")         fritzing-data 1 (mid-grey); bomber 1, artikulate 1, kmines 1, kwalletmanager 1, kiten 1,
#                         viking 2, polari 1, gucharmap 1, hitori 1 (light; all PNG but viking's map window, a JPEG)
#   flat graphics (7)     asymptote-doc 2 (a contour chart, a CD label), zim 2 (a flowchart, an R contour chart),
#                         python-xarray-doc 1 (a diagram), python-pandas-doc 1 (a histogram), scribus-data 1 (a map)
#   smooth renders (4)    scribus-data 2, frozen-bubble-data 1, ksudoku 1
# About 85 MB of downloads (21 .deb files, of which frozen-bubble-data 22 MB, scribus-data 17 MB and
# python-pandas-doc 12 MB).
# kgoldrunner, kblackbox, blinken, bomber, artikulate, kmines, kwalletmanager, kiten, viking, polari, gucharmap,
# hitori and ksudoku are architecture-specific packages: the versions pinned are those of Debian 12 amd64 (the
# pictures are the same).
# Then: python benchmarks/dequantize.py --set heldout18 (once dequantize.py's MANIFEST_SETS includes 18)
set -euo pipefail
# shellcheck source=benchmarks/_fetch_common.sh
source "$(dirname "$0")/_fetch_common.sh"  # TMP (the working folder, removed on exit); we are in it
heldout_set 18 "$@"  # MANIFEST and OUT (made)

debs_to_root scribus-data=1.5.8+dfsg-4 hydrogen-doc=1.2.0~beta1+dfsg-1 kgoldrunner=4:22.12.3-1 \
    kblackbox=4:22.12.3-1 blinken=4:22.12.3-1 fritzing-data=0.9.6+dfsg-3 bomber=4:22.12.3-1 \
    artikulate=4:22.12.3-1 kmines=4:22.12.3-1 kwalletmanager=4:22.12.3-1 kiten=4:22.12.3-1 viking=1.10-2 \
    polari=43.0-1 gucharmap=1:15.0.2-1 hitori=3.38.4-2 asymptote-doc=2.85+ds-1 zim=0.75.1-1 \
    python-xarray-doc=2023.01.0-1.1 python-pandas-doc=1.5.3+dfsg-2 frozen-bubble-data=2.212-11 \
    ksudoku=4:22.12.3-1

copy_manifest "held-out set 18"
