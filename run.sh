#!/usr/bin/env bash
# THE run command: a silo hosting the sample agents on an embedded nats-server (JetStream) at
# nats://localhost:4222 (set OAM_URL to join an existing mesh instead). Ctrl+C stops it gracefully.
set -euo pipefail
cd "$(dirname "$0")"

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

if [ -z "${OAM_URL:-}" ] && ! command -v nats-server >/dev/null 2>&1 && [ ! -x /usr/sbin/nats-server ]; then
  echo "run.sh: nats-server is missing; installing it (apt-get install nats-server)"
  as_root apt-get update -qq
  as_root apt-get install -y -qq nats-server
fi

exec dotnet run --project silo/OamOrleans.Silo -c Release -- "$@"
