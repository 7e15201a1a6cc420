#!/bin/sh
# The frozen architecture-3 vector (testvectors/hyper) under other
# compilers' code: a -O0 build, and a clang -O2 build when clang is
# installed, each configured in a temporary folder, building only
# test_hyper_vectors (and the libraries it needs) and running it with 1 and
# 2 threads: the same latents, pixels and encoded bytes as the frozen ones
# (docs/FORMAT.md 4.4: no contraction, no fast-math, fixed order).
#   tests/opt_levels_check.sh [SOURCE_ROOT]   (meson test --suite slow)
set -eu
src=$(cd "${1:-$(dirname "$0")/..}" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
fail() { echo "FAIL: $*" >&2; exit 1; }

# check NAME CC MESON_OPTIONS...: configure, build, run.
check() {
    name=$1
    cc=$2
    shift 2
    CC=$cc meson setup "$tmp/$name" "$src" -Dmpi=disabled -Dwarning_level=2 "$@" \
        > "$tmp/$name.log" 2>&1 || { cat "$tmp/$name.log" >&2; fail "$name: meson setup"; }
    nice -n 10 ninja -C "$tmp/$name" -j2 tests/test_hyper_vectors >> "$tmp/$name.log" 2>&1 ||
        { tail -30 "$tmp/$name.log" >&2; fail "$name: build"; }
    for threads in 1 2; do
        "$tmp/$name/tests/test_hyper_vectors" "$src/testvectors/hyper" "$threads" ||
            fail "$name build, $threads threads: the frozen vector differs"
    done
    echo "$name: the frozen vector decodes and encodes exactly"
}

check gcc-O0 "${CC:-cc}" -Dbuildtype=plain -Doptimization=0
if command -v clang > /dev/null 2>&1; then
    check clang-O2 clang -Dbuildtype=release
else
    echo "clang not installed (Debian: apt-get install clang): clang build not checked"
fi
