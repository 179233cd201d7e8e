"""Scenario 5: the agent's resident memory (VmRSS, and the peak VmHWM, from /proc/PID/status).

- At the end of every agent run of the scenarios above (collected by them).
- Idle: the agent tracking every process, nothing else running, 3 s after /readyz.
- Cardinality: one agent tracking nginx and a psycopg2 client (sql_client.py) by --pid, then
  unique URL paths against nginx (wrk with bench/lua/unique_paths.lua: letters-only paths the
  route heuristic cannot template) and distinct SQL statements (new column aliases and new table
  names) against a throwaway PostgreSQL, each load in two halves: memory after the second half
  close to the first shows it is bounded; then 5 s idle (steady).
"""
import os
import subprocess
import threading
import time

from common import (BENCH_DIR, Agent, BenchError, Series, loss_lines, process_memory_kib,
                    record_agent_end, table, verdict, wrk)
from servers import start_nginx, start_postgres

NAME = "memory"
TARGET_MB = 64
SQL_CLIENT = os.path.join(BENCH_DIR, "suite", "sql_client.py")
UNIQUE_PATHS = os.path.join(BENCH_DIR, "lua", "unique_paths.lua")


class PeakSampler:
    """Samples a process's VmRSS every 200 ms while a load runs."""

    def __init__(self, pid):
        self.pid = pid
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.wait(0.2):
            self.peak = max(self.peak, process_memory_kib(self.pid).get("VmRSS", 0))

    def stop(self):
        self._stop.set()
        self._thread.join(timeout=2)
        return self.peak


def mb(kib):
    return f"{kib / 1024:.1f}" if kib else "n/a"


def run(cfg, report):
    stages = []  # (stage, VmRSS kB, peak during the stage kB, VmHWM kB, details)

    def stage(name, agent, details="", peak=None):
        m = agent.memory()
        stages.append((name, m.get("VmRSS"), peak, m.get("VmHWM"), details))
        report.memory.append((NAME, name, m.get("VmRSS"), m.get("VmHWM")))

    idle = Agent(cfg, report, "agent (every process, idle)", [])
    try:
        time.sleep(3)
        stage("idle, tracking every process", idle)
    finally:
        idle.stop()

    started = []
    client = None
    try:
        nginx = start_nginx(cfg, report, name="nginx-memory")
        started.append(nginx)
        postgres = start_postgres(cfg, report, name="postgres-memory")
        started.append(postgres)
        argv = ["/usr/bin/python3", "-B", SQL_CLIENT, str(postgres.port)]
        report.command("sql client", argv)
        client = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                  start_new_session=True)
        if client.stdout.readline().strip() != "ready":
            raise BenchError("sql_client.py did not connect")
        agent = Agent(cfg, report, "agent (nginx + sql client)",
                      ["--pid", str(nginx.pid), "--pid", str(client.pid)])
        try:
            time.sleep(2)
            stage("idle, tracking nginx and the SQL client", agent)

            half = cfg.unique_paths // 2
            made = 0
            for part, prefix in ((1, "a"), (2, "b")):
                # The two halves must not repeat paths: /a/... then /b/...
                os.environ.update(BENCH_PATHS=str(half), BENCH_THREADS="1", BENCH_PREFIX=prefix)
                sampler = PeakSampler(agent.pid)
                r = wrk(report, "wrk (unique paths)", f"http://127.0.0.1:{nginx.port}/", 600,
                        script=UNIQUE_PATHS, timeout_extra=60, stop_when_idle=True)
                peak = sampler.stop()
                made += r["requests"]
                m = agent.settle("http_server_request_duration_seconds_count", timeout=30)
                routes = len({l.get("http_route") for n, l, _ in m.samples
                              if n == "http_server_request_duration_seconds_count"})
                stage(f"after {made:,} unique URL paths ({part}/2)", agent,
                      f"{r['rps']:,.0f} req/s; agent counted "
                      f"{m.sum('http_server_request_duration_seconds_count'):,.0f} requests in "
                      f"{routes} routes; hostlens_series_limited_total "
                      f"{m.sum('hostlens_series_limited_total'):,.0f}", peak)
            paths_made = made

            half = cfg.distinct_sql // 2
            sent = 0
            for part in (1, 2):
                sampler = PeakSampler(agent.pid)
                t0 = time.monotonic()
                client.stdin.write(f"{sent} {half}\n")
                client.stdin.flush()
                line = _readline(client, 600)
                peak = sampler.stop()
                if not line.startswith("done"):
                    raise BenchError(f"sql_client.py: {line!r}")
                _, ok, errors = line.split()
                sent += half
                m = agent.settle("db_client_operation_duration_seconds_count", timeout=30)
                ops = m.sum("db_client_operation_duration_seconds_count")
                collections = len({l.get("db_collection_name") for n, l, _ in m.samples
                                   if n == "db_client_operation_duration_seconds_count"})
                stage(f"after {sent:,} distinct SQL statements ({part}/2)", agent,
                      f"{half / (time.monotonic() - t0):,.0f} statements/s ({ok} ok, {errors} "
                      f"errors); agent counted {ops:,.0f} operations, {collections} "
                      "db_collection_name values", peak)
            time.sleep(5)
            stage("5 s later (steady)", agent)
            record_agent_end(report, NAME, "cardinality", agent, agent.metrics())
        finally:
            agent.stop()
    finally:
        if client:
            client.stdin.close()
            client.kill()
            client.wait(timeout=5)
        for service in reversed(started):
            service.stop()

    rows = [[s, mb(rss), mb(peak), mb(hwm), d] for s, rss, peak, hwm, d in stages]
    lines = ["VmRSS of the agent in MB (1 MB = 1024 KiB); peak = highest VmRSS sampled every "
             "200 ms during the load; VmHWM = the process's peak so far.", ""]
    lines += table(["stage", "VmRSS MB", "peak during load MB", "VmHWM MB", "details"], rows)
    lines += ["", "At the end of each agent run of the scenarios above (VmRSS MB, median and "
              "min–max over the runs; VmHWM the highest):", ""]
    by_variant = {}
    for scenario, variant, rss, hwm in report.memory:
        if scenario != NAME:
            by_variant.setdefault((scenario, variant), []).append((rss, hwm))
    lines += table(["scenario", "agent", "VmRSS MB", "VmHWM MB"],
                   [[s, v, Series([r / 1024 for r, _ in xs if r]).fmt("{:.1f}"),
                     mb(max(h or 0 for _, h in xs))] for (s, v), xs in by_variant.items()])
    steady = max([rss or 0 for _, rss, _, _, _ in stages] +
                 [r or 0 for (_, _), xs in by_variant.items() for r, _ in xs]) / 1024
    hwm = max(h or 0 for _, _, h in ((s[0], s[1], s[3]) for s in stages)) / 1024
    url_growth = _growth(stages, "unique URL")
    sql_growth = _growth(stages, "distinct SQL")
    lines += ["",
              f"- Target: ≤ {TARGET_MB} MB steady: highest VmRSS after any load {steady:.1f} MB → "
              f"{verdict(steady, TARGET_MB, higher_is_better=False)} (peak VmHWM {hwm:.1f} MB).",
              f"- Bounded: VmRSS growth over the second half of each cardinality load: unique URLs "
              f"{url_growth}, distinct SQL {sql_growth} (about zero when bounded).",
              f"- The unique-path load made {paths_made:,} requests, each with a path not sent "
              "before.",
              "- " + loss_lines(report, NAME)[0]]
    report.add("5. Memory", lines)
    report.target(f"RSS ≤ {TARGET_MB} MB steady (highest after any load, MB)", f"{steady:.1f}",
                  verdict(steady, TARGET_MB, higher_is_better=False))
    return stages


def _growth(stages, what):
    rss = [s[1] for s in stages if what in s[0]]
    if len(rss) != 2 or not all(rss):
        return "n/a"
    return f"{(rss[1] - rss[0]) / 1024:+.1f} MB"


def _readline(proc, timeout):
    """A line from a child's stdout, or BenchError after `timeout` seconds."""
    out = []
    reader = threading.Thread(target=lambda: out.append(proc.stdout.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    if not out:
        raise BenchError(f"no answer from the SQL client in {timeout}s")
    return out[0].strip()
