#!/usr/bin/env bash
# dmremap events and status --watch: `events` in the background prints a
# line as a device is created, as remaps change its health (the kernel's
# event), as it is reloaded, renamed and removed (text and JSON Lines, a
# name followed through its rename); `status --watch` piped redraws after
# a remap, `--json` gives JSON Lines and exit 7 when the device goes away;
# --count, SIGTERM, a full disk and a closed pipe on stdout; usage errors.
# timeout: 600
source "$(dirname "$0")/../lib.sh"
source "$REPO/tests/integration/remap-lib.sh"

out=$SCENARIO_OUT
main=$(mk_loop 64M main)
spare=$(mk_loop 16M spare)
mark=$(kernel_log_mark)

# wait_for FILE REGEX WHAT -- until a line of FILE matches, at most 60 s.
wait_for() {
	local file=$1 regex=$2 what=$3 deadline=$((SECONDS + 60))
	until grep -qE -- "$regex" "$file" 2>/dev/null; do
		((SECONDS < deadline)) || die "no $what in ${file##*/} after 60 s; it has: $(cat "$file" 2>/dev/null)"
		sleep 0.1
	done
}

# wait_exit PID WHAT -- until the process ended, at most 60 s; sets
# EXIT_STATUS to its exit status.
wait_exit() {
	local pid=$1 what=$2 deadline=$((SECONDS + 60))
	while kill -0 "$pid" 2>/dev/null; do
		((SECONDS < deadline)) || die "$what still runs after 60 s"
		sleep 0.1
	done
	EXIT_STATUS=0
	wait "$pid" || EXIT_STATUS=$?
}

stamp='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z'

log "events of every device and of r0 (JSON), in the background"
"$DMREMAP" events >"$out/events.txt" 2>"$out/events.err" &
events_pid=$!
"$DMREMAP" events r0 --json >"$out/events-r0.json" 2>"$out/events-r0.err" &
json_pid=$!
wait_for "$out/events.err" "^dmremap: watching every dm-remap device$" "ready message"
wait_for "$out/events-r0.err" "^dmremap: watching 'r0'$" "ready message"

log "created"
"$DMREMAP" create r0 "$main" "$spare"
kname=$(dm_kname r0)
# the created line has the six fields, or, if its status was read before
# the first resume loaded the table, only metadata_state=unloaded and the
# next line (the resume's event) has them
wait_for "$out/events.txt" \
	"^$stamp r0 $kname created event_nr=[0-9]+ (remapped=0 spare_free=[0-9]+ lost_sectors=0 metadata_state=ok health_score=100 health_state=ok|metadata_state=unloaded)$" \
	"created line"
wait_for "$out/events.txt" \
	"^$stamp r0 $kname (created|event) event_nr=[0-9]+ remapped=0 spare_free=[0-9]+ lost_sectors=0 metadata_state=ok health_score=100 health_state=ok$" \
	"line with the loaded status"

log "status --watch, piped: a redraw after remaps"
"$DMREMAP" status r0 --watch --count 1 >"$out/watch.txt" 2>"$out/watch.err" &
watch_pid=$!
"$DMREMAP" status r0 --watch --json >"$out/watch.json" 2>"$out/watch-json.err" &
watch_json_pid=$!
wait_for "$out/watch.txt" "^health_state +ok$" "first status"
wait_for "$out/watch.json" '"health_state":"ok"' "first JSON status"
# The 16th remapped block takes the score below 80 (remapped_blocks costs
# 5 + 5 * log2(16) = 25): health warning, an event the kernel raises.
# shellcheck disable=SC2046 # the block numbers are words
"$DMREMAP" remap r0 $(seq 100 115) >/dev/null
wait_exit "$watch_pid" "status --watch --count 1"
assert_eq 0 "$EXIT_STATUS" "status --watch --count 1 exit status"
cat "$out/watch.txt"
# two statuses, a blank line between them, nothing else
assert_eq 2 "$(grep -c '^name  *r0$' "$out/watch.txt")" "statuses shown"
assert_eq 1 "$(grep -c '^$' "$out/watch.txt")" "blank lines"
! grep -q $'\x1b' "$out/watch.txt" || die "escape codes in a pipe"
second=$(sed -n '/^$/,$p' "$out/watch.txt")
assert_contains "$second" "health_state    warning" "redrawn with the new state"
assert_contains "$second" "remapped        16" "redrawn with the remaps"
assert_eq "$("$DMREMAP" status r0)" "$(tail -n +2 <<<"$second")" "the redraw is what status prints"
wait_for "$out/events.txt" \
	"^$stamp r0 $kname event event_nr=[0-9]+ remapped=0->16 spare_free=[0-9]+->[0-9]+ health_score=100->75 health_state=ok->warning$" \
	"event line with the health change"

log "reloaded with another table line"
dmsetup reload r0 --table "$(remap_table "$main" "$spare" no_auto_remap)"
dmsetup resume r0
wait_for "$out/events.txt" "^$stamp r0 $kname reloaded event_nr=[0-9]+" "reloaded line"

log "renamed"
dmsetup rename r0 r1
wait_for "$out/events.txt" "^$stamp r1 $kname renamed event_nr=[0-9]+ previous_name=r0$" "renamed line"
wait_for "$out/watch.json" '"name":"r1"' "a redraw under the new name"

log "removed"
"$DMREMAP" remove r1
wait_for "$out/events.txt" "^$stamp r1 $kname removed event_nr=[0-9]+$" "removed line"
cat "$out/events.txt"

log "status --watch --json: JSON Lines, exit 7 when the device goes away"
wait_exit "$watch_json_pid" "status --watch --json"
assert_eq 7 "$EXIT_STATUS" "exit status after the removal"
assert_contains "$(cat "$out/watch-json.err")" \
	"dmremap: r1 ($kname) went away: removed, or its table no longer has a remap target" "message"
# shellcheck disable=SC2016 # python, not shell
check_json_lines='
import json, sys
docs = [json.loads(line) for line in open(sys.argv[1])]
assert all(list(d)[0] == "schema" and d["schema"] == 1 for d in docs), docs
print(" ".join(sys.argv[2:] and [str(eval(e, {"docs": docs})) for e in sys.argv[2:]]))
'
assert_eq "True r0 r1 ok warning" \
	"$(python3 -c "$check_json_lines" "$out/watch.json" 'len(docs) >= 3' 'docs[0]["name"]' 'docs[-1]["name"]' 'docs[0]["health_state"]' 'docs[-1]["health_state"]')" \
	"status --watch --json documents"

log "events r0 --json: the same device through its rename, until removed"
wait_for "$out/events-r0.json" '"kind":"removed"' "removed document"
cat "$out/events-r0.json"
assert_eq "created True reloaded renamed r0 r1 removed" \
	"$(python3 -c "$check_json_lines" "$out/events-r0.json" 'docs[0]["kind"]' \
		'any(d["kind"] == "event" and d["changes"].get("health_state") == {"from": "ok", "to": "warning"} for d in docs)' \
		'[d["kind"] for d in docs if d["kind"] == "reloaded"][0]' \
		'[d["kind"] for d in docs if d["kind"] == "renamed"][0]' \
		'[d["previous_name"] for d in docs if d["kind"] == "renamed"][0]' \
		'docs[-1]["name"]' 'docs[-1]["kind"]')" \
	"events r0 --json documents"
assert_eq "True" "$(python3 -c "$check_json_lines" "$out/events-r0.json" \
	'docs[0]["status"]["spare_total"] > 0 and docs[-1]["status"] is None and docs[0]["device"] == "'"$kname"'"')" \
	"status in the documents"

log "SIGTERM ends events with status 0"
kill -TERM "$events_pid" "$json_pid"
wait_exit "$events_pid" "events"
assert_eq 0 "$EXIT_STATUS" "events exit status on SIGTERM"
wait_exit "$json_pid" "events r0 --json"
assert_eq 0 "$EXIT_STATUS" "events r0 --json exit status on SIGTERM"

log "--count: a script waits for the next event of a device that does not exist yet"
"$DMREMAP" events r2 --count 1 >"$out/count.txt" 2>"$out/count.err" &
count_pid=$!
wait_for "$out/count.err" "^dmremap: watching 'r2'$" "ready message"
"$DMREMAP" create r2 "$main" "$spare"
wait_exit "$count_pid" "events r2 --count 1"
assert_eq 0 "$EXIT_STATUS" "events --count exit status"
assert_eq 1 "$(wc -l <"$out/count.txt")" "one line"
assert_contains "$(cat "$out/count.txt")" " r2 $(dm_kname r2) created " "the line"

log "stdout that cannot be written: a full disk, a closed pipe"
"$DMREMAP" events >/dev/full 2>"$out/full.err" &
full_pid=$!
{
	rc=0
	"$DMREMAP" events --json 2>"$out/pipe.err" || rc=$?
	echo "$rc" >"$out/pipe.rc"
} | true &
wait_for "$out/full.err" "^dmremap: watching" "ready message"
wait_for "$out/pipe.err" "^dmremap: watching" "ready message"
"$DMREMAP" remove r2
wait_exit "$full_pid" "events >/dev/full"
assert_eq 1 "$EXIT_STATUS" "exit status on a full disk"
assert_contains "$(cat "$out/full.err")" "dmremap: cannot write the output: No space left on device" "message"
wait_for "$out/pipe.rc" "^1$" "exit status 1 on a closed pipe"
assert_contains "$(cat "$out/pipe.err")" "dmremap: cannot write the output: Broken pipe" "message"

log "errors"
assert_fails "$DMREMAP" status nosuch --watch
assert_eq 1 "$ASSERT_STATUS" "no such device"
assert_contains "$ASSERT_STDERR" "dmremap: open nosuch: no such device-mapper device" "message"
for args in "status r0 --count 2" "events --count 0" "events a b"; do
	# shellcheck disable=SC2086 # the words are the arguments
	assert_fails "$DMREMAP" $args
	assert_eq 2 "$ASSERT_STATUS" "exit status of: $args"
done

assert_kernel_log_clean "$mark"
