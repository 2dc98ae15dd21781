#!/usr/bin/env bash
# `crisp-bridge import --dry-run` of a generated CSV (default 1,000,000 rows) with the default pipeline
# (pipelines/csv-contacts.yaml), release build: rows/s and peak memory, medians of RUNS runs. The baseline in
# the same run is Python's csv module reading the same file (parsing only, no pipeline).
#
#     scripts/bench-import.sh [ROWS] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-1000000}
runs=${2:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
swift build -c release --product crisp-bridge >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
python3 - "$rows" "$work/contacts.csv" <<'PY'
import sys
rows, path = int(sys.argv[1]), sys.argv[2]
countries = ["FR", "United Kingdom", "US", "Germany", "ES", "Italy", "NL", "Canada"]
with open(path, "w") as f:
    f.write("email,first_name,last_name,country,segments,data.plan,data.seats,created_at\n")
    for i in range(rows):
        email = f"user{i}@example.com" if i % 50 else f"user{i}-at-example.com"  # 2% rejected
        f.write(f"{email},First{i},Last{i},{countries[i % 8]},vip|beta,{'pro' if i % 3 else 'free'},{i % 20},"
                "2024-03-01T10:00:00+01:00\n")
PY
echo "$rows rows, $(du -h "$work/contacts.csv" | cut -f1), medians of $runs runs"
bridge=() baseline=() memory=()
for _ in $(seq "$runs"); do
    start=$(date +%s%N)
    python3 -c 'import csv, sys; print(sum(1 for _ in csv.reader(open(sys.argv[1], newline=""))))' \
        "$work/contacts.csv" >/dev/null
    baseline+=($(( ($(date +%s%N) - start) / 1000000 )))
    start=$(date +%s%N)
    /usr/bin/time -f "%M" -o "$work/rss" .build/release/crisp-bridge import "$work/contacts.csv" --dry-run \
        >"$work/out" 2>/dev/null || [ $? -eq 2 ]  # 2: rows were rejected, as intended
    bridge+=($(( ($(date +%s%N) - start) / 1000000 )))
    memory+=($(tail -n 1 "$work/rss"))
done
median() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
b=$(median "${bridge[@]}")
p=$(median "${baseline[@]}")
m=$(median "${memory[@]}")
head -n 1 "$work/out"
printf 'crisp-bridge import --dry-run: %.1f s (%d rows/s), peak memory %d MB  [runs: %s ms]\n' \
    "$(echo "$b / 1000" | bc -l)" $(( rows * 1000 / b )) $(( m / 1024 )) "${bridge[*]}"
printf "baseline, Python's csv module parsing the file: %.1f s  [runs: %s ms]\n" "$(echo "$p / 1000" | bc -l)" "${baseline[*]}"
printf 'ratio: %.2f x the baseline\n' "$(echo "$b / $p" | bc -l)"
