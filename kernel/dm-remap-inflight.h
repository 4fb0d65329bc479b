/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Bios in flight, counted per bucket of the target's address space, so
 * that a move waits only for the bios that may touch its blocks.
 *
 * The target is cut into groups of REMAP_INFLIGHT_GROUP_SHIFT sectors (no
 * counted bio crosses a group: map() cuts it), and a group's bios count in
 * the bucket of its number modulo REMAP_INFLIGHT_BUCKETS. Each bucket has
 * two banks, and each bank counts entries and exits apart, per CPU, as
 * SRCU does, so that a sum taken while bios come and go on other CPUs
 * never reads zero too early. See remap_inflight_drain().
 */
#ifndef DM_REMAP_INFLIGHT_H
#define DM_REMAP_INFLIGHT_H

#include <linux/bitmap.h>
#include <linux/percpu.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>

/* 1 MiB groups: a multiple of every block size, and of most bios */
#define REMAP_INFLIGHT_GROUP_SHIFT	11
#define REMAP_INFLIGHT_BUCKETS		256
/* a bucket number fits the u8 of struct remap_inflight_ref */
static_assert((REMAP_INFLIGHT_BUCKETS & (REMAP_INFLIGHT_BUCKETS - 1)) == 0 &&
	      REMAP_INFLIGHT_BUCKETS <= 256);

/*
 * Counts wrap at 2^32, and are only ever compared modulo 2^32 (summed over
 * CPUs, entries against exits): exact while fewer than 2^32 bios are in
 * flight in one bank, and half the memory of longs (4 KiB per CPU).
 */
struct remap_inflight_count {
	u32 entered[2];
	u32 left[2];
};

struct remap_inflight_cpu {
	struct remap_inflight_count bucket[REMAP_INFLIGHT_BUCKETS];
};

struct remap_inflight {
	struct remap_inflight_cpu __percpu *cpu;
	u8 bank[REMAP_INFLIGHT_BUCKETS];	/* bank new bios count in */
	spinlock_t claim_lock;			/* protects the three below */
	DECLARE_BITMAP(draining, REMAP_INFLIGHT_BUCKETS);
	u64 flips;				/* drains begun, numbering them */
	/* number of the last drain of each bucket that ended */
	u64 drained[REMAP_INFLIGHT_BUCKETS];
	wait_queue_head_t claim_wait;		/* woken when a drain ends */
};

/* Where one bio counts, kept in its per-bio data from entry to exit. */
struct remap_inflight_ref {
	u8 bucket;
	u8 bank;
	bool counted;
};

/* The buckets one move (of any number of blocks) drains at once. */
struct remap_drain {
	DECLARE_BITMAP(buckets, REMAP_INFLIGHT_BUCKETS);
};

static inline unsigned int remap_inflight_bucket(sector_t sector)
{
	return (sector >> REMAP_INFLIGHT_GROUP_SHIFT) &
	       (REMAP_INFLIGHT_BUCKETS - 1);
}

/* Sectors from @sector to the end of its group. */
static inline sector_t remap_inflight_group_left(sector_t sector)
{
	sector_t group = (sector_t)1 << REMAP_INFLIGHT_GROUP_SHIFT;

	return group - (sector & (group - 1));
}

/*
 * Counts a bio that lies in the group of @sector. The caller holds
 * rcu_read_lock() from here until it has looked the bio's blocks up, so
 * that a drain's grace period covers both (see remap_inflight_drain()).
 */
static inline void remap_inflight_enter(struct remap_inflight *f,
					struct remap_inflight_ref *ref,
					sector_t sector)
{
	ref->bucket = remap_inflight_bucket(sector);
	/* pairs with smp_store_release() in flip_bucket() */
	ref->bank = smp_load_acquire(&f->bank[ref->bucket]);
	this_cpu_inc(f->cpu->bucket[ref->bucket].entered[ref->bank]);
	ref->counted = true;
}

static inline void remap_inflight_leave(struct remap_inflight *f,
					struct remap_inflight_ref *ref)
{
	if (ref->counted) {
		this_cpu_inc(f->cpu->bucket[ref->bucket].left[ref->bank]);
		ref->counted = false;
	}
}

int remap_inflight_init(struct remap_inflight *f);
void remap_inflight_exit(struct remap_inflight *f);
bool remap_inflight_busy(struct remap_inflight *f);

static inline void remap_drain_init(struct remap_drain *d)
{
	bitmap_zero(d->buckets, REMAP_INFLIGHT_BUCKETS);
}

/* Adds the bucket of the group that holds @sector. */
static inline void remap_drain_add(struct remap_drain *d, sector_t sector)
{
	__set_bit(remap_inflight_bucket(sector), d->buckets);
}

void remap_inflight_drain(struct remap_inflight *f, struct remap_drain *d);

#endif /* DM_REMAP_INFLIGHT_H */
