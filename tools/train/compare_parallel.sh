#!/bin/sh
# Side by side: lat train's step cost as 1 rank x 1 thread (A), 2 ranks x 1
# thread under mpirun (B) and 1 rank x 2 threads (C), each run REPS times,
# interleaved; (64, 96), --batch 8, 128^2 crops. Prints per run: the median
# steps/s of the progress windows after step 5, and the CPU seconds per
# step (user + sys of the whole run, less a 0-step run of the same kind, so
# image loading does not count). README "Training a model" quotes it.
#
# usage: tools/train/compare_parallel.sh LAT_BINARY IMAGE_DIR [STEPS [REPS]]
LAT=$1
DIR=$2
STEPS=${3:-25}
REPS=${4:-3}
if [ ! -x "$LAT" ] || [ ! -d "$DIR" ] || ! command -v mpirun >/dev/null; then
    echo "usage: compare_parallel.sh LAT_BINARY IMAGE_DIR [STEPS [REPS]] (needs mpirun, /usr/bin/time)" >&2
    exit 2
fi
T=$(mktemp -d) || exit 1
trap 'rm -rf "$T"' EXIT
COMMON="$DIR --val-count 0 --val-every 0 --checkpoint-every 1000000 --snapshot-every 0 --log-every 5 --seed 1"
MPI="mpirun --allow-run-as-root -np 2"

# run NAME STEPS CMD...: prints "NAME steps/s CPU-seconds" and keeps the CPU in $cpu
run() {
    name=$1 steps=$2
    shift 2
    /usr/bin/time -f "%U %S" -o "$T/time" "$@" -o "$T/m.latm" $COMMON --steps "$steps" >"$T/log" 2>&1 \
        || { echo "$name: failed" >&2; cat "$T/log" >&2; exit 1; }
    rate=$(sed -n 's/^step \([0-9]*\) .* \([0-9.]*\) steps\/s.*/\1 \2/p' "$T/log" \
        | awk '$1 > 5 { print $2 }' | sort -n | awk '{ a[NR] = $1 } END { print NR ? a[int((NR + 1) / 2)] : "-" }')
    cpu=$(awk '{ print $1 + $2 }' "$T/time")
}
run A0 0 "$LAT" train --threads 1; a0=$cpu
run B0 0 $MPI "$LAT" train; b0=$cpu
run C0 0 "$LAT" train --threads 2; c0=$cpu
echo "load average $(cut -d' ' -f1-3 /proc/loadavg); $STEPS steps per run"
for r in $(seq "$REPS"); do
    run A "$STEPS" "$LAT" train --threads 1
    echo "A 1 rank x 1 thread:  $rate steps/s  $(echo "$cpu $a0 $STEPS" | awk '{ printf "%.3f", ($1 - $2) / $3 }') CPU s/step"
    run B "$STEPS" $MPI "$LAT" train
    echo "B 2 ranks x 1 thread: $rate steps/s  $(echo "$cpu $b0 $STEPS" | awk '{ printf "%.3f", ($1 - $2) / $3 }') CPU s/step"
    run C "$STEPS" "$LAT" train --threads 2
    echo "C 1 rank x 2 threads: $rate steps/s  $(echo "$cpu $c0 $STEPS" | awk '{ printf "%.3f", ($1 - $2) / $3 }') CPU s/step"
done
echo "load average $(cut -d' ' -f1-3 /proc/loadavg)"
