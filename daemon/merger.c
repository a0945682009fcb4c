/* merger.c: the merger thread: collect every aggregator's run and every
 * capture thread's counters for an interval, merge the runs in key order
 * into the interval's file, then publish and log the interval's stats.
 *
 * The only thread that blocks on the disk: aggregators hand over their runs
 * and go on counting the next interval.  Intervals reach their files through
 * the backlog (backlog.h), which keeps them in memory and retries while the
 * output cannot be written, so a broken disk never stops the merger from
 * draining the aggregators.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#include "backlog.h"
#include "clock.h"
#include "ftrun.h"
#include "heartbeat.h"
#include "log.h"
#include "notify.h"
#include "output.h"
#include "pipeline.h"

#define STATS_TOPIC "umbra.interval"

struct pending {
	int64_t start;
	int64_t next;
	uint32_t nruns;
	uint32_t nstats;
	struct ftrun **runs;              /* [n_agg] */
	struct capture_counters *per_cap; /* [n_cap] */
};

struct merger {
	struct pipeline *pl;
	void *pub;
	struct output out;
	struct backlog bl;
	struct backlog_outcome oc; /* of the interval being written */
	struct pending *pend;
	size_t npend, cappend;
	uint32_t agg_done, cap_done;
	uint64_t intervals;
};

static struct pending *pending_get(struct merger *m, int64_t start)
{
	size_t i;

	for (i = 0; i < m->npend; i++)
		if (m->pend[i].start == start)
			return &m->pend[i];
	if (m->npend == m->cappend) {
		size_t cap = m->cappend ? 2 * m->cappend : 8;
		void *p = realloc(m->pend, cap * sizeof *m->pend);
		if (!p)
			return NULL;
		m->pend = p;
		m->cappend = cap;
	}
	struct pending *p = &m->pend[m->npend];
	memset(p, 0, sizeof *p);
	p->start = start;
	p->next = INTERVAL_NONE;
	p->runs = calloc(m->pl->n_agg, sizeof *p->runs);
	p->per_cap = calloc(m->pl->n_cap, sizeof *p->per_cap);
	if (!p->runs || !p->per_cap) {
		free(p->runs);
		free(p->per_cap);
		return NULL;
	}
	m->npend++;
	return p;
}

/* Give a written (or dropped) run back to its aggregator (see pipeline.h). */
static void run_recycle(void *ctx, struct ftrun *run)
{
	struct merger *m = ctx;

	if (run && run->agg < m->pl->n_agg)
		run = atomic_exchange(&m->pl->spare_runs[run->agg], run);
	ftrun_free(run);
}

static void pending_drop(struct merger *m, struct pending *p)
{
	for (uint32_t i = 0; i < m->pl->n_agg; i++)
		run_recycle(m, p->runs[i]);
	free(p->runs);
	free(p->per_cap);
	size_t idx = (size_t)(p - m->pend);
	memmove(p, p + 1, (m->npend - idx - 1) * sizeof *p);
	m->npend--;
}

/* Publish topic + JSON without ever blocking: a slow or absent subscriber
 * loses messages at the high-water mark, the pipeline never waits. */
static int pub_send(void *pub, const char *topic, const char *json, size_t n)
{
	if (zmq_send(pub, topic, strlen(topic), ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0)
		return -1;
	return zmq_send(pub, json, n, ZMQ_DONTWAIT) < 0 ? -1 : 0;
}

/* One warning line naming every queue that lost packets in the interval. */
static void log_drops(const char *when, const struct interval_report *r)
{
	char line[2048];
	size_t off = 0;

	for (uint32_t i = 0; i < r->n_capture && off < sizeof line; i++) {
		const struct capture_counters *c = &r->per_capture[i];
		if (!c->backend_drops && !c->queue_drops)
			continue;
		off += (size_t)snprintf(
		    line + off, sizeof line - off,
		    "%s%s queue %u: kernel %" PRIu64 ", nic %" PRIu64
		    ", nombuf %" PRIu64 ", queue %" PRIu64,
		    off ? "; " : "",
		    r->capture_input[i] ? r->capture_input[i] : "?",
		    r->capture_queue[i], c->kernel_drops, c->nic_drops,
		    c->nombuf_drops, c->queue_drops);
	}
	log_warn("interval %s: packets lost: %s", when, line);
}

static void publish(struct merger *m, const struct interval_report *r)
{
	char json[32768];
	int n = stats_format_json(json, sizeof json, r);
	char when[32];
	time_t t = (time_t)r->start;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
	/* one line per interval; louder while the output fails */
	char state[96] = "";
	enum umbra_log_level lvl = UMBRA_LOG_INFO;
	if (r->output_status == OUTPUT_HELD) {
		snprintf(state, sizeof state,
		         " [held: %" PRIu64 " intervals, %.1f MiB in memory]",
		         r->held_intervals,
		         (double)r->held_bytes / (1024.0 * 1024.0));
		lvl = UMBRA_LOG_WARN;
	} else if (r->output_status == OUTPUT_LOST) {
		snprintf(state, sizeof state, " [lost]");
		lvl = UMBRA_LOG_WARN;
	} else if (!r->file_committed) {
		snprintf(state, sizeof state, " [open]");
	}
	UMBRA_LOG_AT(
	    lvl,
	    "interval %s: %" PRIu64 " packets (%" PRIu64 " IPv4, %" PRIu64
	    " late, %" PRIu64 " bad time), %" PRIu64 " flowtuples from %" PRIu64
	    " sources, drops %" PRIu64 " (kernel %" PRIu64 ", nic %" PRIu64
	    ", nombuf %" PRIu64 ", queue %" PRIu64 ") -> %s%s (%.3f s)",
	    when, r->total.total, r->total.ipv4, r->total.late,
	    r->total.bad_time, r->flowtuples, r->sources,
	    r->total.backend_drops + r->total.queue_drops,
	    r->total.kernel_drops, r->total.nic_drops, r->total.nombuf_drops,
	    r->total.queue_drops, r->file && *r->file ? r->file : "(no file)",
	    state, r->write_seconds);
	if (r->total.backend_drops + r->total.queue_drops)
		log_drops(when, r);
	notify_send("STATUS=interval %s: %" PRIu64 " packets, %" PRIu64
	            " flowtuples, %s%s",
	            when, r->total.total, r->flowtuples,
	            r->file && *r->file ? r->file : "no file", state);
	if (!m->pub || n < 0)
		return;
	if (pub_send(m->pub, STATS_TOPIC, json, (size_t)n) < 0)
		log_debug("stats for %s not published: %s", when,
		          zmq_strerror(zmq_errno()));
}

static void publish_heartbeat(struct merger *m, struct heartbeat *hb,
                              double now)
{
	char json[32768];
	int n = heartbeat_format(hb, json, sizeof json, wall_now(), now);

	if (n < 0)
		return;
	if (pub_send(m->pub, HEARTBEAT_TOPIC, json, (size_t)n) < 0)
		log_debug("heartbeat not published: %s",
		          zmq_strerror(zmq_errno()));
}

static void report_init(struct merger *m, struct interval_report *r,
                        int64_t start)
{
	memset(r, 0, sizeof *r);
	r->monitor = m->pl->cfg->monitor;
	r->start = start;
	r->length = m->pl->cfg->interval;
	r->n_capture =
	    m->pl->n_cap < STATS_MAX_CAPTURE ? m->pl->n_cap : STATS_MAX_CAPTURE;
	r->file = "";
}

/* Queue interval `start` (taking runs[0..n)) for writing, and fill the
 * output part of its report. */
static void write_interval(struct merger *m, int64_t start, struct ftrun **runs,
                           uint32_t n, int last, int *try_write,
                           struct interval_report *r)
{
	struct backlog_outcome *oc = &m->oc;

	backlog_add(&m->bl, start, runs, n, last, *try_write, oc);
	/* a failed attempt is not repeated for the rest of this batch */
	if (m->bl.held)
		*try_write = 0;
	r->file = oc->path;
	r->file_bytes = oc->file_bytes;
	r->file_committed = oc->committed;
	r->write_seconds = oc->write_seconds;
	r->output_status = oc->status == BACKLOG_WRITTEN ? OUTPUT_WRITTEN
	                   : oc->status == BACKLOG_HELD  ? OUTPUT_HELD
	                                                 : OUTPUT_LOST;
	r->held_intervals = m->bl.held;
	r->held_bytes = m->bl.held_bytes;
	r->lost_intervals = m->bl.lost;
	r->lost_flowtuples = m->bl.lost_records;
	r->close_lag_seconds =
	    wall_now() - (double)(start + (int64_t)m->pl->cfg->interval);
	m->intervals++;
}

static void process(struct merger *m, struct pending *p)
{
	struct interval_report r;
	const int64_t L = m->pl->cfg->interval;
	int last = p->next == INTERVAL_NONE;
	int try_write = 1;

	report_init(m, &r, p->start);
	for (uint32_t c = 0; c < m->pl->n_cap; c++) {
		capture_counters_add(&r.total, &p->per_cap[c]);
		if (c < STATS_MAX_CAPTURE) {
			r.per_capture[c] = p->per_cap[c];
			r.capture_input[c] = m->pl->cap_input[c];
			r.capture_queue[c] = m->pl->cap_queue[c];
		}
	}
	for (uint32_t a = 0; a < m->pl->n_agg; a++) {
		const struct ftrun *run = p->runs[a];
		r.flowtuples += run->nrec;
		r.sources += run->nsrc;
		r.aggregator_drops += run->oom_drops;
		r.table_bytes += run->memory;
	}
	/* the backlog owns the runs from here on */
	write_interval(m, p->start, p->runs, m->pl->n_agg, last, &try_write,
	               &r);
	memset(p->runs, 0, m->pl->n_agg * sizeof *p->runs);
	publish(m, &r);

	/* intervals without a packet up to the next one: empty files */
	if (!last && p->next - p->start > L) {
		for (int64_t e = p->start + L; e < p->next; e += L) {
			report_init(m, &r, e);
			write_interval(m, e, NULL, 0, 0, &try_write, &r);
			publish(m, &r);
		}
	}
	pending_drop(m, p);
}

/* Process, in order, every pending interval that is complete. */
static void process_ready(struct merger *m)
{
	for (;;) {
		struct pending *lo = NULL;
		for (size_t i = 0; i < m->npend; i++)
			if (!lo || m->pend[i].start < lo->start)
				lo = &m->pend[i];
		if (!lo || lo->nruns < m->pl->n_agg ||
		    lo->nstats < m->pl->n_cap)
			return;
		process(m, lo);
	}
}

static void handle(struct merger *m, const struct pipe_msg *msg)
{
	struct pending *p;

	switch (msg->kind) {
	case MSG_AGG_DONE:
		m->agg_done++;
		return;
	case MSG_CAPTURE_DONE:
		m->cap_done++;
		return;
	case MSG_RUN:
	case MSG_CAPTURE_STATS:
		break;
	default:
		log_error("merger: unknown message %u", msg->kind);
		return;
	}
	p = pending_get(m, msg->start);
	if (!p) {
		log_error("merger: out of memory; interval %lld lost",
		          (long long)msg->start);
		ftrun_free(msg->run);
		atomic_store(&m->pl->failed, 1);
		return;
	}
	if (msg->kind == MSG_RUN) {
		if (!atomic_load_explicit(&msg->run->handed_over,
		                          memory_order_acquire))
			log_error(
			    "merger: run of aggregator %u not handed over",
			    msg->from);
		if (msg->from < m->pl->n_agg && !p->runs[msg->from]) {
			p->runs[msg->from] = msg->run;
			p->nruns++;
		} else {
			ftrun_free(msg->run);
		}
	} else {
		if (msg->from < m->pl->n_cap) {
			capture_counters_add(&p->per_cap[msg->from], &msg->cnt);
			p->nstats++;
			p->next = msg->next;
		}
	}
	process_ready(m);
}

void *merger_main(void *arg)
{
	struct merger_args *a = arg;
	struct merger m;

	memset(&m, 0, sizeof m);
	m.pl = a->pl;
	m.pub = a->pub;
	output_init(&m.out, a->pl->cfg, a->pool);
	backlog_init(&m.bl, &m.out, a->pl->cfg, run_recycle, &m);
	double now = mono_now();
	struct heartbeat hb;
	int have_hb = heartbeat_init(&hb, m.pl, now) == 0;
	uint64_t wd_usec = notify_watchdog_usec();
	double wd_every = wd_usec ? (double)wd_usec / 2e6 : 0;
	double stall = wd_every < 5 ? 5 : wd_every;
	double hb_every = (double)m.pl->cfg->heartbeat_interval;
	double next_wd = now, next_hb = now + hb_every;
	int stuck_logged = 0;
	if (!have_hb)
		log_warn(
		    "merger: no memory for heartbeats and liveness checks");
	while (m.agg_done < m.pl->n_agg || m.cap_done < m.pl->n_cap) {
		struct pipe_msg msg;
		zmq_pollitem_t item = {a->pull, 0, ZMQ_POLLIN, 0};
		double wait = -1;
		long due;

		now = mono_now();
		/* the watchdog is fed while every thread moves; a merger stuck
		 * on the disk or a stuck capture or aggregator stops it */
		if (wd_usec && now >= next_wd) {
			char who[128];
			if (!have_hb ||
			    heartbeat_alive(&hb, now, stall, who, sizeof who)) {
				notify_send("WATCHDOG=1");
				stuck_logged = 0;
			} else if (!stuck_logged) {
				log_error(
				    "%s has not moved for %.0f s: no longer "
				    "feeding the systemd watchdog",
				    who, stall);
				stuck_logged = 1;
			}
			next_wd = now + wd_every;
		}
		if (have_hb && m.pub && hb_every > 0 && now >= next_hb) {
			publish_heartbeat(&m, &hb, now);
			next_hb = now + hb_every;
		}
		if (wd_usec)
			wait = next_wd - now;
		if (have_hb && m.pub && hb_every > 0 &&
		    (wait < 0 || next_hb - now < wait))
			wait = next_hb - now;
		due = backlog_due_ms(&m.bl);
		if (due >= 0 && (wait < 0 || (double)due / 1e3 < wait))
			wait = (double)due / 1e3;
		int ready =
		    zmq_poll(&item, 1, wait < 0 ? -1 : (long)(wait * 1e3) + 1);
		backlog_retry_if_due(&m.bl);
		if (ready == 0)
			continue;
		int n = zmq_recv(a->pull, &msg, sizeof msg, ZMQ_DONTWAIT);
		if (n < 0) {
			if (zmq_errno() == EINTR || zmq_errno() == EAGAIN)
				continue;
			log_error("merger: receive failed: %s",
			          zmq_strerror(zmq_errno()));
			atomic_store(&m.pl->failed, 1);
			break;
		}
		if ((size_t)n != sizeof msg) {
			log_error("merger: message of %d bytes ignored", n);
			continue;
		}
		handle(&m, &msg);
	}
	if (m.npend) {
		log_error("merger: %zu intervals incomplete at exit", m.npend);
		while (m.npend)
			pending_drop(&m, &m.pend[0]);
	}
	/* held intervals get one more attempt; what is left is lost */
	if (backlog_finish(&m.bl) > 0)
		atomic_store(&m.pl->failed, 1);
	atomic_store(&m.pl->files_written, m.out.files);
	free(m.pend);
	if (have_hb)
		heartbeat_free(&hb);
	log_info("merger: %llu intervals, %llu files written",
	         (unsigned long long)m.intervals,
	         (unsigned long long)m.out.files);
	return NULL;
}
