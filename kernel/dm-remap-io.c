// SPDX-License-Identifier: GPL-2.0-only
/*
 * Synchronous I/O through the instance's dm-io client: one request, waited
 * for. The callers run in process context and may sleep (error workers,
 * scrub, moves); map() and end_io() never come here.
 */
#include <linux/dm-io.h>
#include <linux/ioprio.h>
#include <linux/mm.h>

#include "dm-remap-core.h"
#include "dm-remap-io.h"

int remap_io_init(struct remap_c *rc)
{
	struct dm_io_client *client = dm_io_client_create();

	if (IS_ERR(client))
		return PTR_ERR(client);
	rc->io_client = client;
	return 0;
}

void remap_io_free(struct remap_c *rc)
{
	if (rc->io_client)
		dm_io_client_destroy(rc->io_client);
	rc->io_client = NULL;
}

/* A buffer may be vmalloc'ed (a block of up to 64 KiB) or kmalloc'ed. */
int remap_sync_io(struct remap_c *rc, blk_opf_t op, struct block_device *bdev,
		  sector_t sector, sector_t count, void *buf)
{
	struct dm_io_region where = {
		.bdev = bdev, .sector = sector, .count = count,
	};
	struct dm_io_request req = {
		.bi_opf = op | REQ_SYNC,
		.mem.type = is_vmalloc_addr(buf) ? DM_IO_VMA : DM_IO_KMEM,
		.mem.ptr.addr = buf,
		.client = rc->io_client,
	};
	unsigned long error_bits = 0;
	int r = dm_io(&req, 1, &where, &error_bits, IOPRIO_DEFAULT);

	return r ? r : (error_bits ? -EIO : 0);
}
