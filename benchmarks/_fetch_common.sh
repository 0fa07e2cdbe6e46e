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
