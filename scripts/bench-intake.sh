#!/usr/bin/env bash
# Intake benchmark: durable acknowledgements per second with wrk against one pipeline of a release `serve`
# (SQLite store, group commit, delivery to the sandbox running at the same time), and as a baseline measured
# in the same run, GET /healthz on the same server (HTTP only, no verification, no store). Then the
# acknowledgement latency at a fixed offered rate (RATE/s: 20 connections, each pacing its requests).
#   scripts/bench-intake.sh [RUNS] [SECONDS] [RATE]        (needs wrk: apt-get install wrk)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
seconds=${2:-10}
rate=${3:-2000}
command -v wrk >/dev/null || { echo "needs wrk: apt-get install wrk" >&2; exit 1; }
swift build -c release --product crisp-bridge >/dev/null
bin=.build/release/crisp-bridge
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
mkdir -p "$work/pipelines"
sed 's/EMAIL_EXPRESSION/email(body.email)/' Tests/BridgeRuntimeTests/Fixtures/pipelines/signup.yaml >"$work/pipelines/signup.yaml"

"$bin" sandbox --port 0 >"$work/sandbox.log" 2>&1 &
for _ in $(seq 1 100); do grep -q "listening on" "$work/sandbox.log" && break; sleep 0.05; done
sandbox=$(grep -o "http://[^ ]*/v1/" "$work/sandbox.log")
CRISP_API_URL=$sandbox CRISP_WEBSITE_ID=8c842203-7ed8-4e29-a608-7cf78a7d2fcc CRISP_IDENTIFIER=sandbox-identifier \
  CRISP_KEY=sandbox-key TEST_WEBHOOK_PASSWORD=test-password \
  "$bin" serve --pipelines "$work/pipelines" --port 0 --store "sqlite:$work/bridge.sqlite" --log-level notice \
  >"$work/serve.log" 2>&1 &
for _ in $(seq 1 200); do grep -q "crisp-bridge listening on" "$work/serve.log" && break; sleep 0.05; done
port=$(grep -o "crisp-bridge listening on http://127.0.0.1:[0-9]*" "$work/serve.log" | grep -o "[0-9]*$")
auth=$(printf 'test:test-password' | base64)
echo "intake benchmark: $runs runs of ${seconds}s, wrk -t2 -c64, serve (release) on :$port, $(nproc) cores"

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
to_ms() { awk '{v=$1; if (v ~ /us$/) {sub(/us$/,"",v); print v/1000} else if (v ~ /ms$/) {sub(/ms$/,"",v); print v} else {sub(/s$/,"",v); print v*1000}}'; }
: >"$work/acks"; : >"$work/base"; : >"$work/p50"; : >"$work/p99"
for run in $(seq 1 "$runs"); do
  out=$(wrk -t2 -c64 -d"${seconds}s" --latency -s scripts/bench-intake.lua "http://127.0.0.1:$port/hooks/signup" -- "$run-$$" "$auth")
  bad=$(echo "$out" | awk '/Non-2xx/ {print $NF}')
  if [ -n "$bad" ]; then echo "$out" >&2; echo "run $run: $bad answers were not 2xx" >&2; exit 1; fi
  acks=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p50=$(echo "$out" | awk '$1 == "50%" {print $2}' | to_ms)
  p99=$(echo "$out" | awk '$1 == "99%" {print $2}' | to_ms)
  base=$(wrk -t2 -c64 -d"${seconds}s" "http://127.0.0.1:$port/healthz" | awk '/Requests\/sec/ {print $2}')
  echo "run $run: $acks durable acks/s (p50 ${p50} ms, p99 ${p99} ms); baseline GET /healthz $base req/s"
  echo "$acks" >>"$work/acks"; echo "$base" >>"$work/base"; echo "$p50" >>"$work/p50"; echo "$p99" >>"$work/p99"
done
pace=$(awk -v r="$rate" 'BEGIN {printf "%d", 20000 / r}')
out=$(wrk -t2 -c20 -d"${seconds}s" --latency -s scripts/bench-intake.lua "http://127.0.0.1:$port/hooks/signup" -- "fixed-$$" "$auth" "$pace")
echo "fixed rate (~$rate/s offered, 20 connections pacing ${pace} ms): $(echo "$out" | awk '/Requests\/sec/ {print $2}') acks/s," \
  "p50 $(echo "$out" | awk '$1 == "50%" {print $2}'), p99 $(echo "$out" | awk '$1 == "99%" {print $2}')"
stored=$(sqlite3 "$work/bridge.sqlite" "SELECT COUNT(*) FROM events")
acks=$(median <"$work/acks"); base=$(median <"$work/base")
echo "median: $acks durable acks/s, p50 $(median <"$work/p50") ms, p99 $(median <"$work/p99") ms;" \
  "baseline $base req/s; ratio $(awk -v a="$acks" -v b="$base" 'BEGIN {printf "%.2f", a/b}'); $stored events stored"
