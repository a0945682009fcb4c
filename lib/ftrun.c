/* ftrun.c: sorted runs and their k-way merge (see ftrun.h). */
#include "ftrun.h"

#include <errno.h>
#include <stdlib.h>

struct ftrun *ftrun_new(void)
{
	return calloc(1, sizeof(struct ftrun));
}

void ftrun_free(struct ftrun *r)
{
	if (!r)
		return;
	free(r->keys);
	free(r->enc);
	free(r);
}

void ftrun_clear(struct ftrun *r)
{
	r->start = 0;
	r->nrec = 0;
	r->nsrc = 0;
	r->npkts = 0;
	r->oom_drops = 0;
	r->memory = 0;
	r->enc_len = 0;
	atomic_store_explicit(&r->handed_over, 0, memory_order_relaxed);
}

int ftrun_reserve(struct ftrun *r, uint32_t nrec, size_t bytes)
{
	if ((uint64_t)r->nrec + nrec > r->key_cap) {
		uint64_t cap = r->key_cap ? r->key_cap : 1024;
		while (cap < (uint64_t)r->nrec + nrec)
			cap *= 2;
		if (cap > UINT32_MAX)
			return -ENOMEM;
		void *k = realloc(r->keys, cap * sizeof *r->keys);
		if (!k)
			return -ENOMEM;
		r->keys = k;
		r->key_cap = (uint32_t)cap;
	}
	if (r->enc_len + bytes > r->enc_cap) {
		size_t cap = r->enc_cap ? r->enc_cap : 65536;
		while (cap < r->enc_len + bytes)
			cap *= 2;
		if (cap > UINT32_MAX)
			return -ENOMEM; /* keys hold 32-bit offsets */
		void *e = realloc(r->enc, cap);
		if (!e)
			return -ENOMEM;
		r->enc = e;
		r->enc_cap = cap;
	}
	return 0;
}

void ftrun_merge_init(struct ftrun_merge *m, struct ftrun *const *runs,
                      uint32_t n)
{
	m->runs = runs;
	m->n = n > FTRUN_MERGE_MAX ? FTRUN_MERGE_MAX : n;
	for (uint32_t i = 0; i < m->n; i++)
		m->pos[i] = 0;
}

int ftrun_merge_next(struct ftrun_merge *m, const uint8_t **datum, size_t *len)
{
	int best = -1;
	const struct ftrun_key *bk = NULL;

	/* N is the aggregator count (a handful): a linear scan of the heads
	 * beats a heap at that size. */
	for (uint32_t i = 0; i < m->n; i++) {
		const struct ftrun *r = m->runs[i];
		if (m->pos[i] >= r->nrec)
			continue;
		const struct ftrun_key *k = &r->keys[m->pos[i]];
		if (!bk || ftrun_key_less(k, bk)) {
			bk = k;
			best = (int)i;
		}
	}
	if (best < 0)
		return 0;
	const struct ftrun *r = m->runs[best];
	uint32_t p = m->pos[best];
	uint32_t begin = p ? r->keys[p - 1].end : 0;
	*datum = r->enc + begin;
	*len = r->keys[p].end - begin;
	m->pos[best] = p + 1;
	return 1;
}
