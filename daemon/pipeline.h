/* pipeline.h: the thread topology of umbrad, built in one place.
 *
 *   M capture threads --SPSC rings (one per capture x aggregator)--> N
 *   aggregator threads --ZeroMQ inproc PUSH/PULL--> merger thread
 *   --> Avro files (temp name, fsync, rename) and stats on a ZeroMQ PUB.
 *
 * A capture thread reads its inputs in order, decodes each packet once into a
 * 24-byte ft_pkt and pushes it to the aggregator that owns its source address
 * (umbra_src_hash).  It drives the interval clock: when a packet opens a new
 * interval it pushes a close marker into every ring, so every aggregator
 * closes the interval even if it saw none of its packets, and sends its own
 * counters for the interval to the merger.  An aggregator closes an interval
 * once every capture thread's marker has reached it, sorts and encodes its
 * table (ftable_emit) and hands the run to the merger, which k-way merges the
 * N runs and writes the file.
 *
 * Files: one capture thread reads every input in order, and packet
 * timestamps alone drive the clock.  Live inputs: one capture thread per
 * queue (afpacket fanout socket, DPDK RX queue, libtrace URI), opened in the
 * main thread before any thread starts.  Every live thread starts on the
 * same interval (the one open at start), closes intervals one at a time
 * (a marker per interval, so all threads send the same sequence), and also
 * by wall clock once an interval's end plus close_grace has passed; at stop
 * the threads meet, catch up to the furthest open interval and close it.
 */
#ifndef UMBRA_PIPELINE_H
#define UMBRA_PIPELINE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "config.h"
#include "spsc.h"
#include "stats.h"

#define MERGE_ENDPOINT "inproc://umbra-merge"
#define INTERVAL_NONE  INT64_MIN /* "no interval": input ended / never began */

/* Control messages in the rings (ft_pkt.flags has FT_PKT_CTRL). */
#define CTRL_CLOSE 1 /* close interval `start`; `next` opens (or NONE: end) */

static inline void ctrl_make(struct ft_pkt *p, int64_t start, int64_t next)
{
	uint64_t s = (uint64_t)start, n = (uint64_t)next;
	*p = (struct ft_pkt){0};
	p->flags = FT_PKT_CTRL;
	p->ctrl = CTRL_CLOSE;
	p->src_ip = (uint32_t)s;
	p->dst_ip = (uint32_t)(s >> 32);
	p->ip_len = (uint16_t)n;
	p->dst_port = (uint16_t)(n >> 16);
	p->src_port = (uint16_t)(n >> 32);
	p->tcp_rwin = (uint16_t)(n >> 48);
}

static inline void ctrl_read(const struct ft_pkt *p, int64_t *start,
                             int64_t *next)
{
	*start = (int64_t)((uint64_t)p->dst_ip << 32 | p->src_ip);
	*next = (int64_t)((uint64_t)p->tcp_rwin << 48 |
	                  (uint64_t)p->src_port << 32 |
	                  (uint64_t)p->dst_port << 16 | p->ip_len);
}

/* Messages to the merger over MERGE_ENDPOINT (copied by ZeroMQ; the run is
 * passed by pointer and owned by the merger from then on). */
enum pipe_msg_kind {
	MSG_RUN = 1,       /* an aggregator's run for interval start */
	MSG_CAPTURE_STATS, /* a capture thread's counters for start */
	MSG_AGG_DONE,      /* an aggregator has ended */
	MSG_CAPTURE_DONE,  /* a capture thread has ended */
};

struct pipe_msg {
	uint32_t kind;
	uint32_t from; /* aggregator or capture thread id */
	int64_t start;
	int64_t next;
	struct ftrun *run;
	struct capture_counters cnt;
};

/* What a capture thread shows while it runs, for the heartbeat: written by
 * its thread (relaxed) every tick, read by the merger.  One cache line. */
struct capture_gauge {
	_Atomic uint64_t packets;       /* frames read since start */
	_Atomic uint64_t backend_drops; /* since start */
	_Atomic uint64_t queue_drops;   /* since start */
	_Atomic int64_t open;           /* the open interval's start */
	_Atomic uint64_t ticks;         /* live: bumped at least every
	                                   CAPTURE_POLL_MS while it runs */
	char pad[24];
};

/* An aggregator's sign of life: bumped every pass of its loop. */
struct agg_gauge {
	_Atomic uint64_t beats;
	char pad[56];
};

struct pipeline {
	const struct umbra_config *cfg;
	/* the capture threads, for the signal thread to wake a read that
	 * waits for data (pipeline_wake_captures); under cap_lock */
	pthread_mutex_t cap_lock;
	pthread_t cap_tids[STATS_MAX_CAPTURE];
	uint8_t cap_exited[STATS_MAX_CAPTURE];
	uint32_t cap_started;
	struct umbra_rules *rules; /* what is aggregated (rules.h); NULL:
	                              every IPv4 packet; read-only while the
	                              threads run */
	uint32_t n_agg;
	uint32_t n_cap;
	uint32_t n_live;        /* live capture threads (0: file inputs) */
	int64_t first_interval; /* live: the interval open at start */
	_Atomic int64_t live_open_max;  /* live: furthest interval opened */
	_Atomic uint32_t live_stopping; /* live threads at the stop barrier */
	const char **cap_input;       /* [n_cap] the input each thread reads */
	uint32_t *cap_queue;          /* [n_cap] its queue in that input */
	struct capture_gauge *gauges; /* [n_cap] */
	struct agg_gauge *agg_gauges; /* [n_agg] */
	struct spsc_ring *rings;      /* [cap * n_agg + agg] */
	void *zctx;
	_Atomic int stop;   /* set by the signal thread: finish and exit */
	_Atomic int failed; /* an input or an output failed: exit status 1 */
	_Atomic uint64_t files_written;
	/* One spare run per aggregator: the merger gives a written run back
	 * here and the aggregator takes it for its next interval, so the big
	 * buffers are not unmapped and faulted in again every interval. */
	struct ftrun *_Atomic *spare_runs;
};

static inline struct spsc_ring *pipeline_ring(struct pipeline *pl, uint32_t cap,
                                              uint32_t agg)
{
	return &pl->rings[(uint64_t)cap * pl->n_agg + agg];
}

/* Build the topology, run it to the end of the inputs (or until stop), tear
 * it down.  Returns the process exit status (0 or 1). */
int pipeline_run(struct pipeline *pl, const struct umbra_config *cfg);

/* Thread bodies (capture_thread.c, aggregator.c, merger.c). */
struct capture_ops;
struct capture_src;
struct capture_thread_args {
	struct pipeline *pl;
	uint32_t id;
	const struct umbra_strlist *inputs; /* files: read in order */
	const struct capture_ops *ops;      /* live: the queue it reads */
	struct capture_src *src;
	const char *uri;
	void *push; /* PUSH socket connected to the merger */
};
void *capture_thread_main(void *arg);

struct ftable;
struct aggregator_args {
	struct pipeline *pl;
	uint32_t id;
	void *push;           /* PUSH socket connected to the merger */
	struct ftable *table; /* initialised by pipeline_run */
};
void *aggregator_main(void *arg);

struct merger_args {
	struct pipeline *pl;
	void *pull;              /* PULL socket bound to MERGE_ENDPOINT */
	void *pub;               /* PUB socket for interval stats, or NULL */
	struct block_pool *pool; /* block compression workers, or NULL */
};
void *merger_main(void *arg);

/* From the signal thread, once stop is set: interrupt the reads of the
 * capture threads still running (SIGURG: a blocked read(2) returns EINTR,
 * see capfile_set_interrupt()). */
void pipeline_wake_captures(struct pipeline *pl);
/* From a capture thread as it ends. */
void pipeline_capture_exited(struct pipeline *pl, uint32_t id);

/* Send msg on a ZeroMQ socket, retrying on EINTR.  0 or -errno. */
int pipe_send(void *sock, const struct pipe_msg *msg);

#endif
