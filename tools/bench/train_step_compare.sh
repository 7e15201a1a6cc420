#!/bin/sh
# Training step of two lat builds side by side: `lat bench nn --train-step`
# of NEW in its default environment and of OLD with OPENBLAS_CORETYPE set to
# each kernel given, interleaved for ROUNDS rounds (medians: read them off).
#   tools/bench/train_step_compare.sh OLD_LAT NEW_LAT [ROUNDS] [KERNELS...]
# e.g. tools/bench/train_step_compare.sh /old/build/tools/lat build/tools/lat 3 Haswell Cooperlake
set -eu
old=$1 new=$2 rounds=${3:-3}
shift 2; [ $# -gt 0 ] && shift
kernels=${*:-Haswell}
steal() { awk '/^cpu /{print $9}' /proc/stat; }
echo "steal ticks before: $(steal); load: $(cut -d' ' -f1 /proc/loadavg)"
i=0
while [ $i -lt "$rounds" ]; do
    echo "new, default environment: $("$new" bench nn --train-step --runs 3 | tail -1)"
    for k in $kernels; do
        echo "old, OPENBLAS_CORETYPE=$k: $(OPENBLAS_CORETYPE=$k "$old" bench nn --train-step --runs 3 | tail -1)"
    done
    i=$((i + 1))
done
echo "steal ticks after: $(steal)"
