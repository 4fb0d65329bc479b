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
	init_waitqueue_head(&f->claim_wait);
	return 0;
}

void remap_inflight_exit(struct remap_inflight *f)
{
	free_percpu(f->cpu);
	f->cpu = NULL;
}

static unsigned long bank_sum(struct remap_inflight *f, unsigned int bucket,
			      unsigned int bank, bool entered)
{
	unsigned long sum = 0;
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
 * Is every bio that entered the bank gone? The counters only grow. Exits
 * are summed before entries, with a full barrier in between: a bio whose
 * exit the first sum saw has its entry seen by the second, so the
 * difference never undercounts the bios still in.
 */
static bool bank_empty(struct remap_inflight *f, unsigned int bucket,
		       unsigned int bank)
{
	unsigned long left = bank_sum(f, bucket, bank, false);

	/* exits before entries, so that a bio is never gone before it came */
	smp_mb();
	return bank_sum(f, bucket, bank, true) == left;
}

/* For the scrub, a hint without barriers: is any bio in flight at all? */
bool remap_inflight_busy(struct remap_inflight *f)
{
	unsigned long entered = 0, left = 0;
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

/* Takes all of @d's buckets, or none if another drain has one of them. */
static bool try_claim(struct remap_inflight *f, struct remap_drain *d)
{
	bool free;

	spin_lock(&f->claim_lock);
	free = !bitmap_intersects(f->draining, d->buckets,
				  REMAP_INFLIGHT_BUCKETS);
	if (free)
		bitmap_or(f->draining, f->draining, d->buckets,
			  REMAP_INFLIGHT_BUCKETS);
	spin_unlock(&f->claim_lock);
	return free;
}

static void release_claim(struct remap_inflight *f, struct remap_drain *d)
{
	spin_lock(&f->claim_lock);
	bitmap_andnot(f->draining, f->draining, d->buckets,
		      REMAP_INFLIGHT_BUCKETS);
	spin_unlock(&f->claim_lock);
	wake_up_all(&f->claim_wait);
}

/*
 * Only the holder of a bucket's claim writes its bank: the plain reads
 * here and in wait_old_banks() see its own store.
 */
static void flip_buckets(struct remap_inflight *f, struct remap_drain *d)
{
	unsigned int b;

	for_each_set_bit(b, d->buckets, REMAP_INFLIGHT_BUCKETS) {
		/* a bio that reads the new bank sees the caller's table changes */
		smp_store_release(&f->bank[b], !f->bank[b]);
	}
}

static void wait_old_banks(struct remap_inflight *f, struct remap_drain *d)
{
	unsigned int b, delay = 50;

	for_each_set_bit(b, d->buckets, REMAP_INFLIGHT_BUCKETS) {
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
 * - Two drains of one bucket never overlap: a drain claims its buckets
 *   before the flip and gives them back only once their old banks are
 *   empty. So when a bucket flips, its other bank, which becomes current,
 *   is empty and has been since the last drain's grace period; every bio
 *   that may have missed the table change is in the bank being retired.
 *   Flipping again while the old bank still held bios would let new bios
 *   enter it, and a drain could then miss bios of the bank it did not
 *   wait for, or wait for ever for a bank that keeps filling.
 */
void remap_inflight_drain(struct remap_inflight *f, struct remap_drain *d)
{
	if (bitmap_empty(d->buckets, REMAP_INFLIGHT_BUCKETS))
		return;
	wait_event(f->claim_wait, try_claim(f, d));
	flip_buckets(f, d);
	synchronize_rcu_expedited();
	wait_old_banks(f, d);
	release_claim(f, d);
}
