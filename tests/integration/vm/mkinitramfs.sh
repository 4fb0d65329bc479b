#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/integration/vm/mkinitramfs.sh -- build the test VM's initramfs.
#
# Usage: mkinitramfs.sh OUT        build the initramfs into OUT
#        mkinitramfs.sh --cached   print the path of the cached initramfs
#                                  for the current kernel, building it first
#                                  if the kernel, this script, busybox or the
#                                  modules changed
#
# The VM does not boot a disk image: it boots Debian's installed kernel and
# uses the *host's* root filesystem, shared read-only over virtio-9p, with a
# tmpfs overlay on top so the guest can write anywhere (installing modules,
# depmod, /etc) without touching the host. So the initramfs only has to get
# that far: busybox, the handful of modules 9p/overlay need (they are =m in
# Debian's kernel), and /init below. Everything else (dmsetup, fio, bash,
# the repository) comes from the host root.
#
# The cache lives in /var/cache/dm-remap/initramfs (override with
# DMREMAP_CACHE_DIR), outside the repository, and is keyed by a hash of
# everything that goes into the image.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
KVER=$("$SCRIPT_DIR/kver.sh")
BUSYBOX=/bin/busybox

# Modules the guest needs before it can mount its root, plus dm-mod and
# loop, which every test needs and which load much faster from here than
# through modprobe over 9p later. Dependencies (netfs and fscache for 9p,
# virtio_ring, virtio_pci_*_dev, ...) are resolved below with modprobe
# --show-depends rather than listed, so a kernel that splits things
# differently still works.
EARLY_MODULES=(virtio_pci 9pnet_virtio 9p overlay dm-mod loop)
# DMREMAP_VM_KERNEL_DIR=DIR (vm/debug-kernel.sh): that kernel's modules are
# in DIR/root/lib/modules/<KVER> (it has the early ones built in).
MODROOT=
[[ -z ${DMREMAP_VM_KERNEL_DIR:-} ]] || MODROOT=$DMREMAP_VM_KERNEL_DIR/root

die() { echo "mkinitramfs.sh: $*" >&2; exit 1; }

# Print the .ko paths to insmod, in dependency order, without duplicates.
module_paths() {
	local m line
	declare -A seen=()
	for m in "${EARLY_MODULES[@]}"; do
		# One module per call: extra words would be taken as module options.
		# Lines are "insmod /path/x.ko [options]" or "builtin x"; options from
		# the host's modprobe.d are deliberately dropped.
		while read -r -a line; do
			[[ ${line[0]:-} == insmod ]] || continue
			if [[ -z ${seen[${line[1]}]:-} ]]; then
				seen[${line[1]}]=1
				printf '%s\n' "${line[1]}"
			fi
		done < <(modprobe ${MODROOT:+-d "$MODROOT"} -S "$KVER" --show-depends "$m" ||
			die "modprobe cannot resolve $m for $KVER")
	done
}

# The /init that runs as PID 1 inside the initramfs (busybox sh).
write_init() {
	cat >"$1" <<'INIT'
#!/bin/busybox sh
# Stage 1 of the dm-remap test VM (see tests/integration/vm/mkinitramfs.sh).
# Mount the host root read-only over 9p, put a tmpfs overlay on it, mount
# the writable results share at the host's path, switch_root, and exec the
# stage-2 script named on the kernel command line (dmremap.init=...).
/bin/busybox --install -s /bin
export PATH=/bin

fail() {
	echo "vm-init: FATAL: $*"
	# Do not leave the host waiting for its timeout: power off right away.
	# The host sees no exit-status file and reports the VM as dead.
	sync
	poweroff -f
	sleep 5
	echo o >/proc/sysrq-trigger
	sleep 30
}

mount -t proc proc /proc || fail "mount /proc"
mount -t sysfs sysfs /sys || fail "mount /sys"
mount -t devtmpfs devtmpfs /dev || fail "mount /dev"

while read -r ko; do
	insmod "$ko" || fail "insmod $ko"
done </etc/modules.order

init= results= repo=
for arg in $(cat /proc/cmdline); do
	case $arg in
	dmremap.init=*) init=${arg#*=} ;;
	dmremap.results=*) results=${arg#*=} ;;
	dmremap.repo=*) repo=${arg#*=} ;;
	esac
done
[ -n "$init" ] || fail "no dmremap.init= on the kernel command line"

# msize: 9p's default (8 KiB in 6.1) makes every read a round trip per 8 KiB;
# 512000 is the virtio transport's maximum. cache=loose lets the guest cache
# pages and attributes of the read-only root, which matters a lot under TCG
# (every exec of bash/dmsetup would otherwise re-read over 9p).
mkdir -p /lower /upper /newroot
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=512000,cache=loose hostroot /lower \
	|| fail "mount the hostroot 9p share"
mount -t tmpfs -o mode=0755 upper /upper || fail "mount tmpfs for the overlay"
mkdir -p /upper/data /upper/work
mount -t overlay -o lowerdir=/lower,upperdir=/upper/data,workdir=/upper/work rootfs /newroot \
	|| fail "mount the overlay root"

# The kernel's /proc, /sys and /dev move along with the new root, so they
# keep what was set up here (module state, device nodes).
mount --move /proc /newroot/proc || fail "move /proc"
mount --move /sys /newroot/sys || fail "move /sys"
mount --move /dev /newroot/dev || fail "move /dev"
mkdir -p /newroot/dev/pts /newroot/dev/shm
mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /newroot/dev/pts || fail "mount devpts"
mount -t tmpfs -o mode=1777,nosuid,nodev shm /newroot/dev/shm || fail "mount /dev/shm"
# devtmpfs does not provide these; bash needs /dev/fd for <(...).
ln -sf /proc/self/fd /newroot/dev/fd
ln -sf /proc/self/fd/0 /newroot/dev/stdin
ln -sf /proc/self/fd/1 /newroot/dev/stdout
ln -sf /proc/self/fd/2 /newroot/dev/stderr
mount -t tmpfs -o mode=1777,nosuid,nodev tmp /newroot/tmp || fail "mount /tmp"
mount -t tmpfs -o mode=0755,nosuid,nodev run /newroot/run || fail "mount /run"
# A repository under the host's /tmp (a CI clone) would be hidden by the
# guest's own /tmp: show the host's copy of it there, through an overlay so
# that it stays writable like the rest of the root.
case $repo in
/tmp/*)
	mkdir -p "/newroot$repo" /upper/repo /upper/repowork
	mount -t overlay -o "lowerdir=/lower$repo,upperdir=/upper/repo,workdir=/upper/repowork" \
		repo "/newroot$repo" || fail "mount the repository $repo"
	;;
esac
# configfs for null_blk fault injection; debugfs for kernel debugging.
mount -t configfs configfs /newroot/sys/kernel/config 2>/dev/null
mount -t debugfs debugfs /newroot/sys/kernel/debug 2>/dev/null

# The results share is mounted last, at the host's own path, so that it
# wins over the tmpfs /tmp or the read-only repository it may lie in.
# No cache: writes must reach the host even if the guest dies.
if [ -n "$results" ]; then
	mkdir -p "/newroot$results" || fail "mkdir $results"
	mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 results "/newroot$results" \
		|| fail "mount the results 9p share at $results"
fi

hostname dm-remap-vm
ip link set lo up 2>/dev/null

[ -x "/newroot$init" ] || fail "stage 2 $init not found or not executable in the shared root"
exec switch_root /newroot "$init"
INIT
	chmod 0755 "$1"
}

build() {
	local out=$1 tmp ko
	[[ -x $BUSYBOX ]] || die "$BUSYBOX missing (apt-get install busybox-static)"
	# A dynamically linked busybox would need its libraries in the image
	# (ldd succeeds only on dynamic executables).
	if ldd "$BUSYBOX" >/dev/null 2>&1; then
		die "$BUSYBOX is not static (apt-get install busybox-static)"
	fi
	command -v cpio >/dev/null || die "cpio missing (apt-get install cpio)"

	tmp=$(mktemp -d)
	# shellcheck disable=SC2064 # expand now: $tmp is local
	trap "rm -rf '$tmp'" RETURN
	mkdir -p "$tmp"/{bin,dev,proc,sys,etc,lower,upper,newroot}
	cp "$BUSYBOX" "$tmp/bin/busybox"
	# The kernel needs /dev/console to give /init its stdio before devtmpfs
	# is mounted; cpio below records the node (we run as root).
	mknod -m 600 "$tmp/dev/console" c 5 1
	: >"$tmp/etc/modules.order"
	while read -r ko; do
		mkdir -p "$tmp$(dirname "$ko")"
		cp "$ko" "$tmp$ko"
		printf '%s\n' "$ko" >>"$tmp/etc/modules.order"
	done < <(module_paths)
	write_init "$tmp/init"
	# Uncompressed: the kernel unpacks it fastest, and it is only a few MB.
	(cd "$tmp" && find . -print0 | LC_ALL=C sort -z | cpio --quiet -o -0 -H newc -R 0:0) >"$out.$$.tmp"
	mv -f "$out.$$.tmp" "$out" # private name: two runs may build at once
}

# Hash of everything that ends up in the image: this script (which contains
# /init), the kernel release, busybox and the exact module files.
cache_key() {
	{
		printf '%s\n' "$KVER"
		sha256sum "${BASH_SOURCE[0]}" "$BUSYBOX"
		module_paths | xargs -r sha256sum
	} | sha256sum | cut -c1-16
}

case ${1:-} in
--cached)
	cache=${DMREMAP_CACHE_DIR:-/var/cache/dm-remap}/initramfs
	mkdir -p "$cache"
	img=$cache/initramfs-$KVER-$(cache_key).cpio
	if [[ ! -s $img ]]; then
		echo "mkinitramfs.sh: building $img" >&2
		build "$img"
		# Old images for other kernels or script versions are dead weight.
		find "$cache" -maxdepth 1 -name 'initramfs-*.cpio' ! -path "$img" -delete
	fi
	printf '%s\n' "$img"
	;;
-h | --help | '')
	sed -n '4,10s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
	[[ -n ${1:-} ]] || exit 2
	;;
*)
	build "$1"
	;;
esac
