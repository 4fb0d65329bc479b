// SPDX-License-Identifier: GPL-2.0-only
/*
 * Moving a block's data between the main device and the spare pool while
 * I/O to it goes on.
 *
 * A move marks its blocks MOVING in the table, so that new bios to them are
 * held; waits for the bios routed before the mark (drain_batch()); copies the
 * data with kcopyd; makes the new mapping durable; then gives the held bios
 * back to the target, which routes them to the blocks' new place. Marking
 * is serialized by move_lock; the drain waits only for bios in flight in
 * the buckets of the move's blocks, without move_lock; copies and commits
 * of different moves run concurrently, so that concurrent moves share
 * metadata commits. Unrelated blocks are never held, and a bio is never
 * sent to a copy that is about to be abandoned.
 */
#include <linux/delay.h>
#include <linux/slab.h>

#include "dm-remap-core.h"

#define DM_MSG_PREFIX "remap"

struct remap_move {
	struct list_head list;
	u64 block;
	u32 spare;
	struct remap_entry *entry;
	const unsigned long *lost;	/* sectors lost in the moved data */
	struct bio_list held;
};

struct move_batch {
	struct remap_c *rc;
	bool reserve;			/* the error path's: memory from reserves */
	bool uncertain;			/* staged, and the commit failed */
	unsigned int n;
	unsigned int reserved;		/* moves with an entry allocated */
	unsigned int waits;		/* times move_lock was dropped to wait */
	atomic_t copies_left;
	int copy_error;
	struct completion copied;
	struct remap_move moves[];
};

/* Called from map(), with the bio trimmed to @block. */
bool remap_hold_bio(struct remap_c *rc, struct bio *bio, u64 block)
{
	struct remap_move *m;
	unsigned long flags;
	bool held = false;

	spin_lock_irqsave(&rc->held_lock, flags);
	list_for_each_entry(m, &rc->moves, list) {
		if (m->block == block) {
			bio_list_add(&m->held, bio);
			held = true;
			break;
		}
	}
	spin_unlock_irqrestore(&rc->held_lock, flags);
	if (held)
		atomic64_inc(&rc->stats.held_bios);
	return held;
}

/*
 * A noflush suspend must not wait for moves: the bios they hold go back to
 * device-mapper, which sends them again after the resume (they were sent
 * nowhere yet). Bios that reach map() during the suspend are requeued there.
 */
void remap_requeue_held(struct remap_c *rc)
{
	struct bio_list held = BIO_EMPTY_LIST;
	struct remap_move *m;
	struct remap_io *io;
	struct bio *bio;

	spin_lock_irq(&rc->held_lock);
	list_for_each_entry(m, &rc->moves, list)
		bio_list_merge(&held, &m->held);
	list_for_each_entry(m, &rc->moves, list)
		bio_list_init(&m->held);
	spin_unlock_irq(&rc->held_lock);
	while ((bio = bio_list_pop(&held))) {
		io = dm_per_bio_data(bio, sizeof(*io));
		/* end_io() lets the status up as it is */
		io->redone = true;
		bio->bi_status = BLK_STS_DM_REQUEUE;
		bio_endio(bio);
	}
}

/*
 * Waits for the bios that may have been routed to the batch's blocks
 * without seeing the marks just made: those in flight in the buckets of
 * its blocks (dm-remap-inflight.c), all with one grace period. Called
 * without move_lock, so that other moves mark and drain meanwhile.
 */
static void drain_batch(struct move_batch *b)
{
	struct remap_drain d;
	unsigned int i;

	lockdep_assert_not_held(&b->rc->move_lock);
	remap_drain_init(&d);
	for (i = 0; i < b->n; i++)
		remap_drain_add(&d, block_to_sector(b->rc, b->moves[i].block));
	remap_inflight_drain(&b->rc->inflight, &d);
}

/* The target gives @release to route the bios held by a move as it ends. */
void remap_move_init(struct remap_c *rc, remap_release_fn release)
{
	mutex_init(&rc->move_lock);
	mutex_init(&rc->batch_lock);
	init_waitqueue_head(&rc->move_wait);
	spin_lock_init(&rc->held_lock);
	INIT_LIST_HEAD(&rc->moves);
	rc->release_held = release;
}

/* Messages may run while the device is suspended: no I/O for memory. */
static struct move_batch *alloc_batch(struct remap_c *rc, unsigned int n)
{
	struct move_batch *b = kvzalloc(struct_size(b, moves, n), GFP_NOIO);

	if (!b)
		return NULL;
	b->rc = rc;
	init_completion(&b->copied);
	return b;
}

/*
 * Allocates the entries a move to the spare may insert, one per block,
 * before move_lock is taken: nothing is allocated under move_lock. The
 * error path's come from the table's reserve and may wait for memory
 * there: safe, because the redoer holds no lock then, while the entries
 * that refill the reserve are freed by moves (undone, or unremaps) that
 * need move_lock to get started. Those a move does not insert are freed
 * by free_unused_entries().
 */
static int reserve_entries(struct move_batch *b, unsigned int n)
{
	struct remap_entry *e;

	lockdep_assert_not_held(&b->rc->move_lock);
	for (b->reserved = 0; b->reserved < n; b->reserved++) {
		e = remap_table_alloc_entry(&b->rc->table, b->reserve);
		if (!e)
			return -ENOMEM;
		b->moves[b->reserved].entry = e;
	}
	return 0;
}

static void free_unused_entries(struct move_batch *b)
{
	unsigned int i;

	for (i = b->n; i < b->reserved; i++) {
		remap_table_free_entry(&b->rc->table, b->moves[i].entry);
		b->moves[i].entry = NULL;
	}
	b->reserved = b->n;
}

/*
 * A batch for one automatic move, allocated once per error worker (and
 * for the scrub) so that the error path allocates none.
 */
struct move_batch *remap_move_batch_alloc(struct remap_c *rc)
{
	return alloc_batch(rc, 1);
}

void remap_move_batch_free(struct move_batch *b)
{
	kvfree(b);
}

/*
 * Ends the moves: held bios go back to the target, which routes them where
 * the table says now. The table must be final before the moves leave the
 * list: a bio that finds a block MOVING but no move to hold it on looks it
 * up again.
 */
static void release_moves(struct move_batch *b)
{
	struct remap_c *rc = b->rc;
	struct bio_list held = BIO_EMPTY_LIST;
	unsigned int i;

	spin_lock_irq(&rc->held_lock);
	for (i = 0; i < b->n; i++) {
		list_del(&b->moves[i].list);
		bio_list_merge(&held, &b->moves[i].held);
	}
	spin_unlock_irq(&rc->held_lock);

	rc->release_held(rc, &held);
	wake_up_all(&rc->move_wait);
}

static void copy_done(int read_err, unsigned long write_err, void *context)
{
	struct move_batch *b = context;

	if (read_err || write_err)
		WRITE_ONCE(b->copy_error, -EIO);
	if (atomic_dec_and_test(&b->copies_left))
		complete(&b->copied);
}

static void set_region(struct remap_c *rc, struct dm_io_region *r,
		       bool spare, struct remap_move *m)
{
	r->bdev = spare ? rc->spare_dev->bdev : rc->main_dev->bdev;
	r->count = block_to_sector(rc, 1);
	r->sector = spare ? rc->pool_offset + block_to_sector(rc, m->spare)
			  : block_to_sector(rc, m->block);
}

/* Copies every block of the batch in parallel, in the given direction. */
static int copy_blocks(struct move_batch *b, bool to_spare)
{
	struct dm_io_region from, to;
	unsigned int i;

	atomic_set(&b->copies_left, b->n + 1);
	for (i = 0; i < b->n; i++) {
		set_region(b->rc, &from, !to_spare, &b->moves[i]);
		set_region(b->rc, &to, to_spare, &b->moves[i]);
		dm_kcopyd_copy(b->rc->kcopyd, &from, 1, &to, 0, copy_done, b);
	}
	copy_done(0, 0, b);
	wait_for_completion(&b->copied);
	return b->copy_error;
}

/* The metadata entry of a remap: its block, flags and lost sectors. */
void remap_fill_metadata_entry(struct remap_metadata_entry *me, u64 block,
			       u32 flags, const unsigned long *lost)
{
	memset(me, 0, sizeof(*me));
	me->block = block;
	me->flags = flags & REMAP_F_PERSISTENT & ~REMAP_F_LOST;
	if (lost && !bitmap_empty(lost, DM_REMAP_MAX_SECTORS_PER_BLOCK)) {
		bitmap_to_arr64(me->lost, lost, DM_REMAP_MAX_SECTORS_PER_BLOCK);
		me->flags |= REMAP_F_LOST;
	}
}

/* The batch's entries are staged all together or not at all. */
static int stage_and_commit(struct move_batch *b, bool remove)
{
	struct remap_metadata_entry e = { .block = DM_REMAP_ENTRY_FREE };
	struct remap_metadata_batch changes;
	struct remap_move *m;
	u64 ticket = 0;
	unsigned int i;
	int r = 0;

	remap_metadata_batch_init(&changes);
	for (i = 0; !r && i < b->n; i++) {
		m = &b->moves[i];
		if (!remove)
			remap_fill_metadata_entry(&e, m->block,
						  READ_ONCE(m->entry->flags), m->lost);
		r = remap_metadata_batch_add(b->rc->md, &changes, m->spare, &e,
					     b->reserve);
	}
	if (r) {
		remap_metadata_batch_abort(&changes);
		return r;
	}
	r = remap_metadata_stage(b->rc->md, &changes, &ticket);
	if (r)
		return r;	/* nothing staged: the disk has none of it */
	r = remap_metadata_commit(b->rc->md, ticket);
	/* a failed commit may have reached a copy: see fail_moves() */
	b->uncertain = r;
	return r;
}

/*
 * The fail mode, as dm-clone's: a commit carrying the batch's changes
 * failed, so the metadata is failed (nothing changes the table any more)
 * and the copy that a reload will read may or may not hold them (a
 * superblock write may reach the medium although its flush failed). Both
 * places hold the block's data as it was when the move copied it; every
 * bio that could change one of them now fails, so that whichever a reload
 * finds is right. The spare blocks stay allocated; everything else is
 * served as before.
 */
static void fail_moves(struct move_batch *b)
{
	struct remap_c *rc = b->rc;
	unsigned int i;

	for (i = 0; i < b->n; i++) {
		remap_table_set_flags(&rc->table, b->moves[i].entry,
				      REMAP_F_UNCERTAIN, REMAP_F_MOVING);
		DMERR_LIMIT("%s: block %llu: commit failed, its I/O fails until a reload",
			    rc->main_dev->name, b->moves[i].block);
	}
	atomic64_add(b->n, &rc->stats.uncertain);
	release_moves(b);
	remap_check_events(rc);
}

/*
 * Drops the batch's entries from the table and its spare blocks from the
 * pool: held bios are released first, and no reader may still see a spare
 * block before it is handed out again, hence one grace period in between,
 * if any entry was visible: a spare block whose entry was never inserted
 * was never seen, and an empty batch has nothing to wait for.
 * Allocates no entry (they are found on the moves); a removal may shrink
 * the table's hash array, which allocates with GFP_NOIO.
 */
static void drop_entries(struct move_batch *b)
{
	unsigned int i, removed = 0;

	for (i = 0; i < b->n; i++) {
		if (b->moves[i].entry) {
			remap_table_remove(&b->rc->table, b->moves[i].entry);
			removed++;
		}
	}
	release_moves(b);
	if (removed)
		synchronize_rcu();
	for (i = 0; i < b->n; i++) {
		if (b->moves[i].entry)
			remap_table_free_entry(&b->rc->table, b->moves[i].entry);
		spare_pool_free(&b->rc->pool, b->moves[i].spare);
	}
}

/* Takes back the entries of a move to the spare that could not complete. */
static void undo_to_spare(struct move_batch *b)
{
	drop_entries(b);
}

static void finish_moves(struct move_batch *b)
{
	unsigned int i;

	for (i = 0; i < b->n; i++)
		remap_table_set_flags(&b->rc->table, b->moves[i].entry, 0,
				      REMAP_F_MOVING);
	release_moves(b);
	remap_check_events(b->rc);
}

static bool in_batch(struct move_batch *b, u64 block)
{
	unsigned int i;

	for (i = 0; i < b->n; i++)
		if (b->moves[i].block == block)
			return true;
	return false;
}

bool remap_block_moving(struct remap_c *rc, u64 block)
{
	struct remap_entry *e;
	bool moving;

	rcu_read_lock();
	e = remap_table_lookup(&rc->table, block);
	moving = e && (READ_ONCE(e->flags) & REMAP_F_MOVING);
	rcu_read_unlock();
	return moving;
}

/* Waits until no move has @block: moves wake move_wait when they end. */
void remap_wait_block(struct remap_c *rc, u64 block)
{
	wait_event(rc->move_wait, !remap_block_moving(rc, block));
}

/*
 * Waits for the move that has @block, without move_lock, so that other
 * moves mark meanwhile. A batch may have marked blocks already: batches of
 * more blocks than one mark under batch_lock (lock_marking()), so no other
 * batch that marked blocks waits at the same time, and the moves of one
 * block wait only while they have marked nothing. So no two waiters each
 * wait for a block the other marked. The move waited for is past its marking
 * (move_lock was ours) and ends without move_lock or batch_lock.
 */
static void wait_for_move(struct move_batch *b, u64 block)
{
	b->waits++;
	mutex_unlock(&b->rc->move_lock);
	remap_wait_block(b->rc, block);
	mutex_lock(&b->rc->move_lock);
}

/*
 * The entry of @block, once no other move has it; @ours tells that this
 * batch moves it already. Caller holds move_lock (dropped only while
 * waiting, see wait_for_move()), so no move can start meanwhile and an
 * entry found settled is not freed under us.
 */
static struct remap_entry *lookup_settled(struct move_batch *b, u64 block,
					  bool *ours)
{
	struct remap_c *rc = b->rc;
	struct remap_entry *e;
	u32 flags = 0;

	*ours = false;
	for (;;) {
		rcu_read_lock();
		e = remap_table_lookup(&rc->table, block);
		if (e)
			flags = READ_ONCE(e->flags);
		rcu_read_unlock();
		if (!e || !(flags & REMAP_F_MOVING))
			return e;
		if (in_batch(b, block)) {
			*ours = true;
			return e;
		}
		wait_for_move(b, block);
	}
}

/*
 * Marking takes move_lock. A batch of more blocks than one may wait for a
 * block while it has marked others (wait_for_move()): such batches also
 * take batch_lock, so that no two of them wait at once.
 */
static void lock_marking(struct remap_c *rc, unsigned int n)
{
	if (n > 1)
		mutex_lock(&rc->batch_lock);
	mutex_lock(&rc->move_lock);
}

static void unlock_marking(struct remap_c *rc, unsigned int n)
{
	mutex_unlock(&rc->move_lock);
	if (n > 1)
		mutex_unlock(&rc->batch_lock);
}

static void add_move(struct remap_c *rc, struct remap_move *m)
{
	spin_lock_irq(&rc->held_lock);
	list_add_tail(&m->list, &rc->moves);
	spin_unlock_irq(&rc->held_lock);
}

/*
 * Marks each block of the batch with an entry reserve_entries() allocated,
 * or finds it remapped already. Under move_lock it allocates spare blocks
 * (a bitmap) and, if the hash must grow, its array with GFP_NOIO, which
 * waits for no I/O; without that memory the insert fails (see
 * remap_hash_insert()).
 */
static int prepare_to_spare(struct move_batch *b, const u64 *blocks,
			    unsigned int n, u32 *spares)
{
	struct remap_c *rc = b->rc;
	struct remap_entry *e;
	struct remap_move *m;
	unsigned int i, waits;
	bool ours;
	int r = 0;

restart:
	for (i = 0; !r && i < n; i++) {
		waits = b->waits;
		e = lookup_settled(b, blocks[i], &ours);
		/*
		 * If move_lock was dropped, a block found remapped before may
		 * have been unremapped since: look at them all again (those
		 * marked here are found as ours). Each restart follows the end
		 * of a move of one of our blocks; the scan ends once none of
		 * them is moving.
		 */
		if (b->waits != waits && i)
			goto restart;
		if (e) {
			spares[i] = e->spare;
			continue;
		}
		m = &b->moves[b->n];
		m->block = blocks[i];
		r = spare_pool_alloc(&rc->pool, &m->spare);
		if (r)
			break;
		add_move(rc, m);
		b->n++;
		spares[i] = m->spare;
		r = remap_table_insert_entry(&rc->table, m->entry, m->block,
					     m->spare, REMAP_F_MOVING);
		if (r) {
			/* never visible: freed now, and drop_entries() skips it */
			remap_table_free_entry(&rc->table, m->entry);
			m->entry = NULL;
		}
	}
	return r;
}

/*
 * Moves the current data of @blocks to newly allocated spare blocks and
 * redirects them, all or nothing; blocks already remapped are left as they
 * are. On success @spares holds each block's spare block.
 */
int remap_move_to_spare(struct remap_c *rc, const u64 *blocks, unsigned int n,
			u32 *spares)
{
	struct move_batch *b = alloc_batch(rc, n);
	int r;

	if (!b)
		return -ENOMEM;
	r = reserve_entries(b, n);
	if (!r) {
		lock_marking(rc, n);
		r = prepare_to_spare(b, blocks, n, spares);
		unlock_marking(rc, n);
		if (!r && b->n)
			drain_batch(b);
	}
	free_unused_entries(b);
	/* copy and commit unlocked: concurrent moves share the commit */
	if (!r && b->n)
		r = copy_blocks(b, true);
	if (!r && b->n)
		r = stage_and_commit(b, false);
	if (b->uncertain)
		fail_moves(b);
	else if (r)
		undo_to_spare(b);
	else
		finish_moves(b);
	if (!r)
		atomic64_add(b->n, &rc->stats.manual_remaps);
	kvfree(b);
	return r;
}

static bool lost_bitmap_of(struct remap_c *rc, u64 block)
{
	bool found;

	rcu_read_lock();
	found = remap_table_lost(&rc->table, block);
	rcu_read_unlock();
	return found;
}

/*
 * Each move is on the list before its entry is marked, so that a bio that
 * sees the mark always finds the move to wait on.
 */
static int prepare_to_main(struct move_batch *b, const u64 *blocks,
			   unsigned int n)
{
	struct remap_c *rc = b->rc;
	struct remap_entry *e;
	struct remap_move *m;
	unsigned int i;
	bool ours;

	for (i = 0; i < n; i++) {
		e = lookup_settled(b, blocks[i], &ours);
		if (!e)
			return -ENOENT;
		if (ours)
			continue;	/* listed twice in this batch */
		/*
		 * Main would get no data for lost sectors. A heal may be
		 * clearing the flag now (its bitmap still there): the block
		 * is checked again once the drain has waited for the heal
		 * (no_lost_left()).
		 */
		if (READ_ONCE(e->flags) & REMAP_F_LOST)
			return -EBUSY;
		m = &b->moves[b->n++];
		m->entry = e;
		m->block = blocks[i];
		m->spare = e->spare;
		add_move(rc, m);
		remap_table_set_flags(&rc->table, e, REMAP_F_MOVING, 0);
	}
	return 0;
}

/*
 * After the drain, no heal of the batch's blocks is under way (heals are
 * counted in flight), and none starts (the blocks are MOVING): a block
 * whose flag was clear has no bitmap either, unless something left one
 * behind. The bitmaps are keyed by block, not by entry: one left behind
 * would mark the block's sectors lost again at its next remap.
 */
static int no_lost_left(struct move_batch *b)
{
	unsigned int i;

	for (i = 0; i < b->n; i++)
		if (WARN_ON_ONCE(lost_bitmap_of(b->rc, b->moves[i].block)))
			return -EBUSY;
	return 0;
}

/* After a successful unremap: the spare blocks are free again. */
static void forget_remaps(struct move_batch *b)
{
	drop_entries(b);
}

/*
 * Copies the data of remapped @blocks back to the main device and frees
 * their spare blocks, all or nothing. If the main device cannot take the
 * data, or the change cannot be made durable, every remap stays.
 */
int remap_move_to_main(struct remap_c *rc, const u64 *blocks, unsigned int n)
{
	struct move_batch *b = alloc_batch(rc, n);
	int r;

	if (!b)
		return -ENOMEM;
	lock_marking(rc, n);
	r = prepare_to_main(b, blocks, n);
	unlock_marking(rc, n);
	if (!r && b->n)
		drain_batch(b);
	if (!r && b->n)
		r = no_lost_left(b);
	if (!r && b->n)
		r = copy_blocks(b, false);
	if (!r && b->n)
		r = blkdev_issue_flush(rc->main_dev->bdev);
	if (!r && b->n)
		r = stage_and_commit(b, true);
	if (b->uncertain)
		fail_moves(b);
	else if (r)
		finish_moves(b);
	else
		forget_remaps(b);
	if (!r)
		atomic64_add(b->n, &rc->stats.unremaps);
	kvfree(b);
	return r;
}

/*
 * Moves @block to a new spare block with content that @fill makes once no
 * bio to the block is in flight (so that nothing written meanwhile is
 * missed): @fill writes the block's data into @buf and marks sectors whose
 * data it could not get in @lost. Returns -EEXIST if the block is remapped
 * already, -ENOSPC if the pool is full.
 */
int remap_move_block(struct remap_c *rc, struct move_batch *b, u64 block,
		     u32 flags, remap_fill_fn fill, void *context, void *buf,
		     unsigned long *lost)
{
	struct remap_move *m;
	u32 spare;
	int r;

	/* @b is the caller's, from remap_move_batch_alloc() */
	memset(b, 0, struct_size(b, moves, 1));
	b->rc = rc;
	b->reserve = true;
	init_completion(&b->copied);
	r = reserve_entries(b, 1);
	if (!r) {
		mutex_lock(&rc->move_lock);
		r = prepare_to_spare(b, &block, 1, &spare);
		if (!r && !b->n)
			r = -EEXIST;
		mutex_unlock(&rc->move_lock);
		if (!r)
			drain_batch(b);
	}
	free_unused_entries(b);
	if (r)
		goto out;
	m = &b->moves[0];
	m->lost = lost;
	r = fill(context, buf, lost);
	if (!r)
		r = remap_sync_io(rc, REQ_OP_WRITE, rc->spare_dev->bdev,
				  rc->pool_offset + block_to_sector(rc, m->spare),
				  block_to_sector(rc, 1), buf);
	if (!r) {
		remap_table_set_flags(&rc->table, m->entry, flags, 0);
		r = remap_table_set_lost(&rc->table, m->entry, lost);
	}
	if (!r)
		r = stage_and_commit(b, false);
out:
	if (b->uncertain)
		fail_moves(b);
	else if (r && b->n)
		undo_to_spare(b);
	else if (b->n)
		finish_moves(b);
	return r;
}
