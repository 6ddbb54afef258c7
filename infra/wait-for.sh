#!/usr/bin/env bash
# wait-for.sh <name> <host:port> [timeout-seconds]
# Waits until a TCP service accepts connections (and, for postgres/redis/kafka, answers its protocol).
set -euo pipefail
name="$1"; addr="$2"; timeout="${3:-60}"
host="${addr%:*}"; port="${addr##*:}"
deadline=$(( $(date +%s) + timeout ))
probe() {
  case "$name" in
    postgres) command -v pg_isready >/dev/null && pg_isready -q -h "$host" -p "$port" || (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null ;;
    redis) command -v redis-cli >/dev/null && [ "$(redis-cli -h "$host" -p "$port" ping 2>/dev/null)" = "PONG" ] || { command -v redis-cli >/dev/null || (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; } ;;
    *) (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null ;;
  esac
}
until probe; do
  if [ "$(date +%s)" -ge "$deadline" ]; then
    echo "$name at $addr did not come up within ${timeout}s" >&2
    exit 1
  fi
  sleep 0.3
done
echo "$name at $addr is up" >&2
