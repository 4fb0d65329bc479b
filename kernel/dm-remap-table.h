/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The in-memory remap table: which target block lives on which spare block.
 *
 * Lookups are lock-free under rcu_read_lock(); changes are serialized by the
 * table's mutex and may sleep. A bitmap of coarse regions sits in front of
 * the hash (dm-remap-hash.c) so that a bio touching no remapped block costs
 * a few bit tests, whatever its size and the table's.
 */
#ifndef DM_REMAP_TABLE_H
#define DM_REMAP_TABLE_H

#include <linux/atomic.h>
#include <linux/mempool.h>
#include <linux/mutex.h>
#include <linux/types.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include "../include/uapi/dm-remap.h"
#include "dm-remap-hash.h"

/* Entry flags: the persistent ones share their bits with the on-disk entry. */
#define REMAP_F_LOST		DM_REMAP_ENTRY_LOST
#define REMAP_F_AUTO		DM_REMAP_ENTRY_AUTO
#define REMAP_F_PERSISTENT	DM_REMAP_ENTRY_KNOWN_FLAGS
/* The block's data is being moved: bios to it wait until the move ends. */
#define REMAP_F_MOVING		BIT(31)
/*
 * A commit that carried the block's move failed: the metadata on disk may
 * place it either way, so its I/O fails until a reload reads which.
 */
#define REMAP_F_UNCERTAIN	BIT(30)

/*
 * Entries each table keeps in reserve for the error path: at least one
 * per redoer that may move a block at once (REMAP_ERROR_WORKERS, 16, and
 * the scrub), so that each of them finds one when memory is short.
 */
#define REMAP_ENTRY_RESERVE	24

/* 16 bytes, REMAP_HASH_ENTRY_ALIGN-aligned: the hash holds its address. */
struct remap_entry {
	u64 block;
	u32 spare;
	u32 flags;	/* REMAP_F_*: read with READ_ONCE, changed under the mutex */
};

/* Sectors of a remapped block whose data is lost: reads of them fail. */
struct remap_lost {
	DECLARE_BITMAP(bits, DM_REMAP_MAX_SECTORS_PER_BLOCK);
	struct rcu_head rcu;
};

struct remap_table {
	struct remap_hash hash;
	struct xarray lost;		/* block -> struct remap_lost */
	atomic64_t lost_sectors;
	struct mutex lock;		/* serializes changes */
	mempool_t *reserve;		/* entries for the error path's moves */
	struct work_struct refill;	/* tops the reserve up again */
	unsigned long *regions;		/* bit set: region may hold a remap */
	unsigned long nr_regions;
	unsigned int region_shift;	/* log2 of blocks per region */
	u64 nr_blocks;
};

int remap_table_module_init(void);
void remap_table_module_exit(void);

int remap_table_init(struct remap_table *t, u64 nr_blocks);
void remap_table_destroy(struct remap_table *t);

struct remap_entry *remap_table_lookup(struct remap_table *t, u64 block);
struct remap_entry *remap_table_first_in_range(struct remap_table *t,
					       u64 first, u64 last);

struct remap_entry *remap_table_alloc_entry(struct remap_table *t, bool reserve);
void remap_table_free_entry(struct remap_table *t, struct remap_entry *e);
int remap_table_insert_entry(struct remap_table *t, struct remap_entry *e,
			     u64 block, u32 spare, u32 flags);
int remap_table_insert(struct remap_table *t, u64 block, u32 spare,
		       u32 flags, struct remap_entry **inserted);
void remap_table_set_flags(struct remap_table *t, struct remap_entry *e,
			   u32 set, u32 clear);
void remap_table_remove(struct remap_table *t, struct remap_entry *e);
void remap_table_free_removed(struct remap_table *t, struct remap_entry **removed,
			      unsigned int n);
void remap_table_clear(struct remap_table *t);
int remap_table_reserve(struct remap_table *t, unsigned long n);
void remap_table_trim(struct remap_table *t);

const unsigned long *remap_table_lost(struct remap_table *t, u64 block);
struct remap_lost *remap_table_alloc_lost(const unsigned long *bits);
void remap_table_free_lost(struct remap_lost *lost);
int remap_table_install_lost(struct remap_table *t, struct remap_entry *e,
			     struct remap_lost *new);
int remap_table_set_lost(struct remap_table *t, struct remap_entry *e,
			 const unsigned long *bits);
void remap_table_get_lost(struct remap_table *t, struct remap_entry *e,
			  u32 *flags, unsigned long *lost);
u64 remap_table_lost_sectors(struct remap_table *t);

unsigned int remap_table_count(struct remap_table *t);
unsigned int remap_table_buckets(struct remap_table *t);
unsigned int remap_table_resizes(struct remap_table *t);
u64 remap_table_memory(struct remap_table *t);

#endif /* DM_REMAP_TABLE_H */
