// SPDX-License-Identifier: GPL-2.0-only
/*
 * The error path: what happens when the main device fails a bio.
 *
 * end_io() takes a failed bio back (DM_ENDIO_INCOMPLETE) and queues it; a
 * worker redoes it block by block in process context, as md's raid1 narrows
 * a failed write, so that only the blocks that really fail are remapped:
 *
 * - a write whose block cannot take it goes to a new spare block, with the
 *   rest of the block copied from the main device first; sectors of the
 *   rest that cannot be read are lost (never replaced by zeros);
 * - a read is retried read_retries times; data from a retry is returned and
 *   its block, being weak, is moved to a spare with that data; a block that
 *   stays unreadable is moved with what can be read, its unreadable sectors
 *   marked lost, and the read fails. Lost sectors read as errors until they
 *   are written again, and they are recorded in the metadata so that this
 *   holds across reboots too.
 *
 * Bios to the spare device are never redone: its errors are reported.
 */
#include <linux/bio.h>
#include <linux/delay.h>
#include <linux/hash.h>
#include <linux/blkdev.h>
#include <linux/mempool.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>

#include "dm-remap-core.h"
#include "dm-remap-io.h"

#define DM_MSG_PREFIX "remap"

/* One block's part of a bio being redone. */
struct block_redo {
	struct remap_c *rc;
	struct bio *bio;
	u64 block;
	unsigned int first;		/* sector of the part within the block */
	unsigned int count;		/* sectors of the part */
	unsigned int bio_offset;	/* bytes into the bio's data */
	void *buf;			/* one block, lent for the bio */
	struct move_batch *batch;	/* for an automatic move of the block */
	bool requeue;			/* gave up for a noflush suspend */
	unsigned long outage_mark;	/* outage_seen when the fill began */
	DECLARE_BITMAP(lost, DM_REMAP_MAX_SECTORS_PER_BLOCK);
};

/*
 * A noflush suspend waits for every bio in flight. A bio being redone gives
 * up between two reads and goes back to device-mapper, which sends it again
 * after the resume, rather than keep the suspend waiting through retries
 * of many seconds. The scrub (no bio) has nobody to give its block back to.
 */
static bool give_up(struct block_redo *r)
{
	if (r->bio && dm_noflush_suspending(r->rc->ti))
		r->requeue = true;
	return r->requeue;
}

/* Writes keep the failed bio's FUA: its data must be as durable as asked. */
static blk_opf_t redo_flags(struct block_redo *r, enum req_op op)
{
	return op == REQ_OP_WRITE && r->bio ? r->bio->bi_opf & REQ_FUA : 0;
}

static int main_io(struct block_redo *r, enum req_op op, unsigned int first,
		   unsigned int count)
{
	struct remap_c *rc = r->rc;

	return remap_sync_io(rc, op | redo_flags(r, op), rc->main_dev->bdev,
			     block_to_sector(rc, r->block) + first, count,
			     r->buf + (first << SECTOR_SHIFT));
}

/* Copies between the bio's data for this part and the block buffer. */
static void copy_bio_data(struct block_redo *r, bool to_bio)
{
	struct remap_io *io = dm_per_bio_data(r->bio, sizeof(*io));
	struct bvec_iter iter = io->iter, it;
	void *p = r->buf + (r->first << SECTOR_SHIFT);
	struct bio_vec bv;

	bio_advance_iter(r->bio, &iter, r->bio_offset);
	iter.bi_size = r->count << SECTOR_SHIFT;
	__bio_for_each_segment(bv, r->bio, it, iter) {
		if (to_bio)
			memcpy_to_bvec(&bv, p);
		else
			memcpy_from_bvec(p, &bv);
		p += bv.bv_len;
	}
}

/* Reads part of the block, retrying with a growing pause in between. */
static int read_with_retries(struct block_redo *r, unsigned int first,
			     unsigned int count, unsigned int retries)
{
	unsigned int attempt;

	for (attempt = 0; attempt <= retries; attempt++) {
		if (attempt && give_up(r))
			break;
		/* back off, so that a transient fault has time to clear */
		if (attempt)
			msleep(min(25U << attempt, 1000U));
		if (!main_io(r, REQ_OP_READ, first, count))
			return attempt;
	}
	return -EIO;
}

static bool main_answers(struct remap_c *rc);
static void note_outage(struct remap_c *rc);

/*
 * A sector read that failed may have failed only because the whole device
 * went away meanwhile. Its sectors are lost only if the device answers a
 * probe after it and the read fails once more: a failure between a good
 * probe and the good read (or probe) that follows it is the sector's own.
 * An outage shorter than one read, within that window, is not told apart.
 * Returns 1 if lost, 0 if the sector read this time (its data is in the
 * buffer), -ENOLINK if the device does not answer.
 */
static int confirm_lost(struct block_redo *r, unsigned int s, unsigned int step)
{
	if (!main_answers(r->rc)) {
		note_outage(r->rc);
		return -ENOLINK;
	}
	return main_io(r, REQ_OP_READ, s, step) ? 1 : 0;
}

/*
 * Reads sectors [first, first + count) of the block; if they keep failing,
 * one logical block of the main device at a time (a smaller read is an
 * invalid request on a 4Kn disk), and marks the sectors of those that
 * never read as lost. @first and @count are multiples of the logical
 * block: bios are, and so are blocks. -EINTR: gave up for a noflush
 * suspend; -ENOLINK: the device stopped answering, see confirm_lost().
 */
static int salvage_sectors(struct block_redo *r, unsigned int first,
			   unsigned int count)
{
	unsigned int step = bdev_logical_block_size(r->rc->main_dev->bdev) >>
			    SECTOR_SHIFT;
	unsigned int s;
	int lost;

	if (!count || read_with_retries(r, first, count,
					READ_ONCE(r->rc->read_retries)) >= 0)
		return 0;
	for (s = first; s < first + count; s += step) {
		if (give_up(r))
			return -EINTR;
		if (!main_io(r, REQ_OP_READ, s, step))
			continue;
		lost = confirm_lost(r, s, step);
		if (lost < 0)
			return lost;
		if (lost) {
			memset(r->buf + (s << SECTOR_SHIFT), 0, step << SECTOR_SHIFT);
			bitmap_set(r->lost, s, step);
		}
	}
	return 0;
}

/* Before a fill: no sector lost yet, and the outage state it starts in. */
static void begin_fill(struct block_redo *r, unsigned long *lost)
{
	bitmap_zero(lost, DM_REMAP_MAX_SECTORS_PER_BLOCK);
	r->outage_mark = READ_ONCE(r->rc->outage_seen);
}

/*
 * Sectors found lost while the device went away are not lost: no move if
 * the salvage met an outage (@ret -ENOLINK), or one was noted since the
 * fill began (by any redoer: outage_seen changed) or is on, or the device
 * does not answer now.
 */
static int fill_checked(struct block_redo *r, int ret)
{
	struct remap_c *rc = r->rc;

	if (ret == -EINTR || r->requeue)
		return -EINTR;
	if (!ret && bitmap_empty(r->lost, DM_REMAP_MAX_SECTORS_PER_BLOCK))
		return 0;
	if (!ret && READ_ONCE(rc->outage_seen) == r->outage_mark &&
	    !remap_in_outage(rc)) {
		if (main_answers(rc))
			return 0;
		note_outage(rc);
	}
	atomic64_inc(&rc->stats.outage_errors);
	return -ENOLINK;
}

/* The block as it is on the main device, unreadable sectors marked lost. */
static int fill_from_main(void *context, void *buf, unsigned long *lost)
{
	struct block_redo *r = context;

	begin_fill(r, lost);
	return fill_checked(r, salvage_sectors(r, 0, 1U << r->rc->block_shift));
}

/* The bio's data for its part, the rest of the block from the main device. */
static int fill_with_write(void *context, void *buf, unsigned long *lost)
{
	struct block_redo *r = context;
	unsigned int end = r->first + r->count;
	int ret;

	begin_fill(r, lost);
	ret = salvage_sectors(r, 0, r->first);
	if (!ret)
		ret = salvage_sectors(r, end, (1U << r->rc->block_shift) - end);
	copy_bio_data(r, false);
	return fill_checked(r, ret);
}

/*
 * Does the main device answer at all? One logical block at the start, the
 * middle and the end of the target is read: a media error is local, so
 * some of them read; a device that stopped answering (cable, controller,
 * every LBA failing) fails them all, and then nothing may be moved.
 *
 * Any probe that began after the caller's failure tells as much as one of
 * its own: callers that queue up behind a probe take the answer of the
 * first that began after they came, so a burst of failures costs two
 * probes, not one each.
 */
static bool main_answers(struct remap_c *rc)
{
	unsigned int lbs = bdev_logical_block_size(rc->main_dev->bdev) >>
			   SECTOR_SHIFT;
	sector_t where[] = { 0, round_down(rc->ti->len / 2, lbs), rc->ti->len - lbs };
	/* fully ordered: every probe numbered above began after this */
	s64 arrived = atomic64_add_return(0, &rc->probes_begun);
	bool answers = false;
	unsigned int i;

	mutex_lock(&rc->probe_lock);
	if (rc->probe_done > arrived) {
		answers = rc->probe_answered;	/* shared, see above */
		goto out;
	}
	rc->probe_done = atomic64_inc_return(&rc->probes_begun);
	for (i = 0; !answers && i < ARRAY_SIZE(where); i++)
		answers = !remap_sync_io(rc, REQ_OP_READ, rc->main_dev->bdev,
					 where[i], lbs, rc->probe_buf);
	rc->probe_answered = answers;
out:
	mutex_unlock(&rc->probe_lock);
	return answers;
}

/* A probe failed: (still) an outage. The first failure raises an event. */
static void note_outage(struct remap_c *rc)
{
	bool ongoing = remap_in_outage(rc);

	WRITE_ONCE(rc->outage_seen, jiffies | 1);
	if (ongoing)
		return;
	atomic64_inc(&rc->stats.outages);
	DMERR_LIMIT("%s: main device does not answer: failing I/O, moving nothing",
		    rc->main_dev->name);
	remap_check_events(rc);
}

/*
 * May the error path move the block it found failing? Not during an
 * outage: the device holds every byte, and moving would mark them lost.
 */
static bool media_error(struct remap_c *rc)
{
	bool outage = remap_in_outage(rc);

	if (!main_answers(rc))
		note_outage(rc);	/* begins, or goes on */
	else if (!outage)
		return true;
	/* failures just before the device came back are the outage's too */
	atomic64_inc(&rc->stats.outage_errors);
	return false;
}

static int move_block(struct block_redo *r, remap_fill_fn fill)
{
	struct remap_c *rc = r->rc;
	int ret;

	if (!READ_ONCE(rc->auto_remap) ||
	    remap_metadata_state(rc->md) == REMAP_METADATA_FAILED)
		return -EIO;
	if (!media_error(rc))
		return -ENOLINK;
	ret = remap_move_block(rc, r->batch, r->block, REMAP_F_AUTO, fill, r,
			       r->buf, r->lost);
	if (ret == -EEXIST)
		return -EAGAIN;
	if (!ret) {
		remap_count_auto_remap(rc);
		DMINFO_LIMIT("%s: block %llu moved to a spare block (%u sectors lost)",
			     rc->main_dev->name, r->block,
			     bitmap_weight(r->lost, DM_REMAP_MAX_SECTORS_PER_BLOCK));
	} else if (ret == -ENOSPC) {
		DMERR_LIMIT("%s: spare pool is full: block %llu cannot be remapped",
			    rc->main_dev->name, r->block);
		remap_check_events(rc);
	}
	return ret;
}

/* Where the block is now: moving, on main, remapped (@spare) or uncertain. */
enum { PLACE_MOVING = -1, PLACE_MAIN, PLACE_SPARE, PLACE_UNCERTAIN };

static int entry_place(struct remap_c *rc, u64 block, u32 *spare,
		       struct remap_entry **entry)
{
	struct remap_entry *e;
	int place = PLACE_MAIN;
	u32 flags;

	rcu_read_lock();
	e = remap_table_lookup(&rc->table, block);
	if (e) {
		flags = READ_ONCE(e->flags);
		place = flags & REMAP_F_MOVING ? PLACE_MOVING :
			flags & REMAP_F_UNCERTAIN ? PLACE_UNCERTAIN : PLACE_SPARE;
		*spare = e->spare;
	}
	rcu_read_unlock();
	if (entry)
		*entry = e;	/* valid only while the caller makes it stay */
	return place;
}

static int block_place(struct remap_c *rc, u64 block, u32 *spare)
{
	return entry_place(rc, block, spare, NULL);
}

static bool any_lost(const unsigned long *lost, unsigned int first,
		     unsigned int count)
{
	return find_next_bit(lost, first + count, first) < first + count;
}

/*
 * A write of the part to its spare block. If it covers lost sectors, their
 * bits are cleared on disk (a commit) and then in memory. The new bitmap
 * is allocated (GFP_NOIO) before anything is written: once the commit is
 * done nothing may fail, or memory would keep the healed sectors lost and
 * the next write to the block would commit them lost again. Without the
 * memory the write fails having changed nothing. A failed write or commit
 * leaves the sectors lost in memory: they read as errors, which is safe
 * whatever reached the disk.
 */
static int write_heal(struct block_redo *r, struct remap_entry *e,
		      sector_t sector, u32 flags, unsigned long *lost)
{
	struct remap_c *rc = r->rc;
	bool heals = lost && any_lost(lost, r->first, r->count);
	struct remap_metadata_batch changes;
	struct remap_metadata_entry me;
	struct remap_lost *now = NULL;
	u64 ticket;
	int ret;

	if (heals) {
		bitmap_clear(lost, r->first, r->count);
		now = remap_table_alloc_lost(lost);
		if (IS_ERR(now))
			return PTR_ERR(now);
	}
	copy_bio_data(r, false);
	ret = remap_sync_io(rc, REQ_OP_WRITE | redo_flags(r, REQ_OP_WRITE),
			    rc->spare_dev->bdev, sector, r->count,
			    r->buf + (r->first << SECTOR_SHIFT));
	if (ret || !heals)
		goto out;
	remap_fill_metadata_entry(&me, r->block, flags, lost);
	remap_metadata_batch_init(&changes);
	ret = remap_metadata_batch_add(rc->md, &changes, e->spare, &me, true);
	if (!ret)
		ret = remap_metadata_stage(rc->md, &changes, &ticket);
	else
		remap_metadata_batch_abort(&changes);
	if (!ret)
		ret = remap_metadata_commit(rc->md, ticket);
	if (ret)
		goto out;
	/* the block has a bitmap: replacing or erasing it allocates nothing */
	WARN_ON_ONCE(remap_table_install_lost(&rc->table, e, now));
	return 0;
out:
	remap_table_free_lost(now);
	return ret;
}

/*
 * Counts the part in flight like a bio in map(), and tells where its block
 * is, in one RCU section as map() does: a move of the block that starts
 * meanwhile marks it and then waits for the part's I/O, so the block stays
 * where the answer says (and its entry and spare block stay its own) until
 * the caller leaves the bank. The caller leaves it when its I/O is done,
 * whatever the answer.
 */
static int enter_and_place(struct block_redo *r, u32 *spare,
			   struct remap_entry **e)
{
	struct remap_io *io = dm_per_bio_data(r->bio, sizeof(*io));
	int place;

	rcu_read_lock();
	remap_enter_bank(r->rc, io, block_to_sector(r->rc, r->block));
	place = entry_place(r->rc, r->block, spare, e);
	rcu_read_unlock();
	return place;
}

static void leave_bank(struct block_redo *r)
{
	remap_leave_bank(r->rc, dm_per_bio_data(r->bio, sizeof(struct remap_io)));
}

/*
 * The part's lost sectors, read now, and @e's flags as they go with them;
 * @e stays: see enter_and_place().
 */
static u32 part_lost(struct block_redo *r, struct remap_entry *e,
		     unsigned long *lost)
{
	u32 flags;

	rcu_read_lock();
	remap_table_get_lost(&r->rc->table, e, &flags, lost);
	rcu_read_unlock();
	return flags;
}

static int read_on_spare(struct block_redo *r, struct remap_entry *e,
			 sector_t sector)
{
	DECLARE_BITMAP(lost, DM_REMAP_MAX_SECTORS_PER_BLOCK);
	int ret;

	part_lost(r, e, lost);
	if (any_lost(lost, r->first, r->count))
		return -EIO;
	ret = remap_sync_io(r->rc, REQ_OP_READ, r->rc->spare_dev->bdev, sector,
			    r->count, r->buf + (r->first << SECTOR_SHIFT));
	if (!ret)
		copy_bio_data(r, true);
	return ret;
}

/*
 * Heals of one block must not overlap: each replaces the bitmap it read.
 * Those of blocks with different locks run at once and share commits.
 */
static struct mutex *lost_lock_of(struct remap_c *rc, u64 block)
{
	return &rc->lost_locks[hash_64(block, ilog2(REMAP_LOST_LOCKS))];
}

/*
 * A write to sectors that are not lost changes no metadata. One to lost
 * sectors heals them: the block's lost lock serializes its heals, the only
 * changes to a settled block's lost sectors (a block's are set only while
 * it is MOVING), so the bitmap read under it is the one write_heal()
 * replaces.
 */
static int write_to_spare(struct block_redo *r, struct remap_entry *e,
			  sector_t sector)
{
	DECLARE_BITMAP(lost, DM_REMAP_MAX_SECTORS_PER_BLOCK);
	struct remap_c *rc = r->rc;
	u32 flags;
	int ret;

	part_lost(r, e, lost);
	if (!any_lost(lost, r->first, r->count))
		return write_heal(r, e, sector, 0, NULL);
	mutex_lock(lost_lock_of(rc, r->block));
	flags = part_lost(r, e, lost);
	ret = write_heal(r, e, sector, flags, lost);
	mutex_unlock(lost_lock_of(rc, r->block));
	return ret;
}

/*
 * The part's block is remapped: its data is on the spare. A write there
 * makes its lost sectors good again, once the data is durable. -EAGAIN: the
 * block is moving or left the spare meanwhile. Counted in flight from
 * before the look-up until the I/O and any commit are done, so a move of
 * the block (unremap) waits for them, and no lock that moves take is held
 * across the I/O.
 */
static int redo_on_spare(struct block_redo *r, bool write)
{
	struct remap_c *rc = r->rc;
	struct remap_entry *e;
	sector_t sector;
	u32 spare;
	int ret;

	switch (enter_and_place(r, &spare, &e)) {
	case PLACE_SPARE:
		sector = rc->pool_offset + block_to_sector(rc, spare) + r->first;
		ret = write ? write_to_spare(r, e, sector) :
			      read_on_spare(r, e, sector);
		break;
	case PLACE_UNCERTAIN:
		ret = -EIO;
		break;
	default:
		ret = -EAGAIN;	/* moving, or back on main */
	}
	leave_bank(r);
	return ret;
}

/*
 * Writes the part to the main device again. BLK_STS_AGAIN: the block is no
 * longer on the main device.
 */
static blk_status_t retry_main_write(struct block_redo *r)
{
	blk_status_t status = BLK_STS_AGAIN;
	u32 spare;

	if (enter_and_place(r, &spare, NULL) == PLACE_MAIN)
		status = main_io(r, REQ_OP_WRITE, r->first, r->count) ?
			 BLK_STS_IOERR : BLK_STS_OK;
	leave_bank(r);
	return status;
}

static blk_status_t redo_write(struct block_redo *r)
{
	blk_status_t status;
	int ret;

	copy_bio_data(r, false);
	status = retry_main_write(r);
	if (status != BLK_STS_IOERR)
		return status;	/* it took it this time, or the block moved */
	ret = move_block(r, fill_with_write);
	if (r->requeue)
		return BLK_STS_DM_REQUEUE;
	if (ret == -EAGAIN)
		return BLK_STS_AGAIN;
	return ret ? BLK_STS_IOERR : BLK_STS_OK;
}

/*
 * The first read again of each block of a failed bio tells which one failed:
 * a block that reads at once in a multi-block bio was not the culprit and
 * stays where it is. A culprit that reads on a retry is weak and moves with
 * its data; one that never reads moves with its lost sectors marked.
 */
static blk_status_t redo_read(struct block_redo *r, bool one_block)
{
	/* during an outage, one read again and no retries: they would fail */
	int attempt = read_with_retries(r, r->first, r->count,
					remap_in_outage(r->rc) ? 0 :
					READ_ONCE(r->rc->read_retries));
	int ret;

	if (attempt < 0) {
		if (r->requeue)
			return BLK_STS_DM_REQUEUE;
		ret = move_block(r, fill_from_main);
		if (r->requeue)
			return BLK_STS_DM_REQUEUE;
		return ret == -EAGAIN ? BLK_STS_AGAIN : BLK_STS_IOERR;
	}
	if (r->bio)
		copy_bio_data(r, true);
	if (attempt || one_block) {
		atomic64_inc(&r->rc->stats.read_retries_ok);
		move_block(r, fill_from_main);
	}
	return BLK_STS_OK;
}

static blk_status_t redo_block(struct block_redo *r, bool one_block)
{
	bool write = bio_data_dir(r->bio) == WRITE;
	u32 spare;
	int place;
	int ret;

	for (;;) {
		place = block_place(r->rc, r->block, &spare);
		if (place == PLACE_MOVING) {
			remap_wait_block(r->rc, r->block);
			continue;
		}
		if (place == PLACE_UNCERTAIN)
			return BLK_STS_IOERR;
		if (place == PLACE_MAIN) {
			/* BLK_STS_AGAIN: another move took the block meanwhile */
			ret = write ? redo_write(r) : redo_read(r, one_block);
			if (ret != BLK_STS_AGAIN)
				return ret;
			continue;
		}
		ret = redo_on_spare(r, write);
		if (ret != -EAGAIN)
			return errno_to_blk_status(ret);
	}
}

/* Discards the part where its block is; -EAGAIN if it is moving. */
static int discard_where(struct block_redo *r)
{
	struct remap_c *rc = r->rc;
	u32 spare;
	int ret;

	switch (enter_and_place(r, &spare, NULL)) {
	case PLACE_MAIN:
		ret = blkdev_issue_discard(rc->main_dev->bdev,
					   block_to_sector(rc, r->block) + r->first,
					   r->count, GFP_NOIO);
		break;
	case PLACE_SPARE:
		ret = rc->spare_discards ?
		      blkdev_issue_discard(rc->spare_dev->bdev,
					   rc->pool_offset + block_to_sector(rc, spare) +
					   r->first, r->count, GFP_NOIO) : 0;
		break;
	case PLACE_UNCERTAIN:
		ret = -EIO;
		break;
	default:
		ret = -EAGAIN;
	}
	leave_bank(r);
	return ret;
}

/*
 * A discard's part in one block, done where the block is now: a discard
 * reaches the worker when it was held by a move and its block gained lost
 * sectors meanwhile, so that it needs a cut that only map() may make. It
 * carries no data and changes no lost sector (they still read as errors).
 * Counted in flight while it runs (discard_where()), so a move of the block
 * waits for it: it never hits a spare block given to another block.
 */
static blk_status_t discard_block(struct block_redo *r)
{
	int ret;

	while ((ret = discard_where(r)) == -EAGAIN)
		remap_wait_block(r->rc, r->block);
	return errno_to_blk_status(ret);
}

/*
 * Redoes a failed bio (or a write to lost sectors) block by block, with
 * the worker's preallocated @r: the error path allocates no buffer.
 */
static blk_status_t redo_bio(struct remap_c *rc, struct bio *bio,
			     struct block_redo *r)
{
	struct remap_io *io = dm_per_bio_data(bio, sizeof(*io));
	sector_t sector = io->sector;
	sector_t end = sector + (io->iter.bi_size >> SECTOR_SHIFT);
	bool one_block = sector_to_block(rc, sector) == sector_to_block(rc, end - 1);
	blk_status_t status = BLK_STS_OK, s;

	r->bio = bio;
	r->requeue = false;
	while (sector < end) {
		r->block = sector_to_block(rc, sector);
		r->first = sector - block_to_sector(rc, r->block);
		r->count = min_t(sector_t, end, block_to_sector(rc, r->block + 1)) - sector;
		r->bio_offset = (sector - io->sector) << SECTOR_SHIFT;
		s = bio_op(bio) == REQ_OP_DISCARD ? discard_block(r) :
						    redo_block(r, one_block);
		if (s)
			status = s;
		if (s == BLK_STS_DM_REQUEUE)
			break;	/* the whole bio comes back after the resume */
		sector += r->count;
	}
	return status;
}

void remap_defer_bio(struct remap_c *rc, struct bio *bio)
{
	unsigned long flags;

	spin_lock_irqsave(&rc->failed_lock, flags);
	bio_list_add(&rc->failed, bio);
	spin_unlock_irqrestore(&rc->failed_lock, flags);
	queue_work(rc->wq, &rc->workers[remap_next_worker(&rc->next_worker)].work);
}

/*
 * Reads and writes carry data to redo; discards are done where each block
 * is. Write zeroes and secure erase are not offered by the target, so none
 * can get here; if one did, it would be refused rather than taken for a
 * write whose data it does not have.
 */
static bool redoable(struct bio *bio)
{
	switch (bio_op(bio)) {
	case REQ_OP_READ:
	case REQ_OP_WRITE:
	case REQ_OP_DISCARD:
		return true;
	default:
		return false;
	}
}

/*
 * A read or write is redone through a block buffer, lent by the pool (if
 * memory is short, once another worker gives its buffer back); a discard
 * carries no data and takes none.
 */
static blk_status_t redo_with_buffer(struct remap_c *rc, struct bio *bio,
				     struct block_redo *r)
{
	blk_status_t status;

	if (bio_op(bio) == REQ_OP_DISCARD)
		return redo_bio(rc, bio, r);
	r->buf = mempool_alloc(rc->redo_bufs, GFP_NOIO);
	status = redo_bio(rc, bio, r);
	mempool_free(r->buf, rc->redo_bufs);
	r->buf = NULL;
	return status;
}

/* Each worker takes one failed bio at a time, so that they share the work. */
static void remap_error_work(struct work_struct *work)
{
	struct remap_worker *w = container_of(work, struct remap_worker, work);
	struct remap_c *rc = w->rc;
	/* the error path must not wait for I/O to get memory: it is that I/O */
	unsigned int noio = memalloc_noio_save();
	struct remap_io *io;
	struct bio *bio;

	for (;;) {
		spin_lock_irq(&rc->failed_lock);
		bio = bio_list_pop(&rc->failed);
		spin_unlock_irq(&rc->failed_lock);
		if (!bio)
			break;
		io = dm_per_bio_data(bio, sizeof(*io));
		io->redone = true;
		/* end_io() lets BLK_STS_DM_REQUEUE up: DM sends it again */
		if (dm_noflush_suspending(rc->ti))
			bio->bi_status = BLK_STS_DM_REQUEUE;
		else if (redoable(bio))
			bio->bi_status = redo_with_buffer(rc, bio, w->redo);
		else
			bio->bi_status = BLK_STS_NOTSUPP;
		bio_endio(bio);
	}
	remap_check_events(rc);
	memalloc_noio_restore(noio);
}

static bool is_media_error(blk_status_t error)
{
	return error == BLK_STS_IOERR || error == BLK_STS_MEDIUM ||
	       error == BLK_STS_TARGET || error == BLK_STS_PROTECTION;
}

/*
 * From end_io(): counts an error of the main device and, if the error path
 * can do something about it, takes the bio back for the worker. Returns
 * the end_io() verdict: DM_ENDIO_INCOMPLETE if it took the bio,
 * DM_ENDIO_REQUEUE if it would but a noflush suspend is waiting (the bio
 * comes back after the resume, uncounted), else DM_ENDIO_DONE.
 */
int remap_end_io_error(struct remap_c *rc, struct bio *bio,
		       struct remap_io *io, blk_status_t error)
{
	bool write = bio_data_dir(bio) == WRITE;
	enum req_op op = bio_op(bio);
	bool takes;

	if (io->on_spare) {
		/* a failed discard loses no data: it counts nowhere */
		if (op != REQ_OP_DISCARD)
			atomic64_inc(&rc->stats.spare_errors);
		return DM_ENDIO_DONE;
	}
	if (io->redone || (op != REQ_OP_READ && op != REQ_OP_WRITE) ||
	    !is_media_error(error))
		return DM_ENDIO_DONE;
	takes = READ_ONCE(rc->auto_remap) ||
		(!write && READ_ONCE(rc->read_retries));
	/*
	 * Only a bio the workers would take is held across a noflush suspend
	 * (the suspend need not wait for its redo); it is counted when it
	 * fails again after the resume. Any other error goes up now, counted.
	 */
	if (takes && dm_noflush_suspending(rc->ti))
		return DM_ENDIO_REQUEUE;
	atomic64_inc(write ? &rc->stats.write_errors : &rc->stats.read_errors);
	if (!takes)
		return DM_ENDIO_DONE;
	remap_leave_bank(rc, io);
	remap_defer_bio(rc, bio);
	return DM_ENDIO_INCOMPLETE;
}

/*
 * For the scrub: a block of the main device that failed a bulk read gets
 * what a failed read bio gets. Returns true if the block had an error.
 */
bool remap_scrub_block(struct remap_c *rc, u64 block, void *buf)
{
	struct block_redo *r = rc->scrub_redo;
	u32 spare;
	bool bad;

	r->bio = NULL;
	r->requeue = false;
	r->block = block;
	r->first = 0;
	r->count = 1U << rc->block_shift;
	r->buf = buf;
	bad = block_place(rc, block, &spare) == PLACE_MAIN &&
	      main_io(r, REQ_OP_READ, 0, r->count);
	if (bad) {
		atomic64_inc(&rc->stats.read_errors);
		redo_read(r, true);
	}
	return bad;
}

static void free_redo(struct block_redo *r)
{
	if (!r)
		return;
	remap_move_batch_free(r->batch);
	kfree(r);
}

/* What one redoer keeps: a move batch. Its block buffer is lent per bio. */
static struct block_redo *alloc_redo(struct remap_c *rc)
{
	struct block_redo *r = kzalloc(sizeof(*r), GFP_KERNEL);

	if (!r)
		return NULL;
	r->rc = rc;
	r->batch = remap_move_batch_alloc(rc);
	if (!r->batch) {
		free_redo(r);
		return NULL;
	}
	return r;
}

/* Block buffers of up to 64 KiB: vmalloc'ed if pages are fragmented. */
static void *alloc_block_buf(gfp_t gfp, void *size)
{
	return kvmalloc((size_t)size, gfp);
}

static void free_block_buf(void *buf, void *size)
{
	kvfree(buf);
}

/*
 * The error path's state: the workqueue with its workers, each with its
 * preallocated redoer, the list of failed bios, the buffer of the outage
 * probe, and a redoer for the scrub (which brings its own buffer). A
 * failure here leaves what was set up for remap_errors_free().
 */
int remap_errors_init(struct remap_c *rc)
{
	unsigned int i;

	spin_lock_init(&rc->failed_lock);
	bio_list_init(&rc->failed);
	mutex_init(&rc->probe_lock);
	atomic64_set(&rc->probes_begun, 0);
	rc->probe_done = 0;
	for (i = 0; i < REMAP_LOST_LOCKS; i++)
		mutex_init(&rc->lost_locks[i]);
	rc->probe_buf = kmalloc(bdev_logical_block_size(rc->main_dev->bdev),
				GFP_KERNEL);
	if (!rc->probe_buf)
		return -ENOMEM;
	rc->redo_bufs = mempool_create(REMAP_REDO_BUFS, alloc_block_buf,
				       free_block_buf,
				       (void *)(size_t)rc->block_size);
	if (!rc->redo_bufs)
		return -ENOMEM;
	rc->wq = alloc_workqueue("dm-remap", WQ_MEM_RECLAIM, REMAP_ERROR_WORKERS);
	if (!rc->wq)
		return -ENOMEM;
	for (i = 0; i < REMAP_ERROR_WORKERS; i++) {
		rc->workers[i].rc = rc;
		INIT_WORK(&rc->workers[i].work, remap_error_work);
		rc->workers[i].redo = alloc_redo(rc);
		if (!rc->workers[i].redo)
			return -ENOMEM;
	}
	rc->scrub_redo = alloc_redo(rc);
	return rc->scrub_redo ? 0 : -ENOMEM;
}

/* Also after a partial remap_errors_init(); no bio may be left to redo. */
void remap_errors_free(struct remap_c *rc)
{
	unsigned int i;

	if (rc->wq)
		destroy_workqueue(rc->wq);
	rc->wq = NULL;
	for (i = 0; i < REMAP_ERROR_WORKERS; i++)
		free_redo(rc->workers[i].redo);
	free_redo(rc->scrub_redo);
	mempool_destroy(rc->redo_bufs);
	kfree(rc->probe_buf);
}
