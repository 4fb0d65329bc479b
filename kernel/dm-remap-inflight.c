// SPDX-License-Identifier: GPL-2.0-only
/*
 * Waiting for the bios in flight on some blocks (dm-remap-inflight.h).
 *
 * A move first changes the table (its blocks become MOVING, so that new
 * bios to them are held), then drains the buckets of its blocks: it flips
 * each bucket's bank, waits one RCU grace period for the whole set, and
 * waits until the old bank of each is empty. Bios that entered the old
 * bank may have been routed without seeing the table change; bios that
 * enter the new bank see it. Bios of other buckets are never waited for;
 * unrelated bios of the same bucket only if they were in flight before the
 * flip, so a drain ends once those end, whatever new I/O arrives.
 */
#include <linux/delay.h>
#include <linux/rcupdate.h>

#include "dm-remap-inflight.h"

int remap_inflight_init(struct remap_inflight *f)
{
	f->cpu = alloc_percpu(struct remap_inflight_cpu);
	if (!f->cpu)
		return -ENOMEM;
	memset(f->bank, 0, sizeof(f->bank));
	spin_lock_init(&f->claim_lock);
	bitmap_zero(f->draining, REMAP_INFLIGHT_BUCKETS);
	f->flips = 0;
	memset(f->drained, 0, sizeof(f->drained));
	init_waitqueue_head(&f->claim_wait);
	return 0;
}

void remap_inflight_exit(struct remap_inflight *f)
{
	free_percpu(f->cpu);
	f->cpu = NULL;
}

static u32 bank_sum(struct remap_inflight *f, unsigned int bucket,
		    unsigned int bank, bool entered)
{
	u32 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu) {
		struct remap_inflight_count *c =
			&per_cpu_ptr(f->cpu, cpu)->bucket[bucket];

		sum += entered ? READ_ONCE(c->entered[bank]) :
				 READ_ONCE(c->left[bank]);
	}
	return sum;
}

/*
 * Is every bio that entered the bank gone? Called on a retired bank after
 * a grace period: every entry into it is then complete and visible, and
 * none comes any more (see remap_inflight_drain()), so the entries summed
 * are final. Exits are summed first, with a full barrier before the
 * entries: an exit seen has its entry seen, so a sum never reads a bio as
 * gone before it came; an exit not seen yet only makes us wait longer.
 */
static bool bank_empty(struct remap_inflight *f, unsigned int bucket,
		       unsigned int bank)
{
	u32 left = bank_sum(f, bucket, bank, false);

	/* exits before entries, so that a bio is never gone before it came */
	smp_mb();
	return bank_sum(f, bucket, bank, true) == left;
}

/* For the scrub, a hint without barriers: is any bio in flight at all? */
bool remap_inflight_busy(struct remap_inflight *f)
{
	u32 entered = 0, left = 0;
	unsigned int b;
	int cpu;

	for_each_possible_cpu(cpu) {
		struct remap_inflight_cpu *c = per_cpu_ptr(f->cpu, cpu);

		for (b = 0; b < REMAP_INFLIGHT_BUCKETS; b++) {
			entered += c->bucket[b].entered[0] + c->bucket[b].entered[1];
			left += c->bucket[b].left[0] + c->bucket[b].left[1];
		}
	}
	return entered != left;
}

enum claim { CLAIM_DONE, CLAIM_TAKEN, CLAIM_BUSY };

/*
 * Takes @bucket for a drain (numbering the drain in *@seq at its first
 * bucket): CLAIM_DONE if a drain numbered after @seen has drained it
 * already, CLAIM_BUSY if another drain has it now.
 */
static enum claim claim_bucket(struct remap_inflight *f, unsigned int bucket,
			       u64 seen, u64 *seq)
{
	enum claim c = CLAIM_BUSY;

	spin_lock(&f->claim_lock);
	/* 64 bits: no wrap in the device's life */
	if (f->drained[bucket] > seen) {
		c = CLAIM_DONE;
	} else if (!test_bit(bucket, f->draining)) {
		__set_bit(bucket, f->draining);
		if (!*seq)
			*seq = ++f->flips;
		c = CLAIM_TAKEN;
	}
	spin_unlock(&f->claim_lock);
	return c;
}

static void release_claim(struct remap_inflight *f, unsigned long *taken,
			  u64 seq)
{
	unsigned int b;

	spin_lock(&f->claim_lock);
	for_each_set_bit(b, taken, REMAP_INFLIGHT_BUCKETS)
		f->drained[b] = seq;
	bitmap_andnot(f->draining, f->draining, taken, REMAP_INFLIGHT_BUCKETS);
	spin_unlock(&f->claim_lock);
	wake_up_all(&f->claim_wait);
}

/*
 * Only the holder of a bucket's claim writes its bank: the plain reads
 * here and in wait_old_banks() see its own store.
 */
static void flip_bucket(struct remap_inflight *f, unsigned int b)
{
	/* a bio that reads the new bank sees the caller's table changes */
	smp_store_release(&f->bank[b], !f->bank[b]);
}

static void wait_old_banks(struct remap_inflight *f, unsigned long *taken)
{
	unsigned int b, delay = 50;

	for_each_set_bit(b, taken, REMAP_INFLIGHT_BUCKETS) {
		while (!bank_empty(f, b, !f->bank[b])) {
			usleep_range(delay, 2 * delay);
			/* a bio stuck in error handling may take seconds */
			delay = min(2 * delay, 1000U);
		}
	}
}

/*
 * Waits for every bio of @d's buckets that may have been routed without
 * seeing the table changes the caller made before. Any number of buckets
 * is drained with one grace period. Call it with no lock held that a bio
 * in flight could need; it sleeps.
 *
 * Why one bank of each bucket is enough:
 * - A bio that reads the new bank reads it with acquire after the
 *   release that follows the caller's table changes: it sees them.
 * - A bio that read the old bank did so in an RCU read-side section that
 *   also covers its lookup (remap_inflight_enter()); once the grace
 *   period has ended, its entry is counted and visible, so the wait below
 *   covers it, and no bio enters the old bank any more (each entry reads
 *   the bank afresh).
 * - Two drains of one bucket never overlap: a drain claims a bucket
 *   before its flip and gives it back only once its old bank is empty.
 *   So when a bucket flips, its other bank, which becomes current, is
 *   empty and has been since the last drain's grace period; every bio
 *   that may have missed the table change is in the bank being retired.
 *   Flipping again while the old bank still held bios would let new bios
 *   enter it, and a drain could then miss bios of the bank it did not
 *   wait for, or wait for ever for a bank that keeps filling.
 *
 * Drains share: a drain of a bucket that began (took its number, under
 * claim_lock) after the caller took @seen, under the same lock after its
 * table changes, flipped the bucket after those changes, and once it has
 * ended it has waited for every bio that may have missed them. So a
 * bucket that such a drain did needs no drain of its own. Moves that
 * arrive while a drain of their bucket runs wait for it to end, and then
 * one more drain does them all: a burst of moves in one region costs two
 * grace periods, not one each.
 *
 * A drain takes its buckets one by one, in ascending order, and holds
 * those it took while it waits for the next: so a drain of many buckets
 * is not starved by drains of one that keep some bucket of it busy, and
 * as a drain waits only for bios and for buckets above those it holds,
 * no drains wait for each other in a cycle.
 */
void remap_inflight_drain(struct remap_inflight *f, struct remap_drain *d)
{
	DECLARE_BITMAP(taken, REMAP_INFLIGHT_BUCKETS);
	u64 seen, seq = 0;
	unsigned int b;
	enum claim c;

	/* after the caller's table changes: see "Drains share" above */
	spin_lock(&f->claim_lock);
	seen = f->flips;
	spin_unlock(&f->claim_lock);
	bitmap_zero(taken, REMAP_INFLIGHT_BUCKETS);
	for_each_set_bit(b, d->buckets, REMAP_INFLIGHT_BUCKETS) {
		/* a bio of a bucket may wait seconds in error handling */
		wait_event_idle(f->claim_wait,
				(c = claim_bucket(f, b, seen, &seq)) != CLAIM_BUSY);
		if (c == CLAIM_TAKEN) {
			__set_bit(b, taken);
			flip_bucket(f, b);
		}
	}
	if (bitmap_empty(taken, REMAP_INFLIGHT_BUCKETS))
		return;		/* other drains did every bucket */
	synchronize_rcu_expedited();
	wait_old_banks(f, taken);
	release_claim(f, taken, seq);
}
