#!/usr/bin/env bash
# The test command: builds everything (failing on any warning in this project's code), runs the unit tests,
# then validates and tests the example pipelines with the real CLI.
set -euo pipefail
cd "$(dirname "$0")/.."

# Whatever ends this script early says where: a failing command does not always explain itself.
trap 'echo "scripts/test.sh: failed (exit status $?) at line $LINENO: $BASH_COMMAND" >&2' ERR

fail() {
    echo "scripts/test.sh: $*" >&2
    exit 1
}

echo "== tools"
# Checked first, each with what to install: a missing tool would otherwise end the run late, or skip a check.
command -v swift >/dev/null 2>&1 || fail "swift is missing: install a Swift 6 toolchain (https://swift.org/install)"
command -v python3 >/dev/null 2>&1 || fail "python3 is missing: apt-get install -y python3"
python3 -m pip --version >/dev/null 2>&1 || fail "pip is missing for python3: apt-get install -y python3-pip"
# Debian packages the checks need, installed when missing (as throwaway-postgres.sh installs PostgreSQL): the
# package lists are updated only when the install fails (they are often recent enough, and updating them is slow).
# need_debian "what needs it" COMMAND... -- PACKAGE...
need_debian() {
    local why=$1
    shift
    local commands=()
    while [ "$1" != "--" ]; do
        commands+=("$1")
        shift
    done
    shift
    local missing=0
    for command in "${commands[@]}"; do command -v "$command" >/dev/null 2>&1 || missing=1; done
    [ "$missing" -eq 0 ] && return 0
    local as_root=()
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null 2>&1 \
            || fail "${commands[*]} missing ($why), and without root or sudo it cannot be installed: apt-get install -y $*"
        as_root=(sudo)
    fi
    command -v apt-get >/dev/null 2>&1 || fail "${commands[*]} missing ($why), and there is no apt-get: install $*"
    echo "installing Debian's $* ($why)"
    if ! "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"; then
        echo "apt-get install $* failed: updating the package lists and trying again"
        "${as_root[@]}" apt-get update -qq || fail "apt-get update failed (above): apt-get install -y $*"
        "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" \
            || fail "could not install $* (above): apt-get install -y $*"
    fi
    for command in "${commands[@]}"; do
        command -v "$command" >/dev/null 2>&1 || fail "$command is still missing after apt-get install -y $*"
    done
}
# BenchScriptTests runs scripts/bench, whose intake and end-to-end scenarios need wrk, and fails without it.
need_debian "the intake benchmark" wrk -- wrk
# The console's browser tests drive Debian's headless Chromium through its chromedriver (PyPI selenium).
need_debian "the console's browser tests" chromium chromedriver -- chromium chromium-driver
# scripts/deploy-check.py checks deploy/nginx.conf with nginx -t and the systemd unit with systemd-analyze.
need_debian "the deployment files' checks" nginx -- nginx
need_debian "the deployment files' checks" systemd-analyze -- systemd
python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore selenium==4.51.0 \
    || fail "could not install PyPI selenium 4.51.0 (above)"
echo "swift, python3, pip, wrk ($(command -v wrk)), chromium and chromedriver ($(command -v chromedriver)) found"

echo "== build"
# The warning gate below reads what the compiler prints, and the compiler only speaks of what it compiles: after an
# incremental build that had nothing to recompile it would see no warning at all. So the compiler's products for
# this project's own modules (every target of Package.swift) are removed first: objects, dependency records and
# diagnostics in .build/debug/MODULE.build. They compile again in full while the dependencies stay built, and the
# log must then show each of them. The rest of those folders stays: SwiftPM writes output-file-map.json and
# include/module.modulemap when it plans a build, and it skips planning while the package's structure is unchanged.
module_list=$(python3 - <<'PYTHON'
import re
text = open("Package.swift", encoding="utf-8").read()
for name in re.findall(r'\.(?:target|executableTarget|testTarget)\(\s*name:\s*"([^"]+)"', text):
    print(name.replace("-", "_"))  # the module's name: crisp-bridge is crisp_bridge
PYTHON
)
[ -n "$module_list" ] || fail "no target found in Package.swift"
mapfile -t modules <<<"$module_list"
for module in "${modules[@]}"; do
    if [ -d ".build/debug/$module.build" ]; then
        find ".build/debug/$module.build" -maxdepth 1 -type f \( -name '*.o' -o -name '*.d' -o -name '*.dia' \
            -o -name '*.swiftdeps' -o -name '*.swiftdeps~' -o -name '*.priors' \) -delete
    fi
done
echo "compiling in full: ${modules[*]}"
build_log=$(mktemp)
build_started=$(mktemp)
swift build --build-tests 2>&1 | tee "$build_log"
# Proof that each module was compiled in this build: its object files are new again. (The "Compiling X" progress
# lines are no proof either way: on a long build SwiftPM throttles its progress output and drops some of them.)
for module in "${modules[@]}"; do
    fresh=$(find ".build/debug/$module.build" -maxdepth 1 -name '*.o' -newer "$build_started" 2>/dev/null | wc -l)
    [ "$fresh" -gt 0 ] \
        || fail "the build wrote no object file for $module, so its warnings were not seen: is .build/debug the build folder?"
done
if grep -E "^$(pwd)/(Sources|Tests)/.*: warning:" "$build_log"; then
    echo "the build has warnings in this project's code (above): fix them" >&2
    exit 1
fi

echo "== PostgreSQL for the store tests"
# The lookup of initdb, against an empty folder: a machine without PostgreSQL must reach the install, not die.
scripts/test-postgres-lookup.sh
if [ -z "${BRIDGE_TEST_POSTGRES_URL:-}" ]; then
    postgres_output=$(scripts/throwaway-postgres.sh $$) \
        || fail "no throwaway PostgreSQL (above): install PostgreSQL or set BRIDGE_TEST_POSTGRES_URL"
    BRIDGE_TEST_POSTGRES_URL=$(tail -n 1 <<<"$postgres_output")
    [[ $BRIDGE_TEST_POSTGRES_URL == postgres://* ]] \
        || fail "scripts/throwaway-postgres.sh ended without a URL: $postgres_output"
    export BRIDGE_TEST_POSTGRES_URL
    echo "a throwaway PostgreSQL started (stopped and removed when this script ends)"
else
    echo "using BRIDGE_TEST_POSTGRES_URL"
fi

echo "== unit tests"
swift test --skip-build

echo "== the console in a headless Chromium (scripts/console-browser-test.py)"
screenshots=$(mktemp -d)
python3 scripts/console-browser-test.py .build/debug/crisp-bridge --screenshots "$screenshots"
for picture in overview event failures; do
    [ -s "$screenshots/$picture.png" ] || fail "the browser test saved no $picture.png"
done

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

echo "== the deployment files (deploy/) as far as this machine allows (PyPI kubernetes-validate, check-jsonschema)"
python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore kubernetes-validate==1.37.0 \
    check-jsonschema==0.39.0
python3 scripts/deploy-check.py .build/debug/crisp-bridge

echo "== crisp-bridge test pipelines"
# Every case written must run: a test file or a case the runner no longer finds would otherwise leave a green
# "N passed" behind it. A case starts with a line "  - name:" in pipelines/*.test.yaml.
written=$(awk '/^  - name:/ { n++ } END { print n + 0 }' pipelines/*.test.yaml)
[ "$written" -gt 0 ] || fail "no test case written in pipelines/*.test.yaml (a case starts with '  - name:')"
tests_log=$(mktemp)
swift run --skip-build crisp-bridge test pipelines 2>&1 | tee "$tests_log"
summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$tests_log") \
    || fail "crisp-bridge test pipelines printed no 'N passed, M failed' line"
read -r passed _ failed _ <<<"$(tail -n 1 <<<"$summary")"
if [ "$failed" -ne 0 ] || [ "$passed" -lt "$written" ]; then
    fail "crisp-bridge test pipelines ran $passed passing and $failed failing cases, but pipelines/*.test.yaml" \
        "holds $written: every case written must run and pass"
fi
echo "all $written cases written in pipelines/*.test.yaml ran and passed"
