#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Side by side, not a test: runs a benchmark script with two builds of
# dm-remap.ko alternately, in one VM, so that the host's noise falls on
# both alike. Each round loads A, runs the script, then B, then runs it
# again; every "figure:" line is printed with the build's label.
# Run in the VM:
#   tests/integration/vm/run-in-vm.sh -- tests/bench/ab.sh A.ko B.ko ROUNDS SCRIPT [ARGS...]
# e.g. A.ko built from the last commit (git worktree + make module), B.ko
# from the working tree. Then compare the figures of each label, e.g. the
# medians.
set -euo pipefail
(($# >= 4)) || { echo "usage: $0 A.ko B.ko ROUNDS SCRIPT [ARGS...]" >&2; exit 2; }
a=$1 b=$2 rounds=$3 script=$4
shift 4
for ko in "$a" "$b"; do
	[[ -f $ko ]] || { echo "ab: no module $ko" >&2; exit 2; }
done

# what dm-remap needs (dm-bufio, ...) from the module installed in the VM
modprobe dm_remap
rmmod dm_remap
load() {
	if grep -q '^dm_remap ' /proc/modules; then rmmod dm_remap; fi
	insmod "$1"
}

for ((round = 1; round <= rounds; round++)); do
	for label in A B; do
		ko=$a
		[[ $label == B ]] && ko=$b
		load "$ko"
		echo "ab: round $round, $label ($ko)"
		"$script" "$@" | sed -u "s/^figure: /figure: $label /"
	done
done
rmmod dm_remap
