#!/bin/sh
# Whole-process `lat encode --effort E` time per image and quality, as a
# user runs it (one encode at a time, THREADS threads each): the wall and
# CPU time of every encode and their medians. BD-rates come from
# `lat bench rd --effort E --effort-ref 0` (same bytes at any thread count).
#
#   tools/bench/effort_time.sh LAT DIR EFFORT [QUALITIES]
#   env: THREADS (default 2), QUALITIES default 15,50,85
#
# Example (the acceptance set of the effort issue):
#   tools/bench/effort_time.sh build/tools/lat six/ 5
set -eu
[ $# -ge 3 ] || { sed -n 2,11p "$0" >&2; exit 2; }
lat=$1
dir=$2
effort=$3
qualities=${4:-15,50,85}
threads=${THREADS:-2}
[ -x /usr/bin/time ] || { echo "effort_time.sh: needs GNU time (/usr/bin/time)" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

# CPU time the hypervisor gave to other guests (/proc/stat "steal", in
# seconds over all cores): a wall time with steal in it was not quiet.
steal() { awk -v hz="$(getconf CLK_TCK)" 'NR == 1 {printf "%.2f", $9 / hz}' /proc/stat; }

median() { sort -n | awk '{v[NR] = $1} END {if (NR == 0) exit 1;
    print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

echo "effort $effort, $threads threads, load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-14s %4s %8s %8s %8s %8s\n' image q bytes wall_s cpu_s steal_s
for img in "$dir"/*.png; do
    for q in $(echo "$qualities" | tr ',' ' '); do
        s0=$(steal)
        /usr/bin/time -f '%e %U %S' -o "$tmp/t" "$lat" encode "$img" -o "$tmp/out.lat" \
            -q "$q" --effort "$effort" --threads "$threads" > /dev/null 2>&1 ||
            { echo "effort_time.sh: lat encode $img failed" >&2; exit 1; }
        s1=$(steal)
        read -r wall user sys < "$tmp/t"
        cpu=$(echo "$user $sys" | awk '{printf "%.2f", $1 + $2}')
        echo "$wall" >> "$tmp/walls"
        echo "$cpu" >> "$tmp/cpus"
        printf '%-14s %4s %8s %8s %8s %8s\n' "$(basename "$img")" "$q" \
            "$(wc -c < "$tmp/out.lat")" "$wall" "$cpu" "$(echo "$s0 $s1" | awk '{printf "%.2f", $2 - $1}')"
    done
done
echo "median wall $(median < "$tmp/walls") s, median CPU $(median < "$tmp/cpus") s"
