#!/usr/bin/env bash
# Starts a throwaway PostgreSQL server for the tests and prints its URL on the last line of its output.
#
#   url=$(scripts/throwaway-postgres.sh [WATCH_PID])
#
# It installs Debian's postgresql package when no initdb is found, creates a cluster in a temporary folder
# (as the unprivileged user crisp-bridge-pg when run as root: PostgreSQL refuses to run as root), listens on a
# free loopback port with trust authentication, and stops the server and removes the folder once the process
# WATCH_PID (default: the caller) has ended. fsync is off: the data is thrown away. It also prints
# `control: FILE`, a script that stops (`FILE stop`) and starts (`FILE start`) the server again, for tests of an
# outage.
set -euo pipefail

watch_pid=${1:-$PPID}

find_bin() {
    local name=$1
    if command -v "$name" >/dev/null 2>&1; then command -v "$name"; return; fi
    ls /usr/lib/postgresql/*/bin/"$name" 2>/dev/null | sort -V | tail -1
}

initdb=$(find_bin initdb)
if [ -z "$initdb" ]; then
    echo "installing Debian's postgresql package" >&2
    if [ "$(id -u)" -eq 0 ]; then
        apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
    else
        sudo apt-get update -qq >&2 && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
    fi
    initdb=$(find_bin initdb)
fi
pg_ctl=$(dirname "$initdb")/pg_ctl
[ -x "$pg_ctl" ] || pg_ctl=$(find_bin pg_ctl)

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
