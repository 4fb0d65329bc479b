// SPDX-License-Identifier: GPL-2.0-only
/*
 * dm-remap: keeps a failing disk in service by redirecting blocks that went
 * bad to a spare device.
 *
 * This file holds the target: the table line, the I/O path, status and the
 * suspend/resume life cycle.
 */
#include <linux/blkdev.h>
#include <linux/module.h>
#include <linux/sched/mm.h>

#include "dm-remap-core.h"
#include "dm-remap-range.h"
#include "dm-remap-tunables.h"

#define DM_MSG_PREFIX "remap"

/* ---------------------------------------------------------------------------
 * The I/O path
 */

static void route_to_main(struct remap_c *rc, struct bio *bio,
			  struct remap_io *io, sector_t sector)
{
	bio_set_dev(bio, rc->main_dev->bdev);
	bio->bi_iter.bi_sector = sector;
	io->on_spare = false;
	io->sector = sector;
	io->iter = bio->bi_iter;
}

static void route_to_spare(struct remap_c *rc, struct bio *bio,
			   struct remap_io *io, sector_t sector, u32 spare)
{
	sector_t offset = sector & ((1U << rc->block_shift) - 1);

	bio_set_dev(bio, rc->spare_dev->bdev);
	bio->bi_iter.bi_sector = rc->pool_offset +
				 ((sector_t)spare << rc->block_shift) + offset;
	io->on_spare = true;
}

/*
 * Hands the bio to the worker, which does it block by block: for bios that
 * cannot be cut here (only map() may cut) or that change lost sectors.
 */
static void defer_whole(struct remap_c *rc, struct bio *bio,
			struct remap_io *io, sector_t sector)
{
	io->sector = sector;
	io->iter = bio->bi_iter;
	remap_leave_bank(rc, io);
	remap_defer_bio(rc, bio);
}

/*
 * Routes a bio that starts in a remapped block: to the spare, or held while
 * the block's data moves. Returns DM_MAPIO_REMAPPED, DM_MAPIO_SUBMITTED,
 * DM_MAPIO_KILL (a read of lost sectors), DM_MAPIO_REQUEUE (a moving block
 * during a noflush suspend), or -EAGAIN when the move ended meanwhile and
 * the lookup must be redone.
 */
static int route_remapped(struct remap_c *rc, struct bio *bio,
			  struct remap_io *io, sector_t sector,
			  const struct remap_extent *x, bool in_map)
{
	if (x->flags & REMAP_F_MOVING) {
		remap_leave_bank(rc, io);
		/* a noflush suspend must not wait for the move: DM requeues it */
		if (in_map && dm_noflush_suspending(rc->ti))
			return DM_MAPIO_REQUEUE;
		if (remap_hold_bio(rc, bio, x->block))
			return DM_MAPIO_SUBMITTED;
		remap_enter_bank(rc, io, sector);
		return -EAGAIN;
	}
	if (x->flags & REMAP_F_UNCERTAIN) {
		/* the metadata failed with the block's move: see fail_moves() */
		remap_leave_bank(rc, io);
		return DM_MAPIO_KILL;
	}
	if (x->flags & REMAP_F_LOST) {
		if (bio_op(bio) == REQ_OP_WRITE) {
			/* makes lost sectors good: the metadata must say so */
			defer_whole(rc, bio, io, sector);
			return DM_MAPIO_SUBMITTED;
		}
		if (x->lost && bio_op(bio) != REQ_OP_DISCARD) {
			/* DM fails it; end_io() is not called: leave the bank */
			remap_leave_bank(rc, io);
			return DM_MAPIO_KILL;
		}
	}
	/* lost sectors stay lost: a discard does not make them readable */
	if (bio_op(bio) == REQ_OP_DISCARD && (x->lost || !rc->spare_discards)) {
		/* done, without effect; DM has no return code for that */
		bio_endio(bio);
		return DM_MAPIO_SUBMITTED;
	}
	route_to_spare(rc, bio, io, sector, x->spare);
	return DM_MAPIO_REMAPPED;
}

/*
 * Sends a bio where its first part lives. A bio that touches no remapped
 * block goes to the main device whole; otherwise it is cut where the
 * destination changes and DM sends the rest through map() again. Held bios
 * come back here from a move's release (@in_map false): they lie within one
 * block, but if that block now has lost sectors they go to the worker (a
 * write or read needing a cut, and a discard: see discard_block()).
 */
static int remap_route_bio(struct remap_c *rc, struct bio *bio,
			   struct remap_io *io, bool in_map)
{
	sector_t sector = dm_target_offset(rc->ti, bio->bi_iter.bi_sector);
	struct remap_extent x;
	int r;

	do {
		remap_first_extent(&rc->table, rc->block_shift, sector,
				   bio_sectors(bio), &x);
		if (x.sectors < bio_sectors(bio)) {
			if (!in_map) {
				defer_whole(rc, bio, io, sector);
				return DM_MAPIO_SUBMITTED;
			}
			dm_accept_partial_bio(bio, x.sectors);
		}
		if (!x.remapped) {
			route_to_main(rc, bio, io, sector);
			return DM_MAPIO_REMAPPED;
		}
		r = route_remapped(rc, bio, io, sector, &x, in_map);
	} while (r == -EAGAIN);
	return r;
}

/*
 * Held bios, given back by a move whose table changes are final (see
 * remap_release_fn): each is counted and routed again as in map(), and
 * sent or ended here, since map() returned DM_MAPIO_SUBMITTED for it.
 */
static void release_held(struct remap_c *rc, struct bio_list *held)
{
	struct remap_io *io;
	struct bio *bio;
	int r;

	while ((bio = bio_list_pop(held))) {
		io = dm_per_bio_data(bio, sizeof(*io));
		rcu_read_lock();
		remap_enter_bank(rc, io, dm_target_offset(rc->ti, bio->bi_iter.bi_sector));
		r = remap_route_bio(rc, bio, io, false);
		rcu_read_unlock();
		if (r == DM_MAPIO_REMAPPED) {
			dm_submit_bio_remap(bio, NULL);
		} else if (r == DM_MAPIO_KILL) {
			/* held, so ours to end: no second go in end_io() */
			io->redone = true;
			bio_io_error(bio);
		}
	}
}

static int remap_map(struct dm_target *ti, struct bio *bio)
{
	struct remap_c *rc = ti->private;
	struct remap_io *io = dm_per_bio_data(bio, sizeof(*io));
	sector_t sector, group_left;
	int r;

	io->ref.counted = false;
	io->on_spare = false;
	io->redone = false;
	io->data = bio_sectors(bio);
	if (unlikely(!io->data)) {
		/* empty flush: clone 0 flushes the main device, clone 1 the spare */
		bio_set_dev(bio, dm_bio_get_target_bio_nr(bio) ?
			    rc->spare_dev->bdev : rc->main_dev->bdev);
		return DM_MAPIO_REMAPPED;
	}
	/* a bio counts in the bucket of one group: it must not cross it */
	sector = dm_target_offset(ti, bio->bi_iter.bi_sector);
	group_left = remap_inflight_group_left(sector);
	if (bio_sectors(bio) > group_left)
		dm_accept_partial_bio(bio, group_left);
	rcu_read_lock();
	remap_enter_bank(rc, io, sector);
	r = remap_route_bio(rc, bio, io, true);
	rcu_read_unlock();
	return r;
}

static int remap_end_io(struct dm_target *ti, struct bio *bio,
			blk_status_t *error)
{
	struct remap_c *rc = ti->private;
	struct remap_io *io = dm_per_bio_data(bio, sizeof(*io));
	int r = DM_ENDIO_DONE;

	if (unlikely(*error) && io->data)
		r = remap_end_io_error(rc, bio, io, *error);
	if (r != DM_ENDIO_INCOMPLETE)
		remap_leave_bank(rc, io);
	return r;
}

/* ---------------------------------------------------------------------------
 * Status
 */

static unsigned int nr_feature_args(struct remap_c *rc)
{
	return 2 * (rc->block_size != DM_REMAP_DEFAULT_BLOCK_SIZE) +
	       !rc->auto_remap +
	       2 * (rc->read_retries != REMAP_DEFAULT_READ_RETRIES);
}

static void emit_table(struct remap_c *rc, char *result, unsigned int maxlen)
{
	unsigned int sz = 0, n = nr_feature_args(rc);

	DMEMIT("%s %s", rc->main_dev->name, rc->spare_dev->name);
	if (!n)
		return;
	DMEMIT(" %u", n);
	if (rc->block_size != DM_REMAP_DEFAULT_BLOCK_SIZE)
		DMEMIT(" block_size %u", rc->block_size);
	if (!rc->auto_remap)
		DMEMIT(" no_auto_remap");
	if (rc->read_retries != REMAP_DEFAULT_READ_RETRIES)
		DMEMIT(" read_retries %u", rc->read_retries);
}

static void remap_status(struct dm_target *ti, status_type_t type,
			 unsigned int status_flags, char *result,
			 unsigned int maxlen)
{
	struct remap_c *rc = ti->private;

	switch (type) {
	case STATUSTYPE_INFO:
		remap_emit_status(rc, result, maxlen);
		break;
	case STATUSTYPE_TABLE:
		emit_table(rc, result, maxlen);
		break;
	case STATUSTYPE_IMA:
		*result = '\0';
		break;
	}
}

static int remap_iterate_devices(struct dm_target *ti,
				 iterate_devices_callout_fn fn, void *data)
{
	struct remap_c *rc = ti->private;
	int r = fn(ti, rc->main_dev, 0, ti->len, data);

	return r ? r : fn(ti, rc->spare_dev, 0,
			  bdev_nr_sectors(rc->spare_dev->bdev), data);
}

/* ---------------------------------------------------------------------------
 * Life cycle
 */

static int load_entry(void *context, u32 spare,
		      const struct remap_metadata_entry *e)
{
	DECLARE_BITMAP(lost, DM_REMAP_MAX_SECTORS_PER_BLOCK);
	struct remap_c *rc = context;
	struct remap_entry *entry;
	int r;

	r = spare_pool_claim(&rc->pool, spare);
	if (r) {
		DMERR("metadata: spare block %u is used twice", spare);
		return r;
	}
	r = remap_table_insert(&rc->table, e->block, spare,
			       e->flags & REMAP_F_PERSISTENT & ~REMAP_F_LOST, &entry);
	if (!r && (e->flags & REMAP_F_LOST)) {
		bitmap_from_arr64(lost, e->lost, DM_REMAP_MAX_SECTORS_PER_BLOCK);
		r = remap_table_set_lost(&rc->table, entry, lost);
	}
	if (r)
		DMERR("metadata: block %llu cannot be loaded: error %d",
		      e->block, r);
	return r;
}

/*
 * The metadata is read here rather than in the constructor: on a table
 * reload the old instance commits in its postsuspend, which runs after the
 * new instance's constructor and before this. Device-mapper makes the
 * table live before this runs, so messages may arrive during the load or
 * after it failed: those that change anything wait for rc->loaded.
 */
static int remap_preresume(struct dm_target *ti)
{
	struct remap_c *rc = ti->private;
	char *error = NULL;
	unsigned int noio;
	ktime_t start;
	int r;

	if (rc->loaded)
		return 0;
	start = ktime_get();
	/* suspended: memory must not be had by writing to this device */
	noio = memalloc_noio_save();
	/*
	 * Hash sized once for what the metadata counts, rather than resized
	 * on the way; only a hint: a failure leaves the inserts to grow it.
	 */
	remap_table_reserve(&rc->table, min_t(u64, remap_metadata_nr_remaps(rc->md),
					      remap_metadata_pool_blocks(rc->md)));
	r = remap_metadata_load(rc->md, load_entry, rc, &error);
	if (!r)
		remap_table_trim(&rc->table);
	memalloc_noio_restore(noio);
	if (r) {
		DMERR("%s", error);
		/* nothing half-loaded: a resume retried later starts afresh */
		remap_table_clear(&rc->table);
		spare_pool_reset(&rc->pool);
		return r;
	}
	/* pairs with remap_loaded(): messages that change things may go on */
	smp_store_release(&rc->loaded, true);
	DMINFO("loaded %u remaps in %lld ms", remap_table_count(&rc->table),
	       ktime_ms_delta(ktime_get(), start));
	return 0;
}

static void remap_resume(struct dm_target *ti)
{
	struct remap_c *rc = ti->private;
	unsigned int noio = memalloc_noio_save();

	remap_check_events(rc);
	remap_scrub_resume(rc);
	if (remap_sysfs_add(rc))
		DMWARN("cannot create the sysfs directory");
	memalloc_noio_restore(noio);
}

/* Background work stops before the device is quiesced. */
static void remap_presuspend(struct dm_target *ti)
{
	unsigned int noio = memalloc_noio_save();

	remap_scrub_suspend(ti->private);
	if (dm_noflush_suspending(ti))
		remap_requeue_held(ti->private);
	memalloc_noio_restore(noio);
}

static void remap_presuspend_undo(struct dm_target *ti)
{
	remap_scrub_resume(ti->private);
}

static void remap_postsuspend(struct dm_target *ti)
{
	struct remap_c *rc = ti->private;
	unsigned int noio = memalloc_noio_save();
	int r;

	remap_sysfs_remove(rc);
	flush_workqueue(rc->wq);
	/* a table never loaded has nothing to commit, and must write nothing */
	r = remap_loaded(rc) ?
	    remap_metadata_commit(rc->md, remap_metadata_ticket(rc->md)) : 0;
	if (r)
		DMERR("metadata commit on suspend failed: error %d", r);
	remap_check_events(rc);
	memalloc_noio_restore(noio);
}

/* ---------------------------------------------------------------------------
 * Constructor and destructor
 */

struct remap_args {
	unsigned int block_size;
	bool auto_remap;
	unsigned int read_retries;
};

/*
 * A decimal number from 0 to @max, digits only. Not dm_read_arg(): its
 * sscanf("%u") keeps the low 32 bits of a larger number, so that
 * "4294967297" would read as 1.
 */
static int read_uint_arg(struct dm_arg_set *as, unsigned int max,
			 unsigned int *value, char **error, char *message)
{
	if (remap_parse_number(dm_shift_arg(as), max, value)) {
		*error = message;
		return -EINVAL;
	}
	return 0;
}

static int parse_features(struct dm_arg_set *as, struct remap_args *args,
			  char **error)
{
	unsigned int argc;
	const char *name;
	int r;

	if (!as->argc)
		return 0;
	r = read_uint_arg(as, 5, &argc, error,
			  "Invalid number of feature arguments");
	if (!r && argc > as->argc) {
		*error = "Invalid number of feature arguments";
		r = -EINVAL;
	}
	while (!r && argc--) {
		name = dm_shift_arg(as);
		if (!strcasecmp(name, "no_auto_remap")) {
			args->auto_remap = false;
		} else if (!strcasecmp(name, "block_size") && argc) {
			argc--;
			if (remap_parse_number(dm_shift_arg(as), U32_MAX,
					       &args->block_size)) {
				*error = "Invalid block_size: not a number";
				return -EINVAL;
			}
		} else if (!strcasecmp(name, "read_retries") && argc) {
			argc--;
			r = read_uint_arg(as, REMAP_MAX_READ_RETRIES,
					  &args->read_retries, error,
					  "Invalid read_retries: must be 0 to 16");
		} else {
			*error = "Unknown or incomplete feature argument";
			DMERR("unknown or incomplete feature argument '%s'", name);
			return -EINVAL;
		}
	}
	return r;
}

static int check_geometry(struct dm_target *ti, struct remap_c *rc,
			  char **error)
{
	struct block_device *main_bdev = rc->main_dev->bdev;
	struct block_device *spare_bdev = rc->spare_dev->bdev;
	u32 bs = rc->block_size;

	if (!is_power_of_2(bs) || bs < DM_REMAP_MIN_BLOCK_SIZE ||
	    bs > DM_REMAP_MAX_BLOCK_SIZE) {
		*error = "Invalid block_size: must be a power of two from 512 to 65536";
		return -EINVAL;
	}
	if (bs < bdev_logical_block_size(main_bdev) ||
	    bs < bdev_logical_block_size(spare_bdev)) {
		*error = "Invalid block_size: smaller than a device's logical block size";
		return -EINVAL;
	}
	/* metadata blocks are 4 KiB, each read and written whole */
	if (bdev_logical_block_size(spare_bdev) > DM_REMAP_META_BLOCK_SIZE) {
		*error = "Spare device's logical block size is above 4096";
		return -EINVAL;
	}
	if (main_bdev == spare_bdev) {
		*error = "Main and spare must be different devices";
		return -EINVAL;
	}
	if (ti->len > bdev_nr_sectors(main_bdev)) {
		*error = "Target length exceeds the main device";
		return -EINVAL;
	}
	if (ti->len & ((bs >> SECTOR_SHIFT) - 1)) {
		*error = "Target length is not a multiple of block_size";
		return -EINVAL;
	}
	return 0;
}

/*
 * Devices in use by remap targets. Device-mapper lets tables share a
 * device; two remap devices sharing a main or spare device would corrupt
 * each other, so each device belongs to one mapped device (whose table
 * reloads may hold it twice for a moment).
 */
struct remap_claim {
	struct list_head list;
	dev_t dev;
	struct mapped_device *owner;
	unsigned int count;
};

static LIST_HEAD(remap_claims);
static DEFINE_MUTEX(remap_claims_lock);

static int claim_device(struct dm_target *ti, struct dm_dev *dev)
{
	struct mapped_device *owner = dm_table_get_md(ti->table);
	struct remap_claim *c;
	int r = 0;

	mutex_lock(&remap_claims_lock);
	list_for_each_entry(c, &remap_claims, list) {
		if (c->dev != dev->bdev->bd_dev)
			continue;
		if (c->owner == owner)
			c->count++;
		else
			r = -EBUSY;
		goto out;
	}
	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c) {
		r = -ENOMEM;
		goto out;
	}
	c->dev = dev->bdev->bd_dev;
	c->owner = owner;
	c->count = 1;
	list_add(&c->list, &remap_claims);
out:
	mutex_unlock(&remap_claims_lock);
	return r;
}

static void release_device(struct dm_dev *dev)
{
	struct remap_claim *c;

	mutex_lock(&remap_claims_lock);
	list_for_each_entry(c, &remap_claims, list) {
		if (c->dev == dev->bdev->bd_dev) {
			if (!--c->count) {
				list_del(&c->list);
				kfree(c);
			}
			break;
		}
	}
	mutex_unlock(&remap_claims_lock);
}

static int claim_devices(struct dm_target *ti, struct remap_c *rc,
			 char **error)
{
	int r = claim_device(ti, rc->main_dev);

	if (r)
		goto bad;
	rc->claimed_main = true;
	r = claim_device(ti, rc->spare_dev);
	if (r)
		goto bad;
	rc->claimed_spare = true;
	return 0;
bad:
	*error = r == -EBUSY ? "Device is used by another remap device" :
			       "Cannot allocate memory";
	return r;
}

static int get_devices(struct dm_target *ti, struct remap_c *rc,
		       char **argv, char **error)
{
	fmode_t mode = dm_table_get_mode(ti->table);
	int r;

	r = dm_get_device(ti, argv[0], mode, &rc->main_dev);
	if (r) {
		*error = "Cannot open the main device";
		return r;
	}
	r = dm_get_device(ti, argv[1], mode, &rc->spare_dev);
	if (r)
		*error = "Cannot open the spare device";
	return r;
}

static int setup_runtime(struct remap_c *rc, char **error)
{
	int r;

	rc->nr_blocks = rc->ti->len >> rc->block_shift;
	rc->pool_offset = remap_metadata_pool_offset(rc->md);
	r = remap_table_init(&rc->table, rc->nr_blocks);
	if (r)
		goto nomem;
	r = spare_pool_init(&rc->pool, remap_metadata_pool_blocks(rc->md));
	if (r)
		goto nomem;
	r = remap_inflight_init(&rc->inflight);
	if (r) {
		r = -ENOMEM;
		goto nomem;
	}
	r = remap_io_init(rc);
	if (!r)
		r = remap_errors_init(rc);
	if (!r)
		r = remap_scrub_init(rc);
	if (r)
		goto nomem;
	rc->kcopyd = dm_kcopyd_client_create(NULL);
	if (IS_ERR(rc->kcopyd)) {
		r = PTR_ERR(rc->kcopyd);
		rc->kcopyd = NULL;
		*error = "Cannot create kcopyd client";
		return r;
	}
	return 0;
nomem:
	*error = "Cannot allocate memory";
	return r;
}

static void remap_free(struct remap_c *rc)
{
	struct dm_target *ti = rc->ti;

	if (rc->kcopyd)
		dm_kcopyd_client_destroy(rc->kcopyd);
	remap_scrub_free(rc);
	remap_errors_free(rc);
	remap_io_free(rc);
	remap_inflight_exit(&rc->inflight);
	if (rc->pool.used)
		spare_pool_destroy(&rc->pool);
	if (rc->table.regions)
		remap_table_destroy(&rc->table);
	if (rc->md)
		remap_metadata_close(rc->md);
	if (rc->claimed_spare)
		release_device(rc->spare_dev);
	if (rc->claimed_main)
		release_device(rc->main_dev);
	if (rc->spare_dev)
		dm_put_device(ti, rc->spare_dev);
	if (rc->main_dev)
		dm_put_device(ti, rc->main_dev);
	kfree(rc);
}

static void setup_target(struct dm_target *ti, struct remap_c *rc)
{
	ti->private = rc;
	ti->per_io_data_size = sizeof(struct remap_io);
	ti->num_flush_bios = 2;
	ti->num_write_zeroes_bios = 0;
	ti->num_discard_bios = bdev_max_discard_sectors(rc->main_dev->bdev) ? 1 : 0;
	ti->discards_supported = ti->num_discard_bios;
	rc->spare_discards = bdev_max_discard_sectors(rc->spare_dev->bdev);
}

/*
 * <main_dev> <spare_dev> [<#feature_args> [block_size <bytes>]
 *                         [no_auto_remap] [read_retries <n>]]
 */
static int remap_ctr(struct dm_target *ti, unsigned int argc, char **argv)
{
	struct remap_args args = {
		.block_size = DM_REMAP_DEFAULT_BLOCK_SIZE,
		.auto_remap = true,
		.read_retries = REMAP_DEFAULT_READ_RETRIES,
	};
	struct dm_arg_set as = { .argc = argc - 2, .argv = argv + 2 };
	struct remap_c *rc;
	int r;

	if (argc < 2) {
		ti->error = "Invalid argument count: <main_dev> <spare_dev> [<#features> ...]";
		return -EINVAL;
	}
	r = parse_features(&as, &args, &ti->error);
	if (!r && as.argc) {
		ti->error = "Too many arguments";
		r = -EINVAL;
	}
	if (r)
		return r;
	rc = kzalloc(sizeof(*rc), GFP_KERNEL);
	if (!rc) {
		ti->error = "Cannot allocate memory";
		return -ENOMEM;
	}
	rc->ti = ti;
	rc->block_size = args.block_size;
	rc->block_shift = ilog2(args.block_size) - SECTOR_SHIFT;
	rc->auto_remap = args.auto_remap;
	rc->read_retries = args.read_retries;
	remap_move_init(rc, release_held);
	remap_health_init(rc);

	r = get_devices(ti, rc, argv, &ti->error);
	if (!r)
		r = check_geometry(ti, rc, &ti->error);
	if (!r)
		r = claim_devices(ti, rc, &ti->error);
	if (r)
		goto bad;
	rc->md = remap_metadata_open(rc->spare_dev->bdev, ti->len,
				     rc->block_size, &ti->error);
	if (IS_ERR(rc->md)) {
		r = PTR_ERR(rc->md);
		rc->md = NULL;
		goto bad;
	}
	r = setup_runtime(rc, &ti->error);
	if (r)
		goto bad;
	setup_target(ti, rc);
	return 0;
bad:
	remap_free(rc);
	return r;
}

static void remap_dtr(struct dm_target *ti)
{
	struct remap_c *rc = ti->private;

	remap_sysfs_remove(rc);
	remap_free(rc);
}

static struct target_type remap_target = {
	.name = DM_REMAP_TARGET_NAME,
	/* From the VERSION file, through kernel/Kbuild. */
	.version = {DM_REMAP_VERSION_MAJOR, DM_REMAP_VERSION_MINOR,
		    DM_REMAP_VERSION_PATCH},
	.module = THIS_MODULE,
	.ctr = remap_ctr,
	.dtr = remap_dtr,
	.map = remap_map,
	.end_io = remap_end_io,
	.presuspend = remap_presuspend,
	.presuspend_undo = remap_presuspend_undo,
	.postsuspend = remap_postsuspend,
	.preresume = remap_preresume,
	.resume = remap_resume,
	.status = remap_status,
	.message = remap_message,
	.iterate_devices = remap_iterate_devices,
};

static struct target_type remap_v4_target = {
	.name = DM_REMAP_V4_TARGET_NAME,
	.version = {4, 1, 0},
	.module = THIS_MODULE,
	.ctr = remap_ctr,	/* the v4 form is the table line without features */
	.dtr = remap_dtr,
	.map = remap_map,
	.end_io = remap_end_io,
	.presuspend = remap_presuspend,
	.presuspend_undo = remap_presuspend_undo,
	.postsuspend = remap_postsuspend,
	.preresume = remap_preresume,
	.resume = remap_resume,
	.status = remap_status,
	.message = remap_message,
	.iterate_devices = remap_iterate_devices,
};

static int __init dm_remap_init(void)
{
	int r = remap_table_module_init();

	if (r)
		return r;
	r = remap_sysfs_module_init();
	if (r)
		goto bad_sysfs;
	r = dm_register_target(&remap_target);
	if (r)
		goto bad_target;
	r = dm_register_target(&remap_v4_target);
	if (r)
		goto bad_v4;
	return 0;
bad_v4:
	dm_unregister_target(&remap_target);
bad_target:
	remap_sysfs_module_exit();
bad_sysfs:
	remap_table_module_exit();
	return r;
}

static void __exit dm_remap_exit(void)
{
	dm_unregister_target(&remap_v4_target);
	dm_unregister_target(&remap_target);
	remap_scrub_module_exit();
	remap_sysfs_module_exit();
	remap_table_module_exit();
}

module_init(dm_remap_init);
module_exit(dm_remap_exit);

MODULE_DESCRIPTION(DM_NAME " target that remaps bad blocks to a spare device");
MODULE_AUTHOR("dm-remap developers");
MODULE_LICENSE("GPL");
MODULE_VERSION(DM_REMAP_VERSION);
MODULE_ALIAS("dm-dm-remap-v4");
