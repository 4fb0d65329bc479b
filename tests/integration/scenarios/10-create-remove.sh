#!/usr/bin/env bash
# Create and remove: status, table, deps, sysfs, the v4 name, module unload.
source "$(dirname "$0")/../lib.sh"
source "$REPO/tests/integration/remap-lib.sh"

main=$(mk_loop 64M main)
spare=$(mk_loop 16M spare)
mark=$(kernel_log_mark)

remap_create r0 "$main" "$spare"
read -r -a st <<<"$(dmsetup status r0)"
assert_eq 16 "${#st[@]}" "status has start, length, target, the 12 fields and outage_errors"
assert_eq 0 "${st[15]}" "outage_errors"
assert_eq remap "${st[2]}" "target name"
assert_eq "4096 0" "${st[3]} ${st[4]}" "block_size and remapped"
assert_eq "0 0 0 0 ok 100 ok" "${st[*]:7:4} ${st[*]:12:3}" "counters, metadata and health"
assert_ne 0 "${st[5]}" "spare_total"
assert_eq "${st[5]}" "${st[6]}" "spare_free equals spare_total"
kernel_log_since_mark "$mark" | grep -q "formatted spare device" || die "no format log line"

# table prints major:minor and loads again as it is
table=$(dmsetup table r0)
main_mm=$(lsblk -dno MAJ:MIN "$main" | tr -d ' ')
spare_mm=$(lsblk -dno MAJ:MIN "$spare" | tr -d ' ')
assert_eq "0 131072 remap $main_mm $spare_mm" "$table" "table line"
dmsetup deps r0 | grep -q "2 dependencies" || die "dmsetup deps: $(dmsetup deps r0)"
dmsetup reload r0 <<<"$table"
dmsetup resume r0
assert_eq "$table" "$(dmsetup table r0)" "table after reload"

# sysfs: one file per status field, same values as status
dm=$(dm_kname r0)
dir=/sys/kernel/dm_remap/$dm
[[ -d $dir ]] || die "$dir missing"
read -r -a st <<<"$(dmsetup status r0)"
for i in "${!REMAP_STATUS_FIELDS[@]}"; do
	assert_eq "${st[i + 3]}" "$(<"$dir/${REMAP_STATUS_FIELDS[i]}")" "sysfs ${REMAP_STATUS_FIELDS[i]}"
done
for f in hash_buckets hash_resizes metadata_commits read_retries auto_remap; do
	[[ -r $dir/$f ]] || die "sysfs $f missing"
done
assert_eq 2 "$(<"$dir/read_retries")" "read_retries default"
echo 5 >"$dir/read_retries"
assert_eq 5 "$(<"$dir/read_retries")" "read_retries written through sysfs"
assert_fails sh -c "echo 17 > $dir/read_retries"
echo off >"$dir/auto_remap"
assert_eq off "$(<"$dir/auto_remap")" "auto_remap written through sysfs"
assert_eq "0 131072 remap $main_mm $spare_mm 3 no_auto_remap read_retries 5" \
	"$(dmsetup table r0)" "table shows the changed tunables"

dm_remove r0
[[ ! -e $dir ]] || die "$dir left after remove"

# non-default feature args round-trip
remap_create r1 "$main" "$(mk_loop 16M spare2)" block_size 65536 no_auto_remap read_retries 0
assert_contains "$(dmsetup table r1)" "5 block_size 65536 no_auto_remap read_retries 0" "feature args"
assert_eq 65536 "$(remap_status r1 block_size)" "block_size 65536"
dm_remove r1

# the v4 compatibility name: two arguments, every default
dm_create r4 "0 131072 dm-remap-v4 $main $spare"
assert_eq 4096 "$(remap_status r4 block_size)" "v4 block_size"
dmsetup message r4 0 set auto_remap off
dmsetup reload r4 <<<"$(dmsetup table r4)"
dmsetup resume r4
assert_contains "$(dmsetup table r4)" "1 no_auto_remap" "v4 table with a tunable reloads"
dm_remove r4

assert_kernel_log_clean "$mark"
rmmod dm_remap || die "module does not unload after remove"
modprobe dm_remap
