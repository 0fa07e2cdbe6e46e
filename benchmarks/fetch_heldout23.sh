#!/usr/bin/env bash
# Fetch the twenty-third dequantization held-out set into DIR/dequantize23 (DIR defaults to $MALIANG_HELDOUT_PHOTOS,
# else ~/.cache/maliang-heldout) from pinned Debian packages, without installing anything, then check every file
# against the sha256 in benchmarks/dequantize_heldout23.txt.
# Fixed on 2026-12-07 before it was ever scored, with set 22, as a further blind judge of dequantization with smooth
# renders and dark scientific images weighed more than in earlier sets, with no picture that is already quantized
# (at least 64 distinct colours, no palette-mode file, colours not all on the RGB565 levels or on a 3- to 6-bit
# grid); chosen by content only, from thumbnails; 6 of the packages no earlier set used, 7 set 22 used first, 5
# earlier sets (the files taken here were used nowhere, set 22's included):
#   photographs (5)       stellarium-data 1 (foliage), mayavi2 1 (a masonry wall), supertux-data 1 (a small framed
#                         portrait), python-silx-doc 1 (a road in a SIFT figure), python-scipy-doc 1 (a raccoon)
#   UI screenshots (6)    python-silx-doc 2, python-pyfai-doc 1, mricron-doc 1 (brain slices on black),
#   (kind "flat")         sagemath-doc 2 (Jupyter notebook pages)
#   flat graphics (4)     python-astroplan-doc 1, python-sklearn-doc 1, python-mdanalysis-doc 1, python-nipype-doc 1
#   smooth renders (12)   10 dim on a black or dark surround: mayavi2 2 (line ribbons, an orbital), mricron-doc 2
#                         (a brain render, lesion slices), python-vispy-doc 1 (a Mandelbrot), python-skimage-doc 1
#                         (an elevation render), python-statsmodels-doc 1 (an H-R diagram), stellarium-data 2 (the
#                         nebula NGC 281, the solar corona), python-astropy-doc 1 (an RGB deep-sky composite);
#                         then fractalnow 1 (its icon) and python-ase-doc 1 (a shaded O2-on-Pt render)
# About 810 MB of downloads (18 .deb files, of which stellarium-data 246 MB, supertux-data 162 MB, sagemath-doc
# 75 MB, python-pyfai-doc 73 MB, python-sklearn-doc 50 MB and python-skimage-doc 46 MB).
# fractalnow and mayavi2 are architecture-specific packages: the versions pinned are those of Debian 12 amd64 (the
# pictures are the same).
# Then: python benchmarks/dequantize.py --set heldout23 (once dequantize.py's MANIFEST_SETS includes 23)
set -euo pipefail
# shellcheck source=benchmarks/_fetch_common.sh
source "$(dirname "$0")/_fetch_common.sh"  # TMP (the working folder, removed on exit); we are in it
heldout_set 23 "$@"  # MANIFEST and OUT (made)

debs_to_root stellarium-data=0.22.2-1 supertux-data=0.6.3-2 mayavi2=4.8.0-2 python-silx-doc=1.1.0+dfsg-5 \
    python-scipy-doc=1.10.1-2 python-pyfai-doc=0.21.3+dfsg1-4 mricron-doc=1.2.20211006+dfsg-4 \
    sagemath-doc=9.5-6 python-astroplan-doc=0.7-4 python-sklearn-doc=1.2.1+dfsg-1 \
    python-mdanalysis-doc=2.4.2+dfsg1-1 python-nipype-doc=1.8.5-3 python-vispy-doc=0.6.6-3 \
    python-skimage-doc=0.19.3-8 python-statsmodels-doc=0.13.5+dfsg-7 python-astropy-doc=5.2.1-2+deb12u1 \
    fractalnow=0.8.2-5 python-ase-doc=3.22.1-3+deb12u1

copy_manifest "held-out set 23"
