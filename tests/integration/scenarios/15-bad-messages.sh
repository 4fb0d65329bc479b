#!/usr/bin/env bash
# Every bad message fails with an error and a kernel log line saying why,
# and changes nothing.
source "$(dirname "$0")/../lib.sh"
source "$REPO/tests/integration/remap-lib.sh"

main=$(mk_loop 64M main)
spare=$(mk_loop 16M spare)
remap_create r0 "$main" "$spare"
dmsetup message r0 0 remap 1 2 3 >/dev/null
blocks=$(remap_stat r0 blocks)

state() { echo "$(dmsetup status r0) | $(dmsetup message r0 0 list) | $(dmsetup table r0)"; }

expect_rejected() {
	local reason=$1 before mark
	shift
	before=$(state)
	mark=$(kernel_log_mark)
	assert_fails dmsetup message r0 0 "$@"
	kernel_log_since_mark "$mark" | grep -qF "$reason" ||
		die "kernel log lacks '$reason' for message: $*"
	assert_eq "$before" "$(state)" "state after message: $*"
}

expect_rejected "unknown message 'frobnicate'" frobnicate
expect_rejected "remap takes 1 to 1024 block numbers" remap
expect_rejected "invalid block number 'x'" remap x
expect_rejected "invalid block number '12abc'" remap 12abc
expect_rejected "invalid block number '+5'" remap +5
expect_rejected "invalid block number '+5'" unremap +5
expect_rejected "beyond the device" remap "$blocks"
expect_rejected "beyond the device" remap 5 "$blocks"
expect_rejected "invalid block number '18446744073709551616'" remap 18446744073709551616
expect_rejected "unremap: block is not remapped" unremap 7
expect_rejected "unremap: block is not remapped" unremap 1 7
expect_rejected "unremap takes 1 to 512 block numbers" unremap
expect_rejected "list takes at most" list 0 10 20
expect_rejected "list: invalid start block" list abc
expect_rejected "list: invalid start block" list +0
expect_rejected "list: invalid count" list 0 +10
expect_rejected "list: invalid count" list 0 many
expect_rejected "stats takes no arguments" stats now
expect_rejected "commit takes no arguments" commit 1
expect_rejected "set takes" set read_retries
expect_rejected "set read_retries" set read_retries 17
expect_rejected "set auto_remap" set auto_remap maybe
expect_rejected "set: unknown tunable" set colour blue
for rate in 0 10001 +5 5x; do
	expect_rejected "scrub start takes an optional rate" scrub start "$rate"
done
# a batch is all or nothing
expect_rejected "beyond the device" remap 10 11 "$blocks"
assert_eq "" "$(dmsetup message r0 0 list 10 2)" "nothing of the failed batch remapped"

# good messages still work afterwards
dmsetup message r0 0 set read_retries 0
dmsetup message r0 0 set auto_remap off
assert_contains "$(dmsetup table r0)" "no_auto_remap read_retries 0" "set applied"
assert_eq "1 2 3" "$(dmsetup message r0 0 list | cut -d' ' -f1 | xargs)" "list"
assert_eq "2 1 -" "$(dmsetup message r0 0 list 2 1)" "list start count"
# A reply with no line is empty whatever the message's sector: DM hands
# back its buffer, which held the sector's bytes, up to the first NUL.
assert_eq "" "$(dmsetup message r0 5 list 1000000 | od -An -c | tr -d ' ')" "an empty list reply at sector 5"
assert_contains "$(dmsetup message r0 0 commit)" "seq=" "commit reply"

# The set message and the sysfs files share one parser: each spelling is
# taken by both, with the same result, or refused by both.
dir=/sys/kernel/dm_remap/$(dm_kname r0)
try_both() {
	local name=$1 value=$2 baseline=$3 want=$4 by_msg by_sysfs
	dmsetup message r0 0 set "$name" "$baseline"
	if dmsetup message r0 0 set "$name" "$value" 2>/dev/null; then
		by_msg=$(<"$dir/$name")
	else
		by_msg=refused
	fi
	dmsetup message r0 0 set "$name" "$baseline"
	if printf '%s\n' "$value" 2>/dev/null >"$dir/$name"; then
		by_sysfs=$(<"$dir/$name")
	else
		by_sysfs=refused
	fi
	assert_eq "$want" "$by_msg" "set $name '$value' by message"
	assert_eq "$want" "$by_sysfs" "$name '$value' written to sysfs"
}
for t in 0:0 16:16 7:7 +3:refused 17:refused 5x:refused 0x10:refused \
	4294967312:refused on:refused; do
	try_both read_retries "${t%%:*}" 2 "${t#*:}"
done
for t in on:on off:off ON:on Off:off 1:on 0:off y:on n:off Y:on N:off \
	yes:on no:off t:on f:off true:on FALSE:off maybe:refused yikes:refused \
	onn:refused o:refused 2:refused falsehood:refused; do
	try_both auto_remap "${t%%:*}" off "${t#*:}"
	try_both auto_remap "${t%%:*}" on "${t#*:}"
done
