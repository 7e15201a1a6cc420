#!/bin/sh
# The lossy reference files (testvectors/lossy, made by make.sh there: what
# the current encoder writes with the default model) must decode to their
# expected PNG bytes exactly, on any machine, with every kernel path forced
# (LAT_NN_PATH; a path this CPU lacks falls back to the best it has) and any
# thread count (docs/FORMAT.md, 4), and re-encode to the same bytes. A changed
# default model or lossy encoder without regenerated vectors fails here.
# No --model: the models come from the default search (lat.h, "Models").
# Frozen files of older encoders and models: testvectors/compat.
set -eu
LAT=$1
dir=$2
unset LAT_MODEL LAT_MODEL_DIR
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
# decodes_to FILE.lat REFERENCE.png [THREADS]: the decode is byte-identical.
decodes_to() {
    "$LAT" decode "$1" -o "$T/decoded.png" --threads "${3:-0}"
    cmp -s "$2" "$T/decoded.png" || {
        echo "FAIL: $1 decodes differently from its reference (path ${LAT_NN_PATH:-auto}," \
             "threads ${3:-0}): $("$LAT" compare "$2" "$T/decoded.png")"
        exit 1
    }
}
n=0
for f in "$dir"/*.lat; do
    name=$(basename "$f" .lat)
    decodes_to "$f" "$dir/$name.png"
    for path in c avx2 avx512; do
        LAT_NN_PATH=$path decodes_to "$f" "$dir/$name.png" 1
        LAT_NN_PATH=$path decodes_to "$f" "$dir/$name.png" 3
    done
    # The encoder is deterministic on one build: re-encoding the source at
    # the recorded quality gives the same bytes (same latents).
    src=$(sed -n "s/^$name \(.*\)$/\1/p" "$dir/SOURCES")
    q=${name##*-q}
    "$LAT" encode "$dir/$src" -o "$T/$name.lat" -q "$q"
    cmp -s "$f" "$T/$name.lat" || { echo "FAIL: re-encoding $src at q$q differs from $name.lat"; exit 1; }
    n=$((n + 1))
done
# lat info -v reports the latent coder's size against the prior's ideal.
"$LAT" info -v "$dir/rgb176-q50.lat" > "$T/info"
grep -q "^latents: .* bytes coded, .* bytes ideal under the prior" "$T/info" ||
    { echo "FAIL: lat info -v lacks the latent statistics"; exit 1; }
[ "$n" -ge 7 ] || { echo "FAIL: expected at least 7 reference files, found $n"; exit 1; }
echo "$n lossy reference files decode exactly on every kernel path"
