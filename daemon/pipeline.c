/* pipeline.c: build, run and tear down the thread topology (pipeline.h).
 * Every thread, ring and socket is created here and nowhere else. */
#include "pipeline.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "block_pool.h"
#include "ftable.h"
#include "log.h"
#include "notify.h"

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

int pipeline_run(struct pipeline *pl, const struct umbra_config *cfg)
{
	struct capture_thread_args cap = {0};
	struct aggregator_args *agg = NULL;
	struct merger_args mer = {0};
	struct ftable *tables = NULL;
	pthread_t *agg_tid = NULL, cap_tid, mer_tid;
	uint32_t started_agg = 0;
	int status = 1;

	pl->cfg = cfg;
	pl->n_agg = cfg->threads ? cfg->threads : auto_threads();
	pl->n_cap = 1; /* file inputs: one capture thread reads them in order */
	atomic_init(&pl->failed, 0);
	atomic_init(&pl->files_written, 0);

	pl->zctx = zmq_ctx_new();
	pl->rings = calloc((size_t)pl->n_cap * pl->n_agg, sizeof *pl->rings);
	tables = calloc(pl->n_agg, sizeof *tables);
	agg = calloc(pl->n_agg, sizeof *agg);
	agg_tid = calloc(pl->n_agg, sizeof *agg_tid);
	pl->spare_runs = calloc(pl->n_agg, sizeof *pl->spare_runs);
	if (!pl->zctx || !pl->rings || !tables || !agg || !agg_tid ||
	    !pl->spare_runs) {
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
	cap.pl = pl;
	cap.id = 0;
	cap.inputs = &cfg->inputs;
	cap.push = push_socket(pl);
	if (!cap.push) {
		log_error("cannot connect to the merger: %s",
		          zmq_strerror(zmq_errno()));
		goto out;
	}

	log_info("pipeline: %u capture thread(s), %u aggregator(s)%s, 1 merger",
	         pl->n_cap, pl->n_agg,
	         cfg->threads ? "" : " (threads 0: auto)");
	if (pthread_create(&mer_tid, NULL, merger_main, &mer) != 0) {
		log_error("cannot start the merger thread");
		goto out;
	}
	pthread_setname_np(mer_tid, "umbra-merger");
	for (; started_agg < pl->n_agg; started_agg++)
		if (pthread_create(&agg_tid[started_agg], NULL, aggregator_main,
		                   &agg[started_agg]) != 0)
			break;
	if (started_agg == pl->n_agg &&
	    pthread_create(&cap_tid, NULL, capture_thread_main, &cap) == 0) {
		pthread_setname_np(cap_tid, "umbra-capture");
		notify_send("READY=1\nSTATUS=reading %zu input(s), %u "
		            "aggregator(s)",
		            cfg->inputs.n, pl->n_agg);
		pthread_join(cap_tid, NULL);
		status = 0;
	} else {
		/* only on resource exhaustion: wind down what did start.  The
		 * capture thread's body, run here on no input, closes nothing
		 * and tells the merger it is done; aggregators that never
		 * started are reported done on their own sockets. */
		struct capture_thread_args none = cap;
		struct umbra_strlist empty = {0};
		struct pipe_msg done = {0};
		log_error("cannot start the pipeline threads");
		none.inputs = &empty;
		capture_thread_main(&none);
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
	if (cap.push)
		zmq_close(cap.push);
	if (mer.pull)
		zmq_close(mer.pull);
	if (mer.pub)
		zmq_close(mer.pub);
	block_pool_free(mer.pool);
	if (pl->zctx)
		zmq_ctx_term(pl->zctx);
	for (uint32_t i = 0; tables && i < pl->n_agg; i++)
		ftable_destroy(&tables[i]);
	for (uint32_t i = 0; pl->rings && i < pl->n_cap * pl->n_agg; i++)
		spsc_ring_destroy(&pl->rings[i]);
	for (uint32_t i = 0; pl->spare_runs && i < pl->n_agg; i++)
		ftrun_free(atomic_load(&pl->spare_runs[i]));
	free(pl->spare_runs);
	free(pl->rings);
	free(tables);
	free(agg);
	free(agg_tid);
	return status;
}
