#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/integration/guest-run.sh -- run scenarios inside the test VM.
#
# Usage (by run.sh, through vm/run-in-vm.sh):
#   guest-run.sh [-v] [--timeout-factor N] SCENARIO.sh...
#
# Each scenario runs in its own session under `timeout` (600 s, or the
# script's `# timeout: N` line), so a failing or hanging one cannot stop the
# others. Around each one we write a mark into the kernel log and afterwards
# fail the scenario if the kernel log since the mark shows a warning, BUG,
# oops, hung task or sanitizer report, or if it left device-mapper devices,
# loop devices or mounts behind. Then dm_remap is unloaded (if loaded), so
# every scenario starts from a fresh module load and unload bugs show up.
# A scenario whose processes survive SIGKILL (stuck in the kernel) fails,
# the blocked tasks are dumped to the kernel log, and the scenarios after
# it are not run (run.sh counts them as failed).
#
# Results go to $DMREMAP_RESULTS/scenarios/<name>/ on the host:
#   output.log   the scenario's stdout and stderr
#   dmesg.log    the kernel log during the scenario
#   status       "PASS <secs>" or "FAIL <secs> <reason>" (written last; a
#                scenario without it did not finish: run.sh reports it)
#
# -v streams each scenario's output live instead of only showing it on
# failure. --timeout-factor N multiplies every scenario's timeout (a debug
# kernel is several times slower).
set -uo pipefail # not -e: failures are results here, not reasons to stop

[[ -n ${DMREMAP_RESULTS:-} ]] || { echo "guest-run.sh: run it through tests/integration/run.sh" >&2; exit 2; }
out_root=$DMREMAP_RESULTS/scenarios
mkdir -p "$out_root"

# For KERNEL_REPORTS and the kernel-log helpers, without the scenario
# traps.
DMREMAP_LIB_NO_TRAPS=1 SCENARIO_NAME=guest-run SCENARIO_OUT=$out_root
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
set +eE
trap - ERR

verbose=0 factor=1
while (($#)); do
	case $1 in
	-v) verbose=1; shift ;;
	--timeout-factor) factor=${2:?--timeout-factor needs N}; shift 2 ;;
	*) break ;;
	esac
done
[[ $factor =~ ^[1-9][0-9]*$ ]] || { echo "guest-run.sh: --timeout-factor takes a positive integer" >&2; exit 2; }

DEFAULT_TIMEOUT=600
survivors='' # set by wait_session_gone
# Seconds past the timeout's KILL before we give up waiting for timeout(1).
GRACE=40

scenario_timeout() {
	local t
	t=$(grep -m1 -oE '^# *timeout: *[0-9]+' "$1" | grep -oE '[0-9]+$')
	echo $((${t:-$DEFAULT_TIMEOUT} * factor))
}

secs_since() {
	local t=$(((${EPOCHREALTIME/./} - $1) / 100000))
	printf '%d.%d' $((t / 10)) $((t % 10))
}

snapshot() {
	{
		dmsetup info -c --noheadings -o name 2>/dev/null | grep -v '^No devices found' | sed 's/^/dm /'
		losetup -n -l -O NAME 2>/dev/null | sed 's/^/loop /'
		findmnt -rn -o TARGET,SOURCE | awk '$2 ~ "^/dev/(mapper/|dm-|loop)" { print "mount " $1 }'
	} | sort
}

# Remove what a scenario left behind, so that the next ones start clean.
# --force replaces a stuck device's table with one that errors all I/O,
# which lets the remove go through even if something still holds it.
force_cleanup() {
	local kind what
	while read -r kind what; do
		[[ $kind == mount ]] && { timeout 30 umount "$what" 2>/dev/null || timeout 30 umount -l "$what"; }
	done < <(sort -r <<<"$1")
	for _ in 1 2 3; do
		while read -r kind what; do
			[[ $kind == dm ]] || continue
			dmsetup info "$what" >/dev/null 2>&1 || continue
			timeout 30 dmsetup resume "$what" >/dev/null 2>&1
			timeout 60 dmsetup remove --retry "$what" >/dev/null 2>&1 ||
				timeout 60 dmsetup remove --force "$what" >/dev/null 2>&1
		done <<<"$1"
	done
	while read -r kind what; do
		[[ $kind == loop ]] && losetup -d "$what" 2>/dev/null
	done <<<"$1"
}

indent() { sed 's/^/    | /'; }

# kmemleak (a debug kernel, vm/debug-kernel.sh): scan now, move what it
# reports to DIR/kmemleak.log (the kernel log says "kmemleak: N new
# suspected memory leaks"), then forget it, so that each scenario is blamed
# only for its own leaks. An object must be 5 s old to count, so a leak in
# the last seconds of a scenario shows up after the next one, or in the
# last scan (end of the run).
KMEMLEAK=/sys/kernel/debug/kmemleak
kmemleak_scan() {
	[[ -w $KMEMLEAK ]] || return 0
	echo scan >"$KMEMLEAK" 2>/dev/null || return 0
	cat "$KMEMLEAK" >"$1/kmemleak.log" 2>/dev/null
	[[ -s $1/kmemleak.log ]] || rm -f "$1/kmemleak.log"
	echo clear >"$KMEMLEAK" 2>/dev/null
}

# wait_session_gone SID SECS -- true once no live process of session SID
# is left; else false after SECS, with them in $survivors.
wait_session_gone() {
	local i
	for ((i = 0; i < $2 * 5; i++)); do
		survivors=$(ps -o pid=,stat=,wchan:30=,args= -s "$1" 2>/dev/null | awk '$2 !~ /^Z/')
		[[ -n $survivors ]] || return 0
		sleep 0.2
	done
	return 1
}

run_one() {
	local script=$1 name dir t start pid rc=0 stuck=0 reasons=() mark before after left bad secs line
	name=$(basename "$script" .sh)
	dir=$out_root/$name
	t=$(scenario_timeout "$script")
	rm -rf "$dir"
	mkdir -p "$dir"
	before=$(snapshot)
	mark=$(kernel_log_mark "begin $name")
	start=${EPOCHREALTIME/./}

	# setsid: the scenario and everything it starts form one session (and
	# timeout makes a process group with the same id), which we kill as a
	# whole afterwards so no stray fio keeps a device open.
	(
		export SCENARIO_NAME=$name SCENARIO_OUT=$dir SCENARIO_TIME_FACTOR=$factor
		cd "$REPO" || exit 1
		if ((verbose)); then
			exec setsid timeout -k 10 "$t" bash "$script" > >(tee "$dir/output.log") 2>&1
		else
			exec setsid timeout -k 10 "$t" bash "$script" >"$dir/output.log" 2>&1
		fi
	) </dev/null &
	pid=$!
	# Poll rather than block in wait, as a safety net should timeout itself
	# never return. stderr off: no "Killed" job notice from bash, the
	# reason below says it.
	{
		while kill -0 "$pid"; do
			if (($(((${EPOCHREALTIME/./} - start) / 1000000)) > t + 10 + GRACE)); then
				stuck=1
				break
			fi
			sleep 0.2
		done
		((stuck)) || wait "$pid"
		rc=$?
	} 2>/dev/null
	if ((stuck)); then
		reasons+=("timeout did not return ${GRACE}s after its ${t}s timeout and KILL")
	else
		case $rc in
		0) ;;
		124) reasons+=("timed out after ${t}s") ;;
		137) reasons+=("timed out after ${t}s and had to be killed") ;;
		*) reasons+=("exit status $rc") ;;
		esac
	fi

	# Whatever of the scenario still runs (background jobs, or what timeout
	# left: it kills its process group and exits) goes now. A process that
	# survives SIGKILL waits in the kernel (D state), maybe for I/O to a
	# device left suspended: clean the devices up and look again. If it is
	# still there, it is stuck: dump the blocked tasks to the kernel log and
	# stop after this scenario, as the VM is no longer a clean place to test.
	pkill -KILL -s "$pid" 2>/dev/null
	wait_session_gone "$pid" 10
	after=$(snapshot)
	left=$(comm -13 <(echo "$before") <(echo "$after") | grep .)
	if [[ -n $left ]]; then
		reasons+=("left behind: $(tr '\n' ' ' <<<"$left")")
		force_cleanup "$left"
	fi
	if ! wait_session_gone "$pid" 10; then
		stuck=1
		reasons+=("processes survive SIGKILL, stuck in the kernel (blocked tasks dumped to the kernel log): $(tr -s ' \n' ' ' <<<"$survivors")")
		echo w >/proc/sysrq-trigger
	fi
	if grep -qw '^dm_remap' /proc/modules && ! timeout 60 rmmod dm_remap 2>"$dir/rmmod.err"; then
		reasons+=("could not unload dm_remap: $(<"$dir/rmmod.err")")
	fi

	kmemleak_scan "$dir"
	kernel_log_since_mark "$mark" >"$dir/dmesg.log"
	# Where the scenario's part of the kernel log ends (run-debug.sh scans
	# what lies between the scenarios).
	kernel_log_mark "end $name" >/dev/null
	bad=$("$KERNEL_REPORTS" "$dir/dmesg.log" | grep '^kernel report at ')
	[[ -z $bad ]] || reasons+=("kernel log: $(head -n1 <<<"$bad" | sed 's/^kernel report at [^ ]*: //')")
	if [[ -s $dir/kmemleak.log ]]; then
		reasons+=("kmemleak: $(grep -c '^unreferenced object' "$dir/kmemleak.log") unreferenced object(s), see kmemleak.log")
	fi

	secs=$(secs_since "$start")
	if ((${#reasons[@]} == 0)); then
		echo "PASS $secs" >"$dir/status"
		echo "PASS $name (${secs}s)"
		return 0
	fi
	echo "FAIL $secs ${reasons[*]}" >"$dir/status"
	echo "FAIL $name (${secs}s)"
	for line in "${reasons[@]}"; do echo "    reason: $line"; done
	if ((!verbose)); then
		echo "    --- output (${dir#"$REPO"/}/output.log) ---"
		indent <"$dir/output.log"
	fi
	if [[ -s $dir/dmesg.log ]]; then
		# All of it if it has a splat, else the end for context.
		if [[ -n $bad ]]; then
			echo "    --- kernel log during the scenario ---"
			head -n 400 "$dir/dmesg.log" | indent
		else
			echo "    --- kernel log during the scenario (last 40 lines) ---"
			tail -n 40 "$dir/dmesg.log" | indent
		fi
	fi
	if [[ -s $dir/kmemleak.log ]]; then
		echo "    --- kmemleak after the scenario (kmemleak.log, first 60 lines) ---"
		head -n 60 "$dir/kmemleak.log" | indent
	fi
	((stuck)) && return 2
	return 1
}

# What kmemleak finds before the first scenario (the boot's own) is not
# theirs.
if [[ -w $KMEMLEAK ]]; then
	echo scan >"$KMEMLEAK" 2>/dev/null
	echo clear >"$KMEMLEAK" 2>/dev/null
fi

# The whole kernel log of this VM at the end, for reports outside the
# scenarios (make test-debug scans it): kernel.log, or kernel-systemd.log
# when systemd is PID 1.
save_kernel_log() {
	local f=$DMREMAP_RESULTS/kernel.log
	[[ $(cat /proc/1/comm 2>/dev/null) == systemd ]] && f=$DMREMAP_RESULTS/kernel-systemd.log
	if [[ -w $KMEMLEAK ]]; then
		mkdir -p "$out_root/.end"
		sleep 6 # old enough to count (see kmemleak_scan)
		kmemleak_scan "$out_root/.end"
		[[ -s $out_root/.end/kmemleak.log ]] && cp "$out_root/.end/kmemleak.log" "$DMREMAP_RESULTS/kmemleak-end.log"
		rm -rf "$out_root/.end"
	fi
	dmesg >"$f"
}

failed=0
for script in "$@"; do
	run_one "$script"
	case $? in
	0) ;;
	2)
		echo "guest-run: stopping: a scenario is stuck in the kernel; the rest would not be meaningful"
		save_kernel_log
		exit 1
		;;
	*) failed=1 ;;
	esac
done
save_kernel_log
exit "$failed"
