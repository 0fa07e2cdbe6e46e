#!/usr/bin/env bash
# Fetch low-light held-out set 8 into DIR/lowlight8/<source>/<file> (DIR default ~/.cache/maliang-heldout), from
# nine npm packages, without installing anything, then check every file against the sha256 in
# benchmarks/lowlight_heldout8.txt.
# 48 photographs from 9 packages that no other benchmark or doc of this project uses:
#   paper-kit-react (npm)                  12  Venice and Burano canals (one at dusk), the Louvre at night, a castle
#                                              and a bridge at sunset, a lake under mountains, mountains at night,
#                                              four portraits
#   shards-ui (npm)                         8  a desk from above, a laptop on a desk, a surfer in a wave, boats, a
#                                              woman laughing, three men's portraits (400 px)
#   now-ui-kit-react (npm)                  7  mountains (a valley, a peak, a ridge at night), four portraits (one
#                                              black and white)
#   spectre.css (npm)                       6  the docs' macOS wallpapers (Sierra, El Capitan, Yosemite; 900 x 506)
#   material-dashboard-react (npm)          5  a snowy slope, the sidebar photos (a wood, a city canal at sunset, a
#                                              black-and-white tree, mountains)
#   argon-design-system-react (npm)         4  a rainy neon street at night, light trails at night, two portraits
#   skrollr (npm)                           3  the examples' kittens (1920 x 1080)
#   light-bootstrap-dashboard-react (npm)   2  a plant on a desk, feet over a city from a roof (5760 x 3840)
#   gatsby-starter-blog (npm)               1  the profile photo (a man in the sun)
# Every file is named below (never "whatever is there"); the packages are pinned to the versions whose files
# benchmarks/lowlight_heldout8.txt lists with their sha256. Fixed on 2026-12-05 before any was scored; never tune
# on it. About 60 MB of npm tarballs.
# Then: python benchmarks/lowlight_heldout.py --set 8 [DIR]
set -euo pipefail
DIR=${1:-$HOME/.cache/maliang-heldout}
OUT="$DIR/lowlight8"
MANIFEST=$(cd "$(dirname "$0")" && pwd)/lowlight_heldout8.txt
# shellcheck source=benchmarks/_fetch_common.sh
source "$(dirname "$0")/_fetch_common.sh"  # TMP (the working folder), take(), deb(), sdist(), npm_pack()...

npm_pack paper-kit-react@1.3.0 package/src/assets/img \
  uriel-soberanes.jpg antoine-barres.jpg fabio-mangione.jpg login-image.jpg bruno-abatti.jpg soroush-karimi.jpg \
  federico-beccari.jpg daniel-olahh.jpg faces/clem-onojeghuo-2.jpg faces/erik-lucatero-2.jpg faces/kaci-baum-2.jpg \
  faces/clem-onojeghuo-3.jpg
npm_pack shards-ui@3.0.0 package/dist/images \
  agency-landing/welcome-cover.jpg app-promo/features-background.jpg common/avatar-1.jpeg common/avatar-2.jpeg \
  common/avatar-3.jpeg common/card-1.jpg common/card-2.jpg common/card-3.jpg
npm_pack now-ui-kit-react@1.5.0 package/src/assets/img bg3.jpg bg4.jpg bg8.jpg julie.jpg eva.jpg avatar.jpg ryan.jpg
npm_pack spectre.css@0.5.9 package/docs/img \
  macos-sierra.jpg macos-sierra-2.jpg osx-el-capitan.jpg osx-el-capitan-2.jpg osx-yosemite.jpg osx-yosemite-2.jpg
npm_pack material-dashboard-react@1.10.0 package/src/assets/img \
  cover.jpeg sidebar-1.jpg sidebar-2.jpg sidebar-3.jpg sidebar-4.jpg
npm_pack argon-design-system-react@1.1.0 package/src/assets/img/theme \
  img-1-1200x1000.jpg img-2-1200x1000.jpg team-3-800x800.jpg team-4-800x800.jpg
npm_pack skrollr@0.6.26 package/examples/images kitteh1.jpg kitteh2.jpg kitteh3.jpg
npm_pack light-bootstrap-dashboard-react@2.0.0 package/src/assets/img sidebar-4.jpg photo-1431578500526-4d9613015464.jpeg
npm_pack gatsby-starter-blog@1.0.1 package/src/components profile-pic.jpg
check_manifest "$MANIFEST"
echo "low-light held-out set 8 in $OUT"
