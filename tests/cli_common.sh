# The start shared by the CLI test scripts (POSIX sh, sourced after the
# script has checked its arguments and set TEST_TMP_PREFIX):
#   $T              a scratch directory, removed on exit;
#   fail MESSAGE    prints "FAIL: MESSAGE" and counts it in $failures;
#   run CMD...      runs CMD with stdout in $T/out and stderr in $T/err,
#                   sets $rc and counts the run in $checks.
T=$(mktemp -d "${TMPDIR:-/tmp}/${TEST_TMP_PREFIX:-lat-test}.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
failures=0
checks=0

fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}

run() {
    "$@" >"$T/out" 2>"$T/err"
    rc=$?
    checks=$((checks + 1))
}
