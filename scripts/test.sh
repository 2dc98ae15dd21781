#!/usr/bin/env bash
# The test command: builds everything (failing on any warning in this project's code), runs the unit tests,
# then validates and tests the example pipelines with the real CLI.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== build"
build_log=$(mktemp)
swift build --build-tests 2>&1 | tee "$build_log"
if grep -E "^$(pwd)/(Sources|Tests)/.*: warning:" "$build_log"; then
    echo "the build has warnings in this project's code (above): fix them" >&2
    exit 1
fi

echo "== PostgreSQL for the store tests"
if [ -z "${BRIDGE_TEST_POSTGRES_URL:-}" ]; then
    BRIDGE_TEST_POSTGRES_URL=$(scripts/throwaway-postgres.sh $$ | tail -n 1)
    export BRIDGE_TEST_POSTGRES_URL
    echo "a throwaway PostgreSQL started (stopped and removed when this script ends)"
else
    echo "using BRIDGE_TEST_POSTGRES_URL"
fi

echo "== unit tests"
swift test --skip-build

echo "== phone() against libphonenumber"
python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore phonenumbers==9.0.43
python3 scripts/phone-check.py .build/debug/crisp-bridge

echo "== Crisp's official Python client (PyPI crisp-api), unchanged, against the sandbox"
python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore crisp-api==1.1.23
sandbox_log=$(mktemp)
start_ns=$(date +%s%N)
.build/debug/crisp-bridge sandbox --port 0 >"$sandbox_log" 2>&1 &
sandbox_pid=$!
trap 'kill "$sandbox_pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
    grep -q "listening on" "$sandbox_log" && break
    sleep 0.05
done
listening=$(grep -o "http://[^ ]*/v1/" "$sandbox_log" || true)
if [ -z "$listening" ]; then
    cat "$sandbox_log" >&2
    echo "the sandbox did not start" >&2
    exit 1
fi
echo "sandbox listening at $listening after $(( ($(date +%s%N) - start_ns) / 1000000 )) ms"
python3 scripts/official-client-check.py "${listening%/v1/}" 8c842203-7ed8-4e29-a608-7cf78a7d2fcc sandbox-identifier sandbox-key
kill "$sandbox_pid"
wait "$sandbox_pid" 2>/dev/null || true
trap - EXIT

echo "== crisp-bridge validate pipelines"
swift run --skip-build crisp-bridge validate pipelines

echo "== the JSON Schemas (schema/) against every pipeline, test file and broken fixture (PyPI jsonschema)"
python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore jsonschema==4.26.0 pyyaml==6.0.2
python3 scripts/schema-check.py .build/debug/crisp-bridge

echo "== crisp-bridge test pipelines"
swift run --skip-build crisp-bridge test pipelines
