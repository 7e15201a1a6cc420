#!/bin/sh
# Checks that the JPEG curve of `lat bench rd` is what the reference tools
# produce: for every image and quality, `cjpeg -quality Q -optimize` (4:2:0,
# the cjpeg default) must give a file within 1% of the size the bench
# measured, and `djpeg` of it a PSNR within 0.05 dB of the bench's PSNR.
#
# usage: tools/check_jpeg_reference.sh LAT_BINARY IMAGE_DIR [QUALITIES]
#   QUALITIES: space-separated (default 5 10 ... 95)
# Needs cjpeg/djpeg (Debian: libjpeg-turbo-progs; only for this check).
# PNG inputs are converted to PPM for cjpeg with `lat encode --lossless` +
# `lat decode` (bit-exact). PSNR of the djpeg output: `lat compare`.
set -eu

if [ $# -lt 2 ]; then
    echo "usage: $0 LAT_BINARY IMAGE_DIR [QUALITIES]" >&2
    exit 2
fi
lat=$1
dir=$2
qualities=${3:-"5 10 15 20 25 30 35 40 45 50 55 60 65 70 75 80 85 90 95"}
for tool in cjpeg djpeg; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "$0: $tool not found (Debian: apt-get install libjpeg-turbo-progs)" >&2
        exit 77
    fi
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM

qlist=$(echo "$qualities" | tr ' ' ',')
"$lat" bench rd "$dir" -o "$work/bench" --no-lat --crops 0 --quiet \
    --jpeg-qualities "$qlist" > "$work/bench.txt"

# Reference measurements: image,quality,bytes,psnr
: > "$work/ref.csv"
for img in "$dir"/*.png "$dir"/*.ppm; do
    [ -e "$img" ] || continue
    name=$(basename "$img")
    case "$img" in
    *.ppm) ppm=$img ;;
    *)
        "$lat" encode --lossless --strip "$img" -o "$work/in.lat"
        "$lat" decode "$work/in.lat" -o "$work/in.ppm"
        ppm=$work/in.ppm
        ;;
    esac
    for q in $qualities; do
        # cjpeg warns that q < 25 tables are not baseline: expected, as in the bench.
        cjpeg -quality "$q" -optimize "$ppm" > "$work/ref.jpg" 2> "$work/cjpeg.err" ||
            { cat "$work/cjpeg.err" >&2; exit 1; }
        djpeg "$work/ref.jpg" > "$work/ref.ppm"
        bytes=$(wc -c < "$work/ref.jpg")
        # "PSNR: 29.868 dB (MSE 67.0331, ...": recompute PSNR from the MSE
        # for more digits.
        mse=$("$lat" compare "$img" "$work/ref.ppm" | sed -n 's/.*(MSE \([0-9.e+-]*\),.*/\1/p')
        echo "$name,$q,$bytes,$mse" >> "$work/ref.csv"
    done
done

# Join with the bench's rd.csv (image,codec,setting,bytes,bpp,psnr,...).
awk -F, '
    NR == FNR { ref[$1 ",q" $2] = $3 "," $4; next }
    FNR == 1 { next }
    $2 == "jpeg" {
        key = $1 "," $3
        if (!(key in ref)) { print "missing reference for " key; bad++; next }
        split(ref[key], r, ",")
        rbytes = r[1]; rpsnr = 10 * log(255 * 255 / r[2]) / log(10)
        dsize = ($4 - rbytes) / rbytes * 100; dpsnr = $6 - rpsnr
        if (dsize < 0) dsize = -dsize
        if (dpsnr < 0) dpsnr = -dpsnr
        if (dsize > maxs) maxs = dsize
        if (dpsnr > maxp) maxp = dpsnr
        n++
        if (dsize > 1 || dpsnr > 0.05) {
            printf "MISMATCH %s: bench %d bytes %.4f dB, cjpeg/djpeg %d bytes %.4f dB\n", key, $4, $6, rbytes, rpsnr
            bad++
        }
        delete ref[key]
    }
    END {
        for (k in ref) { print "not measured by the bench: " k; bad++ }
        printf "%d image/quality pairs compared: max size difference %.3f%%, max PSNR difference %.4f dB\n", n, maxs, maxp
        if (bad || n == 0) { print "FAIL"; exit 1 }
        print "OK: within 1% size and 0.05 dB of cjpeg -optimize / djpeg"
    }' "$work/ref.csv" "$work/bench/rd.csv"
