#!/usr/bin/env bash
# Fetch the eighth dequantization held-out set into DIR/dequantize8 (DIR defaults to $MALIANG_HELDOUT_PHOTOS,
# else ~/.cache/maliang-heldout) from pinned Debian packages, one PyPI source distribution and one npm package,
# without installing anything, then check every file against the sha256 in benchmarks/dequantize_heldout8.txt.
# Fixed on 2026-12-04 before it was ever scored, as a further blind judge of dequantization on UI screenshots
# (dark themes and text UIs above all); chosen by content only, from thumbnails, from sources used by no other
# benchmark of this project:
#   photographs (11)      exif-js (npm) 3, kodi-data 2, libjs-bootstrap5-doc 2, piexif (PyPI sdist) 2,
#                         freedombox-doc-en 1, darktable 1
#   UI screenshots (14)   debian-edu-doc-en 2, glances-doc 1, kmail 1, mixxx-data 1, qtmultimedia5-doc-html 1,
#   (kind "flat")         kodi-data 1, gthumb-data 1, grass-doc 1, evince-common 1, freedombox-doc-en 1,
#                         kturtle 1, xsane-common 1, dolphin 1 (7 dark, 7 light; 4 stored as JPEG)
#   smooth renders (5)    kodi-data 2, hydrogen-data 1, qtdeclarative5-doc-html 1, lmms-common 1
# About 180 MB of downloads (18 .deb files, a 1 MB PyPI zip, a 1.2 MB npm tarball). kmail, kturtle, dolphin
# and darktable are architecture-specific packages: the versions pinned are those of Debian 12 amd64 (the
# pictures are the same).
# Then: python benchmarks/dequantize.py --set heldout8
set -euo pipefail
# shellcheck source=benchmarks/_fetch_common.sh
source "$(dirname "$0")/_fetch_common.sh"  # TMP (the working folder, removed on exit); we are in it
heldout_set 8 "$@"  # MANIFEST and OUT (made)

if ! apt-get download debian-edu-doc-en=2.12.23~deb12u1 glances-doc=3.3.1.1+dfsg-1 kmail=4:22.12.3-1 \
    mixxx-data=2.3.3~dfsg-2 qtmultimedia5-doc-html=5.15.8-2 kodi-data=2:20.1+dfsg-1 gthumb-data=3:3.12.2-3 \
    grass-doc=8.2.1-1 evince-common=43.1-2+deb12u1 libjs-bootstrap5-doc=5.2.3+dfsg-8 kturtle=4:22.12.3-1 \
    xsane-common=0.999-12.1~deb12u1 dolphin=4:22.12.3-1 freedombox-doc-en=23.6.2+deb12u2 darktable=4.2.1-4 \
    hydrogen-data=1.2.0~beta1+dfsg-1 qtdeclarative5-doc-html=5.15.8+dfsg-3 lmms-common=1.2.2+dfsg1-6 \
    >/dev/null; then
  echo "error: a pinned Debian package could not be downloaded: run 'apt-get update' on Debian 12 (bookworm, amd64)" >&2
  echo "  with the main and security archives in its sources, or fetch the .deb files from snapshot.debian.org." >&2
  exit 1
fi
for deb in *.deb; do dpkg-deb -x "$deb" root; done

if ! python -m pip download -q --no-deps --no-binary=:all: piexif==1.1.3 -d pypi >/dev/null 2>&1; then
  echo "error: the PyPI source distribution piexif==1.1.3 could not be downloaded (pip download --no-deps)." >&2
  exit 1
fi
python -m zipfile -e pypi/piexif-1.1.3.zip root

mkdir -p npm
if ! (cd npm && npm pack --silent exif-js@2.3.0 >/dev/null 2>&1); then
  echo "error: the npm package exif-js@2.3.0 could not be downloaded (npm pack)." >&2
  exit 1
fi
tar xzf npm/exif-js-2.3.0.tgz -C root

copy_manifest "held-out set 8"
