#!/bin/sh
# lat train end to end on a tiny network (N = M = 4, crops of 32):
# - it writes a model the codec loads (lossy encode/decode with --model)
#   and a checkpoint that --resume continues from;
# - SIGTERM stops it cleanly: "stopped ... (signal)", exit 0, a checkpoint
#   at the step reached, no temporary files left;
# - a shared-prior model resumed with per-level priors becomes
#   architecture 2 (byte 48 of the file).
#
# usage: train_cli_test.sh LAT_BINARY TESTVECTORS_DIR
LAT=$1
TV=$2
if [ ! -x "$LAT" ] || [ ! -d "$TV" ]; then
    echo "usage: train_cli_test.sh LAT_BINARY TESTVECTORS_DIR" >&2
    exit 2
fi
TEST_TMP_PREFIX=lat-train-test
. "$(dirname "$0")/cli_common.sh"

mkdir "$T/imgs"
cp "$TV/kodim23-48.png" "$TV/kodim23-crop512.png" "$T/imgs/"
TINY="--N 4 --M 4 --lambdas 0.01,0.05 --crop 32 --batch 1 --val-count 0 --val-every 0 --threads 1"
arch() { od -An -tu1 -j48 -N1 "$1" | tr -d ' '; }

run "$LAT" train "$T/imgs" -o "$T/m.latm" $TINY --steps 40 --shared-prior --log-every 10
[ "$rc" -eq 0 ] && [ -s "$T/m.latm" ] && [ -s "$T/m.latm.ckpt" ] || fail "train: rc $rc"
cat "$T/out" "$T/err" | grep -q "^step 40 " || fail "no progress line for step 40"
[ "$(arch "$T/m.latm")" = 1 ] || fail "--shared-prior did not write architecture 1"
run "$LAT" encode -q 50 --model "$T/m.latm" "$TV/kodim23-48.png" -o "$T/a.lat"
[ "$rc" -eq 0 ] || fail "encode with the trained model: rc $rc"
run "$LAT" decode --model "$T/m.latm" "$T/a.lat" -o "$T/a.png"
[ "$rc" -eq 0 ] && [ -s "$T/a.png" ] || fail "decode with the trained model: rc $rc"

run "$LAT" train "$T/imgs" -o "$T/m2.latm" $TINY --steps 60 --resume "$T/m.latm.ckpt" --log-every 10
[ "$rc" -eq 0 ] && cat "$T/out" "$T/err" | grep -q "step 40 -> 60" || fail "resume did not continue from step 40"
[ "$(arch "$T/m2.latm")" = 2 ] || fail "resumed per-level model is not architecture 2"

"$LAT" train "$T/imgs" -o "$T/s.latm" $TINY --steps 100000000 --log-every 100000 \
    --checkpoint-every 50 >"$T/sig.out" 2>&1 &
pid=$!
sleep 2
kill -TERM "$pid"
wait "$pid"
rc=$?
checks=$((checks + 1))
[ "$rc" -eq 0 ] && grep -q "stopped at step .* (signal)" "$T/sig.out" || fail "SIGTERM: rc $rc"
run "$LAT" train "$T/imgs" -o "$T/s2.latm" $TINY --steps 1 --resume "$T/s.latm.ckpt"
stopped=$(sed -n 's/.*stopped at step \([0-9]*\).*/\1/p' "$T/sig.out")
cat "$T/out" "$T/err" | grep -q "step $stopped -> " || fail "checkpoint after SIGTERM is not at step $stopped"
ls -a "$T" | grep -q '^\.' && ls -a "$T" | grep -v '^\.\.\?$' | grep -q '^\.' && fail "temporary file left"

# Option values are checked numbers: a typo is a usage error, not 0.
for bad in "--steps x" "--lr 1e-3x" "--batch -1" "--threads 0"; do
    run "$LAT" train "$T/imgs" -o "$T/bad.latm" $TINY $bad
    [ "$rc" -eq 2 ] && grep -q "bad value" "$T/err" && [ ! -e "$T/bad.latm" ] ||
        fail "train $bad: rc $rc, $(cat "$T/err")"
done

if [ "$failures" -ne 0 ]; then
    echo "train-cli: $failures failure(s) in $checks checks" >&2
    exit 1
fi
echo "train-cli: ok ($checks checks)"
