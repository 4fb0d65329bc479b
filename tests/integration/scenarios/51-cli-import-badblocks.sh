#!/usr/bin/env bash
# dmremap import-badblocks: the output of e2fsprogs' badblocks run on a disk
# with medium errors maps to exactly the blocks that hold them (the kernel
# then refuses to move their unreadable data, and the CLI says so); LBA lists
# (--lba, from stdin); --dry-run remaps nothing; a list with a bad line
# remaps nothing and names the line; a list of more than 1024 blocks goes in
# several messages. Also: create --dry-run, remap/unremap --json, list -o.
# timeout: 900
source "$(dirname "$0")/../lib.sh"
source "$REPO/tests/integration/remap-lib.sh"

# LBAs 8006-8009: sectors 6-7 of 4 KiB block 1000 and 0-1 of block 1001
main=$(mk_scsi_debug 64 8006 4)
spare=$(mk_loop 16M spare)
mark=$(kernel_log_mark)

log "badblocks on the disk, before the target holds it"
badblocks -b 1024 -o "$SCENARIO_OUT/bb.txt" "$main" || true
cat "$SCENARIO_OUT/bb.txt"
# badblocks reads through the page cache, 4 KiB at a time: it reports every
# 1 KiB block of the two pages that hold the bad LBAs (8000-8015)
assert_eq "4000 4001 4002 4003 4004 4005 4006 4007" "$(paste -sd' ' "$SCENARIO_OUT/bb.txt")" \
	"badblocks found the medium errors"

log "create --dry-run prints the table line and loads nothing"
line=$("$DMREMAP" create r0 "$main" "$spare" --dry-run --read-retries 0)
majmin() { lsblk -dno MAJ:MIN "$1" | tr -d ' '; }
assert_eq "0 131072 remap $(majmin "$main") $(majmin "$spare") 2 read_retries 0" "$line" "dry-run line"
assert_fails dmsetup info r0
"$DMREMAP" create r0 "$main" "$spare" --read-retries 0
assert_eq "$line" "$(dmsetup table r0)" "the table loaded is the one printed"

log "badblocks output"
assert_eq "1000
1001" "$("$DMREMAP" import-badblocks r0 "$SCENARIO_OUT/bb.txt" --dry-run)" "dry-run blocks"
assert_eq 0 "$(remap_status r0 remapped)" "dry-run remapped nothing"
# a manual remap copies the block's data, which these blocks do not give:
# the kernel refuses the whole message, and the CLI says so
assert_fails "$DMREMAP" import-badblocks r0 "$SCENARIO_OUT/bb.txt"
assert_eq 1 "$ASSERT_STATUS" "exit status of an import the kernel refused"
assert_contains "$ASSERT_STDERR" "0 blocks remapped, 2 not:" "refusal reported"
printf '400\n401\n404\n' >"$SCENARIO_OUT/good.txt"
assert_eq "100 0
101 1" "$("$DMREMAP" import-badblocks r0 "$SCENARIO_OUT/good.txt")" "imported"
assert_eq "100 0 -
101 1 -" "$(remap_list r0)" "remaps"

log "LBA list on stdin, with comments; JSON"
doc=$(printf '# from the kernel log\n16000\n\n16007\n24576\n' | "$DMREMAP" import-badblocks r0 - --lba --json)
echo "$doc"
assert_eq "['schema', 'name', 'device', 'input_block_size', 'listed', 'dry_run', 'blocks', 'failed', 'errors']" "$(json 'list(d)' <<<"$doc")" "keys"
assert_eq "512 3 [2000, 3072] []" "$(json '"%d %d %s %s" % (d["input_block_size"], d["listed"], [b["block"] for b in d["blocks"]], d["errors"])' <<<"$doc")" "LBAs mapped"

log "a bad list remaps nothing"
before=$(remap_status r0 remapped)
printf '100\n101x\n200\n99999999\n' >"$SCENARIO_OUT/bad.txt"
assert_fails "$DMREMAP" import-badblocks r0 "$SCENARIO_OUT/bad.txt"
assert_eq 1 "$ASSERT_STATUS" "exit status"
assert_contains "$ASSERT_STDERR" "bad.txt line 2: '101x': expected a number, got '101x'" "bad line named"
assert_contains "$ASSERT_STDERR" "line 4: '99999999': beyond the end of the device (65536 blocks of 1024 bytes)" "out of range named"
assert_contains "$ASSERT_STDERR" "nothing remapped: 2 lines are not a block of the device" "summary"
assert_eq "" "$ASSERT_STDOUT" "nothing printed"
assert_eq "$before" "$(remap_status r0 remapped)" "nothing remapped"
assert_fails "$DMREMAP" import-badblocks r0 "$SCENARIO_OUT/no-such-file"
assert_contains "$ASSERT_STDERR" "No such file or directory" "missing file"
assert_fails "$DMREMAP" import-badblocks r0 "$SCENARIO_OUT/bb.txt" --lba --input-block-size 4096
assert_eq 2 "$ASSERT_STATUS" "--lba with --input-block-size"

log "more than 1024 blocks"
before=$(remap_status r0 remapped)
seq 20000 4 32000 >"$SCENARIO_OUT/many.txt" # 3001 1-KiB blocks, each its own 4-KiB block
"$DMREMAP" import-badblocks r0 "$SCENARIO_OUT/many.txt" >"$SCENARIO_OUT/many.out"
assert_eq 3001 "$(wc -l <"$SCENARIO_OUT/many.out")" "every block remapped"
assert_eq "$((before + 3001))" "$(remap_status r0 remapped)" "remapped count"

log "remap and unremap --json have one shape"
r=$("$DMREMAP" remap r0 10 99999 --json || true)
u=$("$DMREMAP" unremap r0 10 11 --json || true)
echo "$r"
echo "$u"
assert_eq "['schema', 'name', 'device', 'blocks', 'failed']" "$(json 'list(d)' <<<"$r")" "remap keys"
assert_eq "['schema', 'name', 'device', 'blocks', 'failed']" "$(json 'list(d)' <<<"$u")" "unremap keys"
spare10=$(json 'd["blocks"][0]["spare_block"]' <<<"$r")
assert_eq "$spare10" "$(json 'd["blocks"][0]["spare_block"]' <<<"$u")" "unremap names the spare block it freed"
assert_eq "99999 11" "$(json 'd["failed"][0]["block"]' <<<"$r") $(json 'd["failed"][0]["block"]' <<<"$u")" "failures listed"

log "list columns"
assert_eq "r0 $(remap_status r0 remapped) $(remap_status r0 lost_sectors)" \
	"$("$DMREMAP" list -o NAME,remapped,LOST_SECTORS --noheadings --raw)" "list -o raw"
"$DMREMAP" list -o +READ_ERRORS | tee "$SCENARIO_OUT/list.txt"
assert_contains "$(head -1 "$SCENARIO_OUT/list.txt")" "HEALTH_STATE READ_ERRORS" "+ adds a column"
assert_fails "$DMREMAP" list -o NAME,SIZE
assert_eq 2 "$ASSERT_STATUS" "unknown column"
assert_contains "$ASSERT_STDERR" "unknown column 'SIZE'" "unknown column named"

"$DMREMAP" remove r0
assert_kernel_log_clean "$mark"
