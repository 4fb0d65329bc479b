/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The remap table's hash: open addressing over an array of entry pointers
 * that it sizes itself. Lookups are lock-free under rcu_read_lock() and never
 * wait for a resize; changes are serialized by the caller and may sleep.
 */
#ifndef DM_REMAP_HASH_H
#define DM_REMAP_HASH_H

#include <linux/rcupdate.h>
#include <linux/types.h>
#include <linux/workqueue.h>

struct mutex;

/* A slot keeps 4 bits of its entry's hash in the address's low bits. */
#define REMAP_HASH_ENTRY_ALIGN	16

struct remap_entry;
struct remap_slots;

struct remap_hash {
	struct remap_slots __rcu *slots;
	struct mutex *lock;		/* the owner's: serializes changes */
	unsigned long live;		/* entries */
	unsigned long used;		/* slots holding an entry or a tombstone */
	unsigned int resizes;		/* changes of the array's size */
	u64 seed;
	struct work_struct grow;	/* a resize that may wait for memory */
#if IS_ENABLED(CONFIG_DM_REMAP_KUNIT_TEST)
	bool noio_fails;		/* tests: no memory without reclaim */
#endif
};

int remap_hash_init(struct remap_hash *h, struct mutex *lock);
void remap_hash_destroy(struct remap_hash *h,
			void (*free_fn)(void *entry, void *arg), void *arg);

struct remap_entry *remap_hash_lookup(struct remap_hash *h, u64 block);
int remap_hash_insert(struct remap_hash *h, struct remap_entry *e);
int remap_hash_remove(struct remap_hash *h, struct remap_entry *e);
int remap_hash_reserve(struct remap_hash *h, unsigned long n);
void remap_hash_trim(struct remap_hash *h);

unsigned long remap_hash_count(struct remap_hash *h);
unsigned long remap_hash_slots(struct remap_hash *h);
unsigned int remap_hash_resizes(struct remap_hash *h);

#endif /* DM_REMAP_HASH_H */
