#!/usr/bin/env bash
# Fetch the nineteenth dequantization held-out set into DIR/dequantize19 (DIR defaults to $MALIANG_HELDOUT_PHOTOS,
# else ~/.cache/maliang-heldout) from pinned Debian packages, without installing anything, then check every file
# against the sha256 in benchmarks/dequantize_heldout19.txt.
# Fixed on 2026-12-07 before it was ever scored, as a further blind judge of dequantization with UI screenshots and
# flat graphics weighed heavily; chosen by content only, from thumbnails, from Debian packages that no other
# benchmark or doc of this project used (twelve, kpat, kmahjongg, kwordquiz, kig, knights, gnome-klotski, tali,
# kbounce, libgtk-3-doc, fltk1.3-doc, gtkmm-documentation and wx3.2-doc, were named in the docs or set 15's manifest
# only as unused leads or spares; the files taken here were used nowhere):
#   photographs (1)       freeciv-data 1 (colour photographs are exhausted among unused sources)
#   UI screenshots (18)   kpat 1, kmahjongg 1, wx3.2-doc 1, fltk1.3-doc 1, libgtk-3-doc 1 (these 5 dark); kbounce 1,
#   (kind "flat")         gnome-klotski 1, tali 1, kwordquiz 1, kbackup 1, step 1, kig 1, ktimetracker 1,
#                         evolution-common 1, killbots 1, fltk1.3-doc 1, libgtk-3-doc 1, aisleriot 1 (light or grey)
#   flat graphics (6)     fltk1.3-doc 1 (a colour map), step 1 (a chart), gtkmm-documentation 2 (a clock drawing, a
#                         fractal), libgtk-3-doc 1 (text on a circle), python3-spyder 1 (typeset SymPy output)
#   smooth renders (4)    neverball-data 2, knights 1, freeciv-data 1
# About 95 MB of downloads (21 .deb files, of which freeciv-data 20 MB, neverball-data 17 MB, fltk1.3-doc 9 MB,
# evolution-common 8 MB and wx3.2-doc 7 MB).
# aisleriot, gnome-klotski, kbackup, kbounce, kig, killbots, kmahjongg, knights, kpat, ktimetracker, kwordquiz, step
# and tali are architecture-specific packages: the versions pinned are those of Debian 12 amd64 (the pictures are
# the same).
# Then: python benchmarks/dequantize.py --set heldout19 (once dequantize.py's MANIFEST_SETS includes 19)
set -euo pipefail
# shellcheck source=benchmarks/_fetch_common.sh
source "$(dirname "$0")/_fetch_common.sh"  # TMP (the working folder, removed on exit); we are in it
heldout_set 19 "$@"  # MANIFEST and OUT (made)

debs_to_root freeciv-data=3.0.6-1+deb12u1 kpat=4:22.12.3-1 kmahjongg=4:22.12.3-1 wx3.2-doc=3.2.2+dfsg-2 \
    fltk1.3-doc=1.3.8-5 libgtk-3-doc=3.24.38-2~deb12u3 kbounce=4:22.12.3-1 gnome-klotski=1:3.38.2-1 tali=1:40.9-1 \
    kwordquiz=4:22.12.3-1 kbackup=22.12.3-1 step=4:22.12.3-1 kig=4:22.12.3-1 ktimetracker=4:5.0.1-3 \
    evolution-common=3.46.4-2+deb12u1 killbots=4:22.12.3-1 aisleriot=1:3.22.23-1 gtkmm-documentation=3.24.0-1 \
    python3-spyder=5.4.2+ds-5+deb12u1 neverball-data=1.6.0+git20180603-3 knights=22.12.3-1

copy_manifest "held-out set 19"
