/* clock.h: the daemon's two clocks as seconds in a double: monotonic for
 * timeouts and durations, the wall clock for interval ends and messages.
 * Control paths only (one clock_gettime each, through the vDSO). */
#ifndef UMBRA_CLOCK_H
#define UMBRA_CLOCK_H

#include <time.h>

static inline double clock_seconds(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline double mono_now(void)
{
	return clock_seconds(CLOCK_MONOTONIC);
}

static inline double wall_now(void)
{
	return clock_seconds(CLOCK_REALTIME);
}

#endif
