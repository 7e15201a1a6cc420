#!/bin/sh
# Regenerates the frozen architecture-3 vector (README.md). The model is a
# test asset, trained once: run this only when the vector must change (a
# deliberate format change: docs/FORMAT.md 4.4), and say so in the commit.
#   testvectors/hyper/make.sh build/tools/lat build/tests/test_hyper_vectors
set -eu
LAT=${1:-build/tools/lat}
CHECK=${2:-build/tests/test_hyper_vectors}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$here" && python3 make-source.py)
mkdir "$tmp/data"
cp "$here/source.png" "$tmp/data/a.png"
cp "$here/source.png" "$tmp/data/b.png"   # the held-out validation image
"$LAT" train "$tmp/data" -o "$tmp/model.latm" --hyperprior --N 8 --M 8 --lambdas 1,4 \
    --crop 64 --batch 4 --steps 1500 --lr 5e-3 --lr-min 1e-3 --decay-start 500 \
    --decay-steps 1000 --val-every 0 --val-count 1 --scales 1 --snapshot-every 0 \
    --checkpoint-every 1500 --log-every 500 --id test-hyper-n8m8 --threads 1 --seed 3
cp "$tmp/model.latm" "$here/test-hyper-n8m8.latm"
"$LAT" encode "$here/source.png" -o "$here/source-q50.lat" -q 50 --strip \
    --model "$here/test-hyper-n8m8.latm"
"$LAT" decode "$here/source-q50.lat" -o "$here/source-q50.png" --model "$here/test-hyper-n8m8.latm"
"$CHECK" --print "$here" > "$here/EXPECTED"
cat "$here/EXPECTED"
