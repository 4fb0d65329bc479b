# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# tests/integration/lib.sh -- helpers for integration scenarios.
#
# Source it first thing in a scenario:
#
#     #!/usr/bin/env bash
#     source "$(dirname "$0")/../lib.sh"
#
# It turns on `set -euo pipefail` and an ERR trap that names the failing
# command and line, and installs an EXIT trap (`cleanup`) that, however the
# scenario ends, unmounts what it mounted, removes the device-mapper devices
# it created (with `dmsetup remove --retry`, stacked devices first) and
# detaches its loop devices. Inside the test VM "created by the scenario"
# means everything that did not exist when lib.sh was sourced, so a plain
# `dmsetup create` is cleaned up too; outside it, only what mk_loop and
# dm_create registered.
#
# Variables for the scenario:
#   REPO            repository root (also the cwd under the harness)
#   SCENARIO_NAME   the scenario's name (script name without .sh)
#   SCENARIO_OUT    a writable directory for the scenario's artifacts; under
#                   the harness it is on the host:
#                   <results>/scenarios/<name>/
#   SCENARIO_TIME_FACTOR  how many times slower than usual the kernel may
#                   run (--timeout-factor: 3 on the debug kernel, else 1);
#                   a scenario that needs one operation to still be in
#                   flight while it starts another scales its delays by it
#
# Functions: log, die, assert_eq, assert_ne, assert_contains, assert_fails,
# mk_loop, dm_create, dm_remove, dm_kname, kmsg, kernel_log_mark,
# kernel_log_since_mark, assert_kernel_log_clean, cleanup. Each is
# documented where defined.

set -euo pipefail
set -E # the ERR trap also fires inside functions and subshells

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
SCENARIO_NAME=${SCENARIO_NAME:-$(basename "$0" .sh)}
SCENARIO_OUT=${SCENARIO_OUT:-/tmp/dmremap-scenario-$SCENARIO_NAME}
SCENARIO_TIME_FACTOR=${SCENARIO_TIME_FACTOR:-1}
mkdir -p "$SCENARIO_OUT"

# What the harness treats as a kernel bug when it shows up in the kernel
# log during a scenario: what tests/kernel-reports.sh finds (WARNING:,
# BUG:, KASAN, lockdep, kmemleak, oops, hung task, ...).
KERNEL_REPORTS=$REPO/tests/kernel-reports.sh

# log MSG... -- progress line on stdout, prefixed with the elapsed seconds.
log() {
	# Tenths of a second in pure bash: forks are slow under emulation.
	local t=$(((${EPOCHREALTIME/./} - _LIB_T0_US) / 100000))
	printf '[%4d.%ds] %s\n' $((t / 10)) $((t % 10)) "$*"
}

# die MSG... -- fail the scenario: print MSG and where it was called from,
# exit 1 (the EXIT trap still cleans up).
die() {
	local frame=0 where=''
	# Name the scenario line, not a line inside lib.sh's helpers.
	while [[ ${BASH_SOURCE[frame + 1]:-} == "${BASH_SOURCE[0]}" ]]; do
		((frame++)) || true
	done
	where="${BASH_SOURCE[frame + 1]:-?}:${BASH_LINENO[frame]:-?}"
	printf 'FAILED: %s (at %s)\n' "$*" "${where#"$REPO"/}" >&2
	_LIB_DIED=1
	exit 1
}

# assert_eq EXPECTED ACTUAL WHAT -- fail unless the strings are equal.
assert_eq() {
	[[ $1 == "$2" ]] || die "$3: expected '$1', got '$2'"
}

# assert_ne UNEXPECTED ACTUAL WHAT -- fail if the strings are equal.
assert_ne() {
	[[ $1 != "$2" ]] || die "$3: got '$2', which it must not be"
}

# assert_contains HAYSTACK NEEDLE WHAT -- fail unless NEEDLE is a substring.
assert_contains() {
	[[ $1 == *"$2"* ]] || die "$3: '$2' not found in: $1"
}

# assert_fails CMD [ARGS...] -- run CMD, fail the scenario if it succeeds.
# Afterwards ASSERT_STATUS holds its exit status, ASSERT_STDOUT and
# ASSERT_STDERR what it printed (also echoed to our stdout for the log).
# Call it directly, not in $(...), or those variables are lost.
ASSERT_STATUS=0 ASSERT_STDOUT='' ASSERT_STDERR=''
assert_fails() {
	local out=$_LIB_STATE/assert.out err=$_LIB_STATE/assert.err
	ASSERT_STATUS=0
	"$@" >"$out" 2>"$err" || ASSERT_STATUS=$?
	ASSERT_STDOUT=$(<"$out")
	ASSERT_STDERR=$(<"$err")
	if ((ASSERT_STATUS == 0)); then
		die "expected failure, but it succeeded: $*${ASSERT_STDOUT:+ (stdout: $ASSERT_STDOUT)}"
	fi
	log "failed as expected (status $ASSERT_STATUS): $*${ASSERT_STDERR:+: $ASSERT_STDERR}"
}

# mk_loop SIZE [NAME] -- make a sparse backing file of SIZE (truncate(1)
# syntax: 64M, 1G, ...) in /tmp (tmpfs in the VM: it uses RAM only where
# written), attach it to a free loop device, print the device (/dev/loopN).
# Both are removed by cleanup. Safe to call as dev=$(mk_loop 64M).
mk_loop() {
	local size=${1:?mk_loop needs a size} name=${2:-} file dev
	[[ -n $name ]] || name=loop-$RANDOM$RANDOM
	file=/tmp/dmremap-$SCENARIO_NAME-$name.img
	rm -f "$file"
	truncate -s "$size" "$file"
	# Registered through files, not variables: callers use $(mk_loop ...),
	# a subshell whose variables would be lost.
	echo "$file" >>"$_LIB_STATE/files"
	dev=$(losetup --show -f "$file")
	echo "$dev" >>"$_LIB_STATE/loops"
	echo "$dev"
}

# dm_create NAME TABLE -- dmsetup create NAME with TABLE (one line or
# several, newline-separated), registered for cleanup; fails the scenario
# if the load fails (use assert_fails dmsetup create ... for expected
# failures). The /dev/mapper/NAME node exists when it returns.
dm_create() {
	local name=${1:?dm_create needs a name} table=${2:?dm_create needs a table}
	echo "$name" >>"$_LIB_STATE/dms"
	dmsetup create "$name" <<<"$table" || die "dmsetup create $name failed; table: $table"
	[[ -b /dev/mapper/$name ]] || die "/dev/mapper/$name missing after dmsetup create"
}

# dm_remove NAME -- remove a device now (retrying while udev or blkid hold
# it open briefly); fails the scenario if it cannot.
dm_remove() {
	dmsetup remove --retry "${1:?dm_remove needs a name}" || die "dmsetup remove $1 failed"
}

# dm_kname NAME -- print the kernel name (dm-N) of a device-mapper device,
# for /sys/block/dm-N and /sys/kernel/... paths. Use this rather than
# readlink on /dev/mapper/NAME: with DM_DISABLE_UDEV=1 (as in the VM)
# libdevmapper makes /dev/mapper/NAME a block node, not a symlink to ../dm-N.
dm_kname() {
	dmsetup info -c --noheadings -o blkdevname "${1:?dm_kname needs a name}"
}

# at_cleanup COMMAND -- run COMMAND (a shell string) at the end of cleanup,
# after device-mapper and loop devices are gone; newest first.
at_cleanup() {
	echo "$1" >>"$_LIB_STATE/after"
}

# kmsg TEXT -- write TEXT into the kernel log, to correlate it with ours.
kmsg() {
	echo "dmremap-test: $SCENARIO_NAME: $*" >/dev/kmsg
}

# kernel_log_mark [LABEL] -- write a unique mark into the kernel log and
# print it; pass it to kernel_log_since_mark.   mark=$(kernel_log_mark)
kernel_log_mark() {
	local mark="dmremap-mark ${1:-$SCENARIO_NAME} $EPOCHSECONDS-$BASHPID-$RANDOM"
	echo "$mark" >/dev/kmsg
	echo "$mark"
}

# kernel_log_since_mark MARK -- print the kernel log after MARK's line. If
# the mark is no longer in the buffer (overwritten), print all of it.
kernel_log_since_mark() {
	local mark=${1:?kernel_log_since_mark needs a mark}
	dmesg | awk -v mark="$mark" '
		{ line[NR] = $0 }
		index($0, mark) { start = NR }
		END { for (i = start + 1; i <= NR; i++) print line[i] }'
}

# assert_kernel_log_clean MARK -- fail if the kernel log since MARK shows a
# warning, BUG, oops, hung task, lockdep or sanitizer report.
assert_kernel_log_clean() {
	local bad
	bad=$(kernel_log_since_mark "$1" | "$KERNEL_REPORTS" - | grep '^kernel report at ' || true)
	[[ -z $bad ]] || die "kernel log since the mark has problems: ${bad//kernel report at stdin:/line }"
}

# Device-mapper names in creation order is not available, so sort by minor
# number, newest first: stacked devices are normally newer than what they
# sit on, and a device with holders is skipped and retried anyway.
_lib_dm_devices() {
	{ dmsetup info -c --noheadings -o name,minor --separator ' ' 2>/dev/null || true; } |
		awk 'NF == 2' | sort -k2,2nr | cut -d' ' -f1
}

_lib_loops() {
	losetup -n -l -O NAME 2>/dev/null || true
}

# cleanup -- the EXIT trap. Best effort and loud: every step is tried and
# what cannot be undone is reported (and fails the scenario), because a
# leftover device would break the scenarios after this one.
cleanup() {
	local rc=$? name left dev f mnt
	trap - ERR
	set +e
	# Background jobs (fio, dd, ...) may hold the devices open.
	local jobs_left
	jobs_left=$(jobs -p)
	if [[ -n $jobs_left ]]; then
		# shellcheck disable=SC2086 # a list of pids
		kill $jobs_left 2>/dev/null
		wait 2>/dev/null
	fi

	local dms=() loops=()
	[[ -f $_LIB_STATE/dms ]] && mapfile -t dms <"$_LIB_STATE/dms"
	[[ -f $_LIB_STATE/loops ]] && mapfile -t loops <"$_LIB_STATE/loops"
	if [[ -n ${DMREMAP_IN_VM:-} ]]; then
		# Anything new since we started belongs to this scenario.
		mapfile -t -O "${#dms[@]}" dms < <(comm -13 "$_LIB_STATE/dms.before" <(_lib_dm_devices | sort))
		mapfile -t -O "${#loops[@]}" loops < <(comm -13 "$_LIB_STATE/loops.before" <(_lib_loops | sort))
		# Unmount file systems on our devices, deepest first.
		while read -r mnt; do
			umount "$mnt" || umount -l "$mnt" || echo "cleanup: cannot unmount $mnt" >&2
		done < <(comm -13 "$_LIB_STATE/mounts.before" <(_lib_mounts) | sort -r)
	fi

	# Remove devices; repeat while it makes progress (stacks), then report.
	local existing
	for _ in 1 2 3 4 5; do
		left=0
		existing=$(_lib_dm_devices)
		for name in $existing; do
			printf '%s\n' "${dms[@]}" | grep -qxF -- "$name" || continue
			# A device left suspended would make remove wait on its I/O.
			if dmsetup info -c --noheadings -o attr "$name" 2>/dev/null | grep -q s; then
				timeout 30 dmsetup resume "$name" >/dev/null 2>&1
			fi
			if ! timeout 60 dmsetup remove --retry "$name" >/dev/null 2>&1; then
				left=1
			fi
		done
		((left)) || break
	done
	for name in "${dms[@]}"; do
		if dmsetup info "$name" >/dev/null 2>&1; then
			echo "cleanup: could not remove dm device $name:" >&2
			dmsetup info "$name" >&2
			((rc)) || rc=1
		fi
	done

	for dev in "${loops[@]}"; do
		[[ -n $dev ]] || continue
		losetup "$dev" >/dev/null 2>&1 || continue
		losetup -d "$dev" || { echo "cleanup: could not detach $dev" >&2; ((rc)) || rc=1; }
	done
	if [[ -f $_LIB_STATE/files ]]; then
		while read -r f; do rm -f "$f"; done <"$_LIB_STATE/files"
	fi
	# Last, what the scenario registered with at_cleanup, newest first:
	# things the devices above sat on (modules, configfs devices).
	if [[ -f $_LIB_STATE/after ]]; then
		while read -r f; do eval "$f" || { echo "cleanup: '$f' failed" >&2; ((rc)) || rc=1; }; done < <(tac "$_LIB_STATE/after")
	fi
	rm -rf "$_LIB_STATE"
	if ((rc == 0)); then
		log "cleanup done; scenario passed"
	elif [[ -z ${_LIB_DIED:-} ]]; then
		log "scenario failed with status $rc"
	fi
	exit "$rc"
}

_lib_mounts() {
	{ findmnt -rn -o TARGET,SOURCE || true; } | awk '$2 ~ "^/dev/(mapper/|dm-|loop)" { print $1 }' | sort
}

_lib_on_err() {
	local rc=$1 line=$2 src=$3 cmd=$4
	printf 'FAILED: command exited with status %s: %s (at %s:%s)\n' \
		"$rc" "$cmd" "${src#"$REPO"/}" "$line" >&2
}

_LIB_T0_US=${EPOCHREALTIME/./}
_LIB_STATE=$(mktemp -d /tmp/dmremap-lib.XXXXXX)
_lib_dm_devices | sort >"$_LIB_STATE/dms.before"
_lib_loops | sort >"$_LIB_STATE/loops.before"
_lib_mounts >"$_LIB_STATE/mounts.before"

if [[ -z ${DMREMAP_LIB_NO_TRAPS:-} ]]; then
	trap '_lib_on_err $? $LINENO "${BASH_SOURCE[0]}" "$BASH_COMMAND"' ERR
	trap cleanup EXIT
	# Make INT/TERM (timeouts) go through the EXIT trap as well.
	trap 'exit 143' TERM
	trap 'exit 130' INT
fi
