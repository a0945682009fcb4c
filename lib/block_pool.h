/* block_pool.h: compress Avro blocks on worker threads.
 *
 * The merger is the only thread that writes files; compressing every block
 * on it made it the slowest stage of the pipeline (deflate runs at about
 * 1.4M records/s per core at level 3).  With a pool, avro_writer hands each
 * full block to a worker and goes on merging; it writes the compressed
 * blocks in the order it submitted them, so files are byte-identical to
 * those compressed inline.
 *
 * Thread use: block_pool_new/free by the owner (pipeline setup/teardown);
 * submit and wait by one writer thread at a time; the workers run the
 * codec.  A job belongs to its submitter: the pool only fills out/out_len/rc.
 */
#ifndef UMBRA_BLOCK_POOL_H
#define UMBRA_BLOCK_POOL_H

#include <stddef.h>
#include <stdint.h>

#include "avro_writer.h"
#include "errbuf.h"

struct libdeflate_compressor;

/* Compress in[0..n) with codec (deflate: raw RFC 1951 through dc; snappy:
 * snappy + big-endian CRC-32 of the input) into *out, growing it (and *cap)
 * as needed.  *zlen gets the compressed size.  0 or -ENOMEM/-EIO. */
int block_compress(enum avro_codec codec, struct libdeflate_compressor *dc,
                   const uint8_t *in, size_t n, uint8_t **out, size_t *cap,
                   size_t *zlen);

struct block_job {
	uint8_t *in; /* the block's records, in_len bytes */
	size_t in_len;
	uint64_t count; /* records in the block */
	uint8_t *out;   /* compressed form (grown by the worker) */
	size_t out_cap;
	size_t out_len;
	int rc;   /* 0 or the codec's error */
	int done; /* guarded by the pool's lock */
	struct block_job *next;
};

struct block_pool;

/* threads workers for codec (not null) at level.  NULL with a message on
 * failure. */
struct block_pool *block_pool_new(unsigned threads, enum avro_codec codec,
                                  int level, struct umbra_err *err);
void block_pool_free(struct block_pool *p);

enum avro_codec block_pool_codec(const struct block_pool *p);
int block_pool_level(const struct block_pool *p);

void block_pool_submit(struct block_pool *p, struct block_job *job);
/* Wait until job is done. */
void block_pool_wait(struct block_pool *p, struct block_job *job);

#endif
