#!/usr/bin/env bash
# Runs one libFuzzer target for a bounded time, seeded with the checked-in
# captures and conformance cases of its protocol; fails on any crash, leak or
# sanitizer report, or an input that takes more than 10 s (a hang).
set -euo pipefail
fuzzer=$1
seconds=${2:-20}
name=$(basename "$fuzzer" _fuzzer)
seeds=tests/fixtures/${name%_fast}  # the fast-path decision reads the HTTP/1 captures
corpus=$(mktemp -d)
trap 'rm -rf "$corpus"' EXIT
# Every file under the seed directory (procfs seeds sit in per-pid and net/ folders).
n=0
if [ -d "$seeds" ]; then
  while IFS= read -r -d '' seed; do
    cp "$seed" "$corpus/seed-$n"
    n=$((n + 1))
  done < <(find "$seeds" -type f -print0)
fi
conformance=tests/fixtures/conformance/$name
[ -d "$conformance" ] && cp "$conformance"/*.txt "$corpus"/ 2>/dev/null || true
echo "fuzz: $name for ${seconds}s"
"$fuzzer" -max_total_time="$seconds" -timeout=10 -max_len=8192 -print_final_stats=1 -artifact_prefix="$corpus/" \
  "$corpus" 2>&1 | tail -n 12
