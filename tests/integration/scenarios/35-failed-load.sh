#!/usr/bin/env bash
# A table whose first resume cannot read the remap table. Device-mapper
# makes the new table live before its preresume, so after the failed resume
# messages reach an instance with an empty or half-filled table: every
# message that changes something (remap, unremap, commit, set, clear_stats,
# scrub start) is refused with a log line, nothing is written, and once the
# fault is gone a plain `dmsetup resume` loads the table with every remap
# and every byte as before. Meanwhile status (and `dmremap status`) says
# metadata_state `unloaded` rather than claim an empty table. Two faults:
# (1) table block 0 of both copies unreadable (a dm `error` segment under
# the spare), and (2) a load that fails half-way (a second entry for
# block 3 in both copies), then repaired. (3) As (2) in copy 0, with copy
# 1's superblock destroyed: the failed load, which judged copy 1 bad,
# leaves no degraded state behind (health 100, ok, no reason), and the
# load after the repair finds copy 1 bad again and the next commit heals
# it.
# timeout: 300
source "$(dirname "$0")/../lib.sh"
source "$REPO/tests/integration/remap-lib.sh"

TOOLS=$REPO/tests/integration/tools
main=$(mk_loop 64M main)
sl=$(mk_loop 16M spare)
S=$(blockdev --getsz "$sl")
T=60
dm_create sp "0 $S linear $sl 0"
remap_create r0 "$main" /dev/mapper/sp
table=$(dmsetup table r0)
read -r c1 _ _ _ <<<"$(python3 "$TOOLS/spare_edit.py" /dev/mapper/sp geometry)"

dd if=/dev/urandom of=/dev/mapper/r0 bs=1M count=64 oflag=direct status=none
dmsetup message r0 0 remap 3 5 9 >/dev/null
before_list=$(dmsetup message r0 0 list)
before_sha=$(sha /dev/mapper/r0)
spare_sha() { python3 "$TOOLS/spare_edit.py" "$sl" sha; }

spare_table() {
	timeout $T dmsetup reload sp <<<"$1" || die "reload of the spare table failed"
	timeout $T dmsetup resume sp || die "resume of the spare failed"
}
# table block 0 of copy 0 (sectors 8-15) and of copy 1 unreadable
t_bad=$(printf '%s\n' "0 8 linear $sl 0" "8 8 error" "16 $((c1 - 8)) linear $sl 16" \
	"$((c1 + 8)) 8 error" "$((c1 + 16)) $((S - c1 - 16)) linear $sl $((c1 + 16))")
t_linear="0 $S linear $sl 0"

# refused_while_unloaded WHAT: every changing message fails and logs why;
# the read-only ones still answer; the spare is not written
refused_while_unloaded() {
	local what=$1 m sha0 msg
	sha0=$(spare_sha)
	m=$(kernel_log_mark "$what")
	for msg in "remap 7" "unremap 3" "commit" "set read_retries 3" "clear_stats" "scrub start"; do
		# shellcheck disable=SC2086 # the message's words
		assert_fails timeout $T dmsetup message r0 0 $msg
		((ASSERT_STATUS != 124)) || die "$what: '$msg' hung"
	done
	for msg in remap unremap commit set clear_stats "scrub start"; do
		kernel_log_since_mark "$m" | grep -q "remap: $msg: the remap table is not loaded" ||
			die "$what: no log line for the refused '$msg'"
	done
	# status must not claim an empty table: it says the table is not loaded
	log "$what: status while not loaded: $(dmsetup status r0)"
	assert_eq unloaded "$(remap_status r0 metadata_state)" "$what: status metadata_state"
	dmsetup message r0 0 health | grep -qx "metadata_state=unloaded" ||
		die "$what: health does not say unloaded: $(dmsetup message r0 0 health)"
	assert_eq unloaded "$("$DMREMAP" status r0 --json | json 'd["metadata_state"]')" \
		"$what: dmremap status"
	dmsetup message r0 0 stats >/dev/null || die "$what: stats refused"
	dmsetup message r0 0 scrub status >/dev/null || die "$what: scrub status refused"
	assert_eq 0 "$(remap_status r0 auto_remaps)" "$what: auto_remaps"
	assert_eq "$sha0" "$(spare_sha)" "$what: spare changed while the table was not loaded"
}

log "1: both copies' table block 0 unreadable at reload"
timeout $T dmsetup reload r0 <<<"$table" || die "reload failed"
timeout $T dmsetup suspend r0 || die "suspend failed" # the old instance commits
spare_table "$t_bad"
m=$(kernel_log_mark unreadable)
assert_fails timeout $T dmsetup resume r0
((ASSERT_STATUS != 124)) || die "resume hung"
kernel_log_since_mark "$m" | grep -q "No consistent metadata copy" || die "load failure not logged"
refused_while_unloaded unreadable
assert_eq 0 "$(remap_status r0 remapped)" "nothing loaded"
spare_table "$t_linear"
timeout $T dmsetup resume r0 || die "resume failed once the spare reads again"
assert_eq "$before_list" "$(dmsetup message r0 0 list)" "remaps after the retried resume"
assert_eq ok "$(remap_status r0 metadata_state)" "metadata_state after the retried resume"
assert_eq "$before_sha" "$(sha /dev/mapper/r0)" "data after the retried resume"

log "2: a load that fails half-way (block 3 twice), then repaired"
# slots 0-2 hold blocks 3, 5, 9; slot 3 gets a second entry for block 3
timeout $T dmsetup reload r0 <<<"$table" || die "reload failed"
timeout $T dmsetup suspend r0 || die "suspend failed"
for c in 0 "$c1"; do
	python3 "$TOOLS/spare_edit.py" "$sl" entry $((c + 8)) 3 3 0
done
m=$(kernel_log_mark half)
assert_fails timeout $T dmsetup resume r0
kernel_log_since_mark "$m" | grep -q "metadata: block 3 cannot be loaded" || die "duplicate not logged"
refused_while_unloaded half-loaded
for c in 0 "$c1"; do
	python3 "$TOOLS/spare_edit.py" "$sl" entry $((c + 8)) 3 -1 0
done
m=$(kernel_log_mark repaired)
timeout $T dmsetup resume r0 ||
	die "resume failed after the repair: $(kernel_log_since_mark "$m" | grep remap)"
assert_eq "$before_list" "$(dmsetup message r0 0 list)" "remaps after the repaired load"
assert_eq 3 "$(remap_status r0 remapped)" "remapped after the repaired load"
assert_eq "$before_sha" "$(sha /dev/mapper/r0)" "data after the repaired load"

log "3: copy 0 fails half-way and copy 1's superblock is destroyed"
timeout $T dmsetup reload r0 <<<"$table" || die "reload failed"
timeout $T dmsetup suspend r0 || die "suspend failed"
python3 "$TOOLS/spare_edit.py" "$sl" random "$c1"
python3 "$TOOLS/spare_edit.py" "$sl" entry 8 3 3 0
m=$(kernel_log_mark degraded-half)
assert_fails timeout $T dmsetup resume r0
kernel_log_since_mark "$m" | grep -q "metadata copy 1 is bad or stale" || die "bad copy 1 not logged"
kernel_log_since_mark "$m" | grep -q "metadata: block 3 cannot be loaded" || die "duplicate not logged"
refused_while_unloaded degraded-half
assert_eq 100 "$(remap_status r0 health_score)" "health score while not loaded"
assert_eq ok "$(remap_status r0 health_state)" "health state while not loaded"
dmsetup message r0 0 health | grep -qx "reasons=none" ||
	die "the failed load left a reason behind: $(dmsetup message r0 0 health)"
python3 "$TOOLS/spare_edit.py" "$sl" entry 8 3 -1 0
timeout $T dmsetup resume r0 || die "resume failed after the repair of copy 0"
assert_eq degraded "$(remap_status r0 metadata_state)" "metadata_state with copy 1 bad"
dmsetup message r0 0 commit >/dev/null || die "commit with copy 1 bad"
assert_eq ok "$(remap_status r0 metadata_state)" "metadata_state after the commit healed copy 1"
assert_eq "$before_list" "$(dmsetup message r0 0 list)" "remaps after case 3"

log "loaded: the same messages work again"
dmsetup message r0 0 remap 7 >/dev/null || die "remap after the load"
dmsetup message r0 0 scrub start 1000 || die "scrub start after the load"
dmsetup message r0 0 scrub stop
dmsetup message r0 0 commit >/dev/null || die "commit after the load"
assert_eq 4 "$(remap_status r0 remapped)" "remapped at the end"
assert_eq "$before_sha" "$(sha /dev/mapper/r0)" "data at the end"
