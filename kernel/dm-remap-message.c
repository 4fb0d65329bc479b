// SPDX-License-Identifier: GPL-2.0-only
/*
 * The target's messages (dmsetup message <dev> 0 <message>). Replies are
 * regular and machine-readable: one record per line, key=value for figures.
 * message() returns 1 when it wrote a reply, 0 when it has none.
 */
#include <linux/sched/mm.h>
#include <linux/slab.h>

#include "dm-remap-core.h"
#include "dm-remap-tunables.h"

#define DM_MSG_PREFIX "remap"

/*
 * Bounds on blocks per message, so that a reply fits libdevmapper's first
 * 16 KiB buffer or, for remap, may be re-run harmlessly when it does not:
 * libdevmapper repeats a message whose reply overflowed, and remap is
 * idempotent where unremap is not.
 */
#define MAX_REMAP_BATCH		1024U
#define MAX_UNREMAP_BATCH	512U

static int parse_block(struct remap_c *rc, const char *arg, u64 *block)
{
	if (remap_parse_u64(arg, block)) {
		DMERR("invalid block number '%s'", arg);
		return -EINVAL;
	}
	if (*block >= rc->nr_blocks) {
		DMERR("block %llu is beyond the device's %llu blocks",
		      *block, rc->nr_blocks);
		return -EINVAL;
	}
	return 0;
}

static u64 *parse_blocks(struct remap_c *rc, unsigned int argc, char **argv,
			 unsigned int max)
{
	u64 *blocks;
	unsigned int i;

	if (!argc || argc > max) {
		DMERR("%s takes 1 to %u block numbers", argv[-1], max);
		return ERR_PTR(-EINVAL);
	}
	blocks = kvmalloc_array(argc, sizeof(*blocks), GFP_KERNEL);
	if (!blocks)
		return ERR_PTR(-ENOMEM);
	for (i = 0; i < argc; i++) {
		if (parse_block(rc, argv[i], &blocks[i])) {
			kvfree(blocks);
			return ERR_PTR(-EINVAL);
		}
	}
	return blocks;
}

static int remap_error(struct remap_c *rc, const char *what, int r)
{
	if (r == -ENOSPC)
		DMERR("%s: spare pool is full", what);
	else if (r == -ENOENT)
		DMERR("%s: block is not remapped", what);
	else if (r == -EBUSY)
		DMERR("%s: block has lost sectors: write them first", what);
	else if (r == -EIO)
		DMERR("%s: I/O error while moving data or writing metadata", what);
	else
		DMERR("%s failed: error %d", what, r);
	return r;
}

static bool may_change(struct remap_c *rc)
{
	if (remap_metadata_state(rc->md) == REMAP_METADATA_FAILED) {
		DMERR("metadata cannot be written: remaps cannot change");
		return false;
	}
	return true;
}

static int msg_remap(struct remap_c *rc, unsigned int argc, char **argv,
		     char *result, unsigned int maxlen)
{
	unsigned int i, sz = 0;
	u64 *blocks;
	u32 *spares;
	int r;

	blocks = parse_blocks(rc, argc - 1, argv + 1, MAX_REMAP_BATCH);
	if (IS_ERR(blocks))
		return PTR_ERR(blocks);
	spares = kvmalloc_array(argc - 1, sizeof(*spares), GFP_KERNEL);
	r = spares ? 0 : -ENOMEM;
	if (!r && !may_change(rc))
		r = -EIO;
	if (!r)
		r = remap_move_to_spare(rc, blocks, argc - 1, spares);
	if (r) {
		remap_error(rc, "remap", r);
	} else {
		for (i = 0; i < argc - 1; i++)
			DMEMIT("%llu %u\n", blocks[i], spares[i]);
		r = 1;
	}
	kvfree(spares);
	kvfree(blocks);
	return r;
}

static int msg_unremap(struct remap_c *rc, unsigned int argc, char **argv,
		       char *result, unsigned int maxlen)
{
	unsigned int i, sz = 0;
	u64 *blocks;
	int r;

	blocks = parse_blocks(rc, argc - 1, argv + 1, MAX_UNREMAP_BATCH);
	if (IS_ERR(blocks))
		return PTR_ERR(blocks);
	r = may_change(rc) ? remap_move_to_main(rc, blocks, argc - 1) : -EIO;
	if (r) {
		remap_error(rc, "unremap", r);
	} else {
		for (i = 0; i < argc - 1; i++)
			DMEMIT("%llu\n", blocks[i]);
		r = 1;
	}
	kvfree(blocks);
	return r;
}

static void emit_flags(u32 flags, char *result, unsigned int maxlen,
		       unsigned int *size)
{
	unsigned int sz = *size;

	if (flags & REMAP_F_MOVING)
		DMEMIT("%c", DM_REMAP_LIST_FLAG_MOVING);
	if (flags & REMAP_F_LOST)
		DMEMIT("%c", DM_REMAP_LIST_FLAG_LOST);
	if (flags & REMAP_F_AUTO)
		DMEMIT("%c", DM_REMAP_LIST_FLAG_AUTO);
	if (flags & REMAP_F_UNCERTAIN)
		DMEMIT("%c", DM_REMAP_LIST_FLAG_UNCERTAIN);
	if (!(flags & (REMAP_F_MOVING | REMAP_F_LOST | REMAP_F_AUTO |
		       REMAP_F_UNCERTAIN)))
		DMEMIT("-");
	*size = sz;
}

static int parse_list_args(struct remap_c *rc, unsigned int argc,
			   char **argv, u64 *start, u64 *count)
{
	*start = 0;
	*count = DM_REMAP_LIST_DEFAULT_COUNT;
	if (argc > 3) {
		DMERR("list takes at most <start_block> <count>");
		return -EINVAL;
	}
	if (argc > 1 && remap_parse_u64(argv[1], start)) {
		DMERR("list: invalid start block '%s'", argv[1]);
		return -EINVAL;
	}
	if (argc > 2 && remap_parse_u64(argv[2], count)) {
		DMERR("list: invalid count '%s'", argv[2]);
		return -EINVAL;
	}
	return 0;
}

/* Ascending by block: the region bitmap gives the order the hash lacks. */
static int msg_list(struct remap_c *rc, unsigned int argc, char **argv,
		    char *result, unsigned int maxlen)
{
	struct remap_entry *e;
	unsigned int sz = 0;
	u64 block, count;
	u32 spare, flags;
	int r;

	r = parse_list_args(rc, argc, argv, &block, &count);
	if (r)
		return r;
	for (; count && block < rc->nr_blocks; count--, block++) {
		rcu_read_lock();
		e = remap_table_first_in_range(&rc->table, block, rc->nr_blocks - 1);
		if (e) {
			block = e->block;
			spare = e->spare;
			flags = READ_ONCE(e->flags);
		}
		rcu_read_unlock();
		if (!e)
			break;
		DMEMIT("%llu %u ", block, spare);
		emit_flags(flags, result, maxlen, &sz);
		DMEMIT("\n");
		cond_resched();
	}
	return 1;
}

static int msg_stats(struct remap_c *rc, unsigned int argc, char **argv,
		     char *result, unsigned int maxlen)
{
	unsigned int sz = 0, count = remap_table_count(&rc->table);
	u64 memory = remap_table_memory(&rc->table);
	struct remap_status st;

	remap_get_status(rc, &st);
	DMEMIT("block_size=%u\nblocks=%llu\npool_offset=%llu\n", rc->block_size,
	       rc->nr_blocks, (u64)rc->pool_offset);
	DMEMIT("remapped=%llu\nspare_total=%llu\nspare_free=%llu\n",
	       st.remapped, st.spare_total, st.spare_free);
	DMEMIT("read_errors=%llu\nwrite_errors=%llu\nauto_remaps=%llu\nlost_sectors=%llu\n",
	       st.read_errors, st.write_errors, st.auto_remaps, st.lost_sectors);
	DMEMIT("manual_remaps=%llu\nunremaps=%llu\nheld_bios=%llu\n",
	       (u64)atomic64_read(&rc->stats.manual_remaps),
	       (u64)atomic64_read(&rc->stats.unremaps),
	       (u64)atomic64_read(&rc->stats.held_bios));
	DMEMIT("spare_errors=%llu\nread_retries_ok=%llu\n",
	       (u64)atomic64_read(&rc->stats.spare_errors),
	       (u64)atomic64_read(&rc->stats.read_retries_ok));
	DMEMIT("hash_buckets=%u\nhash_resizes=%u\nregion_blocks=%u\n",
	       remap_table_buckets(&rc->table), remap_table_resizes(&rc->table),
	       1U << rc->table.region_shift);
	DMEMIT("table_bytes=%llu\nbytes_per_remap=%llu\n", memory,
	       count ? div_u64(memory, count) : 0);
	DMEMIT("metadata_seq=%llu\nmetadata_commits=%llu\nmetadata_state=%s\n",
	       st.metadata_seq, remap_metadata_commits(rc->md), st.metadata_state);
	DMEMIT("read_retries=%u\nauto_remap=%s\n", READ_ONCE(rc->read_retries),
	       READ_ONCE(rc->auto_remap) ? "on" : "off");
	DMEMIT("metadata_staged=%llu\n", remap_metadata_staged(rc->md));
	DMEMIT("uncertain_blocks=%llu\n", (u64)atomic64_read(&rc->stats.uncertain));
	DMEMIT("outage=%d\noutages=%llu\noutage_errors=%llu\n",
	       remap_in_outage(rc), (u64)atomic64_read(&rc->stats.outages),
	       st.outage_errors);
	return 1;
}

static int msg_clear_stats(struct remap_c *rc, unsigned int argc,
			   char **argv, char *result, unsigned int maxlen)
{
	/* error counters only: the remap counters describe the table */
	atomic64_set(&rc->stats.read_errors, 0);
	atomic64_set(&rc->stats.write_errors, 0);
	atomic64_set(&rc->stats.spare_errors, 0);
	atomic64_set(&rc->stats.read_retries_ok, 0);
	return 0;
}

static int msg_set(struct remap_c *rc, unsigned int argc, char **argv,
		   char *result, unsigned int maxlen)
{
	struct remap_tunable_setting set;
	int r;

	if (argc != 3) {
		DMERR("set takes <read_retries|auto_remap> <value>");
		return -EINVAL;
	}
	r = remap_tunable_parse(argv[1], argv[2], &set);
	if (r == -ENOENT) {
		DMERR("set: unknown tunable '%s'", argv[1]);
		return -EINVAL;
	}
	if (r) {
		DMERR("set %s: '%s' is not %s", set.tunable->name, argv[2],
		      set.tunable->takes);
		return -EINVAL;
	}
	remap_tunable_apply(rc, &set);
	return 0;
}

static int msg_commit(struct remap_c *rc, unsigned int argc, char **argv,
		      char *result, unsigned int maxlen)
{
	unsigned int sz = 0;
	int r;

	r = remap_metadata_commit(rc->md, remap_metadata_ticket(rc->md));
	if (r) {
		DMERR("commit failed: error %d", r);
		return r;
	}
	DMEMIT("seq=%llu\n", remap_metadata_seq(rc->md));
	return 1;
}

static int msg_health(struct remap_c *rc, unsigned int argc, char **argv,
		      char *result, unsigned int maxlen)
{
	struct remap_health h;
	unsigned int sz = 0;

	remap_get_health(rc, &h);
	DMEMIT("score=%u state=%s\n", h.score, h.state);
	DMEMIT("remapped=%u\nlost_sectors=%llu\nspare_used_pct=%llu\n",
	       remap_table_count(&rc->table),
	       remap_table_lost_sectors(&rc->table), h.spare_used_pct);
	DMEMIT("remaps_last_hour=%llu\nspare_exhaustion_seconds=%lld\n",
	       h.remaps_last_hour, h.exhaustion_seconds);
	DMEMIT("spare_errors=%llu\nmetadata_state=%s\nreasons=%s\n",
	       (u64)atomic64_read(&rc->stats.spare_errors),
	       remap_metadata_state_shown(rc), h.reasons);
	return 1;
}

struct remap_message_handler {
	const char *name;
	unsigned int max_args;	/* after the name; -1 for any */
	bool changes;		/* refused until the table is loaded */
	int (*fn)(struct remap_c *rc, unsigned int argc, char **argv,
		  char *result, unsigned int maxlen);
};

/* scrub checks for itself: only its start changes anything */
static const struct remap_message_handler handlers[] = {
	{ DM_REMAP_MSG_REMAP, -1, true, msg_remap },
	{ DM_REMAP_MSG_UNREMAP, -1, true, msg_unremap },
	{ DM_REMAP_MSG_LIST, -1, false, msg_list },
	{ DM_REMAP_MSG_SET, -1, true, msg_set },
	{ DM_REMAP_MSG_STATS, 0, false, msg_stats },
	{ DM_REMAP_MSG_CLEAR_STATS, 0, true, msg_clear_stats },
	{ DM_REMAP_MSG_COMMIT, 0, true, msg_commit },
	{ DM_REMAP_MSG_HEALTH, 0, false, msg_health },
	{ DM_REMAP_MSG_SCRUB, 2, false, remap_scrub_message },
};

int remap_message(struct dm_target *ti, unsigned int argc, char **argv,
		  char *result, unsigned int maxlen)
{
	struct remap_c *rc = ti->private;
	unsigned int i, noio;
	int r;

	/*
	 * DM returns the buffer up to its first NUL and does not clear it: it
	 * still holds the ioctl's input (the message's sector). A reply with
	 * no line (list past the last remap) must read as empty.
	 */
	if (maxlen)
		*result = '\0';
	for (i = 0; i < ARRAY_SIZE(handlers); i++) {
		if (strcasecmp(argv[0], handlers[i].name))
			continue;
		if (argc - 1 > handlers[i].max_args) {
			if (handlers[i].max_args)
				DMERR("%s: too many arguments", argv[0]);
			else
				DMERR("%s takes no arguments", argv[0]);
			return -EINVAL;
		}
		if (handlers[i].changes && remap_refuse_unloaded(rc, argv[0]))
			return -EBUSY;
		/* a message may run while the device is suspended */
		noio = memalloc_noio_save();
		r = handlers[i].fn(rc, argc, argv, result, maxlen);
		memalloc_noio_restore(noio);
		/* a change, or a failed one, may have changed a state */
		remap_check_events(rc);
		return r;
	}
	DMERR("unknown message '%s'", argv[0]);
	return -EINVAL;
}
