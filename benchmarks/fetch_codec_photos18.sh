#!/usr/bin/env bash
# Fetch the eighteenth codec photo held-out set, "codec photos 18", into DIR/codec-photos18/<source>/<file>
# (DIR default ~/.cache/maliang-heldout), from one npm package, three PyPI wheels and one PyPI sdist, installing
# nothing.
# Fixed on 2026-12-06 before any code ran on it; never tune on it.
# 12 photographs from 5 packages that no other benchmark, doc or test of this project names:
#   django-photofolio-ds (PyPI wheel)        5  the grassy Seceda ridge in the Dolomites rising to its sharp edge,
#                                                jagged peaks behind under a blue sky with clouds (gallery-5.jpg),
#                                                Kuala Lumpur at night, the lit Petronas Towers among the city's
#                                                high-rises (gallery-7.jpg), a young woman on a street holding a film
#                                                camera to her eye (gallery-9.jpg), a monarch butterfly on orange
#                                                marigolds against a green background (gallery-11.jpg), a forest
#                                                stream falling over mossy rocks among autumn trees (gallery-13.jpg,
#                                                gray); 1920x1440, the photo gallery of a port of a BootstrapMade
#                                                "PhotoFolio" template
#   @vendure/create (npm)                    4  a yellow tent pitched in a forest clearing, sun through the trees
#                                                (michael-guite-571169-unsplash.jpg, 1600x1067), a bright living room,
#                                                a gray sofa with teal cushions, a coffee table, lamps and curtained
#                                                windows (nathan-fertig-249917-unsplash.jpg, 1600x1067, gray), a pair
#                                                of red boxing gloves hanging on weathered gray planks
#                                                (neonbrand-428982-unsplash.jpg, 1600x1332), a bonsai tree in a pot on
#                                                a wooden stand (mark-tegethoff-667351-unsplash.jpg, 1600x1200, gray);
#                                                the shop scaffolder's sample product photos, the file names credit
#                                                Unsplash photographers
#   shuup (PyPI wheel)                       1  cosmetics on a white ground: lipsticks, nail polish bottles, powder
#                                                compacts and an eyeshadow palette (category01.jpg, 948x643; the shop's
#                                                sample data)
#   django-webuild-ds (PyPI wheel)           1  a city's lights at night out of focus, round bokeh discs over a dark
#                                                blue sky (hero-bg.jpg, 1920x1143); a port of a BootstrapMade template
#   plonetheme.business-casual (PyPI sdist)  1  a black mug on a wooden table before a red brick wall (bg.jpg,
#                                                1920x1080, gray); a Plone port of an older Start Bootstrap "Business
#                                                Casual" template
# Every file is named below; the packages are pinned to the versions whose files benchmarks/codec_photos18.txt
# lists with their sha256 (checked at the end). Chosen by content only (small thumbnails looked at; nothing
# computed on them but their sha256, size and mode, an R=G=B check and the thumbnail comparison below). New: their
# sha256 is in no manifest of an earlier held-out set and matches no file under ~/.cache/maliang-heldout here; their
# normalised 16x16 gray thumbnails are at least 0.63 from those of every picture fetched there (codec photo sets
# 1-17 and lowlight sets 5-9; the two nearer than 0.8 looked at side by side: other pictures).
# About 56 MB of downloads (wheels of 30.0, 7.4 and 2.2 MB, an sdist of 10.5 MB and an npm tarball of 5.6 MB;
# pip prepares the sdist's metadata, which needs setuptools from PyPI).
# Preparation (area reduction to 512 on the short side, centre crop, gray conversion of four of them) is done
# when loading, by benchmarks/codec_photos.py. Then: python benchmarks/codec_photos.py --set photos18 [DIR]
set -euo pipefail
DIR=${1:-$HOME/.cache/maliang-heldout}
OUT="$DIR/codec-photos18"
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=benchmarks/_fetch_common.sh
source "$HERE/_fetch_common.sh"  # TMP (the working folder), take(), whl(), sdist(), npm_pack(), check_manifest()

whl django-photofolio-ds==0.3.6 photofolio/static/photofolio/img/gallery \
  gallery-5.jpg gallery-7.jpg gallery-9.jpg gallery-11.jpg gallery-13.jpg
npm_pack @vendure/create@3.7.3 package/assets/images \
  michael-guite-571169-unsplash.jpg nathan-fertig-249917-unsplash.jpg neonbrand-428982-unsplash.jpg \
  mark-tegethoff-667351-unsplash.jpg
whl shuup==3.1.0 shuup/testing/modules/sample_data/images/default category01.jpg
whl django-webuild-ds==0.0.2 webuild/static/webuild/img hero-bg.jpg
sdist plonetheme.business-casual==1.1 \
  plonetheme.business_casual-1.1/src/plonetheme/business_casual/theme/images bg.jpg

# every file against the manifest
check_manifest "$HERE/codec_photos18.txt"
echo "codec photo held-out set 18 in $OUT"
