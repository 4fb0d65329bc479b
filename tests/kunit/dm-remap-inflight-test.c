// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of the in-flight counters: a drain waits for the bios of its
 * own buckets that entered before it, and for no other.
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/kthread.h>

#include "dm-remap-inflight.h"

#define GROUP		((sector_t)1 << REMAP_INFLIGHT_GROUP_SHIFT)
/* sector 0 is in bucket 0, GROUP in bucket 1, COLLIDES in bucket 0 again */
#define SECTOR_A	((sector_t)3)
#define SECTOR_B	(GROUP + 5)
#define COLLIDES	(REMAP_INFLIGHT_BUCKETS * GROUP + 7)
#define BUCKET_A	0
#define BUCKET_B	1
/* long enough for a drain that could end to have ended */
#define SETTLE_MS	200
#define DONE_MS		5000

struct drain_job {
	struct remap_inflight *f;
	struct remap_drain d;
	struct completion done;
};

static int drain_thread(void *data)
{
	struct drain_job *j = data;

	remap_inflight_drain(j->f, &j->d);
	/* every later wait returns at once: a test may wait twice */
	complete_all(&j->done);
	return 0;
}

static void start_drain(struct kunit *test, struct drain_job *j,
			struct remap_inflight *f, sector_t sector)
{
	struct task_struct *t;

	j->f = f;
	remap_drain_init(&j->d);
	remap_drain_add(&j->d, sector);
	init_completion(&j->done);
	t = kthread_run(drain_thread, j, "remap-drain-test");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
}

static bool ended(struct drain_job *j)
{
	return wait_for_completion_timeout(&j->done, msecs_to_jiffies(DONE_MS));
}

static bool still_waiting(struct drain_job *j)
{
	msleep(SETTLE_MS);
	return !completion_done(&j->done);
}

/* As map() does: counted inside a read-side section. */
static void enter(struct remap_inflight *f, struct remap_inflight_ref *ref,
		  sector_t sector)
{
	rcu_read_lock();
	remap_inflight_enter(f, ref, sector);
	rcu_read_unlock();
}

/* Bios counted in (bucket, bank) and not gone, over every CPU. */
static long in_bank(struct remap_inflight *f, unsigned int bucket,
		    unsigned int bank)
{
	long n = 0;
	int cpu;

	for_each_possible_cpu(cpu) {
		struct remap_inflight_count *c =
			&per_cpu_ptr(f->cpu, cpu)->bucket[bucket];

		/* a bio may enter on one CPU and leave on another */
		n += (s32)(c->entered[bank] - c->left[bank]);
	}
	return n;
}

/* Waits until the bucket's bank is no longer @bank (a drain flipped it). */
static bool flipped_from(struct remap_inflight *f, unsigned int bucket,
			 u8 bank)
{
	unsigned int i;

	for (i = 0; i < DONE_MS / 20; i++) {
		if (READ_ONCE(f->bank[bucket]) != bank)
			return true;
		msleep(20);
	}
	return false;
}

static struct remap_inflight *new_inflight(struct kunit *test)
{
	struct remap_inflight *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, f);
	KUNIT_ASSERT_EQ(test, remap_inflight_init(f), 0);
	return f;
}

static void inflight_buckets_of_sectors(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, remap_inflight_bucket(SECTOR_A), BUCKET_A);
	KUNIT_EXPECT_EQ(test, remap_inflight_bucket(SECTOR_B), BUCKET_B);
	KUNIT_EXPECT_EQ(test, remap_inflight_bucket(COLLIDES), BUCKET_A);
	KUNIT_EXPECT_EQ(test, remap_inflight_group_left(0), GROUP);
	KUNIT_EXPECT_EQ(test, remap_inflight_group_left(GROUP - 1), 1);
	KUNIT_EXPECT_EQ(test, remap_inflight_group_left(GROUP + 5), GROUP - 5);
}

static void inflight_counts_balance(struct kunit *test)
{
	struct remap_inflight *f = new_inflight(test);
	struct remap_inflight_ref a = {}, b = {}, c = {};

	KUNIT_EXPECT_FALSE(test, remap_inflight_busy(f));
	enter(f, &a, SECTOR_A);
	enter(f, &b, SECTOR_B);
	enter(f, &c, COLLIDES);
	KUNIT_EXPECT_TRUE(test, remap_inflight_busy(f));
	KUNIT_EXPECT_EQ(test, in_bank(f, BUCKET_A, 0), 2);
	KUNIT_EXPECT_EQ(test, in_bank(f, BUCKET_B, 0), 1);
	remap_inflight_leave(f, &a);
	/* a second exit of the same bio is not counted */
	remap_inflight_leave(f, &a);
	remap_inflight_leave(f, &b);
	KUNIT_EXPECT_EQ(test, in_bank(f, BUCKET_A, 0), 1);
	KUNIT_EXPECT_EQ(test, in_bank(f, BUCKET_B, 0), 0);
	KUNIT_EXPECT_TRUE(test, remap_inflight_busy(f));
	remap_inflight_leave(f, &c);
	KUNIT_EXPECT_EQ(test, in_bank(f, BUCKET_A, 0), 0);
	KUNIT_EXPECT_FALSE(test, remap_inflight_busy(f));
	remap_inflight_exit(f);
}

static void inflight_other_bucket_not_waited(struct kunit *test)
{
	struct remap_inflight *f = new_inflight(test);
	struct remap_inflight_ref a = {};
	struct drain_job j;

	enter(f, &a, SECTOR_A);
	start_drain(test, &j, f, SECTOR_B);
	KUNIT_EXPECT_TRUE_MSG(test, ended(&j),
			      "a drain of bucket B waited for a bio of bucket A");
	KUNIT_EXPECT_EQ(test, f->bank[BUCKET_A], 0);
	KUNIT_EXPECT_EQ(test, f->bank[BUCKET_B], 1);
	remap_inflight_leave(f, &a);
	wait_for_completion(&j.done);
	remap_inflight_exit(f);
}

static void inflight_drain_waits_old_bank(struct kunit *test)
{
	struct remap_inflight *f = new_inflight(test);
	struct remap_inflight_ref old = {}, new = {};
	struct drain_job j;

	enter(f, &old, SECTOR_A);
	start_drain(test, &j, f, SECTOR_A);
	KUNIT_EXPECT_TRUE(test, flipped_from(f, BUCKET_A, 0));
	KUNIT_EXPECT_TRUE_MSG(test, still_waiting(&j),
			      "the drain ended with a bio of its old bank in flight");
	/* a bio that comes after the flip counts in the new bank... */
	enter(f, &new, SECTOR_A);
	KUNIT_EXPECT_EQ(test, new.bank, 1);
	/* ...and is not waited for */
	remap_inflight_leave(f, &old);
	KUNIT_EXPECT_TRUE_MSG(test, ended(&j),
			      "the drain waited for a bio that came after it");
	remap_inflight_leave(f, &new);
	wait_for_completion(&j.done);
	KUNIT_EXPECT_FALSE(test, remap_inflight_busy(f));
	remap_inflight_exit(f);
}

/* A bio of another group in the same bucket is waited for: bounded. */
static void inflight_collision_waited(struct kunit *test)
{
	struct remap_inflight *f = new_inflight(test);
	struct remap_inflight_ref other = {};
	struct drain_job j;

	enter(f, &other, COLLIDES);
	start_drain(test, &j, f, SECTOR_A);
	KUNIT_EXPECT_TRUE(test, still_waiting(&j));
	remap_inflight_leave(f, &other);
	KUNIT_EXPECT_TRUE(test, ended(&j));
	wait_for_completion(&j.done);
	remap_inflight_exit(f);
}

/*
 * A second drain of a bucket neither flips it nor ends before the first
 * has ended; then it flips and waits for the bios that came after the
 * first flip, which missed its marks.
 */
static void inflight_flips_serialize(struct kunit *test)
{
	struct remap_inflight *f = new_inflight(test);
	struct remap_inflight_ref first = {}, second = {};
	struct drain_job one, two;

	enter(f, &first, SECTOR_A);
	start_drain(test, &one, f, SECTOR_A);
	KUNIT_EXPECT_TRUE(test, flipped_from(f, BUCKET_A, 0));
	enter(f, &second, SECTOR_A);
	KUNIT_EXPECT_EQ(test, second.bank, 1);
	start_drain(test, &two, f, SECTOR_A);
	KUNIT_EXPECT_TRUE(test, still_waiting(&two));
	KUNIT_EXPECT_EQ_MSG(test, READ_ONCE(f->bank[BUCKET_A]), 1,
			    "a second drain flipped the bucket during the first");
	KUNIT_EXPECT_FALSE(test, completion_done(&one.done));

	remap_inflight_leave(f, &first);
	KUNIT_EXPECT_TRUE(test, ended(&one));
	KUNIT_EXPECT_TRUE(test, flipped_from(f, BUCKET_A, 1));
	KUNIT_EXPECT_TRUE_MSG(test, still_waiting(&two),
			      "the second drain missed a bio of its old bank");
	remap_inflight_leave(f, &second);
	KUNIT_EXPECT_TRUE(test, ended(&two));
	wait_for_completion(&one.done);
	wait_for_completion(&two.done);
	remap_inflight_exit(f);
}

/*
 * Drains share: two drains of a bucket that arrive while a first drain of
 * it runs wait for it, then one more drain (one flip) does both, and it
 * waits for the bio that came after the first flip.
 */
static void inflight_drains_share(struct kunit *test)
{
	struct remap_inflight *f = new_inflight(test);
	struct remap_inflight_ref first = {}, second = {};
	struct drain_job one, two, three;

	enter(f, &first, SECTOR_A);
	start_drain(test, &one, f, SECTOR_A);
	KUNIT_EXPECT_TRUE(test, flipped_from(f, BUCKET_A, 0));
	enter(f, &second, SECTOR_A);
	start_drain(test, &two, f, SECTOR_A);
	start_drain(test, &three, f, COLLIDES);
	KUNIT_EXPECT_TRUE(test, still_waiting(&two));
	KUNIT_EXPECT_TRUE(test, still_waiting(&three));

	remap_inflight_leave(f, &first);
	KUNIT_EXPECT_TRUE(test, ended(&one));
	KUNIT_EXPECT_TRUE(test, flipped_from(f, BUCKET_A, 1));
	KUNIT_EXPECT_TRUE_MSG(test, still_waiting(&two),
			      "a drain missed the bio after the first flip");
	KUNIT_EXPECT_TRUE_MSG(test, still_waiting(&three),
			      "a drain missed the bio after the first flip");
	remap_inflight_leave(f, &second);
	KUNIT_EXPECT_TRUE(test, ended(&two));
	KUNIT_EXPECT_TRUE(test, ended(&three));
	KUNIT_EXPECT_EQ_MSG(test, f->flips, 2UL,
			    "the two later drains did not share one");
	KUNIT_EXPECT_EQ(test, f->bank[BUCKET_A], 0);
	wait_for_completion(&one.done);
	wait_for_completion(&two.done);
	wait_for_completion(&three.done);
	remap_inflight_exit(f);
}

/* One drain of several buckets waits for each of them. */
static void inflight_batch_waits_every_bucket(struct kunit *test)
{
	struct remap_inflight *f = new_inflight(test);
	struct remap_inflight_ref b = {};
	struct drain_job j;

	enter(f, &b, SECTOR_B);
	j.f = f;
	remap_drain_init(&j.d);
	remap_drain_add(&j.d, SECTOR_A);
	remap_drain_add(&j.d, SECTOR_B);
	init_completion(&j.done);
	KUNIT_ASSERT_FALSE(test, IS_ERR(kthread_run(drain_thread, &j,
						    "remap-drain-test")));
	KUNIT_EXPECT_TRUE(test, still_waiting(&j));
	KUNIT_EXPECT_EQ(test, f->bank[BUCKET_A], 1);
	KUNIT_EXPECT_EQ(test, f->bank[BUCKET_B], 1);
	remap_inflight_leave(f, &b);
	KUNIT_EXPECT_TRUE(test, ended(&j));
	wait_for_completion(&j.done);
	remap_inflight_exit(f);
}

static struct kunit_case inflight_cases[] = {
	KUNIT_CASE(inflight_buckets_of_sectors),
	KUNIT_CASE(inflight_counts_balance),
	KUNIT_CASE(inflight_other_bucket_not_waited),
	KUNIT_CASE(inflight_drain_waits_old_bank),
	KUNIT_CASE(inflight_collision_waited),
	KUNIT_CASE(inflight_flips_serialize),
	KUNIT_CASE(inflight_drains_share),
	KUNIT_CASE(inflight_batch_waits_every_bucket),
	{}
};

static struct kunit_suite inflight_suite = {
	.name = "dm_remap_inflight",
	.test_cases = inflight_cases,
};

kunit_test_suite(inflight_suite);

MODULE_LICENSE("GPL");
