#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/integration/vm/run-in-vm.sh -- run a command as root in a throwaway VM
# that boots the installed Debian kernel (the one the module is built for).
#
# Usage: run-in-vm.sh [options] [-- command [args...]]
#
#   --mem MB        guest memory (default 3072)
#   --timeout SEC   kill the VM after SEC seconds (default 900); exit 125
#   --results DIR   host directory shared writable with the guest at the
#                   same path (default: DMREMAP_VM_RESULTS or <repo>/build/vm);
#                   holds console.log (kernel console) and the guest's files
#   --shell         give an interactive root shell on this terminal (after the
#                   command, if one is given); leave it with `exit` or Ctrl-A x
#   --verbose       same as DMREMAP_VM_VERBOSE=1: full kernel log, shown live
#                   on stderr as well as saved in console.log
#   --systemd       boot with systemd as PID 1 (sysinit.target and
#                   basic.target, no multi-user services) and run the command
#                   from a service; see vm/guest-init.sh
#
# The guest sees the host's whole file system read-only with a throwaway
# writable layer on top, so the command runs in this repository (same path,
# it is the cwd) with the host's tools. Only the results directory is
# written through to the host. The command's stdout and stderr arrive merged
# on this script's stdout; stdin is /dev/null unless --shell.
#
# Environment: DMREMAP_MODULE=path.ko installs that module in the guest
# instead of <repo>/kernel/dm-remap.ko (either is installed if it exists, so
# that `modprobe dm_remap` loads it); DMREMAP_VM_UDEV=guarded (default: udevd
# runs but ignores loop and dm devices), full (udevd with all its rules) or
# 0 (no udevd), see vm/guest-init.sh; DMREMAP_QEMU_EXTRA adds QEMU options.
# DMREMAP_VM_KERNEL_DIR=DIR boots the kernel vm/debug-kernel.sh built in DIR
# instead of Debian's (its modules from DIR/root, which the guest sees as
# /lib/modules/<release>); set DMREMAP_MODULE to a dm-remap.ko built for it.
#
# Exit status: the command's, or 125 if the VM died or timed out before the
# command finished (the reason is printed on stderr; see console.log).
#
# Only one VM runs at a time on this machine (TCG is CPU-bound and the
# machine is shared): a second invocation waits for the first.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
REPO=$(cd "$SCRIPT_DIR/../../.." && pwd -P)

mem=3072
timeout_s=900
results=${DMREMAP_VM_RESULTS:-$REPO/build/vm}
shell=0
systemd=0
verbose=${DMREMAP_VM_VERBOSE:-0}
[[ $verbose == 1 ]] || verbose=0

die() { echo "run-in-vm: $*" >&2; exit 125; }
usage() { sed -n '4,/^set -euo/{/^#/s/^# \{0,1\}//p}' "${BASH_SOURCE[0]}"; exit "${1:-2}"; }

while (($#)); do
	case $1 in
	--mem) mem=${2:?--mem needs MB}; shift 2 ;;
	--timeout) timeout_s=${2:?--timeout needs seconds}; shift 2 ;;
	--results) results=${2:?--results needs a directory}; shift 2 ;;
	--shell) shell=1; shift ;;
	--verbose) verbose=1; shift ;;
	--systemd) systemd=1; shift ;;
	-h | --help) usage 0 ;;
	--) shift; break ;;
	*) echo "run-in-vm: unknown option $1" >&2; usage ;;
	esac
done
[[ $mem =~ ^[0-9]+$ && $timeout_s =~ ^[0-9]+$ ]] || die "--mem and --timeout take integers"
(($# || shell)) || usage
if ((shell)) && [[ ! -t 0 || ! -t 1 ]]; then
	die "--shell needs a terminal on stdin and stdout"
fi

for tool in qemu-system-x86_64 timeout flock; do
	command -v "$tool" >/dev/null || die "$tool not found (make deps)"
done

KVER=$("$SCRIPT_DIR/kver.sh") || die "cannot determine the kernel to boot"
KERNEL=$("$SCRIPT_DIR/vmlinux.sh") || die "cannot find the kernel image"
# The modules' root: / for Debian's kernel, DIR/root for a debug kernel.
MODROOT=
[[ -z ${DMREMAP_VM_KERNEL_DIR:-} ]] || MODROOT=$(cd "$DMREMAP_VM_KERNEL_DIR" && pwd -P)/root
[[ -z $MODROOT || -d $MODROOT/lib/modules/$KVER ]] || die "no $MODROOT/lib/modules/$KVER"

# One VM at a time, machine-wide, and taken before the results directory
# is touched: two runs sharing the default directory would otherwise
# overwrite each other's command file. QEMU inherits fd 9, so the lock is
# held as long as the VM runs even if this script is killed. run.sh takes
# the lock itself for its whole run and tells us so.
if [[ ${DMREMAP_VM_LOCK_HELD:-} != 1 ]]; then
	lockfile=/run/lock/dm-remap-vm.lock
	[[ -w ${lockfile%/*} ]] || lockfile=/tmp/dm-remap-vm.lock
	exec 9>"$lockfile"
	if ! flock -n 9; then
		echo "run-in-vm: another test VM is running; waiting for it" >&2
		flock 9
	fi
fi

# The initramfs after the lock: another tree's run may replace the cached
# image (a different mkinitramfs.sh) while this one waits.
INITRD=$("$SCRIPT_DIR/mkinitramfs.sh" --cached) || die "cannot build the initramfs"

mkdir -p "$results"
results=$(cd "$results" && pwd -P)
# The paths travel on the kernel command line, which is split at spaces.
[[ $results != *[[:space:]]* && $REPO != *[[:space:]]* ]] ||
	die "the repository and results paths must not contain whitespace"
case $results in
/ | /proc | /proc/* | /sys | /sys/* | /dev | /dev/* | /run | /run/*)
	die "results directory $results would be hidden by the guest's own mounts" ;;
esac
# Our files only: stale ones would make a dead VM look like a finished one.
rm -f "$results"/{console.log,vm-command.sh,vm-started,vm-exit-status}

if (($#)); then
	{
		echo "# written by run-in-vm.sh; run by vm/guest-init.sh inside the VM"
		printf 'cd %q\n' "$REPO"
		printf '%q ' "$@"
		echo
	} >"$results/vm-command.sh"
fi

# Snapshot the module for the guest and build modprobe's index for it here:
# depmod natively takes a second, in the guest over a minute (it reads every
# module of the kernel over 9p under TCG). depmod -b runs on a tree of
# symlinks to the real /lib/modules/<KVER> plus our updates/dm-remap.ko;
# the index it writes uses paths relative to that directory, so it is valid
# in the guest, whose /lib/modules/<KVER> is the host's.
prepare_module() {
	local src=$1 out=$results/vm-modules tree mdir=$MODROOT/lib/modules/$KVER f u
	tree=$(mktemp -d)
	mkdir -p "$tree/lib/modules/$KVER/updates" "$out"
	for f in "$mdir"/*; do
		case ${f##*/} in
		modules.*) ;; # outputs; the inputs among them are copied below
		updates) # keep what DKMS & co. installed there, except an old dm-remap
			for u in "$f"/*; do
				[[ -e $u && ${u##*/} != dm-remap.ko ]] && ln -s "$u" "$tree/lib/modules/$KVER/updates/"
			done
			;;
		*) ln -s "$f" "$tree/lib/modules/$KVER/" ;;
		esac
	done
	for f in modules.order modules.builtin modules.builtin.modinfo; do
		[[ -f $mdir/$f ]] && cp "$mdir/$f" "$tree/lib/modules/$KVER/"
	done
	cp "$src" "$tree/lib/modules/$KVER/updates/dm-remap.ko"
	depmod -b "$tree" "$KVER" || { rm -rf "$tree"; return 1; }
	cp "$tree/lib/modules/$KVER/updates/dm-remap.ko" "$tree/lib/modules/$KVER"/modules.* "$out/"
	rm -rf "$tree"
}
rm -rf "$results/vm-modules"
module=${DMREMAP_MODULE:-$REPO/kernel/dm-remap.ko}
if [[ -f $module ]]; then
	prepare_module "$module" || die "depmod failed for $module"
elif [[ -n ${DMREMAP_MODULE:-} ]]; then
	die "DMREMAP_MODULE=$DMREMAP_MODULE does not exist"
fi

append=(
	'console=ttyS0,115200'
	# reboot at once on a panic: with -no-reboot QEMU then exits, and the
	# host reports a dead VM instead of waiting for the timeout.
	panic=-1
	# Speculation mitigations only cost time under emulation.
	mitigations=off
	# Large enough that a scenario's kernel log does not roll over before
	# the harness reads it.
	log_buf_len=8M
	# Skip the probe of legacy serial ports we do not have.
	8250.nr_uarts=2
	dmremap.init="$SCRIPT_DIR/guest-init.sh"
	dmremap.repo="$REPO"
	dmremap.results="$results"
)
[[ -z $MODROOT ]] || append+=(dmremap.modroot="$MODROOT")
[[ $MODROOT != *[[:space:]]* ]] || die "the kernel directory must not contain whitespace"
case ${DMREMAP_VM_UDEV:-guarded} in
0 | guarded | full) append+=("dmremap.udev=${DMREMAP_VM_UDEV:-guarded}") ;;
*) die "DMREMAP_VM_UDEV must be 0, guarded or full" ;;
esac
if ((systemd)); then
	# fstab=no: systemd-fstab-generator ignores the host's /etc/fstab, whose
	# disks the guest does not have (their mounts would wait for them).
	append+=(dmremap.systemd=1 fstab=no)
fi
if ((verbose)); then
	append+=(dmremap.verbose=1 ignore_loglevel)
else
	append+=(quiet)
fi

qemu=(
	qemu-system-x86_64
	-accel tcg -M pc -cpu max -smp 2 -m "$mem"
	-nodefaults -nographic -no-reboot
	-kernel "$KERNEL" -initrd "$INITRD"
	# The host root, read-only. multidevs=remap keeps inode numbers unique
	# although / spans several host file systems (overlayfs relies on it).
	-virtfs "local,path=/,mount_tag=hostroot,readonly=on,security_model=none,multidevs=remap"
	-virtfs "local,path=$results,mount_tag=results,security_model=none"
	# ttyS0: kernel console, saved; ttyS1: the command's stdio.
	-serial "file:$results/console.log"
)
# Extra QEMU options for debugging, e.g. DMREMAP_QEMU_EXTRA="-s" for gdb.
read -r -a extra <<<"${DMREMAP_QEMU_EXTRA:-}"
qemu+=("${extra[@]}")
if ((shell)); then
	read -r rows cols < <(stty size)
	append+=(dmremap.shell=1 dmremap.rows="$rows" dmremap.cols="$cols" dmremap.term="${TERM:-linux}")
	# signal=off: ^C goes to the guest; Ctrl-A x still quits QEMU.
	qemu+=(-chardev 'stdio,id=term,mux=on,signal=off' -serial chardev:term -mon chardev=term)
else
	qemu+=(-serial stdio -monitor none)
fi
qemu+=(-append "${append[*]}")

echo "run-in-vm: booting $KVER (${mem} MB, timeout ${timeout_s}s); console log: $results/console.log" >&2
t0=$EPOCHREALTIME

tailpid=
if ((verbose)); then
	: >"$results/console.log"
	tail -n +1 -F "$results/console.log" >&2 2>/dev/null &
	tailpid=$!
fi

qrc=0
if ((shell)); then
	"${qemu[@]}" || qrc=$?
else
	# In the background so that ^C/TERM reach our trap at once (bash defers
	# traps while a foreground child runs); timeout kills QEMU itself.
	timeout --kill-after=10 "$timeout_s" "${qemu[@]}" </dev/null &
	qpid=$!
	trap 'kill -TERM "$qpid" 2>/dev/null' INT TERM
	while :; do
		wait "$qpid" && qrc=0 || qrc=$?
		# wait returns >128 when interrupted by a trapped signal; go on
		# waiting until QEMU is really gone.
		kill -0 "$qpid" 2>/dev/null || break
	done
	trap - INT TERM
fi
t1=$EPOCHREALTIME
if [[ -n $tailpid ]]; then
	sleep 0.3 # let tail print the last lines
	kill "$tailpid" 2>/dev/null || true
fi

# Times from the host's clock: 9p files get their mtime from the host.
mtime() { stat -c %.3Y "$1" 2>/dev/null; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1fs", a - b }'; }
started=$(mtime "$results/vm-started" || true)
ended=$(mtime "$results/vm-exit-status" || true)
if [[ -n $started ]]; then
	read -r g_kernel g_ready <"$results/vm-started"
	stages=kernel+initramfs
	((systemd)) && stages+=+systemd
	msg="boot $(secs "$started" "$t0") (guest: $stages ${g_kernel}s, setup $(secs "$g_ready" "$g_kernel"))"
	[[ -n $ended ]] && msg+=", command $(secs "$ended" "$started")"
	echo "run-in-vm: $msg, total $(secs "$t1" "$t0")" >&2
fi

if [[ -s $results/vm-exit-status ]]; then
	rc=$(<"$results/vm-exit-status")
	[[ $rc =~ ^[0-9]+$ ]] || die "garbled exit status '$rc' from the guest"
	exit "$rc"
fi
if ((qrc == 124 || qrc == 137)); then
	echo "run-in-vm: TIMEOUT: the VM did not finish within ${timeout_s}s and was killed" >&2
else
	echo "run-in-vm: the VM stopped (QEMU status $qrc) before the command finished: crash, panic or power-off" >&2
fi
# From a little before the first sign of a kernel crash, if there is one.
first=$(grep -n -m1 -E 'Kernel panic|BUG:|Oops|general protection|WARNING:|INFO: task .* blocked' \
	"$results/console.log" 2>/dev/null | cut -d: -f1 || true)
if [[ -n $first ]]; then
	echo "run-in-vm: $results/console.log from line $((first > 5 ? first - 5 : 1)) (at most 150 lines):" >&2
	tail -n +$((first > 5 ? first - 5 : 1)) "$results/console.log" | head -n 150 | sed 's/^/  | /' >&2
else
	echo "run-in-vm: last lines of $results/console.log:" >&2
	tail -n 40 "$results/console.log" 2>/dev/null | sed 's/^/  | /' >&2
fi
exit 125
