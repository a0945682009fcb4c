/* block_pool.c: block compression and its worker threads (block_pool.h). */
#include "block_pool.h"

#include <errno.h>
#include <libdeflate.h>
#include <pthread.h>
#include <snappy-c.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static int grow(uint8_t **buf, size_t *cap, size_t need)
{
	if (need <= *cap)
		return 0;
	uint8_t *b = realloc(*buf, need);
	if (!b)
		return -ENOMEM;
	*buf = b;
	*cap = need;
	return 0;
}

int block_compress(enum avro_codec codec, struct libdeflate_compressor *dc,
                   const uint8_t *in, size_t n, uint8_t **out, size_t *cap,
                   size_t *zlen)
{
	if (codec == AVRO_CODEC_DEFLATE) {
		size_t bound = libdeflate_deflate_compress_bound(dc, n);
		if (grow(out, cap, bound) < 0)
			return -ENOMEM;
		*zlen = libdeflate_deflate_compress(dc, in, n, *out, *cap);
		return *zlen ? 0 : -EIO;
	}
	if (codec == AVRO_CODEC_SNAPPY) {
		size_t c = snappy_max_compressed_length(n);
		if (grow(out, cap, c + 4) < 0)
			return -ENOMEM;
		if (snappy_compress((const char *)in, n, (char *)*out, &c) !=
		    SNAPPY_OK)
			return -EIO;
		uint32_t crc = (uint32_t)crc32_z(0, in, n);
		(*out)[c] = (uint8_t)(crc >> 24);
		(*out)[c + 1] = (uint8_t)(crc >> 16);
		(*out)[c + 2] = (uint8_t)(crc >> 8);
		(*out)[c + 3] = (uint8_t)crc;
		*zlen = c + 4;
		return 0;
	}
	return -EINVAL;
}

struct block_pool {
	pthread_mutex_t lock;
	pthread_cond_t work; /* a job was queued, or stop */
	pthread_cond_t done; /* a job finished */
	struct block_job *head, *tail;
	int stop;
	enum avro_codec codec;
	int level;
	unsigned nthreads;
	pthread_t *threads;
};

static void *worker(void *arg)
{
	struct block_pool *p = arg;
	struct libdeflate_compressor *dc = NULL;

	if (p->codec == AVRO_CODEC_DEFLATE)
		dc = libdeflate_alloc_compressor(p->level);
	pthread_mutex_lock(&p->lock);
	for (;;) {
		while (!p->head && !p->stop)
			pthread_cond_wait(&p->work, &p->lock);
		if (!p->head)
			break; /* stop, and nothing left */
		struct block_job *j = p->head;
		p->head = j->next;
		if (!p->head)
			p->tail = NULL;
		pthread_mutex_unlock(&p->lock);
		j->rc = p->codec == AVRO_CODEC_DEFLATE && !dc
		            ? -ENOMEM
		            : block_compress(p->codec, dc, j->in, j->in_len,
		                             &j->out, &j->out_cap, &j->out_len);
		pthread_mutex_lock(&p->lock);
		j->done = 1;
		pthread_cond_broadcast(&p->done);
	}
	pthread_mutex_unlock(&p->lock);
	if (dc)
		libdeflate_free_compressor(dc);
	return NULL;
}

struct block_pool *block_pool_new(unsigned threads, enum avro_codec codec,
                                  int level, struct umbra_err *err)
{
	struct block_pool *p = calloc(1, sizeof *p);

	if (!p || !threads || codec == AVRO_CODEC_NULL) {
		free(p);
		umbra_err_set(err, -EINVAL, "block pool: %s",
		              p ? "nothing to compress" : "out of memory");
		return NULL;
	}
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->done, NULL);
	p->codec = codec;
	p->level = level;
	p->threads = calloc(threads, sizeof *p->threads);
	if (!p->threads) {
		block_pool_free(p);
		umbra_err_set(err, -ENOMEM, "block pool: out of memory");
		return NULL;
	}
	for (; p->nthreads < threads; p->nthreads++) {
		if (pthread_create(&p->threads[p->nthreads], NULL, worker, p)) {
			block_pool_free(p);
			umbra_err_set(err, -EAGAIN,
			              "block pool: cannot start thread");
			return NULL;
		}
		pthread_setname_np(p->threads[p->nthreads], "umbra-deflate");
	}
	return p;
}

void block_pool_free(struct block_pool *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	p->stop = 1;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->lock);
	for (unsigned i = 0; i < p->nthreads; i++)
		pthread_join(p->threads[i], NULL);
	free(p->threads);
	pthread_cond_destroy(&p->work);
	pthread_cond_destroy(&p->done);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

enum avro_codec block_pool_codec(const struct block_pool *p)
{
	return p->codec;
}

int block_pool_level(const struct block_pool *p)
{
	return p->level;
}

void block_pool_submit(struct block_pool *p, struct block_job *job)
{
	job->done = 0;
	job->rc = 0;
	job->next = NULL;
	pthread_mutex_lock(&p->lock);
	if (p->tail)
		p->tail->next = job;
	else
		p->head = job;
	p->tail = job;
	pthread_cond_signal(&p->work);
	pthread_mutex_unlock(&p->lock);
}

void block_pool_wait(struct block_pool *p, struct block_job *job)
{
	pthread_mutex_lock(&p->lock);
	while (!job->done)
		pthread_cond_wait(&p->done, &p->lock);
	pthread_mutex_unlock(&p->lock);
}
