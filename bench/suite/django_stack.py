"""Scenario 3: the Django test app (tests/apps) under gunicorn (2 sync workers) with PostgreSQL
and Redis, `wrk -t1 -c8 --latency` on two views: /cache/<key>/ (one Redis GET, a hit: the key is
warmed first) and /orders/5/ (the N+1 view: 6 queries).

Variants, alternated: plain; plain + the agent (--port of plain's gunicorn); django-prometheus
(the same app with HOSTLENS_DJANGO_PROMETHEUS=1: middleware, database and cache wrappers).
PostgreSQL, Redis and both gunicorn servers (plain and django-prometheus, on their own ports)
run for the whole scenario, so their database connections are warm; the agent is started fresh
for each of its runs, after the app, as it would be on a running host: connections older than
the agent are found by their next query.
"""
from common import (Agent, BenchError, Series, alternation, column, http_get, loss_lines, ratios,
                    record_agent_end, table, verdict, wrk)
from servers import seed_django, start_gunicorn, start_postgres, start_redis

NAME = "django"
VARIANTS = ["plain", "plain + agent", "django-prometheus"]
VIEWS = [("cache hit", "/cache/benchkey/"), ("N+1 (/orders/5/)", "/orders/5/")]


def run(cfg, report):
    started = []
    results = {(v, view): [None] * cfg.rounds for v in VARIANTS for view, _ in VIEWS}
    agent_counts = {view: [None] * cfg.rounds for view, _ in VIEWS}
    try:
        postgres = start_postgres(cfg, report, name="postgres-django")
        started.append(postgres)
        redis = start_redis(cfg, report, name="redis-django")
        started.append(redis)
        seed_django(cfg, report, postgres, redis)
        plain = start_gunicorn(cfg, report, "gunicorn (plain)", postgres, redis, prometheus=False)
        started.append(plain)
        prom = start_gunicorn(cfg, report, "gunicorn (django-prometheus)", postgres, redis,
                              prometheus=True)
        started.append(prom)
        for server in (plain, prom):
            base = f"http://127.0.0.1:{server.port}"
            for _, path in VIEWS:
                status, body = http_get(base + path, timeout=10)
                if status != 200:
                    raise BenchError(f"{base}{path} answered {status}: {body[:300]}")
            # Every worker's connections and the cache key, warm before measuring.
            for _, path in VIEWS:
                wrk(report, "wrk warm-up", base + path, 1, connections=8)
            if http_get(base + VIEWS[0][1])[1].strip() != "hit":
                raise BenchError("the cache view does not answer hit after warming")

        for rnd, variant in alternation(VARIANTS, cfg.rounds):
            server = prom if variant == "django-prometheus" else plain
            agent = None
            if variant == "plain + agent":
                agent = Agent(cfg, report, "agent (gunicorn)", ["--port", str(plain.port)])
            try:
                for view, path in VIEWS:
                    before = agent.metrics() if agent else None
                    r = wrk(report, "wrk (django)", f"http://127.0.0.1:{server.port}{path}",
                            cfg.django_seconds, connections=8)
                    if r["socket_errors"] or r["bad_status"]:
                        raise BenchError(f"wrk saw errors on {path} ({variant}): {r}")
                    results[(variant, view)][rnd] = r
                    if agent:
                        after = agent.settle("http_server_request_duration_seconds_count")
                        http = (after.sum("http_server_request_duration_seconds_count")
                                - before.sum("http_server_request_duration_seconds_count"))
                        db = (after.sum("db_client_operation_duration_seconds_count")
                              - before.sum("db_client_operation_duration_seconds_count"))
                        agent_counts[view][rnd] = (http / r["requests"], db / r["requests"])
                if agent:
                    record_agent_end(report, NAME, variant, agent, agent.metrics())
            finally:
                if agent:
                    agent.stop()
    finally:
        for service in reversed(started):
            service.stop()

    lines = [f"`wrk -t1 -c8 -d{cfg.django_seconds}s --latency` against gunicorn (2 sync workers) "
             "serving tests/apps with PostgreSQL 15 and Redis on loopback; ratios per round "
             "against plain in the same round.", ""]
    rows = []
    summary = {}
    for view, _ in VIEWS:
        base = results[("plain", view)]
        for v in VARIANTS:
            runs = results[(v, view)]
            thr = ratios(column(runs, "rps"), column(base, "rps"))
            summary[(v, view)] = thr
            rows.append([view, v, Series(column(runs, "rps")).fmt("{:,.0f}"),
                         Series(column(runs, "p99_ms")).fmt("{:.2f}"), thr.fmt(),
                         ratios(column(runs, "p99_ms"), column(base, "p99_ms")).fmt()])
    lines += table(["view", "variant", "req/s", "p99 ms", "throughput vs plain", "p99 vs plain"],
                   rows)
    lines.append("")
    for view, _ in VIEWS:
        agent = summary[("plain + agent", view)]
        prom = summary[("django-prometheus", view)]
        lines.append(f"- {view}: agent {agent.fmt()} of plain (target ≥ 0.98 → "
                     f"{verdict(agent.median, 0.98)}); django-prometheus {prom.fmt()}"
                     + (" (the issue measured 0.82)." if view == "cache hit" else "."))
        report.target(f"django {view}: agent ≥ 0.98 of plain throughput", agent.fmt(),
                      verdict(agent.median, 0.98))
    for view, _ in VIEWS:
        counts = [c for c in agent_counts[view] if c]
        if counts:
            lines.append(f"- {view}: per request wrk completed, the agent counted "
                         f"{Series([c[0] for c in counts]).fmt('{:.3f}')} HTTP requests and "
                         f"{Series([c[1] for c in counts]).fmt('{:.2f}')} database/cache operations.")
    lines.append("- " + loss_lines(report, NAME)[0])
    report.add("3. Django + PostgreSQL + Redis (gunicorn sync workers)", lines)
    return results
