/* interval.h: the interval clock of FLOWTUPLE4.md section 4.
 *
 * Packet timestamps drive it: the first timestamped packet opens the interval
 * that holds it; a later interval closes the open one (and every empty one in
 * between); an older one is "late" and counts in the open interval; one more
 * than max_jump seconds ahead is "bad time": it counts in the open interval
 * and does not move the clock.  Pure logic, owned by one capture thread.
 */
#ifndef UMBRA_INTERVAL_H
#define UMBRA_INTERVAL_H

#include <stdint.h>

struct interval_clock {
	int64_t len;      /* interval length, seconds (> 0) */
	int64_t max_jump; /* seconds; 0 = no limit */
	int64_t open;     /* start of the open interval, when started */
	int started;
};

enum interval_verdict {
	INTERVAL_FIRST,   /* the clock started: open is the first interval */
	INTERVAL_IN,      /* in the open interval */
	INTERVAL_ADVANCE, /* a later interval: *closed holds the old start */
	INTERVAL_LATE,    /* older than the open interval */
	INTERVAL_BAD,     /* too far ahead: corrupt, clock unchanged */
};

void interval_clock_init(struct interval_clock *c, int64_t len,
                         int64_t max_jump);

/* floor(ts / len) * len, correct for negative ts. */
static inline int64_t interval_start(int64_t ts, int64_t len)
{
	int64_t q = ts / len;
	if ((ts % len) < 0)
		q--;
	return q * len;
}

/* Place a packet timestamp.  On INTERVAL_ADVANCE *closed receives the start of
 * the interval that just closed and c->open the new one. */
enum interval_verdict interval_clock_place(struct interval_clock *c,
                                           int64_t ts_sec, int64_t *closed);

#endif
