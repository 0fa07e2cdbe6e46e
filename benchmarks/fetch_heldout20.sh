#!/usr/bin/env bash
# Fetch the twentieth dequantization held-out set into DIR/dequantize20 (DIR defaults to $MALIANG_HELDOUT_PHOTOS,
# else ~/.cache/maliang-heldout) from pinned Debian packages, without installing anything, then check every file
# against the sha256 in benchmarks/dequantize_heldout20.txt.
# Fixed on 2026-12-07 before it was ever scored, as a further blind judge of dequantization with UI screenshots and
# flat graphics weighed heavily, with no picture that is already quantized (at least 64 distinct colours, no
# palette-mode file, colours not all on the RGB565 levels or on a 3- to 6-bit grid); chosen by content only, from
# thumbnails, from Debian packages that no other benchmark or doc of this project used (kmouth, kdf, kollision,
# kjumpingcube, kget, iagno, five-or-more, qtnetworkauth5-doc-html and inkscape-tutorials were named in the docs
# only as unused leads or spares; the files taken here were used nowhere):
#   photographs (1)       inkscape-tutorials 1 (a photograph of a painting; scene photographs are exhausted among
#                         unused sources)
#   UI screenshots (15)   deepin-image-viewer 1, kblocks 1 (these 2 dark); deepin-image-viewer 2, kget 1, kmouth 1,
#   (kind "flat")         kdf 1, kjumpingcube 1, kollision 1, knotes 1, qtnetworkauth5-doc-html 1, veusz 1,
#                         python-dask-doc 1, five-or-more 1, iagno 1 (light, or a game board on green)
#   flat graphics (7)     python-biopython-doc 2 (a pathway map, a plasmid map), python-skbio-doc 1 (a heat map),
#                         python-lmfit-doc 1 (an image plot), python-pyqtgraph-doc 1 (a dark plot), python-dipy-doc 1
#                         (a diagram), scilab-doc 1 (an illustration)
#   smooth renders (4)    kblocks 1, python-dipy-doc 2, maxima-doc 1
# About 84 MB of downloads (21 .deb files, of which python-biopython-doc 16 MB, deepin-image-viewer 12 MB,
# maxima-doc 10 MB, python-dask-doc 9 MB and scilab-doc 9 MB).
# deepin-image-viewer, five-or-more, iagno, kblocks, kdf, kget, kjumpingcube, kmouth, knotes and kollision are
# architecture-specific packages: the versions pinned are those of Debian 12 amd64 (the pictures are the same).
# Then: python benchmarks/dequantize.py --set heldout20 (once dequantize.py's MANIFEST_SETS includes 20)
set -euo pipefail
# shellcheck source=benchmarks/_fetch_common.sh
source "$(dirname "$0")/_fetch_common.sh"  # TMP (the working folder, removed on exit); we are in it
heldout_set 20 "$@"  # MANIFEST and OUT (made)

debs_to_root deepin-image-viewer=5.8.2-1+b5 kblocks=4:22.12.3-1 kget=4:22.12.3-1 kmouth=4:22.12.3-1 \
    kdf=4:22.12.3-1 kjumpingcube=4:22.12.3-1 kollision=4:22.12.3-1 knotes=4:22.12.3-1 \
    qtnetworkauth5-doc-html=5.15.8-2 veusz=3.6.2-1 python-dask-doc=2022.12.1+dfsg-2 five-or-more=1:3.32.3-1 \
    iagno=1:3.38.1-2 python-biopython-doc=1.80+dfsg-4 python-skbio-doc=0.5.8-4 python-lmfit-doc=1.1.0-1 \
    python-pyqtgraph-doc=0.13.1-4 python-dipy-doc=1.6.0-1 scilab-doc=6.1.1+dfsg2-6 maxima-doc=5.46.0-11 \
    inkscape-tutorials=1.2.2-2+deb12u1

copy_manifest "held-out set 20"
