#!/bin/sh
# Adds compatibility vectors (README.md here): encodes the small sources with
# the lat binary LAT (any build, old or new) and the model file MODEL, and
# keeps each file with its decode by that same build:
#   testvectors/compat/add.sh LAT MODEL TAG
# writes testvectors/compat/<model id>/TAG-NAME-qQ.{lat,png}. TAG names the
# encoder's lossy params version (p1, p2, ...). MODEL "lossless" writes
# lossless files into testvectors/compat/lossless/ (decodes are the sources);
# then names after TAG pick the sources (default: all of them), e.g.
#   testvectors/compat/add.sh OLD/lat lossless l1 gray8 gray16
# Then run `build/tests/test_compat --print testvectors models` and replace
# the model's LATENTS file with the lines it prints for that folder.
# Existing files are never overwritten: compatibility vectors are frozen.
set -eu
LAT=$1
MODEL=$2
TAG=$3
here=$(cd "$(dirname "$0")" && pwd)
tv="$here/.."
put() {   # put NAME.lat: refuses to replace a frozen vector
    [ ! -e "$1" ] || { echo "$1 exists: compatibility vectors are frozen" >&2; exit 1; }
}
if [ "$MODEL" = lossless ]; then
    out="$here/lossless"
    mkdir -p "$out"
    shift 3
    for src in kodim23-48.png:rgb48 pngsuite/basn2c16.png:rgb16 pngsuite/basn4a08.png:ga8 \
               pngsuite/basn3p04.png:pal4 pngsuite/basn0g08.png:gray8 \
               pngsuite/basn0g16.png:gray16 pngsuite/basn4a16.png:ga16 \
               pngsuite/basn6a08.png:rgba8 pngsuite/basn6a16.png:rgba16 \
               pngsuite/tbrn2c08.png:trns8 kodim23-gray512x256.png:gray512x256; do
        file=${src%%:*}; kind=${src##*:}; name=$TAG-$kind
        if [ $# -gt 0 ]; then
            case " $* " in *" $kind "*) ;; *) continue ;; esac
        fi
        put "$out/$name.lat"
        "$LAT" encode "$tv/$file" -o "$out/$name.lat" --lossless
        cp "$tv/$file" "$out/$name.png"
    done
    ls -l "$out"
    exit 0
fi
"$LAT" encode "$tv/kodim23-48.png" -o "$here/probe.lat" -q 50 --model "$MODEL"
id=$("$LAT" info "$here/probe.lat" | sed -n 's/^model: *\([^ ]*\) .*/\1/p')
rm -f "$here/probe.lat"
[ -n "$id" ] || { echo "cannot read the model id from lat info" >&2; exit 1; }
out="$here/$id"
mkdir -p "$out"
for job in kodim23-48.png:rgb48:10 kodim23-48.png:rgb48:50 kodim23-48.png:rgb48:90 \
           pngsuite/basn0g08.png:gray32:50; do
    file=${job%%:*}; rest=${job#*:}; q=${rest##*:}; name=$TAG-${rest%%:*}-q$q
    put "$out/$name.lat"
    "$LAT" encode "$tv/$file" -o "$out/$name.lat" -q "$q" --model "$MODEL"
    "$LAT" decode "$out/$name.lat" -o "$out/$name.png" --model "$MODEL"
done
ls -l "$out"
