#!/usr/bin/env bash
# A full spare pool: remap fails with a clear error, nothing half-done, the
# device keeps working and removes cleanly.
source "$(dirname "$0")/../lib.sh"
source "$REPO/tests/integration/remap-lib.sh"

main=$(mk_loop 64M main)
spare=$(mk_loop 1M spare)
remap_create r0 "$main" "$spare"
total=$(remap_status r0 spare_total)
log "spare pool of $total blocks"
mapfile -t blocks < <(seq 100 $((100 + total - 1)))
dmsetup message r0 0 remap "${blocks[@]}" >/dev/null
assert_eq 0 "$(remap_status r0 spare_free)" "spare_free"
mark=$(kernel_log_mark)
assert_fails dmsetup message r0 0 remap 5
kernel_log_since_mark "$mark" | grep -q "spare pool is full" || die "no 'spare pool is full' line"
# a batch that does not fit changes nothing
dmsetup message r0 0 unremap 100 101 >/dev/null
assert_fails dmsetup message r0 0 remap 1 2 3
assert_eq 2 "$(remap_status r0 spare_free)" "failed batch freed its blocks"
assert_eq "102 2 -" "$(dmsetup message r0 0 list 0 1)" "failed batch left no remap below block 100"
fio_verify /dev/mapper/r0 --size=100%
assert_kernel_log_clean "$mark"
