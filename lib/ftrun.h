/* ftrun.h: one aggregator's sorted, encoded records of one interval, and the
 * k-way merge of several runs.
 *
 * An aggregator fills a run at each interval end and hands it (ownership and
 * all) to the merger, which merges the N runs of an interval into one sorted
 * stream of Avro-encoded records.  Sources are partitioned between the
 * aggregators, so the merge never sees the same key twice.
 */
#ifndef UMBRA_FTRUN_H
#define UMBRA_FTRUN_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

struct ftrun_key {
	uint64_t hi;  /* src_ip << 32 | dst_net */
	uint32_t lo;  /* protocol << 16 | dst_port */
	uint32_t end; /* offset just past this record in enc */
};

struct ftrun {
	int64_t start; /* interval start */
	uint32_t agg;  /* aggregator id */
	uint32_t nrec;
	uint64_t nsrc;  /* distinct source addresses */
	uint64_t npkts; /* packets counted */
	uint64_t oom_drops;
	uint64_t memory; /* bytes the aggregator's table held */
	/* Released by the aggregator once the run is complete, acquired by
	 * the merger: the pointer travels through ZeroMQ, whose own atomics
	 * thread sanitizers cannot see, so the handoff is also made explicit
	 * here (and it costs one atomic per interval). */
	_Atomic uint32_t handed_over;
	struct ftrun_key *keys;
	uint32_t key_cap;
	uint8_t *enc;
	size_t enc_len;
	size_t enc_cap;
};

/* Returns NULL on allocation failure. */
struct ftrun *ftrun_new(void);
void ftrun_free(struct ftrun *r);

/* Empty the run, keeping its buffers for reuse. */
void ftrun_clear(struct ftrun *r);

/* Make room for nrec more records and bytes more encoded bytes.  0/-ENOMEM */
int ftrun_reserve(struct ftrun *r, uint32_t nrec, size_t bytes);

static inline int ftrun_key_less(const struct ftrun_key *a,
                                 const struct ftrun_key *b)
{
	return a->hi < b->hi || (a->hi == b->hi && a->lo < b->lo);
}

#define FTRUN_MERGE_MAX 256

struct ftrun_merge {
	struct ftrun *const *runs;
	uint32_t n;
	uint32_t pos[FTRUN_MERGE_MAX];
};

/* Merge n (<= FTRUN_MERGE_MAX) sorted runs. */
void ftrun_merge_init(struct ftrun_merge *m, struct ftrun *const *runs,
                      uint32_t n);

/* Next record in key order: 1 with datum and len set, 0 when done. */
int ftrun_merge_next(struct ftrun_merge *m, const uint8_t **datum, size_t *len);

#endif
