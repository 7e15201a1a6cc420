#!/bin/sh
# PngSuite conformance through the CLI: every valid file round-trips through
# `lat encode --lossless` and `lat decode` with identical pixel values (both
# sides read by libpng with the same expansion: palette -> RGB, tRNS ->
# alpha, 1/2/4-bit gray -> 8-bit, no gamma), and each corrupt x*.png is
# refused with a one-line error and no output file.
#
# usage: pngsuite_cli_test.sh LAT_BINARY PNGSUITE_DIR
LAT=$1
DIR=$2
if [ ! -x "$LAT" ] || [ ! -d "$DIR" ]; then
    echo "usage: pngsuite_cli_test.sh LAT_BINARY PNGSUITE_DIR" >&2
    exit 2
fi
T=$(mktemp -d "${TMPDIR:-/tmp}/lat-pngsuite.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
valid=0
valid_ok=0
corrupt=0
corrupt_ok=0
for f in "$DIR"/*.png; do
    name=$(basename "$f")
    rm -f "$T/x.lat" "$T/x.png"
    case "$name" in
    x*)
        corrupt=$((corrupt + 1))
        timeout 20 "$LAT" encode "$f" -o "$T/x.lat" --lossless 2>"$T/err"
        rc=$?
        lines=$(wc -l <"$T/err")
        if [ "$rc" = 1 ] && [ "$lines" = 1 ] && [ ! -e "$T/x.lat" ]; then
            corrupt_ok=$((corrupt_ok + 1))
            echo "refused $name: $(cat "$T/err")"
        else
            echo "FAIL: corrupt $name: exit $rc, output $(ls "$T"), $(cat "$T/err")" >&2
        fi
        ;;
    *)
        valid=$((valid + 1))
        if timeout 20 "$LAT" encode "$f" -o "$T/x.lat" --lossless 2>"$T/err" &&
            timeout 20 "$LAT" decode "$T/x.lat" -o "$T/x.png" 2>>"$T/err" &&
            "$LAT" compare --exact --same-metadata "$f" "$T/x.png" >/dev/null 2>>"$T/err"; then
            valid_ok=$((valid_ok + 1))
        else
            echo "FAIL: $name: $(cat "$T/err")" >&2
        fi
        ;;
    esac
done
echo "pngsuite: $valid_ok of $valid valid files round-tripped exactly," \
    "$corrupt_ok of $corrupt corrupt files refused"
[ "$valid" -gt 150 ] && [ "$valid_ok" = "$valid" ] && [ "$corrupt" = 14 ] &&
    [ "$corrupt_ok" = 14 ]
