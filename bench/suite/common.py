"""What every scenario of the overhead suite shares: starting and stopping processes with
deadlines (each in its own process group, all stopped at exit even on failure), the agent and
the floor, wrk and its output, /proc readings, A/B alternation, statistics and the report.

Standard library only; run by /usr/bin/python3 (Debian's), as root.
"""
import atexit
import json
import os
import re
import shlex
import signal
import socket
import statistics
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BENCH_DIR = os.path.join(REPO, "bench")
CLK_TCK = os.sysconf("SC_CLK_TCK")


class BenchError(Exception):
    """A scenario could not run (a server did not start, a client failed): its section says so."""


# ---------------------------------------------------------------- configuration


class Config:
    """Durations and sizes: the full suite (< 10 minutes) or BENCH_QUICK=1 (~2 minutes, to check
    the machinery; its numbers are not for comparison)."""

    def __init__(self, build_dir, quick):
        self.build_dir = os.path.abspath(build_dir)
        self.quick = quick
        self.rounds = int(os.environ.get("BENCH_ROUNDS", 2 if quick else 5))
        # seconds of each measured wrk run
        self.nginx_seconds = 1 if quick else 4
        self.fixed_seconds = 1 if quick else 4
        self.django_seconds = 1 if quick else 3
        self.pipeline_repetitions = 2 if quick else 5
        self.pipeline_min_time = 0.1 if quick else 0.5
        self.unique_paths = 50_000 if quick else 1_000_000
        self.distinct_sql = 5_000 if quick else 100_000
        self.fixed_rate_connections = 28
        self.fixed_rate_delay_ms = 1
        self.hostlens = os.path.join(self.build_dir, "hostlens")
        self.hook_floor = os.path.join(self.build_dir, "bench", "hook_floor")
        self.hook_floor_raw = os.path.join(self.build_dir, "bench", "hook_floor_raw")
        self.hook_floor_tls = os.path.join(self.build_dir, "bench", "hook_floor_tls")
        self.pipeline_benchmark = os.path.join(self.build_dir, "bench", "pipeline_benchmark")
        self.tmp = tempfile.mkdtemp(prefix="hostlens-bench-")
        os.chmod(self.tmp, 0o755)  # servers dropping to other users (nginx workers, postgres)


# ---------------------------------------------------------------- processes


_live = []  # every Service started and not yet stopped, stopped at exit


def _stop_all():
    for service in list(reversed(_live)):
        service.stop()


atexit.register(_stop_all)


def _on_signal(signum, _frame):
    raise KeyboardInterrupt(f"signal {signum}")


def install_signal_handlers():
    """SIGTERM/SIGINT unwind through every finally: block, so every server is stopped."""
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)


class Service:
    """A background process in its own process group (session), output to a log file; stop()
    signals the whole group, waits up to `stop_timeout`, then SIGKILLs it."""

    def __init__(self, name, argv, log_dir, env=None, cwd=None, stop_signal=signal.SIGTERM,
                 stop_timeout=5.0, user=None, stdin=None, stdout=None):
        self.name = name
        self.argv = [str(a) for a in argv]
        self.stop_signal = stop_signal
        self.stop_timeout = stop_timeout
        self.log_path = os.path.join(log_dir, f"{name}.log")
        self._log = open(self.log_path, "ab")
        # Where this run's output starts: a service started again under its name (a variant of
        # every round) appends to the same log.
        self._log_start = os.path.getsize(self.log_path)
        full_env = dict(os.environ)
        full_env.update(env or {})
        self.proc = subprocess.Popen(
            self.argv, stdout=stdout if stdout is not None else self._log, stderr=self._log,
            stdin=stdin if stdin is not None else subprocess.DEVNULL, env=full_env, cwd=cwd,
            start_new_session=True, user=user)
        self.pid = self.proc.pid
        _live.append(self)

    def alive(self):
        return self.proc.poll() is None

    def log_tail(self, lines=15):
        try:
            with open(self.log_path, "rb") as f:
                return b"\n".join(f.read().splitlines()[-lines:]).decode(errors="replace")
        except OSError:
            return ""

    def log_of_this_run(self):
        try:
            with open(self.log_path, "rb") as f:
                f.seek(self._log_start)
                return f.read().decode(errors="replace")
        except OSError:
            return ""

    def stop(self):
        if self in _live:
            _live.remove(self)
        if self.proc.poll() is None:
            try:
                os.killpg(self.pid, self.stop_signal)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=self.stop_timeout)
            except subprocess.TimeoutExpired:
                pass
        # Whatever is left of the group (children that outlived the leader) goes too.
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        self._log.close()


def wait_until(predicate, timeout, what, service=None, interval=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if service is not None and not service.alive():
            raise BenchError(f"{service.name} exited while waiting for {what}:\n{service.log_tail()}")
        if predicate():
            return
        time.sleep(interval)
    tail = f"\n{service.log_tail()}" if service is not None else ""
    raise BenchError(f"timed out after {timeout:.0f}s waiting for {what}{tail}")


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def run(argv, timeout, **kwargs):
    """A foreground command with a deadline; its output, or BenchError saying why it failed."""
    try:
        done = subprocess.run([str(a) for a in argv], capture_output=True, text=True,
                              timeout=timeout, **kwargs)
    except subprocess.TimeoutExpired:
        raise BenchError(f"timed out after {timeout}s: {shlex.join(map(str, argv))}")
    if done.returncode != 0:
        raise BenchError(f"failed ({done.returncode}): {shlex.join(map(str, argv))}\n"
                         f"{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return done.stdout


def http_get(url, timeout=2.0):
    """(status, body); status 0 when the server could not be reached."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read().decode(errors="replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(errors="replace")
    except (urllib.error.URLError, OSError):
        return 0, ""


# ---------------------------------------------------------------- /proc


def host_cpu_ticks():
    """(busy, total) jiffies of the whole machine from /proc/stat; busy excludes idle and iowait."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    user, nice, system, idle, iowait, irq, softirq, steal = fields[:8]
    busy = user + nice + system + irq + softirq + steal
    return busy, busy + idle + iowait


def process_cpu_seconds(pid):
    """utime + stime of a process (all its threads), seconds; None once it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            text = f.read()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def process_memory_kib(pid):
    """{'VmRSS': kB, 'VmHWM': kB} of a process."""
    out = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key in ("VmRSS", "VmHWM"):
                    out[key] = int(value.split()[0])
    except OSError:
        pass
    return out


def children_of(pid):
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                text = f.read()
        except OSError:
            continue
        if int(text[text.rindex(")") + 2:].split()[1]) == pid:
            out.append(int(entry))
    return out


# ---------------------------------------------------------------- the agent and the floor


class Agent:
    """build/hostlens on a loopback port, started fresh and stopped by the scenario."""

    def __init__(self, cfg, report, name, selectors, extra=()):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        argv = [cfg.hostlens, "--listen", f"127.0.0.1:{self.port}", "--log-level", "warn",
                *selectors, *extra]
        report.command(name, argv)
        self.service = Service(name, argv, cfg.tmp, stop_signal=signal.SIGTERM, stop_timeout=10)
        self.pid = self.service.pid
        wait_until(lambda: http_get(self.url + "/readyz", timeout=1)[0] == 200, 60,
                   f"{name} /readyz", service=self.service, interval=0.1)

    def metrics(self):
        status, body = http_get(self.url + "/metrics", timeout=10)
        if status != 200:
            raise BenchError(f"agent /metrics answered {status}")
        return parse_prometheus(body)

    def settle(self, family, timeout=5.0):
        """Waits until the agent has drained what the load produced: `family`'s total stops
        moving for 300 ms. Returns the parsed metrics."""
        last = None
        deadline = time.monotonic() + timeout
        while True:
            m = self.metrics()
            total = m.sum(family)
            if total == last or time.monotonic() > deadline:
                return m
            last = total
            time.sleep(0.3)

    def memory(self):
        return process_memory_kib(self.pid)

    def cpu_seconds(self):
        return process_cpu_seconds(self.pid)

    def stop(self):
        self.service.stop()


class Floor:
    """bench/floor: the agent's hooks with empty programs."""

    def __init__(self, cfg, report, name="floor", raw=False, tls_library=None, exported=False):
        """`tls_library`: the empty TLS probes on that libssl instead (hook_floor_tls), where
        the agent places them, or with `exported` on SSL_read/SSL_write and their _ex forms."""
        argv = [cfg.hook_floor_tls] + (["--exported"] if exported else []) + [tls_library] \
            if tls_library else [cfg.hook_floor_raw if raw else cfg.hook_floor]
        report.command(name, argv)
        self.service = Service(name, argv, cfg.tmp)
        self.pid = self.service.pid
        # This run's "attached": the log holds the earlier rounds' too.
        wait_until(lambda: "attached" in self.service.log_of_this_run(), 30,
                   "hook_floor to attach", service=self.service)

    def cpu_seconds(self):
        return process_cpu_seconds(self.pid)

    def stop(self):
        self.service.stop()


class Metrics:
    """Prometheus text format, parsed just enough: samples by name with their labels."""

    def __init__(self, samples):
        self.samples = samples  # [(name, {label: value}, float)]

    def sum(self, name, **labels):
        return sum(v for n, l, v in self.samples
                   if n == name and all(l.get(k) == want for k, want in labels.items()))

    def by_label(self, name, label):
        out = {}
        for n, l, v in self.samples:
            if n == name:
                out[l.get(label, "")] = out.get(l.get(label, ""), 0) + v
        return out

    def series(self, name):
        return sum(1 for n, _, _ in self.samples if n == name)


_SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)')
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse_prometheus(text):
    samples = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = _SAMPLE.match(line)
        if not m:
            continue
        labels = dict(_LABEL.findall(m.group(3) or ""))
        try:
            samples.append((m.group(1), labels, float(m.group(4))))
        except ValueError:
            continue
    return Metrics(samples)


# ---------------------------------------------------------------- wrk


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


def _ms(text):
    m = re.match(r"([\d.]+)(us|ms|s|m)$", text)
    return float(m.group(1)) * _UNITS[m.group(2)] if m else None


def parse_wrk(out):
    """requests, seconds, rps, p50/p99 (ms, from --latency), socket errors and non-2xx/3xx."""
    r = {}
    m = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m),", out)
    if not m:
        raise BenchError(f"unexpected wrk output:\n{out}")
    r["requests"] = int(m.group(1))
    r["seconds"] = _ms(m.group(2) + m.group(3)) / 1e3
    r["rps"] = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    for pct in ("50", "99"):
        m = re.search(rf"^\s+{pct}(?:\.000)?%\s+(\S+)", out, re.M)
        r[f"p{pct}_ms"] = _ms(m.group(1)) if m else None
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    r["socket_errors"] = sum(int(x) for x in m.groups()) if m else 0
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    r["bad_status"] = int(m.group(1)) if m else 0
    return r


def wrk(report, name, url, seconds, threads=1, connections=32, script=None, timeout_extra=30,
        on_start=None, stop_when_idle=False):
    """Runs wrk in the foreground; returns parse_wrk() plus the client's own CPU seconds (from
    wait4) under 'client_cpu'. `on_start()` is called right after wrk is started.
    stop_when_idle: for scripts that stop their threads after a number of requests
    (wrk.thread:stop()): wrk's main thread still sleeps for the whole duration, so once wrk has
    used no CPU for 0.5 s it gets SIGINT, on which it prints its figures and exits."""
    argv = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if script:
        argv += ["-s", script]
    argv.append(url)
    report.command(name, argv)
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    if on_start:
        on_start()
    out_chunks = []
    reader = threading.Thread(target=lambda: out_chunks.append(proc.stdout.read()), daemon=True)
    reader.start()
    deadline = time.monotonic() + seconds + timeout_extra
    status = rusage = None
    last_cpu, idle_since, interrupted = None, None, False
    while time.monotonic() < deadline:
        pid, status, rusage = os.wait4(proc.pid, os.WNOHANG)
        if pid == proc.pid:
            break
        time.sleep(0.01)
        if stop_when_idle and not interrupted:
            cpu = process_cpu_seconds(proc.pid)
            now = time.monotonic()
            if cpu != last_cpu:
                last_cpu, idle_since = cpu, now
            elif now - idle_since > 0.5:
                os.kill(proc.pid, signal.SIGINT)
                interrupted = True
    else:
        os.killpg(proc.pid, signal.SIGKILL)
        os.wait4(proc.pid, 0)
        raise BenchError(f"wrk did not finish in {seconds + timeout_extra}s")
    proc.returncode = os.waitstatus_to_exitcode(status)
    reader.join(timeout=5)
    out = (out_chunks[0] if out_chunks else b"").decode(errors="replace")
    if proc.returncode != 0:
        raise BenchError(f"wrk failed ({proc.returncode}):\n{out}")
    result = parse_wrk(out)
    result["client_cpu"] = rusage.ru_utime + rusage.ru_stime
    return result


# ---------------------------------------------------------------- alternation and statistics


def alternation(variants, rounds):
    """(round, variant) in ABBA order: A B C D, D C B A, A B C D... every variant runs once per
    round, and a drift of the machine over the run touches every variant alike."""
    for r in range(rounds):
        order = variants if r % 2 == 0 else list(reversed(variants))
        for v in order:
            yield r, v


class Series:
    """Values of one figure, one per round."""

    def __init__(self, values):
        self.values = [v for v in values if v is not None]

    def __bool__(self):
        return bool(self.values)

    @property
    def median(self):
        return statistics.median(self.values) if self.values else None

    def fmt(self, spec="{:.3f}"):
        if not self.values:
            return "n/a"
        lo, hi = min(self.values), max(self.values)
        return f"{spec.format(self.median)} ({spec.format(lo)}–{spec.format(hi)})"


def column(runs, key):
    """One figure of each round's result (None where that round has none)."""
    return [r.get(key) if r else None for r in runs]


def throughput_rows(results, variants, base_variant="none"):
    """Table rows: variant, req/s, p99 ms and both as ratios to `base_variant`'s run of the same
    round."""
    base = results[base_variant]
    return [[v, Series(column(results[v], "rps")).fmt("{:,.0f}"),
             Series(column(results[v], "p99_ms")).fmt("{:.3f}"),
             ratios(column(results[v], "rps"), column(base, "rps")).fmt(),
             ratios(column(results[v], "p99_ms"), column(base, "p99_ms")).fmt()]
            for v in variants]


def ratios(numerators, denominators):
    """Per-round ratios of two variants measured in the same round."""
    return Series([n / d if n is not None and d else None for n, d in zip(numerators, denominators)])


def differences(a, b):
    return Series([x - y if x is not None and y is not None else None for x, y in zip(a, b)])


def verdict(value, target, higher_is_better=True):
    if value is None:
        return "not measured"
    ok = value >= target if higher_is_better else value <= target
    return "met" if ok else "**not met**"


# ---------------------------------------------------------------- the report


class Report:
    """bench/RESULTS.md: machine, commands and one section per scenario, written after every
    scenario so a run that fails late keeps what it measured."""

    def __init__(self, cfg, path, argv):
        self.cfg = cfg
        self.path = path
        self.argv = argv
        self.started = time.strftime("%Y-%m-%d %H:%M:%S %Z")
        self.sections = []
        self.commands = {}  # name -> first command line seen
        self.memory = []  # (scenario, variant, VmRSS kB, VmHWM kB) at the end of each agent run
        self.losses = []  # (scenario, variant, {reason: count})
        self.targets = []  # (target, measured, verdict)
        self.notes = []  # lines of the summary (duration, failures)

    def command(self, name, argv):
        self.commands.setdefault(name, shlex.join(map(str, argv)))

    def target(self, what, measured, outcome):
        self.targets.append((what, measured, outcome))
        self.write()

    def add(self, title, lines):
        self.sections.append((title, lines))
        self.write()

    def machine(self):
        model = "unknown"
        try:
            out = subprocess.run(["lscpu"], capture_output=True, text=True, timeout=10).stdout
            m = re.search(r"^Model name:\s+(.*)$", out, re.M)
            model = m.group(1).strip() if m else model
        except (OSError, subprocess.TimeoutExpired):
            pass
        commit = "unknown"
        try:
            commit = subprocess.run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"],
                                    capture_output=True, text=True, timeout=10).stdout.strip()
            dirty = subprocess.run(["git", "-C", REPO, "status", "--porcelain", "--untracked-files=no"],
                                   capture_output=True, text=True, timeout=10).stdout.strip()
            if dirty:
                commit += " (with uncommitted changes)"
        except (OSError, subprocess.TimeoutExpired):
            pass
        load = open("/proc/loadavg").read().split()[:3]
        return [
            f"- CPU: {model}, {os.cpu_count()} cores",
            f"- kernel: {os.uname().release}",
            f"- date: {self.started}",
            f"- git commit: {commit}",
            f"- load average at the start: {' '.join(load)}",
            f"- mode: {'BENCH_QUICK=1 (checks the machinery; not for comparison)' if self.cfg.quick else 'full'}"
            f", {self.cfg.rounds} alternations per figure",
        ]

    def write(self):
        lines = ["# hostlens overhead benchmark results", "",
                 "Written by `make bench` (bench/run.py); regenerated on every run. Every figure",
                 "is measured in this one run: variants alternate in ABBA order, once per round,",
                 "and a figure is the median over the rounds with the min–max beside it. Do not",
                 "compare figures across runs. bench/README.md says what each scenario measures.",
                 "", "## Machine", ""]
        if not hasattr(self, "_machine"):
            self._machine = self.machine()
        lines += self._machine
        lines += ["", f"Suite command: `{self.argv}`", "", "## Targets (issue 6)", ""]
        lines += table(["target", "measured (median, min–max)", "verdict"], self.targets)
        lines += [""] + self.notes + [""]
        for title, body in self.sections:
            lines += [f"## {title}", ""] + body + [""]
        changes = os.path.join(REPO, "bench", "CHANGES.md")
        if os.path.exists(changes):
            # Kept by hand: each change's before and after, each pair measured in one run of its own.
            lines += open(changes).read().rstrip("\n").split("\n") + [""]
        lines += ["## Commands", "", "Exact command lines of this run (ports are picked free per run):", ""]
        for name, cmd in self.commands.items():
            lines.append(f"- {name}: `{cmd}`")
        lines.append("")
        tmp = self.path + ".tmp"
        with open(tmp, "w") as f:
            f.write("\n".join(lines))
        os.replace(tmp, self.path)


def table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return out


def record_agent_end(report, scenario, variant, agent, metrics):
    """What every scenario keeps from an agent run: its memory and its losses."""
    mem = agent.memory()
    report.memory.append((scenario, variant, mem.get("VmRSS"), mem.get("VmHWM")))
    report.losses.append((scenario, variant, metrics.by_label("hostlens_events_lost_total", "reason")))


def loss_lines(report, scenario):
    """One line: the agent's lost events over all its runs in a scenario."""
    totals = {}
    runs = 0
    for s, _, by_reason in report.losses:
        if s != scenario:
            continue
        runs += 1
        for reason, n in by_reason.items():
            totals[reason] = totals.get(reason, 0) + n
    lost = {k: int(v) for k, v in totals.items() if v}
    text = ", ".join(f"{k} {v}" for k, v in sorted(lost.items())) if lost else "none"
    return [f"hostlens_events_lost_total over all {runs} agent runs of this scenario: {text}"
            " (zero expected)."]


def dump_json(path, data):
    with open(path, "w") as f:
        json.dump(data, f, indent=1, default=str)
