/* test_util.h: small helpers the tests and benchmarks share: a seeded
 * pseudo-random sequence (splitmix64: the same numbers everywhere) and a
 * clock in seconds. */
#ifndef UMBRA_TEST_UTIL_H
#define UMBRA_TEST_UTIL_H

#include <stdint.h>
#include <time.h>

static inline uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Seconds on clock id (CLOCK_MONOTONIC, CLOCK_THREAD_CPUTIME_ID, ...). */
static inline double clock_s(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#endif
