// SPDX-License-Identifier: GPL-2.0-only
/*
 * Health: a score from 0 to 100 and a state, from the signals that predict
 * disk failure in the field, and the device-mapper events that tell
 * userspace when they change. docs/health.md gives the formula and its
 * sources.
 */
#include "dm-remap-core.h"

#include <linux/ktime.h>
#include <linux/log2.h>

#define DM_MSG_PREFIX "remap"

static void rate_advance(struct remap_rate *rate, u64 minute)
{
	u64 m;

	if (minute - rate->minute >= REMAP_RATE_MINUTES) {
		memset(rate->count, 0, sizeof(rate->count));
	} else {
		for (m = rate->minute + 1; m <= minute; m++)
			rate->count[m % REMAP_RATE_MINUTES] = 0;
	}
	rate->minute = minute;
}

void remap_health_init(struct remap_c *rc)
{
	spin_lock_init(&rc->rate.lock);
}

void remap_count_auto_remap(struct remap_c *rc)
{
	u64 minute = div_u64(ktime_get_boottime_seconds(), 60);

	atomic64_inc(&rc->stats.auto_remaps);
	spin_lock(&rc->rate.lock);
	rate_advance(&rc->rate, minute);
	rc->rate.count[minute % REMAP_RATE_MINUTES]++;
	spin_unlock(&rc->rate.lock);
}

static u64 remaps_last_hour(struct remap_c *rc)
{
	u64 minute = div_u64(ktime_get_boottime_seconds(), 60), sum = 0;
	unsigned int i;

	spin_lock(&rc->rate.lock);
	rate_advance(&rc->rate, minute);
	for (i = 0; i < REMAP_RATE_MINUTES; i++)
		sum += rc->rate.count[i];
	spin_unlock(&rc->rate.lock);
	return sum;
}

static void penalize(struct remap_health *h, unsigned int *penalty,
		     unsigned int points, const char *reason)
{
	size_t len = strlen(h->reasons);

	*penalty += points;
	scnprintf(h->reasons + len, sizeof(h->reasons) - len, "%s%s",
		  len ? "," : "", reason);
}

/* Grows with the count, a doubling costing @step more, up to @cap. */
static unsigned int log_penalty(u64 count, unsigned int base,
				unsigned int step, unsigned int cap)
{
	return min_t(u64, cap, base + (u64)step * ilog2(count));
}

static const char *health_state(struct remap_health *h, u64 lost,
				enum remap_metadata_state ms)
{
	if (ms == REMAP_METADATA_FAILED || !h->score)
		return "failed";
	if (h->score < 40 || h->spare_used_pct >= 90)
		return "critical";
	if (h->score < 80 || lost || h->spare_used_pct >= 75)
		return "warning";
	return "ok";
}

void remap_get_health(struct remap_c *rc, struct remap_health *h)
{
	enum remap_metadata_state ms = remap_metadata_state(rc->md);
	u64 total = rc->pool.nr_blocks, used = total - spare_pool_free_count(&rc->pool);
	u64 remapped = remap_table_count(&rc->table);
	u64 lost = remap_table_lost_sectors(&rc->table);
	unsigned int penalty = 0;

	h->reasons[0] = '\0';
	h->spare_used_pct = total ? div64_u64(used * 100, total) : 100;
	h->remaps_last_hour = remaps_last_hour(rc);
	h->exhaustion_seconds = h->remaps_last_hour ?
		div64_u64((total - used) * 3600, h->remaps_last_hour) : -1;

	if (remapped)
		penalize(h, &penalty, log_penalty(remapped, 5, 5, 30), "remapped_blocks");
	if (lost)
		penalize(h, &penalty, log_penalty(lost, 25, 3, 40), "lost_sectors");
	if (h->spare_used_pct >= 100)
		penalize(h, &penalty, 40, "spare_full");
	else if (h->spare_used_pct >= 90)
		penalize(h, &penalty, 25, "spare_90pct");
	else if (h->spare_used_pct >= 75)
		penalize(h, &penalty, 10, "spare_75pct");
	if (h->remaps_last_hour >= 10)
		penalize(h, &penalty, 15, "remap_rate_high");
	else if (h->remaps_last_hour)
		penalize(h, &penalty, 5, "recent_remaps");
	if (atomic64_read(&rc->stats.spare_errors))
		penalize(h, &penalty, 20, "spare_errors");
	if (ms == REMAP_METADATA_DEGRADED)
		penalize(h, &penalty, 10, "metadata_degraded");
	if (ms == REMAP_METADATA_FAILED)
		penalize(h, &penalty, 100, "metadata_failed");

	h->score = penalty >= 100 ? 0 : 100 - penalty;
	h->state = health_state(h, lost, ms);
	if (!h->reasons[0])
		strscpy(h->reasons, "none", sizeof(h->reasons));
}

static int spare_level(struct remap_health *h)
{
	return (h->spare_used_pct >= 75) + (h->spare_used_pct >= 90) +
	       (h->spare_used_pct >= 100);
}

/*
 * Raises a device-mapper event when the health state, the metadata state
 * or the spare usage band (75%, 90%, 100%) changed since the last one, so
 * that userspace can wait for events rather than poll. Process context.
 */
void remap_check_events(struct remap_c *rc)
{
	struct remap_health h;
	int now, before;

	remap_get_health(rc, &h);
	now = (remap_in_outage(rc) << 24) | (h.state[0] << 16) |
	      (remap_metadata_state(rc->md) << 8) | spare_level(&h);
	before = atomic_xchg(&rc->event_state, now);
	if (before != now)
		dm_table_event(rc->ti->table);
}
