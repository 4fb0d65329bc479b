// SPDX-License-Identifier: GPL-2.0-only
/*
 * Block-range logic of the I/O path, kept free of bios so that it can be
 * tested on its own.
 */
#include "dm-remap-range.h"

/*
 * Within a block with lost sectors, a part is a run of sectors that are all
 * lost or all good. Caller holds rcu_read_lock(). The LOST flag and the
 * bitmap are not read atomically, but their writers order them (see
 * remap_table_install_lost()): a bitmap is published before its flag is
 * set, and only a clear (once the sectors were written) removes it. So a
 * flag without a bitmap is a clear under way: none of the sectors is lost.
 */
static sector_t lost_run_end(struct remap_table *t, const struct remap_extent *x,
			     unsigned int block_shift, sector_t sector,
			     sector_t end, bool *lost)
{
	const unsigned long *bits = remap_table_lost(t, x->block);
	unsigned int first = sector & ((1U << block_shift) - 1);
	unsigned int limit = first + (end - sector);
	unsigned int next;

	if (!bits) {
		*lost = false;
		return end;
	}
	*lost = test_bit(first, bits);
	next = *lost ? find_next_zero_bit(bits, limit, first) :
		       find_next_bit(bits, limit, first);
	return sector + (next - first);
}

/* A run of remapped blocks on consecutive spare blocks is one extent. */
static u64 run_end(struct remap_table *t, struct remap_entry *e, u64 last)
{
	struct remap_entry *next;
	u64 block = e->block;
	u32 spare = e->spare;

	while (block < last) {
		next = remap_table_lookup(t, block + 1);
		if (!next || next->spare != spare + 1 ||
		    (READ_ONCE(next->flags) & (REMAP_F_MOVING | REMAP_F_LOST |
						REMAP_F_UNCERTAIN)))
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
 * it starts on a remapped one. A moving or uncertain block stands alone, and
 * a block with lost sectors is cut where its sectors change from lost to good. A range that
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
	x->lost = false;
	if (!e) {
		end = sector + nr_sectors;
	} else if (!x->remapped) {
		end = e->block << block_shift;
	} else {
		x->block = e->block;
		x->spare = e->spare;
		/* acquire: a LOST flag comes with its bitmap, see table.c */
		x->flags = smp_load_acquire(&e->flags);
		if (x->flags & (REMAP_F_MOVING | REMAP_F_LOST | REMAP_F_UNCERTAIN))
			last = first;
		else
			last = run_end(t, e, last);
		end = min_t(sector_t, (last + 1) << block_shift,
			    sector + nr_sectors);
		if (x->flags & REMAP_F_LOST)
			end = lost_run_end(t, x, block_shift, sector, end, &x->lost);
	}
	rcu_read_unlock();
	x->sectors = end - sector;
}
