#!/usr/bin/env python3
"""The kernel matrix's smoke suite: the real agent against real servers and clients on the
running kernel, every count compared with what the client itself says it sent, exactly.

Runs as root inside a matrix VM (tests/kernels/guest-init.sh), and just as well on any machine
(it only uses loopback and its own temporary directory):

  smoke.py --build build --out DIR [--expect-fallback FEATURE]... [--pg-template TAR.GZ] [--tls-dir DIR]

Checks, in order: the agent starts and is ready; /api/v1/status lists every program of the BPF
objects, each one held by the agent, and the fallbacks expected on this kernel (no others);
nginx under `ab -k`; curl as an HTTP client; curl against nginx over HTTPS (OpenSSL's plaintext
through the TLS uprobes); pgbench over the Unix socket; psycopg2 with sslmode=require over TCP
(libpq inside OpenSSL); redis-benchmark; no event lost.
The programs the agent tracks are copies of nginx, curl, pgbench, python3 and redis-benchmark in a
directory of the suite's own, selected by that directory: on a shared machine another test's
nginx or curl is neither tracked nor counted. Writes DIR/report.json and DIR/agent.log (the agent's stderr: a program the kernel
refused is there with the verifier's log) and exits 1 when a check fails.
"""
import argparse
import glob
import json
import os
import pwd
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request

AB_REQUESTS = 2000
CURL_URLS_PER_PROCESS = 20
CURL_PROCESSES = 3
PGBENCH_SELECT = ["-n", "-S", "-c", "2", "-t", "100"]  # 200 transactions of one SELECT
PGBENCH_TPCB = ["-n", "-c", "1", "-t", "50"]  # 50 of BEGIN; 3 UPDATE; SELECT; INSERT; END
REDIS_RUNS = [("16", 2000), ("1", 200)]  # (pipeline depth, requests of each of SET and GET)
TLS_CURL_PROCESSES = 2
TLS_URLS_PER_PROCESS = 10
PG_BIN = "/usr/lib/postgresql/15/bin"

NGINX_CONFIG = """daemon off;
master_process on;
worker_processes 1;
user root;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 256; }}
http {{
  access_log off;
  client_body_temp_path {dir}/body;
  proxy_temp_path {dir}/proxy;
  fastcgi_temp_path {dir}/fastcgi;
  uwsgi_temp_path {dir}/uwsgi;
  scgi_temp_path {dir}/scgi;
  server {{
    listen 127.0.0.1:{port};
    location = /hello {{
      default_type text/plain;
      return 200 "hello\\n";
    }}
  }}
  server {{
    listen 127.0.0.1:{tls_port} ssl;
    ssl_certificate {tls_dir}/cert.pem;
    ssl_certificate_key {tls_dir}/key.pem;
    location = /secure {{
      default_type text/plain;
      return 200 "secure\\n";
    }}
    location = /warmup {{
      default_type text/plain;
      return 200 "warm\\n";
    }}
  }}
}}
"""


def log(*parts):
    print(f"[{time.monotonic() - START:7.2f}s]", *parts, flush=True)


START = time.monotonic()


class Failed(Exception):
    pass


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(port, path, timeout=10):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=timeout) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()
    except OSError:
        return 0, ""


def accepts(port):
    try:
        socket.create_connection(("127.0.0.1", port), 2).close()
        return True
    except OSError:
        return False


def wait_for(condition, timeout, interval=0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()


def shown(argv):
    text = " ".join(argv)
    return text if len(text) <= 200 else text[:200] + " ..."


def run(argv, timeout=300, **kwargs):
    log("$", shown(argv))
    p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, **kwargs)
    if p.returncode != 0:
        raise Failed(f"{argv[0]} exited {p.returncode}: {(p.stdout + p.stderr)[-2000:]}")
    return p.stdout + p.stderr


def bpf_object_programs(build, objects="*"):
    """Names of the programs in the agent's BPF objects (`objects`: a glob of their names):
    global functions in executable sections other than .text (SEC("tp/..."),
    SEC("raw_tp/..."), SEC("uprobe"), ...)."""
    names = set()
    for path in glob.glob(os.path.join(build, "bpf", "bpf", objects + ".bpf.o")):
        data = open(path, "rb").read()
        shoff, = struct.unpack_from("<Q", data, 0x28)
        shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)
        sections = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize)
                    for i in range(shnum)]

        def section_name(index):
            strtab = sections[shstrndx]
            start = strtab[4] + sections[index][0]
            return data[start:data.index(b"\0", start)].decode()

        def is_program_section(index):
            return sections[index][2] & 0x4 and section_name(index) != ".text"  # SHF_EXECINSTR

        for sec in sections:
            if sec[1] != 2:  # SHT_SYMTAB
                continue
            strings = sections[sec[6]]
            for off in range(sec[4], sec[4] + sec[5], 24):
                st_name, st_info, _, st_shndx, _, _ = struct.unpack_from("<IBBHQQ", data, off)
                if st_info >> 4 != 1 or st_info & 0xF != 2 or not 0 < st_shndx < shnum:
                    continue  # not a global function
                if not is_program_section(st_shndx):
                    continue
                start = strings[4] + st_name
                names.add(data[start:data.index(b"\0", start)].decode())
    return names


def program_ids_held(pid):
    ids = set()
    for fdinfo in glob.glob(f"/proc/{pid}/fdinfo/*"):
        try:
            for line in open(fdinfo):
                if line.startswith("prog_id:"):
                    ids.add(int(line.split()[1]))
        except OSError:
            pass
    return ids


SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


# The programs tracked, copied into the suite's own directory (their service names stay the
# same: the base name of the executable).
TRACKED = {"nginx": "/usr/sbin/nginx", "curl": "/usr/bin/curl", "pgbench": f"{PG_BIN}/pgbench",
           "redis-benchmark": "/usr/bin/redis-benchmark",
           # A copy of the interpreter finds its standard library through the compiled-in prefix.
           "python3": os.path.realpath("/usr/bin/python3")}
PG_CLIENT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                         "integration", "clients", "pg_client.py")


class Agent:
    def __init__(self, build, out, bin_dir, extra_args):
        self.port = free_port()
        self.log_path = os.path.join(out, "agent.log")
        self.log_file = open(self.log_path, "w")
        # mkdtemp names have letters, digits and underscores only: no regex escaping needed.
        argv = [os.path.join(build, "hostlens"), "--listen", f"127.0.0.1:{self.port}",
                "--exe", f"^{bin_dir}/"] + extra_args
        log("$", " ".join(argv))
        self.process = subprocess.Popen(argv, stdout=self.log_file, stderr=subprocess.STDOUT)

    def stderr(self):
        self.log_file.flush()
        return open(self.log_path).read()

    def wait_ready(self, timeout):
        ok = wait_for(lambda: self.process.poll() is not None or
                      http_get(self.port, "/readyz", 2)[0] == 200, timeout, 0.5)
        if self.process.poll() is not None:
            raise Failed(f"the agent exited {self.process.returncode}:\n{self.stderr()[-6000:]}")
        if not ok:
            raise Failed(f"the agent was not ready within {timeout} s:\n{self.stderr()[-3000:]}")

    def status(self):
        code, body = http_get(self.port, "/api/v1/status")
        if code != 200:
            raise Failed(f"/api/v1/status answered {code}")
        return json.loads(body)

    def sum_of(self, name, **labels):
        code, body = http_get(self.port, "/metrics", 30)
        if code != 200:
            raise Failed(f"/metrics answered {code}")
        total = 0.0
        for line in body.splitlines():
            m = SAMPLE.match(line)
            if not m or m.group(1) != name:
                continue
            have = dict(LABEL.findall(m.group(2) or ""))
            if all(have.get(k) == v for k, v in labels.items()):
                total += float(m.group(3))
        return total

    def settle(self, expected, name, **labels):
        """The sum once it reached `expected` (and stayed, 0.5 s more: a late extra count shows
        too), or the last one seen after a minute."""
        value = [None]

        def reached():
            value[0] = self.sum_of(name, **labels)
            return value[0] == expected

        if wait_for(reached, 60, 0.5):
            time.sleep(0.5)
            value[0] = self.sum_of(name, **labels)
        return value[0]

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log_file.close()


class Suite:
    def __init__(self, args):
        self.args = args
        self.checks = []
        self.stages = {}
        self.children = []
        self.tempdirs = []
        self.report = {"kernel": os.uname().release, "checks": self.checks,
                       "stage_seconds": self.stages}

    def check(self, name, expected, seen):
        ok = expected == seen
        self.checks.append({"name": name, "expected": expected, "seen": seen, "ok": ok})
        log("ok  " if ok else "FAIL", f"{name}: expected {expected}, seen {seen}")
        return ok

    def tempdir(self, name):
        d = tempfile.mkdtemp(prefix=f"hostlens-smoke-{name}-")
        self.tempdirs.append(d)
        return d

    def spawn(self, argv, **kwargs):
        log("$", " ".join(argv), "&")
        p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             start_new_session=True, **kwargs)
        self.children.append(p)
        return p

    def stage(self, name, fn):
        started = time.monotonic()
        try:
            fn()
        except Failed as e:
            self.check(name, "no error", str(e))
        except (OSError, subprocess.SubprocessError, ValueError) as e:
            self.check(name, "no error", f"{type(e).__name__}: {e}")
        finally:
            self.stages[name] = round(time.monotonic() - started, 2)

    # ---------------------------------------------------------------------------------------
    def start_agent(self):
        self.bin_dir = self.tempdir("bin")
        os.chmod(self.bin_dir, 0o755)
        self.bin = {}
        for name, path in TRACKED.items():
            self.bin[name] = os.path.join(self.bin_dir, name)
            shutil.copy2(path, self.bin[name])
        self.agent = Agent(self.args.build, self.args.out, self.bin_dir, self.args.agent_arg)
        self.agent.wait_ready(self.args.ready_timeout)

    def programs(self):
        status = self.agent.status()
        listed = {p["name"] for p in status["attached_programs"]}
        expected = bpf_object_programs(self.args.build)
        if "task_pt_regs" not in (status.get("fallbacks") or {}):
            # The read and write syscalls' exit programs read their arguments themselves: the
            # data object's enter programs are not loaded.
            expected -= {n for n in bpf_object_programs(self.args.build, "data")
                         if n.endswith("_enter")}
        held = program_ids_held(self.agent.process.pid)
        self.report["programs_attached"] = len(status["attached_programs"])
        self.report["kernel_features"] = status.get("kernel_features")
        self.report["fallbacks"] = status.get("fallbacks")
        self.report["programs_expected"] = len(expected)
        self.check(f"every program of the BPF objects ({len(expected)}) listed in /api/v1/status:"
                   " programs missing or extra", [], sorted(expected ^ listed))
        self.check("programs the agent holds == programs listed", len(listed), len(held))
        self.check("fallbacks chosen", sorted(self.args.expect_fallback),
                   sorted((status.get("fallbacks") or {}).keys()))

    def nginx(self):
        d = self.tempdir("nginx")
        port = free_port()
        tls_port = free_port()
        tls_dir = self.tls_dir()
        with open(f"{d}/nginx.conf", "w") as f:
            f.write(NGINX_CONFIG.format(dir=d, port=port, tls_port=tls_port, tls_dir=tls_dir))
        self.spawn([self.bin["nginx"], "-p", d + "/", "-c", f"{d}/nginx.conf", "-e",
                    f"{d}/error.log"])
        # Up once it accepts a connection: no request is sent, so none is counted.
        if not wait_for(lambda: accepts(port) and accepts(tls_port), 30):
            raise Failed("nginx did not listen: " + open(f"{d}/error.log").read()[-1000:])
        out = run(["ab", "-q", "-k", "-s", "60", "-n", str(AB_REQUESTS), "-c", "4",
                   f"http://127.0.0.1:{port}/hello"])
        completed = int(re.search(r"Complete requests:\s+(\d+)", out).group(1))
        failed = int(re.search(r"Failed requests:\s+(\d+)", out).group(1))
        self.report["ab_complete"] = completed
        self.check("ab -k: requests completed and none failed", [AB_REQUESTS, 0],
                   [completed, failed])
        seen = self.agent.settle(completed, "http_server_request_duration_seconds_count",
                                 service_name="nginx", http_route="/hello",
                                 http_response_status_code="200")
        self.check(f"nginx server requests counted (ab -k -n {AB_REQUESTS})", completed, seen)
        # Each of them one request per read and one response per write: all through the kernel's
        # HTTP/1 fast path, on every kernel of the matrix.
        compact = self.agent.sum_of("hostlens_http_fast_path_total", outcome="compact")
        self.report["http_fast_path_compact"] = compact
        self.check("nginx exchanges sent as compact records by the HTTP/1 fast path", completed,
                   compact)
        self.nginx_port = port
        self.nginx_tls_port = tls_port
        self.nginx_base = seen

    def tls_dir(self):
        """The certificate for nginx and PostgreSQL: --tls-dir's, else one made once here."""
        if not getattr(self, "_tls_dir", None):
            self._tls_dir = self.args.tls_dir or self.certificate()
        return self._tls_dir

    def certificate(self):
        d = self.tempdir("tls")
        run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost",
             "-days", "2", "-keyout", f"{d}/key.pem", "-out", f"{d}/cert.pem"])
        os.chmod(d, 0o755)
        return d

    def curl(self):
        port = self.nginx_port
        urls = [f"http://127.0.0.1:{port}/hello"] * CURL_URLS_PER_PROCESS
        sent = 0
        for _ in range(CURL_PROCESSES):
            out = run([self.bin["curl"], "-sS", "-o", "/dev/null", "-w", "%{http_code}\\n"] + urls)
            sent += out.split().count("200")
        self.report["curl_requests"] = sent
        self.check("curl: responses 200", CURL_PROCESSES * CURL_URLS_PER_PROCESS, sent)
        seen = self.agent.settle(sent, "http_client_request_duration_seconds_count",
                                 service_name="curl", http_response_status_code="200")
        self.check("curl client requests counted", sent, seen)
        seen = self.agent.settle(self.nginx_base + sent,
                                 "http_server_request_duration_seconds_count",
                                 service_name="nginx", http_route="/hello")
        self.check("nginx server requests counted (ab + curl)", self.nginx_base + sent, seen)

    def tls(self):
        port = self.nginx_tls_port
        curl = [self.bin["curl"], "-sS", "-k", "-o", "/dev/null", "-w", "%{http_code}\\n"]
        server_count = "http_server_request_duration_seconds_count"
        client_count = "http_client_request_duration_seconds_count"

        # The agent attaches to the TLS library files of the processes it tracks as it finds
        # them (every 0.5 s): HTTPS is counted from the first request it sees on /warmup, and
        # the requests measured are sent after that.
        def warm():
            run(curl + [f"https://127.0.0.1:{port}/warmup"])
            time.sleep(0.5)
            return self.agent.sum_of(server_count, service_name="nginx", http_route="/warmup") > 0

        if not wait_for(warm, 60, 0):
            raise Failed("no HTTPS request to nginx counted within 60 s: the TLS probes did not "
                         "attach to nginx's libssl (agent log:\n" + self.agent.stderr()[-2000:])
        time.sleep(1)
        client_base = self.agent.sum_of(client_count, service_name="curl",
                                        http_response_status_code="200")
        uncovered_base = self.agent.sum_of("hostlens_tls_uncovered_connections_total")
        sent = 0
        for _ in range(TLS_CURL_PROCESSES):
            out = run(curl + [f"https://127.0.0.1:{port}/secure"] * TLS_URLS_PER_PROCESS)
            sent += out.split().count("200")
        self.report["tls_requests"] = sent
        self.check("curl -k over HTTPS: responses 200", TLS_CURL_PROCESSES * TLS_URLS_PER_PROCESS,
                   sent)
        seen = self.agent.settle(sent, server_count, service_name="nginx", http_route="/secure",
                                 http_response_status_code="200")
        self.check("nginx HTTPS requests counted (OpenSSL uprobes)", sent, seen)
        seen = self.agent.settle(client_base + sent, client_count, service_name="curl",
                                 http_response_status_code="200")
        self.check("curl HTTPS client requests counted (OpenSSL uprobes), after the warm-up's",
                   sent, seen - client_base)
        self.check("TLS connections whose plaintext was not seen, during the measured requests",
                   uncovered_base, self.agent.sum_of("hostlens_tls_uncovered_connections_total"))

    def pgbench(self):
        d = self.tempdir("pg")
        os.chmod(d, 0o755)
        data = f"{d}/data"
        pg = pwd.getpwnam("postgres")
        as_postgres = ["/usr/sbin/runuser", "-u", "postgres", "--"]
        if self.args.pg_template:
            # One file to read: over 9p in a VM, a directory of a thousand files is slow to copy.
            os.mkdir(data, 0o700)
            run(["tar", "-xzf", self.args.pg_template, "-C", data])
        else:
            os.chown(d, pg.pw_uid, pg.pw_gid)
            run(as_postgres + [f"{PG_BIN}/initdb", "-D", data, "-U", "postgres", "--auth=trust",
                               "-E", "UTF8", "--locale=C", "--no-sync"])
        # TLS on TCP for psycopg2: the server reads its key as postgres, and wants it private.
        for name in ("cert.pem", "key.pem"):
            shutil.copy(os.path.join(self.tls_dir(), name), os.path.join(d, name))
        os.chmod(os.path.join(d, "key.pem"), 0o600)
        run(["chown", "-R", "postgres:postgres", d])
        sock_dir = d  # the Unix socket: pgbench's -h is this directory
        self.pg_port = free_port()
        self.spawn(as_postgres + [f"{PG_BIN}/postgres", "-D", data,
                                  "-c", "listen_addresses=127.0.0.1", "-c", f"port={self.pg_port}",
                                  "-c", "ssl=on", "-c", f"ssl_cert_file={d}/cert.pem",
                                  "-c", f"ssl_key_file={d}/key.pem",
                                  "-c", f"unix_socket_directories={sock_dir}", "-c", "fsync=off",
                                  "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
                                  "-c", "shared_buffers=16MB", "-c", "max_connections=20"])
        if not wait_for(lambda: subprocess.run(
                [f"{PG_BIN}/pg_isready", "-q", "-h", sock_dir, "-p", str(self.pg_port), "-t", "1"]
                ).returncode == 0, 60, 1):
            raise Failed("PostgreSQL did not start")
        pgbench = [self.bin["pgbench"], "-h", sock_dir, "-p", str(self.pg_port), "-U", "postgres"]
        ops = ["SELECT pgbench_accounts", "UPDATE pgbench_accounts", "BEGIN", "END"]
        if not self.args.pg_template:
            # pgbench -i is pgbench too: what it sends is counted before the runs below.
            run(pgbench + ["-i", "-q", "-s", "1", "postgres"])
            time.sleep(3)
        base = {op: self.agent.sum_of("db_client_operation_duration_seconds_count",
                                      service_name="pgbench", db_operation_name=op.split()[0],
                                      db_collection_name=(op.split() + [""])[1])
                for op in ops}

        def transactions(out):
            return int(re.search(r"number of transactions actually processed: (\d+)",
                                 out).group(1))

        selects = transactions(run(pgbench + PGBENCH_SELECT + ["postgres"]))
        tpcb = transactions(run(pgbench + PGBENCH_TPCB + ["postgres"]))
        self.report["pgbench_transactions"] = {"select_only": selects, "tpcb": tpcb}
        expected = {"SELECT pgbench_accounts": selects + tpcb, "UPDATE pgbench_accounts": tpcb,
                    "BEGIN": tpcb, "END": tpcb}
        for op, count in expected.items():
            verb, _, table = op.partition(" ")
            seen = self.agent.settle(base[op] + count, "db_client_operation_duration_seconds_count",
                                     service_name="pgbench", db_system_name="postgresql",
                                     db_operation_name=verb, db_collection_name=table)
            self.check(f"pgbench over the Unix socket: {op}", base[op] + count, seen)
        seen = self.agent.settle(0, "db_client_connections", service_name="pgbench")
        self.check("pgbench: connections open after the runs", 0, seen)

    def psycopg2_tls(self):
        """psycopg2 over TCP with sslmode=require: every statement inside OpenSSL, counted per
        operation and table as the client says it sent them."""
        env = dict(os.environ, PGSSLMODE="require")
        out = run([self.bin["python3"], "-B", PG_CLIENT, "counts", "--host", "127.0.0.1",
                   "--port", str(self.pg_port), "--dbname", "postgres", "--user", "postgres",
                   "--inserts", "40", "--selects", "30", "--updates", "20", "--deletes", "10"],
                  env=env)
        sent = json.loads(out.strip().splitlines()[-1])["queries"]
        total = 0
        for key, count in sorted(sent.items()):
            verb, _, table = key.partition(" ")
            total += count
            seen = self.agent.settle(count, "db_client_operation_duration_seconds_count",
                                     service_name="python3", db_system_name="postgresql",
                                     db_operation_name=verb, db_collection_name=table)
            self.check(f"psycopg2 sslmode=require: {key}", count, seen)
        self.report["psycopg2_tls_statements"] = total
        self.check("psycopg2 sslmode=require: TLS connections not covered", 0,
                   self.agent.sum_of("hostlens_tls_uncovered_connections_total",
                                     service_name="python3"))

    def redis(self):
        d = self.tempdir("redis")
        port = free_port()
        self.spawn(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                    "--appendonly", "no", "--dir", d, "--daemonize", "no", "--logfile", ""])

        if not wait_for(lambda: accepts(port), 30):
            raise Failed("redis-server did not answer PING")
        expected = 0
        for pipeline, requests in REDIS_RUNS:
            out = run([self.bin["redis-benchmark"], "-h", "127.0.0.1", "-p", str(port), "-t", "set,get",
                       "-n", str(requests), "-P", pipeline, "-c", "4", "-q", "--csv"])
            if '"SET"' not in out or '"GET"' not in out:
                raise Failed("redis-benchmark did not complete SET and GET: " + out[-500:])
            expected += requests
            for command in ["SET", "GET"]:
                seen = self.agent.settle(expected, "db_client_operation_duration_seconds_count",
                                         service_name="redis-benchmark", db_system_name="redis",
                                         db_operation_name=command)
                self.check(f"redis-benchmark -P {pipeline}: {command} counted", expected, seen)
        self.report["redis_requests"] = expected
        lookups = self.agent.sum_of("cache_client_lookups_total", service_name="redis-benchmark")
        self.check("redis-benchmark: one cache lookup per GET", expected, lookups)

    def nothing_lost(self):
        for reason in ["ringbuf_full", "map_full", "parse", "http_request_evicted",
                       "http_response_unmatched", "http_response_lost", "db_request_evicted",
                       "db_response_unmatched", "db_response_lost"]:
            self.check(f"events lost: {reason}", 0,
                       self.agent.sum_of("hostlens_events_lost_total", reason=reason))

    def run(self):
        self.stage("agent starts and is ready", self.start_agent)
        if not getattr(self, "agent", None) or self.agent.process.poll() is not None:
            return
        for name, fn in [("programs", self.programs), ("nginx with ab -k", self.nginx),
                         ("curl", self.curl), ("TLS", self.tls), ("pgbench", self.pgbench),
                         ("psycopg2 over TLS", self.psycopg2_tls),
                         ("redis-benchmark", self.redis), ("nothing lost", self.nothing_lost)]:
            if name in ("curl", "TLS") and not hasattr(self, "nginx_port"):
                continue
            if name == "psycopg2 over TLS" and not hasattr(self, "pg_port"):
                continue
            self.stage(name, fn)

    def cleanup(self):
        for p in self.children:
            try:
                os.killpg(p.pid, 9)
            except OSError:
                pass
            p.wait()
        if getattr(self, "agent", None):
            self.agent.stop()
        for d in self.tempdirs:
            shutil.rmtree(d, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", required=True, help="the build directory (hostlens, bpf/)")
    parser.add_argument("--out", required=True, help="where report.json and agent.log go")
    parser.add_argument("--expect-fallback", action="append", default=[],
                        help="a feature whose fallback this kernel must choose (repeatable)")
    parser.add_argument("--pg-template", help="a .tar.gz of a PostgreSQL data directory (pgbench -i "
                        "done) to unpack instead of running initdb and pgbench -i here")
    parser.add_argument("--tls-dir", help="a directory with cert.pem and key.pem for nginx's "
                        "HTTPS (default: made here with openssl req)")
    parser.add_argument("--agent-arg", action="append", default=[],
                        help="one more argument for the agent, e.g. "
                        "--agent-arg=--without-kernel-feature=task_storage (repeatable)")
    parser.add_argument("--ready-timeout", type=float, default=120)
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("smoke: SKIPPED: needs root to load BPF programs")
        return 77
    os.makedirs(args.out, exist_ok=True)
    suite = Suite(args)
    try:
        suite.run()
    finally:
        suite.cleanup()
    suite.report["seconds"] = round(time.monotonic() - START, 1)
    suite.report["ok"] = bool(suite.checks) and all(c["ok"] for c in suite.checks)
    with open(os.path.join(args.out, "report.json"), "w") as f:
        json.dump(suite.report, f, indent=1)
    failed = [c for c in suite.checks if not c["ok"]]
    log(f"{len(suite.checks) - len(failed)} passed, {len(failed)} failed")
    if failed and os.path.exists(os.path.join(args.out, "agent.log")):
        log("agent log (tail):\n" + open(os.path.join(args.out, "agent.log")).read()[-4000:])
    return 0 if suite.report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
