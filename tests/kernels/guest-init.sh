#!/bin/bash
# PID 1 of a matrix VM (after the initramfs of scripts/kernels/make-initramfs.sh
# switched to the host's root, read-only): sets up what the smoke suite needs,
# runs it, leaves its report on the results share and powers off. Its
# parameters come from the kernel command line (tests/kernels/run_matrix.py):
#   hostlens_repo=DIR hostlens_build=DIR hostlens_kernel=NAME [hostlens_smoke=ARGS,...]
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8

param() { sed -n "s/.*$1=\([^ ]*\).*/\1/p" /proc/cmdline; }
poweroff_now() {
  sync
  echo o >/proc/sysrq-trigger
  sleep 30
}

mount -t proc proc /proc
echo "guest-init: started at $(cut -d' ' -f1 /proc/uptime) s"
mkdir -p /dev/shm && mount -t tmpfs -o mode=1777 tmpfs /dev/shm
mkdir -p /dev/pts && mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /sys/fs/cgroup 2>/dev/null
mkdir -p /run/results /run/postgresql
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 results /run/results || {
  echo "guest-init: cannot mount the results share"
  poweroff_now
}
ip link set lo up
hostname "hostlens-$(param hostlens_kernel)"

repo=$(param hostlens_repo)
build=$(param hostlens_build)
smoke_args=$(param hostlens_smoke | tr ',' ' ')
echo "guest-init: kernel $(uname -r), $(nproc) CPUs, up $(cut -d' ' -f1 /proc/uptime) s"
# shellcheck disable=SC2086
/usr/bin/python3 -B "$repo/tests/kernels/smoke.py" --build "$build" --out /run/results \
  $smoke_args >/run/results/smoke.log 2>&1
echo "$?" >/run/results/exit_code
echo "guest-init: smoke suite exited $(cat /run/results/exit_code)"
poweroff_now
