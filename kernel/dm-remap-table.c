// SPDX-License-Identifier: GPL-2.0-only
/*
 * The remap table: a hash keyed by target block (dm-remap-hash.c), with a
 * region bitmap in front of it.
 */
#include <linux/bitmap.h>
#include <linux/log2.h>
#include <linux/mempool.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "dm-remap-table.h"

#define DM_MSG_PREFIX "remap"
#include <linux/device-mapper.h>

/*
 * A region is at least 64 blocks, and large enough that the bitmap stays
 * within 2^24 bits (2 MiB) whatever the device's size.
 */
#define REGION_MIN_SHIFT	6
#define REGION_MAX_BITS_SHIFT	24

/*
 * Entries come from their own cache. The error path takes its entries
 * through a small reserve of each table's own (a mempool), so that under
 * memory pressure an automatic move waits for memory instead of failing
 * its I/O, and one table's moves never use up another's reserve; messages
 * and the load take theirs from the cache and may fail with -ENOMEM.
 *
 * A mempool refills only when its elements are freed, and an entry taken
 * from the reserve for a move stays in the table for as long as the remap
 * does: after REMAP_ENTRY_RESERVE moves made while memory was short the
 * reserve would be empty for good. No size is enough for every move, so
 * the reserve is topped up again: taking from it queues refill_reserve(),
 * a work item on a system workqueue, outside the I/O path, which
 * allocates from the cache and frees into the pool until it is full. It
 * allocates with GFP_NOIO all the same: reclaim that waits on writeback to
 * this device could wait on the error path, which may be waiting for the
 * reserve. Nothing in the I/O path waits for the refill: a move that finds
 * the reserve empty waits in mempool_alloc() for memory or a freed entry.
 */
static struct kmem_cache *remap_entry_cache;

int remap_table_module_init(void)
{
	remap_entry_cache = kmem_cache_create("remap_entry",
					      sizeof(struct remap_entry),
					      REMAP_HASH_ENTRY_ALIGN, 0, NULL);
	return remap_entry_cache ? 0 : -ENOMEM;
}

void remap_table_module_exit(void)
{
	kmem_cache_destroy(remap_entry_cache);
}

static unsigned int region_shift_for(u64 nr_blocks)
{
	unsigned int bits = nr_blocks > 1 ? fls64(nr_blocks - 1) : 1;

	if (bits <= REGION_MAX_BITS_SHIFT + REGION_MIN_SHIFT)
		return REGION_MIN_SHIFT;
	return bits - REGION_MAX_BITS_SHIFT;
}

static void refill_reserve(struct work_struct *work)
{
	struct remap_table *t = container_of(work, struct remap_table, refill);
	struct remap_entry *e;

	/* unlocked: mempool_free() checks again and frees what is too many */
	while (READ_ONCE(t->reserve->curr_nr) < t->reserve->min_nr) {
		e = kmem_cache_alloc(remap_entry_cache, GFP_NOIO);
		if (!e)
			return;	/* the next entry taken from the reserve retries */
		mempool_free(e, t->reserve);
	}
}

int remap_table_init(struct remap_table *t, u64 nr_blocks)
{
	int r;

	t->nr_blocks = nr_blocks;
	t->region_shift = region_shift_for(nr_blocks);
	t->nr_regions = (nr_blocks >> t->region_shift) + 1;
	t->regions = kvcalloc(BITS_TO_LONGS(t->nr_regions),
			      sizeof(unsigned long), GFP_KERNEL);
	if (!t->regions)
		return -ENOMEM;
	mutex_init(&t->lock);
	t->reserve = mempool_create_slab_pool(REMAP_ENTRY_RESERVE,
					      remap_entry_cache);
	INIT_WORK(&t->refill, refill_reserve);
	r = t->reserve ? remap_hash_init(&t->hash, &t->lock) : -ENOMEM;
	if (r) {
		/* the caller's cleanup destroys a table whose regions are set */
		mempool_destroy(t->reserve);
		kvfree(t->regions);
		t->regions = NULL;
		return r;
	}
	xa_init(&t->lost);
	atomic64_set(&t->lost_sectors, 0);
	return 0;
}

static void free_entry(void *ptr, void *arg)
{
	struct remap_table *t = arg;

	mempool_free(ptr, t->reserve);
}

/* Only once no reader can be left: the target is gone from the I/O path. */
void remap_table_destroy(struct remap_table *t)
{
	struct remap_lost *lost;
	unsigned long block;

	xa_for_each(&t->lost, block, lost)
		kfree(lost);
	xa_destroy(&t->lost);
	cancel_work_sync(&t->refill);
	remap_hash_destroy(&t->hash, free_entry, t);
	mempool_destroy(t->reserve);
	kvfree(t->regions);
	mutex_destroy(&t->lock);
}

/* Caller holds rcu_read_lock(). */
struct remap_entry *remap_table_lookup(struct remap_table *t, u64 block)
{
	return remap_hash_lookup(&t->hash, block);
}

static struct remap_entry *first_in_region(struct remap_table *t,
					   unsigned long region,
					   u64 first, u64 last)
{
	u64 block = max_t(u64, first, (u64)region << t->region_shift);
	u64 end = min_t(u64, last, (((u64)region + 1) << t->region_shift) - 1);
	struct remap_entry *e;

	for (; block <= end; block++) {
		e = remap_table_lookup(t, block);
		if (e)
			return e;
	}
	return NULL;
}

/*
 * The entry of the lowest remapped block in [first, last], or NULL. Caller
 * holds rcu_read_lock(). Regions whose bit is clear are skipped with one
 * bit test each.
 */
struct remap_entry *remap_table_first_in_range(struct remap_table *t,
					       u64 first, u64 last)
{
	unsigned long region = first >> t->region_shift;
	unsigned long end = (last >> t->region_shift) + 1;
	struct remap_entry *e;

	for (region = find_next_bit(t->regions, end, region); region < end;
	     region = find_next_bit(t->regions, end, region + 1)) {
		e = first_in_region(t, region, first, last);
		if (e)
			return e;
	}
	return NULL;
}

/*
 * An entry for a later remap_table_insert_entry(), allocated before the
 * caller takes the locks under which it inserts it. From the reserve
 * (@reserve: the error path) it is never NULL: it waits for memory, so the
 * caller must hold no lock that the freeing of entries needs.
 */
struct remap_entry *remap_table_alloc_entry(struct remap_table *t, bool reserve)
{
	struct remap_entry *e;

	if (!reserve)
		return kmem_cache_alloc(remap_entry_cache, GFP_NOIO);
	e = mempool_alloc(t->reserve, GFP_NOIO);
	/* it came from the reserve: top it up again, see refill_reserve() */
	if (READ_ONCE(t->reserve->curr_nr) < t->reserve->min_nr)
		queue_work(system_unbound_wq, &t->refill);
	return e;
}

/* Frees an entry that was never inserted, or removed a grace period ago. */
void remap_table_free_entry(struct remap_table *t, struct remap_entry *e)
{
	free_entry(e, t);
}

/*
 * Inserts the preallocated @e: allocates at most a larger slot array for
 * the hash (GFP_NOIO), and fails for want of one only when the array is
 * 7/8 full. On failure @e stays the caller's. The region's
 * bit is set before the entry becomes visible, so a reader that finds the
 * entry's region clear cannot miss an entry it should see.
 */
int remap_table_insert_entry(struct remap_table *t, struct remap_entry *e,
			     u64 block, u32 spare, u32 flags)
{
	int r;

	if (block >= t->nr_blocks)
		return -ERANGE;
	e->block = block;
	e->spare = spare;
	e->flags = flags;

	mutex_lock(&t->lock);
	set_bit(block >> t->region_shift, t->regions);
	r = remap_hash_insert(&t->hash, e);
	mutex_unlock(&t->lock);
	return r;
}

int remap_table_insert(struct remap_table *t, u64 block, u32 spare,
		       u32 flags, struct remap_entry **inserted)
{
	struct remap_entry *e = remap_table_alloc_entry(t, false);
	int r;

	if (!e)
		return -ENOMEM;
	r = remap_table_insert_entry(t, e, block, spare, flags);
	if (r) {
		remap_table_free_entry(t, e);
		return r;
	}
	if (inserted)
		*inserted = e;
	return 0;
}

/*
 * Release: a reader that sees the new flags (a move finished, say) sees
 * the lost-sector bitmap stored before them, see remap_table_get_lost().
 */
void remap_table_set_flags(struct remap_table *t, struct remap_entry *e,
			   u32 set, u32 clear)
{
	mutex_lock(&t->lock);
	/* pairs with smp_load_acquire() in remap_table_get_lost() */
	smp_store_release(&e->flags, (e->flags & ~clear) | set);
	mutex_unlock(&t->lock);
}

static bool region_has_entries(struct remap_table *t, unsigned long region)
{
	u64 first = (u64)region << t->region_shift;
	u64 last = first + (1ULL << t->region_shift) - 1;
	bool found;

	rcu_read_lock();
	found = first_in_region(t, region, first, last);
	rcu_read_unlock();
	return found;
}

/*
 * Unhashes @e; readers may still hold it until a grace period has passed, so
 * it is freed by remap_table_free_removed().
 */
void remap_table_remove(struct remap_table *t, struct remap_entry *e)
{
	unsigned long region = e->block >> t->region_shift;
	struct remap_lost *lost;

	mutex_lock(&t->lock);
	WARN_ON(remap_hash_remove(&t->hash, e));
	/* as a clear, see remap_table_install_lost() */
	smp_store_release(&e->flags, e->flags & ~REMAP_F_LOST);
	lost = xa_erase(&t->lost, e->block);
	if (lost) {
		atomic64_sub(bitmap_weight(lost->bits, DM_REMAP_MAX_SECTORS_PER_BLOCK),
			     &t->lost_sectors);
		kfree_rcu(lost, rcu);
	}
	if (!region_has_entries(t, region))
		clear_bit(region, t->regions);
	mutex_unlock(&t->lock);
}

/* One grace period for a whole batch of removed entries. May sleep. */
void remap_table_free_removed(struct remap_table *t, struct remap_entry **removed,
			      unsigned int n)
{
	unsigned int i;

	if (!n)
		return;
	synchronize_rcu();
	for (i = 0; i < n; i++)
		free_entry(removed[i], t);
}

/*
 * Removes every entry, for a load that failed half-way: readers (status,
 * list) may run meanwhile, so entries go as remap_table_remove() takes
 * them, and are freed a grace period later, a batch at a time. May sleep.
 */
void remap_table_clear(struct remap_table *t)
{
	struct remap_entry *batch[16], *e;
	unsigned int n = 0;
	u64 block = 0;

	for (;;) {
		rcu_read_lock();
		e = block < t->nr_blocks ?
		    remap_table_first_in_range(t, block, t->nr_blocks - 1) : NULL;
		rcu_read_unlock();
		if (e) {
			/* only this caller changes the table now: e stays */
			block = e->block + 1;
			remap_table_remove(t, e);
			batch[n++] = e;
		}
		if (n == ARRAY_SIZE(batch) || (!e && n)) {
			remap_table_free_removed(t, batch, n);
			n = 0;
		}
		if (!e)
			break;
		cond_resched();
	}
}

/*
 * Sizes the hash for @n entries about to be inserted, so that none of the
 * inserts resizes it: the load knows how many remaps it will read.
 */
int remap_table_reserve(struct remap_table *t, unsigned long n)
{
	int r;

	mutex_lock(&t->lock);
	r = remap_hash_reserve(&t->hash, n);
	mutex_unlock(&t->lock);
	return r;
}

/* After a load that brought fewer entries than reserved for: shrink. */
void remap_table_trim(struct remap_table *t)
{
	mutex_lock(&t->lock);
	remap_hash_trim(&t->hash);
	mutex_unlock(&t->lock);
}

/* The lost sectors of a remapped block, or NULL. Caller holds rcu_read_lock(). */
const unsigned long *remap_table_lost(struct remap_table *t, u64 block)
{
	struct remap_lost *lost = xa_load(&t->lost, block);

	return lost ? lost->bits : NULL;
}

/*
 * The LOST flag and the bitmap of a block are two words that readers load
 * one after the other, without the table's mutex: the flag (acquire), then
 * the bitmap (xa_load(), under rcu_read_lock()). Every writer orders them
 * so that the one state a reader can mistake, flag set and no bitmap, has
 * one meaning:
 *
 * - setting: the bitmap is published (xa_store(), which orders the
 *   bitmap's contents before its pointer) before the flag is set with
 *   release. A reader that sees the flag thus sees that bitmap, or a later
 *   one: a replacement (copy on write), or none after a clear.
 * - clearing (the sectors were written and the change is durable): the
 *   flag is cleared and the bitmap erased; a reader may see the two in
 *   either order, and both mean "healed". The bitmap is freed a grace
 *   period later (kfree_rcu()), so that a reader still holding it reads
 *   valid bits.
 *
 * So a reader that finds the flag set and no bitmap met a clear that had
 * begun: the block has no lost sector any more, and it reads as such.
 * A reader that finds the flag clear reads no bitmap at all; the bitmap of
 * a set not yet flagged is not lost yet: sets happen only while the block
 * is MOVING (its bios are held) or before the table is live.
 */

/* A copy of @bits for remap_table_install_lost(), NULL if none is lost. */
struct remap_lost *remap_table_alloc_lost(const unsigned long *bits)
{
	struct remap_lost *new;

	if (!bits || bitmap_empty(bits, DM_REMAP_MAX_SECTORS_PER_BLOCK))
		return NULL;
	new = kmalloc(sizeof(*new), GFP_NOIO);
	if (!new)
		return ERR_PTR(-ENOMEM);
	bitmap_copy(new->bits, bits, DM_REMAP_MAX_SECTORS_PER_BLOCK);
	return new;
}

void remap_table_free_lost(struct remap_lost *lost)
{
	if (!IS_ERR_OR_NULL(lost))
		kfree(lost);
}

/*
 * Makes @new (from remap_table_alloc_lost(), NULL: no sector lost) the
 * lost sectors of @e's block, and its LOST flag match, in the order given
 * above. Takes @new in every case. Allocates only when the block had no
 * bitmap and gets one (an xarray node, GFP_NOIO): replacing or clearing
 * an existing bitmap cannot fail. Caller serializes changes to the entry.
 */
int remap_table_install_lost(struct remap_table *t, struct remap_entry *e,
			     struct remap_lost *new)
{
	unsigned int n = DM_REMAP_MAX_SECTORS_PER_BLOCK;
	int weight = new ? bitmap_weight(new->bits, n) : 0;
	struct remap_lost *old;

	mutex_lock(&t->lock);
	if (new) {
		old = xa_store(&t->lost, e->block, new, GFP_NOIO);
		if (xa_is_err(old)) {
			mutex_unlock(&t->lock);
			kfree(new);
			return xa_err(old);
		}
		/* pairs with smp_load_acquire() in remap_table_get_lost() */
		smp_store_release(&e->flags, e->flags | REMAP_F_LOST);
	} else {
		/* the flag goes first: see the comment above */
		smp_store_release(&e->flags, e->flags & ~REMAP_F_LOST);
		old = xa_erase(&t->lost, e->block);
	}
	mutex_unlock(&t->lock);
	atomic64_add((s64)weight - (old ? bitmap_weight(old->bits, n) : 0),
		     &t->lost_sectors);
	if (old)
		kfree_rcu(old, rcu);
	return 0;
}

/*
 * Replaces the lost-sector bitmap of @e's block with a copy of @bits (copy
 * on write, so that readers never see it half-changed) and its LOST flag
 * to match. An empty @bits clears both.
 */
int remap_table_set_lost(struct remap_table *t, struct remap_entry *e,
			 const unsigned long *bits)
{
	struct remap_lost *new = remap_table_alloc_lost(bits);

	if (IS_ERR(new))
		return PTR_ERR(new);
	return remap_table_install_lost(t, e, new);
}

/*
 * @e's flags and the lost sectors of its block, as readers of the I/O path
 * see them (see the ordering above): a LOST flag without a bitmap is a
 * clear under way, and comes back as no sector lost and no LOST flag.
 * Caller holds rcu_read_lock().
 */
void remap_table_get_lost(struct remap_table *t, struct remap_entry *e,
			  u32 *flags, unsigned long *lost)
{
	const unsigned long *bits = NULL;

	/* pairs with smp_store_release() in remap_table_install_lost() */
	*flags = smp_load_acquire(&e->flags);
	if (*flags & REMAP_F_LOST)
		bits = remap_table_lost(t, e->block);
	bitmap_zero(lost, DM_REMAP_MAX_SECTORS_PER_BLOCK);
	if (bits)
		bitmap_copy(lost, bits, DM_REMAP_MAX_SECTORS_PER_BLOCK);
	else
		*flags &= ~REMAP_F_LOST;
}

u64 remap_table_lost_sectors(struct remap_table *t)
{
	return atomic64_read(&t->lost_sectors);
}

unsigned int remap_table_count(struct remap_table *t)
{
	return remap_hash_count(&t->hash);
}

/* Slots of the hash's array: its "buckets". */
unsigned int remap_table_buckets(struct remap_table *t)
{
	return remap_hash_slots(&t->hash);
}

unsigned int remap_table_resizes(struct remap_table *t)
{
	return remap_hash_resizes(&t->hash);
}

/*
 * Bytes of kernel memory the table holds: entries (in the table and in
 * its reserve), hash slots and bitmap.
 */
u64 remap_table_memory(struct remap_table *t)
{
	u64 entries = (u64)remap_table_count(t) + READ_ONCE(t->reserve->curr_nr);

	return entries * kmem_cache_size(remap_entry_cache) +
	       (u64)remap_table_buckets(t) * sizeof(void *) +
	       BITS_TO_LONGS(t->nr_regions) * sizeof(unsigned long);
}
