// SPDX-License-Identifier: GPL-2.0-only
/*
 * The instance's state as the front ends show it: the status figures that
 * `dmsetup status`, sysfs and the stats message share, the status line,
 * and the refusal of changes before the remap table is loaded. Below the
 * front ends: it reads the table, the pool, the metadata and the health,
 * and never waits for I/O.
 */
#include "dm-remap-core.h"

#define DM_MSG_PREFIX "remap"

/*
 * The metadata state as status and health show it: "unloaded" until the
 * table is loaded. Device-mapper makes a new table live before its
 * preresume loads the metadata (and keeps it live if that fails), so a
 * status read in between finds an empty table: its figures (remapped,
 * spare_free, lost_sectors, health) describe no remap, and this tells
 * userspace not to take them for the device's.
 */
const char *remap_metadata_state_shown(struct remap_c *rc)
{
	if (!remap_loaded(rc))
		return "unloaded";
	return remap_metadata_state_name(remap_metadata_state(rc->md));
}

void remap_get_status(struct remap_c *rc, struct remap_status *st)
{
	struct remap_health h;

	st->remapped = remap_table_count(&rc->table);
	st->spare_total = rc->pool.nr_blocks;
	st->spare_free = spare_pool_free_count(&rc->pool);
	st->read_errors = atomic64_read(&rc->stats.read_errors);
	st->write_errors = atomic64_read(&rc->stats.write_errors);
	st->auto_remaps = atomic64_read(&rc->stats.auto_remaps);
	st->lost_sectors = remap_table_lost_sectors(&rc->table);
	st->metadata_seq = remap_metadata_seq(rc->md);
	st->metadata_state = remap_metadata_state_shown(rc);
	remap_get_health(rc, &h);
	st->health_score = h.score;
	st->health_state = h.state;
	st->outage_errors = atomic64_read(&rc->stats.outage_errors);
}

/* The STATUSTYPE_INFO line: the twelve fields of the contract, then those added since. */
void remap_emit_status(struct remap_c *rc, char *result, unsigned int maxlen)
{
	struct remap_status st;
	unsigned int sz = 0;

	remap_get_status(rc, &st);
	DMEMIT("%u %llu %llu %llu %llu %llu %llu %llu %llu %s %u %s %llu",
	       rc->block_size, st.remapped, st.spare_total,
	       st.spare_free, st.read_errors, st.write_errors,
	       st.auto_remaps, st.lost_sectors, st.metadata_seq,
	       st.metadata_state, st.health_score, st.health_state,
	       st.outage_errors);
}

/*
 * Device-mapper makes a new table live before its first resume reads the
 * remap table, and passes messages to it meanwhile, also after that resume
 * failed. A change then would work on an empty or half-filled table and
 * pool, and hand out spare blocks that hold other blocks' data.
 */
bool remap_refuse_unloaded(struct remap_c *rc, const char *what)
{
	if (remap_loaded(rc))
		return false;
	DMERR("%s: the remap table is not loaded: resume the device first", what);
	return true;
}
