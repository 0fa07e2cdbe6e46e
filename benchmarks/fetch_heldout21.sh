#!/usr/bin/env bash
# Fetch the twenty-first dequantization held-out set into DIR/dequantize21 (DIR defaults to $MALIANG_HELDOUT_PHOTOS,
# else ~/.cache/maliang-heldout) from pinned Debian packages, without installing anything, then check every file
# against the sha256 in benchmarks/dequantize_heldout21.txt.
# Fixed on 2026-12-07 before it was ever scored, as a further blind judge of dequantization with smooth renders
# weighed more than in earlier sets, with no picture that is already quantized (at least 64 distinct colours, no
# palette-mode file, colours not all on the RGB565 levels or on a 3- to 6-bit grid); chosen by content only, from
# thumbnails; 10 of the packages no other benchmark or doc of this project used, the other 8 (cheese-common,
# kblocks, python-dipy-doc, veusz, kmouth, kdf, ktimetracker, fltk1.3-doc) gave sets 19 and 20 other files or were
# named as spares (the files taken here were used nowhere):
#   photographs (1)       cheese-common 1 (webcam photographs of a toy under effects)
#   UI screenshots (9)    python-fabio-doc 1, python-silx-doc 3 (two dark 3-D views), fltk1.3-doc 1, veusz 1,
#   (kind "flat")         kmouth 1, kdf 1, ktimetracker 1
#   flat graphics (6)     python-dipy-doc 1, python-mdanalysis-doc 2, python-pydicom-doc 1, python-sympy-doc 1 (the
#                         logo), python-pymatgen-doc 1
#   smooth renders (8)    python-mpmath-doc 2 (domain colouring), python-sympy-doc 2 (3-D surfaces),
#                         python-nibabel-doc 1, kblocks 1, openscad 1, xaos 1 (icons rendered in 3-D, a fractal)
# About 70 MB of downloads (18 .deb files, of which python-sympy-doc 22 MB, python-silx-doc 15 MB and fltk1.3-doc
# 9 MB).
# kblocks, kdf, kmouth, ktimetracker, openscad and xaos are architecture-specific packages: the versions pinned are
# those of Debian 12 amd64 (the pictures are the same).
# Then: python benchmarks/dequantize.py --set heldout21 (once dequantize.py's MANIFEST_SETS includes 21)
set -euo pipefail
# shellcheck source=benchmarks/_fetch_common.sh
source "$(dirname "$0")/_fetch_common.sh"  # TMP (the working folder, removed on exit); we are in it
heldout_set 21 "$@"  # MANIFEST and OUT (made)

debs_to_root cheese-common=43.0-1 python-fabio-doc=0.14.0+dfsg-2 python-silx-doc=1.1.0+dfsg-5 \
    fltk1.3-doc=1.3.8-5 veusz=3.6.2-1 kmouth=4:22.12.3-1 kdf=4:22.12.3-1 ktimetracker=4:5.0.1-3 \
    python-dipy-doc=1.6.0-1 python-mdanalysis-doc=2.4.2+dfsg1-1 python-pydicom-doc=2.3.1-1 \
    python-sympy-doc=1.11.1-1 python-pymatgen-doc=2022.11.7+dfsg1-11+deb12u2 python-mpmath-doc=1.2.1-2 \
    python-nibabel-doc=5.0.0-2 kblocks=4:22.12.3-1 openscad=2021.01-6 xaos=4.2.1-2

copy_manifest "held-out set 21"
