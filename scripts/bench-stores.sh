#!/usr/bin/env bash
# Store benchmark: durable acknowledgements per second of a release `serve` with the SQLite store, with one
# PostgreSQL instance and with two instances on one PostgreSQL (two wrk, one per instance, summed), and as the
# baseline in the same run GET /healthz on the first server. Medians of RUNS runs of SECONDS each.
#   scripts/bench-stores.sh [RUNS] [SECONDS]          (needs wrk: apt-get install wrk; starts a throwaway PostgreSQL)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
seconds=${2:-10}
command -v wrk >/dev/null || { echo "needs wrk: apt-get install wrk" >&2; exit 1; }
swift build -c release --product crisp-bridge >/dev/null
bin=.build/release/crisp-bridge
work=$(mktemp -d)
# Every serve's command line names $work: stop them all (and wait) before removing it.
trap 'kill $(jobs -p) 2>/dev/null; pkill -f "$work/pipelines"; sleep 2; pkill -9 -f "$work/pipelines"; rm -rf "$work"' EXIT
mkdir -p "$work/pipelines"
sed 's/EMAIL_EXPRESSION/email(body.email)/' Tests/BridgeRuntimeTests/Fixtures/pipelines/signup.yaml >"$work/pipelines/signup.yaml"
postgres=$(scripts/throwaway-postgres.sh $$ | tail -n 1)

"$bin" sandbox --port 0 >"$work/sandbox.log" 2>&1 &
for _ in $(seq 1 100); do grep -q "listening on" "$work/sandbox.log" && break; sleep 0.05; done
sandbox=$(grep -o "http://[^ ]*/v1/" "$work/sandbox.log")
export CRISP_API_URL=$sandbox CRISP_WEBSITE_ID=8c842203-7ed8-4e29-a608-7cf78a7d2fcc CRISP_IDENTIFIER=sandbox-identifier \
  CRISP_KEY=sandbox-key TEST_WEBHOOK_PASSWORD=test-password
auth=$(printf 'test:test-password' | base64)

# Starts a serve on STORE and prints its port.
start_serve() {
  local log="$work/serve-$RANDOM.log"
  # Delivery at Crisp's own pace (20 requests/s): the figure is intake's, not a backlog's delivery.
  "$bin" serve --pipelines "$work/pipelines" --port 0 --store "$1" --log-level notice --crisp-rate 20 >"$log" 2>&1 &
  for _ in $(seq 1 400); do grep -q "crisp-bridge listening on" "$log" && break; sleep 0.05; done
  grep -o "crisp-bridge listening on http://127.0.0.1:[0-9]*" "$log" | grep -o "[0-9]*$"
}
acks() { # PORT TAG CONNECTIONS
  wrk -t1 -c"$3" -d"${seconds}s" -s scripts/bench-wrk.lua "http://127.0.0.1:$1/hooks/signup" -- "$2" "$auth" \
    | awk '/Non-2xx/ {bad=$NF} /Requests\/sec/ {r=$2} END {if (bad) {print "non-2xx: " bad > "/dev/stderr"; exit 1}; print r}'
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

sqlite_port=$(start_serve "sqlite:$work/bridge.sqlite")
pg1=$(start_serve "$postgres")
pg2=$(start_serve "$postgres")
echo "store benchmark: $runs runs of ${seconds}s, wrk -c64 per store, $(nproc) cores"
: >"$work/sqlite"; : >"$work/pg1"; : >"$work/pg2"; : >"$work/base"
for run in $(seq 1 "$runs"); do
  s=$(acks "$sqlite_port" "s$run-$$" 64)
  p=$(acks "$pg1" "p$run-$$" 64)
  acks "$pg1" "a$run-$$" 32 >"$work/a" & acks "$pg2" "b$run-$$" 32 >"$work/b"; wait %%
  sleep 0.5; two=$(awk '{s+=$1} END {print s}' "$work/a" "$work/b")
  base=$(wrk -t1 -c64 -d"${seconds}s" "http://127.0.0.1:$sqlite_port/healthz" | awk '/Requests\/sec/ {print $2}')
  echo "run $run: sqlite $s, postgres 1 instance $p, postgres 2 instances $two durable acks/s; GET /healthz $base req/s"
  echo "$s" >>"$work/sqlite"; echo "$p" >>"$work/pg1"; echo "$two" >>"$work/pg2"; echo "$base" >>"$work/base"
done
base=$(median <"$work/base")
for name in sqlite pg1 pg2; do
  m=$(median <"$work/$name")
  echo "median $name: $m durable acks/s (ratio to GET /healthz $base: $(awk -v a="$m" -v b="$base" 'BEGIN {printf "%.2f", a/b}'))"
done
