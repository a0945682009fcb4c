/* output.h: the merger's files: which file an interval goes to, opening it
 * under its temporary name, and committing it (fsync + rename) when its
 * rotation period is over or the input ends.
 *
 * Thread use: the merger thread only.
 */
#ifndef UMBRA_OUTPUT_H
#define UMBRA_OUTPUT_H

#include <limits.h>
#include <stdint.h>

#include "avro_writer.h"
#include "config.h"

struct output {
	const struct umbra_config *cfg;
	struct block_pool *pool; /* compresses blocks, or NULL: inline */
	struct avro_writer *w;   /* open file, or NULL */
	int64_t file_start;      /* its rotation start */
	char path[PATH_MAX];     /* its final name */
	uint64_t files;          /* committed so far */
	uint64_t failures;       /* files that could not be written */
};

void output_init(struct output *o, const struct umbra_config *cfg,
                 struct block_pool *pool);

/* Make sure the file holding interval `start` is open (committing the
 * previous one if it belongs to another period).  0 or -errno (logged). */
int output_begin(struct output *o, int64_t start);

/* Append one encoded record to the open file.  0 or -errno. */
int output_append(struct output *o, const uint8_t *datum, size_t len);

/* Interval `start` is complete: commit the file if `start` is the last
 * interval of its period.  *committed / *bytes tell what happened. */
int output_end(struct output *o, int64_t start, int *committed,
               uint64_t *bytes);

/* Commit whatever is open (end of input).  0 or -errno (logged). */
int output_finish(struct output *o, uint64_t *bytes);

/* Throw the open file away (nothing appears under its final name). */
void output_abort(struct output *o);

#endif
