#!/bin/sh
# lat train under mpirun (data parallel), on a tiny network:
# - 2 ranks train: exit 0, one progress log and one validation (rank 0's),
#   a model the codec loads and a checkpoint;
# - 1 rank (no mpirun), 2 ranks and 3 ranks (uneven shares of --batch 4)
#   with the same seed give the same losses up to float rounding;
# - a 2-rank run resumes from the checkpoint;
# - SIGUSR1 to mpirun stops every rank with a checkpoint at the same step.
#
# usage: train_mpi_test.sh LAT_BINARY MPIRUN TESTVECTORS_DIR
LAT=$1
MPIRUN=$2
TV=$3
if [ ! -x "$LAT" ] || [ ! -x "$MPIRUN" ] || [ ! -d "$TV" ]; then
    echo "usage: train_mpi_test.sh LAT_BINARY MPIRUN TESTVECTORS_DIR" >&2
    exit 2
fi
TEST_TMP_PREFIX=lat-train-mpi-test
. "$(dirname "$0")/cli_common.sh"
# In the sanitizer build, Open MPI's components (loaded and unloaded with
# dlopen) leave thousands of allocations at exit that LeakSanitizer cannot
# even name: no leak check under mpirun (the 1-rank run keeps it; ASan's
# other checks and UBSan stay on).
MPI="env ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
     $MPIRUN --allow-run-as-root --oversubscribe --bind-to none -x ASAN_OPTIONS"

mkdir "$T/imgs"
cp "$TV/kodim23-48.png" "$TV/kodim23-64.jpg" "$TV/kodim23-crop512.png" "$T/imgs/"
TINY="--N 4 --M 4 --lambdas 0.01,0.05 --crop 32 --batch 4 --val-count 1 --val-every 10 --threads 1
      --seed 7 --log-every 1 --checkpoint-every 10"
losses() { sed -n 's/^step \([0-9]*\) loss \([0-9.]*\) .*/\1 \2/p' "$1"; }

run "$LAT" train "$T/imgs" -o "$T/one.latm" $TINY --steps 20
[ "$rc" -eq 0 ] && [ -s "$T/one.latm" ] || fail "1 rank: rc $rc"
losses "$T/err" >"$T/one.loss"

run $MPI -np 2 "$LAT" train "$T/imgs" -o "$T/two.latm" $TINY --steps 20
cat "$T/out" "$T/err" >"$T/two.log"
[ "$rc" -eq 0 ] && [ -s "$T/two.latm" ] && [ -s "$T/two.latm.ckpt" ] || fail "2 ranks: rc $rc"
grep -q "2 ranks (MPI" "$T/two.log" || fail "2 ranks: no rank line"
[ "$(grep -c '^step 20 ' "$T/two.log")" = 1 ] || fail "2 ranks: not one progress line for step 20"
[ "$(grep -c '^val step 20:' "$T/two.log")" = 1 ] || fail "2 ranks: not one validation at step 20"
[ "$(grep -c 'stopped at step 20 ' "$T/two.log")" = 1 ] || fail "2 ranks: not one final line"
losses "$T/two.log" >"$T/two.loss"

run $MPI -np 3 "$LAT" train "$T/imgs" -o "$T/three.latm" $TINY --steps 20
cat "$T/out" "$T/err" >"$T/three.log"
[ "$rc" -eq 0 ] && [ -s "$T/three.latm" ] || fail "3 ranks: rc $rc"
losses "$T/three.log" >"$T/three.loss"

# Same minibatches, so the same losses up to float summation order.
for k in two three; do
    [ "$(wc -l <"$T/$k.loss")" -eq 20 ] || fail "$k ranks: $(wc -l <"$T/$k.loss") loss lines"
    checks=$((checks + 1))
    join "$T/one.loss" "$T/$k.loss" | awk -v k="$k" '
        { d = $2 - $3; if (d < 0) d = -d; r = d / ($2 > 0 ? $2 : 1); if (r > worst) worst = r; n++ }
        END { printf "1 rank vs %s ranks: %d steps, largest relative loss difference %.2e\n", k, n, worst;
              exit !(n == 20 && worst < 1e-3) }' || fail "1 rank and $k ranks train differently"
done

run "$LAT" encode -q 50 --model "$T/two.latm" "$TV/kodim23-48.png" -o "$T/a.lat"
[ "$rc" -eq 0 ] || fail "encode with the 2-rank model: rc $rc"

run $MPI -np 2 "$LAT" train "$T/imgs" -o "$T/two.latm" $TINY --steps 25 --resume "$T/two.latm.ckpt"
cat "$T/out" "$T/err" >"$T/resume.log"
[ "$rc" -eq 0 ] && grep -q "step 20 -> 25" "$T/resume.log" && grep -q "^step 25 " "$T/resume.log" \
    || fail "2 ranks: resume did not continue from step 20 (rc $rc)"

# SIGUSR1 to mpirun (which forwards it; SIGTERM it follows with SIGKILL):
# every rank stops at the same step and rank 0 writes a checkpoint there.
$MPI -np 2 "$LAT" train "$T/imgs" -o "$T/s.latm" $TINY --steps 100000000 --log-every 100000 \
    --val-every 0 --checkpoint-every 20 >"$T/sig.log" 2>&1 &
pid=$!
i=0
while [ ! -s "$T/s.latm.ckpt" ] && [ "$i" -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
kill -USR1 "$pid"
wait "$pid"
rc=$?
checks=$((checks + 1))
stopped=$(sed -n 's/.*stopped at step \([0-9]*\) .*(signal)/\1/p' "$T/sig.log")
[ "$rc" -eq 0 ] && [ -n "$stopped" ] || fail "SIGUSR1: rc $rc, no stop line"
run "$LAT" train "$T/imgs" -o "$T/s2.latm" $TINY --steps 1 --resume "$T/s.latm.ckpt"
cat "$T/out" "$T/err" | grep -q "step $stopped -> " || fail "checkpoint after SIGUSR1 is not at step $stopped"

if [ "$failures" -ne 0 ]; then
    cat "$T/two.log" >&2
    echo "train-mpi: $failures failure(s) in $checks checks" >&2
    exit 1
fi
echo "train-mpi: ok ($checks checks)"
