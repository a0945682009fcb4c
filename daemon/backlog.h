/* backlog.h: the merger's writer: finished intervals go through a FIFO to
 * their files, and stay in it while the output cannot be written.
 *
 * Why: a full disk or an unwritable output directory must not stop capture,
 * nor lose an interval at the first failed write.  Every finished interval
 * (its aggregators' runs, owned by the backlog from then on) is queued and
 * written oldest first, so files appear in time order.  When a write fails
 * (the temporary file is removed, nothing appears under a final name), the
 * interval and every later one stay queued and are retried, oldest first,
 * at each new interval and every output_retry_seconds.  The queued runs are
 * bounded by output_backlog_mb: past it, the oldest queued interval is
 * dropped, logged with its start and record count, and counted as lost.
 *
 * With rotate_intervals > 1 a file takes several intervals; those already
 * appended to the open file are kept (within the same bound) until the file
 * is committed, so a file whose commit fails is written again whole.  When
 * the bound forces one of them out it is released (not lost yet); it is
 * counted lost only if its file then fails.
 *
 * Thread use: the merger thread only.
 */
#ifndef UMBRA_BACKLOG_H
#define UMBRA_BACKLOG_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "output.h"

struct ftrun;
struct backlog_entry;

enum backlog_status {
	BACKLOG_WRITTEN = 0, /* in its file (committed, or open: rotation) */
	BACKLOG_HELD,        /* its write failed or waits: kept, retried */
	BACKLOG_LOST,        /* dropped: over the bound, or out of memory */
};

/* What happened to one interval by the time backlog_add() returned. */
struct backlog_outcome {
	enum backlog_status status;
	char path[PATH_MAX]; /* its file's final name */
	uint64_t file_bytes; /* the file's size when committed, else 0 */
	int committed;
	double write_seconds; /* merging and writing it (this attempt) */
};

/* Gives a run back once written or dropped (the merger recycles it). */
typedef void backlog_release_fn(void *ctx, struct ftrun *run);

struct backlog {
	struct output *out;
	uint64_t limit; /* output_backlog_mb in bytes */
	double retry;   /* output_retry_seconds */
	backlog_release_fn *release;
	void *ctx;
	struct backlog_entry *head, *tail; /* oldest first */
	struct backlog_entry *adding;      /* backlog_add's, while it runs */
	uint64_t entries;
	uint64_t bytes;         /* memory the entries hold (the bound) */
	uint64_t held;          /* entries not in any file (waiting) */
	uint64_t held_bytes;    /* their memory */
	uint64_t lost;          /* intervals lost since start */
	uint64_t lost_records;  /* their flowtuples */
	uint64_t written_again; /* held intervals written by a retry */
	double next_retry;      /* monotonic time of the next retry */
	double last_warn;       /* of the last "still failing" line */
	int failing;            /* the last attempt failed */
};

void backlog_init(struct backlog *b, struct output *out,
                  const struct umbra_config *cfg, backlog_release_fn *release,
                  void *ctx);

/* Queue interval `start` with its n runs (taken over; n may be 0 for an
 * interval without packets); `last` = the input ends with it (its file is
 * committed after it).  If try_write, write what can be written, oldest
 * first; then apply the bound.  *oc (may be NULL) tells what became of this
 * interval. */
void backlog_add(struct backlog *b, int64_t start, struct ftrun **runs,
                 uint32_t n, int last, int try_write,
                 struct backlog_outcome *oc);

/* Milliseconds until the next retry is due (0: now), -1 if nothing waits. */
long backlog_due_ms(const struct backlog *b);

/* Retry the waiting intervals if their time has come. */
void backlog_retry_if_due(struct backlog *b);

/* End of input or stop: one last attempt at everything queued (the open
 * file committed), then what is still queued is lost (logged, counted).
 * Returns the number of intervals lost since start. */
uint64_t backlog_finish(struct backlog *b);

#endif
