#!/bin/sh
# liblat.so exports only the public API: every defined dynamic symbol is lat_*.
# Usage: exports_test.sh LIBLAT.so
set -u
command -v nm >/dev/null || { echo "nm not installed: skipped"; exit 77; }
syms=$(nm -D --defined-only "$1" | awk '{print $3}')
[ -n "$syms" ] || { echo "FAIL: no exported symbols in $1"; exit 1; }
bad=$(echo "$syms" | grep -v '^lat_')
if [ -n "$bad" ]; then
    echo "FAIL: $1 exports symbols outside the lat_ API:"
    echo "$bad"
    exit 1
fi
echo "$(echo "$syms" | wc -l) exported symbols, all lat_*"
