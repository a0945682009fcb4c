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

int64_t output_file_start(const struct output *o, int64_t start)
{
	return outpath_file_start(start, o->cfg->interval,
	                          o->cfg->rotate_intervals);
}

int output_period_last(const struct output *o, int64_t start)
{
	const struct umbra_config *c = o->cfg;
	int64_t span = (int64_t)c->interval * c->rotate_intervals;

	return start + (int64_t)c->interval >=
	       output_file_start(o, start) + span;
}

int output_path(const struct output *o, int64_t start, char *buf, size_t len)
{
	const struct umbra_config *c = o->cfg;
	int rc = outpath_format(buf, len, c->output_dir, c->output_template,
	                        c->monitor, output_file_start(o, start));

	if (rc < 0 && len)
		buf[0] = '\0';
	return rc;
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

int output_begin(struct output *o, int64_t start)
{
	const struct umbra_config *c = o->cfg;
	int64_t fs = output_file_start(o, start);
	struct avro_writer_opts opts;
	uint8_t sync[16];
	int rc;

	if (o->w && o->file_start == fs)
		return 0;
	if (o->w)
		return umbra_err_set(&o->err, -EBUSY,
		                     "%s is still open for interval %lld",
		                     o->path, (long long)start);
	rc = output_path(o, start, o->path, sizeof o->path);
	if (rc < 0) {
		o->failures++;
		return umbra_err_set(&o->err, rc,
		                     "cannot name the file for interval %lld: "
		                     "%s",
		                     (long long)start, strerror(-rc));
	}
	derive_sync(c->monitor, fs, sync);
	opts.codec = (enum avro_codec)c->codec;
	opts.deflate_level = (int)c->deflate_level;
	opts.block_bytes = c->block_size;
	opts.sync = sync;
	opts.pool = o->pool;
	o->w = avro_writer_open(o->path, ft4_schema_json, &opts, &o->err);
	if (!o->w) {
		o->failures++;
		/* the writer's message names the path; its code is lost */
		return -EIO;
	}
	o->file_start = fs;
	return 0;
}

int output_append(struct output *o, const uint8_t *datum, size_t len)
{
	int rc;

	if (!o->w)
		return umbra_err_set(&o->err, -EBADF, "no file open");
	rc = avro_writer_append(o->w, datum, len);
	if (rc < 0) {
		o->failures++;
		umbra_err_set(&o->err, rc, "cannot write %s: %s", o->path,
		              strerror(-rc));
	}
	return rc;
}

int output_finish(struct output *o, uint64_t *bytes)
{
	uint64_t recs, size = 0;
	int rc;

	*bytes = 0;
	if (!o->w)
		return 0;
	recs = avro_writer_count(o->w);
	rc = avro_writer_commit(o->w, &size, &o->err);
	o->w = NULL; /* committed or removed, and freed, either way */
	if (rc < 0) {
		o->failures++;
		return rc;
	}
	o->files++;
	*bytes = size;
	log_debug("wrote %s (%llu records, %llu bytes)", o->path,
	          (unsigned long long)recs, (unsigned long long)size);
	return 0;
}

void output_abort(struct output *o)
{
	if (o->w)
		avro_writer_abort(o->w);
	o->w = NULL;
}
