#!/usr/bin/env bash
# Manual remaps of 1, 100 and 25,000 blocks: fio verify stays clean, each
# remapped block's data is on the spare at the reported spare block, and the
# remaps and data survive remove and create.
# timeout: 1500
source "$(dirname "$0")/../lib.sh"
source "$REPO/tests/integration/remap-lib.sh"

main=$(mk_loop 512M main)
spare=$(mk_loop 512M spare)
remap_create r0 "$main" "$spare"
fio_verify /dev/mapper/r0 --rw=write --bs=64k --size=100% --do_verify=0
nr_blocks=$(remap_stat r0 blocks)

for n in 1 100 25000; do
	log "remapping $n more blocks"
	before=$(remap_status r0 remapped)
	mapfile -t blocks < <(shuf -i "0-$((nr_blocks - 1))" -n "$n")
	start=$EPOCHREALTIME
	remap_blocks r0 "${blocks[@]}"
	log "$n remaps in $(awk -v a="$EPOCHREALTIME" -v b="$start" 'BEGIN{printf "%.2f", a-b}') s"
	after=$(remap_status r0 remapped)
	(( after > before )) || die "remapped did not grow: $before -> $after"
	# remap is idempotent: the same block gives the same spare block
	first=$(dmsetup message r0 0 remap "${blocks[0]}")
	assert_eq "$first" "$(dmsetup message r0 0 remap "${blocks[0]}")" "remap twice"
	fio_verify /dev/mapper/r0 --rw=write --bs=64k --size=100% --verify_only
	spare_data_check r0 "$spare"
done
assert_eq "$(remap_status r0 remapped)" "$(remap_list r0 | wc -l)" "list length"
list_before=$(remap_list r0 | sha256sum)

# list is ascending and paging returns each remap once
remap_list r0 | cut -d' ' -f1 | sort -n -c || die "list is not ascending"

# unremap a few: data back on the main device
mapfile -t some < <(remap_list r0 | shuf -n 50 | cut -d' ' -f1)
dmsetup message r0 0 unremap "${some[@]}" >/dev/null
assert_eq 0 "$(dmsetup message r0 0 list | grep -c "^${some[0]} " || true)" "unremapped block gone from list"
fio_verify /dev/mapper/r0 --rw=write --bs=64k --size=100% --verify_only
list_before=$(remap_list r0 | sha256sum)

log "remove and create again"
table=$(dmsetup table r0)
dm_remove r0
dm_create r0 "$(remap_table "$main" "$spare")"
assert_eq "$list_before" "$(remap_list r0 | sha256sum)" "remaps after create"
fio_verify /dev/mapper/r0 --rw=write --bs=64k --size=100% --verify_only
spare_data_check r0 "$spare"
log "stats: $(remap_stat r0 bytes_per_remap) bytes per remap, $(remap_stat r0 hash_buckets) buckets"
