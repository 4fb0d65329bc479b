#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Benchmark, not a test: dmremapd's cost and latency.
#   - idle CPU (over 10 s) and RSS with 1 and with 100 devices,
#   - the time of a scrape of /metrics with 100 devices,
#   - the delay from a change in the kernel to the new value at /metrics:
#     a remap message, and a device created (found through the event).
# Run in the VM:  tests/integration/vm/run-in-vm.sh -- tests/bench/daemon.sh
# Prints figures; fails only if the setup itself fails.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
SCENARIO_NAME=bench-daemon
source "$REPO/tests/integration/lib.sh"
source "$REPO/tests/integration/remap-lib.sh"
source "$REPO/tests/integration/daemon-lib.sh"

hz=$(getconf CLK_TCK)
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$DAEMON_PID/stat"; }
rss_kib() { awk '/^VmRSS/ { print $2 }' "/proc/$DAEMON_PID/status"; }

# idle_figures LABEL -- CPU over 10 idle seconds and RSS.
idle_figures() {
	local t0 t1
	t0=$(cpu_ticks)
	sleep 10
	t1=$(cpu_ticks)
	local cpu
	cpu=$(awk -v d=$((t1 - t0)) -v hz="$hz" 'BEGIN { printf "%.2f", d / hz / 10 * 100 }')
	echo "$1 devices: idle CPU $cpu%, RSS $(rss_kib) KiB"
	echo "figure: daemon.idle_cpu_percent.$1dev $cpu percent lower"
	echo "figure: daemon.rss.$1dev $(($(rss_kib) * 1024)) bytes lower"
}

# shows KEY -- whether one scrape (curl, not the scenario helper `metric`:
# bash reads a socket a byte at a time, seconds for 100 devices) has the
# exact series line KEY (read whole: grep -q closing the pipe early would
# fail curl, and the pipeline with it).
shows() {
	local out
	out=$(curl -sf --max-time 10 "http://127.0.0.1:$DAEMON_PORT/metrics") || return 1
	[[ $'\n'$out$'\n' == *$'\n'"$1"$'\n'* ]]
}

# Main and spare of each device are linear slices of two loop files.
mains=$(mk_loop 1224M mains)
spares=$(mk_loop 500M spares)
slice_main=$((12 * 2048))  # 12 MiB
slice_spare=$((4 * 2048))  # 4 MiB
make_device() {
	local i=$1
	dm_create "bm$i" "0 $slice_main linear $mains $((i * slice_main))"
	dm_create "bs$i" "0 $slice_spare linear $spares $((i * slice_spare))"
	remap_create "b$i" "/dev/mapper/bm$i" "/dev/mapper/bs$i"
}

make_device 0
daemon_start --rescan-interval 60s
wait_until 5 metric_is 1 dmremap_up b0
sleep 2
idle_figures 1

for i in $(seq 1 99); do make_device "$i"; done
wait_until 30 shows 'dmremap_up{device="'"$(dm_kname b99)"'",name="b99"} 1'
sleep 2
idle_figures 100

total=0
for _ in $(seq 20); do
	t=$(curl -sf -o /dev/null -w '%{time_total}' "http://127.0.0.1:$DAEMON_PORT/metrics")
	total=$(awk -v a="$total" -v b="$t" 'BEGIN { print a + b }')
done
ms=$(awk -v t="$total" 'BEGIN { printf "%.1f", t / 20 * 1000 }')
echo "100 devices: scrape $ms ms on average over 20, $(scrape | wc -c) bytes"
echo "figure: daemon.scrape_ms.100dev $ms ms lower"
echo "100 devices: RSS after the scrapes $(rss_kib) KiB"

# delay: remap message returns -> first scrape showing it
want='dmremap_remapped_blocks{device="'"$(dm_kname b0)"'",name="b0"} 1'
start=${EPOCHREALTIME/./}
dmsetup message b0 0 remap 5 >/dev/null
until shows "$want"; do :; done
ms=$(((${EPOCHREALTIME/./} - start) / 1000))
echo "remap message to /metrics: $ms ms (scrapes of 100 devices included)"
echo "figure: daemon.remap_to_metrics_ms $ms ms lower"

# delay: device created -> listed at /metrics (through the event watch)
dm_create "bm100" "0 $slice_main linear $mains $((100 * slice_main))"
dm_create "bs100" "0 $slice_spare linear $spares $((100 * slice_spare))"
start=${EPOCHREALTIME/./}
remap_create b100 /dev/mapper/bm100 /dev/mapper/bs100
created=${EPOCHREALTIME/./}
want='dmremap_up{device="'"$(dm_kname b100)"'",name="b100"} 1'
until shows "$want"; do :; done
ms=$(((${EPOCHREALTIME/./} - created) / 1000))
echo "device created to /metrics: $ms ms after dmsetup create returned, naming it included ($(((created - start) / 1000)) ms for the create)"
echo "figure: daemon.create_to_metrics_ms $ms ms lower"
