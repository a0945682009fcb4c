/* heartbeat.h: what the merger tells between intervals, and whether every
 * thread is still alive.
 *
 * Every heartbeat_interval seconds the merger publishes one short JSON
 * message (topic "umbra.heartbeat") read off the threads' gauges
 * (pipeline.h): packets and drops so far and per second since the last
 * heartbeat, per capture queue, the open interval, and how full each
 * aggregator's queues are.  The same gauges tell whether every thread is
 * still moving, which decides whether the systemd watchdog is fed.
 *
 * Thread use: the merger's only.
 */
#ifndef UMBRA_HEARTBEAT_H
#define UMBRA_HEARTBEAT_H

#include <stddef.h>
#include <stdint.h>

#include "pipeline.h"

#define HEARTBEAT_TOPIC   "umbra.heartbeat"
#define HEARTBEAT_VERSION 1

struct heartbeat {
	struct pipeline *pl;
	double started;   /* monotonic seconds */
	double last;      /* monotonic seconds of the last snapshot */
	uint64_t *prev;   /* [n_cap] packets at the last snapshot */
	uint64_t *prev_d; /* [n_cap] drops at the last snapshot */
	/* liveness: the gauges as last seen moving, and when */
	uint64_t *seen_ticks; /* [n_cap] */
	uint64_t *seen_beats; /* [n_agg] */
	double *moved;        /* [n_cap + n_agg] monotonic seconds */
};

int heartbeat_init(struct heartbeat *h, struct pipeline *pl, double now);
void heartbeat_free(struct heartbeat *h);

/* Format the heartbeat for wall-clock time `wall` and monotonic `now`, and
 * take the snapshot the next rates are measured from.  Returns the JSON's
 * length, or -ENOSPC. */
int heartbeat_format(struct heartbeat *h, char *buf, size_t len, double wall,
                     double now);

/* Has every thread moved within the last stall seconds?  Live capture
 * threads come back from their backend every CAPTURE_POLL_MS and
 * aggregators loop even when idle; a file capture thread may wait on a
 * pipe without bound, so it is not judged.  On 0, *who names the first
 * stuck thread ("capture 2", "aggregator 0"). */
int heartbeat_alive(struct heartbeat *h, double now, double stall, char *who,
                    size_t wlen);

#endif
