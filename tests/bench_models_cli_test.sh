#!/bin/sh
# `lat bench rd` with several --model (docs/BENCH.md "Comparing models"), on
# a 48x48 image with the shipped default model and its predecessor
# photo-f64m96-v2: each model is its own curve named by model id, with its own figures,
# in the summary, rd.csv, rd_mean.csv, the plots, index.html and --json; the
# BD-rate of the second model against the first is given; a --model that
# cannot be loaded, --effort-ref with two models and a fifth --model are
# clear errors with a non-zero exit.
#
# usage: bench_models_cli_test.sh LAT_BINARY TESTVECTORS_DIR MODEL
LAT=$1
TV=$2
MODEL=$3
if [ ! -x "$LAT" ] || [ ! -d "$TV" ] || [ ! -f "$MODEL" ]; then
    echo "usage: bench_models_cli_test.sh LAT_BINARY TESTVECTORS_DIR MODEL" >&2
    exit 2
fi
TEST_TMP_PREFIX=lat-bench-models
. "$(dirname "$0")/cli_common.sh"

IMG=$TV/kodim23-48.png
A=$(basename "$MODEL" .latm)   # the shipped file of model ID is ID.latm
B=photo-f64m96-v2               # legacy: installed for good (models/MANIFEST)
MODEL_B=$(dirname "$MODEL")/$B.latm
HYPER=$TV/hyper/test-hyper-n8m8.latm
# A quick sweep (under a second): 5 lat qualities per model, 2 JPEG qualities.
SWEEP="--quiet --threads 2 --crops 1 --codecs lat,jpeg -q 0:100:25 --jpeg-qualities 30,80"

# shellcheck disable=SC2086
expect 0 "$LAT" bench rd "$IMG" -o "$T/rd" $SWEEP --model "$MODEL" --model "$MODEL_B"
cp "$T/out" "$T/summary.txt"
grep -qx "lat model: $A, $MODEL" "$T/summary.txt" || fail "summary lacks model $A"
grep -qx "lat model: $B, $MODEL_B" "$T/summary.txt" || fail "summary lacks model $B"
for m in "$A" "$B"; do
    for q in 0 50; do
        [ "$(grep -c "^kodim23-48.png,lat:$m,q$q," "$T/rd/rd.csv")" = 1 ] ||
            fail "rd.csv has no single lat:$m q$q row"
        grep -q "^lat:$m,q$q,1," "$T/rd/rd_mean.csv" || fail "rd_mean.csv has no lat:$m q$q mean"
        grep -q "^lat:$m  *q$q " "$T/summary.txt" || fail "summary table has no lat:$m q$q row"
    done
    grep -q "^lat $m vs JPEG 4:2:0: BD-rate " "$T/summary.txt" || fail "no BD-rate of $m vs JPEG"
    grep -q "lat $m" "$T/rd/rd_psnr.svg" || fail "rd_psnr.svg has no curve of $m"
    grep -q "lat $m vs (Bj&oslash;ntegaard)" "$T/rd/index.html" || fail "index.html: no BD table of $m"
    grep -q "<b>lat:$m q[0-9]*</b>" "$T/rd/index.html" || fail "index.html: no crop of $m"
done
grep -q '^[^,]*,lat,' "$T/rd/rd.csv" && fail "rd.csv has a plain 'lat' row with two models"
grep -q "^lat $B vs lat $A: BD-rate [+-][0-9.]*% " "$T/summary.txt" ||
    fail "no BD-rate of $B against $A: $(cat "$T/summary.txt")"
grep -q "^lat $A vs lat " "$T/summary.txt" && fail "the first model is compared with another"
# Different models, different figures: the same quality's bytes differ.
bytes() { grep "^kodim23-48.png,lat:$1,q0," "$T/rd/rd.csv" | cut -d, -f4; }
[ -n "$(bytes "$A")" ] && [ "$(bytes "$A")" != "$(bytes "$B")" ] ||
    fail "both models wrote $(bytes "$A") bytes at q0"

# shellcheck disable=SC2086
expect 0 "$LAT" bench rd "$IMG" -o "$T/rdj" $SWEEP --model "$MODEL" --model "$MODEL_B" --json
grep -q "\"lat:$A\":{\"model_id\":\"$A\",\"model_path\":\"$MODEL\",\"bd\":{\"jpeg\":{" "$T/out" ||
    fail "--json has no entry of $A: $(head -c 600 "$T/out")"
grep -q "\"lat:$B\":{\"model_id\":\"$B\",.*\"bd\":{\"jpeg\":{[^}]*},\"lat:$A\":{\"bd_rate_psnr_pct\":[-0-9]" \
    "$T/out" || fail "--json has no BD of $B against $A"
grep -q "\"lat_model_id\":\"$A\"" "$T/out" || fail "--json lat_model_id is not the first model"
if command -v python3 >/dev/null; then
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert len(d["codecs"]) == 7' \
        "$T/out" || fail "--json is not valid JSON with 2 lat entries: $(head -c 600 "$T/out")"
fi

# A --model that cannot be loaded: one clear line, exit 1, nothing written.
expect 1 "$LAT" bench rd "$IMG" -o "$T/bad" --quiet --model "$MODEL" --model "$T/no-such.latm"
one_line "bench rd"
grep -q "^lat bench rd: --model $T/no-such.latm: .*No such file" "$T/err" ||
    fail "bad --model: $(cat "$T/err")"
[ ! -e "$T/bad" ] || fail "a failed --model left $T/bad"
expect 1 "$LAT" bench rd "$IMG" -o "$T/bad" --quiet --model "$IMG"
one_line "bench rd"
grep -q "^lat bench rd: --model $IMG: " "$T/err" || fail "--model a PNG: $(cat "$T/err")"

# --effort-ref measures one model: with one it runs, and its JSON parses.
expect 0 "$LAT" bench rd "$IMG" -o "$T/eff" --quiet --codecs lat -q 50 --model "$MODEL" \
    --effort 1 --effort-ref 0 --json
grep -q '"effort_ref":{"effort":0,.*,"lat_bd_rate_psnr_pct":' "$T/out" ||
    fail "--effort-ref --json: $(head -c 600 "$T/out")"
if command -v python3 >/dev/null; then
    python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$T/out" ||
        fail "--effort-ref --json is not valid JSON: $(head -c 600 "$T/out")"
fi
# --effort-ref measures one model; at most 4 models.
expect 2 "$LAT" bench rd "$IMG" -o "$T/bad" --quiet --model "$MODEL" --model "$MODEL_B" \
    --effort 1 --effort-ref 0
one_line "bench rd"
grep -q "effort-ref measures one model" "$T/err" || fail "--effort-ref, 2 models: $(cat "$T/err")"
expect 2 "$LAT" bench rd "$IMG" -o "$T/bad" --quiet --model "$MODEL" --model "$MODEL" \
    --model "$MODEL" --model "$MODEL" --model "$HYPER"
one_line "bench rd"
"$LAT" bench rd --help | grep -q -- "repeat it" || fail "bench rd --help does not say --model repeats"

echo "$checks checks, $failures failures"
[ "$failures" = 0 ]
