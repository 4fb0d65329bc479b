#!/usr/bin/env bash
# Every bad table line is refused with a message naming what is wrong, and
# nothing is written to either device.
source "$(dirname "$0")/../lib.sh"
source "$REPO/tests/integration/remap-lib.sh"

main=$(mk_loop 16M main)
spare=$(mk_loop 16M spare)
tiny=$(mk_loop 16K tiny)
dd if=/dev/urandom of="$main" bs=1M count=1 status=none
size=$(blockdev --getsz "$main")

# The devices' checksums as the last check found them; emptied where the
# scenario writes a device itself, so that the next check takes them anew.
# (A sum of 16 MiB takes a while under TCG: each refusal takes two, not four.)
main_sum='' spare_sum=''

# expect_refused REASON TABLE: the load fails, the kernel says REASON, and
# neither device changed.
expect_refused() {
	local reason=$1 table=$2 mark
	[[ -n $main_sum ]] || main_sum=$(sha "$main")
	[[ -n $spare_sum ]] || spare_sum=$(sha "$spare")
	mark=$(kernel_log_mark)
	assert_fails dmsetup create bad --table "$table"
	kernel_log_since_mark "$mark" | grep -qF "$reason" ||
		die "kernel log lacks '$reason' for: $table; log: $(kernel_log_since_mark "$mark")"
	assert_eq "$main_sum" "$(sha "$main")" "main unchanged by: $table"
	assert_eq "$spare_sum" "$(sha "$spare")" "spare unchanged by: $table"
	! dmsetup info bad >/dev/null 2>&1 || die "device 'bad' exists after a refused load"
}

expect_refused "Invalid argument count" "0 $size remap $main"
expect_refused "Invalid number of feature arguments" "0 $size remap $main $spare 6 a b c d e f"
expect_refused "Invalid block_size: must be a power of two" "0 $size remap $main $spare 2 block_size 1000"
expect_refused "Invalid block_size: must be a power of two" "0 $size remap $main $spare 2 block_size 256"
expect_refused "Invalid block_size: must be a power of two" "0 $size remap $main $spare 2 block_size 131072"
expect_refused "Invalid block_size: not a number" "0 $size remap $main $spare 2 block_size 4k"
expect_refused "Invalid block_size: not a number" "0 $size remap $main $spare 2 block_size +4096"
expect_refused "Invalid read_retries" "0 $size remap $main $spare 2 read_retries 17"
expect_refused "Invalid read_retries" "0 $size remap $main $spare 2 read_retries x"
# numbers past 2^32 are refused, not taken modulo 2^32 (4294967297 as 1)
expect_refused "Invalid read_retries" "0 $size remap $main $spare 2 read_retries 4294967297"
expect_refused "Invalid read_retries" "0 $size remap $main $spare 2 read_retries +1"
expect_refused "Invalid number of feature arguments" "0 $size remap $main $spare 4294967297 no_auto_remap"
expect_refused "Unknown or incomplete feature argument" "0 $size remap $main $spare 1 sparkle"
expect_refused "Unknown or incomplete feature argument" "0 $size remap $main $spare 1 block_size"
expect_refused "Invalid number of feature arguments" "0 $size remap $main $spare 2 no_auto_remap"
expect_refused "Too many arguments" "0 $size remap $main $spare 1 no_auto_remap extra"
expect_refused "not a multiple of block_size" "0 $((size - 1)) remap $main $spare"
expect_refused "exceeds the main device" "0 $((size + 8)) remap $main $spare"
expect_refused "Main and spare must be different devices" "0 $size remap $main $main"
expect_refused "Cannot open the spare device" "0 $size remap $main /dev/nonexistent"
expect_refused "Spare device too small" "0 $size remap $main $tiny"

# a spare holding unknown data is never formatted over
dd if=/dev/urandom of="$spare" bs=4k count=1 status=none
spare_sum=''
expect_refused "Spare device holds unknown data" "0 $size remap $main $spare"
# one non-zero byte is enough
dd if=/dev/zero of="$spare" bs=4k count=1 status=none
printf 'x' | dd of="$spare" bs=1 seek=4000 conv=notrunc status=none
spare_sum=''
expect_refused "Spare device holds unknown data" "0 $size remap $main $spare"
dd if=/dev/zero of="$spare" bs=4k count=1 status=none

# a spare formatted for another block size or main size is refused
remap_create fmt "$main" "$spare" block_size 8192
dmsetup message fmt 0 remap 3 >/dev/null
dm_remove fmt
main_sum='' spare_sum=''
expect_refused "formatted with another block_size" "0 $size remap $main $spare"
expect_refused "formatted with another block_size" "0 $size remap $main $spare 2 block_size 65536"
expect_refused "formatted for a main device of another size" \
	"0 $((size - 16)) remap $main $spare 2 block_size 8192"
# with copy 0 zeroed, copy 1 still tells the truth: refused, not formatted
dd if=/dev/zero of="$spare" bs=4k count=1 conv=notrunc status=none
spare_sum=''
expect_refused "formatted with another block_size" "0 $size remap $main $spare"
remap_create ok "$main" "$spare" block_size 8192
assert_eq 1 "$(remap_status ok remapped)" "remap survived on copy 1"
assert_eq degraded "$(remap_status ok metadata_state)" "copy 0 lost"
dmsetup message ok 0 commit >/dev/null
assert_eq ok "$(remap_status ok metadata_state)" "commit healed copy 0"
dm_remove ok

# two remap devices never share a main or a spare device
main2=$(mk_loop 64M main2)
spare2=$(mk_loop 16M spare2)
remap_create one "$main2" "$spare2"
expect_refused_busy() {
	local mark
	mark=$(kernel_log_mark)
	assert_fails dmsetup create two --table "$1"
	kernel_log_since_mark "$mark" | grep -qF "Device is used by another remap device" ||
		die "no refusal for: $1"
}
expect_refused_busy "0 $size remap $main $spare2"
expect_refused_busy "0 131072 remap $main2 $spare"
expect_refused_busy "0 $(blockdev --getsz "$spare2") remap $spare2 $spare"
# its own reload may hold them twice for a moment
dmsetup reload one <<<"$(dmsetup table one)"
dmsetup resume one
dm_remove one
