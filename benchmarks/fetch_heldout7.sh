#!/usr/bin/env bash
# Fetch the seventh dequantization held-out set into DIR/dequantize7 (DIR defaults to $MALIANG_HELDOUT_PHOTOS,
# else ~/.cache/maliang-heldout) from pinned Debian packages, without installing anything, then check every file against the sha256 in benchmarks/dequantize_heldout7.txt.
# Fixed on 2026-12-04 before it was ever scored, as a further blind judge of dequantization on UI screenshots
# and graphics with anti-aliased text; chosen by content only, from thumbnails, from sources used by no other
# benchmark of this project:
#   photographs (11)    plasma-workspace-data 3, golang-github-disintegration-gift-dev 1,
#                       golang-github-disintegration-imaging-dev 1, golang-golang-x-image-dev 1, cimg-examples 1,
#                       inkscape 1, libvigraimpex-doc 1, gramps 1, python-pygame-doc 1
#   flat graphics (14)  plasma-workspace-data 2, debian-handbook 2, kitty-doc 1, python-qtconsole-doc 1,
#                       qtcreator-doc 1, qttools5-doc-html 1, kicad-doc-en 1, libgtk-4-doc 1, okular 1, eog 1,
#                       kdenlive-data 1, texstudio-doc 1
#   smooth renders (5)  fvwm-crystal 2, icewm-common 1, kanagram 1, k3b-data 1
# About 171 MB of downloads (24 .deb files). okular, eog, inkscape, icewm-common and kanagram are
# architecture-specific packages: the versions pinned are those of Debian 12 amd64 (the pictures are the same).
#   python benchmarks/dequantize.py --set heldout7
set -euo pipefail
# shellcheck source=benchmarks/_fetch_common.sh
source "$(dirname "$0")/_fetch_common.sh"  # TMP (the working folder, removed on exit); we are in it
heldout_set 7 "$@"  # MANIFEST and OUT (made)

if ! apt-get download plasma-workspace-data=4:5.27.5-2+deb12u2 golang-github-disintegration-gift-dev=1.2.1-3 \
    golang-github-disintegration-imaging-dev=1.6.2-2 golang-golang-x-image-dev=0.5.0-1 \
    cimg-examples=3.2.1+dfsg-1 inkscape=1.2.2-2+deb12u1 libvigraimpex-doc=1.11.1+dfsg-11 gramps=5.1.5-1 \
    python-pygame-doc=2.1.2+dfsg-5 debian-handbook=11.20220922 kitty-doc=0.26.5-5+deb12u1 \
    python-qtconsole-doc=5.4.0-1 qtcreator-doc=9.0.2-2 qttools5-doc-html=5.15.8-2 kicad-doc-en=6.0.11+dfsg-1 \
    libgtk-4-doc=4.8.3+ds-2+deb12u1 okular=4:22.12.3-1+deb12u1 eog=43.2-1+deb12u1 \
    kdenlive-data=22.12.3-2+deb12u2 texstudio-doc=4.3.1+ds-2 fvwm-crystal=3.4.1+dfsg-3 icewm-common=3.3.1-1 \
    kanagram=4:22.12.3-1 k3b-data=22.12.3-1 >/dev/null; then
  echo "error: a pinned Debian package could not be downloaded: run 'apt-get update' on Debian 12 (bookworm, amd64)" >&2
  echo "  with the main and security archives in its sources, or fetch the .deb files from snapshot.debian.org." >&2
  exit 1
fi
for deb in *.deb; do dpkg-deb -x "$deb" root; done
copy_manifest "held-out set 7"
