// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of the remap table: the hash (dm-remap-hash.c) and the region
 * bitmap in front of it.
 */
#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/kasan.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "dm-remap-table.h"

#define TEST_BLOCKS	BIT_ULL(32)

static int table_suite_init(struct kunit_suite *suite)
{
	return remap_table_module_init();
}

static void table_suite_exit(struct kunit_suite *suite)
{
	remap_table_module_exit();
}

static struct remap_table *new_table(struct kunit *test, u64 nr_blocks)
{
	struct remap_table *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, t);
	KUNIT_ASSERT_EQ(test, remap_table_init(t, nr_blocks), 0);
	return t;
}

static u32 spare_of(struct remap_table *t, u64 block)
{
	struct remap_entry *e;
	u32 spare = U32_MAX;

	rcu_read_lock();
	e = remap_table_lookup(t, block);
	if (e)
		spare = e->spare;
	rcu_read_unlock();
	return spare;
}

static u64 first_block(struct remap_table *t, u64 first, u64 last)
{
	struct remap_entry *e;
	u64 block = U64_MAX;

	rcu_read_lock();
	e = remap_table_first_in_range(t, first, last);
	if (e)
		block = e->block;
	rcu_read_unlock();
	return block;
}

static void remove_block(struct remap_table *t, u64 block)
{
	struct remap_entry *e;

	rcu_read_lock();
	e = remap_table_lookup(t, block);
	rcu_read_unlock();
	remap_table_remove(t, e);
	remap_table_free_removed(t, &e, 1);
}

/* Removes blocks @first to @first + @n - 1, freed after one grace period. */
static void remove_blocks(struct kunit *test, struct remap_table *t, u64 first,
			  unsigned int n)
{
	struct remap_entry **removed = kvcalloc(n, sizeof(*removed), GFP_KERNEL);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, removed);
	for (i = 0; i < n; i++) {
		rcu_read_lock();
		removed[i] = remap_table_lookup(t, first + i);
		rcu_read_unlock();
		KUNIT_ASSERT_NOT_NULL(test, removed[i]);
		remap_table_remove(t, removed[i]);
	}
	remap_table_free_removed(t, removed, n);
	kvfree(removed);
}

static void table_insert_lookup_remove(struct kunit *test)
{
	struct remap_table *t = new_table(test, 1000);
	struct remap_entry *e = NULL;

	KUNIT_EXPECT_EQ(test, remap_table_insert(t, 7, 70, 0, &e), 0);
	KUNIT_EXPECT_NOT_NULL(test, e);
	KUNIT_EXPECT_EQ(test, remap_table_insert(t, 999, 99, REMAP_F_AUTO, NULL), 0);
	KUNIT_EXPECT_EQ(test, remap_table_count(t), 2U);
	KUNIT_EXPECT_EQ(test, spare_of(t, 7), 70U);
	KUNIT_EXPECT_EQ(test, spare_of(t, 999), 99U);
	KUNIT_EXPECT_EQ(test, spare_of(t, 8), U32_MAX);

	KUNIT_EXPECT_EQ(test, remap_table_insert(t, 7, 71, 0, NULL), -EEXIST);
	KUNIT_EXPECT_EQ(test, spare_of(t, 7), 70U);
	KUNIT_EXPECT_EQ(test, remap_table_insert(t, 1000, 1, 0, NULL), -ERANGE);

	remove_block(t, 7);
	KUNIT_EXPECT_EQ(test, spare_of(t, 7), U32_MAX);
	KUNIT_EXPECT_EQ(test, remap_table_count(t), 1U);
	remap_table_destroy(t);
}

/*
 * The error path allocates the entry of a move before it takes move_lock
 * and inserts it under the lock: insertion takes the given entry itself,
 * and a failed one leaves it to the caller, who frees it into the table.
 */
static void table_insert_preallocated(struct kunit *test)
{
	struct remap_table *t = new_table(test, 1000);
	struct remap_entry *e = remap_table_alloc_entry(t, true);
	struct remap_entry *other = remap_table_alloc_entry(t, false);
	struct remap_entry *found;

	KUNIT_ASSERT_NOT_NULL(test, e);
	KUNIT_ASSERT_NOT_NULL(test, other);
	KUNIT_EXPECT_EQ(test, remap_table_insert_entry(t, e, 5, 50, REMAP_F_MOVING), 0);
	rcu_read_lock();
	found = remap_table_lookup(t, 5);
	rcu_read_unlock();
	KUNIT_EXPECT_PTR_EQ(test, found, e);
	KUNIT_EXPECT_EQ(test, e->flags, (u32)REMAP_F_MOVING);

	KUNIT_EXPECT_EQ(test, remap_table_insert_entry(t, other, 5, 51, 0), -EEXIST);
	KUNIT_EXPECT_EQ(test, remap_table_insert_entry(t, other, 1000, 51, 0), -ERANGE);
	KUNIT_EXPECT_EQ(test, spare_of(t, 5), 50U);
	KUNIT_EXPECT_EQ(test, remap_table_count(t), 1U);
	remap_table_free_entry(t, other);
	remap_table_destroy(t);
}

/*
 * What moves made while memory is short do to a table's reserve: mempool
 * hands out its own entries only when the cache has none, and those stay
 * in the table as remaps. Taken here directly, as such moves would.
 */
static unsigned int take_reserve(struct remap_table *t, struct remap_entry **out)
{
	unsigned long flags;
	unsigned int n = 0;

	spin_lock_irqsave(&t->reserve->lock, flags);
	while (t->reserve->curr_nr) {
		out[n] = t->reserve->elements[--t->reserve->curr_nr];
		/* KASAN poisons what a mempool keeps; mempool_alloc() unpoisons */
		kasan_unpoison_range(out[n++], sizeof(struct remap_entry));
	}
	spin_unlock_irqrestore(&t->reserve->lock, flags);
	return n;
}

/*
 * Each table keeps its own reserve for the error path, full from the
 * start; entries it handed out for remaps are never freed back, so it is
 * topped up again once taken from, and it never draws on another table's.
 * The memory figure counts it: an entry that goes from the reserve into
 * the table is the same memory.
 */
static void table_reserve_per_table(struct kunit *test)
{
	struct remap_table *a = new_table(test, 1000);
	struct remap_table *b = new_table(test, 1000);
	struct remap_entry *taken[REMAP_ENTRY_RESERVE], *e;
	unsigned int i, n;
	u64 before;

	KUNIT_EXPECT_PTR_NE(test, a->reserve, b->reserve);
	KUNIT_EXPECT_EQ(test, a->reserve->curr_nr, REMAP_ENTRY_RESERVE);
	before = remap_table_memory(a);
	n = take_reserve(a, taken);
	KUNIT_ASSERT_EQ(test, n, (unsigned int)REMAP_ENTRY_RESERVE);
	for (i = 0; i < n; i++)
		KUNIT_ASSERT_EQ(test, remap_table_insert_entry(a, taken[i], i, i, 0), 0);
	KUNIT_EXPECT_EQ(test, remap_table_memory(a), before);

	/* the next move's entry; taking from a low reserve refills it */
	e = remap_table_alloc_entry(a, true);
	KUNIT_ASSERT_NOT_NULL(test, e);
	flush_work(&a->refill);
	KUNIT_EXPECT_EQ(test, a->reserve->curr_nr, REMAP_ENTRY_RESERVE);
	KUNIT_EXPECT_EQ(test, b->reserve->curr_nr, REMAP_ENTRY_RESERVE);
	remap_table_free_entry(a, e);
	KUNIT_EXPECT_EQ(test, a->reserve->curr_nr, REMAP_ENTRY_RESERVE);
	KUNIT_EXPECT_EQ(test, remap_table_count(a), (unsigned int)REMAP_ENTRY_RESERVE);
	remap_table_destroy(a);
	remap_table_destroy(b);
}

/*
 * The lost sectors as a writer back reads them: with the flag, the bitmap;
 * a LOST flag without its bitmap is a clear under way (the writers order
 * them, see remap_table_install_lost()): no sector lost and no LOST flag,
 * never "every sector lost", which a write back would make durable.
 */
static void table_get_lost(struct kunit *test)
{
	struct remap_table *t = new_table(test, 100);
	DECLARE_BITMAP(bits, DM_REMAP_MAX_SECTORS_PER_BLOCK);
	DECLARE_BITMAP(got, DM_REMAP_MAX_SECTORS_PER_BLOCK);
	struct remap_entry *e;
	u32 flags;

	KUNIT_ASSERT_EQ(test, remap_table_insert(t, 4, 0, REMAP_F_AUTO, &e), 0);
	rcu_read_lock();
	remap_table_get_lost(t, e, &flags, got);
	rcu_read_unlock();
	KUNIT_EXPECT_EQ(test, flags, (u32)REMAP_F_AUTO);
	KUNIT_EXPECT_TRUE(test, bitmap_empty(got, DM_REMAP_MAX_SECTORS_PER_BLOCK));

	bitmap_zero(bits, DM_REMAP_MAX_SECTORS_PER_BLOCK);
	bitmap_set(bits, 3, 2);
	KUNIT_ASSERT_EQ(test, remap_table_set_lost(t, e, bits), 0);
	rcu_read_lock();
	remap_table_get_lost(t, e, &flags, got);
	rcu_read_unlock();
	KUNIT_EXPECT_TRUE(test, flags & REMAP_F_LOST);
	KUNIT_EXPECT_TRUE(test, bitmap_equal(got, bits, DM_REMAP_MAX_SECTORS_PER_BLOCK));

	/* a clear takes the flag first, then the bitmap */
	KUNIT_ASSERT_EQ(test, remap_table_set_lost(t, e, NULL), 0);
	KUNIT_EXPECT_FALSE(test, READ_ONCE(e->flags) & REMAP_F_LOST);
	rcu_read_lock();
	KUNIT_EXPECT_NULL(test, remap_table_lost(t, 4));
	rcu_read_unlock();

	/* the state a reader may meet in between */
	remap_table_set_flags(t, e, REMAP_F_LOST, 0);
	bitmap_fill(got, DM_REMAP_MAX_SECTORS_PER_BLOCK);
	rcu_read_lock();
	remap_table_get_lost(t, e, &flags, got);
	rcu_read_unlock();
	KUNIT_EXPECT_EQ(test, flags, (u32)REMAP_F_AUTO);
	KUNIT_EXPECT_TRUE(test, bitmap_empty(got, DM_REMAP_MAX_SECTORS_PER_BLOCK));
	remap_table_destroy(t);
}

/*
 * A writer that heals lost sectors allocates the new bitmap before it
 * commits, and installs it after: an empty set of lost sectors needs no
 * bitmap, and installing clears or replaces the block's bitmap.
 */
static void table_install_lost(struct kunit *test)
{
	struct remap_table *t = new_table(test, 100);
	DECLARE_BITMAP(bits, DM_REMAP_MAX_SECTORS_PER_BLOCK);
	struct remap_lost *now;
	struct remap_entry *e;

	bitmap_zero(bits, DM_REMAP_MAX_SECTORS_PER_BLOCK);
	KUNIT_EXPECT_NULL(test, remap_table_alloc_lost(bits));
	KUNIT_EXPECT_NULL(test, remap_table_alloc_lost(NULL));

	KUNIT_ASSERT_EQ(test, remap_table_insert(t, 6, 2, 0, &e), 0);
	bitmap_set(bits, 0, 4);
	KUNIT_ASSERT_EQ(test, remap_table_set_lost(t, e, bits), 0);
	KUNIT_EXPECT_EQ(test, remap_table_lost_sectors(t), 4ULL);

	/* sectors 0 and 1 written: the rest stay lost */
	bitmap_clear(bits, 0, 2);
	now = remap_table_alloc_lost(bits);
	KUNIT_ASSERT_FALSE(test, IS_ERR_OR_NULL(now));
	KUNIT_EXPECT_EQ(test, remap_table_install_lost(t, e, now), 0);
	KUNIT_EXPECT_EQ(test, remap_table_lost_sectors(t), 2ULL);
	KUNIT_EXPECT_TRUE(test, READ_ONCE(e->flags) & REMAP_F_LOST);

	/* all written: no bitmap, no flag */
	KUNIT_EXPECT_EQ(test, remap_table_install_lost(t, e, NULL), 0);
	KUNIT_EXPECT_EQ(test, remap_table_lost_sectors(t), 0ULL);
	KUNIT_EXPECT_FALSE(test, READ_ONCE(e->flags) & REMAP_F_LOST);
	remap_table_free_lost(NULL);
	remap_table_destroy(t);
}

static void table_flags(struct kunit *test)
{
	struct remap_table *t = new_table(test, 100);
	struct remap_entry *e;

	KUNIT_ASSERT_EQ(test, remap_table_insert(t, 3, 0, REMAP_F_MOVING, &e), 0);
	remap_table_set_flags(t, e, REMAP_F_AUTO, REMAP_F_MOVING);
	KUNIT_EXPECT_EQ(test, READ_ONCE(e->flags), (u32)REMAP_F_AUTO);
	remap_table_destroy(t);
}

static void table_lost_sectors(struct kunit *test)
{
	struct remap_table *t = new_table(test, 100);
	DECLARE_BITMAP(bits, DM_REMAP_MAX_SECTORS_PER_BLOCK);
	const unsigned long *now;
	struct remap_entry *e;

	KUNIT_ASSERT_EQ(test, remap_table_insert(t, 9, 1, 0, &e), 0);
	bitmap_zero(bits, DM_REMAP_MAX_SECTORS_PER_BLOCK);
	set_bit(3, bits);
	set_bit(127, bits);
	KUNIT_ASSERT_EQ(test, remap_table_set_lost(t, e, bits), 0);
	KUNIT_EXPECT_TRUE(test, READ_ONCE(e->flags) & REMAP_F_LOST);
	KUNIT_EXPECT_EQ(test, remap_table_lost_sectors(t), 2ULL);
	rcu_read_lock();
	now = remap_table_lost(t, 9);
	KUNIT_EXPECT_TRUE(test, now && test_bit(3, now) && test_bit(127, now) &&
			  !test_bit(4, now));
	KUNIT_EXPECT_NULL(test, remap_table_lost(t, 8));
	rcu_read_unlock();

	clear_bit(127, bits);
	KUNIT_ASSERT_EQ(test, remap_table_set_lost(t, e, bits), 0);
	KUNIT_EXPECT_EQ(test, remap_table_lost_sectors(t), 1ULL);
	KUNIT_ASSERT_EQ(test, remap_table_set_lost(t, e, NULL), 0);
	KUNIT_EXPECT_FALSE(test, READ_ONCE(e->flags) & REMAP_F_LOST);
	KUNIT_EXPECT_EQ(test, remap_table_lost_sectors(t), 0ULL);

	/* removing a block forgets its lost sectors */
	KUNIT_ASSERT_EQ(test, remap_table_set_lost(t, e, bits), 0);
	remove_block(t, 9);
	KUNIT_EXPECT_EQ(test, remap_table_lost_sectors(t), 0ULL);
	remap_table_destroy(t);
}

static void table_first_in_range(struct kunit *test)
{
	struct remap_table *t = new_table(test, 1 << 20);

	KUNIT_EXPECT_EQ(test, first_block(t, 0, (1 << 20) - 1), U64_MAX);
	KUNIT_ASSERT_EQ(test, remap_table_insert(t, 63, 0, 0, NULL), 0);
	KUNIT_ASSERT_EQ(test, remap_table_insert(t, 64, 1, 0, NULL), 0);
	KUNIT_ASSERT_EQ(test, remap_table_insert(t, 5000, 2, 0, NULL), 0);

	KUNIT_EXPECT_EQ(test, first_block(t, 0, 62), U64_MAX);
	KUNIT_EXPECT_EQ(test, first_block(t, 0, 63), 63ULL);
	KUNIT_EXPECT_EQ(test, first_block(t, 64, 64), 64ULL);
	KUNIT_EXPECT_EQ(test, first_block(t, 65, 4999), U64_MAX);
	KUNIT_EXPECT_EQ(test, first_block(t, 65, 5000), 5000ULL);
	KUNIT_EXPECT_EQ(test, first_block(t, 5001, (1 << 20) - 1), U64_MAX);
	remap_table_destroy(t);
}

/* A region whose last remap goes is skipped again by the bitmap. */
static void table_region_bit_cleared(struct kunit *test)
{
	struct remap_table *t = new_table(test, 1 << 20);
	unsigned long region = 4096 >> t->region_shift;

	KUNIT_ASSERT_EQ(test, remap_table_insert(t, 4096, 0, 0, NULL), 0);
	KUNIT_ASSERT_EQ(test, remap_table_insert(t, 4097, 1, 0, NULL), 0);
	KUNIT_EXPECT_TRUE(test, test_bit(region, t->regions));
	remove_block(t, 4096);
	KUNIT_EXPECT_TRUE(test, test_bit(region, t->regions));
	remove_block(t, 4097);
	KUNIT_EXPECT_FALSE(test, test_bit(region, t->regions));
	remap_table_destroy(t);
}

/* The bitmap stays within 2^24 bits however large the device. */
static void table_region_size_bounded(struct kunit *test)
{
	struct remap_table *t = new_table(test, TEST_BLOCKS);

	KUNIT_EXPECT_LE(test, t->nr_regions, (1UL << 24) + 1);
	KUNIT_EXPECT_GE(test, t->region_shift, 6U);
	KUNIT_ASSERT_EQ(test, remap_table_insert(t, TEST_BLOCKS - 1, 5, 0, NULL), 0);
	KUNIT_EXPECT_EQ(test, first_block(t, 0, TEST_BLOCKS - 1), TEST_BLOCKS - 1);
	remap_table_destroy(t);
}

static void table_grow_and_shrink(struct kunit *test)
{
	struct remap_table *t = new_table(test, 1 << 20);
	unsigned int i, start = remap_table_buckets(t), grown;
	struct remap_entry **removed;

	for (i = 0; i < 20000; i++)
		KUNIT_ASSERT_EQ(test, remap_table_insert(t, i * 3, i, 0, NULL), 0);
	/* resized in the insert itself: never more than 3/4 used */
	grown = remap_table_buckets(t);
	KUNIT_EXPECT_GT(test, grown, start);
	KUNIT_EXPECT_GE(test, grown / 4 * 3, 20000U);
	KUNIT_EXPECT_GT(test, remap_table_resizes(t), 0U);

	removed = kvcalloc(20000, sizeof(*removed), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, removed);
	for (i = 0; i < 20000; i++) {
		rcu_read_lock();
		removed[i] = remap_table_lookup(t, i * 3);
		rcu_read_unlock();
		KUNIT_ASSERT_NOT_NULL(test, removed[i]);
		remap_table_remove(t, removed[i]);
	}
	remap_table_free_removed(t, removed, 20000);
	kvfree(removed);
	KUNIT_EXPECT_EQ(test, remap_table_count(t), 0U);
	KUNIT_EXPECT_LT(test, remap_table_buckets(t), grown);
	KUNIT_EXPECT_EQ(test, first_block(t, 0, (1 << 20) - 1), U64_MAX);
	remap_table_destroy(t);
}

/*
 * When the I/O path's resize finds no memory, inserts go on past 3/4 and a
 * worker grows the array with memory it may wait for: no insert fails for
 * long. Without the worker, the insert at 7/8 of 64 slots fails for good.
 */
static void table_grows_from_worker(struct kunit *test)
{
	struct remap_table *t = new_table(test, 1 << 20);
	unsigned int i, start = remap_table_buckets(t);
	int r;

	t->hash.noio_fails = true;
	for (i = 0; i < 5000; i++) {
		r = remap_table_insert(t, i * 7, i, 0, NULL);
		if (r == -ENOMEM) {
			/* the worker was queued but has not run yet */
			flush_work(&t->hash.grow);
			r = remap_table_insert(t, i * 7, i, 0, NULL);
		}
		KUNIT_ASSERT_EQ(test, r, 0);
	}
	flush_work(&t->hash.grow);
	KUNIT_EXPECT_GT(test, remap_table_buckets(t), start);
	KUNIT_EXPECT_GE(test, remap_table_buckets(t) / 8 * 7, 5000U);
	KUNIT_EXPECT_GT(test, remap_table_resizes(t), 0U);
	for (i = 0; i < 5000; i++)
		KUNIT_EXPECT_EQ(test, spare_of(t, i * 7), i);
	remap_table_destroy(t);
}

/* Iterating with first_in_range visits every entry once, ascending. */
static void table_ordered_iteration(struct kunit *test)
{
	struct remap_table *t = new_table(test, 1 << 24);
	u64 block, prev = 0, seen = 0;
	unsigned int i;

	for (i = 0; i < 5000; i++) {
		block = ((u64)i * 2654435761U) % (1 << 24);
		if (remap_table_insert(t, block, i, 0, NULL) == 0)
			seen++;
	}
	for (block = 0, i = 0; ; block++, i++) {
		block = first_block(t, block, (1 << 24) - 1);
		if (block == U64_MAX)
			break;
		if (i)
			KUNIT_EXPECT_GT(test, block, prev);
		prev = block;
	}
	KUNIT_EXPECT_EQ(test, (u64)i, seen);
	remap_table_destroy(t);
}

/*
 * Removals leave tombstones that probes go past and inserts reuse: churn
 * never loses an entry, and the array does not grow with it.
 */
static void table_churn(struct kunit *test)
{
	struct remap_table *t = new_table(test, 1 << 20);
	unsigned int i, round, missing = 0;

	for (i = 0; i < 1000; i++)
		KUNIT_ASSERT_EQ(test, remap_table_insert(t, i, i, 0, NULL), 0);
	for (round = 1; round <= 20; round++) {
		remove_blocks(test, t, (round - 1) * 500, 500);
		for (i = 0; i < 500; i++)
			KUNIT_ASSERT_EQ(test, remap_table_insert(t, 1000 + (round - 1) * 500 + i,
								 i, 0, NULL), 0);
		/* at most 2 slots for each of the 1000 entries there at most */
		KUNIT_EXPECT_LE(test, remap_table_buckets(t), 2000U);
	}
	/* 0 to 9999 removed, 10000 to 10999 inserted last */
	for (i = 0; i < 11000; i++)
		missing += (spare_of(t, i) == U32_MAX) != (i < 10000);
	KUNIT_EXPECT_EQ(test, missing, 0U);
	KUNIT_EXPECT_EQ(test, remap_table_count(t), 1000U);
	remap_table_destroy(t);
}

struct reader {
	struct remap_table *t;
	unsigned int n;
	bool stop;
	unsigned long rounds, misses;
	struct completion done;
};

static int read_all(void *arg)
{
	struct reader *r = arg;
	unsigned int i;

	while (!READ_ONCE(r->stop)) {
		for (i = 0; i < r->n; i++)
			r->misses += spare_of(r->t, i) != i;
		r->rounds++;
		cond_resched();
	}
	complete(&r->done);
	return 0;
}

/*
 * A reader looking up entries that are there all along finds every one of
 * them while inserts and removals resize the array around it.
 */
static void table_lookups_during_resizes(struct kunit *test)
{
	struct remap_table *t = new_table(test, 1 << 24);
	struct reader r = { .t = t, .n = 2000 };
	struct task_struct *task;
	unsigned int i, resizes;
	int ret;

	for (i = 0; i < r.n; i++)
		KUNIT_ASSERT_EQ(test, remap_table_insert(t, i, i, 0, NULL), 0);
	resizes = remap_table_resizes(t);
	init_completion(&r.done);
	task = kthread_run(read_all, &r, "remap-table-reader");
	KUNIT_ASSERT_FALSE(test, IS_ERR(task));
	/* no ASSERT while the reader runs: it would leave it on a freed @r */
	for (i = r.n; i < 200000; i++) {
		ret = remap_table_insert(t, i, i, 0, NULL);
		KUNIT_EXPECT_EQ(test, ret, 0);
		if (ret)
			break;
		if (!(i % 5000))
			usleep_range(100, 200);	/* the reader's turn */
	}
	for (i = r.n; !ret && i < 200000; i += 5000) {
		remove_blocks(test, t, i, min(5000U, 200000 - i));
		usleep_range(100, 200);
	}
	WRITE_ONCE(r.stop, true);
	wait_for_completion(&r.done);
	KUNIT_EXPECT_EQ(test, r.misses, 0UL);
	KUNIT_EXPECT_GT(test, r.rounds, 0UL);
	KUNIT_EXPECT_GE(test, remap_table_resizes(t), resizes + 8);
	kunit_info(test, "%lu reader rounds over %u entries during %u resizes",
		   r.rounds, r.n, remap_table_resizes(t) - resizes);
	remap_table_destroy(t);
}

static u64 lookup_ns(struct kunit *test, struct remap_table *t, unsigned int n)
{
	unsigned int i, missing = 0;
	u64 start_ns = ktime_get_ns();

	for (i = 0; i < n; i++)
		missing += spare_of(t, (u64)i * 7 + 3) != i;
	start_ns = ktime_get_ns() - start_ns;
	KUNIT_EXPECT_EQ(test, missing, 0U);
	KUNIT_EXPECT_EQ(test, spare_of(t, 1), U32_MAX);
	KUNIT_EXPECT_EQ(test, remap_table_count(t), n);
	return div_u64(start_ns, n);
}

/*
 * 1M remaps on a 2^32-block device: all found, memory per remap reported,
 * inserted one by one and as a load inserts them (sized for the count).
 */
static void table_one_million(struct kunit *test)
{
	const unsigned int n = 1000000;
	struct remap_table *t = new_table(test, TEST_BLOCKS);
	unsigned int i;
	u64 ns;

	for (i = 0; i < n; i++)
		KUNIT_ASSERT_EQ(test, remap_table_insert(t, (u64)i * 7 + 3, i, 0, NULL), 0);
	ns = lookup_ns(test, t, n);
	KUNIT_EXPECT_LE(test, div_u64(remap_table_memory(t), n), 40ULL);
	kunit_info(test, "1M remaps: %llu bytes per remap, %u buckets, %llu ns per lookup (UML)",
		   div_u64(remap_table_memory(t), n), remap_table_buckets(t), ns);
	remap_table_destroy(t);

	t = new_table(test, TEST_BLOCKS);
	KUNIT_ASSERT_EQ(test, remap_table_reserve(t, n), 0);
	for (i = 0; i < n; i++)
		KUNIT_ASSERT_EQ(test, remap_table_insert(t, (u64)i * 7 + 3, i, 0, NULL), 0);
	KUNIT_EXPECT_EQ(test, remap_table_resizes(t), 1U);
	ns = lookup_ns(test, t, n);
	kunit_info(test, "1M remaps reserved first: %llu bytes per remap, %u buckets, %llu ns per lookup (UML)",
		   div_u64(remap_table_memory(t), n), remap_table_buckets(t), ns);
	remap_table_destroy(t);
}

static struct kunit_case table_cases[] = {
	KUNIT_CASE(table_insert_lookup_remove),
	KUNIT_CASE(table_insert_preallocated),
	KUNIT_CASE(table_reserve_per_table),
	KUNIT_CASE(table_get_lost),
	KUNIT_CASE(table_install_lost),
	KUNIT_CASE(table_flags),
	KUNIT_CASE(table_lost_sectors),
	KUNIT_CASE(table_first_in_range),
	KUNIT_CASE(table_region_bit_cleared),
	KUNIT_CASE(table_region_size_bounded),
	KUNIT_CASE(table_grow_and_shrink),
	KUNIT_CASE(table_grows_from_worker),
	KUNIT_CASE(table_ordered_iteration),
	KUNIT_CASE(table_churn),
	KUNIT_CASE(table_lookups_during_resizes),
	KUNIT_CASE(table_one_million),
	{}
};

static struct kunit_suite table_suite = {
	.name = "dm_remap_table",
	.suite_init = table_suite_init,
	.suite_exit = table_suite_exit,
	.test_cases = table_cases,
};

kunit_test_suite(table_suite);

MODULE_LICENSE("GPL");
