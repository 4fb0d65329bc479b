// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of the block-range logic: which part of a sector range goes
 * where, for every block size.
 */
#include <kunit/test.h>

#include "dm-remap-range.h"

struct range_fixture {
	struct remap_table table;
	unsigned int shift;	/* log2 of sectors per block */
	sector_t spb;		/* sectors per block */
};

static const unsigned int block_shifts[] = { 0, 1, 2, 3, 4, 5, 6, 7 };

static void shift_desc(const unsigned int *shift, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "block_size %u", 512U << *shift);
}

KUNIT_ARRAY_PARAM(block_shift, block_shifts, shift_desc);

static int range_suite_init(struct kunit_suite *suite)
{
	return remap_table_module_init();
}

static void range_suite_exit(struct kunit_suite *suite)
{
	remap_table_module_exit();
}

/*
 * Blocks 10, 11, 12 on spares 5, 6, 7 (one run), block 13 on spare 20,
 * block 20 moving to spare 8.
 */
static int range_init(struct kunit *test)
{
	struct range_fixture *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);

	if (!f)
		return -ENOMEM;
	f->shift = *(const unsigned int *)test->param_value;
	f->spb = 1 << f->shift;
	if (remap_table_init(&f->table, 1000))
		return -ENOMEM;
	remap_table_insert(&f->table, 10, 5, 0, NULL);
	remap_table_insert(&f->table, 11, 6, 0, NULL);
	remap_table_insert(&f->table, 12, 7, 0, NULL);
	remap_table_insert(&f->table, 13, 20, 0, NULL);
	remap_table_insert(&f->table, 20, 8, REMAP_F_MOVING, NULL);
	test->priv = f;
	return 0;
}

static void range_exit(struct kunit *test)
{
	struct range_fixture *f = test->priv;

	remap_table_destroy(&f->table);
}

static struct remap_extent extent(struct range_fixture *f, sector_t sector,
				  sector_t sectors)
{
	struct remap_extent x;

	remap_first_extent(&f->table, f->shift, sector, sectors, &x);
	return x;
}

static void range_untouched_goes_whole(struct kunit *test)
{
	struct range_fixture *f = test->priv;
	struct remap_extent x = extent(f, 0, 10 * f->spb);

	KUNIT_EXPECT_FALSE(test, x.remapped);
	KUNIT_EXPECT_EQ(test, x.sectors, 10 * f->spb);

	x = extent(f, 21 * f->spb + 1 - (f->spb == 1), 500 * f->spb);
	KUNIT_EXPECT_FALSE(test, x.remapped);
	KUNIT_EXPECT_EQ(test, x.sectors, 500 * f->spb);
}

static void range_stops_before_remapped(struct kunit *test)
{
	struct range_fixture *f = test->priv;
	sector_t start = 9 * f->spb + f->spb / 2;
	struct remap_extent x = extent(f, start, 4 * f->spb);

	KUNIT_EXPECT_FALSE(test, x.remapped);
	KUNIT_EXPECT_EQ(test, x.sectors, 10 * f->spb - start);
}

/* Consecutive spare blocks are one extent; a jump in the spare ends it. */
static void range_run_of_spares(struct kunit *test)
{
	struct range_fixture *f = test->priv;
	struct remap_extent x = extent(f, 10 * f->spb, 10 * f->spb);

	KUNIT_EXPECT_TRUE(test, x.remapped);
	KUNIT_EXPECT_EQ(test, x.block, 10ULL);
	KUNIT_EXPECT_EQ(test, x.spare, 5U);
	KUNIT_EXPECT_EQ(test, x.sectors, 3 * f->spb);

	x = extent(f, 13 * f->spb, 10 * f->spb);
	KUNIT_EXPECT_TRUE(test, x.remapped);
	KUNIT_EXPECT_EQ(test, x.spare, 20U);
	KUNIT_EXPECT_EQ(test, x.sectors, f->spb);

	x = extent(f, 14 * f->spb, 10 * f->spb);
	KUNIT_EXPECT_FALSE(test, x.remapped);
	KUNIT_EXPECT_EQ(test, x.sectors, 6 * f->spb);
}

/* Reads and writes that cover part of a block. */
static void range_partial_block(struct kunit *test)
{
	struct range_fixture *f = test->priv;
	sector_t last = 11 * f->spb + f->spb - 1;
	struct remap_extent x = extent(f, last, 1);

	KUNIT_EXPECT_TRUE(test, x.remapped);
	KUNIT_EXPECT_EQ(test, x.block, 11ULL);
	KUNIT_EXPECT_EQ(test, x.spare, 6U);
	KUNIT_EXPECT_EQ(test, x.sectors, 1ULL);

	/* starting in the last sector of block 11, running into block 12 */
	x = extent(f, last, 1 + f->spb);
	KUNIT_EXPECT_TRUE(test, x.remapped);
	KUNIT_EXPECT_EQ(test, x.sectors, 1 + f->spb);
}

/* A moving block stands alone so that only its bios wait. */
static void range_moving_block_alone(struct kunit *test)
{
	struct range_fixture *f = test->priv;
	struct remap_extent x = extent(f, 20 * f->spb, 5 * f->spb);

	KUNIT_EXPECT_TRUE(test, x.remapped);
	KUNIT_EXPECT_TRUE(test, x.flags & REMAP_F_MOVING);
	KUNIT_EXPECT_EQ(test, x.sectors, f->spb);
}

/* Reads of lost sectors fail: a lost block is cut where lost turns good. */
static void range_lost_runs(struct kunit *test)
{
	struct range_fixture *f = test->priv;
	DECLARE_BITMAP(bits, DM_REMAP_MAX_SECTORS_PER_BLOCK);
	sector_t start = 30 * f->spb;
	struct remap_entry *e;
	struct remap_extent x;

	KUNIT_ASSERT_EQ(test, remap_table_insert(&f->table, 30, 9, 0, &e), 0);
	KUNIT_ASSERT_EQ(test, remap_table_insert(&f->table, 31, 10, 0, NULL), 0);
	bitmap_zero(bits, DM_REMAP_MAX_SECTORS_PER_BLOCK);
	bitmap_set(bits, f->spb / 2, f->spb - f->spb / 2);	/* second half */
	KUNIT_ASSERT_EQ(test, remap_table_set_lost(&f->table, e, bits), 0);

	x = extent(f, start, 2 * f->spb);
	KUNIT_EXPECT_TRUE(test, x.remapped);
	KUNIT_EXPECT_TRUE(test, x.flags & REMAP_F_LOST);
	if (f->spb == 1) {
		KUNIT_EXPECT_TRUE(test, x.lost);
		KUNIT_EXPECT_EQ(test, x.sectors, 1ULL);
	} else {
		KUNIT_EXPECT_FALSE(test, x.lost);
		KUNIT_EXPECT_EQ(test, x.sectors, f->spb / 2);
		x = extent(f, start + f->spb / 2, 2 * f->spb);
		KUNIT_EXPECT_TRUE(test, x.lost);
		KUNIT_EXPECT_EQ(test, x.sectors, f->spb - f->spb / 2);
	}
	/* block 31 follows on spare 10, but a lost block stands alone */
	x = extent(f, start + f->spb - 1, 2 * f->spb);
	KUNIT_EXPECT_EQ(test, x.sectors, 1ULL);
}

/*
 * The LOST flag and the bitmap are read one after the other; their writers
 * publish a bitmap before its flag and clear the flag before the bitmap
 * goes (remap_table_install_lost()). Every state a reader can meet:
 * flag and bitmap: the bitmap says; flag without bitmap: a clear under
 * way, nothing lost (never EIO on sectors just written); bitmap without
 * flag: not flagged yet, or cleared: nothing lost; neither: nothing lost.
 */
static void range_lost_states(struct kunit *test)
{
	struct range_fixture *f = test->priv;
	DECLARE_BITMAP(bits, DM_REMAP_MAX_SECTORS_PER_BLOCK);
	sector_t start = 40 * f->spb, bad = start + f->spb - 1;
	struct remap_entry *e;
	struct remap_extent x;

	KUNIT_ASSERT_EQ(test, remap_table_insert(&f->table, 40, 11, 0, &e), 0);
	x = extent(f, bad, 1);
	KUNIT_EXPECT_TRUE(test, x.remapped);
	KUNIT_EXPECT_FALSE(test, x.lost);

	/* flag and bitmap: the last sector of the block is lost */
	bitmap_zero(bits, DM_REMAP_MAX_SECTORS_PER_BLOCK);
	set_bit(f->spb - 1, bits);
	KUNIT_ASSERT_EQ(test, remap_table_set_lost(&f->table, e, bits), 0);
	x = extent(f, bad, 1);
	KUNIT_EXPECT_TRUE(test, x.lost);

	/* bitmap published, flag not (yet, or any more) set */
	remap_table_set_flags(&f->table, e, 0, REMAP_F_LOST);
	x = extent(f, bad, 1);
	KUNIT_EXPECT_TRUE(test, x.remapped);
	KUNIT_EXPECT_FALSE(test, x.lost);

	/* flag without bitmap: the sectors were written, the clear is under way */
	KUNIT_ASSERT_EQ(test, remap_table_set_lost(&f->table, e, NULL), 0);
	remap_table_set_flags(&f->table, e, REMAP_F_LOST, 0);
	x = extent(f, start, 2 * f->spb);
	KUNIT_EXPECT_TRUE(test, x.remapped);
	KUNIT_EXPECT_FALSE(test, x.lost);
	KUNIT_EXPECT_EQ(test, x.spare, 11U);
	/* a block whose flag says lost still stands alone */
	KUNIT_EXPECT_EQ(test, x.sectors, f->spb);
	x = extent(f, bad, 1);
	KUNIT_EXPECT_FALSE(test, x.lost);
}

/* Walking a long range extent by extent covers it exactly. */
static void range_walk_covers_everything(struct kunit *test)
{
	struct range_fixture *f = test->priv;
	sector_t sector = 3, end = 30 * f->spb + 1, remapped = 0;
	struct remap_extent x;
	unsigned int parts = 0;

	while (sector < end) {
		x = extent(f, sector, end - sector);
		KUNIT_ASSERT_GT(test, x.sectors, 0ULL);
		if (x.remapped)
			remapped += x.sectors;
		sector += x.sectors;
		parts++;
	}
	KUNIT_EXPECT_EQ(test, sector, end);
	KUNIT_EXPECT_EQ(test, remapped, 5 * f->spb);
	/* main, run 10-12, 13, main, 20, main */
	KUNIT_EXPECT_EQ(test, parts, 6U);
}

static struct kunit_case range_cases[] = {
	KUNIT_CASE_PARAM(range_untouched_goes_whole, block_shift_gen_params),
	KUNIT_CASE_PARAM(range_stops_before_remapped, block_shift_gen_params),
	KUNIT_CASE_PARAM(range_run_of_spares, block_shift_gen_params),
	KUNIT_CASE_PARAM(range_partial_block, block_shift_gen_params),
	KUNIT_CASE_PARAM(range_moving_block_alone, block_shift_gen_params),
	KUNIT_CASE_PARAM(range_walk_covers_everything, block_shift_gen_params),
	KUNIT_CASE_PARAM(range_lost_runs, block_shift_gen_params),
	KUNIT_CASE_PARAM(range_lost_states, block_shift_gen_params),
	{}
};

static struct kunit_suite range_suite = {
	.name = "dm_remap_range",
	.suite_init = range_suite_init,
	.suite_exit = range_suite_exit,
	.init = range_init,
	.exit = range_exit,
	.test_cases = range_cases,
};

kunit_test_suite(range_suite);

MODULE_LICENSE("GPL");
