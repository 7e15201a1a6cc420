#!/bin/sh
# --threads 1 runs on one core: lossy encode and decode of a 1.5 Mpixel
# image (512 x 3072, the Kodak crop six times) and lossless of a 0.8
# Mpixel one (512 x 1536, two stripes) take at most 1.15 s of CPU time per
# second of wall time (tests/cpu_wall.c; up to 2 on two idle cores when
# the count is ignored, less on a busy machine). The bytes do not depend
# on the count: --threads 2 writes the same files and pixels.
#
# usage: threads_cli_test.sh LAT_BINARY CPU_WALL TESTVECTORS_DIR
LAT=$1
CPU_WALL=$2
TV=$3
if [ ! -x "$LAT" ] || [ ! -x "$CPU_WALL" ] || [ ! -d "$TV" ]; then
    echo "usage: threads_cli_test.sh LAT_BINARY CPU_WALL TESTVECTORS_DIR" >&2
    exit 2
fi
TEST_TMP_PREFIX=lat-threads-test
. "$(dirname "$0")/cli_common.sh"
unset LAT_MODEL LAT_MODEL_DIR

# The test image: the 512 x 512 crop's samples, six times over.
expect 0 "$LAT" encode "$TV/kodim23-crop512.png" --lossless -o "$T/crop.lat"
expect 0 "$LAT" decode "$T/crop.lat" -o "$T/crop.ppm"
{
    printf 'P6\n512 3072\n255\n'
    for i in 1 2 3 4 5 6; do tail -c 786432 "$T/crop.ppm"; done
} >"$T/lossy.ppm"
{
    printf 'P6\n512 1536\n255\n'
    for i in 1 2 3; do tail -c 786432 "$T/crop.ppm"; done
} >"$T/lossless.ppm"

# one_core WHAT CMD...: CMD succeeds and its CPU time / wall time <= 1.15.
one_core() {
    oc_what=$1
    shift
    expect 0 "$CPU_WALL" "$@"
    oc_fig=$(cat "$T/out")
    oc_ratio=${oc_fig##* }
    echo "$oc_what --threads 1: CPU s, wall s, ratio: $oc_fig"
    awk -v r="$oc_ratio" 'BEGIN { exit !(r > 0 && r <= 1.15) }' ||
        fail "$oc_what --threads 1 used more than one core: CPU/wall $oc_ratio ($oc_fig)"
}

for mode in lossy lossless; do
    opt=-q50
    [ $mode = lossless ] && opt=--lossless
    one_core "$mode encode" "$LAT" encode "$T/$mode.ppm" $opt --threads 1 -o "$T/$mode-1.lat"
    one_core "$mode decode" "$LAT" decode "$T/$mode-1.lat" --threads 1 -o "$T/$mode-1.ppm"
    for n in 2; do
        expect 0 "$LAT" encode "$T/$mode.ppm" $opt --threads $n -o "$T/$mode-$n.lat"
        cmp -s "$T/$mode-1.lat" "$T/$mode-$n.lat" ||
            fail "$mode encode: --threads $n writes other bytes than --threads 1"
        expect 0 "$LAT" decode "$T/$mode-1.lat" --threads $n -o "$T/$mode-$n.ppm"
        cmp -s "$T/$mode-1.ppm" "$T/$mode-$n.ppm" ||
            fail "$mode decode: --threads $n gives other pixels than --threads 1"
    done
done
cmp -s "$T/lossless.ppm" "$T/lossless-1.ppm" || fail "the lossless round trip is not exact"
one_core "compare (a .lat decode)" "$LAT" compare "$T/lossy.ppm" "$T/lossy-1.lat" --threads 1

if [ "$failures" -gt 0 ]; then
    echo "$failures of $checks checks failed"
    exit 1
fi
echo "threads: $checks runs passed"
