// SPDX-License-Identifier: GPL-2.0-only
/*
 * The spare pool allocator. Lowest free block first, so that the used part
 * of the on-disk table stays short and loads fast.
 */
#include <linux/bitmap.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "dm-remap-spare.h"

int spare_pool_init(struct spare_pool *p, u32 nr_blocks)
{
	p->used = kvcalloc(BITS_TO_LONGS(nr_blocks), sizeof(unsigned long),
			   GFP_KERNEL);
	if (!p->used)
		return -ENOMEM;
	spin_lock_init(&p->lock);
	p->nr_blocks = nr_blocks;
	p->nr_free = nr_blocks;
	p->next = 0;
	return 0;
}

void spare_pool_destroy(struct spare_pool *p)
{
	kvfree(p->used);
	p->used = NULL;
}

/* Every block free again, for a load that failed half-way. */
void spare_pool_reset(struct spare_pool *p)
{
	spin_lock(&p->lock);
	bitmap_zero(p->used, p->nr_blocks);
	p->nr_free = p->nr_blocks;
	p->next = 0;
	spin_unlock(&p->lock);
}

int spare_pool_alloc(struct spare_pool *p, u32 *block)
{
	unsigned long b;
	int r = -ENOSPC;

	spin_lock(&p->lock);
	b = find_next_zero_bit(p->used, p->nr_blocks, p->next);
	if (b < p->nr_blocks) {
		__set_bit(b, p->used);
		p->nr_free--;
		p->next = b + 1;
		*block = b;
		r = 0;
	}
	spin_unlock(&p->lock);
	return r;
}

/* Marks a block found in use in the metadata; a block claimed twice is bad. */
int spare_pool_claim(struct spare_pool *p, u32 block)
{
	int r = 0;

	if (block >= p->nr_blocks)
		return -ERANGE;
	spin_lock(&p->lock);
	if (__test_and_set_bit(block, p->used))
		r = -EEXIST;
	else
		p->nr_free--;
	spin_unlock(&p->lock);
	return r;
}

void spare_pool_free(struct spare_pool *p, u32 block)
{
	spin_lock(&p->lock);
	if (!WARN_ON(block >= p->nr_blocks || !__test_and_clear_bit(block, p->used))) {
		p->nr_free++;
		if (block < p->next)
			p->next = block;
	}
	spin_unlock(&p->lock);
}

u32 spare_pool_free_count(struct spare_pool *p)
{
	return READ_ONCE(p->nr_free);
}
