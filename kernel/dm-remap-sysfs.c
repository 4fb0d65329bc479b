// SPDX-License-Identifier: GPL-2.0-only
/*
 * /sys/kernel/dm_remap/dm-N/: one read-only file per status field, table
 * figures, and the writable tunables. The directory exists while the
 * instance is live (resumed): during a table reload two instances exist for
 * the same dm-N, and only the live one may own the name.
 */
#include <linux/kobject.h>
#include <linux/slab.h>
#include <linux/sysfs.h>

#include "dm-remap-core.h"
#include "dm-remap-tunables.h"

#define DM_MSG_PREFIX "remap"

struct remap_kobj {
	struct kobject kobj;
	struct remap_c *rc;
};

struct remap_attribute {
	struct attribute attr;
	ssize_t (*show)(struct remap_c *rc, char *buf);
	ssize_t (*store)(struct remap_c *rc, const char *buf, size_t len);
};

static struct kset *remap_kset;

static struct remap_c *kobj_to_rc(struct kobject *kobj)
{
	return container_of(kobj, struct remap_kobj, kobj)->rc;
}

static ssize_t remap_attr_show(struct kobject *kobj, struct attribute *attr,
			       char *buf)
{
	struct remap_attribute *a = container_of(attr, struct remap_attribute, attr);

	return a->show(kobj_to_rc(kobj), buf);
}

static ssize_t remap_attr_store(struct kobject *kobj, struct attribute *attr,
				const char *buf, size_t len)
{
	struct remap_attribute *a = container_of(attr, struct remap_attribute, attr);

	return a->store ? a->store(kobj_to_rc(kobj), buf, len) : -EIO;
}

enum status_file {
	STATUS_REMAPPED, STATUS_SPARE_TOTAL, STATUS_SPARE_FREE,
	STATUS_READ_ERRORS, STATUS_WRITE_ERRORS, STATUS_AUTO_REMAPS,
	STATUS_LOST_SECTORS, STATUS_METADATA_SEQ, STATUS_METADATA_STATE,
	STATUS_HEALTH_SCORE, STATUS_HEALTH_STATE,
	STATUS_OUTAGE_ERRORS,
};

static ssize_t status_file_show(struct remap_c *rc, enum status_file f,
				char *buf)
{
	struct remap_status st;

	remap_get_status(rc, &st);
	switch (f) {
	case STATUS_REMAPPED:
		return sysfs_emit(buf, "%llu\n", st.remapped);
	case STATUS_SPARE_TOTAL:
		return sysfs_emit(buf, "%llu\n", st.spare_total);
	case STATUS_SPARE_FREE:
		return sysfs_emit(buf, "%llu\n", st.spare_free);
	case STATUS_READ_ERRORS:
		return sysfs_emit(buf, "%llu\n", st.read_errors);
	case STATUS_WRITE_ERRORS:
		return sysfs_emit(buf, "%llu\n", st.write_errors);
	case STATUS_AUTO_REMAPS:
		return sysfs_emit(buf, "%llu\n", st.auto_remaps);
	case STATUS_LOST_SECTORS:
		return sysfs_emit(buf, "%llu\n", st.lost_sectors);
	case STATUS_METADATA_SEQ:
		return sysfs_emit(buf, "%llu\n", st.metadata_seq);
	case STATUS_METADATA_STATE:
		return sysfs_emit(buf, "%s\n", st.metadata_state);
	case STATUS_HEALTH_SCORE:
		return sysfs_emit(buf, "%u\n", st.health_score);
	case STATUS_HEALTH_STATE:
		return sysfs_emit(buf, "%s\n", st.health_state);
	case STATUS_OUTAGE_ERRORS:
		return sysfs_emit(buf, "%llu\n", st.outage_errors);
	}
	return -EINVAL;
}

#define STATUS_ATTR(_name, _file)					\
static ssize_t _name##_show(struct remap_c *rc, char *buf)		\
{									\
	return status_file_show(rc, _file, buf);			\
}									\
static struct remap_attribute attr_##_name = __ATTR_RO(_name)

STATUS_ATTR(remapped, STATUS_REMAPPED);
STATUS_ATTR(spare_total, STATUS_SPARE_TOTAL);
STATUS_ATTR(spare_free, STATUS_SPARE_FREE);
STATUS_ATTR(read_errors, STATUS_READ_ERRORS);
STATUS_ATTR(write_errors, STATUS_WRITE_ERRORS);
STATUS_ATTR(auto_remaps, STATUS_AUTO_REMAPS);
STATUS_ATTR(lost_sectors, STATUS_LOST_SECTORS);
STATUS_ATTR(metadata_seq, STATUS_METADATA_SEQ);
STATUS_ATTR(metadata_state, STATUS_METADATA_STATE);
STATUS_ATTR(health_score, STATUS_HEALTH_SCORE);
STATUS_ATTR(health_state, STATUS_HEALTH_STATE);
STATUS_ATTR(outage_errors, STATUS_OUTAGE_ERRORS);

static ssize_t block_size_show(struct remap_c *rc, char *buf)
{
	return sysfs_emit(buf, "%u\n", rc->block_size);
}

static struct remap_attribute attr_block_size = __ATTR_RO(block_size);

static ssize_t hash_buckets_show(struct remap_c *rc, char *buf)
{
	return sysfs_emit(buf, "%u\n", remap_table_buckets(&rc->table));
}

static struct remap_attribute attr_hash_buckets = __ATTR_RO(hash_buckets);

static ssize_t hash_resizes_show(struct remap_c *rc, char *buf)
{
	return sysfs_emit(buf, "%u\n", remap_table_resizes(&rc->table));
}

static struct remap_attribute attr_hash_resizes = __ATTR_RO(hash_resizes);

static ssize_t metadata_commits_show(struct remap_c *rc, char *buf)
{
	return sysfs_emit(buf, "%llu\n", remap_metadata_commits(rc->md));
}

static struct remap_attribute attr_metadata_commits = __ATTR_RO(metadata_commits);

static ssize_t table_bytes_show(struct remap_c *rc, char *buf)
{
	return sysfs_emit(buf, "%llu\n", remap_table_memory(&rc->table));
}

static struct remap_attribute attr_table_bytes = __ATTR_RO(table_bytes);

/* The same parser as the set message: the same spellings and limits. */
static ssize_t store_tunable(struct remap_c *rc, const char *name,
			     const char *buf, size_t len)
{
	struct remap_tunable_setting set;

	if (remap_tunable_parse(name, buf, &set))
		return -EINVAL;
	remap_tunable_apply(rc, &set);
	return len;
}

static ssize_t read_retries_show(struct remap_c *rc, char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(rc->read_retries));
}

static ssize_t read_retries_store(struct remap_c *rc, const char *buf,
				  size_t len)
{
	return store_tunable(rc, "read_retries", buf, len);
}

static struct remap_attribute attr_read_retries = __ATTR_RW(read_retries);

static ssize_t auto_remap_show(struct remap_c *rc, char *buf)
{
	return sysfs_emit(buf, "%s\n", READ_ONCE(rc->auto_remap) ? "on" : "off");
}

static ssize_t auto_remap_store(struct remap_c *rc, const char *buf,
				size_t len)
{
	return store_tunable(rc, "auto_remap", buf, len);
}

static struct remap_attribute attr_auto_remap = __ATTR_RW(auto_remap);

static struct attribute *remap_attrs[] = {
	&attr_block_size.attr,
	&attr_remapped.attr,
	&attr_spare_total.attr,
	&attr_spare_free.attr,
	&attr_read_errors.attr,
	&attr_write_errors.attr,
	&attr_auto_remaps.attr,
	&attr_lost_sectors.attr,
	&attr_metadata_seq.attr,
	&attr_metadata_state.attr,
	&attr_health_score.attr,
	&attr_health_state.attr,
	&attr_outage_errors.attr,
	&attr_hash_buckets.attr,
	&attr_hash_resizes.attr,
	&attr_metadata_commits.attr,
	&attr_table_bytes.attr,
	&attr_read_retries.attr,
	&attr_auto_remap.attr,
	NULL
};
ATTRIBUTE_GROUPS(remap);

static const struct sysfs_ops remap_sysfs_ops = {
	.show = remap_attr_show,
	.store = remap_attr_store,
};

static void remap_kobj_release(struct kobject *kobj)
{
	kfree(container_of(kobj, struct remap_kobj, kobj));
}

static const struct kobj_type remap_ktype = {
	.sysfs_ops = &remap_sysfs_ops,
	.default_groups = remap_groups,
	.release = remap_kobj_release,
};

int remap_sysfs_add(struct remap_c *rc)
{
	struct mapped_device *md = dm_table_get_md(rc->ti->table);
	struct remap_kobj *rk;
	int r;

	if (rc->kobj)
		return 0;
	rk = kzalloc(sizeof(*rk), GFP_KERNEL);
	if (!rk)
		return -ENOMEM;
	rk->rc = rc;
	rk->kobj.kset = remap_kset;
	r = kobject_init_and_add(&rk->kobj, &remap_ktype, NULL, "%s",
				 dm_disk(md)->disk_name);
	if (r) {
		kobject_put(&rk->kobj);
		return r;
	}
	rc->kobj = &rk->kobj;
	return 0;
}

/* After kobject_del() no show() or store() runs any more on rc. */
void remap_sysfs_remove(struct remap_c *rc)
{
	if (!rc->kobj)
		return;
	kobject_del(rc->kobj);
	kobject_put(rc->kobj);
	rc->kobj = NULL;
}

int remap_sysfs_module_init(void)
{
	remap_kset = kset_create_and_add("dm_remap", NULL, kernel_kobj);
	return remap_kset ? 0 : -ENOMEM;
}

void remap_sysfs_module_exit(void)
{
	kset_unregister(remap_kset);
}
