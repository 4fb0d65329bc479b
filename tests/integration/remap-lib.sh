# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# tests/integration/remap-lib.sh -- dm-remap helpers for scenarios, on top
# of lib.sh. Source after lib.sh.

# The status fields, in order (after the target name): the 12 of the
# contract, then those appended since.
REMAP_STATUS_FIELDS=(block_size remapped spare_total spare_free read_errors
	write_errors auto_remaps lost_sectors metadata_seq metadata_state
	health_score health_state outage_errors)

modprobe dm_remap

# remap_table MAIN SPARE [FEATURE_ARGS...] -- a table line over all of MAIN.
remap_table() {
	local main=$1 spare=$2 size
	shift 2
	size=$(blockdev --getsz "$main")
	if (($#)); then
		echo "0 $size remap $main $spare $# $*"
	else
		echo "0 $size remap $main $spare"
	fi
}

# remap_create NAME MAIN SPARE [FEATURE_ARGS...]
remap_create() {
	local name=$1
	shift
	dm_create "$name" "$(remap_table "$@")"
}

# remap_status NAME FIELD -- one status field by its contract name.
remap_status() {
	local name=$1 field=$2 i
	local -a st
	read -r -a st <<<"$(dmsetup status "$name")"
	for i in "${!REMAP_STATUS_FIELDS[@]}"; do
		if [[ ${REMAP_STATUS_FIELDS[i]} == "$field" ]]; then
			echo "${st[i + 3]}"
			return
		fi
	done
	die "no status field $field"
}

# remap_stat NAME KEY -- one key=value of the stats message.
remap_stat() {
	dmsetup message "$1" 0 stats | sed -n "s/^$2=//p"
}

# remap_blocks NAME BLOCK... -- remap blocks, in messages of at most 1000.
remap_blocks() {
	local name=$1
	shift
	while (($#)); do
		local n=$(($# < 1000 ? $# : 1000))
		dmsetup message "$name" 0 remap "${@:1:n}" >/dev/null
		shift "$n"
	done
}

# The CLI as built.
# shellcheck disable=SC2034 # used by the scenarios that source this
DMREMAP=$REPO/build/bin/dmremap

# json EXPR -- print a Python expression over the JSON document on stdin,
# which it names d:  json 'd["state"]' <<<"$doc"
json() {
	python3 -c "import json, sys; d = json.load(sys.stdin); print($1)"
}

# remap_list NAME -- every remap, "<block> <spare_block> <flags>" lines: the
# CLI pages through the list message.
remap_list() {
	"$REPO/build/bin/dmremap" remaps "$1"
}

# spare_data_check NAME SPARE -- each remapped block's data (read through
# the target) is on the spare device at its reported spare block.
spare_data_check() {
	local name=$1 spare=$2
	remap_list "$name" | python3 "$REPO/tests/integration/tools/check_spare_data.py" \
		"/dev/mapper/$name" "$spare" "$(remap_stat "$name" block_size)" \
		"$(remap_stat "$name" pool_offset)"
}

# fio_verify DEV [FIO_ARGS...] -- write DEV with crc32c verify headers and
# read everything back; fails on any verify error.
fio_verify() {
	local dev=$1
	shift
	fio --name=verify --filename="$dev" --direct=1 --ioengine=libaio \
		--iodepth=16 --rw=randwrite --bs=4k --verify=crc32c \
		--verify_fatal=1 --randrepeat=0 --norandommap=0 \
		--output="$SCENARIO_OUT/fio-$RANDOM.log" "$@" ||
		die "fio verify failed on $dev"
}

# sha DEV_OR_FILE -- checksum of the whole device or file.
sha() {
	sha256sum "$1" | cut -d' ' -f1
}

# dm_kname NAME -- the kernel's name of the device (dm-N). /dev/mapper/NAME
# is a node, not a link, when libdevmapper made it without udev.
dm_kname() {
	dmsetup info -c --noheadings -o blkdevname "$1"
}

# mk_scsi_debug SIZE_MB BAD_LBA BAD_COUNT [SECTOR_SIZE] -- a SCSI disk
# (logical blocks of SECTOR_SIZE bytes, default 512) whose reads of
# BAD_COUNT logical blocks from BAD_LBA fail with a real medium error
# (writes succeed); prints its /dev node. Unloaded at cleanup.
mk_scsi_debug() {
	local dev
	modprobe scsi_debug dev_size_mb="$1" opts=2 medium_error_start="$2" \
		medium_error_count="$3" sector_size="${4:-512}"
	at_cleanup "rmmod scsi_debug"
	udevadm settle 2>/dev/null || true
	for _ in $(seq 50); do
		dev=$(ls /sys/bus/pseudo/drivers/scsi_debug/adapter*/host*/target*/*/block/ 2>/dev/null | head -n1)
		[[ -n $dev && -b /dev/$dev ]] && break
		sleep 0.1
	done
	[[ -b /dev/$dev ]] || die "scsi_debug disk did not appear"
	echo "/dev/$dev"
}

# mk_null_blk NAME SIZE_MB [ATTR=VALUE...] -- a memory-backed null_blk disk
# /dev/NAME whose bad sectors (null_bad) fail reads and writes; removed at
# cleanup. ATTR=VALUE sets more configfs attributes first (e.g. discard=1).
mk_null_blk() {
	local name=$1 dir=/sys/kernel/config/nullb/$1 a
	modprobe null_blk nr_devices=0
	mountpoint -q /sys/kernel/config || mount -t configfs none /sys/kernel/config
	mkdir "$dir"
	echo "$2" >"$dir/size"
	echo 1 >"$dir/memory_backed"
	echo 512 >"$dir/blocksize"
	for a in "${@:3}"; do echo "${a#*=}" >"$dir/${a%%=*}"; done
	echo 1 >"$dir/power"
	at_cleanup "echo 0 > $dir/power; rmdir $dir"
	udevadm settle 2>/dev/null || true
	[[ -b /dev/$name ]] || die "/dev/$name did not appear"
	echo "/dev/$name"
}

# null_bad NAME RANGE -- make sectors bad (+first-last) or good (-first-last).
null_bad() {
	echo "$2" >"/sys/kernel/config/nullb/$1/badblocks"
}

# bad_sector_table DEV SECTOR -- a dm table over all of DEV whose sector
# SECTOR is a one-sector `error` segment (a truly bad sector), the rest
# linear.
bad_sector_table() {
	local dev=$1 s=$2 n
	n=$(blockdev --getsz "$dev")
	printf '%s\n' "0 $s linear $dev 0" "$s 1 error" "$((s + 1)) $((n - s - 1)) linear $dev $((s + 1))"
}

# dm_events NAME -- the device's event counter.
dm_events() {
	dmsetup info -c --noheadings -o events "$1" | tr -d ' '
}

# mk_slow_region NAME MAIN START LEN MS [FLUSH_MS] -- a dm device NAME over
# all of MAIN whose sectors START to START+LEN-1 are dm-delay (reads and
# writes MS ms late), the rest linear; prints /dev/mapper/NAME. Flushes
# reach every segment: dm-delay holds them FLUSH_MS (default MS) ms.
mk_slow_region() {
	local name=$1 main=$2 start=$3 len=$4 ms=$5 flush=${6:-$5} size end
	size=$(blockdev --getsz "$main")
	end=$((start + len))
	modprobe dm_delay
	dm_create "$name" "0 $start linear $main 0
$start $len delay $main $start $ms $main $start $ms $main $start $flush
$end $((size - end)) linear $main $end"
	echo "/dev/mapper/$name"
}

# inflight_reads NAME -- reads the dm device NAME has in flight.
inflight_reads() {
	local r _
	read -r r _ <"/sys/block/$(dm_kname "$1")/inflight"
	echo "$r"
}

# wait_inflight_read NAME -- until NAME has a read in flight (5 s at most).
wait_inflight_read() {
	for _ in $(seq 100); do
		(($(inflight_reads "$1") > 0)) && return
		sleep 0.05
	done
	die "no read in flight on $1"
}

# ms_since T0 -- milliseconds since T0, an $EPOCHREALTIME value.
ms_since() {
	echo $(((${EPOCHREALTIME/./} - ${1/./}) / 1000))
}
