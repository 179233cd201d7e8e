#!/usr/bin/env bash
# Builds the initramfs that boots a matrix kernel (fetch-kernels.sh) on this
# machine's root filesystem: busybox-static, the kernel's own modules for 9p
# over virtio-pci, and an /init that mounts the host's / read-only over 9p
# (mount tag "hostroot"), puts tmpfs where programs write, and switch_roots
# to the command on the kernel command line after "hostlens_init=" (a
# script of the repository, read from the host's root like everything else).
# The directories after "hostlens_keep=" (comma-separated: the repository and
# its build tree) stay visible even when they live under one of those tmpfs
# (a clone in /tmp or /root).
# Usage: make-initramfs.sh <kernel dir> <output.cpio.gz>
set -euo pipefail
kdir=$1
out=$2
release=$(cat "$kdir/release")
busybox=/bin/busybox
# grep reads the whole list (no -q): with pipefail, a grep that stopped at the match would let
# busybox die of SIGPIPE while still writing, and the check fail at random.
if ! "$busybox" --list 2>/dev/null | grep -x switch_root >/dev/null; then
  echo "make-initramfs: $busybox missing or not busybox-static (apt-get install busybox-static)" >&2
  exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp"/{bin,dev,proc,sys,newroot,modules}
cp "$busybox" "$tmp/bin/busybox"
ln -s busybox "$tmp/bin/sh"

# Each module after the ones it needs, as modprobe would load them. Compressed
# modules are unpacked here: busybox's insmod takes plain ELF.
n=0
for module in virtio_pci virtio_rng 9pnet_virtio 9p; do
  while read -r verb path _; do
    [ "$verb" = insmod ] || continue
    base=$(basename "$path")
    base=${base%.xz}
    ls "$tmp"/modules/*-"$base" >/dev/null 2>&1 && continue
    n=$((n + 1))
    dest=$(printf '%s/modules/%02d-%s' "$tmp" "$n" "$base")
    case $path in
      *.xz) xz -dc "$path" >"$dest" ;;
      *) cp "$path" "$dest" ;;
    esac
  done < <(modprobe -d "$kdir" -S "$release" --show-depends "$module")
done
# Built into some kernels (virtio_pci in 6.12): nothing to load, which is fine.
# virtio_rng: the guest's entropy from the host, else getrandom() blocks for seconds under TCG.

cat >"$tmp/init" <<'INIT'
#!/bin/sh
export PATH=/bin
busybox mount -t proc proc /proc
busybox mount -t sysfs sysfs /sys
busybox mount -t devtmpfs devtmpfs /dev
for m in /modules/*.ko; do
  busybox insmod "$m" || echo "initramfs: insmod $m failed"
done
fail() { echo "initramfs: $*"; echo o >/proc/sysrq-trigger; busybox sleep 10; }
busybox mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144,cache=loose hostroot /newroot ||
  fail "cannot mount the host's root over 9p"
keep=$(busybox sed -n 's/.*hostlens_keep=\([^ ]*\).*/\1/p' /proc/cmdline | busybox tr ',' ' ')
busybox mkdir -p /kept
i=0
for p in $keep; do
  i=$((i + 1))
  busybox mkdir "/kept/$i"
  busybox mount --bind "/newroot$p" "/kept/$i" || fail "cannot keep $p"
done
# Where programs write: fresh and empty in every VM.
for d in tmp run var/tmp var/log var/lib/nginx root; do
  [ -d "/newroot/$d" ] && busybox mount -t tmpfs -o mode=1777 tmpfs "/newroot/$d"
done
busybox chmod 700 /newroot/root
# A kept directory a tmpfs now hides comes back at its place.
i=0
for p in $keep; do
  i=$((i + 1))
  if [ -d "/newroot$p" ]; then
    busybox umount "/kept/$i"
  else
    busybox mkdir -p "/newroot$p" && busybox mount --move "/kept/$i" "/newroot$p" ||
      fail "cannot put $p back"
  fi
done
busybox mount --move /dev /newroot/dev
busybox mount --move /sys /newroot/sys
init=$(busybox sed -n 's/.*hostlens_init=\([^ ]*\).*/\1/p' /proc/cmdline)
busybox umount /proc
[ -n "$init" ] || fail "no hostlens_init= on the kernel command line"
exec busybox switch_root /newroot "$init"
INIT
chmod +x "$tmp/init"
mkdir -p "$(dirname "$out")"
(cd "$tmp" && find . | busybox cpio -o -H newc 2>/dev/null | gzip -1) >"$out.tmp"
mv "$out.tmp" "$out"
echo "make-initramfs: $out ($release, $(ls "$tmp/modules" | wc -l) modules)"
