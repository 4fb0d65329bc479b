#!/usr/bin/env bash
# Spare pool exhaustion under write errors: remaps until the pool is full,
# then errors pass through to the caller; health critical/failed; an event;
# the kernel says so a few times, not once per bio; clean removal.
# timeout: 600
source "$(dirname "$0")/../lib.sh"
source "$REPO/tests/integration/remap-lib.sh"

nb=$(mk_null_blk nb24 64)
spare=$(mk_loop 512K spare)
mark=$(kernel_log_mark)
remap_create r0 "$nb" "$spare"
total=$(remap_status r0 spare_total)
log "spare pool of $total blocks"
events=$(dm_events r0)

# bad sectors in 2*total blocks: one bad sector at the start of each
first=10000
for ((b = first; b < first + 2 * total; b++)); do
	null_bad nb24 "+$((b * 8))-$((b * 8))"
done
failed=0
for ((b = first; b < first + 2 * total; b++)); do
	dd if=/dev/zero of=/dev/mapper/r0 bs=4k seek="$b" count=1 oflag=direct status=none 2>/dev/null ||
		failed=$((failed + 1))
done
log "$failed writes failed"
assert_eq "$total" "$failed" "writes beyond the pool's capacity fail"
assert_eq 0 "$(remap_status r0 spare_free)" "spare_free"
assert_eq "$total" "$(remap_status r0 auto_remaps)" "auto_remaps"
state=$(remap_status r0 health_state)
[[ $state == critical || $state == failed ]] || die "health_state is $state with a full pool"
(($(dm_events r0) > events)) || die "no device-mapper event"
lines=$(kernel_log_since_mark "$mark" | grep -c "spare pool is full" || true)
log "'spare pool is full' logged $lines times for $failed failed writes"
((lines >= 1 && lines < failed)) || die "pool-full message logged $lines times"
# what was remapped still reads
dd if=/dev/mapper/r0 of=/dev/null bs=4k skip="$first" count=1 iflag=direct status=none
dm_remove r0
assert_kernel_log_clean "$mark"
