#!/bin/sh
# lat classify end to end on the committed Fashion-MNIST subset
# (testvectors/fmnist: 96 training, 48 test images):
# - malformed IDX input fails with exit 1 and one clear line;
# - pixels from PNG files: encode, train softmax and MLP, save the weights,
#   eval from the files -> accuracy well above chance;
# - with the model: .latb batch and per-image .lat files, latents and
#   synthesized pixels, the same latents from both storage forms, and a
#   classifier refusing features of another kind.
# The model-dependent part is skipped (exit 77) when MODEL is absent.
#
# usage: classify_cli_test.sh LAT_BINARY TESTVECTORS_DIR MODEL.latm
LAT=$1
TV=$2/fmnist
MODEL=$3
if [ ! -x "$LAT" ] || [ ! -d "$TV" ]; then
    echo "usage: classify_cli_test.sh LAT_BINARY TESTVECTORS_DIR MODEL" >&2
    exit 2
fi
TEST_TMP_PREFIX=lat-classify-test
. "$(dirname "$0")/cli_common.sh"

expect_ok() {
    run "$@"
    [ "$rc" -eq 0 ] || fail "exit $rc: $* ($(cat "$T/err"))"
}

# Accuracy printed by eval (first number after "accuracy ") >= $1.
expect_accuracy() {
    acc=$(sed -n 's/.*accuracy \([0-9.]*\).*/\1/p' "$T/out")
    awk -v a="$acc" -v m="$1" 'BEGIN { exit !(a != "" && a + 0 >= m + 0) }' \
        || fail "accuracy '$acc' below $1: $(cat "$T/out")"
}

# ---- malformed IDX: exit 1, one line naming the problem ----
head -c 1000 "$TV/test-images.idx" > "$T/short.idx"
run "$LAT" classify encode --images "$T/short.idx" --format png -o "$T/x"
[ "$rc" -eq 1 ] && grep -q "truncated" "$T/err" && [ "$(wc -l < "$T/err")" -eq 1 ] \
    || fail "truncated IDX: exit $rc, stderr: $(cat "$T/err")"
run "$LAT" classify encode --images "$TV/test-labels.idx" --format png -o "$T/x"
[ "$rc" -eq 1 ] && grep -q "expected an IDX image file" "$T/err" \
    || fail "labels as images: exit $rc, stderr: $(cat "$T/err")"
run "$LAT" classify train --features pixel_png --data "$T/none" --labels "$TV/train-labels.idx" \
    --classifier mlp -o "$T/w.latc"
[ "$rc" -eq 1 ] || fail "missing data: exit $rc"
run "$LAT" classify bogus
[ "$rc" -eq 2 ] || fail "unknown subcommand: exit $rc"

# ---- pixels from PNG files ----
expect_ok "$LAT" classify encode --images "$TV/train-images.idx" --format png -o "$T/png-train"
expect_ok "$LAT" classify encode --images "$TV/test-images.idx" --format png -o "$T/png-test"
[ -f "$T/png-test/000047.png" ] && [ ! -f "$T/png-test/000048.png" ] || fail "png file set"
for c in softmax mlp; do
    expect_ok "$LAT" classify train --features pixel_png --data "$T/png-train" \
        --labels "$TV/train-labels.idx" --classifier $c --epochs 60 --batch 16 -o "$T/png-$c.latc"
    expect_ok "$LAT" classify eval --features pixel_png --data "$T/png-test" \
        --labels "$TV/test-labels.idx" --weights "$T/png-$c.latc"
    expect_accuracy 0.5
done
# Damaged weights are refused.
head -c 500 "$T/png-mlp.latc" > "$T/bad.latc"
run "$LAT" classify eval --features pixel_png --data "$T/png-test" \
    --labels "$TV/test-labels.idx" --weights "$T/bad.latc"
[ "$rc" -eq 1 ] || fail "damaged weights accepted"

if [ ! -f "$MODEL" ]; then
    echo "classify-cli: $MODEL absent, model tests skipped"
    [ "$failures" -eq 0 ] || exit 1
    exit 77
fi

# ---- with the model: latents and synthesized pixels ----
for set in train test; do
    expect_ok "$LAT" classify encode --images "$TV/$set-images.idx" --format latb -q 75 \
        --model "$MODEL" -o "$T/$set.latb"
done
expect_ok "$LAT" classify encode --images "$TV/test-images.idx" --format lat -q 75 \
    --model "$MODEL" -o "$T/lat-test"
[ -f "$T/lat-test/000047.lat" ] || fail "lat file set"
expect_ok "$LAT" info "$T/lat-test/000000.lat"
for c in softmax mlp; do
    expect_ok "$LAT" classify train --features latent --data "$T/train.latb" \
        --labels "$TV/train-labels.idx" --classifier $c --epochs 60 --batch 16 -o "$T/lat-$c.latc"
    expect_ok "$LAT" classify eval --features latent --data "$T/test.latb" \
        --labels "$TV/test-labels.idx" --weights "$T/lat-$c.latc"
    expect_accuracy 0.4
    cp "$T/out" "$T/from-latb"
    # The same latents from per-image .lat files: the same predictions.
    expect_ok "$LAT" classify eval --features latent --data "$T/lat-test" --model "$MODEL" \
        --labels "$TV/test-labels.idx" --weights "$T/lat-$c.latc"
    a1=$(sed -n 's/.*accuracy \([0-9.]*\).*/\1/p' "$T/from-latb")
    a2=$(sed -n 's/.*accuracy \([0-9.]*\).*/\1/p' "$T/out")
    [ "$a1" = "$a2" ] || fail "latent accuracy .latb $a1 vs .lat files $a2"
done
expect_ok "$LAT" classify train --features pixel_lat --data "$T/train.latb" --model "$MODEL" \
    --labels "$TV/train-labels.idx" --classifier mlp --epochs 60 --batch 16 -o "$T/pl.latc"
expect_ok "$LAT" classify eval --features pixel_lat --data "$T/lat-test" --model "$MODEL" \
    --labels "$TV/test-labels.idx" --weights "$T/pl.latc" --json
grep -q '"features": "pixel_lat"' "$T/out" || fail "json output: $(cat "$T/out")"
# A latent classifier refuses pixel features.
run "$LAT" classify eval --features pixel_lat --data "$T/test.latb" --model "$MODEL" \
    --labels "$TV/test-labels.idx" --weights "$T/lat-mlp.latc"
[ "$rc" -eq 1 ] && grep -q "trained on" "$T/err" || fail "feature mismatch accepted"

if [ "$failures" -ne 0 ]; then
    echo "classify-cli: $failures failure(s)" >&2
    exit 1
fi
echo "classify-cli: ok"
