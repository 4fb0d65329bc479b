#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/integration/run.sh -- run the integration scenarios in one test VM.
#
# Usage: tests/integration/run.sh [options] [NAME-GLOB...]
#
#   NAME-GLOB     run only the scenarios whose name (file name without .sh)
#                 matches one of the globs, e.g. '00-*' or '*reload*'
#   --list        print the selected scenarios and their timeouts; no VM
#   -v            stream every scenario's output live (not only on failure)
#   --mem MB      guest memory (default: run-in-vm.sh's, 3072)
#
# Boots ONE VM (tests/integration/vm/run-in-vm.sh) and runs each
# tests/integration/scenarios/*.sh in name order inside it through
# guest-run.sh. Scenarios with a line "# vm: systemd" run afterwards in a
# second VM booted with systemd as PID 1 (run-in-vm.sh --systemd), whose
# console log is kept as console-systemd.log. Prints PASS/FAIL per scenario, the output and kernel log of
# failed ones, and ends with the line "integration: N passed, N failed".
# Exits 0 only if every selected scenario passed.
#
# Results (per scenario output.log, dmesg.log, status, plus the VM's
# console.log) go to DMREMAP_RESULTS_DIR, default <repo>/build/integration,
# which is emptied first. DMREMAP_SCENARIO_DIR runs the scenarios of another
# directory instead (it must not be under /tmp, which the guest does not see).
# DMREMAP_TIMEOUT_FACTOR=N multiplies every scenario's timeout (and the VM's),
# for a slower kernel (run-debug.sh).
set -euo pipefail
export LC_ALL=C # stable scenario order and tool messages

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
REPO=$(cd "$SCRIPT_DIR/../.." && pwd -P)

DEFAULT_TIMEOUT=600 # per scenario; keep in sync with guest-run.sh
# Per scenario on top of its timeout: guest-run's KILL delay and grace for
# an unkillable scenario, plus the cleanup and log checks around it.
PER_SCENARIO_SLACK=80
# Boot, udev, module install and power-off, generously (TCG, shared CPUs).
BOOT_SLACK=300

usage() { sed -n '4,/^set -euo/{/^#/s/^# \{0,1\}//p}' "${BASH_SOURCE[0]}"; exit "${1:-2}"; }

list=0 verbose=0 mem=''
factor=${DMREMAP_TIMEOUT_FACTOR:-1}
[[ $factor =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: DMREMAP_TIMEOUT_FACTOR must be a positive integer" >&2; exit 2; }
globs=()
while (($#)); do
	case $1 in
	--list) list=1; shift ;;
	-v | --verbose) verbose=1; shift ;;
	--mem) mem=${2:?--mem needs MB}; shift 2 ;;
	-h | --help) usage 0 ;;
	--) shift; globs+=("$@"); break ;;
	-*) echo "run.sh: unknown option $1" >&2; usage ;;
	*) globs+=("$1"); shift ;;
	esac
done

# The VM a scenario needs: "plain" (guest-init.sh as PID 1) or "systemd".
scenario_vm() {
	local v
	v=$(grep -m1 -oE '^# *vm: *[a-z]+' "$1" | sed 's/.*: *//' || true)
	echo "${v:-plain}"
}

scenario_timeout() {
	local t
	t=$(grep -m1 -oE '^# *timeout: *[0-9]+' "$1" | grep -oE '[0-9]+$' || true)
	echo $((${t:-$DEFAULT_TIMEOUT} * factor))
}

selected() {
	local name=$1 g
	((${#globs[@]})) || return 0
	for g in "${globs[@]}"; do
		# shellcheck disable=SC2053 # $g is a glob on purpose
		[[ $name == $g || $name.sh == $g ]] && return 0
	done
	return 1
}

shopt -s nullglob
names=() plain=() systemd=()
scenario_dir=${DMREMAP_SCENARIO_DIR:-$SCRIPT_DIR/scenarios}
for f in "$scenario_dir"/*.sh; do
	name=$(basename "$f" .sh)
	selected "$name" || continue
	names+=("$name")
	case $(scenario_vm "$f") in
	plain) plain+=("$f") ;;
	systemd) systemd+=("$f") ;;
	*) echo "run.sh: $f: unknown '# vm:' (plain or systemd)" >&2; exit 2 ;;
	esac
done
if ((${#names[@]} == 0)); then
	echo "run.sh: no scenario matches${globs[*]:+ ${globs[*]}} in $scenario_dir" >&2
	exit 2
fi

# Seconds a VM running these scenarios may take.
vm_timeout() {
	local f total=$((BOOT_SLACK * factor))
	for f; do
		total=$((total + $(scenario_timeout "$f") + PER_SCENARIO_SLACK))
	done
	echo "$total"
}

if ((list)); then
	for f in "${plain[@]}" "${systemd[@]}"; do
		printf '%s\t(timeout %ss%s)\n' "$(basename "$f" .sh)" "$(scenario_timeout "$f")" \
			"$([[ $(scenario_vm "$f") == systemd ]] && echo ', systemd VM')"
	done
	exit 0
fi

# The VM lock (see vm/run-in-vm.sh), for the whole run: another run.sh
# must not empty the results directory under a running one.
lockfile=/run/lock/dm-remap-vm.lock
[[ -w ${lockfile%/*} ]] || lockfile=/tmp/dm-remap-vm.lock
exec 9>"$lockfile"
if ! flock -n 9; then
	echo "run.sh: another test VM is running; waiting for it"
	flock 9
fi
export DMREMAP_VM_LOCK_HELD=1

results=${DMREMAP_RESULTS_DIR:-$REPO/build/integration}
mkdir -p "$results"
results=$(cd "$results" && pwd -P)
rm -rf "$results/scenarios"

rm -f "$results/console-systemd.log" "$results"/kernel{,-systemd}.log "$results/kmemleak-end.log"

guest=("$SCRIPT_DIR/guest-run.sh")
((verbose)) && guest+=(-v)
((factor == 1)) || guest+=(--timeout-factor "$factor")
vmrc=0
# boot_vm [--systemd] SCENARIO...: one VM for these; vmrc keeps the first
# failure of a VM run.
boot_vm() {
	local vm=("$SCRIPT_DIR/vm/run-in-vm.sh" --results "$results") rc=0
	if [[ $1 == --systemd ]]; then
		vm+=("$1")
		shift
	fi
	vm+=(--timeout "$(vm_timeout "$@")")
	[[ -n $mem ]] && vm+=(--mem "$mem")
	"${vm[@]}" -- "${guest[@]}" "$@" || rc=$?
	((vmrc != 0)) || vmrc=$rc
}

if ((${#plain[@]})); then
	echo "run.sh: ${#plain[@]} scenario(s) in one VM; results in $results"
	boot_vm "${plain[@]}"
fi
if ((${#systemd[@]})); then
	# Its scenario installs the packages: a package build still running
	# (scripts/build-deb.sh holds the lock, as when tests/run-all.sh runs
	# it beside the first VM) must end first.
	deb_lock=${DMREMAP_DEB_DIR:-$REPO/build/deb}.lock
	if [[ -e $deb_lock ]]; then
		exec 7<"$deb_lock"
		if ! flock -n -s 7; then
			echo "run.sh: waiting for the package build (make deb) to end"
			flock -s 7
		fi
		exec 7<&-
	fi
	echo "run.sh: ${#systemd[@]} scenario(s) in a VM with systemd as PID 1; results in $results"
	# run-in-vm.sh starts a new console.log: keep the first VM's.
	[[ -f $results/console.log ]] && mv "$results/console.log" "$results/console-plain.log"
	boot_vm --systemd "${systemd[@]}"
	[[ -f $results/console.log ]] && mv "$results/console.log" "$results/console-systemd.log"
	[[ -f $results/console-plain.log ]] && mv "$results/console-plain.log" "$results/console.log"
fi

# The verdict comes from the status files the guest wrote on the shared
# results directory, so scenarios that never ran (the VM died) count too.
passed=0 failed=0 missing=0
for name in "${names[@]}"; do
	dir=$results/scenarios/$name
	if [[ -s $dir/status ]]; then
		read -r verdict _ <"$dir/status"
		if [[ $verdict == PASS ]]; then
			passed=$((passed + 1))
		else
			failed=$((failed + 1))
		fi
		continue
	fi
	failed=$((failed + 1))
	missing=$((missing + 1))
	if [[ -d $dir ]]; then
		echo "FAIL $name (did not finish: the VM died or timed out while it ran)"
		if [[ -s $dir/output.log ]]; then
			echo "    --- output so far ---"
			sed 's/^/    | /' "$dir/output.log"
		fi
		echo "    (the VM's console, printed above by run-in-vm, is in $results/console.log or, for a systemd VM, console-systemd.log)"
	else
		echo "FAIL $name (not run: the VM or the run stopped before it)"
	fi
done

rc=0
((failed == 0)) || rc=1
if ((missing)); then
	echo "run.sh: $missing scenario(s) counted as failed because they did not finish: the VM died or timed out, or a stuck scenario stopped the run (run-in-vm status $vmrc)"
	rc=1
elif ((vmrc != 0 && failed == 0)); then
	echo "run.sh: every scenario passed but the VM run itself failed (status $vmrc); see $results/console.log"
	rc=1
fi
echo "integration: $passed passed, $failed failed"
exit "$rc"
