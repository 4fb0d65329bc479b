#!/usr/bin/env bash
# dmremapd under real I/O errors (the dm `error` target under the main
# device): an automatic remap and lost sectors show at /metrics within 1 s,
# and the alert command gets the documented variables for the new lost
# sectors, the health change and --alert-test.
# timeout: 300
source "$(dirname "$0")/../lib.sh"
source "$REPO/tests/integration/remap-lib.sh"
source "$REPO/tests/integration/daemon-lib.sh"

mkdir -p /tmp/alerts
cat >/tmp/alert.sh <<'SCRIPT'
#!/bin/sh
env | grep '^DMREMAP_' | sort >"/tmp/alerts/$DMREMAP_EVENT.$DMREMAP_NAME"
SCRIPT
chmod +x /tmp/alert.sh

loop=$(mk_loop 64M main)
spare=$(mk_loop 16M spare)
size=$(blockdev --getsz "$loop")
dm_create faulty "0 $size linear $loop 0"
remap_create r0 /dev/mapper/faulty "$spare"
kname=$(dm_kname r0)

daemon_start --alert-command /tmp/alert.sh --alert-test
wait_until 5 test -f /tmp/alerts/test.r0 || die "no test alert; log: $(cat "$DAEMON_LOG")"
test_env=$(cat /tmp/alerts/test.r0)
for line in DMREMAP_EVENT=test "DMREMAP_DEVICE=$kname" DMREMAP_NAME=r0 DMREMAP_HEALTH_STATE=ok \
	DMREMAP_LOST_SECTORS=0 DMREMAP_SPARE_TOTAL= DMREMAP_BLOCK_SIZE=4096; do
	assert_contains "$test_env" "$line" "test alert variables"
done
assert_eq 0 "$(metric dmremap_auto_remaps_total r0)" "no auto remaps yet"

log "sectors 2048-2055 (block 256) and 20000-20003 (part of block 2500) fail"
dmsetup suspend faulty
dmsetup load faulty <<EOT
0 2048 linear $loop 0
2048 8 error
2056 17944 linear $loop 2056
20000 4 error
20004 $((size - 20004)) linear $loop 20004
EOT
dmsetup resume faulty

log "a write to block 256 fails on the main device: automatic remap"
dd if=/dev/urandom of=/dev/mapper/r0 bs=4096 seek=256 count=1 oflag=direct status=none
wait_until 1 metric_is 1 dmremap_auto_remaps_total r0 || die "auto remap not visible within 1 s: $(scrape)"
assert_eq 1 "$(metric dmremap_remapped_blocks r0)" "remapped blocks"
(($(metric dmremap_io_errors_total r0 ',op="write"') >= 1)) || die "write errors not counted"
assert_eq 0 "$(metric dmremap_lost_sectors r0)" "no lost sector for a write"

log "a read of block 2500 fails: 4 sectors lost"
dd if=/dev/mapper/r0 of=/dev/null bs=4096 skip=2500 count=1 iflag=direct status=none 2>/dev/null || true
wait_until 1 metric_is 4 dmremap_lost_sectors r0 || die "lost sectors not visible within 1 s: $(scrape)"
(($(metric dmremap_io_errors_total r0 ',op="read"') >= 1)) || die "read errors not counted"
assert_eq 1 "$(metric dmremap_health_state r0 ',state="warning"')" "health state set"
assert_eq 0 "$(metric dmremap_health_state r0 ',state="ok"')" "health state set, ok"

log "alerts for the lost sectors and the health change"
wait_until 5 test -f /tmp/alerts/lost_sectors.r0 || die "no lost_sectors alert; log: $(cat "$DAEMON_LOG")"
lost_env=$(cat /tmp/alerts/lost_sectors.r0)
for line in DMREMAP_EVENT=lost_sectors "DMREMAP_DEVICE=$kname" DMREMAP_NAME=r0 DMREMAP_PREVIOUS=0 \
	DMREMAP_CURRENT=4 DMREMAP_LOST_SECTORS=4 "DMREMAP_MESSAGE=4 new lost sectors" DMREMAP_REMINDER=0; do
	assert_contains "$lost_env" "$line" "lost_sectors alert variables"
done
wait_until 5 test -f /tmp/alerts/health_state.r0 || die "no health_state alert"
health_env=$(cat /tmp/alerts/health_state.r0)
for line in DMREMAP_EVENT=health_state DMREMAP_PREVIOUS=ok DMREMAP_CURRENT=warning \
	DMREMAP_HEALTH_STATE=warning "DMREMAP_MESSAGE=health state changed from ok to warning"; do
	assert_contains "$health_env" "$line" "health_state alert variables"
done
grep -q "alert lost_sectors r0 ($kname): 4 new lost sectors" "$DAEMON_LOG" || die "no alert log line"

log "the exposition passes promtool"
scrape >"$SCENARIO_OUT/metrics.prom"
promtool check metrics <"$SCENARIO_OUT/metrics.prom" || die "promtool check metrics failed"
