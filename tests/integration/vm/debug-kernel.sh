#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/integration/vm/debug-kernel.sh -- build (once, cached) the debug
# kernel the VM scenarios run on with `make test-debug`, and dm-remap.ko
# for it; print the kernel directory.
#
# Usage: debug-kernel.sh [--module] [--rebuild]
#   --module   also build the repository's kernel/*.c into a dm-remap.ko for
#              that kernel (in DIR/module/kernel/dm-remap.ko; the repository's
#              own kernel/dm-remap.ko, built for Debian's kernel, is left alone)
#   --rebuild  throw the cached tree and build away first
#   --config-only  only configure (in DIR/build) and check the fragment
#
# The kernel is Debian's linux-source-6.1 (the release the VM normally
# boots), ARCH=x86_64, configured as x86_64_defconfig + kvm_guest.config +
# debug-kernel.config next to this script: KASAN, lockdep, DEBUG_ATOMIC_SLEEP,
# kmemleak, KFENCE, debugobjects, and built in what the VM boots with
# (virtio-9p, overlay) and what the scenarios use (dm targets, loop, ext4,
# xfs, ...). It goes to DIR = ${DMREMAP_CACHE_DIR:-/var/cache/dm-remap}/debug-kernel,
# outside the repository:
#   DIR/linux/         the extracted source
#   DIR/build/         the O= build (make -C DIR/build M=... builds against it)
#   DIR/release        its kernel release (uname -r in the VM)
#   DIR/bzImage        the image QEMU boots. Not the ELF vmlinux through its
#                      PVH entry, as for Debian's kernel: that entry runs
#                      KASAN-instrumented C (arch/x86/platform/pvh) before
#                      KASAN's early shadow exists, and the guest triple-
#                      faults before its first console line. The bzImage's
#                      own entry sets the shadow up first.
#   DIR/root/lib/modules/RELEASE/   modules_install's tree (modules.dep,
#                      modules.builtin, scsi_debug.ko, null_blk.ko, ...)
# DMREMAP_VM_KERNEL_DIR=DIR makes the VM harness boot it (vm/run-in-vm.sh).
#
# It is rebuilt when the source tarball, the config fragment or this script
# change (DIR/stamp); otherwise nothing is done. The build runs at
# DMREMAP_DEBUG_KERNEL_JOBS (default 2) jobs, under a lock (DIR.lock), and
# takes about an hour on 2 shared cores (1540 of its objects took 38 min
# while a VM and a userspace build ran).
#
# Exit status: 0 built (or up to date), 1 configure or build failed (the
# reason and the end of the log are printed), 2 usage or setup problem.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
REPO=$(cd "$SCRIPT_DIR/../../.." && pwd -P)
TARBALL=${DMREMAP_KUNIT_SRC:-/usr/src/linux-source-6.1.tar.xz}
JOBS=${DMREMAP_DEBUG_KERNEL_JOBS:-2}
FRAGMENT=$SCRIPT_DIR/debug-kernel.config
DIR=${DMREMAP_CACHE_DIR:-/var/cache/dm-remap}/debug-kernel

msg() { echo "debug-kernel: $*" >&2; }
die() { msg "ERROR: $*"; exit "${2:-1}"; }

module=0 rebuild=0 config_only=0
while (($#)); do
	case $1 in
	--module) module=1 ;;
	--rebuild) rebuild=1 ;;
	--config-only) config_only=1 ;;
	-h | --help) sed -n '4,/^set -euo/{/^#/s/^# \{0,1\}//p}' "${BASH_SOURCE[0]}"; exit 0 ;;
	*) die "unknown argument '$1' (see --help)" 2 ;;
	esac
	shift
done

[[ -f $TARBALL ]] || die "no kernel source $TARBALL (apt-get install linux-source-6.1)" 2
for c in gcc make bc flex bison xz tar flock perl; do
	command -v "$c" >/dev/null || die "$c missing (make deps)" 2
done
[[ -f /usr/include/libelf.h ]] || die "libelf-dev missing: objtool needs it (make deps)" 2
[[ -f /usr/include/openssl/ssl.h ]] || die "libssl-dev missing (make deps)" 2

mkdir -p "$DIR" || die "cannot create $DIR (set DMREMAP_CACHE_DIR)" 2
DIR=$(cd "$DIR" && pwd -P)
case $DIR/ in "$REPO"/*) die "$DIR is inside the repository; set DMREMAP_CACHE_DIR elsewhere" 2 ;; esac
[[ $DIR != *[[:space:]]* ]] || die "'$DIR' contains whitespace" 2

# One build at a time per cache; a second caller waits and then finds the
# kernel built.
exec 8>"$DIR.lock"
if ! flock -n 8; then
	msg "another build holds $DIR.lock; waiting for it"
	flock 8
fi

SRC=$DIR/linux BUILD=$DIR/build LOG=$DIR/build.log
pkgver=$(dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null || echo unknown)
src_stamp="tarball=$TARBALL pkg=$pkgver $(stat -Lc 'size=%s mtime=%Y' "$TARBALL")"
stamp="$src_stamp $(sha256sum "$FRAGMENT" "${BASH_SOURCE[0]}" | cut -c1-16 | tr '\n' ' ')"

if ((rebuild)); then
	msg "--rebuild: removing $SRC and $BUILD"
	rm -rf "$SRC" "$BUILD" "$DIR/root" "$DIR/stamp"
fi

# fragment_mismatch CONFIG: the lines of the fragment the .config does not
# hold ("CONFIG_X=v" must be there, "# CONFIG_X is not set" must be unset).
fragment_mismatch() {
	local line sym
	while IFS= read -r line; do
		case $line in
		CONFIG_*=*)
			grep -qxF -- "$line" "$1" || echo "  wanted $line, have: $(grep -E "^(# )?${line%%=*}[= ]" "$1" || echo unset)"
			;;
		"# CONFIG_"*" is not set")
			sym=${line#\# }
			sym=${sym%% *}
			if grep -qE "^$sym=" "$1"; then echo "  wanted $sym unset, have: $(grep -E "^$sym=" "$1")"; fi
			;;
		esac
	done <"$FRAGMENT"
}

build_kernel() {
	local t0=$SECONDS
	if [[ ! -f $SRC/.dmremap-source-stamp || $(<"$SRC/.dmremap-source-stamp") != "$src_stamp" ]]; then
		msg "extracting $TARBALL into $SRC"
		rm -rf "$SRC" "$SRC.tmp" "$BUILD"
		mkdir -p "$SRC.tmp"
		tar -xJf "$TARBALL" -C "$SRC.tmp" --strip-components=1 || die "could not extract $TARBALL"
		printf '%s\n' "$src_stamp" >"$SRC.tmp/.dmremap-source-stamp"
		mv "$SRC.tmp" "$SRC"
	fi
	mkdir -p "$BUILD"
	local mk=(make -C "$SRC" O="$BUILD" ARCH=x86_64 -j"$JOBS")
	msg "configuring in $BUILD (log: $LOG)"
	{
		"${mk[@]}" x86_64_defconfig &&
			"$SRC/scripts/kconfig/merge_config.sh" -m -O "$BUILD" "$BUILD/.config" \
				"$SRC/kernel/configs/kvm_guest.config" "$FRAGMENT" &&
			"${mk[@]}" olddefconfig
	} >"$LOG" 2>&1 || { tail -n 30 "$LOG" >&2; die "configuring failed (log: $LOG)"; }
	local bad
	bad=$(fragment_mismatch "$BUILD/.config")
	[[ -z $bad ]] || die "$FRAGMENT does not hold in the final .config (a dependency missing?):
$bad"
	if ((config_only)); then
		msg "configured $BUILD/.config; the fragment holds"
		exit 0
	fi
	msg "building the kernel and its modules with -j$JOBS (about an hour on 2 shared cores; log: $LOG)"
	if ! "${mk[@]}" bzImage modules >>"$LOG" 2>&1; then
		grep -E 'error:|Error [0-9]+|undefined reference' "$LOG" | head -n 30 >&2
		die "the kernel build failed (log: $LOG)"
	fi
	rm -rf "$DIR/root"
	"${mk[@]}" INSTALL_MOD_PATH="$DIR/root" modules_install >>"$LOG" 2>&1 ||
		{ tail -n 20 "$LOG" >&2; die "modules_install failed (log: $LOG)"; }
	"${mk[@]}" -s kernelrelease >"$DIR/release" 2>>"$LOG" || die "make kernelrelease failed"
	rm -f "$DIR/vmlinux"	# what earlier versions of this script linked
	ln -sf build/arch/x86/boot/bzImage "$DIR/bzImage"
	printf '%s\n' "$stamp" >"$DIR/stamp"
	msg "built $(<"$DIR/release") in $((SECONDS - t0)) s"
}

if ((config_only)) || [[ ! -f $DIR/stamp || $(<"$DIR/stamp") != "$stamp" || ! -s $DIR/release || ! -f $BUILD/arch/x86/boot/bzImage ]]; then
	build_kernel
fi

# dm-remap.ko for this kernel, built from a tree of symlinks to the
# repository's sources so that the objects land in the cache, not in
# kernel/ (where make module puts the one for Debian's kernel).
build_module() {
	local m=$DIR/module f
	rm -rf "$m"
	mkdir -p "$m/kernel"
	for f in "$REPO"/kernel/*.[ch] "$REPO/kernel/Kbuild"; do
		case $f in *.mod.c) continue ;; esac
		ln -s "$f" "$m/kernel/"
	done
	ln -s "$REPO/include" "$m/include"
	ln -s "$REPO/VERSION" "$m/VERSION"
	ln -s "$REPO/Kbuild" "$m/Kbuild"
	if ! make -C "$BUILD" M="$m" W=1 -j"$JOBS" modules >"$DIR/module.log" 2>&1; then
		sed "s#$m/#$REPO/#g" "$DIR/module.log" >&2
		die "dm-remap.ko does not build against the debug kernel"
	fi
	# Warnings are printed (with repo paths) but do not stop the run:
	# `make module` is where they fail the build.
	grep -E 'warning:' "$DIR/module.log" | sed "s#$m/#$REPO/#g" >&2 || true
	[[ -f $m/kernel/dm-remap.ko ]] || die "no $m/kernel/dm-remap.ko after the build"
}
((module)) && build_module
printf '%s\n' "$DIR"
