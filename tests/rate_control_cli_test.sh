#!/bin/sh
# lat encode --size / --psnr (rate control) and --effort from the CLI: a
# size target gives a file within it, a PSNR target a decode that reaches
# it, the search's quality in lat info and --json, unreachable targets
# exit 1 with one line saying what the nearest quality gives (no output
# file); --effort 0 is the default encoder, a refined file decodes and the
# same seed gives the same bytes; bad combinations and values exit 2.
#
# usage: rate_control_cli_test.sh LAT_BINARY TESTVECTORS_DIR
LAT=$1
TV=$2
if [ ! -x "$LAT" ] || [ ! -d "$TV" ]; then
    echo "usage: rate_control_cli_test.sh LAT_BINARY TESTVECTORS_DIR" >&2
    exit 2
fi
TEST_TMP_PREFIX=lat-rate-test
. "$(dirname "$0")/cli_common.sh"
IN=$TV/kodim23-48.png

size_of() { wc -c <"$1" | tr -d ' '; }

# The ends of the quality range.
expect 0 "$LAT" encode "$IN" -o "$T/q0.lat" -q 0
expect 0 "$LAT" encode "$IN" -o "$T/q100.lat" -q 100
n0=$(size_of "$T/q0.lat")
n100=$(size_of "$T/q100.lat")
[ "$n0" -lt "$n100" ] || fail "q0 $n0 bytes not below q100 $n100"

# Size targets: within, and close below.
for k in 1 2 3; do
    target=$((n0 + (n100 - n0) * k / 4))
    expect 0 "$LAT" encode "$IN" -o "$T/s$k.lat" --size "$target" --json
    n=$(size_of "$T/s$k.lat")
    [ "$n" -le "$target" ] || fail "--size $target gave $n bytes"
    [ $((n + (n100 - n0) / 20)) -ge "$target" ] || fail "--size $target gave only $n bytes"
    q=$(sed -n 's/.*"quality": \([0-9]*\).*/\1/p' "$T/out")
    expect 0 "$LAT" info "$T/s$k.lat"
    grep -q "^quality: *$q$" "$T/out" || fail "lat info quality is not the search's $q: $(cat "$T/out")"
done

# A PSNR target: the decode reaches it, with a smaller file than q100.
expect 0 "$LAT" compare "$IN" "$T/q100.lat"
top=$(sed -n 's/^PSNR: \([0-9.]*\) dB.*/\1/p' "$T/out")
[ -n "$top" ] || fail "no PSNR from lat compare: $(cat "$T/out")"
want=$(awk "BEGIN { print $top - 1.5 }")
expect 0 "$LAT" encode "$IN" -o "$T/p.lat" --psnr "$want" -v
grep -q "rate search: quality" "$T/err" || fail "-v does not show the search's quality"
expect 0 "$LAT" compare "$IN" "$T/p.lat"
got=$(sed -n 's/^PSNR: \([0-9.]*\) dB.*/\1/p' "$T/out")
awk "BEGIN { exit !($got >= $want) }" || fail "--psnr $want decodes at $got dB"
[ "$(size_of "$T/p.lat")" -lt "$n100" ] || fail "--psnr $want is not smaller than q100"

# Unreachable: exit 1, one line naming what the nearest end gives, no file.
expect 1 "$LAT" encode "$IN" -o "$T/u.lat" --size 10
one_line encode
grep -q "quality 0 gives $n0 bytes" "$T/err" || fail "unreachable size: $(cat "$T/err")"
[ ! -e "$T/u.lat" ] || fail "a failed --size left a file"
expect 1 "$LAT" encode "$IN" -o "$T/u.lat" --psnr 99
one_line encode
grep -q "quality 100 gives" "$T/err" || fail "unreachable psnr: $(cat "$T/err")"

# --effort: 0 is the default encoder; a refined file decodes, the same
# seed gives the same bytes.
expect 0 "$LAT" encode "$IN" -o "$T/d.lat" -q 50
expect 0 "$LAT" encode "$IN" -o "$T/e0.lat" -q 50 --effort 0
cmp -s "$T/d.lat" "$T/e0.lat" || fail "--effort 0 differs from the default encoder"
expect 0 "$LAT" encode "$IN" -o "$T/e1.lat" -q 50 --effort 1 --seed 7
expect 0 "$LAT" encode "$IN" -o "$T/e1b.lat" -q 50 --effort 1 --seed 7
cmp -s "$T/e1.lat" "$T/e1b.lat" || fail "--effort 1 --seed 7 twice: other bytes"
expect 0 "$LAT" compare "$IN" "$T/e1.lat"
expect 0 "$LAT" encode "$IN" -o "$T/e1s.lat" --effort 1 --size "$(size_of "$T/d.lat")"
[ "$(size_of "$T/e1s.lat")" -le "$(size_of "$T/d.lat")" ] || fail "--effort 1 --size: too big"

# Usage errors.
for bad in "--size 0" "--size -3" "--size x" "--psnr 0" "--psnr nan" "--psnr 1e9" \
           "--size 5000 --psnr 30" "--size 5000 --lossless" "--effort 10" "--effort -1" \
           "--seed -1" "--seed 4294967296"; do
    # shellcheck disable=SC2086
    expect 2 "$LAT" encode "$IN" -o "$T/bad.lat" $bad
    one_line encode
done
[ ! -e "$T/bad.lat" ] || fail "a usage error left a file"

echo "$checks checks, $failures failures"
[ "$failures" = 0 ]
