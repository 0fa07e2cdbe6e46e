#!/usr/bin/env bash
# Fetch the thirty-third dequantization held-out set into DIR/dequantize33 (DIR defaults to $MALIANG_HELDOUT_PHOTOS,
# else ~/.cache/maliang-heldout) from pinned Debian 12 (bookworm) packages only, without installing anything, then
# check every file against the sha256 in benchmarks/dequantize_heldout33.txt.
# Fixed on 2026-12-07 before it was ever scored, built beside held-out set 34 (another helper's, from PyPI and npm;
# no file of it is here), as a further blind judge of dequantization with colour photographs of real scenes from files
# no earlier set used, with no picture that is already quantized (at least 64 distinct colours, no palette-mode file,
# colours not all on the RGB565 levels, on a 3- to 6-bit grid or on the 6 levels 0, 51, ..., 255); chosen by content
# only, from thumbnails; the files taken here were used nowhere (13 of the packages gave no earlier set anything;
# libelementary-data, qtwebengine5-examples and endless-sky-data gave earlier sets other files):
#   photographs (13)      librust-tiff-dev 2 (Kodak images 2 and 7: a red door, shutters behind hibiscus),
#                         tuxpaint-stamps-default 3 (a tiger, a crowned crane, rambutan fruits; cut out on
#                         transparency), qtmultimedia5-examples 1 (autumn leaves), libelementary-data 2 (a river
#                         valley, a stone wall), qtwebengine5-examples 2 (pea soup, spaghetti), endless-sky-data 3 (a
#                         city at night, flats at dusk, mist over hills)
#   UI screenshots and    gnubg-data 2 (the main window, the Appearance dialog), qtsvg5-examples 3 (a spectrum
#   graphics (6, "flat")  analyser, a calculator, the Qt logo with its slogan), qtlocation5-examples 1 (a street map)
#   smooth renders (9)    qtconnectivity5-examples 1 (bokeh), eterm 1 (a dim grid), trackballs-data 2 (a glowing grid
#                         under haze, a level), libelementary-data 1 (faint stars on black), scorched3d-data 1 (an
#                         island), marsshooter-data 1 (a starfield), glob2-data 1 (the intro), pinball-data 1 (the
#                         splash)
# About 400 MB of downloads (16 .deb files, of which tuxpaint-stamps-default 157 MB, endless-sky-data 68 MB and
# marsshooter-data 67 MB).
# librust-tiff-dev, qtmultimedia5-examples, qtwebengine5-examples, qtsvg5-examples, qtlocation5-examples,
# qtconnectivity5-examples and eterm are architecture-specific packages: the versions pinned are those of Debian 12
# amd64 (the pictures are the same).
# Then: python benchmarks/dequantize.py --set heldout33 (once dequantize.py's MANIFEST_SETS includes 33)
set -euo pipefail
# shellcheck source=benchmarks/_fetch_common.sh
source "$(dirname "$0")/_fetch_common.sh"  # TMP (the working folder, removed on exit); we are in it
heldout_set 33 "$@"  # MANIFEST and OUT (made)

debs_to_root librust-tiff-dev=0.7.3-1 tuxpaint-stamps-default=2022.06.04-1 qtmultimedia5-examples=5.15.8-2 \
    libelementary-data=1.26.3-1 qtwebengine5-examples=5.15.13+dfsg-1~deb12u1 endless-sky-data=0.9.8-1.2 \
    gnubg-data=1.07.001-1 qtsvg5-examples=5.15.8-3 qtlocation5-examples=5.15.8+dfsg-3+deb12u1 \
    qtconnectivity5-examples=5.15.8-2 eterm=0.9.6-7 scorched3d-data=44+dfsg-8 marsshooter-data=0.7.6-7 \
    trackballs-data=1.3.4-1 glob2-data=0.9.4.4-6 pinball-data=0.3.20201218-4

copy_manifest "held-out set 33"
