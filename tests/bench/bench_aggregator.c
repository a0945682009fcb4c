/* bench_aggregator.c: the aggregator alone, one core.
 *
 * Usage: bench_aggregator CAPTURE [INTERVAL] [RUNS]
 * Decodes every packet of the capture's first interval into memory first,
 * then times ftable_add() over them (and, separately, ftable_emit()), RUNS
 * times, and prints the medians: packets/s, flowtuples per packet, bytes per
 * flowtuple.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "capfile.h"
#include "decode.h"
#include "ftable.h"
#include "ftrun.h"
#include "interval.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	struct umbra_err err;
	struct umbra_frame f;
	struct capfile *cf;
	struct ft_pkt *pk = NULL;
	size_t n = 0, cap = 0;
	int64_t first = INT64_MIN;
	int interval = argc > 2 ? atoi(argv[2]) : 300;
	int runs = argc > 3 ? atoi(argv[3]) : 5;

	if (argc < 2) {
		fprintf(stderr, "usage: %s CAPTURE [INTERVAL] [RUNS]\n",
		        argv[0]);
		return 2;
	}
	cf = capfile_open(argv[1], CAPFILE_AUTO, &err);
	if (!cf) {
		fprintf(stderr, "%s\n", err.msg);
		return 1;
	}
	while (capfile_next(cf, &f, &err) == 1) {
		int64_t s = interval_start(f.ts_sec, interval);
		if (first == INT64_MIN)
			first = s;
		if (s != first)
			break;
		if (n == cap) {
			cap = cap ? cap * 2 : 1 << 20;
			pk = realloc(pk, cap * sizeof *pk);
			if (!pk)
				return 1;
		}
		if (umbra_decode(&f, &pk[n]) == UMBRA_PKT_IPV4)
			n++;
	}
	capfile_close(cf);

	double *add = calloc((size_t)runs, sizeof *add);
	double *emit = calloc((size_t)runs, sizeof *emit);
	uint32_t keys = 0;
	uint64_t mem = 0;
	struct ftable t;
	if (ftable_init(&t, 16, 1 << 16) < 0)
		return 1;
	for (int r = 0; r < runs; r++) {
		double t0 = now();
		for (size_t i = 0; i < n; i += 128)
			ftable_add_burst(&t, &pk[i],
			                 (uint32_t)(n - i < 128 ? n - i : 128));
		double t1 = now();
		struct ftrun *run = ftrun_new();
		if (ftable_emit(&t, first, run) < 0)
			return 1;
		double t2 = now();
		add[r] = t1 - t0;
		emit[r] = t2 - t1;
		keys = t.n;
		mem = ftable_memory(&t);
		ftrun_free(run);
		ftable_reset(&t);
	}
	qsort(add, (size_t)runs, sizeof *add, cmp_double);
	qsort(emit, (size_t)runs, sizeof *emit, cmp_double);
	double a = add[runs / 2], e = emit[runs / 2];
	printf(
	    "aggregator: %zu IPv4 packets, %u flowtuples (%.2f per packet)\n",
	    n, keys, n ? (double)keys / (double)n : 0.0);
	printf("aggregator: add %.1f Mpps (median of %d, %.3f s), "
	       "emit %.0f ms (%.2f M records/s)\n",
	       n / a / 1e6, runs, a, e * 1e3, keys / e / 1e6);
	printf("aggregator: add+emit %.1f Mpps; table memory %.1f MB, "
	       "%.0f bytes per flowtuple\n",
	       n / (a + e) / 1e6, mem / 1e6, keys ? (double)mem / keys : 0.0);
	ftable_destroy(&t);
	free(pk);
	free(add);
	free(emit);
	return 0;
}
