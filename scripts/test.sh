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

echo "== unit tests"
swift test --skip-build

echo "== crisp-bridge validate pipelines"
swift run --skip-build crisp-bridge validate pipelines

echo "== crisp-bridge test pipelines"
swift run --skip-build crisp-bridge test pipelines
