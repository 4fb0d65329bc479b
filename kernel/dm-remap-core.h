/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the parts of the remap target share: the per-target context and the
 * per-bio data.
 */
#ifndef DM_REMAP_CORE_H
#define DM_REMAP_CORE_H

#include <linux/bio.h>
#include <linux/device-mapper.h>
#include <linux/dm-io.h>
#include <linux/dm-kcopyd.h>
#include <linux/jiffies.h>
#include <linux/kobject.h>
#include <linux/percpu.h>

#include "dm-remap-inflight.h"
#include "dm-remap-io.h"
#include "dm-remap-metadata.h"
#include "dm-remap-spare.h"
#include "dm-remap-table.h"

#define REMAP_DEFAULT_READ_RETRIES	2U
#define REMAP_MAX_READ_RETRIES		16U
/*
 * Failed bios handled at once: concurrent remaps share metadata commits,
 * so these bound how many remaps one commit carries. Each takes a block
 * buffer from a pool that keeps REMAP_REDO_BUFS, so that under memory
 * pressure that many still make progress.
 */
#define REMAP_ERROR_WORKERS		16
#define REMAP_REDO_BUFS			4
/* Heals of different blocks run at once, and share commits. */
#define REMAP_LOST_LOCKS		16
/* remap_next_worker() counts modulo 2^32: the count must divide it */
static_assert((REMAP_ERROR_WORKERS & (REMAP_ERROR_WORKERS - 1)) == 0);
static_assert(REMAP_ENTRY_RESERVE > REMAP_ERROR_WORKERS);
/* the workers (heals are theirs too) and the scrub stage at once */
static_assert(REMAP_ERROR_WORKERS + 2 <= REMAP_CHANGE_RESERVE);

struct remap_stats {
	atomic64_t outages;
	atomic64_t outage_errors;
	atomic64_t spare_errors;
	atomic64_t read_retries_ok;
	atomic64_t read_errors;
	atomic64_t write_errors;
	atomic64_t auto_remaps;
	atomic64_t manual_remaps;
	atomic64_t unremaps;
	atomic64_t held_bios;
	atomic64_t uncertain;		/* blocks whose move's commit failed */
};

/* Auto remaps per minute over the last hour, for the exhaustion estimate. */
#define REMAP_RATE_MINUTES	60
struct remap_rate {
	spinlock_t lock;		/* protects minute and count */
	u64 minute;			/* minute of the newest slot */
	u32 count[REMAP_RATE_MINUTES];
};

struct remap_c;

/*
 * Gives the bios a move held back to the target once the table says where
 * their blocks are: registered with remap_move_init(), so that the move
 * code does not call up into the target.
 */
typedef void (*remap_release_fn)(struct remap_c *rc, struct bio_list *held);

struct remap_c {
	struct dm_target *ti;
	struct dm_dev *main_dev;
	struct dm_dev *spare_dev;
	bool claimed_main;
	bool claimed_spare;
	u32 block_size;			/* bytes */
	unsigned int block_shift;	/* log2 of sectors per block */
	u64 nr_blocks;
	sector_t pool_offset;		/* sector of spare block 0 */
	bool spare_discards;

	struct remap_table table;
	struct spare_pool pool;
	struct remap_metadata *md;
	struct dm_kcopyd_client *kcopyd;
	bool loaded;			/* table read: see remap_loaded() */

	struct workqueue_struct *wq;
	struct remap_worker {
		struct work_struct work;
		struct remap_c *rc;
		struct block_redo *redo;	/* preallocated: see errors.c */
	} workers[REMAP_ERROR_WORKERS];
	struct block_redo *scrub_redo;
	atomic_t next_worker;
	spinlock_t failed_lock;		/* protects failed */
	struct bio_list failed;		/* bios the error path must redo */
	struct dm_io_client *io_client;
	atomic_t event_state;		/* last state userspace was told of */
	struct remap_rate rate;

	struct remap_inflight inflight;	/* bios in flight, by bucket */
	struct mutex move_lock;		/* marking, one move at a time */
	struct mutex batch_lock;	/* one batch of many blocks marking */
	/* heals of lost sectors, hashed by block: see lost_lock_of() */
	struct mutex lost_locks[REMAP_LOST_LOCKS];
	wait_queue_head_t move_wait;	/* woken when a move ends */
	spinlock_t held_lock;		/* protects moves and their held bios */
	struct list_head moves;		/* moves in progress, with held bios */
	remap_release_fn release_held;	/* where a move's held bios go */

	unsigned int read_retries;
	bool auto_remap;
	struct remap_stats stats;

	/* the whole main device stopped answering: see remap_in_outage() */
	unsigned long outage_seen;	/* jiffies of the last failed probe, 0: never */
	struct mutex probe_lock;	/* protects probe_buf and the answer */
	void *probe_buf;		/* one logical block of the main device */
	atomic64_t probes_begun;	/* numbers the probes */
	s64 probe_done;			/* number of the last probe that ended */
	bool probe_answered;		/* its answer */
	mempool_t *redo_bufs;		/* block buffers of the error workers */

	struct kobject *kobj;		/* /sys/kernel/dm_remap/dm-N */
	struct remap_scrub *scrub;
};

struct remap_io {
	struct bvec_iter iter;		/* as routed: to redo the I/O */
	sector_t sector;		/* target-relative start */
	struct remap_inflight_ref ref;	/* where it counts in flight, if it does */
	bool data;			/* a data bio, not an empty flush */
	bool on_spare;
	bool redone;			/* the error path had it: no second go */
};

struct remap_health {
	unsigned int score;
	const char *state;
	u64 spare_used_pct;
	u64 remaps_last_hour;
	s64 exhaustion_seconds;		/* -1: no recent remaps */
	char reasons[160];
};

struct remap_status {
	u64 remapped;
	u64 spare_total;
	u64 spare_free;
	u64 read_errors;
	u64 write_errors;
	u64 auto_remaps;
	u64 lost_sectors;
	u64 metadata_seq;
	const char *metadata_state;
	unsigned int health_score;
	const char *health_state;
	u64 outage_errors;
};

static inline sector_t block_to_sector(struct remap_c *rc, u64 block)
{
	return block << rc->block_shift;
}

/* Counts @io in flight for a part of @sector's group; under RCU, see there. */
static inline void remap_enter_bank(struct remap_c *rc, struct remap_io *io,
				    sector_t sector)
{
	remap_inflight_enter(&rc->inflight, &io->ref, sector);
}

static inline void remap_leave_bank(struct remap_c *rc, struct remap_io *io)
{
	remap_inflight_leave(&rc->inflight, &io->ref);
}

static inline u64 sector_to_block(struct remap_c *rc, sector_t sector)
{
	return sector >> rc->block_shift;
}

/*
 * Has the first resume read the remap table? Until then the table and the
 * pool are empty or half-filled, and nothing may change them.
 */
static inline bool remap_loaded(struct remap_c *rc)
{
	/* pairs with smp_store_release() in remap_preresume() */
	return smp_load_acquire(&rc->loaded);
}

/*
 * The error worker to queue for the next deferred bio, round robin. The
 * counter wraps through INT_MIN after 2^31 deferrals (every write to a
 * block with lost sectors is one): taken as unsigned it goes on counting
 * modulo 2^32, a multiple of the worker count, so the index is never
 * negative and the turn is kept across the wrap.
 */
static inline unsigned int remap_next_worker(atomic_t *next)
{
	return (unsigned int)atomic_inc_return(next) % REMAP_ERROR_WORKERS;
}

/* dm-remap-target.c */

typedef int (*remap_fill_fn)(void *context, void *buf, unsigned long *lost);

struct block_redo;
struct move_batch;

/* dm-remap-errors.c */
int remap_errors_init(struct remap_c *rc);
void remap_errors_free(struct remap_c *rc);
/* After the main device last failed a probe, the error path moves nothing. */
#define REMAP_OUTAGE_QUIET	(5 * HZ)

/*
 * Is the main device in an outage? Until REMAP_OUTAGE_QUIET after its last
 * failed probe (dm-remap-errors.c): also the failures of bios sent just
 * before it came back are the outage's, not weak or bad blocks. Inline:
 * health and messages read it, and the error path calls them.
 */
static inline bool remap_in_outage(struct remap_c *rc)
{
	unsigned long seen = READ_ONCE(rc->outage_seen);

	return seen && time_before(jiffies, seen + REMAP_OUTAGE_QUIET);
}

int remap_end_io_error(struct remap_c *rc, struct bio *bio,
		       struct remap_io *io, blk_status_t error);
void remap_defer_bio(struct remap_c *rc, struct bio *bio);
bool remap_scrub_block(struct remap_c *rc, u64 block, void *buf);

/* dm-remap-scrub.c */
struct remap_scrub;
void remap_scrub_module_exit(void);
int remap_scrub_init(struct remap_c *rc);
void remap_scrub_free(struct remap_c *rc);
void remap_scrub_suspend(struct remap_c *rc);
void remap_scrub_resume(struct remap_c *rc);
int remap_scrub_message(struct remap_c *rc, unsigned int argc, char **argv,
			char *result, unsigned int maxlen);

/* dm-remap-status.c */
const char *remap_metadata_state_shown(struct remap_c *rc);
void remap_get_status(struct remap_c *rc, struct remap_status *st);
void remap_emit_status(struct remap_c *rc, char *result, unsigned int maxlen);
bool remap_refuse_unloaded(struct remap_c *rc, const char *what);

/* dm-remap-health.c */
void remap_health_init(struct remap_c *rc);
void remap_get_health(struct remap_c *rc, struct remap_health *h);
void remap_check_events(struct remap_c *rc);
void remap_count_auto_remap(struct remap_c *rc);

/* dm-remap-move.c */
void remap_move_init(struct remap_c *rc, remap_release_fn release);
struct move_batch *remap_move_batch_alloc(struct remap_c *rc);
void remap_move_batch_free(struct move_batch *b);
int remap_move_block(struct remap_c *rc, struct move_batch *b, u64 block,
		     u32 flags, remap_fill_fn fill, void *context, void *buf,
		     unsigned long *lost);
bool remap_block_moving(struct remap_c *rc, u64 block);
void remap_wait_block(struct remap_c *rc, u64 block);
void remap_fill_metadata_entry(struct remap_metadata_entry *me, u64 block,
			       u32 flags, const unsigned long *lost);
bool remap_hold_bio(struct remap_c *rc, struct bio *bio, u64 block);
void remap_requeue_held(struct remap_c *rc);
int remap_move_to_spare(struct remap_c *rc, const u64 *blocks, unsigned int n,
			u32 *spares);
int remap_move_to_main(struct remap_c *rc, const u64 *blocks, unsigned int n);

/* dm-remap-message.c */
int remap_message(struct dm_target *ti, unsigned int argc, char **argv,
		  char *result, unsigned int maxlen);

/* dm-remap-sysfs.c */
int remap_sysfs_module_init(void);
void remap_sysfs_module_exit(void);
int remap_sysfs_add(struct remap_c *rc);
void remap_sysfs_remove(struct remap_c *rc);

#endif /* DM_REMAP_CORE_H */
