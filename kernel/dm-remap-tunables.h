/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The runtime tunables (read_retries, auto_remap): one parser for every
 * front end that changes them, the `set` message and the sysfs files, so
 * that both take the same spellings and limits.
 */
#ifndef DM_REMAP_TUNABLES_H
#define DM_REMAP_TUNABLES_H

#include <linux/types.h>

struct remap_c;

enum remap_tunable_id {
	REMAP_TUNABLE_READ_RETRIES,
	REMAP_TUNABLE_AUTO_REMAP,
};

struct remap_tunable {
	enum remap_tunable_id id;
	const char *name;
	const char *takes;		/* the values it takes, for error messages */
	int (*parse)(const char *value, unsigned int *v);
};

/* A parsed tunable: which one, and its value (auto_remap: 1 on, 0 off). */
struct remap_tunable_setting {
	const struct remap_tunable *tunable;
	unsigned int value;
};

int remap_parse_number(const char *s, unsigned int max, unsigned int *v);
int remap_parse_u64(const char *s, u64 *v);
const struct remap_tunable *remap_tunable_find(const char *name);
int remap_tunable_parse(const char *name, const char *value,
			struct remap_tunable_setting *s);
void remap_tunable_apply(struct remap_c *rc,
			 const struct remap_tunable_setting *s);

#endif /* DM_REMAP_TUNABLES_H */
