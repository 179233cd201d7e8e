#!/usr/bin/env bash
# Installs what hostlens needs to build, run and test, from Debian's archive
# only. Idempotent: when every package is already present it returns at once
# without touching the network.
#
#   install-deps.sh [--kernels [NAME...]]
#
# --kernels also fetches the kernel matrix's Debian kernels (all of
# tests/kernels/matrix, or the NAMEs) with scripts/kernels/fetch-kernels.sh:
# private apt configurations, never the machine's sources. make test-kernels
# asks for them this way.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
kernels=()
fetch_kernels=0
while [ $# -gt 0 ]; do
  case $1 in
    --kernels) fetch_kernels=1 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    -*) echo "install-deps: unknown option $1" >&2; exit 2 ;;
    *) [ $fetch_kernels -eq 1 ] || { echo "install-deps: $1: kernel names follow --kernels" >&2; exit 2; }
       kernels+=("$1") ;;
  esac
  shift
done

build_pkgs=(
  build-essential cmake pkg-config
  clang llvm                 # compiles bpf/*.bpf.c to BPF objects
  libclang-rt-14-dev         # libFuzzer and sanitizer runtimes for the fuzz targets
  libbpf-dev bpftool         # loads BPF programs; generates skeletons and vmlinux.h
  libelf-dev zlib1g-dev      # libbpf's own link dependencies; zlib also gzips /metrics
  prometheus-cpp-dev         # metric registry and text serializer
  libcivetweb-dev            # HTTP server for /metrics and the APIs
  libcrypt-dev               # crypt_r (libxcrypt): bcrypt checks of --web-config-file's basic_auth_users
  libcli11-dev               # command-line flags
  libspdlog-dev              # logging with levels
  libyaml-cpp-dev            # --config file
  nlohmann-json3-dev         # JSON APIs
  libgtest-dev libgmock-dev  # unit and integration tests
  libbenchmark-dev           # micro-benchmarks of the parsers (build/tests/*_benchmark)
  libpg-query-dev            # PostgreSQL's own parser, measured against our SQL normalizer (bench/)
  libssl-dev                 # OpenSSL: the endpoint's TLS and Basic auth (--web-config-file), the TLS test client
  libseccomp-dev             # the seccomp-confined TLS client that must survive the TLS probes
  libcapstone-dev            # x86-64 instruction decoder: the RET instructions of Go's crypto/tls functions
)
test_pkgs=(
  prometheus                 # promtool checks /metrics; a real scrape over TLS with Basic auth
  curl procps iproute2       # tests scrape endpoints, inspect processes and sockets
  openssl                    # the TLS tests make their own certificates
  golang-go                  # the Go TLS tests build their HTTPS server and client (crypto/tls)
  nginx-light                # HTTP server under test (started by the tests on loopback)
  apache2-utils              # ab: HTTP load with its own request counts
  python3-django gunicorn    # the uninstrumented Django app under test
  postgresql-15              # PostgreSQL server and pgbench (database tests)
  mariadb-server mariadb-client  # MariaDB server and client (MySQL protocol tests)
  libmariadb-dev             # C client with server-side prepared statements (MySQL tests)
  redis-server redis-tools   # Redis server and redis-benchmark (cache tests)
  memcached                  # memcached server (cache tests)
  python3-psycopg2           # PostgreSQL client of the test app and scripts
  python3-django-redis       # Django's cache on Redis in the test app
  python3-pymemcache         # memcached client of the cache tests
  python3-pymysql            # pure-Python MySQL client (Python's ssl: OpenSSL's _ex calls) of the TLS tests
  python3-redis              # Redis client of the TLS tests (ssl=True)
  gnutls-bin                 # gnutls-cli: the GnuTLS client of the TLS tests
  wrk                        # HTTP load generator of the benchmarks (bench/)
  python3-django-prometheus  # the hand-wired alternative the benchmarks compare against
  qemu-system-x86            # boots the kernel matrix (make test-kernels, tests/kernels/)
  busybox-static             # the kernel matrix's initramfs (scripts/kernels/make-initramfs.sh)
  kmod                       # depmod: the module dependencies of the matrix kernels' initramfs
  debian-archive-keyring     # verifies the archives the matrix kernels are fetched from
)

want=("${build_pkgs[@]}" "${test_pkgs[@]}")
missing=()
for pkg in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

# Only when something is missing: apt-get update first, then the packages.
install_missing() {
  if [ "$(id -u)" -ne 0 ]; then
    SUDO=sudo
  else
    SUDO=
  fi
  echo "install-deps: installing ${missing[*]}"
  # Servers are installed to be started by the tests on loopback ports, not
  # as system services listening on every address: keep their postinst from
  # starting them (the policy-rc.d convention), unless the machine has a
  # policy of its own.
  policy=/usr/sbin/policy-rc.d
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
    $SUDO chmod +x "$policy"
    trap '$SUDO rm -f "$policy"' EXIT
  fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

[ ${#missing[@]} -eq 0 ] || install_missing
if [ $fetch_kernels -eq 1 ]; then
  "$here/kernels/fetch-kernels.sh" ${kernels[@]+"${kernels[@]}"}
fi
