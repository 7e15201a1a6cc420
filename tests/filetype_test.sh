#!/bin/sh
# File type definitions (tools/filetype/): `file -m lat.magic` names .lat and
# .latm files with their fields and MIME type, and nothing else; the
# shared-mime-info package is valid for update-mime-database; `meson install`
# installs both. Skipped (77) without `file`.
#
# usage: filetype_test.sh LAT_BINARY TESTVECTORS_DIR MODEL FILETYPE_DIR BUILD_DIR
LAT=$1
TV=$2
MODEL=$3
FT=$4
BUILD=$5
if [ ! -x "$LAT" ] || [ ! -d "$TV" ] || [ ! -f "$MODEL" ] || [ ! -f "$FT/lat.magic" ]; then
    echo "usage: filetype_test.sh LAT_BINARY TESTVECTORS_DIR MODEL FILETYPE_DIR BUILD_DIR" >&2
    exit 2
fi
command -v file >/dev/null || { echo "file(1) not installed: skipped"; exit 77; }
TEST_TMP_PREFIX=lat-filetype
. "$(dirname "$0")/cli_common.sh"
MAGIC=$FT/lat.magic

"$LAT" encode "$TV/kodim23-48.png" -o "$T/lossless.lat" --lossless || fail "lossless encode"
"$LAT" encode "$TV/kodim23-crop512.png" -o "$T/lossy.lat" -q 60 --model "$MODEL" ||
    fail "lossy encode"
run file -b -m "$MAGIC" "$T/lossless.lat"
grep -qx "lat image data, format version 1, lossless, 48x48, RGB, 8-bit" "$T/out" ||
    fail "file on a lossless .lat: $(cat "$T/out") $(cat "$T/err")"
run file -b -m "$MAGIC" "$T/lossy.lat"
grep -q "^lat image data, format version 1, lossy, 512x512, RGB, 8-bit, quality 60, model " \
    "$T/out" || fail "file on a lossy .lat: $(cat "$T/out") $(cat "$T/err")"
run file -b --mime-type -m "$MAGIC" "$T/lossy.lat"
grep -qx "image/x-lat" "$T/out" || fail "MIME type of a .lat: $(cat "$T/out")"
run file -b -m "$MAGIC" "$MODEL"
grep -q "^lat model data, version 1, id " "$T/out" || fail "file on a model: $(cat "$T/out")"
# Another file is not taken for a .lat (a PNG starts with 0x89 too).
run file -b -m "$MAGIC" "$TV/kodim23-48.png"
grep -q "lat" "$T/out" && fail "file takes a PNG for a lat file: $(cat "$T/out")"

# The MIME package builds into a database that knows the type and its glob.
if command -v update-mime-database >/dev/null; then
    mkdir -p "$T/mime/packages"
    cp "$FT/lat-mime.xml" "$T/mime/packages/lat.xml"
    run update-mime-database "$T/mime"
    [ "$rc" = 0 ] || fail "update-mime-database: $(cat "$T/err")"
    grep -q "image/x-lat:\*\.lat" "$T/mime/globs" 2>/dev/null ||
        fail "MIME database has no *.lat glob"
    grep -q "image/x-lat" "$T/mime/magic" 2>/dev/null || fail "MIME database has no lat magic"
fi
# Installed by meson install.
if command -v meson >/dev/null && [ -d "$BUILD/meson-info" ]; then
    meson introspect "$BUILD" --installed >"$T/installed" 2>/dev/null
    grep -q '/share/lat/lat.magic"' "$T/installed" || fail "lat.magic is not installed"
    grep -q '/share/mime/packages/lat.xml"' "$T/installed" || fail "lat.xml is not installed"
fi

echo "$checks checks, $failures failures"
[ "$failures" = 0 ]
