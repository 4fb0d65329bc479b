// SPDX-License-Identifier: GPL-2.0-only
/*
 * The remap table's hash: open addressing with linear probing over an array
 * of entry pointers, sized to what it holds rather than to a power of two.
 *
 * Why not rhashtable: its buckets are pointers too, but it keeps them at
 * most 75% loaded in a power-of-two array, and each entry carries a chain
 * link. Here an entry carries no link (16 bytes instead of 24) and the array
 * gets 2 slots per entry when it is resized (1.5 when a load says how many
 * entries come), so 1M remaps cost 16 + 12 to 16 bytes each instead of
 * 24 + 16.8.
 *
 * Readers are lock-free under RCU and never wait. Entries never move within
 * an array: a slot changes with one store, to an entry or, where one was
 * removed, to a tombstone that probes go past. A resize builds a complete
 * new array and publishes it with one pointer store; a reader still on the
 * old array finds what it held, and the old array is freed a grace period
 * later. Removed entries are freed by the caller a grace period after their
 * removal, so whatever a reader finds stays valid until it leaves RCU.
 *
 * A slot holds 0 (never used: a probe ends there), SLOT_TOMB, or an entry's
 * address with 4 bits of its hash in the low bits (entries are 16-byte
 * aligned), so that a probe seldom reads an entry it does not look for.
 * At least an eighth of the slots stay 0, so every probe ends.
 *
 * Inserts come from moves, some of them on the error path of this very
 * device, so the array they may resize is allocated with GFP_NOIO. When
 * that finds no memory, grow_slots() gets it from a worker that may wait
 * for reclaim, before the slots between 3/4 and 7/8 are used up and an
 * insert must fail.
 */
#include <linux/hash.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/random.h>
#include <linux/slab.h>

#include "dm-remap-hash.h"
#include "dm-remap-table.h"

#define SLOT_TAG_MASK	((unsigned long)REMAP_HASH_ENTRY_ALIGN - 1)
#define SLOT_TOMB	1UL
#define MIN_SLOTS	64UL

struct remap_slots {
	struct rcu_head rcu;
	unsigned long size;
	unsigned long slot[];
};

/* Two multiply rounds: consecutive and strided blocks spread evenly. */
static u64 hash_block(const struct remap_hash *h, u64 block)
{
	u64 x = (block ^ h->seed) * GOLDEN_RATIO_64;

	return (x ^ (x >> 32)) * GOLDEN_RATIO_64;
}

/* The top bits of the hash pick the slot, in an array of any size. */
static unsigned long first_slot(const struct remap_slots *s, u64 hash)
{
	return mul_u64_u64_shr(hash, s->size, 64);
}

/* Bits below those that pick the slot, for arrays up to 2^40 slots. */
static unsigned long slot_tag(u64 hash)
{
	return (hash >> 20) & SLOT_TAG_MASK;
}

static struct remap_entry *slot_entry(unsigned long v)
{
	return (struct remap_entry *)(v & ~SLOT_TAG_MASK);
}

static unsigned long next_slot(const struct remap_slots *s, unsigned long i)
{
	return ++i == s->size ? 0 : i;
}

/* Slots for @n entries after a resize: half of them used. */
static unsigned long slots_for(unsigned long n)
{
	return max(MIN_SLOTS, 2 * n);
}

/* The writer's view: lockdep checks that the owner's mutex is held. */
static struct remap_slots *slots_of(struct remap_hash *h)
{
	return rcu_dereference_protected(h->slots, lockdep_is_held(h->lock));
}

static struct remap_slots *alloc_slots(struct remap_hash *h,
				       unsigned long size, gfp_t gfp)
{
	struct remap_slots *s;

#if IS_ENABLED(CONFIG_DM_REMAP_KUNIT_TEST)
	if (h->noio_fails && !(gfp & __GFP_IO))
		return NULL;
#endif
	s = kvzalloc(struct_size(s, slot, size), gfp | __GFP_NOWARN);
	if (s)
		s->size = size;
	return s;
}

static void grow_slots(struct work_struct *work);

int remap_hash_init(struct remap_hash *h, struct mutex *lock)
{
	struct remap_slots *s;

	memset(h, 0, sizeof(*h));
	s = alloc_slots(h, MIN_SLOTS, GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	RCU_INIT_POINTER(h->slots, s);
	INIT_WORK(&h->grow, grow_slots);
	h->lock = lock;
	h->live = 0;
	h->used = 0;
	h->resizes = 0;
	h->seed = get_random_u64();
	return 0;
}

/* Only once no reader can be left. */
void remap_hash_destroy(struct remap_hash *h,
			void (*free_fn)(void *entry, void *arg), void *arg)
{
	struct remap_slots *s;
	unsigned long i;

	cancel_work_sync(&h->grow);
	s = rcu_dereference_protected(h->slots, true);
	for (i = 0; i < s->size; i++) {
		if (slot_entry(s->slot[i]))
			free_fn(slot_entry(s->slot[i]), arg);
		if (!(i % 4096))
			cond_resched();
	}
	kvfree(s);
	RCU_INIT_POINTER(h->slots, NULL);
}

/* Caller holds rcu_read_lock(). */
struct remap_entry *remap_hash_lookup(struct remap_hash *h, u64 block)
{
	const struct remap_slots *s = rcu_dereference(h->slots);
	u64 hash = hash_block(h, block);
	unsigned long tag = slot_tag(hash), i = first_slot(s, hash), n, v;
	struct remap_entry *e;

	for (n = s->size; n; n--, i = next_slot(s, i)) {
		/* pairs with smp_store_release() in place() */
		v = READ_ONCE(s->slot[i]);
		if (!v)
			break;
		e = slot_entry(v);
		if ((v & SLOT_TAG_MASK) == tag && e && e->block == block)
			return e;
	}
	return NULL;
}

/* Fills a new array that no reader sees yet. */
static void place_new(struct remap_hash *h, struct remap_slots *s,
		      struct remap_entry *e)
{
	u64 hash = hash_block(h, e->block);
	unsigned long i = first_slot(s, hash);

	while (s->slot[i])
		i = next_slot(s, i);
	s->slot[i] = (unsigned long)e | slot_tag(hash);
}

/* Moves every entry to @new, without tombstones, and publishes it. */
static void replace_slots(struct remap_hash *h, struct remap_slots *new)
{
	struct remap_slots *old = slots_of(h);
	unsigned long i;

	/* tens of millions of entries take a while: only a mutex is held */
	for (i = 0; i < old->size; i++) {
		if (slot_entry(old->slot[i]))
			place_new(h, new, slot_entry(old->slot[i]));
		if (!(i % 4096))
			cond_resched();
	}
	rcu_assign_pointer(h->slots, new);
	h->used = h->live;
	if (new->size != old->size)
		WRITE_ONCE(h->resizes, h->resizes + 1);
	kvfree_rcu(old, rcu);
}

/*
 * A new array of @size slots for every entry. On -ENOMEM the old array
 * stays, as it was.
 */
static int resize(struct remap_hash *h, unsigned long size)
{
	struct remap_slots *new;

	if (size <= h->live + h->live / 8)
		return -EINVAL;
	/* the I/O path's moves insert: their memory must not need our I/O */
	new = alloc_slots(h, size, GFP_NOIO);
	if (!new)
		return -ENOMEM;
	replace_slots(h, new);
	return 0;
}

static bool needs_room(struct remap_hash *h)
{
	return h->used + 1 > slots_of(h)->size / 4 * 3;
}

/*
 * The resize that make_room() could not do without reclaim. Reclaim may
 * write to the device whose moves insert here, and those moves take the
 * owner's mutex: so the array is allocated before the mutex is taken, and
 * nothing in the I/O path waits for this work.
 */
static void grow_slots(struct work_struct *work)
{
	struct remap_hash *h = container_of(work, struct remap_hash, grow);
	unsigned long size = slots_for(READ_ONCE(h->live) + 1);
	struct remap_slots *new = alloc_slots(h, size, GFP_KERNEL);

	if (!new)
		return;		/* the next insert that needs room retries */
	mutex_lock(h->lock);
	/* a resize meanwhile may have made the array larger than this one */
	if (needs_room(h) && size > h->live + h->live / 8 &&
	    size >= slots_of(h)->size) {
		replace_slots(h, new);
		new = NULL;
	}
	mutex_unlock(h->lock);
	kvfree(new);
}

/*
 * Room for one more: above 3/4 used (entries and tombstones) the array is
 * rebuilt for 2 slots an entry. If memory for it is short, grow_slots()
 * looks for it where it may wait, and inserts go on meanwhile until 7/8
 * are used, so that probes still end.
 */
static int make_room(struct remap_hash *h)
{
	unsigned long size = slots_of(h)->size;

	if (!needs_room(h))
		return 0;
	if (!resize(h, slots_for(h->live + 1)))
		return 0;
	queue_work(system_unbound_wq, &h->grow);
	return h->used + 1 <= size - size / 8 ? 0 : -ENOMEM;
}

/* Caller serializes changes; @e->block is set. */
int remap_hash_insert(struct remap_hash *h, struct remap_entry *e)
{
	struct remap_slots *s;
	unsigned long i, n, v, tomb = ULONG_MAX;
	u64 hash = hash_block(h, e->block);
	int r;

	if (WARN_ON_ONCE((unsigned long)e & SLOT_TAG_MASK))
		return -EINVAL;
	r = make_room(h);
	if (r)
		return r;
	s = slots_of(h);
	for (i = first_slot(s, hash), n = s->size; n; n--, i = next_slot(s, i)) {
		v = s->slot[i];
		if (!v)
			break;
		if (v == SLOT_TOMB && tomb == ULONG_MAX)
			tomb = i;
		else if (slot_entry(v) && slot_entry(v)->block == e->block)
			return -EEXIST;
	}
	if (tomb == ULONG_MAX) {
		if (!n)
			return -ENOMEM;	/* never: make_room() keeps slots free */
		tomb = i;
		h->used++;
	}
	/* a reader that finds @e sees it filled in */
	smp_store_release(&s->slot[tomb], (unsigned long)e | slot_tag(hash));
	WRITE_ONCE(h->live, h->live + 1);
	return 0;
}

/* Below 1/8 used, a smaller array: at least half empty again after it. */
void remap_hash_trim(struct remap_hash *h)
{
	unsigned long size = slots_of(h)->size;

	if (size > MIN_SLOTS && h->live < size / 8)
		resize(h, slots_for(h->live));
}

/*
 * Unhashes @e; readers may still hold it until a grace period has passed.
 * Caller serializes changes.
 */
int remap_hash_remove(struct remap_hash *h, struct remap_entry *e)
{
	struct remap_slots *s = slots_of(h);
	unsigned long i = first_slot(s, hash_block(h, e->block)), n, v;

	for (n = s->size; n; n--, i = next_slot(s, i)) {
		v = s->slot[i];
		if (!v)
			break;
		if (slot_entry(v) == e) {
			WRITE_ONCE(s->slot[i], SLOT_TOMB);
			WRITE_ONCE(h->live, h->live - 1);
			remap_hash_trim(h);
			return 0;
		}
	}
	return -ENOENT;
}

/*
 * Sizes the array for @n more entries at once (2/3 used once they are all
 * in), so that inserting them resizes nothing. Caller serializes changes.
 */
int remap_hash_reserve(struct remap_hash *h, unsigned long n)
{
	unsigned long want;

	if (check_add_overflow(h->live, n, &want) || want > ULONG_MAX / 2)
		return -ENOMEM;
	if (h->used + n <= slots_of(h)->size / 4 * 3)
		return 0;
	return resize(h, max(MIN_SLOTS, want + want / 2));
}

unsigned long remap_hash_count(struct remap_hash *h)
{
	return READ_ONCE(h->live);
}

unsigned long remap_hash_slots(struct remap_hash *h)
{
	unsigned long size;

	rcu_read_lock();
	size = rcu_dereference(h->slots)->size;
	rcu_read_unlock();
	return size;
}

unsigned int remap_hash_resizes(struct remap_hash *h)
{
	return READ_ONCE(h->resizes);
}
