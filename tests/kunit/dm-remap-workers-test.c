// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of the error workers' round robin: the index stays within
 * the workers however long the target runs.
 */
#include <kunit/test.h>

#include "dm-remap-core.h"

/* The counter wraps after 2^32 deferrals, through INT_MAX to INT_MIN. */
static void workers_index_in_range_across_wrap(struct kunit *test)
{
	static const int starts[] = { 0, INT_MAX - 5, -1 - 5, INT_MIN };
	unsigned int i, k, idx, prev;
	atomic_t next;

	for (i = 0; i < ARRAY_SIZE(starts); i++) {
		atomic_set(&next, starts[i]);
		prev = remap_next_worker(&next);
		for (k = 0; k < 3 * REMAP_ERROR_WORKERS; k++) {
			idx = remap_next_worker(&next);
			KUNIT_EXPECT_LT(test, idx, (unsigned int)REMAP_ERROR_WORKERS);
			/* round robin: each worker in turn, also across the wrap */
			KUNIT_EXPECT_EQ(test, idx, (prev + 1) % REMAP_ERROR_WORKERS);
			prev = idx;
		}
	}
}

static struct kunit_case workers_cases[] = {
	KUNIT_CASE(workers_index_in_range_across_wrap),
	{}
};

static struct kunit_suite workers_suite = {
	.name = "dm_remap_workers",
	.test_cases = workers_cases,
};

kunit_test_suite(workers_suite);

MODULE_LICENSE("GPL");
