/* capture_thread.c: a capture thread: read frames, drive the interval clock,
 * decode each packet once and push it to the aggregator owning its source.
 *
 * It never loses a packet: when an aggregator's ring is full the thread
 * waits for room.  A file can wait; live capture (issue 3) will count such
 * packets as queue drops instead, so queue_drops is 0 for now.
 * A stop request (SIGINT/SIGTERM) is seen between packets: a read that
 * blocks (a pipe on standard input) delays it until data or EOF arrives.
 */
#include <errno.h>
#include <sched.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#include "capture.h"
#include "decode.h"
#include "interval.h"
#include "log.h"
#include "pipeline.h"

#define FLUSH_EVERY      32
#define STOP_CHECK_EVERY 1024

struct cap_state {
	struct pipeline *pl;
	uint32_t id;
	void *push;
	struct interval_clock clock;
	struct capture_counters cnt;
	uint32_t unflushed[256];
};

static void flush_all(struct cap_state *s)
{
	for (uint32_t a = 0; a < s->pl->n_agg; a++) {
		if (s->unflushed[a]) {
			spsc_flush(pipeline_ring(s->pl, s->id, a));
			s->unflushed[a] = 0;
		}
	}
}

/* Wait until ring r has a free slot (flushing first so the aggregator can
 * make progress).  Backs off from spinning to short sleeps. */
static __attribute__((noinline)) void wait_room(struct cap_state *s,
                                                struct spsc_ring *r)
{
	unsigned spins = 0;

	flush_all(s);
	while (spsc_free_slots(r) == 0) {
		if (++spins < 64) {
			sched_yield();
		} else {
			struct timespec ts = {0, 50000};
			nanosleep(&ts, NULL);
		}
	}
}

static inline void push_pkt(struct cap_state *s, uint32_t agg,
                            const struct ft_pkt *p)
{
	struct spsc_ring *r = pipeline_ring(s->pl, s->id, agg);

	if (__builtin_expect(spsc_free_slots(r) == 0, 0))
		wait_room(s, r);
	spsc_push(r, p);
	if (++s->unflushed[agg] >= FLUSH_EVERY) {
		spsc_flush(r);
		s->unflushed[agg] = 0;
	}
}

/* Close interval `start` everywhere; `next` opens (INTERVAL_NONE: the end). */
static void close_interval(struct cap_state *s, int64_t start, int64_t next)
{
	struct ft_pkt m;
	struct pipe_msg msg = {0};

	ctrl_make(&m, start, next);
	for (uint32_t a = 0; a < s->pl->n_agg; a++) {
		struct spsc_ring *r = pipeline_ring(s->pl, s->id, a);
		if (spsc_free_slots(r) == 0)
			wait_room(s, r);
		spsc_push(r, &m);
		s->unflushed[a]++;
	}
	flush_all(s);
	if (start == INTERVAL_NONE)
		return;
	msg.kind = MSG_CAPTURE_STATS;
	msg.from = s->id;
	msg.start = start;
	msg.next = next;
	msg.cnt = s->cnt;
	if (pipe_send(s->push, &msg) < 0)
		log_error("capture %u: cannot hand interval stats to the "
		          "merger: %s",
		          s->id, zmq_strerror(zmq_errno()));
	memset(&s->cnt, 0, sizeof s->cnt);
}

static inline void count_class(struct cap_state *s, enum umbra_pkt_class cls,
                               const struct ft_pkt *p)
{
	switch (cls) {
	case UMBRA_PKT_IPV4:
		s->cnt.ipv4++;
		s->cnt.ip_bytes += p->ip_len;
		if (p->proto == 6)
			s->cnt.tcp++;
		else if (p->proto == 17)
			s->cnt.udp++;
		else if (p->proto == 1)
			s->cnt.icmp++;
		else
			s->cnt.other++;
		break;
	case UMBRA_PKT_IPV6:
		s->cnt.ipv6++;
		break;
	case UMBRA_PKT_NONIP:
		s->cnt.non_ip++;
		break;
	default:
		s->cnt.malformed++;
		break;
	}
}

/* Read one input to its end.  Returns 0, or -1 if it failed (logged). */
static int read_input(struct cap_state *s, const char *uri)
{
	const char *rest;
	const struct capture_ops *ops = capture_pick(uri, &rest);
	struct umbra_err err = {{0}};
	struct capture_src *src = ops->open(rest, &err);
	struct umbra_frame f;
	uint64_t n = 0;
	int rc, ret = 0;

	if (!src) {
		log_error("%s", err.msg);
		return -1;
	}
	log_info("capture %u: reading %s (%s backend)", s->id, uri, ops->name);
	for (;;) {
		if (__builtin_expect(n % STOP_CHECK_EVERY == 0, 0) &&
		    atomic_load_explicit(&s->pl->stop, memory_order_relaxed)) {
			log_info(
			    "capture %u: stopping %s on request after %llu "
			    "packets",
			    s->id, uri, (unsigned long long)n);
			break;
		}
		rc = ops->next(src, &f, &err);
		if (__builtin_expect(rc <= 0, 0)) {
			if (rc == -ENODATA) {
				log_warn("%s", err.msg);
			} else if (rc < 0) {
				log_error("%s", err.msg);
				ret = -1;
			}
			break;
		}
		n++;
		if (__builtin_expect(f.has_ts, 1)) {
			int64_t closed;
			switch (interval_clock_place(&s->clock, f.ts_sec,
			                             &closed)) {
			case INTERVAL_IN:
			case INTERVAL_FIRST:
				break;
			case INTERVAL_ADVANCE:
				close_interval(s, closed, s->clock.open);
				break;
			case INTERVAL_LATE:
				s->cnt.late++;
				break;
			case INTERVAL_BAD:
				s->cnt.bad_time++;
				break;
			}
		}
		s->cnt.total++;
		s->cnt.wire_bytes += f.wirelen;

		struct ft_pkt p;
		enum umbra_pkt_class cls = umbra_decode(&f, &p);
		count_class(s, cls, &p);
		if (cls == UMBRA_PKT_IPV4)
			push_pkt(s, umbra_src_hash(p.src_ip, s->pl->n_agg), &p);
	}
	s->cnt.backend_drops += ops->drops(src);
	ops->close(src);
	log_info("capture %u: %s: %llu packets", s->id, uri,
	         (unsigned long long)n);
	return ret;
}

void *capture_thread_main(void *arg)
{
	struct capture_thread_args *a = arg;
	struct cap_state s;
	struct pipe_msg done = {0};

	memset(&s, 0, sizeof s);
	s.pl = a->pl;
	s.id = a->id;
	interval_clock_init(&s.clock, a->pl->cfg->interval,
	                    a->pl->cfg->max_time_jump);
	s.push = a->push;
	for (size_t i = 0; i < a->inputs->n; i++) {
		if (atomic_load(&s.pl->stop))
			break;
		if (read_input(&s, a->inputs->items[i]) < 0)
			atomic_store(&s.pl->failed, 1);
	}
	if (s.clock.started) {
		close_interval(&s, s.clock.open, INTERVAL_NONE);
	} else {
		if (s.cnt.total)
			log_warn("capture %u: %llu frames without a timestamp "
			         "and no interval to count them in",
			         s.id, (unsigned long long)s.cnt.total);
		close_interval(&s, INTERVAL_NONE, INTERVAL_NONE);
	}
	done.kind = MSG_CAPTURE_DONE;
	done.from = s.id;
	pipe_send(s.push, &done);
	return NULL;
}
