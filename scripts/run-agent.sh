#!/usr/bin/env bash
# Starts the agent in the foreground for `make run`, after saying where to
# look. Loading BPF needs root (or the capabilities in README.md).
set -euo pipefail
binary=$1
shift
listen=0.0.0.0:9477
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  [ "${args[$i]}" = "--listen" ] && listen=${args[$((i + 1))]:-$listen}
done
port=${listen##*:}
cat <<MSG
hostlens: starting $binary ${args[*]}
  metrics:  http://localhost:$port/metrics
  health:   http://localhost:$port/healthz   ready: http://localhost:$port/readyz
  status:   http://localhost:$port/api/v1/status
  stop:     Ctrl-C
MSG
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null; then
  exec sudo "$binary" "${args[@]}"
fi
exec "$binary" "${args[@]}"
