/* output.h: the merger's files: which file an interval goes to, opening it
 * under its temporary name, and committing it (fsync + rename) when its
 * rotation period is over or the input ends.
 *
 * Errors are returned, not logged: the caller (backlog.c) decides how loud a
 * failure is, since a full disk fails the same way at every retry.  The last
 * failure's message, naming the file, is in o->err.
 *
 * Thread use: the merger thread only.
 */
#ifndef UMBRA_OUTPUT_H
#define UMBRA_OUTPUT_H

#include <limits.h>
#include <stdint.h>

#include "avro_writer.h"
#include "config.h"
#include "errbuf.h"

struct output {
	const struct umbra_config *cfg;
	struct block_pool *pool; /* compresses blocks, or NULL: inline */
	struct avro_writer *w;   /* open file, or NULL */
	int64_t file_start;      /* its rotation start */
	char path[PATH_MAX];     /* its final name */
	uint64_t files;          /* committed so far */
	uint64_t failures;       /* attempts that failed (retries included) */
	struct umbra_err err;    /* the last failure, naming the file */
};

void output_init(struct output *o, const struct umbra_config *cfg,
                 struct block_pool *pool);

/* Start of the file (rotation period) holding interval `start`. */
int64_t output_file_start(const struct output *o, int64_t start);

/* Is `start` the last interval of its file's rotation period? */
int output_period_last(const struct output *o, int64_t start);

/* The final name of the file holding interval `start`, into buf.  0 or
 * -errno (then buf holds ""). */
int output_path(const struct output *o, int64_t start, char *buf, size_t len);

/* Make sure the file holding interval `start` is open.  A file of another
 * period must have been committed or aborted first (-EBUSY otherwise).
 * 0 or -errno (message in o->err). */
int output_begin(struct output *o, int64_t start);

/* Append one encoded record to the open file.  0 or -errno (message in
 * o->err); the file is then unusable: abort it. */
int output_append(struct output *o, const uint8_t *datum, size_t len);

/* Commit whatever is open: last block, fsync, rename, directory fsync.
 * 0 (also when nothing is open; *bytes = the file size or 0) or -errno
 * (message in o->err; the temporary file is gone). */
int output_finish(struct output *o, uint64_t *bytes);

/* Throw the open file away: its temporary file is removed and nothing
 * appears under its final name. */
void output_abort(struct output *o);

#endif
