# The start shared by the CLI test scripts (POSIX sh, sourced after the
# script has checked its arguments and set TEST_TMP_PREFIX):
#   $T              a scratch directory, removed on exit;
#   fail MESSAGE    prints "FAIL: MESSAGE" and counts it in $failures;
#   run CMD...      runs CMD with stdout in $T/out and stderr in $T/err,
#                   sets $rc and counts the run in $checks;
#   expect RC CMD...  run, and a failure unless it exits RC;
#   one_line CMD    a failure unless stderr is one "lat CMD: " line.
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

# expect RC CMD...: runs CMD and checks its exit code.
expect() {
    ex_want=$1
    shift
    run "$@"
    [ "$rc" = "$ex_want" ] || fail "exit $rc, want $ex_want: $* :: $(head -c 300 "$T/err")"
}

# one_line CMD: stderr is exactly one line starting with "lat CMD: ".
one_line() {
    ol_lines=$(wc -l <"$T/err")
    if [ "$ol_lines" != 1 ] || ! grep -q "^lat $1: " "$T/err"; then
        fail "stderr is not one 'lat $1:' line: $(head -c 300 "$T/err")"
    fi
}
