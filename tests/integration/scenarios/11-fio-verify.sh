#!/usr/bin/env bash
# Data written through the target reads back, for block sizes 512, 4096 and
# 65536: fio crc32c verify over the whole device, before and after remaps.
# timeout: 900
source "$(dirname "$0")/../lib.sh"
source "$REPO/tests/integration/remap-lib.sh"

for bs in 512 4096 65536; do
	main=$(mk_loop 128M "main$bs")
	spare=$(mk_loop 32M "spare$bs")
	remap_create "r$bs" "$main" "$spare" block_size "$bs"
	log "block_size $bs: whole device, mixed I/O sizes"
	fio_verify "/dev/mapper/r$bs" --bsrange=512-128k --rw=randwrite --size=100%

	# blocks spread over the device, some adjacent, then verify again
	blocks=$(seq 3 97 $((128 * 1024 * 1024 / bs - 1)))
	# shellcheck disable=SC2086
	remap_blocks "r$bs" $blocks 10 11 12
	assert_ne 0 "$(remap_status "r$bs" remapped)" "remapped"
	fio_verify "/dev/mapper/r$bs" --bsrange=512-256k --rw=randrw --size=100%
	fio_verify "/dev/mapper/r$bs" --bs=1M --rw=write --size=100%
	spare_data_check "r$bs" "$spare"
	dm_remove "r$bs"
done
