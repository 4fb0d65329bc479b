// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of the one tunable parser that the set message and the sysfs
 * stores share: each tunable at and past its limits, the spellings taken
 * and refused, unknown names.
 */
#include <kunit/test.h>

#include "dm-remap-core.h"
#include "dm-remap-tunables.h"

struct tunable_case {
	const char *name;
	const char *value;
	int ret;		/* 0, -EINVAL or -ENOENT */
	unsigned int want;	/* the value parsed, when ret is 0 */
};

static const struct tunable_case cases[] = {
	/* read_retries: 0 to 16, decimal, one trailing newline (sysfs) */
	{ "read_retries", "0", 0, 0 },
	{ "read_retries", "16", 0, 16 },
	{ "read_retries", "2\n", 0, 2 },
	{ "READ_RETRIES", "5", 0, 5 },
	{ "read_retries", "17", -EINVAL },
	{ "read_retries", "4294967312", -EINVAL },	/* 2^32 + 16 */
	{ "read_retries", "-1", -EINVAL },
	{ "read_retries", "", -EINVAL },
	{ "read_retries", "\n", -EINVAL },
	{ "read_retries", "5x", -EINVAL },
	{ "read_retries", " 5", -EINVAL },
	{ "read_retries", "0x10", -EINVAL },
	{ "read_retries", "5\n\n", -EINVAL },
	{ "read_retries", "on", -EINVAL },
	{ "read_retries", "+5", -EINVAL },	/* digits only, as the table line */
	/* auto_remap: on/off and the whole words of a kernel boolean */
	{ "auto_remap", "on", 0, 1 },
	{ "auto_remap", "off", 0, 0 },
	{ "auto_remap", "ON", 0, 1 },
	{ "auto_remap", "Off", 0, 0 },
	{ "auto_remap", "on\n", 0, 1 },
	{ "auto_remap", "off\n", 0, 0 },
	{ "auto_remap", "1", 0, 1 },
	{ "auto_remap", "0", 0, 0 },
	{ "auto_remap", "y", 0, 1 },
	{ "auto_remap", "N", 0, 0 },
	{ "auto_remap", "yes", 0, 1 },
	{ "auto_remap", "no", 0, 0 },
	{ "auto_remap", "true", 0, 1 },
	{ "auto_remap", "False\n", 0, 0 },
	{ "Auto_Remap", "on", 0, 1 },
	{ "auto_remap", "maybe", -EINVAL },
	{ "auto_remap", "yikes", -EINVAL },
	{ "auto_remap", "onn", -EINVAL },
	{ "auto_remap", "o", -EINVAL },
	{ "auto_remap", "2", -EINVAL },
	{ "auto_remap", "", -EINVAL },
	{ "auto_remap", "\n", -EINVAL },
	{ "auto_remap", "on\n\n", -EINVAL },
	{ "auto_remap", " on", -EINVAL },
	{ "auto_remap", "falsehood", -EINVAL },
	/* names */
	{ "read_retry", "2", -ENOENT },
	{ "auto-remap", "on", -ENOENT },
	{ "block_size", "4096", -ENOENT },
	{ "", "on", -ENOENT },
};

static void tunable_case_desc(const struct tunable_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s=%s", c->name, c->value);
	strreplace(desc, '\n', '|');
}

KUNIT_ARRAY_PARAM(tunable, cases, tunable_case_desc);

static void tunable_parses(struct kunit *test)
{
	const struct tunable_case *c = test->param_value;
	struct remap_tunable_setting s = { .value = 12345 };
	int ret = remap_tunable_parse(c->name, c->value, &s);

	KUNIT_EXPECT_EQ(test, ret, c->ret);
	if (c->ret == -ENOENT) {
		KUNIT_EXPECT_NULL(test, s.tunable);
		return;
	}
	/* a refused value still names the tunable, for the error message */
	KUNIT_ASSERT_NOT_NULL(test, s.tunable);
	KUNIT_EXPECT_EQ(test, strcasecmp(s.tunable->name, c->name), 0);
	if (!c->ret)
		KUNIT_EXPECT_EQ(test, s.value, c->want);
}

/* The value lands in the instance's tunable, as the error path reads it. */
/* The number reader of the table line, scrub start and the tunables. */
static void tunable_numbers(struct kunit *test)
{
	unsigned int v = 7;

	KUNIT_EXPECT_EQ(test, remap_parse_number("4096", U32_MAX, &v), 0);
	KUNIT_EXPECT_EQ(test, v, 4096U);
	KUNIT_EXPECT_EQ(test, remap_parse_number("10\n", 10, &v), 0);
	KUNIT_EXPECT_EQ(test, v, 10U);
	KUNIT_EXPECT_EQ(test, remap_parse_number("4294967295", U32_MAX, &v), 0);
	KUNIT_EXPECT_EQ(test, remap_parse_number("4294967296", U32_MAX, &v), -EINVAL);
	KUNIT_EXPECT_EQ(test, remap_parse_number("11", 10, &v), -EINVAL);
	KUNIT_EXPECT_EQ(test, remap_parse_number("+4096", U32_MAX, &v), -EINVAL);
	KUNIT_EXPECT_EQ(test, remap_parse_number("-1", U32_MAX, &v), -EINVAL);
	KUNIT_EXPECT_EQ(test, remap_parse_number(" 1", U32_MAX, &v), -EINVAL);
	KUNIT_EXPECT_EQ(test, remap_parse_number("", U32_MAX, &v), -EINVAL);
	KUNIT_EXPECT_EQ(test, remap_parse_number(NULL, U32_MAX, &v), -EINVAL);
}

static void tunable_applies(struct kunit *test)
{
	struct remap_c *rc = kunit_kzalloc(test, sizeof(*rc), GFP_KERNEL);
	struct remap_tunable_setting s;

	KUNIT_ASSERT_NOT_NULL(test, rc);
	KUNIT_ASSERT_EQ(test, remap_tunable_parse("read_retries", "16", &s), 0);
	remap_tunable_apply(rc, &s);
	KUNIT_EXPECT_EQ(test, rc->read_retries, 16U);
	KUNIT_ASSERT_EQ(test, remap_tunable_parse("auto_remap", "on", &s), 0);
	remap_tunable_apply(rc, &s);
	KUNIT_EXPECT_TRUE(test, rc->auto_remap);
	KUNIT_ASSERT_EQ(test, remap_tunable_parse("auto_remap", "0", &s), 0);
	remap_tunable_apply(rc, &s);
	KUNIT_EXPECT_FALSE(test, rc->auto_remap);
}

static struct kunit_case tunables_cases[] = {
	KUNIT_CASE_PARAM(tunable_parses, tunable_gen_params),
	KUNIT_CASE(tunable_numbers),
	KUNIT_CASE(tunable_applies),
	{}
};

static struct kunit_suite tunables_suite = {
	.name = "dm_remap_tunables",
	.test_cases = tunables_cases,
};

kunit_test_suite(tunables_suite);

MODULE_LICENSE("GPL");
