"""Scenario 2: nginx hello-world at a fixed rate below saturation (wrk with bench/lua/
fixed_rate.lua: each of 28 connections waits 1 ms before each request), so the server has the
same work in every variant and the cost shows as CPU time instead of throughput.

Per run: CPU seconds of the whole machine (/proc/stat, busy = all but idle and iowait) per request
wrk completed, and the CPU of the processes involved (nginx's worker and master from
/proc/PID/stat, wrk from wait4(), the agent or the floor loader) per request; the latter is
immune to other work on the machine. Variants, alternated: no agent, the agent tracking nginx,
the floor. The agent and the floor are started fresh for each of their runs.
"""
import os

from common import (BENCH_DIR, Agent, BenchError, Floor, Series, alternation, column,
                    differences, host_cpu_ticks, loss_lines, process_cpu_seconds, record_agent_end,
                    table, verdict, wrk, CLK_TCK)
from servers import nginx_workers, start_nginx

NAME = "fixed rate"
VARIANTS = ["none", "agent --pid nginx", "floor"]
SCRIPT = os.path.join(BENCH_DIR, "lua", "fixed_rate.lua")


def run(cfg, report):
    os.environ["BENCH_DELAY_MS"] = str(cfg.fixed_rate_delay_ms)
    nginx = start_nginx(cfg, report, name="nginx-fixed")
    results = {v: [None] * cfg.rounds for v in VARIANTS}
    try:
        servers = [nginx.pid] + nginx_workers(nginx)
        wrk(report, "wrk warm-up", nginx.url, 1)
        for rnd, variant in alternation(VARIANTS, cfg.rounds):
            hooks = None
            if variant == "floor":
                hooks = Floor(cfg, report)
            elif variant != "none":
                hooks = Agent(cfg, report, "agent (nginx)", ["--pid", str(nginx.pid)])
            try:
                before = {}

                def mark():
                    before["host"] = host_cpu_ticks()
                    before["servers"] = sum(process_cpu_seconds(p) or 0 for p in servers)
                    before["hooks"] = hooks.cpu_seconds() if hooks else 0

                r = wrk(report, "wrk (fixed rate)", nginx.url, cfg.fixed_seconds,
                        connections=cfg.fixed_rate_connections, script=SCRIPT, on_start=mark)
                busy, _ = host_cpu_ticks()
                servers_cpu = sum(process_cpu_seconds(p) or 0 for p in servers) - before["servers"]
                hooks_cpu = (hooks.cpu_seconds() - before["hooks"]) if hooks else 0.0
                if r["socket_errors"] or r["bad_status"]:
                    raise BenchError(f"wrk saw errors: {r}")
                n = r["requests"]
                r["host_us"] = (busy - before["host"][0]) / CLK_TCK / n * 1e6
                r["procs_us"] = (servers_cpu + r["client_cpu"] + hooks_cpu) / n * 1e6
                r["hooks_us"] = hooks_cpu / n * 1e6
                results[variant][rnd] = r
                if isinstance(hooks, Agent):
                    record_agent_end(report, NAME, variant, hooks,
                                     hooks.settle("http_server_request_duration_seconds_count"))
            finally:
                if hooks:
                    hooks.stop()
    finally:
        nginx.stop()

    base = results["none"]
    rows = []
    for v in VARIANTS:
        rows.append([v, Series(column(results[v], "rps")).fmt("{:,.0f}"),
                     Series(column(results[v], "host_us")).fmt("{:.1f}"),
                     differences(column(results[v], "host_us"), column(base, "host_us")).fmt("{:+.1f}"),
                     Series(column(results[v], "procs_us")).fmt("{:.1f}"),
                     differences(column(results[v], "procs_us"), column(base, "procs_us")).fmt("{:+.1f}"),
                     Series(column(results[v], "hooks_us")).fmt("{:.2f}") if v != "none" else "–"])
    added = {}
    for key in ("host_us", "procs_us"):
        agent = differences(column(results["agent --pid nginx"], key), column(base, key))
        floor = differences(column(results["floor"], key), column(base, key))
        added[key] = (agent.median / floor.median
                      if agent and floor and floor.median and floor.median > 0 else None)
    lines = [f"`wrk -t1 -c{cfg.fixed_rate_connections} -d{cfg.fixed_seconds}s --latency -s "
             f"bench/lua/fixed_rate.lua` (BENCH_DELAY_MS={cfg.fixed_rate_delay_ms}) against nginx "
             "hello-world. CPU µs per request completed; \"added\" is the per-round difference "
             "with the no-agent run of the same round.", ""]
    lines += table(["variant", "req/s", "machine CPU µs/req", "added vs none",
                    "nginx+wrk+agent CPU µs/req", "added vs none", "agent (or floor loader) µs/req"],
                   rows)
    fmt = lambda x: f"{x:.2f}×" if x is not None else "n/a (the floor added nothing measurable)"  # noqa: E731
    lines += ["",
              f"- Target: added CPU per request ≤ 1.5× the floor's. Machine-wide: "
              f"{fmt(added['host_us'])} → {verdict(added['host_us'], 1.5, higher_is_better=False)}; "
              f"processes involved: {fmt(added['procs_us'])} → "
              f"{verdict(added['procs_us'], 1.5, higher_is_better=False)} "
              "(ratio of the medians of the added µs; machine-wide figures include whatever else "
              "runs on the machine, the second one does not).",
              "- " + loss_lines(report, NAME)[0]]
    report.add("2. nginx hello-world at a fixed rate: CPU per request", lines)
    report.target("fixed rate: added CPU/request ≤ 1.5× floor's (machine-wide)",
                  fmt(added["host_us"]), verdict(added["host_us"], 1.5, higher_is_better=False))
    agent_us = Series(column(results["agent --pid nginx"], "hooks_us"))
    report.target("fixed rate: agent's own CPU ≤ 0.3 µs per request (issue 14)",
                  agent_us.fmt("{:.2f}"),
                  verdict(agent_us.median, 0.3, higher_is_better=False))
    return results
