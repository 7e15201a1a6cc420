#!/bin/sh
# The README against its sources: every figure in "What it achieves" is
# quoted from models/README.md or docs/FORMAT.md (so an update of either
# shows here until the README follows), the README points to the model
# card, no example suggests that --lossless recompresses a JPEG, and the
# quick start says whose package names it uses and gives another family's.
#
# usage: readme_test.sh SOURCE_ROOT
ROOT=$1
if [ ! -f "$ROOT/README.md" ]; then
    echo "usage: readme_test.sh SOURCE_ROOT" >&2
    exit 2
fi
README=$ROOT/README.md
failures=0
fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}

# joined FILE: the text as one line (figures may be wrapped across lines).
joined() {
    tr '\n' ' ' <"$1" | tr -s ' '
}

# The section of the README that states lat's own numbers.
section=$(sed -n '/^## What it achieves/,/^## /p' "$README" | tr '\n' ' ' | tr -s ' ')
[ -n "$section" ] || fail "README has no 'What it achieves' section"
printf '%s\n' "$section" | grep -q "models/README.md" || fail "the section does not point to models/README.md"

# figure|source: the figure must be in both the section and the source.
while IFS='|' read -r figure source; do
    printf '%s\n' "$section" | grep -qF -- "$figure" || fail "README does not state '$figure'"
    joined "$ROOT/$source" | grep -qF -- "$figure" || fail "'$figure' is not in $source"
done <<'LIST'
−34.0 %|models/README.md
−37.5 %|models/README.md
+1.54 dB|models/README.md
28.36|models/README.md
26.52|models/README.md
31.05|models/README.md
29.61|models/README.md
0.083|models/README.md
0.953|models/README.md
32.60|models/README.md
32.88|models/README.md
144 ms / 135 ms|models/README.md
3.193|docs/FORMAT.md
4.19|docs/FORMAT.md
3.18|docs/FORMAT.md
2.90|docs/FORMAT.md
2.921|docs/FORMAT.md
2.916|docs/FORMAT.md
0.73 s|docs/FORMAT.md
0.78 s|docs/FORMAT.md
LIST

# No command line feeds a JPEG to --lossless as if it were recompressed.
grep -nE '^(cat|lat) .*\.jpe?g.*--lossless|--lossless.*\.jpe?g' "$README" &&
    fail "a README example passes a JPEG to --lossless"
joined "$README" | grep -q "not lossless JPEG recompression" ||
    fail "README does not say what --lossless does with a JPEG"

# Quick start: whose packages, and the dnf equivalent.
quick=$(sed -n '/^## Quick start/,/^## /p' "$README")
printf '%s\n' "$quick" | tr '\n' ' ' | tr -s ' ' | grep -q "package names are Debian's" || fail "quick start does not say the packages are Debian's"
printf '%s\n' "$quick" | grep -q "^ *dnf install -y .*libpng-devel" || fail "quick start has no dnf equivalent"

echo "$failures failures"
[ "$failures" = 0 ]
