#!/bin/sh
# The whole test suite: command (2) of the README, and what .ci/run runs.
# A normal build and an AddressSanitizer + UndefinedBehaviorSanitizer build,
# each running the 'fast' suite (the 'slow' suite is opt-in:
# meson test -C build --suite slow).
set -u
cd "$(dirname "$0")/.."
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
[ -f build/build.ninja ] || meson setup build || exit 1
meson test -C build --suite fast --print-errorlogs >"$log" 2>&1 || status=1
[ -f build-san/build.ninja ] ||
    meson setup build-san -Db_sanitize=address,undefined -Db_lundef=false || exit 1
meson test -C build-san --suite fast --print-errorlogs >>"$log" 2>&1 || status=1
cat "$log"
# One summary line over both builds.
awk '/^Ok:/ {ok += $2} /^Fail:/ {fail += $2} /^Timeout:/ {fail += $2}
     /^Skipped:/ {skip += $2}
     END {printf "%d passed, %d failed, %d skipped\n", ok, fail, skip}' "$log"
exit $status
