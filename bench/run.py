#!/usr/bin/python3
"""hostlens overhead suite (`make bench`): runs the scenarios of bench/README.md in order and
writes bench/RESULTS.md (BENCH_QUICK=1: <build dir>/bench/RESULTS-quick.md).

    /usr/bin/python3 bench/run.py --build-dir build [--quick] [--only nginx,fixed,django,pipeline,memory]

Environment: BENCH_QUICK=1 (same as --quick), BENCH_ONLY (same as --only), BENCH_ROUNDS
(alternations per figure; default 5, quick 2), BENCH_OUT (the results file).
Needs root (BPF), the agent built, and the Debian packages of scripts/install-deps.sh.
"""
import argparse
import os
import shlex
import shutil
import signal
import sys
import time
import traceback

sys.dont_write_bytecode = True  # no __pycache__ in the source tree

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "suite"))

import bpf_time  # noqa: E402
import common  # noqa: E402
import django_stack  # noqa: E402
import fixed_rate  # noqa: E402
import memory  # noqa: E402
import nginx_https  # noqa: E402
import nginx_saturated  # noqa: E402
import pipeline  # noqa: E402

SCENARIOS = [
    ("nginx", nginx_saturated),
    ("bpftime", bpf_time),
    ("https", nginx_https),
    ("fixed", fixed_rate),
    ("django", django_stack),
    ("pipeline", pipeline),
    ("memory", memory),  # last: it also reports the agent's memory after the loads above
]
# The whole suite stops here whatever happens (the full run takes under 10 minutes).
DEADLINE_SECONDS = 20 * 60


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build-dir", default=os.path.join(common.REPO, "build"))
    parser.add_argument("--quick", action="store_true",
                        default=os.environ.get("BENCH_QUICK", "") not in ("", "0"))
    parser.add_argument("--only", default=os.environ.get("BENCH_ONLY", ""))
    parser.add_argument("--out", default=os.environ.get("BENCH_OUT", ""))
    args = parser.parse_args()

    if os.geteuid() != 0:
        sys.exit("bench: needs root (the agent and the floor load BPF programs)")
    cfg = common.Config(args.build_dir, args.quick)
    for binary in (cfg.hostlens, cfg.hook_floor, cfg.hook_floor_tls, cfg.pipeline_benchmark):
        if not os.access(binary, os.X_OK):
            sys.exit(f"bench: {binary} is missing: build it first (make bench does)")
    for tool in ("wrk", "nginx", "redis-server"):
        if not shutil.which(tool) and not os.path.exists(f"/usr/sbin/{tool}"):
            sys.exit(f"bench: {tool} is missing (scripts/install-deps.sh installs it)")
    out = args.out or (os.path.join(cfg.build_dir, "bench", "RESULTS-quick.md") if cfg.quick
                       else os.path.join(common.BENCH_DIR, "RESULTS.md"))
    os.makedirs(os.path.dirname(out), exist_ok=True)
    only = {s.strip() for s in args.only.split(",") if s.strip()}
    unknown = only - {name for name, _ in SCENARIOS}
    if unknown:
        sys.exit(f"bench: unknown scenario(s) {', '.join(sorted(unknown))}")

    common.install_signal_handlers()
    signal.signal(signal.SIGALRM, lambda *_: (_ for _ in ()).throw(
        KeyboardInterrupt(f"the suite ran past its {DEADLINE_SECONDS}s deadline")))
    signal.alarm(DEADLINE_SECONDS)

    suite_cmd = ("BENCH_QUICK=1 " if cfg.quick else "") + shlex.join(
        ["/usr/bin/python3", "bench/run.py", "--build-dir", os.path.relpath(cfg.build_dir, common.REPO)]
        + (["--only", args.only] if args.only else []))
    report = common.Report(cfg, out, suite_cmd)
    print(f"bench: logs in {cfg.tmp}, results to {out}", flush=True)
    started = time.monotonic()
    failed = []
    try:
        for name, module in SCENARIOS:
            if only and name not in only:
                continue
            t0 = time.monotonic()
            print(f"bench: {name}...", flush=True)
            try:
                module.run(cfg, report)
            except common.BenchError as e:
                failed.append(name)
                report.add(f"{module.NAME}: failed", ["The scenario could not run:", "",
                                                      "```", str(e), "```"])
                print(f"bench: {name} failed: {e}", file=sys.stderr, flush=True)
            except Exception:
                failed.append(name)
                report.add(f"{module.NAME}: failed", ["```", traceback.format_exc(), "```"])
                traceback.print_exc()
            print(f"bench: {name} took {time.monotonic() - t0:.0f}s", flush=True)
    finally:
        signal.alarm(0)
        common._stop_all()
        # Keep the logs, not the servers' data (about 100 MB of PostgreSQL clusters a run).
        for entry in os.scandir(cfg.tmp):
            if entry.is_dir() and os.path.isdir(os.path.join(entry.path, "data")):
                shutil.rmtree(os.path.join(entry.path, "data"), ignore_errors=True)
        elapsed = time.monotonic() - started
        report.notes.append(f"Suite took {elapsed / 60:.1f} minutes."
                            + (f" Failed scenarios: {', '.join(failed)}." if failed else ""))
        report.write()
        print(f"bench: wrote {out} ({elapsed:.0f}s)", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
