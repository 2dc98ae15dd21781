#!/usr/bin/env bash
# The release build the container image runs (deploy/Dockerfile), also run by the test command so that it
# keeps working: crisp-bridge built in release mode with the Swift standard library linked statically, copied
# with the ready pipelines into the folder given (default .build/staging).
set -euo pipefail
cd "$(dirname "$0")/.."
staging="${1:-.build/staging}"
swift build -c release --product crisp-bridge --static-swift-stdlib
bin="$(swift build -c release --show-bin-path)"
mkdir -p "$staging"
cp "$bin/crisp-bridge" "$staging/"
rm -rf "$staging/pipelines"
cp -R pipelines "$staging/pipelines"
echo "staged crisp-bridge and pipelines/ in $staging"
