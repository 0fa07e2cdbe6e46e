#!/usr/bin/env bash
# Fetch the second codec photo held-out set, "codec photos 2" (issue #17), into DIR/codec-photos2/<source>/<file>
# (DIR default ~/.cache/maliang-heldout), from one Debian package, one PyPI source distribution and one PyPI
# wheel, installing nothing. Fixed on 2026-12-04 before it was ever scored; never tune on it.
# 12 photographs from 3 packages that no other benchmark of this project uses:
#   forensics-samples-files (Debian)  5  phone photos: a city from above (railway, road, tower blocks), two
#                                        white dogs in a park, a Christmas table under framed pictures, a
#                                        circuit board close-up, a white dog lying on a floor
#   face_recognition (PyPI sdist)     3  its test photos: two portraits of Barack Obama, Joe Biden standing
#   vpython (PyPI wheel)              4  its texture photos: a cactus in bloom, pebbles, a woven rug, granite
# Every file is named below; the packages are pinned to the versions whose files benchmarks/codec_photos2.txt
# lists with their sha256 (checked at the end). Chosen by content only (looked at, nothing computed on them).
# Preparation (area reduction to 512 on the short side, centre crop, gray conversion of four colour photos)
# is done when loading, by benchmarks/codec_photos.py. Then: python benchmarks/codec_photos.py --set photos2 [DIR]
set -euo pipefail
DIR=${1:-$HOME/.cache/maliang-heldout}
OUT="$DIR/codec-photos2"
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=benchmarks/_fetch_common.sh
source "$HERE/_fetch_common.sh"  # TMP (the working folder) and take()

rm -rf w x && mkdir w x
if ! (cd w && apt-get download forensics-samples-files=1.1.4-5 >/dev/null 2>&1); then
  echo "error: Debian package forensics-samples-files=1.1.4-5 could not be downloaded (apt-get download)." >&2
  echo "  Run 'apt-get update' on Debian 12 (bookworm) with the main archive in its sources, or fetch the" >&2
  echo "  .deb from snapshot.debian.org." >&2
  exit 1
fi
dpkg-deb -x w/forensics-samples-files_1.1.4-5_all.deb x
take deb:forensics-samples-files=1.1.4-5 forensics-samples usr/share/forensics-samples/original-files \
  pic1/IMG_1054.JPG pic2/IMG_20200608_111614.jpg pic2/IMG_20191224_234846.jpg pic1/IMG_20200827_231612.jpg \
  pic2/IMG_20200124_231153.jpg

rm -rf w x && mkdir w x
if ! python -m pip download -q --no-deps --no-binary=:all: face_recognition==1.3.0 -d w >/dev/null 2>&1; then
  echo "error: the PyPI source distribution face_recognition==1.3.0 could not be downloaded (pip download)." >&2
  exit 1
fi
tar xzf w/face_recognition-1.3.0.tar.gz -C x
take pypi:face_recognition==1.3.0 face_recognition face_recognition-1.3.0/tests/test_images \
  obama.jpg obama2.jpg biden.jpg

# the vpython wheel is pinned by platform so that every Python gets the same file
rm -rf w x && mkdir w x
if ! python -m pip download -q --no-deps --only-binary=:all: --platform manylinux2014_x86_64 --python-version 3.11 \
    --implementation cp --abi cp311 vpython==7.6.5 -d w >/dev/null 2>&1; then
  echo "error: the PyPI wheel vpython==7.6.5 (cp311, manylinux2014_x86_64) could not be downloaded (pip download)." >&2
  exit 1
fi
python -m zipfile -e w/vpython-7.6.5-*.whl x
take pypi:vpython==7.6.5 vpython vpython/vpython_data \
  flower_texture.jpg stones_texture.jpg rug_texture.jpg granite_texture.jpg

# every file against the manifest
cd "$OUT"
grep -v '^#' "$HERE/codec_photos2.txt" | awk 'NF {print $2 "  " $1}' | sha256sum -c --quiet
echo "all $(grep -vc '^#' "$HERE/codec_photos2.txt") files match benchmarks/codec_photos2.txt"
