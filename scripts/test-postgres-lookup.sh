#!/usr/bin/env bash
# Checks the lookup of initdb and pg_ctl in scripts/throwaway-postgres.sh without uninstalling anything. With
# POSTGRES_BIN_DIRS set to an empty folder (a machine without PostgreSQL) it must say "initdb: not found" and exit
# 1: in a real run that is where it installs PostgreSQL, and an earlier lookup (an `ls` pipeline under pipefail)
# ended the script there silently instead. With a folder holding both programs it must print them: the variable is
# honoured, and the first check is not passed by a lookup that never finds anything.
#
#   scripts/test-postgres-lookup.sh [SCRIPT]    # SCRIPT: the script checked (default scripts/throwaway-postgres.sh)
set -euo pipefail
cd "$(dirname "$0")/.."

script=${1:-scripts/throwaway-postgres.sh}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir "$scratch/empty" "$scratch/both"
for name in initdb pg_ctl; do
    printf '#!/bin/sh\nexit 0\n' >"$scratch/both/$name"
    chmod +x "$scratch/both/$name"
done

fail() {
    echo "PostgreSQL lookup check: $*" >&2
    exit 1
}

if output=$(POSTGRES_BIN_DIRS=$scratch/empty "$script" --find-only 2>&1); then status=0; else status=$?; fi
if [ "$status" -ne 1 ] || ! grep -q "^initdb: not found" <<<"$output"; then
    printf '%s\n' "$output" >&2
    fail "without initdb, $script --find-only ended with status $status and no 'initdb: not found' (output above)"
fi
echo "without PostgreSQL: $output"

if ! output=$(POSTGRES_BIN_DIRS=$scratch/empty:$scratch/both "$script" --find-only 2>&1); then
    printf '%s\n' "$output" >&2
    fail "$script --find-only did not find the initdb and pg_ctl of POSTGRES_BIN_DIRS (output above)"
fi
expected=$(printf 'initdb: %s\npg_ctl: %s' "$scratch/both/initdb" "$scratch/both/pg_ctl")
if [ "$output" != "$expected" ]; then
    fail "$script --find-only printed «$output», expected «$expected»"
fi
echo "with initdb and pg_ctl in POSTGRES_BIN_DIRS: found"
