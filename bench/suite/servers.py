"""The servers the scenarios measure, each a throwaway on 127.0.0.1 with its files in the run's
temporary directory: nginx (Debian nginx-light), PostgreSQL 15, redis-server, gunicorn with the
Django test app in tests/apps. Each start_* returns a common.Service (stopped by the caller's
finally:, and at exit in any case)."""
import glob
import os
import pwd
import shutil
import signal
import subprocess

from common import REPO, BenchError, Service, free_port, http_get, port_open, run, wait_until

NGINX_CONF = """\
# hostlens bench: nginx hello-world, one worker, no access log.
daemon off;
master_process on;
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    default_type text/plain;
    server {{
        listen 127.0.0.1:{port}{tls};
        location / {{ return 200 "hello\\n"; }}
    }}
}}
"""
NGINX_TLS = """ ssl;
        ssl_certificate {dir}/cert.pem;
        ssl_certificate_key {dir}/key.pem"""


def start_nginx(cfg, report, name="nginx", tls=False):
    """nginx hello-world; with `tls`, HTTPS only (a self-signed certificate made here)."""
    port = free_port()
    workdir = os.path.join(cfg.tmp, name)
    os.makedirs(workdir, exist_ok=True)
    if tls:
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                        "-subj", "/CN=localhost", "-keyout", f"{workdir}/key.pem",
                        "-out", f"{workdir}/cert.pem"], check=True, capture_output=True)
    conf = os.path.join(workdir, "nginx.conf")
    with open(conf, "w") as f:
        f.write(NGINX_CONF.format(dir=workdir, port=port,
                                  tls=NGINX_TLS.format(dir=workdir) if tls else ""))
    argv = ["/usr/sbin/nginx", "-p", workdir, "-c", conf, "-e", os.path.join(workdir, "error.log")]
    report.command(name, argv)
    # SIGQUIT: graceful stop of master and worker.
    service = Service(name, argv, cfg.tmp, stop_signal=signal.SIGQUIT)
    scheme = "https" if tls else "http"
    if tls:
        wait_until(lambda: subprocess.run(["curl", "-skf", "-o", "/dev/null",
                                           f"https://127.0.0.1:{port}/"]).returncode == 0,
                   15, "nginx", service)
    else:
        wait_until(lambda: http_get(f"http://127.0.0.1:{port}/")[0] == 200, 15, "nginx", service)
    service.port = port
    service.url = f"{scheme}://127.0.0.1:{port}/"
    return service


def nginx_workers(service):
    from common import children_of
    return children_of(service.pid)


def _pg_bin(tool):
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{tool}"))
    if not found:
        raise BenchError(f"PostgreSQL's {tool} not found (Debian postgresql-15)")
    return found[-1]


def start_postgres(cfg, report, name="postgres"):
    """initdb as user postgres into a temporary directory (trust auth, fsync off), listening on
    127.0.0.1:<free port> and a Unix socket in the same directory; database "hostlens"."""
    pg = pwd.getpwnam("postgres")
    workdir = os.path.join(cfg.tmp, name)
    data = os.path.join(workdir, "data")
    os.makedirs(workdir, exist_ok=True)
    os.chown(workdir, pg.pw_uid, pg.pw_gid)
    initdb = [_pg_bin("initdb"), "-D", data, "-U", "postgres", "-A", "trust", "--no-sync",
              "-E", "UTF8", "--locale=C"]
    report.command(f"{name} initdb", initdb)
    run(initdb, timeout=120, user="postgres", cwd=workdir)
    port = free_port()
    argv = [_pg_bin("postgres"), "-D", data, "-p", port, "-k", workdir,
            "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off",
            "-c", "full_page_writes=off", "-c", "max_connections=50"]
    report.command(name, argv)
    # SIGINT: PostgreSQL's fast shutdown.
    service = Service(name, argv, cfg.tmp, stop_signal=signal.SIGINT, stop_timeout=15,
                      user="postgres", cwd=workdir)
    wait_until(lambda: port_open(port), 30, "postgres", service, interval=0.1)
    createdb = [_pg_bin("createdb"), "-h", "127.0.0.1", "-p", port, "-U", "postgres", "hostlens"]
    report.command(f"{name} createdb", createdb)
    wait_until(lambda: _try(createdb), 30, "createdb", service, interval=0.2)
    service.port = port
    service.socket_dir = workdir
    return service


def _try(argv):
    try:
        run(argv, timeout=20)
        return True
    except BenchError:
        return False


def start_redis(cfg, report, name="redis"):
    port = free_port()
    workdir = os.path.join(cfg.tmp, name)
    os.makedirs(workdir, exist_ok=True)
    argv = ["/usr/bin/redis-server", "--port", port, "--bind", "127.0.0.1", "--save", "",
            "--appendonly", "no", "--dir", workdir, "--daemonize", "no"]
    report.command(name, argv)
    service = Service(name, argv, cfg.tmp)
    wait_until(lambda: port_open(port), 15, "redis", service)
    service.port = port
    return service


def django_env(postgres, redis, prometheus):
    env = {
        "HOSTLENS_PG_HOST": "127.0.0.1",
        "HOSTLENS_PG_PORT": str(postgres.port),
        "HOSTLENS_REDIS_URL": f"redis://127.0.0.1:{redis.port}/0",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    if prometheus:
        env["HOSTLENS_DJANGO_PROMETHEUS"] = "1"
    return env


def seed_django(cfg, report, postgres, redis):
    argv = ["/usr/bin/python3", "-B", os.path.join(REPO, "tests/apps/manage.py"), "seed"]
    report.command("django seed", argv)
    env = dict(os.environ, **django_env(postgres, redis, False))
    run(argv, timeout=120, env=env, cwd=os.path.join(REPO, "tests/apps"))


def start_gunicorn(cfg, report, name, postgres, redis, prometheus, workers=2):
    port = free_port()
    argv = ["/usr/bin/python3", "-B", shutil.which("gunicorn") or "/usr/bin/gunicorn",
            "--chdir", os.path.join(REPO, "tests/apps"), "-w", workers, "-b", f"127.0.0.1:{port}",
            "project.wsgi"]
    env = django_env(postgres, redis, prometheus)
    report.command(name, [f"{k}={v}" for k, v in env.items()] + argv)
    service = Service(name, argv, cfg.tmp, env=env, stop_timeout=10)
    wait_until(lambda: http_get(f"http://127.0.0.1:{port}/items/1/")[0] == 200, 30, name, service,
               interval=0.1)
    service.port = port
    return service
