"""Scenario 1b: nginx hello-world over HTTPS, saturated by `wrk -t1 -c32 --latency` on loopback
(keep-alive: one TLS handshake per connection, then SSL_read and SSL_write per request).

Variants, alternated: no agent; the agent tracking nginx (--pid of the master), which attaches
its TLS uprobes to the libssl nginx maps; and the same with the uprobe_multi fallback (one
perf-event uprobe per function); the floor (bench/floor: the agent's tracepoints with empty
programs); the floor plus empty programs on the TLS probes where the agent places them
(hook_floor_tls: OpenSSL's internal read and write functions, whose first push the kernel
emulates, and SSL_do_handshake), the price of the uprobes themselves; and the same on the
exported SSL_read/SSL_write and _ex functions, the placement before, whose first instruction
(sub rsp) is single-stepped: a debug exception that the hypervisor traps. Both nginx's calls
and wrk's (it maps the same libssl file) hit the probes; wrk's return at once because wrk is not
tracked. nginx runs for the whole scenario;
the agent is started fresh for each of its runs and measured once /readyz answers and the
status says libssl is attached.
"""
import json
import time

from common import (Agent, BenchError, Floor, Series, alternation, column, http_get, loss_lines,
                    ratios, record_agent_end, table, throughput_rows, verdict, wrk)
from servers import start_nginx

NAME = "nginx HTTPS saturated"
VARIANTS = ["none", "agent --pid nginx", "agent --pid nginx, perf-event uprobes", "floor",
            "floor + empty TLS probes", "floor + empty TLS probes on the exported functions"]


def libssl_of(nginx):
    """The libssl file nginx's worker maps (the file the agent attaches to)."""
    from servers import nginx_workers
    for pid in [nginx.pid] + nginx_workers(nginx):
        for line in open(f"/proc/{pid}/maps"):
            path = line.split()[-1] if len(line.split()) >= 6 else ""
            if "/libssl" in path:
                return path
    raise BenchError("nginx maps no libssl")


def wait_for_tls_probes(agent, pid):
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        code, body = http_get(f"{agent.url}/api/v1/status")
        if code == 200:
            for p in json.loads(body)["tracked_processes"]["processes"]:
                if any(t["state"] == "attached" for t in p.get("tls_libraries", [])):
                    return
        time.sleep(0.1)
    raise BenchError("the agent did not attach its TLS probes to nginx's libssl within 15 s")


def run(cfg, report):
    nginx = start_nginx(cfg, report, name="nginx-https", tls=True)
    results = {v: [None] * cfg.rounds for v in VARIANTS}
    counted = {v: [None] * cfg.rounds for v in VARIANTS}
    try:
        wrk(report, "wrk warm-up (HTTPS)", nginx.url, 1)
        for rnd, variant in alternation(VARIANTS, cfg.rounds):
            agent = None
            floors = []
            if variant.startswith("floor"):
                floors.append(Floor(cfg, report))
                if "TLS" in variant:
                    exported = "exported" in variant
                    floors.append(Floor(cfg, report, name="floor (TLS probes" +
                                        (", exported)" if exported else ")"),
                                        tls_library=libssl_of(nginx), exported=exported))
            elif variant != "none":
                extra = ["--without-kernel-feature", "uprobe_multi"] if "perf" in variant else []
                agent = Agent(cfg, report, "agent (nginx HTTPS)", ["--pid", str(nginx.pid)] + extra)
            try:
                if agent:
                    wait_for_tls_probes(agent, nginx.pid)
                r = wrk(report, "wrk (nginx HTTPS saturated)", nginx.url, cfg.nginx_seconds)
                if r["socket_errors"] or r["bad_status"]:
                    raise BenchError(f"wrk saw errors: {r}")
                results[variant][rnd] = r
                if agent:
                    m = agent.settle("http_server_request_duration_seconds_count")
                    served = m.sum("http_server_request_duration_seconds_count", service_name="nginx")
                    counted[variant][rnd] = served / r["requests"]
                    record_agent_end(report, NAME, variant, agent, m)
            finally:
                if agent:
                    agent.stop()
                for floor in floors:
                    floor.stop()
    finally:
        nginx.stop()

    base = results["none"]
    rows = throughput_rows(results, VARIANTS)
    tracked = ratios(column(results["agent --pid nginx"], "rps"), column(base, "rps"))
    floor_tls = ratios(column(results["floor + empty TLS probes"], "rps"), column(base, "rps"))
    floor_exported = ratios(
        column(results["floor + empty TLS probes on the exported functions"], "rps"),
        column(base, "rps"))
    vs_floor = ratios(column(results["agent --pid nginx"], "rps"),
                      column(results["floor + empty TLS probes"], "rps"))
    lines = [f"`wrk -t1 -c32 -d{cfg.nginx_seconds}s --latency` against nginx over HTTPS (1 worker, "
             "`return 200 \"hello\\n\"`, access_log off, a 2048-bit RSA certificate, keep-alive); "
             "ratios are per round against the no-agent run of the same round.", ""]
    lines += table(["variant", "req/s", "p99 ms", "throughput ratio vs none", "p99 ratio vs none"],
                   rows)
    lines += ["",
              f"- Target: agent tracking nginx over HTTPS ≥ 0.90 of no-agent throughput: "
              f"{tracked.fmt()} → {verdict(tracked.median, 0.90)}.",
              f"- The probes alone (the floor's hooks plus empty programs at entry and return of "
              f"the functions the agent probes in nginx's libssl: the internal read and write "
              f"functions, SSL_do_handshake): {floor_tls.fmt()} of no-agent throughput; the agent "
              f"against them: {vs_floor.fmt()}. On SSL_read, SSL_write and their _ex forms "
              f"instead, whose first instruction the kernel single-steps: {floor_exported.fmt()}. "
              "Each call into a probed function traps into the kernel (a breakpoint, emulated or "
              "followed by a single-step) and returns through the uretprobe trampoline, in every "
              "process that maps the file, wrk included.",
              "- Requests the agent counted (http_server_request_duration_seconds, service nginx) "
              "per request wrk completed: "
              + ", ".join(f"{v}: {Series(counted[v]).fmt()}" for v in VARIANTS if any(counted[v]))
              + " (wrk's count misses the requests in flight when it stops, so slightly above 1 is"
              " exact).",
              "- " + loss_lines(report, NAME)[0]]
    report.add("1b. nginx hello-world over HTTPS, saturated", lines)
    report.target("nginx HTTPS saturated: agent tracking nginx ≥ 0.90 of no-agent throughput",
                  tracked.fmt(), verdict(tracked.median, 0.90))
    return {"results": results, "counted": counted}
