/* output.c: interval files, rotation and commit (see output.h). */
#include "output.h"

#include <errno.h>
#include <string.h>

#include "ft4.h"
#include "log.h"
#include "outpath.h"

void output_init(struct output *o, const struct umbra_config *cfg,
                 struct block_pool *pool)
{
	memset(o, 0, sizeof *o);
	o->cfg = cfg;
	o->pool = pool;
}

/* The sync marker is derived from the monitor and the file start, so the
 * same input gives byte-identical files whatever the thread count. */
static void derive_sync(const char *monitor, int64_t start, uint8_t sync[16])
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (const char *p = monitor; *p; p++)
		h = (h ^ (uint8_t)*p) * 0x100000001b3ull;
	h ^= (uint64_t)start;
	for (int i = 0; i < 2; i++) {
		h += 0x9E3779B97F4A7C15ull;
		uint64_t z = h;
		z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
		z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
		z ^= z >> 31;
		memcpy(sync + 8 * i, &z, 8);
	}
}

static int commit(struct output *o, uint64_t *bytes)
{
	struct umbra_err err;
	uint64_t recs = avro_writer_count(o->w);
	int rc = avro_writer_commit(o->w, bytes, &err);

	o->w = NULL;
	if (rc < 0) {
		o->failures++;
		log_error("%s", err.msg);
		return rc;
	}
	o->files++;
	log_debug("wrote %s (%llu records, %llu bytes)", o->path,
	          (unsigned long long)recs,
	          (unsigned long long)(bytes ? *bytes : 0));
	return 0;
}

int output_begin(struct output *o, int64_t start)
{
	const struct umbra_config *c = o->cfg;
	int64_t fs =
	    outpath_file_start(start, c->interval, c->rotate_intervals);
	struct avro_writer_opts opts;
	struct umbra_err err;
	uint8_t sync[16];
	int rc;

	if (o->w && o->file_start == fs)
		return 0;
	if (o->w)
		commit(o, NULL);
	rc = outpath_format(o->path, sizeof o->path, c->output_dir,
	                    c->output_template, c->monitor, fs);
	if (rc < 0) {
		log_error("cannot name the file for interval %lld: %s",
		          (long long)start, strerror(-rc));
		o->failures++;
		return rc;
	}
	derive_sync(c->monitor, fs, sync);
	opts.codec = (enum avro_codec)c->codec;
	opts.deflate_level = (int)c->deflate_level;
	opts.block_bytes = c->block_size;
	opts.sync = sync;
	opts.pool = o->pool;
	o->w = avro_writer_open(o->path, ft4_schema_json, &opts, &err);
	if (!o->w) {
		log_error("%s", err.msg);
		o->failures++;
		return -EIO;
	}
	o->file_start = fs;
	return 0;
}

int output_append(struct output *o, const uint8_t *datum, size_t len)
{
	if (!o->w)
		return -EBADF;
	return avro_writer_append(o->w, datum, len);
}

int output_end(struct output *o, int64_t start, int *committed, uint64_t *bytes)
{
	const struct umbra_config *c = o->cfg;
	int64_t span = (int64_t)c->interval * c->rotate_intervals;

	*committed = 0;
	*bytes = 0;
	if (!o->w)
		return -EBADF;
	if (start + (int64_t)c->interval < o->file_start + span)
		return 0; /* more intervals go into this file */
	*committed = 1;
	return commit(o, bytes);
}

int output_finish(struct output *o, uint64_t *bytes)
{
	if (!o->w)
		return 0;
	return commit(o, bytes);
}

void output_abort(struct output *o)
{
	if (o->w)
		avro_writer_abort(o->w);
	o->w = NULL;
}
