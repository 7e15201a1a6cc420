#!/bin/sh
# CLI tests for lat: exit codes and one-line messages, --help everywhere,
# lossless round trips through files, pipes and PPM/PGM, metadata kept or
# stripped, atomic output (a failed run leaves no file and no temporary,
# an existing target is untouched, /dev/full fails cleanly (stdout too),
# a FIFO output is written directly, the input is never overwritten or
# modified, --max-pixels), and corrupted .lat files (every truncation length up
# to 64 bytes and beyond in steps, single bit flips) failing with exit 1,
# one line on stderr, no output, no crash and no hang.
#
# usage: cli_test.sh LAT_BINARY TESTVECTORS_DIR
LAT=$1
TV=$2
if [ ! -x "$LAT" ] || [ ! -d "$TV" ]; then
    echo "usage: cli_test.sh LAT_BINARY TESTVECTORS_DIR" >&2
    exit 2
fi
TEST_TMP_PREFIX=lat-cli-test
. "$(dirname "$0")/cli_common.sh"

absent() {
    [ ! -e "$1" ] || fail "$1 exists after a failed run"
}

# only_files DIR NAME...: DIR holds exactly these names (no temporaries).
only_files() {
    of_dir=$1
    shift
    of_got=$(ls -A "$of_dir" | sort | tr '\n' ' ')
    of_want=
    [ $# = 0 ] || of_want=$(printf '%s\n' "$@" | sort | tr '\n' ' ')
    [ "$of_got" = "$of_want" ] || fail "$of_dir holds '$of_got', want '$of_want'"
}

PHOTO=$TV/kodim23-crop512.png
SMALL=$TV/kodim23-48.png
META=$TV/meta-icc-exif.png
JPEG=$TV/kodim23-64.jpg

# --- help, version, usage errors -------------------------------------------
expect 0 "$LAT" --help
grep -q "encode" "$T/out" || fail "lat --help does not list encode"
expect 0 "$LAT" --version
grep -q "^lat [0-9]" "$T/out" || fail "lat --version prints '$(cat "$T/out")'"
for cmd in encode decode info compare; do
    expect 0 "$LAT" $cmd --help
    grep -q "^usage: lat $cmd" "$T/out" || fail "lat $cmd --help prints no usage"
    expect 0 "$LAT" $cmd -h
done
expect 2 "$LAT"
expect 2 "$LAT" frobnicate
expect 2 "$LAT" encode "$PHOTO" -o "$T/x.lat" --bogus
one_line encode
grep -q -- "--bogus" "$T/err" || fail "unknown option not named: $(cat "$T/err")"
expect 2 "$LAT" encode "$PHOTO"
one_line encode
expect 2 "$LAT" encode "$PHOTO" -o "$T/x.lat" -q 101
one_line encode
expect 2 "$LAT" encode "$PHOTO" -o
one_line encode
expect 2 "$LAT" decode
one_line decode
expect 2 "$LAT" decode "$T/x.lat" -o "$T/x.jpg"
one_line decode
expect 2 "$LAT" info
one_line info
absent "$T/x.lat"

# --- input errors: exit 1, one line, no output ------------------------------
expect 1 "$LAT" encode "$T/missing.png" -o "$T/x.lat" --lossless
one_line encode
grep -q "missing.png" "$T/err" || fail "missing input not named"
printf 'this is not an image\n' >"$T/text.png"
expect 1 "$LAT" encode "$T/text.png" -o "$T/x.lat" --lossless
one_line encode
: >"$T/empty.png"
expect 1 "$LAT" encode "$T/empty.png" -o "$T/x.lat" --lossless
one_line encode
expect 1 "$LAT" encode "$PHOTO" -o "$T/x.lat" --lossless --max-pixels 1000
one_line encode
absent "$T/x.lat"
# A 131-byte PNG whose sPLT chunk declares 1.9 GB: refused at the chunk
# header (libpng allocated the declared length before png_set_benign_errors).
expect 1 "$LAT" encode "$TV/fuzz-corpus/imageio/splt-length-1.9g.png" -o "$T/x.lat" --lossless
one_line encode
grep -q "chunk data is too large" "$T/err" || fail "oversized sPLT chunk not refused up front"
absent "$T/x.lat"
for f in "$T/text.png" "$T/empty.png"; do
    expect 1 "$LAT" decode "$f" -o "$T/x.png"
    one_line decode
    expect 1 "$LAT" info "$f"
    one_line info
done
absent "$T/x.png"

# Lossy mode with a model file that does not exist: a clear error, no output.
expect 1 "$LAT" encode "$PHOTO" -o "$T/x.lat" --model "$T/no-such-model.latm"
one_line encode
absent "$T/x.lat"

# --- lossless round trips ----------------------------------------------------
expect 0 "$LAT" encode "$PHOTO" -o "$T/photo.lat" --lossless
expect 0 "$LAT" decode "$T/photo.lat" -o "$T/photo.png"
expect 0 "$LAT" compare --exact "$PHOTO" "$T/photo.png"
expect 0 "$LAT" compare --exact "$PHOTO" "$T/photo.lat"
expect 0 "$LAT" decode "$T/photo.lat" -o "$T/photo.ppm"
expect 0 "$LAT" compare --exact "$PHOTO" "$T/photo.ppm"
head -c 2 "$T/photo.ppm" | grep -q P6 || fail "photo.ppm is not a P6 file"
expect 0 "$LAT" encode "$T/photo.ppm" -o "$T/from-ppm.lat" --lossless
expect 0 "$LAT" compare --exact "$PHOTO" "$T/from-ppm.lat"
expect 0 "$LAT" info "$T/photo.lat"
grep -q "lossless" "$T/out" || fail "info does not say lossless"
grep -q "512x512" "$T/out" || fail "info does not give 512x512"
expect 0 "$LAT" info --json "$T/photo.lat"
grep -q '"mode": "lossless"' "$T/out" || fail "info --json lacks the mode"
grep -q '"width": 512' "$T/out" || fail "info --json lacks the width"
expect 0 "$LAT" encode "$PHOTO" -o "$T/v.lat" --lossless -v --print-psnr
grep -q "bpp" "$T/err" || fail "-v prints no bpp"
grep -q "PSNR: inf" "$T/err" || fail "--print-psnr does not report identical"

# stdin and stdout
expect 0 sh -c "cat '$PHOTO' | '$LAT' encode - -o - --lossless > '$T/pipe.lat'"
cmp -s "$T/pipe.lat" "$T/photo.lat" || fail "encode through pipes differs from encode of files"
expect 0 sh -c "'$LAT' decode - -o - < '$T/pipe.lat' > '$T/pipe.png'"
expect 0 "$LAT" compare --exact "$PHOTO" "$T/pipe.png"

# JPEG input: the decoded JPEG pixels are kept exactly
expect 0 "$LAT" encode "$JPEG" -o "$T/jpeg.lat" --lossless
expect 0 "$LAT" compare --exact "$JPEG" "$T/jpeg.lat"

# 16-bit PGM, gray: byte order and bit depth survive
printf 'P5\n3 2\n65535\n\001\002\377\376\000\000\200\001\022\064\253\315' >"$T/g16.pgm"
expect 0 "$LAT" encode "$T/g16.pgm" -o "$T/g16.lat" --lossless
expect 0 "$LAT" decode "$T/g16.lat" -o "$T/g16b.pgm"
cmp -s "$T/g16.pgm" "$T/g16b.pgm" || fail "16-bit PGM round trip differs"
expect 0 "$LAT" info "$T/g16.lat"
grep -q "16-bit" "$T/out" || fail "info does not report 16-bit"

# alpha cannot go to PPM: the failure leaves nothing
expect 0 "$LAT" encode "$TV/pngsuite/basn6a08.png" -o "$T/rgba.lat" --lossless
expect 1 "$LAT" decode "$T/rgba.lat" -o "$T/rgba.ppm"
one_line decode
absent "$T/rgba.ppm"

# metadata: kept by default, dropped by --strip
expect 0 "$LAT" encode "$META" -o "$T/meta.lat" --lossless
expect 0 "$LAT" decode "$T/meta.lat" -o "$T/meta.png"
expect 0 "$LAT" compare --exact --same-metadata "$META" "$T/meta.png"
grep -q "ICC: .* identical" "$T/out" || fail "ICC not reported identical"
expect 0 "$LAT" encode "$META" -o "$T/strip.lat" --lossless --strip
expect 0 "$LAT" decode "$T/strip.lat" -o "$T/strip.png"
expect 0 "$LAT" compare --exact "$META" "$T/strip.png"
expect 1 "$LAT" compare --same-metadata "$META" "$T/strip.png"
[ "$(stat -c %s "$T/strip.lat")" -lt "$(stat -c %s "$T/meta.lat")" ] ||
    fail "--strip did not make the file smaller"

# compare against references
expect 0 "$LAT" compare "$PHOTO" --jpeg 75 --png
grep -q "^JPEG q=75" "$T/out" || fail "compare --jpeg prints no JPEG line"
grep -q "^PNG" "$T/out" || fail "compare --png prints no PNG line"
expect 0 "$LAT" compare "$PHOTO" --jpeg-bytes 20000
expect 1 "$LAT" compare --exact "$PHOTO" "$T/jpeg.lat"
one_line compare

# --- safe output -------------------------------------------------------------
mkdir "$T/out1"
printf 'old\n' >"$T/out1/keep.lat"
expect 1 "$LAT" encode "$T/text.png" -o "$T/out1/keep.lat" --lossless
one_line encode
[ "$(cat "$T/out1/keep.lat")" = "old" ] || fail "failed encode changed an existing output"
expect 1 "$LAT" encode "$PHOTO" -o "$T/out1/keep.lat" --model "$T/no-such-model.latm"
[ "$(cat "$T/out1/keep.lat")" = "old" ] || fail "failed lossy encode changed an existing output"
only_files "$T/out1" keep.lat
expect 0 "$LAT" encode "$SMALL" -o "$T/out1/keep.lat" --lossless
only_files "$T/out1" keep.lat
expect 0 "$LAT" compare --exact "$SMALL" "$T/out1/keep.lat"

if [ -w /dev/full ]; then
    expect 1 "$LAT" encode "$SMALL" -o /dev/full --lossless
    one_line encode
    expect 1 sh -c "'$LAT' encode '$SMALL' -o - --lossless > /dev/full"
    one_line encode
    expect 1 "$LAT" decode "$T/photo.lat" -o /dev/full
    one_line decode
    expect 1 sh -c "'$LAT' decode '$T/photo.lat' -o - > /dev/full"
    one_line decode
    expect 1 sh -c "'$LAT' info '$T/photo.lat' > /dev/full"
    one_line info
fi

# a non-regular output (a FIFO) is written directly, never replaced by a rename
if mkfifo "$T/fifo.ppm" "$T/fifo.lat" 2>/dev/null; then
    timeout 20 cat "$T/fifo.ppm" >"$T/fifo-out.ppm" &
    expect 0 "$LAT" decode "$T/photo.lat" -o "$T/fifo.ppm"
    wait
    [ -p "$T/fifo.ppm" ] || fail "decode replaced a FIFO output"
    expect 0 "$LAT" decode "$T/photo.lat" -o "$T/direct.ppm"
    cmp -s "$T/fifo-out.ppm" "$T/direct.ppm" || fail "decode through a FIFO differs"
    timeout 20 cat "$T/fifo.lat" >"$T/fifo-out.lat" &
    expect 0 "$LAT" encode "$SMALL" -o "$T/fifo.lat" --lossless
    wait
    [ -p "$T/fifo.lat" ] || fail "encode replaced a FIFO output"
    expect 0 "$LAT" compare --exact "$SMALL" "$T/fifo-out.lat"
fi

# inputs are never modified, by successful or failed runs
cp "$SMALL" "$T/in.png"
cp "$T/photo.lat" "$T/in.lat"
expect 0 "$LAT" encode "$T/in.png" -o "$T/in2.lat" --lossless
expect 0 "$LAT" decode "$T/in.lat" -o "$T/in2.png"
expect 0 "$LAT" info "$T/in.lat"
expect 1 "$LAT" decode "$T/in.lat" -o "$T/in3.png" --max-pixels 100
cmp -s "$SMALL" "$T/in.png" || fail "encode modified its input"
cmp -s "$T/photo.lat" "$T/in.lat" || fail "decode or info modified its input"

# decode --max-pixels: refused before decoding, named, no output
expect 1 "$LAT" decode "$T/photo.lat" -o "$T/mp.png" --max-pixels 100
one_line decode
grep -q "max-pixels" "$T/err" || fail "decode --max-pixels refusal does not name the limit"
absent "$T/mp.png"

# never overwrite the input, also through a symbolic link
cp "$SMALL" "$T/self.png"
expect 1 "$LAT" encode "$T/self.png" -o "$T/self.png" --lossless
one_line encode
cmp -s "$SMALL" "$T/self.png" || fail "encode overwrote its input"
ln -s self.png "$T/link.png"
expect 1 "$LAT" encode "$T/self.png" -o "$T/link.png" --lossless
cmp -s "$SMALL" "$T/self.png" || fail "encode overwrote its input through a link"
cp "$T/photo.lat" "$T/self2.png"
expect 1 "$LAT" decode "$T/self2.png" -o "$T/self2.png"
one_line decode
cmp -s "$T/photo.lat" "$T/self2.png" || fail "decode overwrote its input"

# output into a missing directory
expect 1 "$LAT" encode "$SMALL" -o "$T/no/such/dir/x.lat" --lossless
one_line encode

# --- corrupted .lat files ----------------------------------------------------
expect 0 "$LAT" encode "$SMALL" -o "$T/small.lat" --lossless
size=$(stat -c %s "$T/small.lat")
mkdir "$T/dec"
corrupt_check() { # $1 = corrupted file, $2 = description
    run timeout 20 "$LAT" decode "$1" -o "$T/dec/out.png"
    if [ "$rc" != 1 ]; then
        fail "decode of $2 exited $rc (want 1): $(head -c 300 "$T/err")"
    else
        one_line decode
    fi
    only_files "$T/dec"
}
n=0
while [ "$n" -lt "$size" ]; do
    head -c "$n" "$T/small.lat" >"$T/trunc.lat"
    corrupt_check "$T/trunc.lat" "the file truncated to $n bytes"
    if [ "$n" -lt 64 ]; then n=$((n + 1)); else n=$((n + 53)); fi
done
flip() { # file pos bit out
    cp "$1" "$4"
    fl_byte=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
    fl_new=$((fl_byte ^ (1 << $3)))
    printf "\\$(printf '%03o' "$fl_new")" | dd of="$4" bs=1 seek="$2" conv=notrunc 2>/dev/null
}
pos=0
while [ "$pos" -lt "$size" ]; do
    flip "$T/small.lat" "$pos" $((pos % 8)) "$T/flip.lat"
    corrupt_check "$T/flip.lat" "the file with bit $((pos % 8)) of byte $pos flipped"
    if [ "$pos" -lt 96 ]; then pos=$((pos + 1)); else pos=$((pos + 41)); fi
done
printf 'extra' | cat "$T/small.lat" - >"$T/trailing.lat"
corrupt_check "$T/trailing.lat" "the file with trailing bytes"

echo "$checks checks, $failures failures"
[ "$failures" = 0 ]
