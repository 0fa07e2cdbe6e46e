#!/usr/bin/env bash
# Fetch the twenty-eighth dequantization held-out set into DIR/dequantize28 (DIR defaults to $MALIANG_HELDOUT_PHOTOS,
# else ~/.cache/maliang-heldout) from pinned Debian packages, without installing anything, then check every file
# against the sha256 in benchmarks/dequantize_heldout28.txt.
# Fixed on 2026-12-07 before it was ever scored, after set 27, as a further blind judge of dequantization with
# colour photographs of real scenes again and dark renders, with no picture that is already quantized (at least 64
# distinct colours, no palette-mode file, colours not all on the RGB565 levels or on a 3- to 6-bit grid); chosen by
# content only, from thumbnails; all 8 packages gave earlier sets other files (the files taken here were used
# nowhere):
#   photographs (8)       gimp-help-en 3 (GIMP manual photographs: an orange rose, a ground squirrel, a green river
#                         valley), freedombox-doc-en 3 (boards on white: a Raspberry Pi 3, a Cubieboard2, a
#                         BeagleBone), hugin-data 2 (close-up crops: dry grass with red fringes, leaves against the sky)
#   UI screenshots (3)    hugin-data 1 (the fast preview window), kstars-data 1 (the FITS viewer with the Veil
#   (kind "flat")         nebula), mayavi2 1 (a Mayavi2 window with streamlines)
#   flat graphics (2)     python-vispy-doc 2 (a texture atlas of coloured rectangles, "Hello World !" on black)
#   smooth renders (10)   5 dim on a black or dark surround: kstars-data 2 (two suns on black, a wizard star field),
#                         povray-doc 1 (Mandelbrot and Julia exponents), openuniverse-common 2 (the galaxy M31, the
#                         splash with a sun, a probe and a ringed planet); then povray-doc 2 (the camera-sample scene,
#                         a sphere under a cloudy red sky), mayavi2 2 (a flight-graph globe, a rainbow surf surface)
#                         and python-vispy-doc 1 (a cloud of pastel circles)
# About 229 MB of downloads (8 .deb files, of which kstars-data 79 MB, gimp-help-en 50 MB, freedombox-doc-en 44 MB
# and mayavi2 21 MB).
# mayavi2 is an architecture-specific package: the version pinned is that of Debian 12 amd64 (the pictures are the
# same).
# Then: python benchmarks/dequantize.py --set heldout28 (once dequantize.py's MANIFEST_SETS includes 28)
set -euo pipefail
# shellcheck source=benchmarks/_fetch_common.sh
source "$(dirname "$0")/_fetch_common.sh"  # TMP (the working folder, removed on exit); we are in it
heldout_set 28 "$@"  # MANIFEST and OUT (made)

debs_to_root hugin-data=2022.0.0+dfsg-2 gimp-help-en=2.10.34-2 freedombox-doc-en=23.6.2+deb12u2 \
    kstars-data=5:3.6.2-2 mayavi2=4.8.0-2 python-vispy-doc=0.6.6-3 povray-doc=1:3.7.0.10-2 \
    openuniverse-common=1.0beta3.1+dfsg-7.1

copy_manifest "held-out set 28"
