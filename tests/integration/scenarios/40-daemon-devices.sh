#!/usr/bin/env bash
# dmremapd follows dm-remap devices as they are created, renamed, reloaded,
# removed and created again under the same name; a manual remap shows at
# /metrics within 1 s; SIGTERM stops it within 1 s; a port in use is a
# clear error with exit status 1.
# timeout: 300
source "$(dirname "$0")/../lib.sh"
source "$REPO/tests/integration/remap-lib.sh"
source "$REPO/tests/integration/daemon-lib.sh"

alerts=/tmp/alerts
mkdir -p "$alerts"
cat >/tmp/alert.sh <<'SCRIPT'
#!/bin/sh
env | grep '^DMREMAP_' | sort >"/tmp/alerts/$DMREMAP_EVENT.$DMREMAP_NAME"
echo "alerted $DMREMAP_EVENT"
SCRIPT
chmod +x /tmp/alert.sh

main=$(mk_loop 64M main)
spare=$(mk_loop 16M spare)
dm_create linear0 "0 1024 linear $main 0"   # not a remap device: ignored

DAEMON_CONFIG=/tmp/dmremapd.conf
echo "alert-command = /tmp/alert.sh" >"$DAEMON_CONFIG"
daemon_start
out=$(scrape)
assert_contains "$out" 'dmremapd_build_info{version="' "build info"
[[ $out != *dmremap_up* ]] || die "a device reported before any exists: $out"

log "created"
remap_create r0 "$main" "$spare"
wait_until 1 metric_is 1 dmremap_up r0 || die "r0 not followed within 1 s"
kname=$(dm_kname r0)
assert_contains "$(scrape)" "dmremap_device_info{device=\"$kname\",name=\"r0\"" "device label"
assert_eq 0 "$(metric dmremap_remapped_blocks r0)" "no remaps yet"

log "manual remap"
dmsetup message r0 0 remap 100 >/dev/null
wait_until 1 metric_is 1 dmremap_remapped_blocks r0 || die "remap not visible within 1 s"
assert_eq 1 "$(($(metric dmremap_spare_blocks r0) - $(metric dmremap_spare_free_blocks r0)))" "one spare block used"

log "renamed"
dmsetup rename r0 r0b
echo r0b >>"$_LIB_STATE/dms"
wait_until 1 metric_is 1 dmremap_up r0b || die "rename not followed within 1 s"
series_absent r0 || die "old name still exported: $(scrape)"
assert_eq 1 "$(metric dmremap_remapped_blocks r0b)" "remaps after the rename"

log "reloaded with another table line"
dmsetup reload r0b <<<"$(remap_table "$main" "$spare" no_auto_remap)"
dmsetup resume r0b
wait_until 1 grep -q "new table for r0b" "$DAEMON_LOG" || die "reload not seen: $(cat "$DAEMON_LOG")"
assert_eq 1 "$(metric dmremap_up r0b)" "followed after the reload"

log "removed"
dm_remove r0b
wait_until 1 series_absent r0b || die "removed device still exported"
wait_until 5 test -f "$alerts/device_gone.r0b" || die "no device_gone alert; log: $(cat "$DAEMON_LOG")"
assert_contains "$(cat "$alerts/device_gone.r0b")" "DMREMAP_DEVICE=$kname" "alert names dm-N"
assert_contains "$(cat "$alerts/device_gone.r0b")" "DMREMAP_CURRENT=gone" "alert current"

log "created again under the same name"
remap_create r0b "$main" "$spare"
wait_until 1 metric_is 1 dmremap_up r0b || die "device back under its name not followed"
assert_eq 1 "$(metric dmremap_remapped_blocks r0b)" "its remaps, from the spare's metadata"

log "SIGHUP: a bad config file is refused, a good one applied"
echo "alert-reminder = weekly" >>"$DAEMON_CONFIG"
kill -HUP "$DAEMON_PID"
wait_until 5 grep -q "dmremapd.conf:2: alert-reminder: 'weekly' is not one of once, daily, diminishing; keeping the previous configuration" "$DAEMON_LOG" ||
	die "bad config on SIGHUP not logged: $(cat "$DAEMON_LOG")"
echo "alert-command = /tmp/alert.sh" >"$DAEMON_CONFIG"
echo "alert-reminder = daily" >>"$DAEMON_CONFIG"
kill -HUP "$DAEMON_PID"
wait_until 5 grep -q "configuration reloaded" "$DAEMON_LOG" || die "SIGHUP not applied"
daemon_healthy || die "not answering after SIGHUP"

log "a second daemon on the same port"
rc=0
"$DMREMAPD" --listen "127.0.0.1:$DAEMON_PORT" --config /dev/null --state-file /tmp/x.state 2>/tmp/second.err || rc=$?
assert_eq 1 "$rc" "exit status for a port in use"
assert_contains "$(cat /tmp/second.err)" "cannot listen on 127.0.0.1:$DAEMON_PORT: Address already in use" "message"

log "SIGTERM"
kill -TERM "$DAEMON_PID"
wait_until 1 daemon_exited || die "still running 1 s after SIGTERM"
wait "$DAEMON_PID" || die "exit status $? after SIGTERM"
grep -q "stopping on SIGTERM" "$DAEMON_LOG" || die "no stop line in the log"
grep -q "following r0 ($kname)" "$DAEMON_LOG" || die "no following line"
grep -q "no longer following r0b" "$DAEMON_LOG" || die "no gone line"
grep -q "alert command for device_gone r0b: exit status 0; output: alerted device_gone" "$DAEMON_LOG" ||
	die "alert result not logged: $(cat "$DAEMON_LOG")"
