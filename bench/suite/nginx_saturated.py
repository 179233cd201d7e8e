"""Scenario 1: nginx hello-world saturated by `wrk -t1 -c32 --latency` on loopback.

Variants, alternated: no agent; the agent tracking nginx (--pid of the master: the worker is its
child), with its HTTP/1 fast path and without it (--no-http-fast-path); the agent tracking every process (no selector: wrk is tracked too, as a client); the
floor (bench/floor: the same hooks with empty programs); and the floor with the syscall hooks as
two raw tracepoints (sys_enter/sys_exit, filtering on the syscall number), to decide between the
two kinds of hook. nginx runs for the whole scenario; the
agent and the floor are started fresh for each of their runs and measured once /readyz answers
(or the floor has attached), so every run starts from the same state and no run sees hooks left
from another variant.
"""
from common import (Agent, BenchError, Floor, Series, alternation, column, loss_lines, ratios,
                    record_agent_end, table, throughput_rows, verdict, wrk)
from servers import start_nginx

NAME = "nginx saturated"
VARIANTS = ["none", "agent --pid nginx", "agent --pid nginx, no fast path", "agent, every process",
            "floor", "floor, raw tracepoints"]


def start_variant(cfg, report, variant, nginx):
    if variant == "none":
        return None
    if variant == "floor":
        return Floor(cfg, report)
    if variant == "floor, raw tracepoints":
        return Floor(cfg, report, name="floor (raw tracepoints)", raw=True)
    if variant == "agent --pid nginx, no fast path":
        return Agent(cfg, report, "agent (nginx, --no-http-fast-path)", ["--pid", str(nginx.pid)],
                     ["--no-http-fast-path"])
    selectors = ["--pid", str(nginx.pid)] if variant == "agent --pid nginx" else []
    return Agent(cfg, report, "agent (nginx)" if selectors else "agent (every process)", selectors)


def run(cfg, report):
    nginx = start_nginx(cfg, report)
    results = {v: [None] * cfg.rounds for v in VARIANTS}
    counted = {v: [None] * cfg.rounds for v in VARIANTS}
    try:
        wrk(report, "wrk warm-up", nginx.url, 1)
        for rnd, variant in alternation(VARIANTS, cfg.rounds):
            hooks = start_variant(cfg, report, variant, nginx)
            try:
                r = wrk(report, "wrk (nginx saturated)", nginx.url, cfg.nginx_seconds)
                if r["socket_errors"] or r["bad_status"]:
                    raise BenchError(f"wrk saw errors: {r}")
                results[variant][rnd] = r
                if isinstance(hooks, Agent):
                    m = hooks.settle("http_server_request_duration_seconds_count")
                    served = m.sum("http_server_request_duration_seconds_count", service_name="nginx")
                    counted[variant][rnd] = served / r["requests"]
                    record_agent_end(report, NAME, variant, hooks, m)
            finally:
                if hooks:
                    hooks.stop()
    finally:
        nginx.stop()

    base = results["none"]
    rows = throughput_rows(results, VARIANTS)
    tracked = ratios(column(results["agent --pid nginx"], "rps"), column(base, "rps"))
    vs_floor = ratios(column(results["agent --pid nginx"], "rps"), column(results["floor"], "rps"))
    vs_payloads = ratios(column(results["agent --pid nginx"], "rps"),
                         column(results["agent --pid nginx, no fast path"], "rps"))
    raw_vs_tp = ratios(column(results["floor, raw tracepoints"], "rps"),
                       column(results["floor"], "rps"))
    lines = [f"`wrk -t1 -c32 -d{cfg.nginx_seconds}s --latency` against nginx (1 worker, "
             "`return 200 \"hello\\n\"`, access_log off); ratios are per round against the "
             "no-agent run of the same round.", ""]
    lines += table(["variant", "req/s", "p99 ms", "throughput ratio vs none", "p99 ratio vs none"],
                   rows)
    lines += ["",
              f"- Target: agent tracking nginx ≥ 0.95 of no-agent throughput: "
              f"{tracked.fmt()} → {verdict(tracked.median, 0.95)}.",
              f"- Agent tracking nginx vs the floor (same hooks, empty programs): {vs_floor.fmt()}.",
              "- Agent tracking nginx with the HTTP/1 fast path vs without it "
              f"(`--no-http-fast-path`): {vs_payloads.fmt()}.",
              f"- Floor with raw tracepoints vs the floor with syscall tracepoints: "
              f"{raw_vs_tp.fmt()} (above 1: raw tracepoints are cheaper).",
              "- Requests the agent counted (http_server_request_duration_seconds, service nginx) "
              "per request wrk completed: "
              + ", ".join(f"{v}: {Series(counted[v]).fmt()}" for v in VARIANTS if any(counted[v]))
              + " (wrk's count misses the requests in flight when it stops, so slightly above 1 is"
              " exact).",
              "- " + loss_lines(report, NAME)[0]]
    report.add("1. nginx hello-world, saturated", lines)
    report.target("nginx saturated: agent tracking nginx ≥ 0.95 of no-agent throughput",
                  tracked.fmt(), verdict(tracked.median, 0.95))
    every = ratios(column(results["agent, every process"], "rps"), column(base, "rps"))
    report.target("nginx saturated: agent tracking every process ≥ 0.92 of no-agent throughput "
                  "(issue 14)", every.fmt(), verdict(every.median, 0.92))
    p99 = ratios(column(results["agent --pid nginx"], "p99_ms"), column(base, "p99_ms"))
    report.target("nginx saturated: p99 with the agent tracking nginx ≤ 1.5× no agent's (issue 14)",
                  p99.fmt("{:.2f}") + "×", verdict(p99.median, 1.5, higher_is_better=False))
    return {"results": results, "counted": counted}
