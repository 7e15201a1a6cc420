#!/bin/sh
# The lat binary's OpenBLAS kernel (tools/cli/lat.c; lat.h, "Speed"):
# without OPENBLAS_CORETYPE it never runs a kernel slower than the best
# for this CPU (it restarts itself with the best one when OpenBLAS chose a
# slower one); an explicit OPENBLAS_CORETYPE is kept, even a slower one;
# lossy files and decoded pixels are the same bytes under every kernel
# this CPU runs.
#
# usage: blas_kernel_cli_test.sh LAT_BINARY TESTVECTORS_DIR
LAT=$1
TV=$2
if [ ! -x "$LAT" ] || [ ! -d "$TV" ]; then
    echo "usage: blas_kernel_cli_test.sh LAT_BINARY TESTVECTORS_DIR" >&2
    exit 2
fi
TEST_TMP_PREFIX=lat-blas-kernel-test
. "$(dirname "$0")/cli_common.sh"
unset OPENBLAS_CORETYPE LAT_MODEL LAT_MODEL_DIR

# kernel [CORETYPE]: the "OpenBLAS kernel:" line of lat --version -v.
kernel() {
    if [ $# = 1 ]; then
        OPENBLAS_CORETYPE=$1 "$LAT" --version -v
    else
        "$LAT" --version --verbose
    fi | sed -n 's/^OpenBLAS kernel: //p'
}

line=$(kernel)
[ -n "$line" ] || fail "lat --version -v prints no OpenBLAS kernel line"
case "$line" in
    *slower*) fail "without OPENBLAS_CORETYPE lat runs a slower kernel than the best: $line" ;;
esac
best=$(echo "$line" | sed -n 's/.*best for this CPU: \([A-Za-z0-9_]*\).*/\1/p')
[ -n "$best" ] || fail "no best kernel in: $line"
"$LAT" --version | grep -q "OpenBLAS" && fail "lat --version without -v prints the kernel"

# An explicit kernel is kept, and said to be slower where it is.
line=$(kernel Prescott)
case "$line" in
    Prescott\ *) ;;
    *) fail "OPENBLAS_CORETYPE=Prescott not kept: $line" ;;
esac
if [ "$best" != none ] && ! echo "$line" | grep -q "kept though slower"; then
    fail "Prescott on a CPU whose best kernel is $best is not reported slower: $line"
fi

# The kernels this CPU runs, slowest first.
case "$best" in
    Cooperlake) kernels="Prescott Haswell SkylakeX Cooperlake" ;;
    SkylakeX) kernels="Prescott Haswell SkylakeX" ;;
    Haswell) kernels="Prescott Haswell" ;;
    *) kernels="Prescott" ;;
esac
img="$TV/kodim23-crop512.png"
expect 0 "$LAT" encode "$img" -q 50 -o "$T/default.lat"
expect 0 "$LAT" decode "$T/default.lat" -o "$T/default.png"
for k in $kernels; do
    expect 0 env OPENBLAS_CORETYPE=$k "$LAT" encode "$img" -q 50 -o "$T/$k.lat"
    cmp -s "$T/default.lat" "$T/$k.lat" || fail "the lossy file differs under the $k kernel"
    expect 0 env OPENBLAS_CORETYPE=$k "$LAT" decode "$T/default.lat" -o "$T/$k.png"
    cmp -s "$T/default.png" "$T/$k.png" || fail "the decoded pixels differ under the $k kernel"
done

if [ "$failures" -gt 0 ]; then
    echo "$failures of $checks checks failed"
    exit 1
fi
echo "blas kernel: $checks runs passed (best for this CPU: $best; kernels checked: $kernels)"
