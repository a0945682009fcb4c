/* avro_writer.h: Avro object container files, written by libumbra itself.
 *
 * Why our own container writer: avro-c's generic value API manages about
 * 0.1M records/s with deflate (it hard-codes level 9).  Records are encoded
 * by ft4_encode() (in parallel, on the aggregator threads); this writer only
 * frames them into blocks, compresses each block (raw deflate through
 * libdeflate at a configurable level, snappy with its CRC-32, or null) and
 * writes header, blocks and sync markers as the Avro 1.11 spec lays down.
 * The files are read back by avro-c, python3-avro and Spark in the tests.
 *
 * Files appear under their final name only when complete: the writer writes
 * "DIR/.NAME.tmp", and avro_writer_commit() flushes, fsyncs and renames it
 * into place (then fsyncs the directory).
 *
 * Thread use: one writer belongs to one thread (the merger).
 */
#ifndef UMBRA_AVRO_WRITER_H
#define UMBRA_AVRO_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "errbuf.h"

struct block_pool;

enum avro_codec {
	AVRO_CODEC_NULL = 0,
	AVRO_CODEC_DEFLATE,
	AVRO_CODEC_SNAPPY,
};

/* "null", "deflate", "snappy" -> enum; returns 0 or -EINVAL. */
int avro_codec_parse(const char *name, enum avro_codec *out);
const char *avro_codec_name(enum avro_codec codec);

struct avro_writer_opts {
	enum avro_codec codec;
	int deflate_level;   /* 1..12 (libdeflate levels), deflate only */
	size_t block_bytes;  /* uncompressed bytes per block (1..2^30),
	                      * e.g. 65536; see avro_writer_append() */
	const uint8_t *sync; /* 16 bytes, or NULL for random */
	/* Compress blocks on these worker threads (block_pool.h), or NULL to
	 * compress on the calling thread.  Its codec and level must be the
	 * ones above.  The bytes written are the same either way. */
	struct block_pool *pool;
};

struct avro_writer;

/* Create the directories of final_path as needed and open its temporary
 * sibling ".NAME.tmp" for writing.  schema_json is written into the header.
 * Returns NULL with a message in *err (naming the path) on failure. */
struct avro_writer *avro_writer_open(const char *final_path,
                                     const char *schema_json,
                                     const struct avro_writer_opts *opts,
                                     struct umbra_err *err);

/* Append one already-encoded datum (ft4_encode output).  Blocks are closed,
 * compressed and written as they fill: a block closes when this datum would
 * take it past block_bytes, and a datum larger than block_bytes gets a block
 * of its own.  Returns 0 or a negative errno; a failure sticks (later
 * appends and the commit return it). */
int avro_writer_append(struct avro_writer *w, const uint8_t *datum, size_t len);

/* Records appended so far. */
uint64_t avro_writer_count(const struct avro_writer *w);

/* Write the last block, fsync, rename into place, fsync the directory, free.
 * On success *bytes_out (if non-NULL) holds the final file size.  On failure
 * the temporary file is removed and a message left in *err; an earlier
 * append's failure is reported here too.  Only when the rename succeeded and
 * the directory fsync failed is the file left, complete, under its final
 * name (the error is still returned). */
int avro_writer_commit(struct avro_writer *w, uint64_t *bytes_out,
                       struct umbra_err *err);

/* Remove the temporary file and free (nothing appears under the final name). */
void avro_writer_abort(struct avro_writer *w);

/* The temporary name avro_writer_open() uses for final_path, into buf.
 * Returns 0, -EINVAL (final_path names no file) or -ENAMETOOLONG. */
int avro_writer_tmp_path(const char *final_path, char *buf, size_t len);

#endif
