#!/bin/sh
# `lat bench rd` and `lat bench lossless` end to end on two small images:
#   test_report.sh LAT CHECK_SCREENSHOT TESTVECTORS files
#     CSV columns and rows, SVG plots, a self-contained index.html (inline
#     SVG, data: URIs, no external resources), --json, lossless round trips;
#     WebP, AVIF, JPEG XL and JPEG 2000 rows, curves and BD-rates when their
#     tools are installed, a note naming the package when one is not;
#   test_report.sh LAT CHECK_SCREENSHOT TESTVECTORS chromium
#     renders index.html in headless Chromium and checks the screenshot is a
#     real page (skipped, exit 77, when chromium is not installed).
set -eu
lat=$1
checker=$2
vectors=$3/bench
mode=$4

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
fail() { echo "FAIL: $*" >&2; exit 1; }

if [ "$mode" = chromium ]; then
    browser=
    for b in chromium chromium-browser google-chrome; do
        if command -v "$b" >/dev/null 2>&1; then browser=$b; break; fi
    done
    if [ -z "$browser" ]; then
        echo "SKIP: chromium not installed (Debian: apt-get install chromium); report not rendered"
        exit 77
    fi
fi

"$lat" bench rd "$vectors" -o "$tmp/out" --quiet --threads 2 --crops 2 \
    --jpeg-qualities 10:90:20 --qualities 30,70 --webp-qualities 30,80 --avif-qualities 30,80 \
    --jxl-qualities 30,80 --j2k-ratios 16,64 > "$tmp/summary.txt" 2> "$tmp/stderr.txt" ||
    { cat "$tmp/stderr.txt" >&2; fail "lat bench rd exited with $?"; }
out=$tmp/out

if [ "$mode" = files ]; then
    for f in rd.csv rd_mean.csv rd_psnr.svg rd_msssim.svg index.html; do
        [ -s "$out/$f" ] || fail "$f missing or empty"
    done
    head -1 "$out/rd.csv" | grep -qx 'image,codec,setting,bytes,bpp,psnr,msssim,enc_s,dec_s' ||
        fail "rd.csv header: $(head -1 "$out/rd.csv")"
    # 2 images x 5 JPEG qualities, each row with a finite bpp, PSNR and MS-SSIM.
    rows=$(grep -c '^kodim[0-9]*-176.png,jpeg,q[0-9]*,[0-9]*,[0-9.]*,[0-9.]*,0\.[0-9]*,' "$out/rd.csv")
    [ "$rows" -eq 10 ] || fail "expected 10 JPEG rows in rd.csv, got $rows"
    grep -q '^jpeg,q50,2,' "$out/rd_mean.csv" || fail "rd_mean.csv has no jpeg q50 mean of 2 images"
    # PSNR rises with quality on the mean curve.
    awk -F, '$1 == "jpeg" { if (NR > 2 && $5 <= last) exit 1; last = $5 }' "$out/rd_mean.csv" ||
        fail "JPEG mean PSNR not increasing with quality"
    # lat rows exist when a lossy model is installed; otherwise the skip is said.
    if grep -q ',lat,' "$out/rd.csv"; then
        grep -q 'BD-rate' "$tmp/summary.txt" || fail "no BD-rate in the summary"
    else
        grep -q 'lat curve skipped' "$tmp/summary.txt" || fail "lat missing without a reason"
    fi
    # The other codecs: measured when installed, else skipped with a note.
    for c in webp:cwebp:WebP avif:avifenc:AVIF jxl:cjxl:"JPEG XL" j2k:opj_compress:"JPEG 2000"; do
        name=${c%%:*}
        rest=${c#*:}
        tool=${rest%%:*}
        label=${rest#*:}
        if command -v "$tool" >/dev/null 2>&1; then
            rows=$(grep -c "^kodim[0-9]*-176.png,$name,[qr][0-9]*,[0-9]*,[0-9.]*,[0-9.]*,0\.[0-9]*," \
                "$out/rd.csv")
            [ "$rows" -eq 4 ] || fail "expected 4 $name rows in rd.csv, got $rows"
            grep -q "^$name,[qr][0-9]*,2," "$out/rd_mean.csv" || fail "rd_mean.csv has no $name mean"
            grep -q "^lat vs $label" "$tmp/summary.txt" || grep -q "lat curve skipped" "$tmp/summary.txt" ||
                fail "no BD-rate of lat against $name in the summary"
            grep -q "$label" "$out/rd_psnr.svg" || fail "no $name curve in rd_psnr.svg"
            grep -q "$label" "$out/index.html" || fail "no $name in index.html"
        else
            grep -q "^note: $name curve skipped: $tool not found (Debian: apt-get install " \
                "$tmp/summary.txt" || fail "$name missing without a note"
            echo "$tool not installed: $name checked as skipped"
        fi
    done
    # Without the tools on PATH every external codec is skipped with a note.
    env PATH=/nonexistent "$lat" bench rd "$vectors" -o "$tmp/out3" --quiet --crops 0 \
        --codecs jpeg,webp,j2k --jpeg-qualities 50 > "$tmp/s3.txt" 2>&1 ||
        fail "bench rd without the tools failed: $(cat "$tmp/s3.txt")"
    grep -q "^note: webp curve skipped: cwebp not found (Debian: apt-get install webp)" "$tmp/s3.txt" ||
        fail "no note for a missing cwebp: $(cat "$tmp/s3.txt")"
    grep -q "^note: j2k curve skipped: opj_compress not found" "$tmp/s3.txt" ||
        fail "no note for a missing opj_compress"
    grep -q ",avif," "$tmp/out3/rd.csv" && fail "--codecs did not leave out avif"
    html=$out/index.html
    grep -q '<svg' "$html" || fail "no inline SVG in index.html"
    [ "$(grep -o 'data:image/png;base64,' "$html" | wc -l)" -ge 4 ] || fail "too few embedded crops"
    grep -q 'image-rendering:pixelated' "$html" || fail "no pixelated zoom"
    if grep -Eiq '(src|href)="(https?:)?//' "$html"; then fail "index.html loads external resources"; fi
    grep -q '<polyline' "$out/rd_psnr.svg" || fail "no curve in rd_psnr.svg"
    # --json: one object with the summary.
    "$lat" bench rd "$vectors" -o "$tmp/out2" --quiet --json --crops 0 --jpeg-qualities 20,60 \
        --qualities 50 > "$tmp/j.json" 2> /dev/null
    grep -q '^{"inputs":\[.*"codecs":{"lat":{.*"jpeg":{.*}}$' "$tmp/j.json" || fail "bad --json: $(cat "$tmp/j.json")"
    # Lossless: every round trip bit-exact (the command fails otherwise).
    "$lat" bench lossless "$vectors" --quiet --json > "$tmp/l.json" ||
        fail "lat bench lossless failed: $(cat "$tmp/l.json")"
    grep -q '"mismatches":0' "$tmp/l.json" || fail "lossless mismatches: $(cat "$tmp/l.json")"
    grep -q '"png":{"available":true' "$tmp/l.json" || fail "PNG not measured"
    echo "files OK"
    exit 0
fi

# chromium: render and screenshot.
shot=$tmp/report.png
profile=$tmp/profile
"$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$profile" --screenshot="$shot" --window-size=1280,2400 \
    "file://$out/index.html" > "$tmp/chromium.log" 2>&1 || true
[ -s "$shot" ] || { cat "$tmp/chromium.log" >&2; fail "chromium wrote no screenshot"; }
"$checker" "$shot" 1280 2400 || fail "screenshot looks wrong"
if [ -n "${LAT_REPORT_SCREENSHOT:-}" ]; then cp "$shot" "$LAT_REPORT_SCREENSHOT"; fi
echo "chromium OK"
