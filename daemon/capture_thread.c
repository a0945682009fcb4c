/* capture_thread.c: a capture thread: read frames, drive the interval clock,
 * decode each packet once, apply the rules (rules.h) and push what they let
 * through to the aggregator owning its source.  A packet a rule refuses is
 * counted (by rule kind and class) and goes no further.
 *
 * Files: when an aggregator's ring is full the thread waits for room, so a
 * file loses no packet.  Live capture cannot wait without bound: the thread
 * waits at most LIVE_WAIT_MS for room (the kernel ring or the NIC buffers
 * meanwhile), then drops the packet and counts it as a queue drop; while
 * that ring stays full its packets are dropped at once.
 * Live threads also close intervals by wall clock (see pipeline.h), and
 * come back from the backend every CAPTURE_POLL_MS to do so and to see a
 * stop request.  File inputs see a stop request between packets, and a
 * read that waits for data (a pipe, a fifo) is interrupted by the signal
 * thread (SIGURG to this thread; capfile_set_interrupt()).  bzip2 and xz
 * input, read by libwandio, is not interrupted.
 */
#include <errno.h>
#include <sched.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#include "capture.h"
#include "clock.h"
#include "decode.h"
#include "interval.h"
#include "log.h"
#include "pipeline.h"
#include "rules.h"

#define FLUSH_EVERY      32
#define STOP_CHECK_EVERY 1024 /* packets between stop checks and live ticks */
#define LIVE_WAIT_MS     20   /* live: longest wait for room in a ring */
#define MAX_AGG          256
#define NTAGS            (1u << UMBRA_CLASS__COUNT) /* ft_pkt.classes values */

struct cap_state {
	struct pipeline *pl;
	const struct umbra_rules *rules; /* NULL: aggregate every packet */
	/* packets per value of ft_pkt.classes in the open interval: every
	 * valid IPv4 packet in row 0, those rule kind k refused in row k + 1.
	 * One increment a packet, whatever its classes; spread over the
	 * classes when the interval closes (fold_tags). */
	uint64_t (*tags)[NTAGS];
	uint32_t id;
	void *push;
	int live;
	struct interval_clock clock;
	struct capture_counters cnt;  /* the open interval's */
	struct capture_counters life; /* since start, for the gauge */
	uint32_t unflushed[MAX_AGG];
	uint8_t stalled[MAX_AGG]; /* live: ring full, dropping until room */
	/* the source being read and its drops already counted */
	const struct capture_ops *ops;
	struct capture_src *src;
	struct capture_drops drops_seen;
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
 * make progress), for at most max_ms (< 0: without bound).  Backs off from
 * spinning to short sleeps.  Returns 1 if there is room. */
static __attribute__((noinline)) int
wait_room(struct cap_state *s, struct spsc_ring *r, double max_ms)
{
	unsigned spins = 0;
	double deadline = max_ms >= 0 ? mono_now() * 1e3 + max_ms : 0;

	flush_all(s);
	while (spsc_free_slots(r) == 0) {
		if (++spins < 64) {
			sched_yield();
		} else {
			struct timespec ts = {0, 50000};
			nanosleep(&ts, NULL);
			if (max_ms >= 0 && (spins & 15) == 0 &&
			    mono_now() * 1e3 > deadline)
				return 0;
		}
	}
	return 1;
}

/* Live: ring agg is full.  Returns 1 if the packet can go in after all. */
static __attribute__((noinline)) int
live_full(struct cap_state *s, uint32_t agg, struct spsc_ring *r)
{
	if (!s->stalled[agg] && wait_room(s, r, LIVE_WAIT_MS))
		return 1;
	if (!s->stalled[agg])
		log_warn("capture %u: aggregator %u's queue is full: dropping "
		         "its packets until there is room (counted as "
		         "queue_drops)",
		         s->id, agg);
	s->stalled[agg] = 1;
	s->cnt.queue_drops++;
	return 0;
}

static inline void push_pkt(struct cap_state *s, uint32_t agg,
                            const struct ft_pkt *p)
{
	struct spsc_ring *r = pipeline_ring(s->pl, s->id, agg);

	if (__builtin_expect(spsc_free_slots(r) == 0, 0)) {
		if (!s->live)
			wait_room(s, r, -1);
		else if (!live_full(s, agg, r))
			return;
	} else if (__builtin_expect(s->stalled[agg], 0)) {
		s->stalled[agg] = 0;
	}
	spsc_push(r, p);
	if (++s->unflushed[agg] >= FLUSH_EVERY) {
		spsc_flush(r);
		s->unflushed[agg] = 0;
	}
}

/* Move the source's new drops into the open interval's counters. */
static void take_drops(struct cap_state *s)
{
	struct capture_drops d;
	uint64_t k, n, b;

	if (!s->src)
		return;
	s->ops->drops(s->src, &d);
	k = d.kernel - s->drops_seen.kernel;
	n = d.nic - s->drops_seen.nic;
	b = d.nombuf - s->drops_seen.nombuf;
	s->drops_seen = d;
	s->cnt.kernel_drops += k;
	s->cnt.nic_drops += n;
	s->cnt.nombuf_drops += b;
	s->cnt.backend_drops += k + n + b;
}

/* Publish the running totals for the heartbeat (relaxed: a gauge). */
static void update_gauge(struct cap_state *s)
{
	struct capture_gauge *g = &s->pl->gauges[s->id];
	uint64_t bd = s->life.backend_drops + s->cnt.backend_drops;
	uint64_t qd = s->life.queue_drops + s->cnt.queue_drops;

	atomic_store_explicit(&g->packets, s->life.total + s->cnt.total,
	                      memory_order_relaxed);
	atomic_store_explicit(&g->backend_drops, bd, memory_order_relaxed);
	atomic_store_explicit(&g->queue_drops, qd, memory_order_relaxed);
	atomic_store_explicit(&g->open, s->clock.open, memory_order_relaxed);
	atomic_fetch_add_explicit(&g->ticks, 1, memory_order_relaxed);
}

/* Spread the open interval's tag counts over the classes, and clear them. */
static void fold_tags(struct cap_state *s)
{
	uint32_t rows = s->rules ? 1 + UMBRA_RULE__COUNT : 1;

	for (uint32_t r = 0; r < rows; r++) {
		uint64_t *cls =
		    r ? s->cnt.rule_class_drops[r - 1] : s->cnt.classes;
		for (uint32_t t = 0; t < NTAGS; t++) {
			uint64_t n = s->tags[r][t];
			if (!n)
				continue;
			s->tags[r][t] = 0;
			for (uint32_t m = t; m; m &= m - 1)
				cls[__builtin_ctz(m)] += n;
		}
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
			wait_room(s, r, -1); /* a marker is never dropped */
		spsc_push(r, &m);
		s->unflushed[a]++;
	}
	flush_all(s);
	if (start == INTERVAL_NONE)
		return;
	take_drops(s);
	fold_tags(s);
	msg.kind = MSG_CAPTURE_STATS;
	msg.from = s->id;
	msg.start = start;
	msg.next = next;
	msg.cnt = s->cnt;
	if (pipe_send(s->push, &msg) < 0)
		log_error("capture %u: cannot hand interval stats to the "
		          "merger: %s",
		          s->id, zmq_strerror(zmq_errno()));
	capture_counters_add(&s->life, &s->cnt);
	memset(&s->cnt, 0, sizeof s->cnt);
	update_gauge(s);
}

/* Live: close every interval from `from` up to (not including) `to`, one
 * marker each, so that every live thread sends the same sequence. */
static void close_upto(struct cap_state *s, int64_t from, int64_t to)
{
	const int64_t L = s->clock.len;

	for (int64_t x = from; x < to; x += L)
		close_interval(s, x, x + L);
	s->clock.open = to;
	int64_t cur = atomic_load(&s->pl->live_open_max);
	while (cur < to &&
	       !atomic_compare_exchange_weak(&s->pl->live_open_max, &cur, to))
		;
}

/* Live: close what the wall clock says is over (end + close_grace), and
 * show the running totals. */
static void live_tick(struct cap_state *s)
{
	struct timespec now;
	int64_t target;

	clock_gettime(CLOCK_REALTIME, &now);
	target = interval_start((int64_t)now.tv_sec -
	                            (int64_t)s->pl->cfg->close_grace,
	                        s->clock.len);
	if (target > s->clock.open)
		close_upto(s, s->clock.open, target);
	update_gauge(s);
}

static inline void count_class(struct cap_state *s, enum umbra_pkt_class cls,
                               const struct ft_pkt *p)
{
	switch (cls) {
	case UMBRA_PKT_IPV4:
		s->tags[0][p->classes & (NTAGS - 1)]++;
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

/* Place a packet on the clock: close what it closes, count it. */
static inline void place(struct cap_state *s, const struct umbra_frame *f)
{
	int64_t closed;

	switch (interval_clock_place(&s->clock, f->ts_sec, &closed)) {
	case INTERVAL_IN:
	case INTERVAL_FIRST:
		break;
	case INTERVAL_ADVANCE:
		if (s->live) {
			int64_t to = s->clock.open;
			s->clock.open = closed;
			close_upto(s, closed, to);
		} else {
			close_interval(s, closed, s->clock.open);
		}
		break;
	case INTERVAL_LATE:
		s->cnt.late++;
		break;
	case INTERVAL_BAD:
		s->cnt.bad_time++;
		break;
	}
}

/* A packet the rule kind k keeps from aggregation: counted, not pushed. */
static inline void refused(struct cap_state *s, int k, const struct ft_pkt *p)
{
	s->cnt.rule_drops[k]++;
	s->tags[k + 1][p->classes & (NTAGS - 1)]++;
}

/* Count, decode, apply the rules and hand over one frame. */
static inline void handle(struct cap_state *s, const struct umbra_frame *f)
{
	struct ft_pkt p;
	enum umbra_pkt_class cls;
	uint32_t ip_off;

	if (__builtin_expect(f->has_ts, 1))
		place(s, f);
	s->cnt.total++;
	s->cnt.wire_bytes += f->wirelen;
	cls = umbra_decode_at(f, &p, &ip_off);
	count_class(s, cls, &p);
	if (cls != UMBRA_PKT_IPV4)
		return;
	if (s->rules) {
		int k = umbra_rules_refuse(s->rules, &p, f, ip_off);
		if (k >= 0) {
			refused(s, k, &p);
			return;
		}
	}
	push_pkt(s, umbra_src_hash(p.src_ip, s->pl->n_agg), &p);
}

static int stop_requested(struct cap_state *s)
{
	return atomic_load_explicit(&s->pl->stop, memory_order_relaxed);
}

/* Read one file input to its end.  Returns 0, or -1 if it failed (logged). */
static int read_file(struct cap_state *s, const char *uri)
{
	const char *rest;
	struct umbra_err err = {{0}};
	const struct capture_ops *ops = capture_pick(uri, &rest, &err);
	struct capture_src *src;
	struct umbra_frame f;
	uint64_t n = 0;
	int rc, ret = 0;

	if (!ops || ops->live) { /* pipeline_run checked: not reached */
		log_error("%s", ops ? "a live input among files" : err.msg);
		return -1;
	}
	src = ops->open(rest, s->pl->cfg, NULL, 0, 1, &err);
	if (!src) {
		if (stop_requested(s)) { /* a blocked open, interrupted */
			log_info("capture %u: %s: stopped on request before "
			         "any packet",
			         s->id, uri);
			return 0;
		}
		log_error("%s", err.msg);
		return -1;
	}
	s->ops = ops;
	s->src = src;
	s->drops_seen = (struct capture_drops){0};
	log_info("capture %u: reading %s (%s backend)", s->id, uri, ops->name);
	for (;;) {
		if (__builtin_expect(n % STOP_CHECK_EVERY == 0, 0) &&
		    stop_requested(s)) {
			log_info(
			    "capture %u: stopping %s on request after %llu "
			    "packets",
			    s->id, uri, (unsigned long long)n);
			break;
		}
		rc = ops->next(src, &f, &err);
		if (__builtin_expect(rc <= 0, 0)) {
			if (rc == -EINTR && stop_requested(s)) {
				log_info("capture %u: stopping %s on request "
				         "after %llu packets (its read was "
				         "waiting for data)",
				         s->id, uri, (unsigned long long)n);
			} else if (rc == -ENODATA) {
				log_warn("%s", err.msg);
			} else if (rc < 0) {
				log_error("%s", err.msg);
				ret = -1;
			}
			break;
		}
		n++;
		handle(s, &f);
		if (__builtin_expect(n % STOP_CHECK_EVERY == 0, 0))
			update_gauge(s);
	}
	take_drops(s);
	update_gauge(s);
	s->src = NULL;
	ops->close(src);
	log_info("capture %u: %s: %llu packets", s->id, uri,
	         (unsigned long long)n);
	return ret;
}

/* Read a live queue until a stop request.  Returns 0, or -1 if the input
 * failed (logged; the whole daemon then stops). */
static int read_live(struct cap_state *s, const char *uri)
{
	struct umbra_err err = {{0}};
	struct umbra_frame f;
	uint64_t n = 0;
	int rc, ret = 0;

	log_info("capture %u: capturing on %s, queue %u (%s backend)", s->id,
	         uri, s->pl->cap_queue[s->id], s->ops->name);
	for (;;) {
		rc = s->ops->next(s->src, &f, &err);
		if (rc == -EAGAIN) {
			live_tick(s);
			if (stop_requested(s))
				break;
			continue;
		}
		if (__builtin_expect(rc <= 0, 0)) {
			if (rc < 0 && rc != -ENODATA) {
				log_error("%s", err.msg);
				ret = -1;
			} else {
				log_warn("capture %u: %s ended", s->id, uri);
			}
			break;
		}
		if (__builtin_expect(++n % STOP_CHECK_EVERY == 0, 0)) {
			live_tick(s);
			if (stop_requested(s))
				break;
		}
		handle(s, &f);
	}
	log_info("capture %u: %s queue %u: %llu packets", s->id, uri,
	         s->pl->cap_queue[s->id], (unsigned long long)n);
	return ret;
}

/* Live threads at the end: wait for every live thread, catch up to the
 * furthest interval any of them opened, and close it. */
static void live_finish(struct cap_state *s)
{
	int64_t final;

	atomic_fetch_add(&s->pl->live_stopping, 1);
	while (atomic_load(&s->pl->live_stopping) < s->pl->n_live) {
		struct timespec ts = {0, 1000000};
		nanosleep(&ts, NULL);
	}
	final = atomic_load(&s->pl->live_open_max);
	if (final > s->clock.open)
		close_upto(s, s->clock.open, final);
	close_interval(s, s->clock.open, INTERVAL_NONE);
}

void *capture_thread_main(void *arg)
{
	struct capture_thread_args *a = arg;
	struct cap_state s;
	/* 224 KiB on this thread's stack (8 MiB by default): nothing to fail */
	uint64_t tags[1 + UMBRA_RULE__COUNT][NTAGS];
	struct pipe_msg done = {0};

	memset(&s, 0, sizeof s);
	s.pl = a->pl;
	s.rules = a->pl->rules;
	memset(tags, 0, sizeof tags);
	s.tags = tags;
	s.id = a->id;
	s.push = a->push;
	interval_clock_init(&s.clock, a->pl->cfg->interval,
	                    a->pl->cfg->max_time_jump);
	if (a->src) { /* live: every thread starts on the same interval */
		s.live = 1;
		s.ops = a->ops;
		s.src = a->src;
		s.clock.open = a->pl->first_interval;
		s.clock.started = 1;
		update_gauge(&s);
		if (read_live(&s, a->uri) < 0) {
			atomic_store(&s.pl->failed, 1);
			if (!atomic_exchange(&s.pl->stop, 1))
				log_error("capture %u: %s failed: stopping "
				          "every capture",
				          s.id, a->uri);
		}
		live_finish(&s);
		s.src = NULL; /* closed by pipeline_run */
	} else {
		for (size_t i = 0; i < a->inputs->n; i++) {
			if (stop_requested(&s))
				break;
			if (read_file(&s, a->inputs->items[i]) < 0)
				atomic_store(&s.pl->failed, 1);
		}
		if (s.clock.started) {
			close_interval(&s, s.clock.open, INTERVAL_NONE);
		} else {
			if (s.cnt.total)
				log_warn("capture %u: %llu frames without a "
				         "timestamp and no interval to count "
				         "them in",
				         s.id, (unsigned long long)s.cnt.total);
			close_interval(&s, INTERVAL_NONE, INTERVAL_NONE);
		}
	}
	done.kind = MSG_CAPTURE_DONE;
	done.from = s.id;
	pipe_send(s.push, &done);
	pipeline_capture_exited(s.pl, s.id);
	return NULL;
}
