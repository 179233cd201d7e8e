#!/usr/bin/env python3
"""make test-kernels: boots each kernel of tests/kernels/matrix in qemu with this machine's root
filesystem read-only over 9p, runs tests/kernels/smoke.py inside, runs the same suite on this
machine's own kernel, and reports per kernel (programs attached, fallbacks, counts, time).

  run_matrix.py --build build [--kernels 5.10,6.1] [--jobs N] [--no-host]

Everything it needs comes from Debian packages: `scripts/install-deps.sh --kernels` installs the
packages and fetches the kernels (scripts/kernels/fetch-kernels.sh) into a cache, the initramfs
is built by scripts/kernels/make-initramfs.sh. This machine's kernel runs the suite twice: as it
is, and with every fallback forced (--without-kernel-feature), so the fallbacks are proven on a
kernel that also has what they replace. Without root or qemu it says SKIPPED and why, and exits 0;
any kernel whose suite fails, or whose VM does not finish in time, makes it exit 1 after
printing that suite's log (with the agent's: a program the verifier refused is there).
"""
import argparse
import concurrent.futures
import json
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MATRIX = os.path.join(REPO, "tests", "kernels", "matrix")
CACHE = os.environ.get("KERNEL_CACHE", "/var/cache/hostlens-kernels")
PG_BIN = "/usr/lib/postgresql/15/bin"


def say(*parts):
    print("test-kernels:", *parts, flush=True)


def read_matrix():
    kernels = []
    for line in open(MATRIX):
        fields = line.split("#", 1)[0].split()
        if fields:
            name, sources, package = fields[:3]
            fallbacks = [f for f in fields[3].split(",") if f != "-"] if len(fields) > 3 else []
            kernels.append({"name": name, "sources": sources, "package": package,
                            "fallbacks": fallbacks})
    return kernels


def why_not_runnable(build):
    if os.geteuid() != 0:
        return "needs root (to load BPF on this kernel, and to fetch kernels with apt)"
    for tool, package in [("qemu-system-x86_64", "qemu-system-x86"), ("busybox", "busybox-static"),
                          ("modprobe", "kmod")]:
        if not shutil.which(tool):
            return f"{tool} is missing (apt-get install {package}, or scripts/install-deps.sh)"
    if not os.path.exists(os.path.join(build, "hostlens")):
        return f"{build}/hostlens is not built"
    return None


def pg_template(build):
    """A tar of a PostgreSQL data directory with pgbench's tables (scale 1), made once on this
    machine: initdb and pgbench -i take a minute in a VM without KVM, and a second here. 1 MB WAL
    segments keep it small, and one compressed file (5 MB of 48) is quick to read over 9p."""
    out = os.path.join(build, "kernels", "pgdata.tar.gz")
    if os.path.exists(out):
        return out
    pg = pwd.getpwnam("postgres")
    work = tempfile.mkdtemp(prefix="hostlens-pgtemplate-")
    try:
        os.chown(work, pg.pw_uid, pg.pw_gid)
        as_pg = ["/usr/sbin/runuser", "-u", "postgres", "--"]
        data = os.path.join(work, "data")
        subprocess.run(as_pg + [f"{PG_BIN}/initdb", "-D", data, "-U", "postgres", "--auth=trust",
                                "-E", "UTF8", "--locale=C", "--no-sync", "--wal-segsize=1"],
                       check=True, capture_output=True)
        port = "54329"
        server = subprocess.Popen(as_pg + [f"{PG_BIN}/postgres", "-D", data, "-c",
                                           "listen_addresses=", "-c", f"port={port}", "-c",
                                           f"unix_socket_directories={work}", "-c", "fsync=off",
                                           "-c", "min_wal_size=2MB", "-c", "max_wal_size=8MB"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            for _ in range(100):
                if subprocess.run([f"{PG_BIN}/pg_isready", "-q", "-h", work, "-p", port]
                                  ).returncode == 0:
                    break
                time.sleep(0.2)
            subprocess.run([f"{PG_BIN}/pgbench", "-h", work, "-p", port, "-U", "postgres", "-i",
                            "-q", "-s", "1", "postgres"], check=True, capture_output=True)
            subprocess.run([f"{PG_BIN}/psql", "-h", work, "-p", port, "-U", "postgres", "-q",
                            "-c", "CHECKPOINT", "postgres"], check=True, capture_output=True)
        finally:
            server.terminate()
            server.wait()
        os.makedirs(os.path.dirname(out), exist_ok=True)
        subprocess.run(["tar", "-czf", out + ".tmp", "-C", data, "."], check=True)
        os.replace(out + ".tmp", out)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return out


def tls_certificate(build):
    """nginx's self-signed certificate for the HTTPS checks, made once here (an RSA key takes
    seconds without KVM)."""
    out = os.path.join(build, "kernels", "tls")
    if os.path.exists(os.path.join(out, "cert.pem")):
        return out
    os.makedirs(out, exist_ok=True)
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj",
                    "/CN=localhost", "-days", "3650", "-keyout", f"{out}/key.pem",
                    "-out", f"{out}/cert.pem.tmp"], check=True, capture_output=True)
    os.replace(f"{out}/cert.pem.tmp", f"{out}/cert.pem")
    return out


def kvm_boots(kernel_dir, build):
    """Whether KVM runs a guest here: /dev/kvm can exist and still not run one (nested in a VM
    whose KVM lacks features: qemu hangs with no output, or aborts on an MSR). A kernel booted
    with KVM writes its banner to the serial port within a second; allow 15."""
    if not os.access("/dev/kvm", os.R_OK | os.W_OK):
        return False, "no usable /dev/kvm"
    console = os.path.join(build, "kernels", "kvm-probe.log")
    os.makedirs(os.path.dirname(console), exist_ok=True)
    if os.path.exists(console):
        os.remove(console)
    argv = ["qemu-system-x86_64", "-machine", "q35,accel=kvm", "-smp", "1", "-m", "256",
            "-nodefaults", "-display", "none", "-no-reboot", "-nic", "none",
            "-serial", f"file:{console}", "-kernel", os.path.join(kernel_dir, "vmlinuz"),
            "-append", "console=ttyS0 earlyprintk=serial,ttyS0 panic=-1"]
    probe = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 15
    booted = False
    while time.monotonic() < deadline and probe.poll() is None:
        if os.path.exists(console) and b"Linux version" in open(console, "rb").read():
            booted = True
            break
        time.sleep(0.2)
    if probe.poll() is None:
        probe.kill()
    err = probe.communicate()[1].decode(errors="replace").strip().splitlines()
    if booted:
        return True, "kvm"
    said = [line for line in err if "error" in line.lower()] or \
        ["no kernel banner within 15 s"]
    return False, f"/dev/kvm is there but no guest boots with it ({said[0]})"


def boot(kernel, build, args, shared, accel):
    """One VM: returns the kernel's row of the report."""
    name = kernel["name"]
    kdir = os.path.join(CACHE, name)
    vmdir = os.path.join(build, "kernels", name)
    out = os.path.join(vmdir, "out")
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    initrd = os.path.join(vmdir, "initramfs.cpio.gz")
    subprocess.run([os.path.join(REPO, "scripts", "kernels", "make-initramfs.sh"), kdir, initrd],
                   check=True, stdout=subprocess.DEVNULL)
    smoke = shared + [f"--expect-fallback={f}" for f in kernel["fallbacks"]]
    cmdline = " ".join([
        "console=ttyS0", "panic=-1", "quiet", "loglevel=4",
        f"hostlens_init={REPO}/tests/kernels/guest-init.sh", f"hostlens_repo={REPO}",
        f"hostlens_keep={REPO},{os.path.abspath(build)}",
        f"hostlens_build={os.path.abspath(build)}", f"hostlens_kernel={name}",
        "hostlens_smoke=" + ",".join(smoke)])
    argv = ["qemu-system-x86_64", "-machine", f"q35,accel={accel}", "-smp", str(args.smp),
            "-m", str(args.memory), "-nodefaults", "-display", "none", "-no-reboot",
            "-serial", f"file:{vmdir}/console.log", "-device", "virtio-rng-pci",
            "-kernel", os.path.join(kdir, "vmlinuz"), "-initrd", initrd, "-append", cmdline,
            # No network device: the guest has loopback only.
            "-nic", "none",
            "-virtfs", "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,"
                       "multidevs=remap",
            "-virtfs", f"local,path={out},mount_tag=results,security_model=none,multidevs=remap"]
    row = {"kernel": name, "release": open(os.path.join(kdir, "release")).read().strip(),
           "accel": accel, "console": f"{vmdir}/console.log", "out": out}
    started = time.monotonic()
    try:
        subprocess.run(argv, timeout=args.timeout, stdout=subprocess.DEVNULL,
                       stderr=open(f"{vmdir}/qemu.log", "w"))
    except subprocess.TimeoutExpired:
        row["error"] = f"the VM did not power off within {args.timeout} s"
    row["seconds"] = round(time.monotonic() - started, 1)
    return finish_row(row, out)


def finish_row(row, out):
    report_path = os.path.join(out, "report.json")
    if os.path.exists(report_path):
        row["report"] = json.load(open(report_path))
        row["ok"] = row["report"].get("ok", False) and "error" not in row
    else:
        row.setdefault("error", "the smoke suite left no report")
        row["ok"] = False
    return row


def run_host(build, args, shared, forced=()):
    """The suite on this machine's kernel; `forced`: the features whose fallbacks the agent is
    told to use anyway."""
    name = "host" + ("-fallbacks" if forced else "")
    out = os.path.join(build, "kernels", name, "out")
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    row = {"kernel": name, "release": os.uname().release, "accel": "-", "out": out}
    extra = [a for f in forced for a in (f"--agent-arg=--without-kernel-feature={f}",
                                         f"--expect-fallback={f}")]
    started = time.monotonic()
    with open(os.path.join(out, "smoke.log"), "w") as log:
        try:
            subprocess.run([sys.executable, "-B", os.path.join(REPO, "tests", "kernels", "smoke.py"),
                            "--build", build, "--out", out] + shared + extra,
                           stdout=log, stderr=subprocess.STDOUT, timeout=args.timeout)
        except subprocess.TimeoutExpired:
            row["error"] = f"the suite did not finish within {args.timeout} s"
    row["seconds"] = round(time.monotonic() - started, 1)
    return finish_row(row, out)


def counts(report):
    def seen(prefix):
        return [c["seen"] for c in report.get("checks", []) if c["name"].startswith(prefix)]

    parts = []
    for label, prefix in [("nginx", "nginx server requests counted (ab + curl)"),
                          ("curl", "curl client requests counted"),
                          ("HTTPS nginx", "nginx HTTPS requests counted"),
                          ("HTTPS curl", "curl HTTPS client requests counted"),
                          ("pgbench SELECT", "pgbench over the Unix socket: SELECT"),
                          ("psycopg2 TLS SELECT", "psycopg2 sslmode=require: SELECT"),
                          ("redis GET", "redis-benchmark -P 1: GET")]:
        values = seen(prefix)
        if values:
            parts.append(f"{label} {values[-1]:g}")
    return ", ".join(parts)


def print_report(rows):
    say("kernel        release                 programs  fallbacks      time    result")
    for row in rows:
        report = row.get("report", {})
        fallbacks = ",".join(sorted((report.get("fallbacks") or {}).keys())) or "none"
        result = "ok" if row["ok"] else "FAILED"
        say(f"{row['kernel']:<13} {row['release']:<23} {report.get('programs_attached', '-')!s:<9} "
            f"{fallbacks:<14} {row['seconds']:>5.1f}s  {result}")
        if report:
            say(f"  counts: {counts(report)}; suite {report.get('seconds', '-')} s in the guest"
                if not row["kernel"].startswith("host") else f"  counts: {counts(report)}")
    for row in rows:
        if row["ok"]:
            continue
        say(f"--- {row['kernel']} ({row['release']}): {row.get('error', 'checks failed')}")
        for check in row.get("report", {}).get("checks", []):
            if not check["ok"]:
                say(f"  FAIL {check['name']}: expected {check['expected']}, seen {check['seen']}")
        for log_name in ["smoke.log", "agent.log"]:
            path = os.path.join(row["out"], log_name)
            if os.path.exists(path):
                text = open(path, errors="replace").read()
                say(f"  {path} (last 6000 characters):")
                print(text[-6000:], flush=True)
        if "console" in row and os.path.exists(row["console"]):
            say(f"  {row['console']} (last 3000 characters):")
            print(open(row["console"], errors="replace").read()[-3000:], flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", default="build")
    parser.add_argument("--kernels", help="comma-separated names from tests/kernels/matrix")
    parser.add_argument("--jobs", type=int, default=3, help="VMs booted at once")
    parser.add_argument("--smp", type=int, default=2, help="CPUs per VM")
    parser.add_argument("--memory", type=int, default=2048, help="MiB per VM")
    parser.add_argument("--timeout", type=int, default=400, help="seconds per VM")
    parser.add_argument("--no-host", action="store_true", help="skip this machine's own kernel")
    args = parser.parse_args()
    build = os.path.abspath(args.build)

    for path in (REPO, build):
        # The VMs get these paths on the kernel command line.
        if any(c in path for c in " ,\t\n\"'"):
            say(f"FAILED: {path}: the VMs need the repository and build paths without spaces, "
                "commas or quotes")
            return 1
    why = why_not_runnable(build)
    if why:
        say(f"SKIPPED: {why}")
        return 0
    kernels = read_matrix()
    if args.kernels:
        wanted = args.kernels.split(",")
        kernels = [k for k in kernels if k["name"] in wanted]
    started = time.monotonic()
    subprocess.run([os.path.join(REPO, "scripts", "install-deps.sh"), "--kernels"] +
                   [k["name"] for k in kernels], check=True)
    shared = [f"--pg-template={pg_template(build)}", f"--tls-dir={tls_certificate(build)}"]
    kvm, why_not_kvm = kvm_boots(os.path.join(CACHE, kernels[0]["name"]), build) if kernels \
        else (False, "")
    accel = "kvm" if kvm else "tcg"
    if kernels and not kvm:
        say(f"TCG, not KVM: {why_not_kvm}")
    say(f"booting {', '.join(k['name'] for k in kernels)} ({args.jobs} at once, "
        f"{args.smp} CPUs and {args.memory} MiB each)")
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs) + 2) as pool:
        futures = [pool.submit(boot, k, build, args, shared, accel) for k in kernels]
        if not args.no_host:
            futures.append(pool.submit(run_host, build, args, shared))
            forced = sorted({f for k in read_matrix() for f in k["fallbacks"]})
            if forced:
                futures.append(pool.submit(run_host, build, args, shared, forced))
        rows = [f.result() for f in futures]
    print_report(rows)
    report_path = os.path.join(build, "kernels", "matrix-report.json")
    with open(report_path, "w") as f:
        json.dump(rows, f, indent=1)
    failed = [r["kernel"] for r in rows if not r["ok"]]
    say(f"{len(rows) - len(failed)} passed, {len(failed)} failed "
        f"in {time.monotonic() - started:.0f} s (report: {report_path})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
