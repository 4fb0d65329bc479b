// SPDX-License-Identifier: GPL-2.0-only
/*
 * Scrub: reads the main device in the background at a given rate, so that
 * weak and unreadable sectors are found before a user needs them. What it
 * finds goes through the error path like a failed read (dm-remap-errors.c).
 * It yields to foreground I/O, and its position survives a table reload: it
 * is kept, by metadata UUID, while no instance runs it.
 */
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "dm-remap-core.h"
#include "dm-remap-tunables.h"

#define DM_MSG_PREFIX "remap"

#define SCRUB_CHUNK_BYTES	BIT(20)
#define SCRUB_DEFAULT_RATE	32U	/* MiB/s */
#define SCRUB_MAX_RATE		10000U
#define SCRUB_BUSY_DELAY_MS	20U

struct scrub_state {
	u64 position;			/* next block to read */
	u64 found;			/* blocks with errors found */
	u64 passes;			/* complete passes */
	unsigned int rate;		/* MiB/s */
	bool running;
};

struct remap_scrub {
	struct remap_c *rc;
	struct delayed_work work;
	struct mutex lock;		/* state and suspended against messages */
	struct scrub_state state;
	bool suspended;			/* from presuspend to resume: no start */
	void *buf;			/* one chunk */
};

/* Scrub states of instances that are not running, by metadata UUID. */
struct scrub_memo {
	struct list_head list;
	u8 uuid[16];
	struct scrub_state state;
};

static LIST_HEAD(scrub_memos);
static DEFINE_MUTEX(scrub_memos_lock);

static void memo_save(struct remap_scrub *s)
{
	const u8 *uuid = remap_metadata_uuid(s->rc->md);
	struct scrub_memo *m;

	mutex_lock(&scrub_memos_lock);
	list_for_each_entry(m, &scrub_memos, list)
		if (!memcmp(m->uuid, uuid, sizeof(m->uuid)))
			goto found;
	m = kzalloc(sizeof(*m), GFP_KERNEL);
	if (!m)
		goto out;
	memcpy(m->uuid, uuid, sizeof(m->uuid));
	list_add(&m->list, &scrub_memos);
found:
	m->state = s->state;
out:
	mutex_unlock(&scrub_memos_lock);
}

static void memo_restore(struct remap_scrub *s)
{
	const u8 *uuid = remap_metadata_uuid(s->rc->md);
	struct scrub_memo *m;

	mutex_lock(&scrub_memos_lock);
	list_for_each_entry(m, &scrub_memos, list) {
		if (!memcmp(m->uuid, uuid, sizeof(m->uuid))) {
			s->state = m->state;
			if (s->state.position >= s->rc->nr_blocks)
				s->state.position = 0;
			break;
		}
	}
	mutex_unlock(&scrub_memos_lock);
}

/* Blocks from @pos to read in one go: up to a chunk, stopping at a remap. */
static u64 run_length(struct remap_c *rc, u64 pos)
{
	u64 chunk = SCRUB_CHUNK_BYTES >> (rc->block_shift + SECTOR_SHIFT);
	u64 last = min(rc->nr_blocks, pos + chunk) - 1;
	struct remap_entry *e;
	u64 end = last + 1;

	rcu_read_lock();
	e = remap_table_first_in_range(&rc->table, pos, last);
	if (e)
		end = e->block;
	rcu_read_unlock();
	return end - pos;
}

/* Reads a run of blocks; on error, each block of it on its own. */
static void scrub_run(struct remap_scrub *s, u64 pos, u64 n)
{
	struct remap_c *rc = s->rc;
	u64 b;

	if (!remap_sync_io(rc, REQ_OP_READ, rc->main_dev->bdev,
			   block_to_sector(rc, pos), block_to_sector(rc, n), s->buf))
		return;
	for (b = pos; b < pos + n; b++)
		if (remap_scrub_block(rc, b, s->buf))
			s->state.found++;
}

static unsigned long step_delay(struct remap_scrub *s, u64 bytes)
{
	u64 ms = div_u64(bytes * MSEC_PER_SEC, (u64)s->state.rate << 20);

	if (remap_inflight_busy(&s->rc->inflight))
		ms = max_t(u64, ms * 2, SCRUB_BUSY_DELAY_MS);
	return msecs_to_jiffies(ms);
}

static void scrub_step(struct work_struct *work)
{
	struct remap_scrub *s = container_of(to_delayed_work(work),
					     struct remap_scrub, work);
	struct remap_c *rc = s->rc;
	/* what it finds goes through the error path: no I/O for memory */
	unsigned int noio = memalloc_noio_save();
	u64 pos, n;

	mutex_lock(&s->lock);
	if (!s->state.running || s->suspended)
		goto out;
	pos = s->state.position;
	n = run_length(rc, pos);
	if (n)
		scrub_run(s, pos, n);
	s->state.position = pos + max_t(u64, n, 1);
	if (s->state.position >= rc->nr_blocks) {
		s->state.position = 0;
		s->state.passes++;
		s->state.running = false;
		DMINFO("%s: scrub pass done, %llu blocks with errors found so far",
		       rc->main_dev->name, s->state.found);
		dm_table_event(rc->ti->table);
		goto out;
	}
	queue_delayed_work(system_long_wq, &s->work,
			   step_delay(s, block_to_sector(rc, n) << SECTOR_SHIFT));
out:
	mutex_unlock(&s->lock);
	memalloc_noio_restore(noio);
}

int remap_scrub_init(struct remap_c *rc)
{
	struct remap_scrub *s = kzalloc(sizeof(*s), GFP_KERNEL);

	if (!s)
		return -ENOMEM;
	s->buf = kvmalloc(max_t(u32, SCRUB_CHUNK_BYTES, rc->block_size), GFP_KERNEL);
	if (!s->buf) {
		kfree(s);
		return -ENOMEM;
	}
	s->rc = rc;
	s->suspended = true;	/* until the first resume */
	s->state.rate = SCRUB_DEFAULT_RATE;
	mutex_init(&s->lock);
	INIT_DELAYED_WORK(&s->work, scrub_step);
	rc->scrub = s;
	return 0;
}

void remap_scrub_free(struct remap_c *rc)
{
	struct remap_scrub *s = rc->scrub;

	if (!s)
		return;
	cancel_delayed_work_sync(&s->work);
	kvfree(s->buf);
	kfree(s);
	rc->scrub = NULL;
}

/*
 * Stops the worker and keeps the state for whichever instance resumes. The
 * state says suspended before the wait, as dm-clone does, so that a scrub
 * start arriving while the suspend waits for I/O cannot queue it again.
 */
void remap_scrub_suspend(struct remap_c *rc)
{
	struct remap_scrub *s = rc->scrub;

	mutex_lock(&s->lock);
	s->suspended = true;
	mutex_unlock(&s->lock);
	cancel_delayed_work_sync(&s->work);
	mutex_lock(&s->lock);
	memo_save(s);
	mutex_unlock(&s->lock);
}

void remap_scrub_resume(struct remap_c *rc)
{
	struct remap_scrub *s = rc->scrub;

	mutex_lock(&s->lock);
	s->suspended = false;
	memo_restore(s);
	if (s->state.running)
		queue_delayed_work(system_long_wq, &s->work, 0);
	mutex_unlock(&s->lock);
}

static int scrub_start(struct remap_scrub *s, unsigned int argc, char **argv)
{
	unsigned int rate = SCRUB_DEFAULT_RATE;
	bool bad_rate = argc == 3 &&
			(remap_parse_number(argv[2], SCRUB_MAX_RATE, &rate) || !rate);

	if (argc > 3 || bad_rate) {
		DMERR("scrub start takes an optional rate in MiB/s, 1 to %u",
		      SCRUB_MAX_RATE);
		return -EINVAL;
	}
	if (remap_refuse_unloaded(s->rc, "scrub start"))
		return -EBUSY;
	mutex_lock(&s->lock);
	if (s->suspended) {
		mutex_unlock(&s->lock);
		DMERR("scrub: the device is suspended");
		return -EBUSY;
	}
	s->state.rate = rate;
	if (!s->state.running) {
		s->state.running = true;
		queue_delayed_work(system_long_wq, &s->work, 0);
	}
	mutex_unlock(&s->lock);
	return 0;
}

static int scrub_stop(struct remap_scrub *s)
{
	mutex_lock(&s->lock);
	s->state.running = false;
	mutex_unlock(&s->lock);
	cancel_delayed_work_sync(&s->work);
	return 0;
}

/* scrub start [<MiB/s>] | stop | status */
int remap_scrub_message(struct remap_c *rc, unsigned int argc, char **argv,
			char *result, unsigned int maxlen)
{
	struct remap_scrub *s = rc->scrub;
	unsigned int sz = 0;

	if (argc >= 2 && !strcasecmp(argv[1], "start"))
		return scrub_start(s, argc, argv);
	if (argc == 2 && !strcasecmp(argv[1], "stop"))
		return scrub_stop(s);
	if (argc == 2 && !strcasecmp(argv[1], "status")) {
		mutex_lock(&s->lock);
		DMEMIT("state=%s position=%llu found=%llu passes=%llu rate=%u\n",
		       s->state.running ? "running" : "idle", s->state.position,
		       s->state.found, s->state.passes, s->state.rate);
		mutex_unlock(&s->lock);
		return 1;
	}
	DMERR("scrub takes start [<MiB/s>], stop or status");
	return -EINVAL;
}

void remap_scrub_module_exit(void)
{
	struct scrub_memo *m, *tmp;

	list_for_each_entry_safe(m, tmp, &scrub_memos, list)
		kfree(m);
}
