/* pipeline.c: build, run and tear down the thread topology (pipeline.h).
 * Every thread, ring and socket is created here and nowhere else. */
#include "pipeline.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "block_pool.h"
#include "capfile.h"
#include "capture.h"
#include "ftable.h"
#include "interval.h"
#include "log.h"
#include "notify.h"
#include "privdrop.h"
#include "rules.h"

int pipe_send(void *sock, const struct pipe_msg *msg)
{
	for (;;) {
		if (zmq_send(sock, msg, sizeof *msg, 0) >= 0)
			return 0;
		if (zmq_errno() != EINTR)
			return -zmq_errno();
	}
}

static void *push_socket(struct pipeline *pl)
{
	void *s = zmq_socket(pl->zctx, ZMQ_PUSH);
	int hwm = 64;

	if (!s)
		return NULL;
	zmq_setsockopt(s, ZMQ_SNDHWM, &hwm, sizeof hwm);
	if (zmq_connect(s, MERGE_ENDPOINT) != 0) {
		zmq_close(s);
		return NULL;
	}
	return s;
}

static void *stats_socket(struct pipeline *pl, const char *endpoint)
{
	void *s;
	int linger = 0, hwm = 1000;

	if (!endpoint || !*endpoint)
		return NULL;
	s = zmq_socket(pl->zctx, ZMQ_PUB);
	if (!s)
		return NULL;
	zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
	zmq_setsockopt(s, ZMQ_SNDHWM, &hwm, sizeof hwm);
	if (zmq_bind(s, endpoint) != 0) {
		log_error("stats_endpoint %s: cannot bind: %s", endpoint,
		          zmq_strerror(zmq_errno()));
		zmq_close(s);
		return NULL;
	}
	log_info("publishing interval stats on %s", endpoint);
	return s;
}

/* Block compression workers: one per core, at most 4 (deflate at level 3
 * writes 1.4M records/s per core; four cover any interval this box can
 * aggregate). */
static unsigned compress_threads(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > 4 ? 4 : (unsigned)n;
}

static uint32_t auto_threads(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 2 ? (uint32_t)(n - 1) : 1;
}

/* ---- live inputs: resolved, prepared and opened before threads start ---- */

struct live_input {
	const struct capture_ops *ops;
	const char *uri;
	const char *rest; /* what the backend opens (capture_pick) */
	void *shared;
	int prepared;
	uint32_t first, n; /* capture threads [first, first + n) */
};

struct live_set {
	struct live_input *in; /* [cfg->inputs.n] */
	size_t n_in;
	struct capture_src **src; /* [pl->n_cap] */
};

/* Are the inputs files (0), live (1)?  -1 (logged): a mix, or a URI no
 * backend reads. */
static int inputs_kind(const struct umbra_strlist *inputs)
{
	size_t files = 0, live = 0;
	const char *a_file = NULL, *a_live = NULL;

	for (size_t i = 0; i < inputs->n; i++) {
		struct umbra_err err;
		const char *rest;
		const struct capture_ops *ops =
		    capture_pick(inputs->items[i], &rest, &err);
		if (!ops) {
			log_error("inputs: %s", err.msg);
			return -1;
		}
		if (ops->live)
			live++, a_live = inputs->items[i];
		else
			files++, a_file = inputs->items[i];
	}
	if (files && live) {
		log_error("inputs: files (%s) and live captures (%s) cannot "
		          "be read together: files are read in order by "
		          "their own timestamps, live inputs by the clock",
		          a_file, a_live);
		return -1;
	}
	return live ? 1 : 0;
}

static void live_close(struct live_set *ls)
{
	for (size_t i = 0; ls->in && i < ls->n_in; i++) {
		struct live_input *in = &ls->in[i];
		for (uint32_t q = 0; ls->src && q < in->n; q++)
			if (ls->src[in->first + q])
				in->ops->close(ls->src[in->first + q]);
		if (in->prepared && in->ops->unprepare)
			in->ops->unprepare(in->shared);
	}
	free(ls->in);
	free(ls->src);
}

/* Prepare and open every queue of every live input, in queue order.
 * Sets pl->n_cap, cap_input, cap_queue.  0, or -1 (logged). */
static int live_open(struct pipeline *pl, struct live_set *ls)
{
	const struct umbra_config *cfg = pl->cfg;
	uint32_t n = 0;

	ls->n_in = cfg->inputs.n;
	ls->in = calloc(ls->n_in, sizeof *ls->in);
	if (!ls->in)
		return -1;
	for (size_t i = 0; i < ls->n_in; i++) {
		struct live_input *in = &ls->in[i];
		struct umbra_err err;
		in->uri = cfg->inputs.items[i];
		in->ops = capture_pick(in->uri, &in->rest, &err);
		in->first = n;
		in->n = in->ops->multi_queue ? cfg->capture_threads : 1;
		n += in->n;
	}
	if (n > STATS_MAX_CAPTURE) {
		log_error("inputs: %u capture threads asked for, at most %d", n,
		          STATS_MAX_CAPTURE);
		return -1;
	}
	pl->n_cap = n;
	ls->src = calloc(n, sizeof *ls->src);
	pl->cap_input = calloc(n, sizeof *pl->cap_input);
	pl->cap_queue = calloc(n, sizeof *pl->cap_queue);
	if (!ls->src || !pl->cap_input || !pl->cap_queue)
		return -1;
	for (size_t i = 0; i < ls->n_in; i++) {
		struct live_input *in = &ls->in[i];
		struct umbra_err err;
		if (in->ops->prepare) {
			if (in->ops->prepare(in->rest, cfg, in->n, &in->shared,
			                     &err) < 0) {
				log_error("%s", err.msg);
				return -1;
			}
			in->prepared = 1;
		}
		for (uint32_t q = 0; q < in->n; q++) {
			uint32_t id = in->first + q;
			ls->src[id] = in->ops->open(in->rest, cfg, in->shared,
			                            q, in->n, &err);
			if (!ls->src[id]) {
				log_error("%s", err.msg);
				return -1;
			}
			pl->cap_input[id] = in->uri;
			pl->cap_queue[id] = q;
		}
		log_info("%s: %u queue(s) open (%s backend)", in->uri, in->n,
		         in->ops->name);
	}
	return 0;
}

/* Pin thread t (the i-th of its role) to the CPU list's item i mod n. */
static void pin(pthread_t t, const struct umbra_strlist *cpus, uint32_t i,
                const char *what)
{
	cpu_set_t set;
	int cpu, rc;

	if (!cpus->n)
		return;
	cpu = atoi(cpus->items[i % cpus->n]);
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	rc = pthread_setaffinity_np(t, sizeof set, &set);
	if (rc)
		log_warn("cannot pin %s %u to CPU %d: %s", what, i, cpu,
		         strerror(rc));
	else
		log_debug("%s %u pinned to CPU %d", what, i, cpu);
}

static void on_sigurg(int sig)
{
	(void)sig; /* only there to interrupt a blocked read(2) */
}

void pipeline_wake_captures(struct pipeline *pl)
{
	pthread_mutex_lock(&pl->cap_lock);
	for (uint32_t i = 0; i < pl->cap_started; i++)
		if (!pl->cap_exited[i])
			pthread_kill(pl->cap_tids[i], SIGURG);
	pthread_mutex_unlock(&pl->cap_lock);
}

/* A capture thread at its end: no longer a target for SIGURG. */
void pipeline_capture_exited(struct pipeline *pl, uint32_t id)
{
	pthread_mutex_lock(&pl->cap_lock);
	if (id < STATS_MAX_CAPTURE)
		pl->cap_exited[id] = 1;
	pthread_mutex_unlock(&pl->cap_lock);
}

static int run_topology(struct pipeline *pl, const struct umbra_config *cfg)
{
	struct capture_thread_args *cap = NULL;
	struct aggregator_args *agg = NULL;
	struct merger_args mer = {0};
	struct ftable *tables = NULL;
	struct live_set ls = {0};
	pthread_t *agg_tid = NULL, *cap_tid = NULL, mer_tid;
	uint32_t started_agg = 0, started_cap = 0;
	int status = 1, live;

	pl->cfg = cfg;
	pl->n_agg = cfg->threads ? cfg->threads : auto_threads();
	{
		struct sigaction sa = {.sa_handler =
		                           on_sigurg}; /* no restart */
		sigemptyset(&sa.sa_mask);
		sigaction(SIGURG, &sa, NULL);
	}
	capfile_set_interrupt(&pl->stop);
	atomic_init(&pl->failed, 0);
	atomic_init(&pl->files_written, 0);
	atomic_init(&pl->live_stopping, 0);

	live = inputs_kind(&cfg->inputs);
	if (live < 0)
		return 1;
	if (live) {
		struct timespec now;
		if (live_open(pl, &ls) < 0)
			goto out;
		pl->n_live = pl->n_cap;
		clock_gettime(CLOCK_REALTIME, &now);
		pl->first_interval =
		    interval_start((int64_t)now.tv_sec, (int64_t)cfg->interval);
		atomic_init(&pl->live_open_max, pl->first_interval);
	} else {
		/* file inputs: one capture thread reads them in order */
		pl->n_cap = 1;
		pl->n_live = 0;
		pl->cap_input = calloc(1, sizeof *pl->cap_input);
		pl->cap_queue = calloc(1, sizeof *pl->cap_queue);
		if (pl->cap_input)
			pl->cap_input[0] =
			    cfg->inputs.n == 1 ? cfg->inputs.items[0] : "files";
	}

	/* the live captures are open: nothing needs root any more */
	{
		struct umbra_err err;
		if (privdrop_apply(cfg, &err) < 0) {
			log_error("%s", err.msg);
			goto out;
		}
	}
	pl->zctx = zmq_ctx_new();
	pl->rings = calloc((size_t)pl->n_cap * pl->n_agg, sizeof *pl->rings);
	pl->gauges = calloc(pl->n_cap, sizeof *pl->gauges);
	pl->agg_gauges = calloc(pl->n_agg, sizeof *pl->agg_gauges);
	tables = calloc(pl->n_agg, sizeof *tables);
	agg = calloc(pl->n_agg, sizeof *agg);
	agg_tid = calloc(pl->n_agg, sizeof *agg_tid);
	cap = calloc(pl->n_cap, sizeof *cap);
	cap_tid = calloc(pl->n_cap, sizeof *cap_tid);
	pl->spare_runs = calloc(pl->n_agg, sizeof *pl->spare_runs);
	if (!pl->zctx || !pl->rings || !pl->gauges || !pl->agg_gauges ||
	    !tables || !agg || !agg_tid || !cap || !cap_tid ||
	    !pl->spare_runs || !pl->cap_input || !pl->cap_queue) {
		log_error("cannot set up the pipeline: out of memory");
		goto out;
	}
	for (uint32_t i = 0; i < pl->n_cap * pl->n_agg; i++) {
		if (spsc_ring_init(&pl->rings[i], cfg->queue_size) < 0) {
			log_error("cannot allocate %u-slot queues",
			          cfg->queue_size);
			goto out;
		}
	}
	for (uint32_t i = 0; i < pl->n_agg; i++) {
		if (ftable_init(&tables[i], cfg->dst_prefix_len, 1u << 16) <
		    0) {
			log_error("cannot allocate flowtuple tables");
			goto out;
		}
	}

	mer.pl = pl;
	mer.pull = zmq_socket(pl->zctx, ZMQ_PULL);
	if (!mer.pull || zmq_bind(mer.pull, MERGE_ENDPOINT) != 0) {
		log_error("cannot bind %s: %s", MERGE_ENDPOINT,
		          zmq_strerror(zmq_errno()));
		goto out;
	}
	if (cfg->codec != AVRO_CODEC_NULL) {
		struct umbra_err err;
		unsigned workers = compress_threads();
		mer.pool = block_pool_new(workers, (enum avro_codec)cfg->codec,
		                          (int)cfg->deflate_level, &err);
		if (!mer.pool) {
			log_error("%s", err.msg);
			goto out;
		}
		log_debug("%u block compression thread(s)", workers);
	}
	mer.pub = stats_socket(pl, cfg->stats_endpoint);
	if (cfg->stats_endpoint[0] && !mer.pub)
		goto out;
	for (uint32_t i = 0; i < pl->n_agg; i++) {
		agg[i].pl = pl;
		agg[i].id = i;
		agg[i].table = &tables[i];
		agg[i].push = push_socket(pl);
		if (!agg[i].push) {
			log_error("cannot connect to the merger: %s",
			          zmq_strerror(zmq_errno()));
			goto out;
		}
	}
	for (uint32_t i = 0; i < pl->n_cap; i++) {
		cap[i].pl = pl;
		cap[i].id = i;
		cap[i].inputs = &cfg->inputs;
		if (live) {
			cap[i].src = ls.src[i];
			cap[i].uri = pl->cap_input[i];
			for (size_t k = 0; k < ls.n_in; k++)
				if (i >= ls.in[k].first &&
				    i < ls.in[k].first + ls.in[k].n)
					cap[i].ops = ls.in[k].ops;
		}
		cap[i].push = push_socket(pl);
		if (!cap[i].push) {
			log_error("cannot connect to the merger: %s",
			          zmq_strerror(zmq_errno()));
			goto out;
		}
	}

	log_info("pipeline: %u capture thread(s)%s, %u aggregator(s)%s, 1 "
	         "merger",
	         pl->n_cap, live ? " (live)" : "", pl->n_agg,
	         cfg->threads ? "" : " (threads 0: auto)");
	if (pthread_create(&mer_tid, NULL, merger_main, &mer) != 0) {
		log_error("cannot start the merger thread");
		goto out;
	}
	pthread_setname_np(mer_tid, "umbra-merger");
	for (; started_agg < pl->n_agg; started_agg++) {
		char name[16];
		if (pthread_create(&agg_tid[started_agg], NULL, aggregator_main,
		                   &agg[started_agg]) != 0)
			break;
		snprintf(name, sizeof name, "umbra-agg%u",
		         started_agg & 0xffff);
		pthread_setname_np(agg_tid[started_agg], name);
		pin(agg_tid[started_agg], &cfg->aggregator_cpus, started_agg,
		    "aggregator");
	}
	if (started_agg == pl->n_agg) {
		for (; started_cap < pl->n_cap; started_cap++) {
			char name[16];
			if (pthread_create(&cap_tid[started_cap], NULL,
			                   capture_thread_main,
			                   &cap[started_cap]) != 0)
				break;
			pthread_mutex_lock(&pl->cap_lock);
			pl->cap_tids[started_cap] = cap_tid[started_cap];
			pl->cap_started = started_cap + 1;
			pthread_mutex_unlock(&pl->cap_lock);
			snprintf(name, sizeof name, "umbra-cap%u",
			         started_cap & 0xffff);
			pthread_setname_np(cap_tid[started_cap], name);
			pin(cap_tid[started_cap], &cfg->capture_cpus,
			    started_cap, "capture thread");
		}
	}
	if (started_cap == pl->n_cap) {
		notify_send("READY=1\nSTATUS=%s %zu input(s) on %u capture "
		            "thread(s), %u aggregator(s)",
		            live ? "capturing" : "reading", cfg->inputs.n,
		            pl->n_cap, pl->n_agg);
		for (uint32_t i = 0; i < pl->n_cap; i++)
			pthread_join(cap_tid[i], NULL);
		status = 0;
	} else {
		/* only on resource exhaustion: wind down what did start.  The
		 * capture threads that did start are stopped; one that never
		 * started is run here on no input (it closes nothing and
		 * tells the merger it is done); aggregators that never
		 * started are reported done on their own sockets. */
		struct pipe_msg done = {0};
		log_error("cannot start the pipeline threads");
		atomic_store(&pl->stop, 1);
		atomic_store(&pl->failed, 1);
		for (uint32_t i = 0; i < started_cap; i++)
			pthread_join(cap_tid[i], NULL);
		if (started_agg == pl->n_agg) {
			for (uint32_t i = started_cap; i < pl->n_cap; i++) {
				struct capture_thread_args none = cap[i];
				struct umbra_strlist empty = {0};
				none.inputs = &empty;
				none.src = NULL;
				if (live) /* let the started ones pass the
				             barrier */
					atomic_fetch_add(&pl->live_stopping, 1);
				capture_thread_main(&none);
			}
		} else {
			for (uint32_t i = 0; i < pl->n_cap; i++) {
				struct capture_thread_args none = cap[i];
				struct umbra_strlist empty = {0};
				none.inputs = &empty;
				none.src = NULL;
				capture_thread_main(&none);
			}
		}
		done.kind = MSG_AGG_DONE;
		for (uint32_t i = started_agg; i < pl->n_agg; i++) {
			done.from = i;
			pipe_send(agg[i].push, &done);
		}
	}
	for (uint32_t i = 0; i < started_agg; i++)
		pthread_join(agg_tid[i], NULL);
	pthread_join(mer_tid, NULL);
	if (atomic_load(&pl->failed))
		status = 1;
out:
	for (uint32_t i = 0; agg && i < pl->n_agg; i++)
		if (agg[i].push)
			zmq_close(agg[i].push);
	for (uint32_t i = 0; cap && i < pl->n_cap; i++)
		if (cap[i].push)
			zmq_close(cap[i].push);
	if (mer.pull)
		zmq_close(mer.pull);
	if (mer.pub)
		zmq_close(mer.pub);
	block_pool_free(mer.pool);
	if (pl->zctx)
		zmq_ctx_term(pl->zctx);
	live_close(&ls);
	for (uint32_t i = 0; tables && i < pl->n_agg; i++)
		ftable_destroy(&tables[i]);
	for (uint32_t i = 0; pl->rings && i < pl->n_cap * pl->n_agg; i++)
		spsc_ring_destroy(&pl->rings[i]);
	for (uint32_t i = 0; pl->spare_runs && i < pl->n_agg; i++)
		ftrun_free(atomic_load(&pl->spare_runs[i]));
	free(pl->spare_runs);
	free(pl->rings);
	free(pl->gauges);
	free(pl->agg_gauges);
	free(pl->cap_input);
	free(pl->cap_queue);
	free(tables);
	free(agg);
	free(agg_tid);
	free(cap);
	free(cap_tid);
	return status;
}

/* The rules are built first (a bad one stops umbrad before any capture is
 * opened) and outlive every thread. */
int pipeline_run(struct pipeline *pl, const struct umbra_config *cfg)
{
	struct umbra_err err;
	char what[512];
	int status;

	if (umbra_rules_compile(cfg, &pl->rules, &err) < 0) {
		log_error("%s", err.msg);
		return 1;
	}
	umbra_rules_describe(pl->rules, what, sizeof what);
	log_info("rules: %s", what);
	status = run_topology(pl, cfg);
	umbra_rules_free(pl->rules);
	pl->rules = NULL;
	return status;
}
