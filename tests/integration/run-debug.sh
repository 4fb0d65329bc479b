#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/integration/run-debug.sh -- `make test-debug`: the VM scenarios on
# the debug kernel (vm/debug-kernel.sh: KASAN, lockdep, DEBUG_ATOMIC_SLEEP,
# kmemleak, KFENCE, debugobjects), failing on any report of these.
#
# Usage: tests/integration/run-debug.sh [run.sh options] [NAME-GLOB...]
#   (as tests/integration/run.sh; no glob: every scenario)
#
# 1. builds the debug kernel once (cached in $DMREMAP_CACHE_DIR/debug-kernel,
#    about an hour on 2 shared cores) and dm-remap.ko for it from kernel/*.c;
#    and the Debian packages (make deb) if 90-packages is selected;
# 2. runs tests/integration/run.sh with DMREMAP_VM_KERNEL_DIR and
#    DMREMAP_MODULE pointing at them, every timeout multiplied by
#    DMREMAP_TIMEOUT_FACTOR (default 3), results in DMREMAP_RESULTS_DIR
#    (default <repo>/build/integration-debug). Each scenario fails on a
#    kernel report during it (guest-run.sh, tests/kernel-reports.sh), and
#    on what kmemleak finds after it (its kmemleak.log);
# 3. scans the VM's whole kernel log (kernel.log, kernel-systemd.log)
#    outside the scenarios: the boot, the time between scenarios, the last
#    kmemleak scan at the end (kmemleak-end.log). If a VM died before it
#    saved its log, its console log is scanned instead.
#
# The last line is "integration-debug: N passed, N failed", where the
# reports found in step 3 count as one failure each. Exit status 0 only if
# every scenario passed and step 3 found nothing; 2 if the debug kernel,
# module or (with 90-packages selected) the packages could not be built.
set -uo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
REPO=$(cd "$SCRIPT_DIR/../.." && pwd -P)

export DMREMAP_TIMEOUT_FACTOR=${DMREMAP_TIMEOUT_FACTOR:-3}
for a; do
	case $a in --list | -h | --help) exec "$SCRIPT_DIR/run.sh" "$@" ;; esac
done

kdir=$("$SCRIPT_DIR/vm/debug-kernel.sh" --module) || {
	echo "run-debug: the debug kernel or dm-remap.ko for it could not be built (above)"
	echo "integration-debug: 0 passed, 1 failed"
	exit 2
}
export DMREMAP_VM_KERNEL_DIR=$kdir
export DMREMAP_MODULE=$kdir/module/kernel/dm-remap.ko
export DMREMAP_RESULTS_DIR=${DMREMAP_RESULTS_DIR:-$REPO/build/integration-debug}

# 90-packages installs the Debian packages, which make test builds in its
# packages part: build them here when it is among the scenarios.
if "$SCRIPT_DIR/run.sh" --list "$@" | grep -q '^90-packages'; then
	echo "run-debug: building the packages that 90-packages installs (make deb)"
	make -C "$REPO" -s deb || {
		echo "run-debug: make deb failed (above)"
		echo "integration-debug: 0 passed, 1 failed"
		exit 2
	}
fi
echo "run-debug: kernel $(<"$kdir/release") from $kdir, timeouts x$DMREMAP_TIMEOUT_FACTOR, results in $DMREMAP_RESULTS_DIR"

t0=$SECONDS
log=$(mktemp)
trap 'rm -f "$log"' EXIT
"$SCRIPT_DIR/run.sh" "$@" | tee "$log"
rc=${PIPESTATUS[0]}
echo "run-debug: run.sh took $((SECONDS - t0)) s"
line=$(grep -E '^integration: [0-9]+ passed, [0-9]+ failed' "$log" | tail -n1)
passed=0 failed=1
[[ -z $line ]] || read -r passed failed <<<"$(sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed.*/\1 \2/' <<<"$line")"

# The kernel log without the scenarios' parts (from guest-run's "begin NAME"
# mark to its "end NAME" mark): those were checked scenario by scenario.
outside() {
	awk '/dmremap-mark begin / { inside = 1 } !inside { print } /dmremap-mark end / { inside = 0 }' "$1"
}
results=$DMREMAP_RESULTS_DIR
reports=0
for vm in "" -systemd; do
	klog=$results/kernel$vm.log console=$results/console$vm.log
	if [[ -s $klog ]]; then
		out=$(outside "$klog" | "$REPO/tests/kernel-reports.sh" -)
		src="$klog, outside the scenarios"
	elif [[ -s $console ]]; then
		out=$("$REPO/tests/kernel-reports.sh" "$console")
		src=$console
	else
		continue
	fi
	n=$(grep -c '^kernel report at ' <<<"$out")
	if ((n > 0)); then
		echo "run-debug: $n kernel report(s) in $src:"
		echo "${out//kernel report at stdin:/kernel report at line }"
		[[ -s $results/kmemleak-end.log ]] && echo "run-debug: what kmemleak found at the end: $results/kmemleak-end.log"
		reports=$((reports + n))
	fi
done
if ((reports == 0)); then
	echo "run-debug: no kernel report outside the scenarios"
else
	rc=1
fi
echo "integration-debug: $passed passed, $((failed + reports)) failed"
exit "$rc"
