#!/usr/bin/env bash
# Fetch the fourth dequantization held-out set (issue #12) into DIR/dequantize4 (DIR defaults to
# $MALIANG_HELDOUT_PHOTOS, else ~/.cache/maliang-heldout) from pinned Debian packages and PyPI packages, without
# installing anything, then check every file against the sha256 in benchmarks/dequantize_heldout4.txt.
# Fixed on 2026-12-04 before it was ever scored, to judge the flat-graphics change; chosen by content only, from
# sources used by no other benchmark of this project:
#   photographs (13)    pillow sdist 5, hugin-data 4, visp-images-data 2, mahotas 1, xplanet-images 1
#   flat graphics (12)  kstars-data 3, octave-doc 2, arcade 2, gcompris-qt-data 2, krita-data 1,
#                       oxygen-icon-theme 1, gnome-user-docs 1
#   smooth renders (5)  gnome-backgrounds 2, arcade 2, debian-edu-artwork-emerald 1
#   python benchmarks/dequantize.py --set heldout4
set -euo pipefail
# shellcheck source=benchmarks/_fetch_common.sh
source "$(dirname "$0")/_fetch_common.sh"  # TMP (the working folder, removed on exit); we are in it
heldout_set 4 "$@"  # MANIFEST and OUT (made)

if ! apt-get download hugin-data=2022.0.0+dfsg-2 xplanet-images=1.3.1-3 visp-images-data=3.5.0-1 \
    octave-doc=7.3.0-2 kstars-data=5:3.6.2-2 gcompris-qt-data=3.1-2 krita-data=1:5.1.5+dfsg-2+deb12u1 \
    oxygen-icon-theme=5:5.103.0-1 gnome-user-docs=43.0-2 gnome-backgrounds=43.1-1 \
    debian-edu-artwork-emerald=2.12.4-1~deb12u1 >/dev/null; then
  echo "error: a pinned Debian package could not be downloaded: run 'apt-get update' on Debian 12 (bookworm)" >&2
  echo "  with the main archive in its sources, or fetch the .deb files from snapshot.debian.org." >&2
  exit 1
fi
for deb in *.deb; do dpkg-deb -x "$deb" root; done
# the mahotas wheel is pinned by platform so that every Python gets the same file
python -m pip download -q --no-deps --no-binary=:all: pillow==12.0.0 -d pypi
python -m pip download -q --no-deps arcade==3.3.3 -d pypi
python -m pip download -q --no-deps --only-binary=:all: --platform manylinux_2_28_x86_64 --python-version 3.11 \
    --implementation cp --abi cp311 mahotas==1.4.19 -d pypi
tar xzf pypi/pillow-12.0.0.tar.gz -C root
python -m zipfile -e pypi/arcade-3.3.3-py3-none-any.whl root
python -m zipfile -e pypi/mahotas-1.4.19-cp311-cp311-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl root
copy_manifest "held-out set 4"
