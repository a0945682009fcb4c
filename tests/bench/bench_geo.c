/* bench_geo.c: geo_open and geo_lookup on a Country-sized MaxMind DB.
 *
 * usage: bench_geo DB.mmdb [LOOKUPS]   (default 20000000)
 *
 * DB.mmdb is made by tests/bench/run.sh (the IPv4 space cut into about
 * 960k networks of /15 to /24, 250 countries, an IPv6 database as
 * MaxMind's are).  Times the open (map, check and flatten) and lookups of
 * random addresses from one thread: uniform over the whole space, and
 * inside 1.0.0.0-223.255.255.255 (where the networks are; 90% of it is
 * covered).  Figures are medians of 3 runs; lookups are timed in this
 * thread's CPU time (the machine is shared).  Memory is the heap the open
 * left allocated (glibc's mallinfo2), the mapping of the file not counted.
 */
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "geo.h"
#include "test_util.h"

#define RUNS 3

static uint64_t rng_state = 0x6e0;

static uint64_t rnd(void)
{
	return splitmix64(&rng_state);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v)
{
	qsort(v, RUNS, sizeof *v, cmp_double);
	return v[RUNS / 2];
}

/* CPU seconds for n lookups of a[], and a checksum of what they found */
static double time_lookups(const struct geo_db *g, const uint32_t *a, size_t n,
                           uint64_t *sum)
{
	double t0 = clock_s(CLOCK_THREAD_CPUTIME_ID);
	struct geo_info gi;

	for (size_t i = 0; i < n; i++) {
		int rc = geo_lookup(g, a[i], &gi);
		*sum += (uint64_t)rc + (uint8_t)gi.country[0] +
		        (uint8_t)gi.continent[1];
	}
	return clock_s(CLOCK_THREAD_CPUTIME_ID) - t0;
}

int main(int argc, char **argv)
{
	size_t nlook = argc > 2 ? strtoul(argv[2], NULL, 10) : 20000000;
	double t_open[RUNS], t_uni[RUNS], t_in[RUNS];
	struct umbra_err err = {{0}};
	struct geo_db *g = NULL;
	uint32_t *uni, *in;
	uint64_t sum = 0;
	size_t heap = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: bench_geo DB.mmdb [LOOKUPS]\n");
		return 2;
	}
	uni = malloc(nlook * sizeof *uni);
	in = malloc(nlook * sizeof *in);
	if (!uni || !in) {
		fprintf(stderr, "bench_geo: out of memory\n");
		return 1;
	}
	for (size_t i = 0; i < nlook; i++) {
		uni[i] = (uint32_t)rnd();
		in[i] = 0x01000000u +
		        (uint32_t)(rnd() % (0xe0000000u - 0x01000000u));
	}
	for (int r = 0; r < RUNS; r++) {
		struct mallinfo2 m0 = mallinfo2(), m1;
		double t0 = clock_s(CLOCK_MONOTONIC);

		geo_close(g);
		g = geo_open(argv[1], &err);
		t_open[r] = clock_s(CLOCK_MONOTONIC) - t0;
		if (!g) {
			fprintf(stderr, "bench_geo: %s\n", err.msg);
			return 1;
		}
		m1 = mallinfo2();
		if (r == 0) /* small blocks, and those mmap()ed */
			heap =
			    m1.uordblks + m1.hblkhd - m0.uordblks - m0.hblkhd;
		t_uni[r] = time_lookups(g, uni, nlook, &sum);
		t_in[r] = time_lookups(g, in, nlook, &sum);
	}

	const struct geo_stats *st = geo_get_stats(g);
	double tu = median(t_uni), ti = median(t_in);
	printf("geo: %s, IPv%u, %u nodes, %llu IPv4 networks, %llu "
	       "records; heap after open %.1f MB\n",
	       st->database_type, st->ip_version, st->node_count,
	       (unsigned long long)st->ipv4_networks,
	       (unsigned long long)st->records, (double)heap / (1 << 20));
	printf("geo: open %.3f s (map, check, flatten)\n", median(t_open));
	printf("geo: geo_lookup, one thread (CPU time): %.1f M/s uniform "
	       "random addresses (%.1f ns), %.1f M/s inside 1/8-223/8 "
	       "(%.1f ns) [checksum %llu]\n",
	       (double)nlook / tu / 1e6, tu * 1e9 / (double)nlook,
	       (double)nlook / ti / 1e6, ti * 1e9 / (double)nlook,
	       (unsigned long long)(sum & 0xffff));
	geo_close(g);
	free(uni);
	free(in);
	return 0;
}
