#!/bin/sh
# What a new user hits first (issue 19), through the CLI: each section names
# the item it checks. 16-bit input to lossy mode (1), a JPEG given to decode
# (2), --max-pixels on PNG (3), RGB into a .pgm (4), lat info on a corrupted
# stream (5), help on stdout and -q meaning quality everywhere (6), the
# PNG colour chunks and XMP kept (9), the
# zlib level of decoded PNGs and their size (8), a sign of life in long
# runs (12), batch
# encode/decode into a folder (13), --json from encode and decode (14).
#
# usage: first_use_cli_test.sh LAT_BINARY TESTVECTORS_DIR MODEL
LAT=$1
TV=$2
MODEL=$3
if [ ! -x "$LAT" ] || [ ! -d "$TV" ] || [ ! -f "$MODEL" ]; then
    echo "usage: first_use_cli_test.sh LAT_BINARY TESTVECTORS_DIR MODEL" >&2
    exit 2
fi
TEST_TMP_PREFIX=lat-first-use
. "$(dirname "$0")/cli_common.sh"

PHOTO=$TV/kodim23-crop512.png
SMALL=$TV/kodim23-48.png
JPEG=$TV/kodim23-64.jpg
RGB16=$TV/pngsuite/basn2c16.png

# --- item 1: 16-bit input to lossy mode -------------------------------------
expect 0 "$LAT" encode "$RGB16" -o "$T/rgb16.lat" --model "$MODEL" --print-psnr
grep -q "note: lossy mode keeps 8 bits per sample" "$T/err" ||
    fail "16-bit lossy encode does not say it reduces to 8 bits: $(cat "$T/err")"
grep -q "PSNR: [0-9.]* dB" "$T/err" || fail "--print-psnr across bit depths: $(cat "$T/err")"
expect 0 "$LAT" compare "$RGB16" "$T/rgb16.lat" --model "$MODEL"
grep -q "^PSNR: [0-9.]* dB" "$T/out" || fail "compare 16-bit vs its lossy decode: $(cat "$T/out")"
grep -q "compared at 16 bits" "$T/out" || fail "compare does not say the depths differ"
expect 1 "$LAT" compare --exact "$RGB16" "$T/rgb16.lat" --model "$MODEL"
grep -q "bit depth" "$T/err" || fail "compare --exact across depths does not name the depth"

# --- item 2: an image given to lat decode / lat info ---------------------------
expect 1 "$LAT" decode "$JPEG" -o "$T/x.png"
one_line decode
grep -q "is a JPEG image, not a .lat file (lat encode" "$T/err" ||
    fail "decode of a JPEG: $(cat "$T/err")"
expect 1 "$LAT" decode "$SMALL" -o "$T/x.png"
grep -q "is a PNG image" "$T/err" || fail "decode of a PNG: $(cat "$T/err")"
expect 0 "$LAT" decode "$T/rgb16.lat" -o "$T/small.ppm" --model "$MODEL"
expect 1 "$LAT" info "$T/small.ppm"
one_line info
grep -q "is a PPM/PGM image" "$T/err" || fail "info of a PPM: $(cat "$T/err")"
[ ! -e "$T/x.png" ] || fail "decode of an image wrote an output"

# --- item 3: --max-pixels on a PNG says what the limit is ----------------------
expect 1 "$LAT" encode "$PHOTO" -o "$T/x.lat" --lossless --max-pixels 100
one_line encode
grep -q "image is 512x512, more than the limit of 100 pixels" "$T/err" ||
    fail "PNG over --max-pixels: $(cat "$T/err")"

# --- item 4: a colour image into a .pgm ------------------------------------------
expect 0 "$LAT" encode "$SMALL" -o "$T/rgb.lat" --lossless
expect 1 "$LAT" decode "$T/rgb.lat" -o "$T/x.pgm"
one_line decode
grep -q "grey" "$T/err" || fail "RGB into .pgm: $(cat "$T/err")"
[ ! -e "$T/x.pgm" ] || fail "RGB into .pgm left a file"
expect 0 "$LAT" decode "$T/rgb.lat" -o "$T/x.ppm"
head -c 2 "$T/x.ppm" | grep -q P6 || fail ".ppm is not P6"

# --- item 5: lat info verifies the stream checksums ----------------------------
expect 0 "$LAT" encode "$PHOTO" -o "$T/photo.lat" --model "$MODEL" -q 50
size=$(stat -c %s "$T/photo.lat")
cp "$T/photo.lat" "$T/bad.lat"
# The last byte belongs to the last stream's frame: flip all its bits.
last=$(od -An -tu1 -j $((size - 1)) -N1 "$T/photo.lat" | tr -d ' ')
printf "\\$(printf '%03o' $((last ^ 255)))" |
    dd of="$T/bad.lat" bs=1 seek=$((size - 1)) conv=notrunc 2>/dev/null
expect 0 "$LAT" info "$T/photo.lat"
expect 1 "$LAT" info "$T/bad.lat"
one_line info
grep -q "stream [0-9]* (.*) is corrupt" "$T/err" || fail "corrupt stream not named: $(cat "$T/err")"
expect 1 "$LAT" info --json "$T/bad.lat"
[ ! -s "$T/out" ] || fail "info printed a listing of a corrupt file"

# --- item 6: help on stdout; -q is quality everywhere --------------------------
for cmd in "bench" "bench nn" "bench rd" "bench lossless" "train" "classify" \
    "classify bench" "encode" "decode" "info" "compare"; do
    # shellcheck disable=SC2086
    expect 0 "$LAT" $cmd --help
    grep -q "^usage: lat $cmd" "$T/out" || fail "lat $cmd --help: no usage on stdout"
    [ ! -s "$T/err" ] || fail "lat $cmd --help wrote to stderr: $(head -c 200 "$T/err")"
done
"$LAT" bench --help | grep -q "lossless" || fail "lat bench --help does not list the kinds"
"$LAT" bench rd --help | grep -q -- "-q, --qualities" || fail "bench rd: -q is not the quality list"
"$LAT" bench lossless --help | grep -q -- " -q[ ,]" && fail "bench lossless still documents -q"
"$LAT" classify bench --help | grep -q -- "-q, --qualities" || fail "classify bench: no --qualities"
expect 2 "$LAT" bench lossless "$SMALL" -q
# bench rd -q takes a list of lat qualities, as --qualities does.
expect 0 "$LAT" bench rd "$SMALL" -o "$T/rd" -q 50 --jpeg-qualities 50 --quiet --model "$MODEL" \
    --crops 0 --threads 1
[ "$(grep -c '^[^,]*,lat,' "$T/rd/rd.csv")" = 1 ] || fail "bench rd -q 50 ran other lat qualities"

# --- item 8: decoded PNGs are written with a fast zlib level, near the size --------
expect 0 "$LAT" encode "$PHOTO" -o "$T/p8.lat" --lossless
expect 0 "$LAT" decode "$T/p8.lat" -o "$T/p8.png"
# FLEVEL, the top 2 bits of the zlib header's second byte (RFC 1950): 1 is
# "fast" (levels 2..5), 2 the default level 6 that was used before.
idat=$(grep -obUa IDAT "$T/p8.png" | head -n 1 | cut -d: -f1)
flg=$(od -An -tu1 -j $((idat + 5)) -N1 "$T/p8.png" | tr -d ' ')
[ "$((flg >> 6))" = 1 ] || fail "decoded PNG written at zlib FLEVEL $((flg >> 6)), want 1 (fast)"
expect 0 "$LAT" compare "$PHOTO" --png
best=$(sed -n 's/^PNG (level 9): \([0-9]*\) bytes.*/\1/p' "$T/out")
got=$(stat -c %s "$T/p8.png")
[ -n "$best" ] && [ "$got" -le $((best * 105 / 100)) ] ||
    fail "decoded PNG is $got bytes, more than 5% over zlib level 9's $best"

# --- item 9: colour chunks and XMP kept like ICC and EXIF; --strip drops them
COLOUR=$TV/meta-colour-xmp.png
for mode in --lossless "-q 60 --model $MODEL"; do
    # shellcheck disable=SC2086
    expect 0 "$LAT" encode "$COLOUR" -o "$T/c.lat" $mode
    expect 0 "$LAT" decode "$T/c.lat" -o "$T/c.png" --model "$MODEL"
    for chunk in sRGB gAMA cHRM iTXt; do
        grep -q "$chunk" "$T/c.png" || fail "$chunk dropped ($mode)"
    done
    grep -q "<dc:title>lat test</dc:title>" "$T/c.png" || fail "XMP packet not kept ($mode)"
    expect 0 "$LAT" info "$T/c.lat"
    grep -q "^  xmp " "$T/out" && grep -q "^  colour " "$T/out" || fail "info lists no xmp/colour"
    expect 0 "$LAT" compare --same-metadata "$COLOUR" "$T/c.png"
    grep -q "^XMP: .* identical" "$T/out" || fail "compare does not report XMP identical"
    grep -q "^colour (gAMA/cHRM/sRGB): identical" "$T/out" || fail "compare: colour info"
done
expect 0 "$LAT" encode "$COLOUR" -o "$T/s.lat" --lossless --strip
expect 0 "$LAT" decode "$T/s.lat" -o "$T/s.png"
grep -q "iTXt\|gAMA\|sRGB" "$T/s.png" && fail "--strip kept colour chunks or XMP"
expect 1 "$LAT" compare --same-metadata "$COLOUR" "$T/s.png"

# --- item 12: a sign of life after a second (a slow stdin stands in for a slow encode)
run sh -c "(sleep 2; cat '$SMALL') | '$LAT' encode - -o '$T/slow.lat' --lossless -v"
[ "$rc" = 0 ] || fail "slow encode -v: exit $rc"
grep -q "^lat encode: stdin: reading, [0-9]* s$" "$T/err" ||
    fail "no progress line after a second with -v: $(cat "$T/err")"
run sh -c "(sleep 2; cat '$SMALL') | '$LAT' encode - -o '$T/slow2.lat' --lossless"
[ ! -s "$T/err" ] || fail "progress shown without -v on a pipe: $(cat "$T/err")"
run sh -c "(sleep 2; cat '$T/slow.lat') | '$LAT' decode - -o '$T/slow.png' -v"
grep -q "^lat decode: stdin: reading, [0-9]* s$" "$T/err" ||
    fail "no decode progress line with -v: $(cat "$T/err")"
if command -v script >/dev/null; then
    # On a terminal, without -v: redrawn in place with a carriage return.
    run script -qec "sh -c \"(sleep 2; cat '$SMALL') | '$LAT' encode - -o '$T/tty.lat' --lossless\"" \
        /dev/null
    tr '\r' '\n' <"$T/out" | grep -q "lat encode: stdin: reading, [0-9]* s" ||
        fail "no progress on a terminal: $(od -c "$T/out" | head -5)"
    [ -f "$T/tty.lat" ] || fail "encode on a terminal wrote nothing"
fi

# --- item 13: batch encode and decode into a folder -----------------------------
mkdir "$T/in"
cp "$SMALL" "$T/in/a.png"
cp "$JPEG" "$T/in/b.jpg"
printf 'not an image\n' >"$T/in/bad.png"
expect 1 "$LAT" encode "$T/in/a.png" "$T/in/bad.png" "$T/in/b.jpg" -d "$T/lat" --lossless
grep -q "^lat encode: 1 of 3 inputs failed: $T/in/bad.png\$" "$T/err" ||
    fail "batch encode does not list the failure: $(cat "$T/err")"
[ -f "$T/lat/a.lat" ] && [ -f "$T/lat/b.lat" ] || fail "batch encode stopped at a bad file"
[ ! -e "$T/lat/bad.lat" ] || fail "batch encode wrote an output for a bad file"
expect 0 "$LAT" compare --exact "$T/in/a.png" "$T/lat/a.lat"
expect 0 "$LAT" compare --exact "$T/in/b.jpg" "$T/lat/b.lat"
cp "$T/in/bad.png" "$T/lat/bad.lat"
expect 1 "$LAT" decode "$T/lat/a.lat" "$T/lat/bad.lat" "$T/lat/b.lat" -d "$T/dec"
grep -q "^lat decode: 1 of 3 inputs failed: $T/lat/bad.lat\$" "$T/err" ||
    fail "batch decode does not list the failure: $(cat "$T/err")"
expect 0 "$LAT" compare --exact "$T/in/a.png" "$T/dec/a.png"
expect 0 "$LAT" compare --exact "$T/in/b.jpg" "$T/dec/b.png"
expect 0 "$LAT" decode "$T/lat/a.lat" "$T/lat/b.lat" -d "$T/dec2"
# a.png and a.jpg would both be a.lat: the second fails instead of replacing it.
cp "$JPEG" "$T/in/a.jpg"
expect 1 "$LAT" encode "$T/in/a.png" "$T/in/a.jpg" -d "$T/dup" --lossless
grep -q "already written" "$T/err" || fail "duplicate output name not refused: $(cat "$T/err")"
expect 0 "$LAT" compare --exact "$T/in/a.png" "$T/dup/a.lat"
expect 2 "$LAT" encode "$T/in/a.png" "$T/in/b.jpg" -o "$T/x.lat"
one_line encode
# Lossy batch: the model file is opened once for all inputs.
if command -v strace >/dev/null && strace -o /dev/null true 2>/dev/null; then
    # LeakSanitizer cannot run under ptrace: leaks are checked elsewhere.
    expect 0 env ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" strace -f -e trace=open,openat -o "$T/trace" "$LAT" encode "$T/in/a.png" \
        "$T/in/b.jpg" "$PHOTO" -d "$T/lossy" --model "$MODEL" -q 30
    opens=$(grep -c "$(basename "$MODEL")\"" "$T/trace")
    [ "$opens" = 1 ] || fail "a lossy batch of 3 opened the model $opens times"
else
    echo "strace not available: model-load count not checked"
fi

# --- item 14: --json from encode and decode --------------------------------------
expect 0 "$LAT" encode "$PHOTO" -o "$T/j.lat" --model "$MODEL" -q 40 --json --print-psnr
cp "$T/out" "$T/enc.json"
[ "$(wc -l <"$T/enc.json")" = 1 ] || fail "encode --json is not one line: $(cat "$T/enc.json")"
bytes=$(stat -c %s "$T/j.lat")
grep -q "\"bytes\": $bytes," "$T/enc.json" || fail "encode --json bytes: $(cat "$T/enc.json")"
grep -q '"psnr": [0-9]' "$T/enc.json" || fail "encode --json has no psnr: $(cat "$T/enc.json")"
grep -q '"quality": 40' "$T/enc.json" || fail "encode --json has no quality"
expect 0 "$LAT" decode "$T/j.lat" -o "$T/j.png" --model "$MODEL" --json
cp "$T/out" "$T/dec.json"
grep -q "\"bytes\": $bytes," "$T/dec.json" || fail "decode --json bytes: $(cat "$T/dec.json")"
grep -q '"width": 512, "height": 512' "$T/dec.json" || fail "decode --json shape"
expect 0 "$LAT" encode "$SMALL" -o "$T/k.lat" --lossless --json --print-psnr
grep -q '"psnr": null' "$T/out" || fail "identical lossless result is not psnr null: $(cat "$T/out")"
expect 2 "$LAT" encode "$SMALL" -o - --lossless --json
if command -v python3 >/dev/null; then
    for f in enc dec; do
        python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["bpp"] > 0' \
            "$T/$f.json" || fail "$f --json is not valid JSON: $(cat "$T/$f.json")"
    done
fi

echo "$checks checks, $failures failures"
[ "$failures" = 0 ]
