#!/usr/bin/env bash
# Fetches the Debian kernels of the matrix (tests/kernels/matrix) into a cache
# and unpacks each one's vmlinuz and modules:
#   $KERNEL_CACHE/<name>/vmlinuz, config, release, package, lib/modules/<release>/
# (KERNEL_CACHE defaults to /var/cache/hostlens-kernels: outside the build
# tree, so that `make clean` or a fresh clone does not download them again).
# Each series comes from its own private apt configuration under
# $KERNEL_CACHE/apt/<sources> (own sources.list, lists, state and archives):
# the machine's apt sources and state are never read nor changed.
#
# Idempotent: a kernel already unpacked is kept without touching the network.
# --refresh asks the archive again and replaces a kernel that has a newer
# image (a security update). Usage: fetch-kernels.sh [--refresh] [name...]
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${KERNEL_CACHE:-/var/cache/hostlens-kernels}
matrix=$repo/tests/kernels/matrix
keyring=/usr/share/keyrings/debian-archive-keyring.gpg

refresh=0
wanted=()
for arg in "$@"; do
  case $arg in
    --refresh) refresh=1 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) wanted+=("$arg") ;;
  esac
done

# The apt lines of one set of sources.
sources_of() {
  local mirror=http://deb.debian.org
  case $1 in
    bullseye|bookworm)
      echo "deb [signed-by=$keyring] $mirror/debian $1 main"
      echo "deb [signed-by=$keyring] $mirror/debian $1-updates main"
      echo "deb [signed-by=$keyring] $mirror/debian-security $1-security main" ;;
    *) echo "fetch-kernels: unknown sources '$1' in $matrix" >&2; return 1 ;;
  esac
}

# apt-get / apt-cache with a private configuration for sources $1.
private_apt() {
  local sources=$1 tool=$2
  shift 2
  local dir=$cache/apt/$sources
  "$tool" -q \
    -o Dir::Etc::SourceList="$dir/sources.list" -o Dir::Etc::SourceParts="$dir/sources.list.d" \
    -o Dir::Etc::Preferences="$dir/preferences" -o Dir::Etc::PreferencesParts="$dir/preferences.d" \
    -o Dir::State="$dir/state" -o Dir::State::Lists="$dir/lists" \
    -o Dir::State::status="$dir/status" -o Dir::Cache="$dir/cache" \
    -o Dir::Cache::archives="$dir/archives" -o APT::Architectures::=amd64 \
    -o Debug::NoLocking=1 -o APT::Sandbox::User=root "$@"
}

updated=()
apt_update() {
  local sources=$1 dir=$cache/apt/$1
  [[ " ${updated[*]-} " == *" $sources "* ]] && return 0
  mkdir -p "$dir"/{sources.list.d,preferences.d,state,lists/partial,cache,archives/partial}
  : >"$dir/preferences"
  touch "$dir/status"
  sources_of "$sources" >"$dir/sources.list"
  echo "fetch-kernels: apt-get update ($sources, private lists in $dir)"
  private_apt "$sources" apt-get update -qq >/dev/null
  updated+=("$sources")
}

# The linux-image-<release> package the metapackage $2 depends on.
image_package() {
  private_apt "$1" apt-cache depends --no-recommends --no-suggests "$2" |
    awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }'
}

fetch() {
  local name=$1 sources=$2 meta=$3 out=$cache/$1
  if [ -f "$out/release" ] && [ $refresh -eq 0 ]; then
    echo "fetch-kernels: $name: $(cat "$out/package") (cached in $out)"
    return 0
  fi
  apt_update "$sources"
  local pkg
  pkg=$(image_package "$sources" "$meta")
  if [ -z "$pkg" ]; then
    echo "fetch-kernels: $name: $meta has no linux-image dependency in $sources" >&2
    return 1
  fi
  local version
  version=$(private_apt "$sources" apt-cache policy "$pkg" | awk '/Candidate:/ { print $2 }')
  if [ -f "$out/package" ] && [ "$(cat "$out/package")" = "$pkg $version" ]; then
    echo "fetch-kernels: $name: $pkg $version is current"
    return 0
  fi
  local debs=$cache/apt/$sources/archives
  echo "fetch-kernels: $name: downloading $pkg $version"
  (cd "$debs" && private_apt "$sources" apt-get download -qq "$pkg=$version" >/dev/null)
  local deb
  deb=$(ls -t "$debs/${pkg}_"*.deb | head -1)

  local tmp=$cache/.unpack-$name
  rm -rf "$tmp"
  mkdir -p "$tmp"
  dpkg-deb -x "$deb" "$tmp"
  local vmlinuz
  vmlinuz=$(ls "$tmp"/boot/vmlinuz-* | head -1)
  local release=${vmlinuz##*/vmlinuz-}
  mkdir -p "$tmp/out/lib/modules"
  mv "$vmlinuz" "$tmp/out/vmlinuz"
  mv "$tmp/boot/config-$release" "$tmp/out/config"
  mv "$tmp/lib/modules/$release" "$tmp/out/lib/modules/"
  # The package leaves modules.dep to its postinst: the initramfs needs it.
  depmod -b "$tmp/out" "$release"
  echo "$release" >"$tmp/out/release"
  echo "$pkg $version" >"$tmp/out/package"
  rm -rf "$out"
  mv "$tmp/out" "$out"
  rm -rf "$tmp" "$deb"
  echo "fetch-kernels: $name: $release in $out"
}

mkdir -p "$cache"
while read -r name sources meta _; do
  [[ -z $name || $name == \#* ]] && continue
  if [ ${#wanted[@]} -gt 0 ] && [[ " ${wanted[*]} " != *" $name "* ]]; then continue; fi
  fetch "$name" "$sources" "$meta"
done <"$matrix"
