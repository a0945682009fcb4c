/* avro_writer.c: Avro object container files (Avro 1.11 specification,
 * "Object Container Files").
 *
 * A file is a header and then blocks:
 *
 *   header: "Obj" 0x01
 *           metadata, an Avro map<bytes>: one block of 2 entries
 *             ("avro.codec" -> codec name, "avro.schema" -> schema JSON),
 *             then a 0 count
 *           16-byte sync marker
 *   block:  record count (long), byte size of the data (long),
 *           the records, serialized and compressed as a whole,
 *           the sync marker again
 *
 * Codecs: "null" (data as is), "deflate" (RFC 1951 raw deflate, no zlib
 * header or checksum), "snappy" (one snappy-compressed buffer followed by the
 * big-endian CRC-32 of the uncompressed data).
 *
 * Records collect in a block buffer of block_bytes; the block is closed when
 * the next record would overflow it.  Compressed blocks go to an output
 * buffer of OUT_BYTES, written with write(2) when full, so the file sees
 * large writes only.  The first failure sticks: later appends return it and
 * commit reports it with the path and removes the temporary file.
 *
 * With a block pool (block_pool.h) a closed block is compressed by a worker
 * while the next one fills; up to POOL_JOBS blocks are in flight and they
 * are written in the order they were closed.
 */
#include "avro_writer.h"
#include "block_pool.h"

#include <errno.h>
#include <fcntl.h>
#include <libdeflate.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#define SYNC_BYTES       16
#define OUT_BYTES        (1u << 20)
#define MAX_BLOCK_BYTES  (1u << 30)
#define VARINT_MAX_BYTES 10
#define POOL_JOBS        8 /* blocks in flight with a pool */

struct avro_writer {
	int fd;
	enum avro_codec codec;
	struct libdeflate_compressor *deflate;
	uint8_t sync[SYNC_BYTES];

	uint8_t *block;   /* records of the open block */
	size_t block_cap; /* opts->block_bytes */
	size_t block_used;
	uint64_t block_count;

	uint8_t *zbuf; /* compressed block */
	size_t zbuf_cap;

	/* with a pool: jobs[fill].in is the block being filled; nsub jobs
	 * from jobs[first] on are submitted and not yet written */
	struct block_pool *pool;
	struct block_job jobs[POOL_JOBS];
	unsigned fill, first, nsub;

	uint8_t *out; /* bytes on their way to the file */
	size_t out_used;

	uint64_t records;
	uint64_t file_bytes; /* written or buffered so far */
	int error;           /* first failure, negative errno, or 0 */
	const char *error_op;
	char *final_path;
	char *tmp_path;
};

static const char *const codec_names[] = {
    [AVRO_CODEC_NULL] = "null",
    [AVRO_CODEC_DEFLATE] = "deflate",
    [AVRO_CODEC_SNAPPY] = "snappy",
};

int avro_codec_parse(const char *name, enum avro_codec *out)
{
	for (size_t i = 0; i < sizeof codec_names / sizeof codec_names[0];
	     i++) {
		if (name && strcmp(name, codec_names[i]) == 0) {
			*out = (enum avro_codec)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *avro_codec_name(enum avro_codec codec)
{
	if ((unsigned)codec >= sizeof codec_names / sizeof codec_names[0])
		return NULL;
	return codec_names[codec];
}

/* ---- paths ------------------------------------------------------------- */

int avro_writer_tmp_path(const char *final_path, char *buf, size_t len)
{
	const char *slash = strrchr(final_path, '/');
	const char *name = slash ? slash + 1 : final_path;
	int dir_len = (int)(name - final_path);

	if (*name == '\0' || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return -EINVAL;
	int n = snprintf(buf, len, "%.*s.%s.tmp", dir_len, final_path, name);
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return 0;
}

/* The directory part of path ("." when it has none) in a new string. */
static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

/* mkdir -p dir, mode 0755.  On failure *failed names the directory that
 * could not be made (a string owned by the caller, or NULL). */
static int make_dirs(const char *dir, char **failed)
{
	struct stat st;

	*failed = NULL;
	if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	char *d = strdup(dir);
	if (!d)
		return -ENOMEM;
	for (char *p = d + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;
		*p = '\0';
		if (mkdir(d, 0755) != 0 && errno != EEXIST) {
			int rc = -errno;
			*failed = d;
			return rc;
		}
		*p = c;
		if (c == '\0')
			break;
	}
	free(d);
	return 0;
}

/* ---- output ------------------------------------------------------------ */

static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (w == 0)
			return -EIO;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int fail(struct avro_writer *w, int rc, const char *op)
{
	if (w->error == 0) {
		w->error = rc;
		w->error_op = op;
	}
	return w->error;
}

static int flush_out(struct avro_writer *w)
{
	int rc = write_all(w->fd, w->out, w->out_used);

	if (rc < 0)
		return fail(w, rc, "write");
	w->out_used = 0;
	return 0;
}

static int put_out(struct avro_writer *w, const void *p, size_t n)
{
	int rc;

	w->file_bytes += n;
	if (w->out_used + n > OUT_BYTES) {
		if ((rc = flush_out(w)) < 0)
			return rc;
		if (n >= OUT_BYTES) {
			rc = write_all(w->fd, p, n);
			return rc < 0 ? fail(w, rc, "write") : 0;
		}
	}
	memcpy(w->out + w->out_used, p, n);
	w->out_used += n;
	return 0;
}

static size_t put_long(uint8_t *p, int64_t v)
{
	uint64_t z = ((uint64_t)v << 1) ^ (0 - ((uint64_t)v >> 63));
	size_t n = 0;

	while (z >= 0x80) {
		p[n++] = (uint8_t)(z | 0x80);
		z >>= 7;
	}
	p[n++] = (uint8_t)z;
	return n;
}

/* An Avro string or bytes: length, then the bytes. */
static int put_bytes(struct avro_writer *w, const void *p, size_t n)
{
	uint8_t len[VARINT_MAX_BYTES];
	int rc = put_out(w, len, put_long(len, (int64_t)n));

	return rc < 0 ? rc : put_out(w, p, n);
}

static int put_header(struct avro_writer *w, const char *schema_json)
{
	static const uint8_t magic[4] = {'O', 'b', 'j', 1};
	const char *codec = codec_names[w->codec];
	uint8_t count[VARINT_MAX_BYTES], end = 0;
	int rc;

	if ((rc = put_out(w, magic, sizeof magic)) < 0 ||
	    (rc = put_out(w, count, put_long(count, 2))) < 0 ||
	    (rc = put_bytes(w, "avro.codec", strlen("avro.codec"))) < 0 ||
	    (rc = put_bytes(w, codec, strlen(codec))) < 0 ||
	    (rc = put_bytes(w, "avro.schema", strlen("avro.schema"))) < 0 ||
	    (rc = put_bytes(w, schema_json, strlen(schema_json))) < 0 ||
	    (rc = put_out(w, &end, 1)) < 0 ||
	    (rc = put_out(w, w->sync, SYNC_BYTES)) < 0)
		return rc;
	return 0;
}

/* ---- blocks ------------------------------------------------------------ */

/* The compressed form of data[0..n) in w->zbuf, its size in *zlen. */
static int compress_block(struct avro_writer *w, const uint8_t *data, size_t n,
                          size_t *zlen)
{
	int rc = block_compress(w->codec, w->deflate, data, n, &w->zbuf,
	                        &w->zbuf_cap, zlen);
	if (rc == -ENOMEM)
		return fail(w, rc, "allocate a block for");
	if (rc < 0)
		return fail(w, rc,
		            w->codec == AVRO_CODEC_DEFLATE
		                ? "deflate a block of"
		                : "snappy-compress a block of");
	return 0;
}

/* A block's framing around its (compressed) payload. */
static int put_framed(struct avro_writer *w, const uint8_t *payload,
                      size_t plen, uint64_t count)
{
	uint8_t head[2 * VARINT_MAX_BYTES];
	size_t hlen = put_long(head, (int64_t)count);
	int rc;

	hlen += put_long(head + hlen, (int64_t)plen);
	if ((rc = put_out(w, head, hlen)) < 0 ||
	    (rc = put_out(w, payload, plen)) < 0 ||
	    (rc = put_out(w, w->sync, SYNC_BYTES)) < 0)
		return rc;
	return 0;
}

/* With a pool: wait for the oldest submitted block and write it. */
static int write_oldest(struct avro_writer *w)
{
	struct block_job *j = &w->jobs[w->first];
	int rc;

	block_pool_wait(w->pool, j);
	w->first = (w->first + 1) % POOL_JOBS;
	w->nsub--;
	if (j->rc < 0)
		return fail(w, j->rc, "compress a block of");
	if (w->error)
		return w->error;
	rc = put_framed(w, j->out, j->out_len, j->count);
	return rc;
}

/* With a pool: write every submitted block, in order. */
static int drain(struct avro_writer *w)
{
	int rc = 0;

	while (w->nsub) {
		int r = write_oldest(w);
		if (r < 0 && rc == 0)
			rc = r;
	}
	return rc;
}

/* One block of count records, serialized in data[0..n), compressed here. */
static int put_block(struct avro_writer *w, const uint8_t *data, size_t n,
                     uint64_t count)
{
	const uint8_t *payload = data;
	size_t plen = n;
	int rc;

	if (w->codec != AVRO_CODEC_NULL) {
		if ((rc = compress_block(w, data, n, &plen)) < 0)
			return rc;
		payload = w->zbuf;
	}
	return put_framed(w, payload, plen, count);
}

static int close_block(struct avro_writer *w)
{
	int rc = 0;

	if (w->block_count == 0)
		return 0;
	if (!w->pool) {
		rc = put_block(w, w->block, w->block_used, w->block_count);
	} else {
		struct block_job *j = &w->jobs[w->fill];
		j->in_len = w->block_used;
		j->count = w->block_count;
		block_pool_submit(w->pool, j);
		w->nsub++;
		w->fill = (w->fill + 1) % POOL_JOBS;
		if (w->nsub == POOL_JOBS)
			rc = write_oldest(w);
		w->block = w->jobs[w->fill].in;
	}
	w->block_used = 0;
	w->block_count = 0;
	return rc;
}

int avro_writer_append(struct avro_writer *w, const uint8_t *datum, size_t len)
{
	int rc;

	if (w->error)
		return w->error;
	if (w->block_used + len > w->block_cap && (rc = close_block(w)) < 0)
		return rc;
	if (len > w->block_cap) {
		/* too big for any block: a block of its own, after the
		 * blocks still being compressed */
		if ((w->pool && (rc = drain(w)) < 0) ||
		    (rc = put_block(w, datum, len, 1)) < 0)
			return rc;
	} else {
		memcpy(w->block + w->block_used, datum, len);
		w->block_used += len;
		w->block_count++;
	}
	w->records++;
	return 0;
}

uint64_t avro_writer_count(const struct avro_writer *w)
{
	return w->records;
}

/* ---- open, commit, abort ----------------------------------------------- */

static void writer_free(struct avro_writer *w)
{
	if (w->fd >= 0)
		close(w->fd);
	if (w->deflate)
		libdeflate_free_compressor(w->deflate);
	if (w->pool) {
		/* a worker may still hold a job: let it finish first */
		while (w->nsub) {
			block_pool_wait(w->pool, &w->jobs[w->first]);
			w->first = (w->first + 1) % POOL_JOBS;
			w->nsub--;
		}
		for (unsigned i = 0; i < POOL_JOBS; i++) {
			free(w->jobs[i].in);
			free(w->jobs[i].out);
		}
		w->block = NULL; /* it was jobs[fill].in */
	}
	free(w->block);
	free(w->zbuf);
	free(w->out);
	free(w->final_path);
	free(w->tmp_path);
	free(w);
}

static int random_sync(uint8_t *sync)
{
	size_t got = 0;

	while (got < SYNC_BYTES) {
		ssize_t n = getrandom(sync + got, SYNC_BYTES - got, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		got += (size_t)n;
	}
	return 0;
}

static int check_opts(const struct avro_writer_opts *opts,
                      const char *schema_json)
{
	if (!opts || !schema_json)
		return -EINVAL;
	if (!avro_codec_name(opts->codec))
		return -EINVAL;
	if (opts->codec == AVRO_CODEC_DEFLATE &&
	    (opts->deflate_level < 1 || opts->deflate_level > 12))
		return -EINVAL;
	if (opts->block_bytes < 1 || opts->block_bytes > MAX_BLOCK_BYTES)
		return -EINVAL;
	if (opts->pool && opts->codec != AVRO_CODEC_NULL &&
	    (block_pool_codec(opts->pool) != opts->codec ||
	     (opts->codec == AVRO_CODEC_DEFLATE &&
	      block_pool_level(opts->pool) != opts->deflate_level)))
		return -EINVAL;
	return 0;
}

struct avro_writer *avro_writer_open(const char *final_path,
                                     const char *schema_json,
                                     const struct avro_writer_opts *opts,
                                     struct umbra_err *err)
{
	struct avro_writer *w;
	char *dir, *failed;
	size_t tmp_len;
	int rc;

	if (check_opts(opts, schema_json) < 0) {
		umbra_err_set(err, -EINVAL,
		              "avro writer for %s: invalid options (codec %d, "
		              "deflate level %d, block size %zu)",
		              final_path, opts ? (int)opts->codec : -1,
		              opts ? opts->deflate_level : -1,
		              opts ? opts->block_bytes : 0);
		return NULL;
	}
	w = calloc(1, sizeof *w);
	if (!w)
		goto nomem;
	w->fd = -1;
	w->codec = opts->codec;
	w->block_cap = opts->block_bytes;
	tmp_len = strlen(final_path) + sizeof "..tmp";
	w->final_path = strdup(final_path);
	w->tmp_path = malloc(tmp_len);
	w->out = malloc(OUT_BYTES);
	if (!w->final_path || !w->tmp_path || !w->out)
		goto nomem;
	if (opts->pool && w->codec != AVRO_CODEC_NULL) {
		w->pool = opts->pool;
		for (unsigned i = 0; i < POOL_JOBS; i++)
			if (!(w->jobs[i].in = malloc(w->block_cap)))
				goto nomem;
		w->block = w->jobs[0].in;
	} else if (!(w->block = malloc(w->block_cap))) {
		goto nomem;
	}
	if (avro_writer_tmp_path(final_path, w->tmp_path, tmp_len) < 0) {
		umbra_err_set(err, -EINVAL,
		              "avro writer: %s is not a file name", final_path);
		writer_free(w);
		return NULL;
	}
	if (w->codec == AVRO_CODEC_DEFLATE) {
		w->deflate = libdeflate_alloc_compressor(opts->deflate_level);
		if (!w->deflate)
			goto nomem;
	}
	if (opts->sync) {
		memcpy(w->sync, opts->sync, SYNC_BYTES);
	} else if ((rc = random_sync(w->sync)) < 0) {
		umbra_err_set(err, rc, "avro writer for %s: getrandom: %s",
		              final_path, strerror(-rc));
		writer_free(w);
		return NULL;
	}

	dir = dir_of(final_path);
	if (!dir)
		goto nomem;
	rc = make_dirs(dir, &failed);
	free(dir);
	if (rc < 0) {
		umbra_err_set(err, rc, "cannot create directory %s for %s: %s",
		              failed ? failed : "", final_path, strerror(-rc));
		free(failed);
		writer_free(w);
		return NULL;
	}
	w->fd =
	    open(w->tmp_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (w->fd < 0) {
		rc = -errno;
		umbra_err_set(err, rc, "cannot create %s: %s", w->tmp_path,
		              strerror(-rc));
		writer_free(w);
		return NULL;
	}
	/* buffered only: errors show at the first flush */
	put_header(w, schema_json);
	return w;

nomem:
	umbra_err_set(err, -ENOMEM, "avro writer for %s: out of memory",
	              final_path);
	if (w)
		writer_free(w);
	return NULL;
}

static int fsync_dir_of(const char *path)
{
	char *dir = dir_of(path);
	int fd, rc = 0;

	if (!dir)
		return -ENOMEM;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	if (fd < 0)
		return -errno;
	if (fsync(fd) != 0)
		rc = -errno;
	close(fd);
	return rc;
}

int avro_writer_commit(struct avro_writer *w, uint64_t *bytes_out,
                       struct umbra_err *err)
{
	int rc;

	if (w->error || close_block(w) < 0 || (w->pool && drain(w) < 0) ||
	    flush_out(w) < 0)
		goto fail;
	if (fsync(w->fd) != 0) {
		fail(w, -errno, "fsync");
		goto fail;
	}
	rc = close(w->fd);
	w->fd = -1;
	if (rc != 0) {
		fail(w, -errno, "close");
		goto fail;
	}
	if (rename(w->tmp_path, w->final_path) != 0) {
		rc = -errno;
		umbra_err_set(err, rc, "cannot rename %s to %s: %s",
		              w->tmp_path, w->final_path, strerror(-rc));
		unlink(w->tmp_path);
		writer_free(w);
		return rc;
	}
	/* The file is complete under its final name; an error here only means
	 * the rename may not survive a crash. */
	rc = fsync_dir_of(w->final_path);
	if (rc < 0) {
		umbra_err_set(err, rc, "cannot fsync the directory of %s: %s",
		              w->final_path, strerror(-rc));
		writer_free(w);
		return rc;
	}
	if (bytes_out)
		*bytes_out = w->file_bytes;
	writer_free(w);
	return 0;

fail:
	rc = w->error;
	umbra_err_set(err, rc, "cannot %s %s: %s", w->error_op, w->tmp_path,
	              strerror(-rc));
	avro_writer_abort(w);
	return rc;
}

void avro_writer_abort(struct avro_writer *w)
{
	if (!w)
		return;
	if (w->fd >= 0) {
		close(w->fd);
		w->fd = -1;
	}
	unlink(w->tmp_path);
	writer_free(w);
}
