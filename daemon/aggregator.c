/* aggregator.c: an aggregator thread: count the packets of the sources it
 * owns into its flowtuple table; at each interval end, once every capture
 * thread's close marker has arrived, sort and encode the table (tagging
 * each source with the meta-data tables of metadata.h) and hand the run to
 * the merger.
 *
 * A ring whose head is a close marker is "parked" until the markers of every
 * ring have arrived: packets behind a marker belong to the next interval.
 */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#include "ftable.h"
#include "log.h"
#include "metadata.h"
#include "pipeline.h"

#define BURST 64

struct agg_state {
	struct pipeline *pl;
	uint32_t id;
	void *push;
	struct ftable *table;
	uint8_t parked[STATS_MAX_CAPTURE];
	int64_t mark_start, mark_next;
	uint32_t n_parked;
};

/* Drain ring c up to its next marker, in bursts of contiguous slots.
 * Returns slots consumed. */
static uint64_t drain(struct agg_state *s, uint32_t c)
{
	struct spsc_ring *r = pipeline_ring(s->pl, c, s->id);
	uint64_t avail = spsc_peek(r), done = 0;

	while (done < avail) {
		const struct ft_pkt *first = spsc_slot(r, done);
		/* contiguous up to the ring's end, at most a few bursts */
		uint64_t room = r->mask + 1 - ((r->c_tail + done) & r->mask);
		uint64_t n = avail - done;
		if (n > room)
			n = room;
		if (n > FTABLE_BURST)
			n = FTABLE_BURST;
		uint64_t k = 0;
		while (k < n && !(first[k].flags & FT_PKT_CTRL))
			k++;
		if (k)
			ftable_add_burst(s->table, first, (uint32_t)k);
		done += k;
		if (k < n) { /* a close marker */
			ctrl_read(&first[k], &s->mark_start, &s->mark_next);
			s->parked[c] = 1;
			s->n_parked++;
			done++;
			break;
		}
	}
	if (done)
		spsc_release(r, done);
	return done;
}

/* Every capture thread has closed mark_start: emit and hand over. */
static int close_interval(struct agg_state *s)
{
	struct pipe_msg msg = {0};
	struct ftrun *run;
	int rc;

	if (s->mark_start == INTERVAL_NONE)
		return 0; /* no interval was ever opened */
	run = atomic_exchange(&s->pl->spare_runs[s->id], NULL);
	if (run)
		ftrun_clear(run);
	else
		run = ftrun_new();
	if (!run)
		return -ENOMEM;
	run->agg = s->id;
	/* the meta-data tables once per emit: a reload swaps them between
	 * two emits, never during one (metadata.h) */
	rc = ftable_emit_meta(s->table, s->mark_start, run,
	                      metadata_acquire(s->id));
	metadata_release(s->id);
	if (rc < 0) {
		log_error("aggregator %u: cannot finish interval %lld: %s",
		          s->id, (long long)s->mark_start, strerror(-rc));
		atomic_store(&s->pl->failed, 1);
		/* hand over what was encoded: the merger writes it */
	}
	ftable_reset(s->table);
	msg.kind = MSG_RUN;
	msg.from = s->id;
	msg.start = s->mark_start;
	msg.next = s->mark_next;
	msg.run = run;
	atomic_store_explicit(&run->handed_over, 1, memory_order_release);
	if (pipe_send(s->push, &msg) < 0) {
		log_error("aggregator %u: cannot hand interval %lld to the "
		          "merger: %s",
		          s->id, (long long)s->mark_start,
		          zmq_strerror(zmq_errno()));
		ftrun_free(run);
		return -EIO;
	}
	return 0;
}

void *aggregator_main(void *arg)
{
	struct aggregator_args *a = arg;
	struct agg_state s;
	struct pipe_msg done = {0};
	unsigned idle = 0;
	memset(&s, 0, sizeof s);
	s.pl = a->pl;
	s.id = a->id;
	s.push = a->push;
	s.table = a->table;
	for (;;) {
		uint64_t got = 0;
		atomic_fetch_add_explicit(&s.pl->agg_gauges[s.id].beats, 1,
		                          memory_order_relaxed);
		for (uint32_t c = 0; c < s.pl->n_cap; c++)
			if (!s.parked[c])
				got += drain(&s, c);
		if (s.n_parked == s.pl->n_cap) {
			int last = s.mark_next == INTERVAL_NONE;
			if (close_interval(&s) < 0)
				atomic_store(&s.pl->failed, 1);
			memset(s.parked, 0, sizeof s.parked);
			s.n_parked = 0;
			if (last)
				break;
			continue;
		}
		if (got) {
			idle = 0;
		} else if (++idle < 32) {
			sched_yield();
		} else {
			struct timespec ts = {0, 100000};
			nanosleep(&ts, NULL);
		}
	}
	done.kind = MSG_AGG_DONE;
	done.from = s.id;
	pipe_send(s.push, &done);
	return NULL;
}
