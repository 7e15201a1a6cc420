#!/bin/sh
# Whole-process encode and decode time of one image with several models,
# side by side in one run (the rounds alternate between the models, so each
# sees the same machine load): the median CPU time (user + system) of
# `lat encode` and `lat decode` per model and its ratio to the first model.
#
#   tools/bench/model_speed.sh LAT IMAGE MODEL_A [MODEL_B...]
#   env: RUNS (default 7), THREADS (default 1: CPU time is then robust on a
#        busy machine), QUALITY (default 50), OPENBLAS_CORETYPE as usual
#
# Prints the OpenBLAS kernel, the load average and, per model, the file
# size and the medians in ms. Example (an architecture-3 model against v3):
#   tools/bench/model_speed.sh build/tools/lat ../shared/data/kodak/kodim01.png \
#       models/photo-f64m96-v3.latm /tmp/v4.latm
set -eu
[ $# -ge 3 ] || { sed -n 2,14p "$0" >&2; exit 2; }
lat=$1
image=$2
shift 2
runs=${RUNS:-7}
threads=${THREADS:-1}
quality=${QUALITY:-50}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

# CPU seconds (user + system) of a command, from GNU time's format or the
# shell's times as a fallback.
cpu() {
    if [ -x /usr/bin/time ]; then
        /usr/bin/time -f '%U %S' -o "$tmp/t" "$@" > /dev/null 2>&1 || return 1
        awk '{ printf "%.4f\n", $1 + $2 }' "$tmp/t"
    else
        echo "model_speed.sh: /usr/bin/time not found (Debian: apt-get install time)" >&2
        return 1
    fi
}

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# The kernel the linked OpenBLAS picks in this environment.
lib=$(ldd "$lat" 2>/dev/null | awk '/libopenblas/ { print $3; exit }')
kernel=$(python3 -c 'import ctypes, sys; l = ctypes.CDLL(sys.argv[1])
l.openblas_get_corename.restype = ctypes.c_char_p; print(l.openblas_get_corename().decode())' \
    "${lib:-libopenblas.so.0}" 2>/dev/null || echo unknown)
echo "lat: $($lat --version | head -1); OpenBLAS kernel: $kernel${OPENBLAS_CORETYPE:+ (OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE)}"
echo "image: $image, q$quality, --threads $threads, $runs runs, median CPU time"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
k=0
for m in "$@"; do
    k=$((k + 1))
    : > "$tmp/enc$k"
    : > "$tmp/dec$k"
done
r=0
while [ $r -le "$runs" ]; do   # round 0 warms the caches and is not counted
    k=0
    for m in "$@"; do
        k=$((k + 1))
        e=$(cpu "$lat" encode "$image" -o "$tmp/$k.lat" -q "$quality" --model "$m" --threads "$threads") ||
            { echo "model_speed.sh: lat encode failed with $m" >&2; exit 1; }
        d=$(cpu "$lat" decode "$tmp/$k.lat" -o "$tmp/$k.png" --model "$m" --threads "$threads") ||
            { echo "model_speed.sh: lat decode failed with $m" >&2; exit 1; }
        if [ $r -gt 0 ]; then
            echo "$e" >> "$tmp/enc$k"
            echo "$d" >> "$tmp/dec$k"
        fi
    done
    r=$((r + 1))
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-40s %8s %10s %10s %9s %9s\n' model bytes "enc ms" "dec ms" "enc x" "dec x"
k=0
for m in "$@"; do
    k=$((k + 1))
    enc=$(median < "$tmp/enc$k")
    dec=$(median < "$tmp/dec$k")
    [ $k -eq 1 ] && { enc1=$enc; dec1=$dec; }
    awk -v m="$m" -v b="$(wc -c < "$tmp/$k.lat")" -v e="$enc" -v d="$dec" -v e1="$enc1" -v d1="$dec1" \
        'BEGIN { printf "%-40s %8d %10.1f %10.1f %9.3f %9.3f\n", m, b, e * 1e3, d * 1e3, e / e1, d / d1 }'
done
