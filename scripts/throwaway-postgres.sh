#!/usr/bin/env bash
# Starts a throwaway PostgreSQL server for the tests and prints its URL on the last line of its output.
#
#   url=$(scripts/throwaway-postgres.sh [WATCH_PID])
#   scripts/throwaway-postgres.sh --find-only    # only the lookup: prints initdb and pg_ctl, or exits 1 "not found"
#
# initdb and pg_ctl are looked for on PATH, then in Debian's /usr/lib/postgresql/VERSION/bin (newest first); when
# POSTGRES_BIN_DIRS is set (directories separated by ':', may be empty), only there: scripts/test-postgres-lookup.sh
# (run by scripts/test.sh) sets it to an empty folder, to check that a machine without PostgreSQL gets as far as
# the install below instead of dying silently.
#
# It installs Debian's postgresql package when no initdb is found, creates a cluster in a temporary folder
# (as the unprivileged user crisp-bridge-pg when run as root: PostgreSQL refuses to run as root), listens on a
# free loopback port with trust authentication, and stops the server and removes the folder once the process
# WATCH_PID (default: the caller) has ended. fsync is off: the data is thrown away. It also prints
# `control: FILE`, a script that stops (`FILE stop`) and starts (`FILE start`) the server again, for tests of an
# outage.
set -euo pipefail

# Whatever fails, say so: the caller keeps only the last line (the URL) and would otherwise see nothing at all.
trap 'echo "throwaway-postgres.sh: failed (exit status $?) at line $LINENO: $BASH_COMMAND" >&2' ERR

find_only=false
if [ "${1:-}" = --find-only ]; then
    find_only=true
    shift
fi
watch_pid=${1:-$PPID}

# The folders searched, into the array search_dirs (again after an install: Debian's folder appears then).
# A glob that matches nothing stays empty (nullglob), and nothing here is a pipeline that can fail: an `ls` of a
# missing folder used to end the script under pipefail and errexit before its install branch, without a word.
set_search_dirs() {
    search_dirs=()
    if [ -n "${POSTGRES_BIN_DIRS+set}" ]; then
        IFS=: read -r -a search_dirs <<<"$POSTGRES_BIN_DIRS"
        return 0
    fi
    IFS=: read -r -a search_dirs <<<"$PATH"
    local versions=() had_nullglob=false
    if shopt -q nullglob; then had_nullglob=true; fi
    shopt -s nullglob
    versions=(/usr/lib/postgresql/*/bin)
    if ! "$had_nullglob"; then shopt -u nullglob; fi
    if [ "${#versions[@]}" -gt 0 ]; then
        local newest_first
        newest_first=$(printf '%s\n' "${versions[@]}" | sort -r -V)
        mapfile -t versions <<<"$newest_first"
        search_dirs+=("${versions[@]}")
    fi
}

# Prints the first executable NAME in the search folders; prints nothing and returns 1 when there is none.
find_bin() {
    local name=$1 dir
    set_search_dirs
    for dir in "${search_dirs[@]}"; do
        if [ -n "$dir" ] && [ -f "$dir/$name" ] && [ -x "$dir/$name" ]; then
            printf '%s\n' "$dir/$name"
            return 0
        fi
    done
    return 1
}

searched() {
    set_search_dirs
    if [ "${#search_dirs[@]}" -eq 0 ]; then echo "no folder"; else (IFS=:; echo "${search_dirs[*]}"); fi
}

# Debian's package, with root's apt-get (or sudo's). The package lists are updated only when the install fails
# (they are often recent enough, and updating them is slow), as scripts/test.sh does for wrk.
install_postgresql() {
    local as_root=()
    if [ "$(id -u)" -ne 0 ]; then
        if ! command -v sudo >/dev/null 2>&1; then
            echo "no initdb, not root, and no sudo to install it: install PostgreSQL (initdb, pg_ctl)" \
                "or set BRIDGE_TEST_POSTGRES_URL" >&2
            return 1
        fi
        as_root=(sudo)
    fi
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "no initdb, and no apt-get to install Debian's postgresql: install PostgreSQL (initdb, pg_ctl)" \
            "or set BRIDGE_TEST_POSTGRES_URL" >&2
        return 1
    fi
    echo "installing Debian's postgresql package" >&2
    if "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2; then
        return 0
    fi
    echo "apt-get install postgresql failed: updating the package lists and trying again" >&2
    if ! "${as_root[@]}" apt-get update -qq >&2 \
        || ! "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2; then
        echo "could not install Debian's postgresql package (above): install PostgreSQL (initdb, pg_ctl)" \
            "or set BRIDGE_TEST_POSTGRES_URL" >&2
        return 1
    fi
}

if ! initdb=$(find_bin initdb); then
    if "$find_only"; then
        echo "initdb: not found (searched: $(searched))"
        exit 1
    fi
    if ! install_postgresql; then exit 1; fi  # it said why
    if ! initdb=$(find_bin initdb); then
        echo "initdb: still not found after installing postgresql (searched: $(searched))" >&2
        exit 1
    fi
fi
pg_ctl=$(dirname "$initdb")/pg_ctl
if [ ! -x "$pg_ctl" ] && ! pg_ctl=$(find_bin pg_ctl); then
    echo "pg_ctl: not found next to $initdb nor elsewhere (searched: $(searched))" >&2
    exit 1
fi
if "$find_only"; then
    echo "initdb: $initdb"
    echo "pg_ctl: $pg_ctl"
    exit 0
fi

folder=$(mktemp -d /tmp/crisp-bridge-pg.XXXXXX)
run_as=()
if [ "$(id -u)" -eq 0 ]; then
    id crisp-bridge-pg >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin crisp-bridge-pg
    chown crisp-bridge-pg "$folder"
    run_as=(runuser -u crisp-bridge-pg --)
fi

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"${run_as[@]}" "$initdb" -D "$folder/data" --username=bridge --auth=trust --encoding=UTF8 --no-sync >"$folder/initdb.log" 2>&1 \
    || { cat "$folder/initdb.log" >&2; exit 1; }
options="-p $port -k $folder -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300"
cat >"$folder/control.sh" <<CONTROL
#!/usr/bin/env bash
# The server must not keep the caller's other descriptors open: a caller that waits for this script to end
# (Foundation's Process does, through a socket its children inherit) would otherwise wait for the server.
for fd in /proc/\$\$/fd/*; do fd=\${fd##*/}; [ "\$fd" -gt 2 ] && eval "exec \$fd>&-"; done 2>/dev/null
case "\$1" in
    stop) ${run_as[*]} "$pg_ctl" -D "$folder/data" -m fast -w stop ;;
    start) ${run_as[*]} "$pg_ctl" -D "$folder/data" -l "$folder/server.log" -w -t 30 -o "$options" start ;;
esac >/dev/null
CONTROL
chmod +x "$folder/control.sh"
"$folder/control.sh" start || { cat "$folder/server.log" >&2; exit 1; }

# Stop and clean up once the watched process is gone.
(
    while kill -0 "$watch_pid" 2>/dev/null; do sleep 1; done
    "${run_as[@]}" "$pg_ctl" -D "$folder/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$folder"
) </dev/null >/dev/null 2>&1 &
disown

echo "control: $folder/control.sh"
echo "postgres://bridge:throwaway@127.0.0.1:$port/postgres?sslmode=disable"
