/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Synchronous I/O for the parts that work in process context: the error
 * workers, the scrub and the moves. Below them all: it calls nothing of the
 * target's but dm-io.
 */
#ifndef DM_REMAP_IO_H
#define DM_REMAP_IO_H

#include <linux/blk_types.h>

struct remap_c;
struct block_device;

int remap_io_init(struct remap_c *rc);
void remap_io_free(struct remap_c *rc);
int remap_sync_io(struct remap_c *rc, blk_opf_t op, struct block_device *bdev,
		  sector_t sector, sector_t count, void *buf);

#endif /* DM_REMAP_IO_H */
