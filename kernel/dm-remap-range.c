// SPDX-License-Identifier: GPL-2.0-only
/*
 * Block-range logic of the I/O path, kept free of bios so that it can be
 * tested on its own.
 */
#include "dm-remap-range.h"

/* A run of remapped blocks on consecutive spare blocks is one extent. */
static u64 run_end(struct remap_table *t, struct remap_entry *e, u64 last)
{
	struct remap_entry *next;
	u64 block = e->block;
	u32 spare = e->spare;

	while (block < last) {
		next = remap_table_lookup(t, block + 1);
		if (!next || next->spare != spare + 1 ||
		    (READ_ONCE(next->flags) & REMAP_F_MOVING))
			break;
		block++;
		spare++;
	}
	return block;
}

/*
 * Fills @x with the first part of [sector, sector + nr_sectors) that goes to
 * one place: up to the first remapped block if the range starts on the main
 * device, or the run of blocks that continue on consecutive spare blocks if
 * it starts on a remapped one (a moving block stands alone). A range that
 * touches no remapped block is one part, found with a few bit tests.
 */
void remap_first_extent(struct remap_table *t, unsigned int block_shift,
			sector_t sector, sector_t nr_sectors,
			struct remap_extent *x)
{
	u64 first = sector >> block_shift;
	u64 last = (sector + nr_sectors - 1) >> block_shift;
	struct remap_entry *e;
	sector_t end;

	rcu_read_lock();
	e = remap_table_first_in_range(t, first, last);
	x->remapped = e && e->block == first;
	if (!e) {
		end = sector + nr_sectors;
	} else if (!x->remapped) {
		end = e->block << block_shift;
	} else {
		x->block = e->block;
		x->spare = e->spare;
		x->flags = READ_ONCE(e->flags);
		last = x->flags & REMAP_F_MOVING ? first : run_end(t, e, last);
		end = min_t(sector_t, (last + 1) << block_shift,
			    sector + nr_sectors);
	}
	rcu_read_unlock();
	x->sectors = end - sector;
}
