#!/bin/sh
# Regenerates the lossy reference files with the default model (found by
# the default search, lat.h "Models"). Run it (and commit the result)
# whenever the default model (models/MANIFEST) or the lossy encoder changes:
#   testvectors/lossy/make.sh build/tools/lat
# Files that old lat versions wrote are kept in testvectors/compat instead.
# Each NAME-qQ.lat is SOURCE encoded at quality Q; NAME-qQ.png is its decode
# on the build that made it. tests/lossy_vectors_test.sh checks both.
set -eu
LAT=${1:-build/tools/lat}
here=$(cd "$(dirname "$0")" && pwd)
unset LAT_MODEL LAT_MODEL_DIR
rm -f "$here"/*.lat "$here"/*.png "$here/SOURCES"
for src in kodim23-48.png:rgb48 bench/kodim05-176.png:rgb176; do
    file=${src%%:*}; name=${src##*:}
    for q in 10 50 90; do
        "$LAT" encode "$here/../$file" -o "$here/$name-q$q.lat" -q "$q"
        echo "$name-q$q ../$file" >> "$here/SOURCES"
        "$LAT" decode "$here/$name-q$q.lat" -o "$here/$name-q$q.png"
    done
done
# A gray image exercises the one-channel path.
"$LAT" encode "$here/../pngsuite/basn0g08.png" -o "$here/gray32-q50.lat" -q 50
echo "gray32-q50 ../pngsuite/basn0g08.png" >> "$here/SOURCES"
"$LAT" decode "$here/gray32-q50.lat" -o "$here/gray32-q50.png"
"$LAT" info "$here/rgb48-q50.lat" | grep "^model: " > "$here/MODEL"
ls -l "$here"
