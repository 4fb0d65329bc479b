// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of the spare pool allocator and of the spare device layout.
 */
#include <kunit/test.h>

#include "dm-remap-metadata.h"
#include "dm-remap-spare.h"

static struct spare_pool *new_pool(struct kunit *test, u32 n)
{
	struct spare_pool *p = kunit_kzalloc(test, sizeof(*p), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_EQ(test, spare_pool_init(p, n), 0);
	return p;
}

static void spare_lowest_first_until_full(struct kunit *test)
{
	struct spare_pool *p = new_pool(test, 100);
	u32 i, block;

	for (i = 0; i < 100; i++) {
		KUNIT_ASSERT_EQ(test, spare_pool_alloc(p, &block), 0);
		KUNIT_EXPECT_EQ(test, block, i);
	}
	KUNIT_EXPECT_EQ(test, spare_pool_free_count(p), 0U);
	KUNIT_EXPECT_EQ(test, spare_pool_alloc(p, &block), -ENOSPC);

	spare_pool_free(p, 42);
	spare_pool_free(p, 7);
	KUNIT_EXPECT_EQ(test, spare_pool_free_count(p), 2U);
	KUNIT_ASSERT_EQ(test, spare_pool_alloc(p, &block), 0);
	KUNIT_EXPECT_EQ(test, block, 7U);
	KUNIT_ASSERT_EQ(test, spare_pool_alloc(p, &block), 0);
	KUNIT_EXPECT_EQ(test, block, 42U);
	spare_pool_destroy(p);
}

static void spare_claim(struct kunit *test)
{
	struct spare_pool *p = new_pool(test, 10);
	u32 block;

	KUNIT_EXPECT_EQ(test, spare_pool_claim(p, 0), 0);
	KUNIT_EXPECT_EQ(test, spare_pool_claim(p, 2), 0);
	KUNIT_EXPECT_EQ(test, spare_pool_claim(p, 2), -EEXIST);
	KUNIT_EXPECT_EQ(test, spare_pool_claim(p, 10), -ERANGE);
	KUNIT_EXPECT_EQ(test, spare_pool_free_count(p), 8U);
	KUNIT_ASSERT_EQ(test, spare_pool_alloc(p, &block), 0);
	KUNIT_EXPECT_EQ(test, block, 1U);
	KUNIT_ASSERT_EQ(test, spare_pool_alloc(p, &block), 0);
	KUNIT_EXPECT_EQ(test, block, 3U);
	spare_pool_destroy(p);
}

static const u32 layout_block_sizes[] = {
	512, 1024, 2048, 4096, 8192, 16384, 32768, 65536
};

static void bs_desc(const u32 *bs, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "block_size %u", *bs);
}

KUNIT_ARRAY_PARAM(layout_bs, layout_block_sizes, bs_desc);

/* The pool never overlaps a metadata copy, and each copy holds its table. */
static void layout_pool_between_copies(struct kunit *test)
{
	static const u64 sizes[] = { 1024, 32768, 2097152, 3000017, 1ULL << 33 };
	u32 bs = *(const u32 *)test->param_value;
	u64 bs_sectors = bs >> SECTOR_SHIFT;
	struct remap_geometry g;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		if (remap_geometry_compute(&g, sizes[i], bs))
			continue;
		KUNIT_EXPECT_EQ(test, g.copy_offset[0], 0ULL);
		KUNIT_EXPECT_GE(test, g.pool_offset, g.copy_sectors);
		KUNIT_EXPECT_EQ(test, g.pool_offset % bs_sectors, 0ULL);
		KUNIT_EXPECT_LE(test, g.pool_offset + g.pool_blocks * bs_sectors,
				g.copy_offset[1]);
		KUNIT_EXPECT_LE(test, g.copy_offset[1] + g.copy_sectors, sizes[i]);
		KUNIT_EXPECT_GE(test, (g.copy_sectors / DM_REMAP_META_BLOCK_SECTORS - 1) *
				DM_REMAP_ENTRIES_PER_BLOCK, (u64)g.pool_blocks);
		KUNIT_EXPECT_GE(test, g.table_blocks * DM_REMAP_ENTRIES_PER_BLOCK,
				(u64)g.pool_blocks);
		KUNIT_EXPECT_GT(test, g.pool_blocks, 0U);
		/* the pool takes most of a spare of 1 GiB or more (up to 2^32 blocks) */
		if (sizes[i] >= 2097152 && g.pool_blocks < U32_MAX)
			KUNIT_EXPECT_GT(test, g.pool_blocks * bs_sectors,
					sizes[i] * 85 / 100);
	}
}

static void layout_too_small(struct kunit *test)
{
	struct remap_geometry g;

	KUNIT_EXPECT_EQ(test, remap_geometry_compute(&g, 16, 4096), -ENOSPC);
	KUNIT_EXPECT_EQ(test, remap_geometry_compute(&g, 256, 65536), -ENOSPC);
	KUNIT_EXPECT_EQ(test, remap_geometry_compute(&g, 40, 4096), 0);
	KUNIT_EXPECT_EQ(test, g.pool_blocks, 1U);
}

static void disk_format_sizes(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, sizeof(struct dm_remap_disk_superblock),
			(size_t)DM_REMAP_META_BLOCK_SIZE);
	KUNIT_EXPECT_EQ(test, sizeof(struct dm_remap_disk_table_block),
			(size_t)DM_REMAP_META_BLOCK_SIZE);
	KUNIT_EXPECT_EQ(test, sizeof(struct dm_remap_disk_entry), (size_t)32);
	KUNIT_EXPECT_EQ(test, DM_REMAP_ENTRIES_PER_BLOCK, (size_t)127);
}

static struct kunit_case spare_cases[] = {
	KUNIT_CASE(spare_lowest_first_until_full),
	KUNIT_CASE(spare_claim),
	KUNIT_CASE_PARAM(layout_pool_between_copies, layout_bs_gen_params),
	KUNIT_CASE(layout_too_small),
	KUNIT_CASE(disk_format_sizes),
	{}
};

static struct kunit_suite spare_suite = {
	.name = "dm_remap_spare",
	.test_cases = spare_cases,
};

kunit_test_suite(spare_suite);

MODULE_LICENSE("GPL");
