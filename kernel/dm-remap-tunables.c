// SPDX-License-Identifier: GPL-2.0-only
/*
 * The runtime tunables, parsed and validated in one place below the front
 * ends: the `set` message and the sysfs stores give the name and the value
 * as the user wrote them and report the error their own way. A value may
 * end in one newline (`echo 5 > .../read_retries`); names and words are
 * case-insensitive.
 */
#include <linux/ctype.h>
#include <linux/kernel.h>
#include <linux/string.h>

#include "dm-remap-core.h"
#include "dm-remap-tunables.h"

/* Longest value word accepted, plus its newline and terminator. */
#define TUNABLE_WORD_MAX	8

/*
 * A decimal number of at most @max, digits only: kstrtouint() alone would
 * also take a leading '+'. One trailing newline is taken (sysfs writes
 * end in one). Every number of the table line, the messages and sysfs is
 * read here or by remap_parse_u64(), so that all take the same spellings.
 */
int remap_parse_number(const char *s, unsigned int max, unsigned int *v)
{
	if (!s || !isdigit(*s) || kstrtouint(s, 10, v) || *v > max)
		return -EINVAL;
	return 0;
}

/* The same for block numbers and counts, up to U64_MAX. */
int remap_parse_u64(const char *s, u64 *v)
{
	if (!s || !isdigit(*s) || kstrtou64(s, 10, v))
		return -EINVAL;
	return 0;
}

static int parse_read_retries(const char *value, unsigned int *v)
{
	return remap_parse_number(value, REMAP_MAX_READ_RETRIES, v);
}

/*
 * on/off, and the words of a kernel boolean, whole: kstrtobool() would look
 * at the first letters only and take "yikes" for yes.
 */
static const struct {
	const char *word;
	bool on;
} switch_words[] = {
	{ "on", true }, { "off", false },
	{ "1", true }, { "0", false },
	{ "y", true }, { "n", false },
	{ "yes", true }, { "no", false },
	{ "t", true }, { "f", false },
	{ "true", true }, { "false", false },
};

static int parse_switch(const char *value, unsigned int *v)
{
	char word[TUNABLE_WORD_MAX];
	size_t len = strlen(value);
	unsigned int i;

	if (len && value[len - 1] == '\n')
		len--;
	if (!len || len >= sizeof(word))
		return -EINVAL;
	memcpy(word, value, len);
	word[len] = '\0';
	for (i = 0; i < ARRAY_SIZE(switch_words); i++) {
		if (!strcasecmp(word, switch_words[i].word)) {
			*v = switch_words[i].on;
			return 0;
		}
	}
	return -EINVAL;
}

/* read_retries' error text says 0 to 16 */
static_assert(REMAP_MAX_READ_RETRIES == 16);

static const struct remap_tunable tunables[] = {
	{ REMAP_TUNABLE_READ_RETRIES, "read_retries", "0 to 16", parse_read_retries },
	{ REMAP_TUNABLE_AUTO_REMAP, "auto_remap", "on or off", parse_switch },
};

/* The tunable of that name (case-insensitive), or NULL. */
const struct remap_tunable *remap_tunable_find(const char *name)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(tunables); i++)
		if (!strcasecmp(name, tunables[i].name))
			return &tunables[i];
	return NULL;
}

/*
 * Returns 0 with @s filled, -ENOENT for an unknown name (@s->tunable
 * NULL), -EINVAL for a value the tunable does not take (@s->tunable set,
 * for the error message).
 */
int remap_tunable_parse(const char *name, const char *value,
			struct remap_tunable_setting *s)
{
	s->tunable = remap_tunable_find(name);
	if (!s->tunable)
		return -ENOENT;
	return s->tunable->parse(value, &s->value);
}

/* Takes effect at once: the error path reads each tunable with READ_ONCE. */
void remap_tunable_apply(struct remap_c *rc,
			 const struct remap_tunable_setting *s)
{
	switch (s->tunable->id) {
	case REMAP_TUNABLE_READ_RETRIES:
		WRITE_ONCE(rc->read_retries, s->value);
		break;
	case REMAP_TUNABLE_AUTO_REMAP:
		WRITE_ONCE(rc->auto_remap, !!s->value);
		break;
	}
}
