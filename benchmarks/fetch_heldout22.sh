#!/usr/bin/env bash
# Fetch the twenty-second dequantization held-out set into DIR/dequantize22 (DIR defaults to $MALIANG_HELDOUT_PHOTOS,
# else ~/.cache/maliang-heldout) from pinned Debian packages, without installing anything, then check every file
# against the sha256 in benchmarks/dequantize_heldout22.txt.
# Fixed on 2026-12-07 before it was ever scored, as a further blind judge of dequantization with smooth renders and
# dark scientific images weighed more than in earlier sets, with no picture that is already quantized (at least 64
# distinct colours, no palette-mode file, colours not all on the RGB565 levels or on a 3- to 6-bit grid); chosen by
# content only, from thumbnails; 13 of the packages no other benchmark or test of this project used, the other 6
# (python-skimage-doc, mayavi2, python-dipy-doc, python-vispy-doc, python-mpmath-doc, python-silx-doc) gave earlier
# sets other files (the files taken here were used nowhere):
#   photographs (4)       stellarium-data 1 (a birch tree cut-out), supertux-data 1 (a small framed portrait),
#                         python-sklearn-doc 1 (the Summer Palace in a figure), python-skimage-doc 1 (a micrograph)
#   UI screenshots (5)    python-silx-doc 2, python-pyfai-doc 1 (a dark blue diffraction image), amide 1,
#   (kind "flat")         python-pyregion-doc 1 (SAOImage DS9 with a grey sky image)
#   flat graphics (6)     gwyddion-common 1 (the splash), python-ase-doc 2, python-nitime-doc 1,
#                         python-statsmodels-doc 1, python-astroquery-doc 1
#   smooth renders (12)   7 dim on a black surround: mayavi2 1 (a volume render), mricron-doc 1 (MRI slices),
#                         python-dipy-doc 1 (a colour FA map), python-vispy-doc 1 (a galaxy), stellarium-data 2
#                         (astronomical photographs: M61, NGC 1333), python-pyfai-doc 1 (diffraction rings);
#                         then mayavi2 1 (a protein in a blue fog), mricron-doc 1 (brain renders on dark blue),
#                         python-mpmath-doc 1 (domain colouring), invesalius 1 (a skull render), supertux-data 1
# About 724 MB of downloads (19 .deb files, of which stellarium-data 246 MB, supertux-data 162 MB, python-pyfai-doc
# 73 MB, python-sklearn-doc 50 MB, python-skimage-doc 46 MB and invesalius 44 MB).
# amide and mayavi2 are architecture-specific packages: the versions pinned are those of Debian 12 amd64 (the
# pictures are the same).
# Then: python benchmarks/dequantize.py --set heldout22 (once dequantize.py's MANIFEST_SETS includes 22)
set -euo pipefail
# shellcheck source=benchmarks/_fetch_common.sh
source "$(dirname "$0")/_fetch_common.sh"  # TMP (the working folder, removed on exit); we are in it
heldout_set 22 "$@"  # MANIFEST and OUT (made)

debs_to_root stellarium-data=0.22.2-1 supertux-data=0.6.3-2 python-sklearn-doc=1.2.1+dfsg-1 \
    python-skimage-doc=0.19.3-8 python-silx-doc=1.1.0+dfsg-5 python-pyfai-doc=0.21.3+dfsg1-4 amide=1.0.6-1 \
    python-pyregion-doc=2.1.1-2 gwyddion-common=2.62-1 python-ase-doc=3.22.1-3+deb12u1 python-nitime-doc=0.9-5 \
    python-statsmodels-doc=0.13.5+dfsg-7 python-astroquery-doc=0.4.6+dfsg-4 mayavi2=4.8.0-2 \
    mricron-doc=1.2.20211006+dfsg-4 python-dipy-doc=1.6.0-1 python-vispy-doc=0.6.6-3 python-mpmath-doc=1.2.1-2 \
    invesalius=3.1.99998-4

copy_manifest "held-out set 22"
