/* SPDX-License-Identifier: GPL-2.0-only WITH Linux-syscall-note */
/*
 * dm-remap: what the kernel target and the userspace tools share.
 *
 * The on-disk format of the metadata on the spare device, and the names of
 * the target's messages. All on-disk integers are little-endian; every
 * structure has a fixed size and explicit padding so that C and C++ see the
 * same layout. docs/on-disk-format.md describes it byte by byte.
 */
#ifndef _UAPI_DM_REMAP_H
#define _UAPI_DM_REMAP_H

#include <linux/types.h>

#define DM_REMAP_TARGET_NAME		"remap"
#define DM_REMAP_V4_TARGET_NAME		"dm-remap-v4"

/*
 * Spare device layout (sectors of 512 bytes):
 *
 *   [copy 0][ spare pool: pool_blocks blocks of block_size ][copy 1]
 *
 * Each metadata copy is one superblock followed by the remap table; the two
 * copies sit at opposite ends of the spare device so that one failing area
 * of the medium cannot take both. The pool never overlaps either copy.
 */
#define DM_REMAP_MAGIC			0x504d5244U	/* "DRMP" */
#define DM_REMAP_TABLE_MAGIC		0x4c424154U	/* "TABL" */
#define DM_REMAP_FORMAT_VERSION		1U
#define DM_REMAP_META_BLOCK_SIZE	4096U
#define DM_REMAP_META_BLOCK_SECTORS	(DM_REMAP_META_BLOCK_SIZE >> 9)
#define DM_REMAP_NR_COPIES		2U

#define DM_REMAP_MIN_BLOCK_SIZE		512U
#define DM_REMAP_MAX_BLOCK_SIZE		65536U
#define DM_REMAP_DEFAULT_BLOCK_SIZE	4096U
#define DM_REMAP_MAX_SECTORS_PER_BLOCK	(DM_REMAP_MAX_BLOCK_SIZE >> 9)

/*
 * The superblock: the first metadata block of each copy. Every metadata
 * block starts with crc: the standard CRC-32C (Castagnoli; initial value and
 * final XOR 0xffffffff, i.e. ~crc32c(~0, ...) in the kernel) of bytes 4..4095
 * of the block.
 */
struct dm_remap_disk_superblock {
	__le32 crc;
	__le32 magic;			/* DM_REMAP_MAGIC */
	__le32 version;			/* DM_REMAP_FORMAT_VERSION */
	__le32 copy;			/* 0 or 1: which copy this is */
	__le64 seq;			/* commit sequence of this copy */
	__u8   uuid[16];		/* made at format time, same in both copies */
	__le32 block_size;		/* bytes, the remap unit */
	__le32 meta_block_size;		/* DM_REMAP_META_BLOCK_SIZE */
	__le64 main_sectors;		/* target length it was formatted for */
	__le64 spare_sectors;		/* spare device size at format time */
	__le64 copy_offset[DM_REMAP_NR_COPIES];	/* sector of each copy */
	__le64 copy_sectors;		/* length of one copy, sectors */
	__le64 table_blocks;		/* table blocks in each copy */
	__le64 pool_offset;		/* sector of spare block 0 */
	__le64 pool_blocks;		/* blocks in the spare pool */
	__le64 table_used;		/* table slots below this may be in use */
	__le64 nr_remaps;		/* entries in use, for cross-checking */
	__le64 format_time;		/* seconds since the epoch */
	__le64 commit_time;		/* seconds since the epoch */
	__u8   pad[DM_REMAP_META_BLOCK_SIZE - 144];
};

/*
 * The remap table is an array indexed by spare block: entry i says which
 * block of the target lives on spare block i. Adding or removing a remap
 * rewrites the one table block holding its entry, whatever the table's size.
 */
#define DM_REMAP_ENTRY_FREE		(~0ULL)

/* Entry flags. */
#define DM_REMAP_ENTRY_LOST		(1U << 0)	/* lost[] has bits set */
#define DM_REMAP_ENTRY_AUTO		(1U << 1)	/* made on an I/O error */
#define DM_REMAP_ENTRY_KNOWN_FLAGS	(DM_REMAP_ENTRY_LOST | DM_REMAP_ENTRY_AUTO)

struct dm_remap_disk_entry {
	__le64 block;			/* target block, or DM_REMAP_ENTRY_FREE */
	__le32 flags;
	__le32 reserved;		/* zero */
	/* one bit per 512-byte sector of the block whose data is lost */
	__le64 lost[DM_REMAP_MAX_SECTORS_PER_BLOCK / 64];
};

struct dm_remap_disk_table_header {
	__le32 crc;			/* CRC32C of bytes 4..4095 */
	__le32 magic;			/* DM_REMAP_TABLE_MAGIC */
	__le64 seq;			/* commit that last wrote this block */
	__le64 index;			/* position of this block in the table */
	__le32 copy;			/* 0 or 1 */
	__le32 reserved;		/* zero */
};

#define DM_REMAP_ENTRIES_PER_BLOCK					\
	((DM_REMAP_META_BLOCK_SIZE - sizeof(struct dm_remap_disk_table_header)) / \
	 sizeof(struct dm_remap_disk_entry))

struct dm_remap_disk_table_block {
	struct dm_remap_disk_table_header header;
	struct dm_remap_disk_entry entries[127];
};

/* Message names. */
#define DM_REMAP_MSG_REMAP		"remap"
#define DM_REMAP_MSG_UNREMAP		"unremap"
#define DM_REMAP_MSG_LIST		"list"
#define DM_REMAP_MSG_STATS		"stats"
#define DM_REMAP_MSG_HEALTH		"health"
#define DM_REMAP_MSG_COMMIT		"commit"
#define DM_REMAP_MSG_SCRUB		"scrub"
#define DM_REMAP_MSG_CLEAR_STATS	"clear_stats"
#define DM_REMAP_MSG_SET		"set"

/* Flags letters in the reply to "list". */
#define DM_REMAP_LIST_FLAG_MOVING	'M'	/* data being copied right now */
#define DM_REMAP_LIST_FLAG_LOST		'L'	/* some sectors lost */
#define DM_REMAP_LIST_FLAG_AUTO		'A'	/* made on an I/O error */
#define DM_REMAP_LIST_FLAG_UNCERTAIN	'U'	/* its move's commit failed: I/O fails */

#define DM_REMAP_LIST_DEFAULT_COUNT	1000U

#endif /* _UAPI_DM_REMAP_H */
