"""Scenario 4: the agent's userspace pipeline alone (bench/pipeline/pipeline_benchmark.cc): ring-
buffer records built from the captures in tests/fixtures/ replayed through Dispatcher →
ConnectionTable → MetricsSink on one thread. Google Benchmark repeats each case and interleaves
the cases at random (--benchmark_enable_random_interleaving), the same alternation as the other
scenarios; rates are per second of the benchmark thread's CPU time, i.e. per core.
"""
import json

from common import BenchError, Series, run as run_command, table, verdict

NAME = "pipeline"
TARGET = 1_000_000
CASES = {
    "BM_HttpKeepAlive": "HTTP/1.1 keep-alive (nginx_keepalive_get ×100 per connection)",
    "BM_PgbenchSessions": "PostgreSQL pgbench sessions (simple, extended, prepared)",
    "BM_RedisPipelined": "Redis pipelined (benchmark_pipeline ×25 per connection)",
    "BM_Mixed": "all three interleaved",
}
# The HTTP/1 fast path's compact records (one per exchange), against their own target (issue 14).
COMPACT = "BM_HttpCompact"
COMPACT_TARGET = 5_000_000


def run(cfg, report):
    argv = [cfg.pipeline_benchmark, "--benchmark_format=json",
            f"--benchmark_repetitions={max(cfg.rounds, cfg.pipeline_repetitions)}",
            f"--benchmark_min_time={cfg.pipeline_min_time}",
            "--benchmark_enable_random_interleaving=true"]
    report.command("pipeline benchmark", argv)
    data = json.loads(run_command(argv, timeout=300))
    by_case = {}
    for b in data["benchmarks"]:
        if b.get("error_occurred"):
            raise BenchError(f"{b['name']}: {b.get('error_message')}")
        if b.get("run_type") != "iteration":
            continue
        by_case.setdefault(b["run_name"], []).append(b)
    rows = []
    events_mixed = None
    for case, label in CASES.items():
        runs = by_case.get(case, [])
        events = Series([r["events/s"] for r in runs])
        requests = Series([r["requests/s"] for r in runs])
        per_request = runs[0]["events/request"] if runs else None
        of_target = Series([r["events/s"] / TARGET for r in runs])
        rows.append([label, events.fmt("{:,.0f}"), of_target.fmt("{:.2f}"), requests.fmt("{:,.0f}"),
                     f"{per_request:.2f}" if per_request else "n/a"])
        if case == "BM_Mixed":
            events_mixed = Series([r["events/s"] / TARGET for r in runs])
    lines = [f"`{' '.join(map(str, argv))}`; {len(next(iter(by_case.values()), []))} repetitions per "
             "case. Each stream was first replayed once through a fresh pipeline and its "
             "metrics checked against the capture's own request count (the benchmark fails "
             "otherwise).", ""]
    lines += table(["stream", "events/s per core", "÷ 1,000,000 (target ≥ 1)", "requests/s per core",
                    "events per request"], rows)
    worst = min((Series([r["events/s"] / TARGET for r in by_case.get(c, [])]) for c in CASES),
                key=lambda s: s.median if s else float("inf"))
    lines += ["", f"- Target: ≥ 1,000,000 events/s on one core: slowest stream "
              f"{worst.fmt('{:.2f}')}× the target → {verdict(worst.median, 1.0)}; mixed "
              f"{events_mixed.fmt('{:.2f}') if events_mixed else 'n/a'}×."]
    compact_runs = by_case.get(COMPACT, [])
    compact = Series([r["events/s"] for r in compact_runs])
    compact_of_target = Series([r["events/s"] / COMPACT_TARGET for r in compact_runs])
    lines += [f"- HTTP/1 fast path's compact records (nginx_keepalive_get ×100 per connection, one "
              f"record per exchange): {compact.fmt('{:,.0f}')} records/s per core; target ≥ "
              f"5,000,000: {compact_of_target.fmt('{:.2f}')}× → "
              f"{verdict(compact_of_target.median, 1.0)}."]
    report.add("4. The pipeline alone (Google Benchmark)", lines)
    report.target("pipeline: compact HTTP records ≥ 5,000,000 per second per core (× target, "
                  "issue 14)", compact_of_target.fmt("{:.2f}"), verdict(compact_of_target.median, 1.0))
    report.target("pipeline ≥ 1,000,000 events/s per core (slowest stream, × target)",
                  worst.fmt("{:.2f}"), verdict(worst.median, 1.0))
    return by_case
