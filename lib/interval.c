/* interval.c: the interval clock (see interval.h). */
#include "interval.h"

void interval_clock_init(struct interval_clock *c, int64_t len,
                         int64_t max_jump)
{
	c->len = len > 0 ? len : 300;
	c->max_jump = max_jump;
	c->open = 0;
	c->started = 0;
}

enum interval_verdict interval_clock_place(struct interval_clock *c,
                                           int64_t ts_sec, int64_t *closed)
{
	int64_t start = interval_start(ts_sec, c->len);

	if (__builtin_expect(!c->started, 0)) {
		c->open = start;
		c->started = 1;
		return INTERVAL_FIRST;
	}
	if (__builtin_expect(start == c->open, 1))
		return INTERVAL_IN;
	if (start < c->open)
		return INTERVAL_LATE;
	/* start > open; compare without overflow (both are multiples of len
	 * of int64 timestamps, the difference can exceed INT64_MAX only for
	 * absurd inputs, which unsigned arithmetic handles). */
	if (c->max_jump > 0 &&
	    (uint64_t)start - (uint64_t)c->open > (uint64_t)c->max_jump)
		return INTERVAL_BAD;
	*closed = c->open;
	c->open = start;
	return INTERVAL_ADVANCE;
}
