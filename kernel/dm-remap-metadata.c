// SPDX-License-Identifier: GPL-2.0-only
/*
 * dm-remap metadata: two copies, each a superblock followed by a flat remap
 * table, at opposite ends of the spare device.
 *
 * A commit writes one copy completely (changed table blocks, flush,
 * superblock, flush) before it touches the other, so at every instant at
 * least one copy is consistent: copy 0 first, unless copy 1 is the one being
 * healed. Table blocks carry the sequence number of the commit that wrote
 * them: a copy holding a block newer than its superblock was torn by a crash
 * and the other copy is used instead.
 */
#include <linux/crc32c.h>
#include <linux/dm-bufio.h>
#include <linux/mempool.h>
#include <linux/overflow.h>
#include <linux/sched/clock.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/uuid.h>

#include "dm-remap-metadata.h"

#define DM_MSG_PREFIX "remap"
#include <linux/device-mapper.h>

#define EPB		DM_REMAP_ENTRIES_PER_BLOCK
#define META_SECTORS	DM_REMAP_META_BLOCK_SECTORS
/* Highest commit number a superblock may carry: far from any wrap. */
#define DM_REMAP_MAX_SEQ	((u64)S64_MAX)

struct staged_change {
	struct list_head list;
	u32 spare;
	mempool_t *pool;		/* the reserve it came from, or NULL */
	struct remap_metadata_entry entry;
};

struct remap_metadata {
	struct block_device *bdev;
	struct dm_bufio_client *client[DM_REMAP_NR_COPIES];
	struct remap_geometry geo;
	u32 block_size;
	u64 main_sectors;
	u64 spare_sectors;		/* as recorded at format time */
	u8 uuid[16];
	u64 format_time;

	struct mutex commit_lock;	/* one commit or load at a time */
	u64 seq;			/* newest durable commit */
	u64 table_used;
	u64 nr_remaps;
	bool heal[DM_REMAP_NR_COPIES];	/* copy must be rewritten whole */
	enum remap_metadata_state state;
	atomic64_t commits;

	mempool_t *change_pool;		/* the error path's staged changes */
	spinlock_t stage_lock;		/* protects the staged fields */
	struct list_head staged;
	u64 staged_count;		/* changes on staged */
	u64 staged_seq;			/* commit that will write the staged */
	u64 staged_used;
};

static void free_change(struct staged_change *ch)
{
	if (ch->pool)
		mempool_free(ch, ch->pool);
	else
		kfree(ch);
}

static void free_changes(struct list_head *changes)
{
	struct staged_change *ch, *tmp;

	list_for_each_entry_safe(ch, tmp, changes, list) {
		list_del(&ch->list);
		free_change(ch);
	}
}

static u32 meta_crc(const void *block)
{
	return ~crc32c(~0U, block + sizeof(__le32),
		       DM_REMAP_META_BLOCK_SIZE - sizeof(__le32));
}

static u64 used_blocks(u64 table_used)
{
	return DIV_ROUND_UP_ULL(table_used, EPB);
}

/*
 * The metadata copies are sized for a pool as large as the whole spare, so
 * the pool that remains between them always fits their table.
 */
int remap_geometry_compute(struct remap_geometry *g, u64 spare_sectors,
			   u32 block_size)
{
	u64 bs = block_size >> SECTOR_SHIFT;
	u64 align = max_t(u64, META_SECTORS, bs);
	u64 pool = div64_u64(spare_sectors, bs);

	g->copy_sectors = round_up((1 + used_blocks(pool)) * META_SECTORS,
				   align);
	if (2 * g->copy_sectors + bs > spare_sectors)
		return -ENOSPC;
	g->copy_offset[0] = 0;
	g->copy_offset[1] = round_down(spare_sectors - g->copy_sectors,
				       META_SECTORS);
	g->pool_offset = g->copy_sectors;
	pool = div64_u64(g->copy_offset[1] - g->pool_offset, bs);
	if (!pool)
		return -ENOSPC;
	g->pool_blocks = min_t(u64, pool, U32_MAX);
	g->table_blocks = used_blocks(g->pool_blocks);
	return 0;
}

/* Does the layout a superblock describes fit the device? Overflow-safe. */
static bool geometry_fits(const struct dm_remap_disk_superblock *sb,
			  u64 device_sectors)
{
	u64 copy = le64_to_cpu(sb->copy_sectors);
	u64 table_blocks = le64_to_cpu(sb->table_blocks);
	u64 pool_offset = le64_to_cpu(sb->pool_offset);
	u64 pool_blocks = le64_to_cpu(sb->pool_blocks);
	u64 copy1 = le64_to_cpu(sb->copy_offset[1]);
	u64 bs = le32_to_cpu(sb->block_size) >> SECTOR_SHIFT;
	u64 meta, pool_end, copy1_end, capacity;

	if (check_mul_overflow(table_blocks + 1, (u64)META_SECTORS, &meta) ||
	    check_mul_overflow(pool_blocks, bs, &pool_end) ||
	    check_add_overflow(pool_end, pool_offset, &pool_end) ||
	    check_add_overflow(copy1, copy, &copy1_end) ||
	    check_mul_overflow(table_blocks, (u64)EPB, &capacity))
		return false;
	/* aligned as remap_geometry_compute() places them */
	if (copy % META_SECTORS || copy1 % META_SECTORS || pool_offset % bs)
		return false;
	return copy >= meta && !le64_to_cpu(sb->copy_offset[0]) &&
	       pool_offset >= copy && pool_end <= copy1 &&
	       copy1_end <= device_sectors && capacity >= pool_blocks &&
	       le64_to_cpu(sb->table_used) <= pool_blocks &&
	       pool_blocks <= U32_MAX;
}

/* -ENODATA: not dm-remap metadata at all; -EBADMSG: damaged metadata. */
static int check_superblock(const struct dm_remap_disk_superblock *sb,
			    unsigned int copy, u64 device_sectors)
{
	u32 bs = le32_to_cpu(sb->block_size);

	if (le32_to_cpu(sb->magic) != DM_REMAP_MAGIC)
		return -ENODATA;
	if (le32_to_cpu(sb->crc) != meta_crc(sb))
		return -EBADMSG;
	if (le32_to_cpu(sb->version) != DM_REMAP_FORMAT_VERSION)
		return -EPROTONOSUPPORT;
	/* a seq this high could wrap the next commit's number to 0 */
	if (le32_to_cpu(sb->copy) != copy ||
	    le32_to_cpu(sb->meta_block_size) != DM_REMAP_META_BLOCK_SIZE ||
	    !is_power_of_2(bs) || bs < DM_REMAP_MIN_BLOCK_SIZE ||
	    bs > DM_REMAP_MAX_BLOCK_SIZE || !le64_to_cpu(sb->seq) ||
	    le64_to_cpu(sb->seq) > DM_REMAP_MAX_SEQ ||
	    !geometry_fits(sb, device_sectors))
		return -EBADMSG;
	return 0;
}

static int read_meta_block(struct dm_bufio_client *c, sector_t block,
			   void *out)
{
	struct dm_buffer *b;
	void *data = dm_bufio_read(c, block, &b);

	if (IS_ERR(data))
		return PTR_ERR(data);
	memcpy(out, data, DM_REMAP_META_BLOCK_SIZE);
	dm_bufio_release(b);
	return 0;
}

/* A copy must also say it is where it was found. */
static int read_superblock(struct remap_metadata *md, unsigned int copy,
			   struct dm_remap_disk_superblock *sb)
{
	int r = read_meta_block(md->client[copy], 0, sb);

	if (!r)
		r = check_superblock(sb, copy, bdev_nr_sectors(md->bdev));
	if (!r && le64_to_cpu(sb->copy_offset[copy]) != md->geo.copy_offset[copy])
		r = -EBADMSG;
	return r;
}

static void fill_superblock(struct remap_metadata *md, unsigned int copy,
			    struct dm_remap_disk_superblock *sb, u64 seq,
			    u64 table_used, u64 nr_remaps)
{
	unsigned int i;

	memset(sb, 0, sizeof(*sb));
	sb->magic = cpu_to_le32(DM_REMAP_MAGIC);
	sb->version = cpu_to_le32(DM_REMAP_FORMAT_VERSION);
	sb->copy = cpu_to_le32(copy);
	sb->seq = cpu_to_le64(seq);
	memcpy(sb->uuid, md->uuid, sizeof(sb->uuid));
	sb->block_size = cpu_to_le32(md->block_size);
	sb->meta_block_size = cpu_to_le32(DM_REMAP_META_BLOCK_SIZE);
	sb->main_sectors = cpu_to_le64(md->main_sectors);
	sb->spare_sectors = cpu_to_le64(md->spare_sectors);
	for (i = 0; i < DM_REMAP_NR_COPIES; i++)
		sb->copy_offset[i] = cpu_to_le64(md->geo.copy_offset[i]);
	sb->copy_sectors = cpu_to_le64(md->geo.copy_sectors);
	sb->table_blocks = cpu_to_le64(md->geo.table_blocks);
	sb->pool_offset = cpu_to_le64(md->geo.pool_offset);
	sb->pool_blocks = cpu_to_le64(md->geo.pool_blocks);
	sb->table_used = cpu_to_le64(table_used);
	sb->nr_remaps = cpu_to_le64(nr_remaps);
	sb->format_time = cpu_to_le64(md->format_time);
	sb->commit_time = cpu_to_le64(ktime_get_real_seconds());
	sb->crc = cpu_to_le32(meta_crc(sb));
}

static int write_superblock(struct remap_metadata *md, unsigned int copy,
			    u64 seq, u64 table_used, u64 nr_remaps)
{
	struct dm_bufio_client *c = md->client[copy];
	struct dm_buffer *b;
	void *data = dm_bufio_new(c, 0, &b);
	int r;

	if (IS_ERR(data))
		return PTR_ERR(data);
	fill_superblock(md, copy, data, seq, table_used, nr_remaps);
	dm_bufio_mark_buffer_dirty(b);
	dm_bufio_release(b);
	r = dm_bufio_write_dirty_buffers(c);
	return r ? r : dm_bufio_issue_flush(c);
}

static void adopt_superblock(struct remap_metadata *md,
			     const struct dm_remap_disk_superblock *sb)
{
	unsigned int i;

	memcpy(md->uuid, sb->uuid, sizeof(md->uuid));
	md->spare_sectors = le64_to_cpu(sb->spare_sectors);
	md->format_time = le64_to_cpu(sb->format_time);
	for (i = 0; i < DM_REMAP_NR_COPIES; i++)
		md->geo.copy_offset[i] = le64_to_cpu(sb->copy_offset[i]);
	md->geo.copy_sectors = le64_to_cpu(sb->copy_sectors);
	md->geo.table_blocks = le64_to_cpu(sb->table_blocks);
	md->geo.pool_offset = le64_to_cpu(sb->pool_offset);
	md->geo.pool_blocks = le64_to_cpu(sb->pool_blocks);
	md->seq = le64_to_cpu(sb->seq);
	md->table_used = le64_to_cpu(sb->table_used);
	md->nr_remaps = le64_to_cpu(sb->nr_remaps);
	dm_bufio_forget_buffers(md->client[1], 0, md->geo.copy_sectors);
	dm_bufio_set_sector_offset(md->client[1], md->geo.copy_offset[1]);
}

/*
 * A valid copy 1 for another block size means the admin asked for the wrong
 * block size; never take its spare for blank.
 */
static u32 block_size_of_other_format(struct remap_metadata *md, void *buf)
{
	u64 sectors = bdev_nr_sectors(md->bdev);
	struct remap_geometry g;
	u32 bs;

	for (bs = DM_REMAP_MIN_BLOCK_SIZE; bs <= DM_REMAP_MAX_BLOCK_SIZE; bs <<= 1) {
		if (bs == md->block_size || remap_geometry_compute(&g, sectors, bs))
			continue;
		if (!read_meta_block(md->client[0], g.copy_offset[1] / META_SECTORS, buf) &&
		    !check_superblock(buf, 1, sectors) &&
		    le64_to_cpu(((struct dm_remap_disk_superblock *)buf)->copy_offset[1]) ==
		    g.copy_offset[1])
			return bs;
	}
	return 0;
}

static int refuse_block_size(struct remap_metadata *md, u32 formatted,
			     char **error)
{
	*error = "Spare device was formatted with another block_size";
	DMERR("spare was formatted with block_size %u, table asks for %u",
	      formatted, md->block_size);
	return -EINVAL;
}

static int check_match(struct remap_metadata *md,
		       const struct dm_remap_disk_superblock *sb, char **error)
{
	if (le32_to_cpu(sb->block_size) != md->block_size)
		return refuse_block_size(md, le32_to_cpu(sb->block_size), error);
	if (le64_to_cpu(sb->main_sectors) != md->main_sectors) {
		*error = "Spare device was formatted for a main device of another size";
		DMERR("spare was formatted for %llu sectors, target has %llu",
		      le64_to_cpu(sb->main_sectors), md->main_sectors);
		return -EINVAL;
	}
	return 0;
}

/* Table blocks whose superblocks are gone are still a table: never format. */
static bool table_left_behind(struct remap_metadata *md, void *buf)
{
	const struct dm_remap_disk_table_block *tb = buf;
	unsigned int c;

	for (c = 0; c < DM_REMAP_NR_COPIES; c++)
		if (!read_meta_block(md->client[c], 1, buf) &&
		    le32_to_cpu(tb->header.magic) == DM_REMAP_TABLE_MAGIC)
			return true;
	return false;
}

static int refuse_unknown(struct remap_metadata *md, int r0, int r1,
			  void *buf, char **error)
{
	u32 other = block_size_of_other_format(md, buf);

	if (other)
		return refuse_block_size(md, other, error);
	if (r0 == -EPROTONOSUPPORT || r1 == -EPROTONOSUPPORT) {
		*error = "Spare metadata has an unsupported format version";
		return -EINVAL;
	}
	if (r0 != -ENODATA || r1 != -ENODATA) {
		*error = "Spare metadata damaged, no valid copy: run dmremap metadata repair";
		return -EINVAL;
	}
	if (read_meta_block(md->client[0], 0, buf)) {
		*error = "Cannot read the spare device";
		return -EIO;
	}
	if (memchr_inv(buf, 0, DM_REMAP_META_BLOCK_SIZE)) {
		*error = "Spare device holds unknown data: refusing to overwrite it";
		return -EINVAL;
	}
	if (table_left_behind(md, buf)) {
		*error = "Spare metadata damaged, no valid copy: run dmremap metadata repair";
		return -EINVAL;
	}
	return -ENODATA;
}

static int format(struct remap_metadata *md, char **error)
{
	int r;

	generate_random_uuid(md->uuid);
	md->format_time = ktime_get_real_seconds();
	md->spare_sectors = bdev_nr_sectors(md->bdev);
	md->seq = 1;
	md->table_used = 0;
	md->nr_remaps = 0;
	/* copy 0 last: until it is written the spare still reads as blank */
	r = write_superblock(md, 1, md->seq, 0, 0);
	if (!r)
		r = write_superblock(md, 0, md->seq, 0, 0);
	if (r) {
		*error = "Cannot write metadata to the spare device";
		return r;
	}
	DMINFO("formatted spare device %pg: %u spare blocks of %u bytes",
	       md->bdev, md->geo.pool_blocks, md->block_size);
	return 0;
}

static int find_or_format(struct remap_metadata *md, char **error)
{
	struct dm_remap_disk_superblock *sb;
	int r[DM_REMAP_NR_COPIES], newest, ret;

	sb = kvmalloc_array(DM_REMAP_NR_COPIES, sizeof(*sb), GFP_KERNEL);
	if (!sb)
		return -ENOMEM;
	r[0] = read_superblock(md, 0, &sb[0]);
	r[1] = read_superblock(md, 1, &sb[1]);
	if (r[0] && r[1]) {
		ret = refuse_unknown(md, r[0], r[1], &sb[0], error);
		if (ret == -ENODATA)
			ret = format(md, error);
		goto out;
	}
	newest = r[0] || (!r[1] && le64_to_cpu(sb[1].seq) > le64_to_cpu(sb[0].seq));
	if (!r[0] && !r[1] && memcmp(sb[0].uuid, sb[1].uuid, sizeof(sb->uuid))) {
		*error = "Spare device holds two different metadata sets";
		ret = -EINVAL;
		goto out;
	}
	ret = check_match(md, &sb[newest], error);
	if (!ret)
		adopt_superblock(md, &sb[newest]);
out:
	kvfree(sb);
	return ret;
}

static struct dm_bufio_client *create_client(struct remap_metadata *md,
					     sector_t offset)
{
	struct dm_bufio_client *c;

	c = dm_bufio_client_create(md->bdev, DM_REMAP_META_BLOCK_SIZE, 1, 0,
				   NULL, NULL, 0);
	if (!IS_ERR(c))
		dm_bufio_set_sector_offset(c, offset);
	return c;
}

static int create_clients(struct remap_metadata *md)
{
	unsigned int i;

	for (i = 0; i < DM_REMAP_NR_COPIES; i++) {
		md->client[i] = create_client(md, md->geo.copy_offset[i]);
		if (IS_ERR(md->client[i])) {
			int r = PTR_ERR(md->client[i]);

			md->client[i] = NULL;
			return r;
		}
	}
	return 0;
}

void remap_metadata_close(struct remap_metadata *md)
{
	unsigned int i;

	free_changes(&md->staged);
	for (i = 0; i < DM_REMAP_NR_COPIES; i++)
		if (md->client[i])
			dm_bufio_client_destroy(md->client[i]);
	mempool_destroy(md->change_pool);
	kfree(md);
}

/*
 * Finds the metadata on @spare, or formats a blank spare; refuses anything
 * else. Reads only the superblocks: the table is read by load().
 */
struct remap_metadata *remap_metadata_open(struct block_device *spare,
					   u64 main_sectors, u32 block_size,
					   char **error)
{
	struct remap_metadata *md;
	int r;

	md = kzalloc(sizeof(*md), GFP_KERNEL);
	if (!md)
		return ERR_PTR(-ENOMEM);
	md->bdev = spare;
	md->main_sectors = main_sectors;
	md->block_size = block_size;
	mutex_init(&md->commit_lock);
	spin_lock_init(&md->stage_lock);
	INIT_LIST_HEAD(&md->staged);
	atomic64_set(&md->commits, 0);
	md->change_pool = mempool_create_kmalloc_pool(REMAP_CHANGE_RESERVE,
						      sizeof(struct staged_change));
	if (!md->change_pool) {
		kfree(md);
		return ERR_PTR(-ENOMEM);
	}

	r = remap_geometry_compute(&md->geo, bdev_nr_sectors(spare), block_size);
	if (r) {
		*error = "Spare device too small for its metadata and one spare block";
		goto bad;
	}
	r = create_clients(md);
	if (r) {
		*error = "Cannot create metadata buffer client";
		goto bad;
	}
	r = find_or_format(md, error);
	if (r)
		goto bad;
	return md;
bad:
	remap_metadata_close(md);
	return ERR_PTR(r);
}

/* Lost bits must name sectors of the block: none at or past @spb. */
static bool lost_within(const struct dm_remap_disk_entry *e, unsigned int spb)
{
	unsigned int i, first;
	u64 word;

	for (i = 0; i < ARRAY_SIZE(e->lost); i++) {
		word = le64_to_cpu(e->lost[i]);
		first = i * 64;
		if (spb <= first) {
			if (word)
				return false;
		} else if (spb - first < 64 && word >> (spb - first)) {
			return false;
		}
	}
	return true;
}

/*
 * Where a load's time goes, for the line it logs: waiting for table blocks,
 * their checksums, the checks of their entries, and the callback's work
 * (the rest of the walk).
 */
struct load_clock {
	u64 read_ns;
	u64 crc_ns;
	u64 check_ns;
	u64 walk_ns;
	u64 walk_read_ns;
};

/*
 * local_clock(), not ktime_get_ns(): read twice per table block, and a VM
 * whose clocksource is the HPET pays an emulated HPET read for each
 * ktime_get_ns() (6% of the samples of a 1M-remap load in a first profile).
 */
static u64 load_now(void)
{
	return local_clock();
}

static u64 ns_since(u64 start)
{
	return load_now() - start;
}

/* @main_blocks: the main device's blocks of @spb sectors. */
static bool entry_valid(const struct dm_remap_disk_entry *e, u64 main_blocks,
			unsigned int spb)
{
	u64 block = le64_to_cpu(e->block);

	if (block == DM_REMAP_ENTRY_FREE)
		return !e->flags;
	return block < main_blocks && !e->reserved &&
	       !(le32_to_cpu(e->flags) & ~DM_REMAP_ENTRY_KNOWN_FLAGS) &&
	       lost_within(e, spb);
}

static int check_table_block(struct remap_metadata *md, unsigned int copy,
			     u64 index, u64 seq,
			     const struct dm_remap_disk_table_block *tb,
			     struct load_clock *clock)
{
	unsigned int i, spb = md->block_size >> SECTOR_SHIFT;
	u64 main_blocks = div_u64(md->main_sectors, spb);
	u64 start = load_now();
	bool crc_ok = le32_to_cpu(tb->header.crc) == meta_crc(tb);

	clock->crc_ns += ns_since(start);
	if (le32_to_cpu(tb->header.magic) != DM_REMAP_TABLE_MAGIC || !crc_ok ||
	    le64_to_cpu(tb->header.index) != index ||
	    le32_to_cpu(tb->header.copy) != copy ||
	    le64_to_cpu(tb->header.seq) > seq)
		return -EBADMSG;
	start = load_now();
	for (i = 0; i < EPB; i++)
		if (!entry_valid(&tb->entries[i], main_blocks, spb))
			return -EBADMSG;
	clock->check_ns += ns_since(start);
	return 0;
}

/* Is the copy's whole table consistent with its superblock? */
static bool copy_consistent(struct remap_metadata *md, unsigned int copy,
			    const struct dm_remap_disk_superblock *sb,
			    struct load_clock *clock)
{
	struct dm_bufio_client *c = md->client[copy];
	u64 i, n = used_blocks(le64_to_cpu(sb->table_used));
	u64 start = load_now();
	struct dm_buffer *b;
	void *data;
	int r;

	/* reading: submitting the whole table at once, then waiting for it */
	dm_bufio_prefetch(c, 1, n);
	clock->read_ns += ns_since(start);
	for (i = 0; i < n; i++) {
		start = load_now();
		data = dm_bufio_read(c, 1 + i, &b);
		clock->read_ns += ns_since(start);
		if (IS_ERR(data))
			return false;
		r = check_table_block(md, copy, i, le64_to_cpu(sb->seq), data,
				      clock);
		dm_bufio_release(b);
		if (r) {
			DMWARN("%pg: metadata copy %u: table block %llu is damaged",
			       md->bdev, copy, i);
			return false;
		}
	}
	return true;
}

static void decode_entry(const struct dm_remap_disk_entry *d,
			 struct remap_metadata_entry *e)
{
	unsigned int i;

	e->block = le64_to_cpu(d->block);
	e->flags = le32_to_cpu(d->flags);
	for (i = 0; i < ARRAY_SIZE(e->lost); i++)
		e->lost[i] = le64_to_cpu(d->lost[i]);
}

static int walk_entries(struct remap_metadata *md, unsigned int copy,
			remap_metadata_entry_fn fn, void *context,
			struct load_clock *clock)
{
	struct remap_metadata_entry e;
	const struct dm_remap_disk_table_block *tb;
	struct dm_buffer *b;
	u64 i, slot, start;
	int r = 0;

	for (i = 0; !r && i < used_blocks(md->table_used); i++) {
		start = load_now();
		tb = dm_bufio_read(md->client[copy], 1 + i, &b);
		clock->walk_read_ns += ns_since(start);
		if (IS_ERR(tb))
			return PTR_ERR(tb);
		for (slot = 0; !r && slot < EPB; slot++) {
			if (le64_to_cpu(tb->entries[slot].block) == DM_REMAP_ENTRY_FREE)
				continue;
			decode_entry(&tb->entries[slot], &e);
			r = fn(context, i * EPB + slot, &e);
		}
		dm_bufio_release(b);
	}
	return r;
}

/*
 * The constructor set up the pool and the copies' places from the newest
 * superblock it found; a copy chosen at load must describe that layout, or
 * its spare block numbers would point elsewhere.
 */
static bool same_layout(struct remap_metadata *md,
			const struct dm_remap_disk_superblock *sb)
{
	return le32_to_cpu(sb->block_size) == md->block_size &&
	       le64_to_cpu(sb->main_sectors) == md->main_sectors &&
	       le64_to_cpu(sb->copy_offset[0]) == md->geo.copy_offset[0] &&
	       le64_to_cpu(sb->copy_offset[1]) == md->geo.copy_offset[1] &&
	       le64_to_cpu(sb->copy_sectors) == md->geo.copy_sectors &&
	       le64_to_cpu(sb->table_blocks) == md->geo.table_blocks &&
	       le64_to_cpu(sb->pool_offset) == md->geo.pool_offset &&
	       le64_to_cpu(sb->pool_blocks) == md->geo.pool_blocks;
}

static int choose_copy(struct remap_metadata *md,
		       struct dm_remap_disk_superblock *sb, bool *ok,
		       struct load_clock *clock)
{
	unsigned int c;
	int best = -1;

	for (c = 0; c < DM_REMAP_NR_COPIES; c++) {
		ok[c] = false;
		if (read_superblock(md, c, &sb[c]) ||
		    memcmp(sb[c].uuid, md->uuid, sizeof(md->uuid)))
			continue;
		if (!same_layout(md, &sb[c])) {
			DMWARN("%pg: metadata copy %u: layout differs from the loaded one",
			       md->bdev, c);
			continue;
		}
		ok[c] = copy_consistent(md, c, &sb[c], clock);
		if (ok[c] && (best < 0 || le64_to_cpu(sb[c].seq) > le64_to_cpu(sb[best].seq)))
			best = c;
	}
	return best;
}

static void log_load(struct remap_metadata *md, unsigned int copy,
		     const struct load_clock *c)
{
	DMINFO("%pg: checked: read %llu crc %llu entries %llu ms; walked %u: read %llu add %llu ms",
	       md->bdev, div_u64(c->read_ns, NSEC_PER_MSEC),
	       div_u64(c->crc_ns, NSEC_PER_MSEC),
	       div_u64(c->check_ns, NSEC_PER_MSEC), copy,
	       div_u64(c->walk_read_ns, NSEC_PER_MSEC),
	       div_u64(c->walk_ns - c->walk_read_ns, NSEC_PER_MSEC));
}

/*
 * (Re)reads the newest consistent state and calls @fn for every remap in it.
 * A copy that is bad or older is rewritten whole by the next commit.
 */
int remap_metadata_load(struct remap_metadata *md, remap_metadata_entry_fn fn,
			void *context, char **error)
{
	struct dm_remap_disk_superblock *sb;
	struct load_clock clock = {};
	bool ok[DM_REMAP_NR_COPIES];
	enum remap_metadata_state state;
	unsigned int c;
	u64 start;
	int best, r;

	sb = kvmalloc_array(DM_REMAP_NR_COPIES, sizeof(*sb), GFP_KERNEL);
	if (!sb)
		return -ENOMEM;
	mutex_lock(&md->commit_lock);
	for (c = 0; c < DM_REMAP_NR_COPIES; c++)
		dm_bufio_forget_buffers(md->client[c], 0, md->geo.copy_sectors);
	best = choose_copy(md, sb, ok, &clock);
	if (best < 0) {
		*error = "No consistent metadata copy: run dmremap metadata repair";
		r = -EINVAL;
		goto out;
	}
	md->seq = le64_to_cpu(sb[best].seq);
	md->table_used = le64_to_cpu(sb[best].table_used);
	md->nr_remaps = le64_to_cpu(sb[best].nr_remaps);
	state = REMAP_METADATA_OK;
	for (c = 0; c < DM_REMAP_NR_COPIES; c++) {
		md->heal[c] = !ok[c] || le64_to_cpu(sb[c].seq) != md->seq;
		if (md->heal[c]) {
			state = REMAP_METADATA_DEGRADED;
			DMWARN("%pg: metadata copy %u is bad or stale; the next commit rewrites it",
			       md->bdev, c);
		}
	}
	spin_lock(&md->stage_lock);
	md->staged_seq = md->seq + 1;
	md->staged_used = md->table_used;
	spin_unlock(&md->stage_lock);
	start = load_now();
	r = walk_entries(md, best, fn, context, &clock);
	clock.walk_ns = ns_since(start);
	if (r) {
		*error = "Metadata table is inconsistent";
		goto out;
	}
	/*
	 * The copies' verdict only for a table that loaded: until then the
	 * instance has no metadata state of its own (status says "unloaded"
	 * and health must not count a degraded copy), and a retried load
	 * judges the copies afresh.
	 */
	WRITE_ONCE(md->state, state);
	log_load(md, best, &clock);
out:
	mutex_unlock(&md->commit_lock);
	kvfree(sb);
	return r;
}

void remap_metadata_batch_init(struct remap_metadata_batch *b)
{
	INIT_LIST_HEAD(&b->changes);
	b->used = 0;
	b->n = 0;
}

/*
 * Adds a change of one entry to @b; nothing is staged before the end. The
 * error path (@reserve) takes it from a reserve, so that it waits for
 * memory rather than fail; each of its stagers holds at most one change
 * until a commit frees it.
 */
int remap_metadata_batch_add(struct remap_metadata *md,
			     struct remap_metadata_batch *b, u32 spare,
			     const struct remap_metadata_entry *e, bool reserve)
{
	struct staged_change *ch;

	if (spare >= md->geo.pool_blocks)
		return -ERANGE;
	ch = reserve ? mempool_alloc(md->change_pool, GFP_NOIO) :
		       kmalloc(sizeof(*ch), GFP_NOIO);
	if (!ch)
		return -ENOMEM;
	ch->pool = reserve ? md->change_pool : NULL;
	ch->spare = spare;
	ch->entry = *e;
	list_add_tail(&ch->list, &b->changes);
	b->used = max_t(u64, b->used, (u64)spare + 1);
	b->n++;
	return 0;
}

/* Drops a batch that will not be staged. */
void remap_metadata_batch_abort(struct remap_metadata_batch *b)
{
	free_changes(&b->changes);
	remap_metadata_batch_init(b);
}

/*
 * Stages every change of @b at once, for the next commit, and returns in
 * @ticket the commit that will make them durable: a move whose staging
 * fails half-way leaves nothing staged for a later commit to write. May be
 * called concurrently with a commit; the changes then go into the
 * following one. Refused while the metadata has failed: nothing would ever
 * write them, and the list would only grow.
 */
int remap_metadata_stage(struct remap_metadata *md,
			 struct remap_metadata_batch *b, u64 *ticket)
{
	int r = 0;

	spin_lock(&md->stage_lock);
	if (READ_ONCE(md->state) == REMAP_METADATA_FAILED) {
		r = -EIO;
	} else {
		list_splice_tail_init(&b->changes, &md->staged);
		md->staged_used = max(md->staged_used, b->used);
		md->staged_count += b->n;
		*ticket = md->staged_seq;
	}
	spin_unlock(&md->stage_lock);
	remap_metadata_batch_abort(b);
	return r;
}

/* Changes staged and not yet taken by a commit. */
u64 remap_metadata_staged(struct remap_metadata *md)
{
	u64 n;

	spin_lock(&md->stage_lock);
	n = md->staged_count;
	spin_unlock(&md->stage_lock);
	return n;
}

/* The ticket of whatever is staged now. */
u64 remap_metadata_ticket(struct remap_metadata *md)
{
	u64 ticket;

	spin_lock(&md->stage_lock);
	ticket = md->staged_seq;
	spin_unlock(&md->stage_lock);
	return ticket;
}

static void encode_entry(const struct remap_metadata_entry *e,
			 struct dm_remap_disk_entry *d)
{
	unsigned int i;

	memset(d, 0, sizeof(*d));
	d->block = cpu_to_le64(e->block);
	if (e->block == DM_REMAP_ENTRY_FREE)
		return;
	d->flags = cpu_to_le32(e->flags & DM_REMAP_ENTRY_KNOWN_FLAGS);
	for (i = 0; i < ARRAY_SIZE(e->lost); i++)
		d->lost[i] = cpu_to_le64(e->lost[i]);
}

static void seal_table_block(struct dm_remap_disk_table_block *tb,
			     unsigned int copy, u64 index, u64 seq)
{
	tb->header.magic = cpu_to_le32(DM_REMAP_TABLE_MAGIC);
	tb->header.seq = cpu_to_le64(seq);
	tb->header.index = cpu_to_le64(index);
	tb->header.copy = cpu_to_le32(copy);
	tb->header.reserved = 0;
	tb->header.crc = cpu_to_le32(meta_crc(tb));
}

/* Table blocks beyond the committed range were never written: start empty. */
static int init_new_blocks(struct remap_metadata *md, unsigned int copy,
			   u64 from, u64 to, u64 seq)
{
	struct dm_remap_disk_table_block *tb;
	struct dm_buffer *b;
	unsigned int i;

	for (; from < to; from++) {
		tb = dm_bufio_new(md->client[copy], 1 + from, &b);
		if (IS_ERR(tb))
			return PTR_ERR(tb);
		memset(tb, 0, sizeof(*tb));
		for (i = 0; i < EPB; i++)
			tb->entries[i].block = cpu_to_le64(DM_REMAP_ENTRY_FREE);
		seal_table_block(tb, copy, from, seq);
		dm_bufio_mark_buffer_dirty(b);
		dm_bufio_release(b);
	}
	return 0;
}

static int apply_change(struct remap_metadata *md, unsigned int copy,
			const struct staged_change *ch, u64 seq, s64 *delta)
{
	struct dm_remap_disk_table_block *tb;
	struct dm_remap_disk_entry *d;
	struct dm_buffer *b;
	bool was_free;

	tb = dm_bufio_read(md->client[copy], 1 + ch->spare / EPB, &b);
	if (IS_ERR(tb))
		return PTR_ERR(tb);
	d = &tb->entries[ch->spare % EPB];
	was_free = le64_to_cpu(d->block) == DM_REMAP_ENTRY_FREE;
	encode_entry(&ch->entry, d);
	*delta += was_free - (ch->entry.block == DM_REMAP_ENTRY_FREE);
	seal_table_block(tb, copy, ch->spare / EPB, seq);
	dm_bufio_mark_buffer_dirty(b);
	dm_bufio_release(b);
	return 0;
}

/* Rewrites every used table block of @copy from the other, good copy. */
static int rebuild_copy(struct remap_metadata *md, unsigned int copy, u64 seq)
{
	struct dm_buffer *from_b, *to_b;
	void *from, *to;
	u64 i;

	for (i = 0; i < used_blocks(md->table_used); i++) {
		from = dm_bufio_read(md->client[!copy], 1 + i, &from_b);
		if (IS_ERR(from))
			return PTR_ERR(from);
		to = dm_bufio_new(md->client[copy], 1 + i, &to_b);
		if (IS_ERR(to)) {
			dm_bufio_release(from_b);
			return PTR_ERR(to);
		}
		memcpy(to, from, DM_REMAP_META_BLOCK_SIZE);
		seal_table_block(to, copy, i, seq);
		dm_bufio_mark_buffer_dirty(to_b);
		dm_bufio_release(to_b);
		dm_bufio_release(from_b);
	}
	return 0;
}

static int write_copy(struct remap_metadata *md, unsigned int copy,
		      struct list_head *changes, u64 seq, u64 new_used,
		      s64 *delta)
{
	struct dm_bufio_client *c = md->client[copy];
	struct staged_change *ch;
	int r = 0;

	*delta = 0;
	if (md->heal[copy])
		r = rebuild_copy(md, copy, seq);
	if (!r)
		r = init_new_blocks(md, copy, used_blocks(md->table_used),
				    used_blocks(new_used), seq);
	list_for_each_entry(ch, changes, list) {
		if (r)
			break;
		r = apply_change(md, copy, ch, seq, delta);
	}
	if (!r)
		r = dm_bufio_write_dirty_buffers(c);
	if (!r)
		r = dm_bufio_issue_flush(c);
	if (!r)
		r = write_superblock(md, copy, seq, new_used,
				     md->nr_remaps + *delta);
	if (r) {
		DMERR("%pg: cannot write metadata copy %u: error %d",
		      md->bdev, copy, r);
		dm_bufio_forget_buffers(c, 0, md->geo.copy_sectors);
	}
	md->heal[copy] = r;
	return r;
}

static int commit_staged(struct remap_metadata *md)
{
	LIST_HEAD(changes);
	s64 delta[DM_REMAP_NR_COPIES];
	unsigned int c, i, first, written = 0;
	u64 seq, new_used;

	spin_lock(&md->stage_lock);
	list_splice_init(&md->staged, &changes);
	md->staged_count = 0;
	seq = md->staged_seq++;
	new_used = md->staged_used;
	spin_unlock(&md->stage_lock);

	/*
	 * A copy being healed goes first, from the good one: until the healed
	 * copy is complete, the good copy must stay as it is.
	 */
	first = md->heal[1] && !md->heal[0];
	for (i = 0; i < DM_REMAP_NR_COPIES; i++) {
		c = first ^ i;
		if (!write_copy(md, c, &changes, seq, new_used, &delta[c]))
			written |= 1U << c;
	}
	free_changes(&changes);
	if (!written) {
		spin_lock(&md->stage_lock);
		WRITE_ONCE(md->state, REMAP_METADATA_FAILED);
		/* staged meanwhile: nothing will write them, their moves fail */
		list_splice_init(&md->staged, &changes);
		md->staged_count = 0;
		spin_unlock(&md->stage_lock);
		free_changes(&changes);
		DMERR("%pg: metadata cannot be written: no new remaps from now on",
		      md->bdev);
		return -EIO;
	}
	/* the copy written first saw the old table: its delta is the change */
	md->nr_remaps += delta[written & (1U << first) ? first : !first];
	md->seq = seq;
	md->table_used = new_used;
	WRITE_ONCE(md->state, written == 3 ? REMAP_METADATA_OK :
						 REMAP_METADATA_DEGRADED);
	atomic64_inc(&md->commits);
	return 0;
}

/*
 * Makes the changes staged under @ticket durable. Concurrent callers share
 * one commit: who finds their ticket already written returns at once.
 */
int remap_metadata_commit(struct remap_metadata *md, u64 ticket)
{
	int r = 0;

	mutex_lock(&md->commit_lock);
	if (md->state == REMAP_METADATA_FAILED)
		r = -EIO;
	else if (md->seq < ticket || md->heal[0] || md->heal[1])
		r = commit_staged(md);
	mutex_unlock(&md->commit_lock);
	return r;
}

const u8 *remap_metadata_uuid(struct remap_metadata *md)
{
	return md->uuid;
}

sector_t remap_metadata_pool_offset(struct remap_metadata *md)
{
	return md->geo.pool_offset;
}

u32 remap_metadata_pool_blocks(struct remap_metadata *md)
{
	return md->geo.pool_blocks;
}

u64 remap_metadata_seq(struct remap_metadata *md)
{
	return READ_ONCE(md->seq);
}

/* Remaps the newest superblock counts: a hint for sizing, not checked. */
u64 remap_metadata_nr_remaps(struct remap_metadata *md)
{
	return READ_ONCE(md->nr_remaps);
}

u64 remap_metadata_commits(struct remap_metadata *md)
{
	return atomic64_read(&md->commits);
}

enum remap_metadata_state remap_metadata_state(struct remap_metadata *md)
{
	return READ_ONCE(md->state);
}

const char *remap_metadata_state_name(enum remap_metadata_state state)
{
	switch (state) {
	case REMAP_METADATA_OK:
		return "ok";
	case REMAP_METADATA_DEGRADED:
		return "degraded";
	default:
		return "failed";
	}
}
