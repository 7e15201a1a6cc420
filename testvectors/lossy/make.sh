#!/bin/sh
# Regenerates the lossy reference files from the shipped model. Run it (and
# commit the result) whenever models/photo.latm or the lossy format changes:
#   testvectors/lossy/make.sh build/tools/lat
# Each NAME-qQ.lat is SOURCE encoded at quality Q; NAME-qQ.png is its decode
# on the build that made it. tests/lossy_vectors_test.sh checks both.
set -eu
LAT=${1:-build/tools/lat}
here=$(cd "$(dirname "$0")" && pwd)
model="$here/../../models/photo.latm"
rm -f "$here"/*.lat "$here"/*.png "$here/SOURCES"
for src in kodim23-48.png:rgb48 bench/kodim05-176.png:rgb176; do
    file=${src%%:*}; name=${src##*:}
    for q in 10 50 90; do
        "$LAT" encode "$here/../$file" -o "$here/$name-q$q.lat" -q "$q" --model "$model"
        echo "$name-q$q ../$file" >> "$here/SOURCES"
        "$LAT" decode "$here/$name-q$q.lat" -o "$here/$name-q$q.png" --model "$model"
    done
done
# A gray image exercises the one-channel path.
"$LAT" encode "$here/../pngsuite/basn0g08.png" -o "$here/gray32-q50.lat" -q 50 --model "$model"
echo "gray32-q50 ../pngsuite/basn0g08.png" >> "$here/SOURCES"
"$LAT" decode "$here/gray32-q50.lat" -o "$here/gray32-q50.png" --model "$model"
"$LAT" info "$here/rgb48-q50.lat" | grep -i model > "$here/MODEL"
ls -l "$here"
