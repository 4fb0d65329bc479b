/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The spare pool allocator: hands out the blocks of the spare device's pool,
 * each at most once, and never anything outside the pool (the metadata copies
 * lie outside it by construction of the layout).
 */
#ifndef DM_REMAP_SPARE_H
#define DM_REMAP_SPARE_H

#include <linux/spinlock.h>
#include <linux/types.h>

struct spare_pool {
	spinlock_t lock;	/* protects the fields below */
	unsigned long *used;	/* bit set: block holds a remap */
	u32 nr_blocks;
	u32 nr_free;
	u32 next;		/* no free block below this */
};

int spare_pool_init(struct spare_pool *p, u32 nr_blocks);
void spare_pool_destroy(struct spare_pool *p);
void spare_pool_reset(struct spare_pool *p);

int spare_pool_alloc(struct spare_pool *p, u32 *block);
int spare_pool_claim(struct spare_pool *p, u32 block);
void spare_pool_free(struct spare_pool *p, u32 block);

u32 spare_pool_free_count(struct spare_pool *p);

#endif /* DM_REMAP_SPARE_H */
