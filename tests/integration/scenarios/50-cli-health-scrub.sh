#!/usr/bin/env bash
# dmremap health and scrub: the score, state and reasons with their figures
# (text and JSON) before and after a scrub finds bad sectors; scrub start
# with a rate, status with percent done and time left (from the rate and
# measured), stop; usage errors.
# timeout: 900
source "$(dirname "$0")/../lib.sh"
source "$REPO/tests/integration/remap-lib.sh"


# LBAs 8006-8009: sectors 6-7 of block 1000 and 0-1 of block 1001
main=$(mk_scsi_debug 64 8006 4)
spare=$(mk_loop 16M spare)
mark=$(kernel_log_mark)
"$DMREMAP" create r0 "$main" "$spare"

log "health of a new device"
out=$("$DMREMAP" health r0)
echo "$out"
assert_contains "$out" "score                     100" "score"
assert_contains "$out" "state                     ok" "state"
assert_contains "$out" "reasons                   none" "no reasons"
doc=$("$DMREMAP" health r0 --json)
assert_eq "['schema', 'name', 'device', 'score', 'state']" "$(json 'list(d)[:5]' <<<"$doc")" "first keys"
assert_eq "1 100 ok [] None" "$(json '"%s %s %s %s %s" % (d["schema"], d["score"], d["state"], d["reasons"], d["spare_exhaustion_seconds"])' <<<"$doc")" "json"

log "scrub: slow, stopped half way"
out=$("$DMREMAP" scrub r0 status)
assert_contains "$out" "state      idle" "idle at first"
assert_contains "$out" "time_left  none (idle)" "no estimate when idle"
"$DMREMAP" scrub r0 start --rate 1
sleep 2
doc=$("$DMREMAP" scrub r0 status --json)
echo "$doc"
assert_eq running "$(json 'd["state"]' <<<"$doc")" "running"
assert_eq 16384 "$(json 'd["blocks"]' <<<"$doc")" "blocks"
assert_eq rate "$(json 'd["estimate"]' <<<"$doc")" "estimate basis"
# at 1 MiB/s the rest takes (blocks left) * 4096 / 2^20 s, rounded up
assert_eq True "$(json 'd["seconds_left"] == -(-(d["blocks"] - d["position"]) * 4096 // 1048576)' <<<"$doc")" "time left from the rate"
assert_eq True "$(json '0 < d["percent_done"] < 100' <<<"$doc")" "percent done"
doc=$("$DMREMAP" scrub r0 status --json --measure 2)
echo "$doc"
assert_eq measured "$(json 'd["estimate"]' <<<"$doc")" "measured estimate"
assert_eq True "$(json 'd["seconds_left"] > 0 and d["measured_seconds"] >= 2' <<<"$doc")" "measured time left"
"$DMREMAP" scrub r0 stop
doc=$("$DMREMAP" scrub r0 status --json)
assert_eq "idle None" "$(json '"%s %s" % (d["state"], d["seconds_left"])' <<<"$doc")" "stopped"
position=$(json 'd["position"]' <<<"$doc")
((position > 0)) || die "the scrub did not move"

log "scrub: a whole pass finds the bad blocks"
"$DMREMAP" scrub r0 start --rate 1000
for _ in $(seq 300); do
	[[ $(dmsetup message r0 0 scrub status) == state=idle* ]] && break
	sleep 0.2
done
out=$("$DMREMAP" scrub r0 status)
echo "$out"
assert_contains "$out" "found      2" "blocks found"
assert_contains "$out" "passes     1" "one pass"
assert_contains "$out" "position   0 of 16384 blocks (0.0%)" "back at the start"

log "health after the scrub"
out=$("$DMREMAP" health r0)
echo "$out"
assert_contains "$out" "state                     warning" "warning with lost sectors"
assert_contains "$out" "lost_sectors              4" "lost sectors"
assert_contains "$out" "  -10  remapped_blocks  2 blocks remapped" "remapped reason"
assert_contains "$out" "  -31  lost_sectors     4 sectors lost" "lost reason"
doc=$("$DMREMAP" health r0 --json)
kernel=$(dmsetup message r0 0 health)
assert_eq "$(sed -n 's/^score=\([0-9]*\) .*/\1/p' <<<"$kernel")" "$(json 'd["score"]' <<<"$doc")" "score as the kernel's"
assert_eq "$(sed -n 's/^reasons=//p' <<<"$kernel")" "$(json '",".join(r["reason"] for r in d["reasons"])' <<<"$doc")" "reasons as the kernel's"
assert_eq "lost_sectors 4 31" "$(json '["%s %s %s" % (r["figure"], r["value"], r["penalty"]) for r in d["reasons"] if r["reason"] == "lost_sectors"][0]' <<<"$doc")" "lost_sectors figure"
# the penalties add up to the score
assert_eq True "$(json 'd["score"] == 100 - sum(r["penalty"] for r in d["reasons"])' <<<"$doc")" "penalties explain the score"

log "usage errors"
for args in "scrub r0 stop --rate 5" "scrub r0 start --json" "scrub r0 pause" "scrub r0 start --rate 0" "health"; do
	# shellcheck disable=SC2086 # the words are the arguments
	assert_fails "$DMREMAP" $args
	assert_eq 2 "$ASSERT_STATUS" "exit status of: $args"
done
assert_fails "$DMREMAP" health nosuch
assert_eq 1 "$ASSERT_STATUS" "no such device"
assert_contains "$ASSERT_STDERR" "dmremap: " "message prefix"

"$DMREMAP" remove r0
assert_kernel_log_clean "$mark"
