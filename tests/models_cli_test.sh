#!/bin/sh
# Models found from anywhere (README.md "Models"), through the CLI, with no
# --model and $LAT_MODEL unset unless a check sets them:
# - encode uses the default model of models/MANIFEST;
# - a --model or $LAT_MODEL that cannot be read is an error naming it;
# - a file whose model is not installed: the error names its id, hash and
#   the paths tried; --model-dir and $LAT_MODEL_DIR then find it, and a file
#   of that name with other weights is refused as such;
# - an installed tree (meson install --destdir) finds its own models: the
#   installed lat, and a C program built against the installed liblat with
#   pkg-config (tests/model_client.c).
#
# usage: models_cli_test.sh LAT TESTVECTORS MODELS BUILD_ROOT MESON CFLAGS CC...
# (CFLAGS: the build's sanitizer flags, one word list; CC: the C compiler)
LAT=$1
TV=$2
MODELS=$3
BUILD=$4
MESON=$5
CFLAGS=$6
shift 6
TEST_TMP_PREFIX=lat-models-test
. "$(dirname "$0")/cli_common.sh"
unset LAT_MODEL LAT_MODEL_DIR
SMALL=$TV/kodim23-48.png
TINY=$TV/fuzz-corpus/tiny.latm   # id fuzz-tiny, installed nowhere
default=$(sed -n 's/^\([^# ][^ ]*\) .* default$/\1/p' "$MODELS/MANIFEST")

# err_has TEXT: stderr is one "lat ..." line holding TEXT.
err_has() {
    [ "$(wc -l <"$T/err")" = 1 ] && grep -q "^lat " "$T/err" && grep -qF -- "$1" "$T/err" ||
        fail "stderr lacks '$1': $(head -c 600 "$T/err")"
}

run "$LAT" encode "$SMALL" -o "$T/d.lat" -q 50
[ "$rc" = 0 ] || fail "encode with the default search: $(cat "$T/err")"
run "$LAT" info "$T/d.lat"
grep -q "model: *$default " "$T/out" || fail "default encode did not use $default: $(cat "$T/out")"

run "$LAT" encode "$SMALL" -o "$T/x.lat" --model "$T/no-such.latm"
[ "$rc" = 1 ] && err_has "$T/no-such.latm (given): No such file" || fail "--model missing: rc $rc"
run env LAT_MODEL="$T" "$LAT" encode "$SMALL" -o "$T/x.lat"
[ "$rc" = 1 ] && err_has "$T (from \$LAT_MODEL)" || fail "\$LAT_MODEL a folder: rc $rc"
[ ! -e "$T/x.lat" ] || fail "a failed encode left x.lat"

run "$LAT" encode "$SMALL" -o "$T/tiny.lat" -q 50 --model "$TINY"
hash=$("$LAT" info "$T/tiny.lat" |
    sed -n 's/^model: *fuzz-tiny (weights hash \([0-9a-f]*\)).*/\1/p')
[ -n "$hash" ] || fail "lat info names no fuzz-tiny model hash"
run "$LAT" decode "$T/tiny.lat" -o "$T/x.png"
[ "$rc" = 1 ] || fail "decode without the model: rc $rc"
err_has "fuzz-tiny (hash $hash) is not installed: searched"
err_has "$MODELS/fuzz-tiny.latm"
run "$LAT" info "$T/tiny.lat"
grep -q "^model file: none: .*fuzz-tiny.latm" "$T/out" || fail "lat info: $(cat "$T/out" "$T/err")"
mkdir "$T/models"
cp "$TINY" "$T/models/fuzz-tiny.latm"
run "$LAT" info "$T/tiny.lat" --model-dir "$T/models"
grep -q "^model file: $T/models/fuzz-tiny.latm$" "$T/out" ||
    fail "lat info --model-dir: $(cat "$T/out")"
run "$LAT" decode "$T/tiny.lat" -o "$T/x.png" --model-dir "$T/models"
[ "$rc" = 0 ] || fail "--model-dir: $(cat "$T/err")"
run env LAT_MODEL_DIR="$T/models" "$LAT" decode "$T/tiny.lat" -o "$T/x.png"
[ "$rc" = 0 ] || fail "\$LAT_MODEL_DIR: $(cat "$T/err")"
cp "$MODELS/$default.latm" "$T/models/fuzz-tiny.latm"
run "$LAT" decode "$T/tiny.lat" -o "$T/x.png" --model-dir "$T/models"
[ "$rc" = 1 ] && err_has "$T/models/fuzz-tiny.latm has another hash" || fail "wrong weights: rc $rc"

# --- an installed tree ---------------------------------------------------------
run "$MESON" install -C "$BUILD" --destdir "$T/dest" --no-rebuild --quiet
[ "$rc" = 0 ] || { fail "meson install: $(tail -c 600 "$T/err")"; exit 1; }
bin=$(find "$T/dest" -type f -name lat -path '*/bin/*' | head -n 1)
share=$(dirname "$(dirname "$bin")")/share/lat/models
[ -f "$share/$default.latm" ] || fail "$default.latm is not installed in $share"
run "$bin" encode "$SMALL" -o "$T/i.lat" -q 50
[ "$rc" = 0 ] || fail "installed lat, default model: $(cat "$T/err")"
cp "$TINY" "$share/fuzz-tiny.latm"   # only the installed tree has it
run "$bin" decode "$T/tiny.lat" -o "$T/x.png"
[ "$rc" = 0 ] || fail "installed lat does not search its share/lat/models: $(cat "$T/err")"
pc=$(find "$T/dest" -name lat.pc | head -n 1)
if command -v pkg-config >/dev/null && [ -n "$pc" ]; then
    flags=$(PKG_CONFIG_PATH=$(dirname "$pc") PKG_CONFIG_SYSROOT_DIR=$T/dest \
        pkg-config --cflags --libs lat)
    # shellcheck disable=SC2086 # the flags are words
    run "$@" $CFLAGS "$(dirname "$0")/model_client.c" -o "$(dirname "$bin")/model_client" $flags
    [ "$rc" = 0 ] || fail "building against the installed liblat: $(head -c 600 "$T/err")"
    libdir=$(dirname "$(find "$T/dest" -name 'liblat.so*' | head -n 1)")
    run env LD_LIBRARY_PATH="$libdir" "$(dirname "$bin")/model_client" "$T/tiny.lat"
    [ "$rc" = 0 ] && grep -q "^$default " "$T/out" ||
        fail "program linked against the installed liblat: $(cat "$T/out" "$T/err")"
else
    echo "pkg-config or lat.pc missing: the library client is not checked"
fi
[ "$failures" = 0 ] || { echo "$failures of $checks checks failed"; exit 1; }
echo "$checks checks passed"
