#!/usr/bin/env bash
# Runs one libFuzzer target for a bounded time, seeded with the checked-in
# captures and conformance cases of its protocol; fails on any crash, leak or
# sanitizer report.
set -euo pipefail
fuzzer=$1
seconds=${2:-20}
name=$(basename "$fuzzer" _fuzzer)
seeds=tests/fixtures/${name%_fast}  # the fast-path decision reads the HTTP/1 captures
corpus=$(mktemp -d)
trap 'rm -rf "$corpus"' EXIT
[ -d "$seeds" ] && cp "$seeds"/* "$corpus"/ 2>/dev/null || true
conformance=tests/fixtures/conformance/$name
[ -d "$conformance" ] && cp "$conformance"/*.txt "$corpus"/ 2>/dev/null || true
echo "fuzz: $name for ${seconds}s"
"$fuzzer" -max_total_time="$seconds" -max_len=8192 -print_final_stats=1 -artifact_prefix="$corpus/" \
  "$corpus" 2>&1 | tail -n 12
