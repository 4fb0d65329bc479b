/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Block-range logic of the I/O path: where the first part of a sector range
 * goes, and how long that part is.
 */
#ifndef DM_REMAP_RANGE_H
#define DM_REMAP_RANGE_H

#include <linux/types.h>

#include "dm-remap-table.h"

struct remap_extent {
	sector_t sectors;	/* length of the part that goes to one place */
	bool remapped;		/* to the spare pool, else to the main device */
	u64 block;		/* first block of the part, if remapped */
	u32 spare;		/* its spare block */
	u32 flags;		/* its entry's flags */
	bool lost;		/* the part's sectors are lost (reads fail) */
};

void remap_first_extent(struct remap_table *t, unsigned int block_shift,
			sector_t sector, sector_t nr_sectors,
			struct remap_extent *x);

#endif /* DM_REMAP_RANGE_H */
