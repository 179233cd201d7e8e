#!/usr/bin/env bash
# Installs what hostlens needs to build, run and test, from Debian's archive
# only. Idempotent: when every package is already present it returns at once
# without touching the network.
set -euo pipefail

build_pkgs=(
  build-essential cmake pkg-config
  clang llvm                 # compiles bpf/*.bpf.c to BPF objects
  libbpf-dev bpftool         # loads BPF programs; generates skeletons and vmlinux.h
  libelf-dev zlib1g-dev      # libbpf's own link dependencies
  prometheus-cpp-dev         # metric registry and text serializer
  libcivetweb-dev            # HTTP server for /metrics and the APIs
  libcli11-dev               # command-line flags
  libspdlog-dev              # logging with levels
  libyaml-cpp-dev            # --config file
  nlohmann-json3-dev         # JSON APIs
  libgtest-dev libgmock-dev  # unit and integration tests
)
test_pkgs=(
  prometheus                 # promtool checks /metrics in the integration tests
  curl procps iproute2       # tests scrape endpoints, inspect processes and sockets
)

want=("${build_pkgs[@]}" "${test_pkgs[@]}")
missing=()
for pkg in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
else
  SUDO=
fi
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
