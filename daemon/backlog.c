/* backlog.c: the merger's writer and its FIFO of intervals not yet on disk
 * (see backlog.h).
 *
 * The FIFO is a singly linked list, oldest first.  Its entries are either
 * appended (in the open file, kept until that file is committed, always a
 * prefix of the list) or waiting (not in any file: queued behind a failure,
 * or just added).  A failed file turns its appended entries back into
 * waiting ones, so the retry writes the whole file again.
 */
#include "backlog.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "ftrun.h"
#include "log.h"

/* A "still failing" reminder at most this often (every retry is logged at
 * debug level). */
#define WARN_EVERY_SECONDS 300.0

struct backlog_entry {
	struct backlog_entry *next;
	int64_t start;
	uint64_t nrec;              /* its flowtuples */
	uint64_t bytes;             /* memory it holds: itself and its runs */
	struct backlog_outcome *oc; /* reported to, while backlog_add runs */
	double held_since;          /* monotonic; 0 = never held */
	uint8_t appended;           /* in the open file */
	uint8_t released;           /* appended, runs given back (bound) */
	uint8_t last;               /* the input ends with it */
	uint32_t nruns;
	struct ftrun *runs[];
};

/* Interval start as "YYYY-MM-DDTHH:MM:SSZ" (the merger's log form). */
static const char *when(int64_t start, char buf[32])
{
	time_t t = (time_t)start;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

static uint64_t run_bytes(const struct ftrun *r)
{
	return sizeof *r + (uint64_t)r->key_cap * sizeof *r->keys + r->enc_cap;
}

static double mib(uint64_t bytes)
{
	return (double)bytes / (1024.0 * 1024.0);
}

void backlog_init(struct backlog *b, struct output *out,
                  const struct umbra_config *cfg, backlog_release_fn *release,
                  void *ctx)
{
	memset(b, 0, sizeof *b);
	b->out = out;
	b->limit = (uint64_t)cfg->output_backlog_mb * 1024 * 1024;
	b->retry = cfg->output_retry_seconds;
	b->release = release;
	b->ctx = ctx;
}

/* Give the entry's runs back; its memory shrinks to the entry itself. */
static void release_runs(struct backlog *b, struct backlog_entry *e)
{
	uint64_t keep = sizeof *e + e->nruns * sizeof e->runs[0];

	for (uint32_t i = 0; i < e->nruns; i++) {
		if (e->runs[i])
			b->release(b->ctx, e->runs[i]);
		e->runs[i] = NULL;
	}
	b->bytes -= e->bytes - keep;
	if (!e->appended)
		b->held_bytes -= e->bytes - keep;
	e->bytes = keep;
}

/* Unlink e (whose predecessor is prev, NULL for the head) and free it. */
static void remove_entry(struct backlog *b, struct backlog_entry *prev,
                         struct backlog_entry *e)
{
	release_runs(b, e);
	if (prev)
		prev->next = e->next;
	else
		b->head = e->next;
	if (b->tail == e)
		b->tail = prev;
	if (b->adding == e)
		b->adding = NULL;
	b->entries--;
	b->bytes -= e->bytes;
	if (!e->appended) {
		b->held--;
		b->held_bytes -= e->bytes;
	}
	free(e);
}

/* Count e as lost and remove it. */
static void lose(struct backlog *b, struct backlog_entry *prev,
                 struct backlog_entry *e, const char *why)
{
	char w[32];

	log_error("interval %s lost: %" PRIu64 " flowtuples not written (%s)",
	          when(e->start, w), e->nrec, why);
	b->lost++;
	b->lost_records += e->nrec;
	if (e->oc)
		e->oc->status = BACKLOG_LOST;
	remove_entry(b, prev, e);
}

/* The open file is committed: every appended entry is on disk. */
static void file_committed(struct backlog *b, uint64_t file_bytes)
{
	double now = mono_now();
	char w[32];

	while (b->head && b->head->appended) {
		struct backlog_entry *e = b->head;
		if (e->held_since > 0) {
			log_info("interval %s written from the backlog "
			         "(%" PRIu64 " flowtuples, held %.0f s) -> %s",
			         when(e->start, w), e->nrec,
			         now - e->held_since, b->out->path);
			b->written_again++;
		}
		if (e->oc) {
			e->oc->status = BACKLOG_WRITTEN;
			e->oc->committed = 1;
			e->oc->file_bytes = file_bytes;
		}
		remove_entry(b, NULL, e);
	}
	b->failing = 0;
}

/* A write or commit failed: the open file is gone, the entries appended to
 * it wait again (or are lost if the bound released their runs), and the
 * failure is logged (loudly the first time). */
static void file_failed(struct backlog *b, struct backlog_entry *cur)
{
	struct backlog_entry *prev = NULL, *e = b->head;
	double now = mono_now();
	char w[32];

	output_abort(b->out);
	while (e && e->appended) {
		struct backlog_entry *next = e->next;
		if (e->released) {
			lose(b, prev, e,
			     "its file failed after it had left memory");
		} else {
			e->appended = 0;
			b->held++;
			b->held_bytes += e->bytes;
			if (e->held_since == 0)
				e->held_since = now;
			if (e->oc)
				e->oc->status = BACKLOG_HELD;
			prev = e;
		}
		e = next;
	}
	if (cur && cur->held_since == 0)
		cur->held_since = now;
	if (!b->failing) {
		if (b->limit)
			log_error("%s; interval %s held in memory, retried "
			          "every %.0f s (backlog up to %" PRIu64
			          " MiB)",
			          b->out->err.msg,
			          when(b->head ? b->head->start : 0, w),
			          b->retry, b->limit >> 20);
		else
			log_error("%s; output_backlog_mb is 0: nothing is "
			          "held",
			          b->out->err.msg);
		b->last_warn = now;
	} else if (now - b->last_warn >= WARN_EVERY_SECONDS) {
		log_warn("output still failing: %s; %" PRIu64
		         " intervals (%.1f MiB) held",
		         b->out->err.msg, b->held, mib(b->held_bytes));
		b->last_warn = now;
	} else {
		log_debug("retry failed: %s", b->out->err.msg);
	}
	b->failing = 1;
	b->next_retry = now + b->retry;
}

/* Merge e's runs into the open file (opening it if needed). */
static int write_entry(struct backlog *b, struct backlog_entry *e)
{
	int rc = output_begin(b->out, e->start);

	if (rc == 0 && e->nruns) {
		struct ftrun_merge mg;
		const uint8_t *d;
		size_t len;
		ftrun_merge_init(&mg, e->runs, e->nruns);
		while (rc == 0 && ftrun_merge_next(&mg, &d, &len) == 1)
			rc = output_append(b->out, d, len);
	}
	return rc;
}

static int commit(struct backlog *b)
{
	uint64_t bytes;

	if (output_finish(b->out, &bytes) < 0) {
		file_failed(b, NULL);
		return -1;
	}
	file_committed(b, bytes);
	return 0;
}

/* Write the waiting entries, oldest first, until one fails.  final: the
 * input is over, commit the open file at the end. */
static void flush(struct backlog *b, int final)
{
	int was_failing = b->failing;
	uint64_t again = b->written_again;

	for (;;) {
		struct backlog_entry *e = b->head;
		while (e && e->appended)
			e = e->next;
		if (!e) {
			if (final && b->out->w)
				commit(b);
			break;
		}
		/* a file whose period is over but still open (its last
		 * interval never came): commit it first */
		if (b->out->w &&
		    b->out->file_start != output_file_start(b->out, e->start) &&
		    commit(b) < 0)
			break;
		struct backlog_outcome *oc = e->oc; /* e may go */
		double t0 = mono_now();
		if (write_entry(b, e) < 0) {
			file_failed(b, e);
			if (oc)
				oc->write_seconds += mono_now() - t0;
			break;
		}
		e->appended = 1;
		b->held--;
		b->held_bytes -= e->bytes;
		if (e->oc) {
			e->oc->status = BACKLOG_WRITTEN;
			e->oc->committed = 0;
		}
		int rc = 0;
		if (e->last || output_period_last(b->out, e->start) ||
		    (final && !e->next))
			rc = commit(b);
		if (oc)
			oc->write_seconds += mono_now() - t0;
		if (rc < 0)
			break;
	}
	if (was_failing && !b->failing)
		log_info("output writable again: %" PRIu64
		         " held intervals written, %" PRIu64 " still held",
		         b->written_again - again, b->held);
}

/* Past the bound: release appended runs first (not a loss while their file
 * is fine), then drop the oldest waiting entries. */
static void enforce_bound(struct backlog *b)
{
	struct backlog_entry *prev = NULL, *e = b->head;

	while (e && b->bytes > b->limit) {
		struct backlog_entry *next = e->next;
		if (e->appended) {
			if (!e->released) {
				char w[32];
				log_debug(
				    "interval %s: runs released over "
				    "output_backlog_mb (in the open file)",
				    when(e->start, w));
				release_runs(b, e);
				e->released = 1;
			}
			prev = e;
		} else {
			char why[96];
			snprintf(why, sizeof why,
			         "dropped from the backlog, over "
			         "output_backlog_mb %" PRIu64,
			         b->limit >> 20);
			lose(b, prev, e, why);
		}
		e = next;
	}
}

void backlog_add(struct backlog *b, int64_t start, struct ftrun **runs,
                 uint32_t n, int last, int try_write,
                 struct backlog_outcome *oc)
{
	struct backlog_entry *e = calloc(1, sizeof *e + n * sizeof *runs);
	uint64_t nrec = 0;
	char w[32];

	for (uint32_t i = 0; i < n; i++)
		nrec += runs[i] ? runs[i]->nrec : 0;
	if (oc) {
		memset(oc, 0, sizeof *oc);
		oc->status = BACKLOG_HELD;
		output_path(b->out, start, oc->path, sizeof oc->path);
	}
	if (!e) {
		log_error("interval %s lost: %" PRIu64
		          " flowtuples not written (out of memory)",
		          when(start, w), nrec);
		for (uint32_t i = 0; i < n; i++)
			if (runs[i])
				b->release(b->ctx, runs[i]);
		b->lost++;
		b->lost_records += nrec;
		if (oc)
			oc->status = BACKLOG_LOST;
		return;
	}
	e->start = start;
	e->nrec = nrec;
	e->last = last != 0;
	e->nruns = n;
	e->bytes = sizeof *e + n * sizeof *runs;
	for (uint32_t i = 0; i < n; i++) {
		e->runs[i] = runs[i];
		if (runs[i])
			e->bytes += run_bytes(runs[i]);
	}
	e->oc = oc;
	if (b->tail)
		b->tail->next = e;
	else
		b->head = e;
	b->tail = e;
	b->entries++;
	b->bytes += e->bytes;
	b->held++;
	b->held_bytes += e->bytes;

	b->adding = e;
	if (try_write)
		flush(b, 0);
	enforce_bound(b);
	if (b->adding) { /* still queued */
		if (!e->appended && e->held_since == 0)
			e->held_since = mono_now();
		e->oc = NULL;
		b->adding = NULL;
	}
}

long backlog_due_ms(const struct backlog *b)
{
	if (!b->held)
		return -1;
	double ms = (b->next_retry - mono_now()) * 1000.0;
	return ms <= 0 ? 0 : (long)ms + 1;
}

void backlog_retry_if_due(struct backlog *b)
{
	if (b->held && mono_now() >= b->next_retry) {
		flush(b, 0);
		enforce_bound(b);
	}
}

uint64_t backlog_finish(struct backlog *b)
{
	if (b->head)
		flush(b, 1);
	output_abort(b->out); /* nothing should be open; never leave it */
	while (b->head)
		lose(b, NULL, b->head,
		     b->failing ? "still not writable at exit"
		                : "not written at exit");
	if (b->lost)
		log_error("%" PRIu64 " intervals (%" PRIu64
		          " flowtuples) could not be written and are lost",
		          b->lost, b->lost_records);
	else if (b->written_again)
		log_info("%" PRIu64 " held intervals written after a failure, "
		         "none lost",
		         b->written_again);
	return b->lost;
}
