#!/usr/bin/env bash
# Fetch the twenty-ninth dequantization held-out set into DIR/dequantize29 (DIR defaults to $MALIANG_HELDOUT_PHOTOS,
# else ~/.cache/maliang-heldout) from pinned Debian packages, without installing anything, then check every file
# against the sha256 in benchmarks/dequantize_heldout29.txt.
# Fixed on 2026-12-07 before it was ever scored, after set 28, as a further blind judge of dequantization with
# screenshots and charts and dark renders, with no picture that is already quantized (at least 64 distinct colours,
# no palette-mode file, colours not all on the RGB565 levels or on a 3- to 6-bit grid); chosen by content only, from
# thumbnails. It was first built with 25 pictures; 10 of them (9 photographs from plasma-workspace-wallpapers,
# lomiri-wallpapers-16.04 and mate-backgrounds, and UKUI's rhythm) came from files that the dequantization held-out
# sets 1 and 2 and the lowlight held-out set 3 had already used (benchmarks/fetch_heldout_photos.sh), so they were
# removed before any scoring; no unused photograph source was found in time, so the set has NO photograph:
#   UI screenshots (3)    skrooge-common 1 (a report window), calligraplan 2 (a performance chart window, the
#   (kind "flat")         critical-path table)
#   flat graphics (3)     skrooge-common 2 (a line chart, pie charts), gpredict 1 (the Gpredict logo on transparent)
#   smooth renders (10)   5 dim on a black or dark surround: starfighter-data 3 (the galaxies Arp 87 on black, a
#                         faint nebula on black, a dim star field), ukui-wallpapers 2 (a glowing mouse on dark navy, a
#                         dark teal "20.04" wallpaper); then pymol-data 2 (the splash of white spheres, the CMYK
#                         hue-stripe picture), chromium-bsu-data 2 (a violet glow ring, an alien craft sprite) and
#                         synfigstudio 1 (Synfig Studio's installer logo: a glossy blue arch on a soft blue gradient)
# About 97 MB of downloads (8 .deb files: starfighter-data 46 MB, ukui-wallpapers 21 MB, skrooge-common 11 MB,
# gpredict 6 MB, calligraplan 5 MB, synfigstudio 5 MB, pymol-data 1.4 MB, chromium-bsu-data 1.2 MB).
# gpredict, calligraplan and synfigstudio are architecture-specific packages: the versions pinned are those of
# Debian 12 amd64 (the pictures are the same).
# Then: python benchmarks/dequantize.py --set heldout29 (once dequantize.py's MANIFEST_SETS includes 29)
set -euo pipefail
# shellcheck source=benchmarks/_fetch_common.sh
source "$(dirname "$0")/_fetch_common.sh"  # TMP (the working folder, removed on exit); we are in it
heldout_set 29 "$@"  # MANIFEST and OUT (made)

debs_to_root skrooge-common=2.29.0-1 calligraplan=1:3.3.0-2 gpredict=2.3-72-gc596101-3 starfighter-data=2.4-1 \
    ukui-wallpapers=20.04.3-1.1 pymol-data=2.5.0+dfsg-1 chromium-bsu-data=0.9.16.1-3 synfigstudio=1.5.1-1

copy_manifest "held-out set 29"
