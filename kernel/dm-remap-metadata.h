/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Persistent metadata on the spare device. Opaque to the target: it sees
 * entries (which block lives on which spare block), commits and a state.
 */
#ifndef DM_REMAP_METADATA_H
#define DM_REMAP_METADATA_H

#include <linux/blkdev.h>
#include <linux/list.h>
#include <linux/types.h>

#include "../include/uapi/dm-remap.h"

enum remap_metadata_state {
	REMAP_METADATA_OK,
	REMAP_METADATA_DEGRADED,	/* a copy is bad; the other is good */
	REMAP_METADATA_FAILED,		/* cannot persist anything new */
};

struct remap_metadata_entry {
	u64 block;
	u32 flags;			/* DM_REMAP_ENTRY_* */
	u64 lost[DM_REMAP_MAX_SECTORS_PER_BLOCK / 64];
};

struct remap_metadata;

/*
 * Changes the error path may stage at once when memory is short: one per
 * redoer that stages (the error workers, whose heals stage too, and the
 * scrub), and more.
 */
#define REMAP_CHANGE_RESERVE	24

typedef int (*remap_metadata_entry_fn)(void *context, u32 spare,
				       const struct remap_metadata_entry *e);

struct remap_metadata *remap_metadata_open(struct block_device *spare,
					   u64 main_sectors, u32 block_size,
					   char **error);
void remap_metadata_close(struct remap_metadata *md);

int remap_metadata_load(struct remap_metadata *md, remap_metadata_entry_fn fn,
			void *context, char **error);

/* Changes of one move, staged together or not at all. */
struct remap_metadata_batch {
	struct list_head changes;
	u64 used;			/* table slots the changes need */
	unsigned int n;
};

void remap_metadata_batch_init(struct remap_metadata_batch *b);
int remap_metadata_batch_add(struct remap_metadata *md,
			     struct remap_metadata_batch *b, u32 spare,
			     const struct remap_metadata_entry *e, bool reserve);
void remap_metadata_batch_abort(struct remap_metadata_batch *b);
int remap_metadata_stage(struct remap_metadata *md,
			 struct remap_metadata_batch *b, u64 *ticket);
u64 remap_metadata_staged(struct remap_metadata *md);
u64 remap_metadata_ticket(struct remap_metadata *md);
int remap_metadata_commit(struct remap_metadata *md, u64 ticket);

const u8 *remap_metadata_uuid(struct remap_metadata *md);
sector_t remap_metadata_pool_offset(struct remap_metadata *md);
u32 remap_metadata_pool_blocks(struct remap_metadata *md);
u64 remap_metadata_seq(struct remap_metadata *md);
u64 remap_metadata_nr_remaps(struct remap_metadata *md);
u64 remap_metadata_commits(struct remap_metadata *md);
enum remap_metadata_state remap_metadata_state(struct remap_metadata *md);
const char *remap_metadata_state_name(enum remap_metadata_state state);

/* The layout of a spare device, a pure function of its size and block size. */
struct remap_geometry {
	u64 copy_offset[DM_REMAP_NR_COPIES];
	u64 copy_sectors;
	u64 table_blocks;
	u64 pool_offset;
	u32 pool_blocks;
};

int remap_geometry_compute(struct remap_geometry *g, u64 spare_sectors,
			   u32 block_size);

#endif /* DM_REMAP_METADATA_H */
