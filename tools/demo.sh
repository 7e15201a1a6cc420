#!/bin/sh
# The main job of the README: compress and decompress a photo with lat and
# print file sizes and quality next to the classical references.
#
# usage: tools/demo.sh [lossless | lossy [QUALITY]]
#        (default: lossy at quality 75, then lossless)
# environment: LAT    the lat binary (default: build/tools/lat)
#              IMAGE  the photo (default: testvectors/kodim23-crop512.png)
#              OUT    where the results go (default: build/demo)
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
if [ $# -eq 0 ]; then
    "$0" lossy 75
    echo
    exec "$0" lossless
fi
MODE=$1
QUALITY=${2:-75}
LAT=${LAT:-$ROOT/build/tools/lat}
IMAGE=${IMAGE:-$ROOT/testvectors/kodim23-crop512.png}
OUT=${OUT:-$ROOT/build/demo}

case "$MODE" in
lossless) MODE_ARGS="--lossless" ;;
lossy) MODE_ARGS="-q $QUALITY" ;;
*)
    echo "usage: tools/demo.sh [lossless | lossy [QUALITY]]" >&2
    exit 2
    ;;
esac
if [ ! -x "$LAT" ]; then
    echo "demo: $LAT not found; build first (meson setup build && ninja -C build)" >&2
    exit 1
fi
mkdir -p "$OUT"
NAME=$(basename "$IMAGE" .png)
LATFILE=$OUT/$NAME.lat
DECODED=$OUT/$NAME.decoded.png

run() {
    echo "\$ lat $*" | sed "s|$ROOT/||g"
    "$LAT" "$@"
}

echo "== lat demo ($MODE) on $(basename "$IMAGE")"
run encode "$IMAGE" -o "$LATFILE" $MODE_ARGS -v 2>&1 | sed "s|$ROOT/||g"
run decode "$LATFILE" -o "$DECODED" -v 2>&1 | sed "s|$ROOT/||g"
run info "$LATFILE" | sed "s|$ROOT/||g" | grep -v "^  residual-g" || true
echo
echo "== quality of the decoded image"
run compare "$IMAGE" "$DECODED"
if [ "$MODE" = lossless ]; then
    "$LAT" compare --exact "$IMAGE" "$DECODED" >/dev/null
    echo "bit-exact: yes"
fi
echo
echo "== references on the same image"
SIZE=$(wc -c <"$LATFILE" | tr -d ' ')
if [ "$MODE" = lossless ]; then
    run compare "$IMAGE" --png
else
    run compare "$IMAGE" --jpeg-bytes "$SIZE" --jpeg "$QUALITY"
fi
PIXELS=$("$LAT" info --json "$LATFILE" | awk -F'[:,]' '/"width"|"height"|"channels"/ {gsub(/ /, "", $2); v[$1] = $2} END {print v["  \"width\""] * v["  \"height\""], v["  \"channels\""]}')
set -- $PIXELS
awk -v size="$SIZE" -v px="$1" -v ch="$2" 'BEGIN {
    printf "\nlat %s: %d bytes, %.4f bpp, %.4f bits per sub-pixel\n", "'"$MODE"'", size, size * 8 / px, size * 8 / (px * ch) }'
echo "results in ${OUT#$ROOT/}/"
