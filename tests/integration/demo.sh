#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The dm-remap demo (make demo runs it in the test VM): a remap device over
# loop files, bad sectors injected under it with the device-mapper `error`
# target, and what the target does about them.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
dmremap=$REPO/build/bin/dmremap
work=$(mktemp -d /tmp/dmremap-demo.XXXXXX)

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

daemon_pid=
cleanup() {
	set +e
	[[ -n $daemon_pid ]] && kill "$daemon_pid" 2>/dev/null && wait "$daemon_pid" 2>/dev/null
	dmsetup remove --retry demo 2>/dev/null
	dmsetup remove --retry faulty 2>/dev/null
	losetup -D
	rm -rf "$work"
}
trap cleanup EXIT

say "two loop files: a 128 MiB main disk and a 32 MiB spare"
truncate -s 128M "$work/main.img"
truncate -s 32M "$work/spare.img"
main=$(losetup -f --show "$work/main.img")
spare=$(losetup -f --show "$work/spare.img")
size=$(blockdev --getsz "$main")
# the main disk goes through a linear mapping we can later punch holes in
run dmsetup create faulty --table "0 $size linear $main 0"

say "a remap device over them (the blank spare is formatted)"
run modprobe dm_remap
run dmsetup create demo --table "0 $size remap /dev/mapper/faulty $spare"
run dmsetup status demo
run "$dmremap" status demo

say "dmremapd, the monitoring daemon, follows it and serves Prometheus metrics"
"$REPO/build/bin/dmremapd" --config /dev/null --state-file "$work/dmremapd.state" \
	--alert-command 'echo "ALERT $DMREMAP_EVENT $DMREMAP_NAME: $DMREMAP_MESSAGE" >&2' 2>"$work/dmremapd.log" &
daemon_pid=$!
for _ in $(seq 100); do
	curl -sf http://127.0.0.1:9748/healthz >/dev/null && break
	sleep 0.1
done
run curl -s http://127.0.0.1:9748/healthz

say "16 MiB of data written through it"
dd if=/dev/urandom of="$work/data" bs=1M count=16 status=none
run dd if="$work/data" of=/dev/mapper/demo bs=1M oflag=direct status=none
sum=$(sha256sum <"$work/data" | cut -c1-16)
echo "sha256 of the data: $sum..."

say "the disk goes bad: sectors 2048-2055 and 20000-20003 now fail"
table="0 2048 linear $main 0
2048 8 error
2056 17944 linear $main 2056
20000 4 error
20004 $((size - 20004)) linear $main 20004"
run dmsetup suspend faulty
dmsetup load faulty <<<"$table"
run dmsetup resume faulty

say "reading the data back: the unreadable sectors fail, and are marked lost"
dd if=/dev/mapper/demo of=/dev/null bs=64k count=256 iflag=direct conv=noerror status=none 2>&1 | head -3 || true
run dmsetup message demo 0 list
run dmsetup status demo
run dmsetup message demo 0 health
echo "(a lost sector reads as an error, never as other data, until it is written again)"

say "what a Prometheus scrape of dmremapd returns now"
echo '$ curl -s http://127.0.0.1:9748/metrics | grep -v "^#"'
curl -s http://127.0.0.1:9748/metrics | grep -v '^#'
say "and what dmremapd logged (an alert runs the --alert-command)"
cat "$work/dmremapd.log"

say "writing the data again: the bad blocks' writes land on spare blocks"
run dd if="$work/data" of=/dev/mapper/demo bs=1M oflag=direct status=none
run dmsetup status demo
now=$(dd if=/dev/mapper/demo bs=1M count=16 iflag=direct status=none | sha256sum | cut -c1-16)
echo "sha256 read back: $now... $([[ $now == "$sum" ]] && echo '(same data)' || echo '(DIFFERENT!)')"
[[ $now == "$sum" ]]

say "manual remaps: move block 3000, then back"
run dmsetup message demo 0 remap 3000
run "$dmremap" remaps demo
run dmsetup message demo 0 unremap 3000

say "the remaps are on the spare: remove and create again"
run dmsetup remove demo
run dmsetup create demo --table "0 $size remap /dev/mapper/faulty $spare"
run dmsetup message demo 0 list
run cat "/sys/kernel/dm_remap/$(dmsetup info -c --noheadings -o blkdevname demo)/health_state"
say "done"
