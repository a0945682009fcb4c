/* bench_pfx2as.c: the prefix-to-AS table on a synthetic full-size table.
 *
 * usage: bench_pfx2as [DIR [PREFIXES [LOOKUPS]]]
 *        (defaults: /tmp, 900000, 20000000)
 *
 * The table imitates a routeviews pfx2as file: prefixes with the length
 * mix of today's IPv4 table (mostly /24, then /22, /23, /20, /21, ...,
 * a few shorter than /16 and longer than /24), addresses at random in
 * 1.0.0.0-223.255.255.255 (so some nest), 70000 origin ASes with a skewed
 * popularity, 2% multi-origin and 0.5% AS sets; sorted by address as CAIDA
 * publishes it.  Generated once (deterministically, not timed), written
 * gzip-compressed to DIR.  Each run then times the load of the .gz file
 * (read, parse and build) and of the same text from memory, and lookups of
 * random addresses from one thread: uniform over the whole space, and
 * inside the table's prefixes (a random prefix, a random host in it).
 * Figures are medians of 3 runs; lookups are timed in this thread's CPU
 * time (the machine is shared); memory is what the table holds.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "pfx2as.h"
#include "test_util.h"

#define RUNS 3

static uint64_t rng_state = 0x9f2a5;

static uint64_t rnd(void)
{
	return splitmix64(&rng_state);
}

/* wall clock, for loads (libwandio reads on a thread of its own) */
static double now(void)
{
	return clock_s(CLOCK_MONOTONIC);
}

/* this thread's CPU time, for lookups: the machine is shared, and time
 * spent descheduled is not the lookups' */
static double cpu(void)
{
	return clock_s(CLOCK_THREAD_CPUTIME_ID);
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

/* Prefix length by today's IPv4 table (percent of prefixes). */
static unsigned pick_len(void)
{
	static const struct {
		unsigned len;
		unsigned permille;
	} mix[] = {{24, 600}, {22, 120}, {23, 100}, {21, 45}, {20, 45},
	           {19, 25},  {16, 14},  {18, 13},  {17, 8},  {15, 4},
	           {14, 4},   {13, 3},   {12, 3},   {11, 2},  {10, 1},
	           {9, 1},    {8, 1},    {25, 4},   {26, 3},  {27, 2},
	           {28, 1},   {29, 1},   {30, 1},   {32, 1}};
	unsigned r = (unsigned)(rnd() % 1000);

	for (size_t i = 0; i < sizeof mix / sizeof mix[0]; i++) {
		if (r < mix[i].permille)
			return mix[i].len;
		r -= mix[i].permille;
	}
	return 24;
}

static uint32_t pick_as(void)
{
	/* skewed: a few ASes originate many prefixes */
	double u = (double)(rnd() >> 11) / 9007199254740992.0;
	return 1 + (uint32_t)(70000.0 * u * u * u);
}

struct gen {
	uint64_t *keys; /* net << 6 | len, sorted, distinct */
	size_t n;
	char *text;
	size_t len;
};

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static void generate(struct gen *g, size_t want)
{
	size_t cap = want + want / 4, n = 0, o = 0;

	g->keys = malloc(cap * sizeof *g->keys);
	while (n < want) {
		while (n < cap) {
			unsigned len = pick_len();
			uint32_t a =
			    (uint32_t)(0x01000000u +
			               rnd() % (0xe0000000u - 0x01000000u));
			uint32_t mask = ~(uint32_t)0 << (32 - len);
			g->keys[n++] = (uint64_t)(a & mask) << 6 | len;
		}
		qsort(g->keys, n, sizeof *g->keys, cmp_u64);
		size_t u = 0;
		for (size_t i = 0; i < n; i++)
			if (u == 0 || g->keys[i] != g->keys[u - 1])
				g->keys[u++] = g->keys[i];
		n = u;
	}
	/* keep want of the n at random, in order (selection sampling) */
	size_t kept = 0;
	for (size_t j = 0; j < n && kept < want; j++)
		if (rnd() % (n - j) < want - kept)
			g->keys[kept++] = g->keys[j];
	n = kept;
	g->n = n;
	g->text = malloc(n * 48);
	for (size_t i = 0; i < n; i++) {
		uint32_t a = (uint32_t)(g->keys[i] >> 6);
		unsigned len = (unsigned)(g->keys[i] & 63);
		uint64_t r = rnd() % 1000;

		o += (size_t)sprintf(g->text + o, "%u.%u.%u.%u\t%u\t%u",
		                     a >> 24, a >> 16 & 255, a >> 8 & 255,
		                     a & 255, len, pick_as());
		if (r < 20)
			o += (size_t)sprintf(g->text + o, "_%u", pick_as());
		else if (r < 25)
			o += (size_t)sprintf(g->text + o, ",%u", pick_as());
		g->text[o++] = '\n';
	}
	g->len = o;
}

static int write_gz(const char *path, const char *text, size_t len)
{
	gzFile f = gzopen(path, "wb6");

	if (!f)
		return -1;
	while (len) {
		unsigned chunk = len > (1u << 30) ? 1u << 30 : (unsigned)len;
		if (gzwrite(f, text, chunk) != (int)chunk) {
			gzclose(f);
			return -1;
		}
		text += chunk;
		len -= chunk;
	}
	return gzclose(f) == Z_OK ? 0 : -1;
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "/tmp";
	size_t want = argc > 2 ? strtoul(argv[2], NULL, 10) : 900000;
	size_t nlook = argc > 3 ? strtoul(argv[3], NULL, 10) : 20000000;
	double t_file[RUNS], t_mem[RUNS], t_uni[RUNS], t_in[RUNS],
	    t_match[RUNS];
	size_t nmatch = nlook / 10;
	struct umbra_err err;
	struct gen g = {0};
	char path[4096];
	uint32_t *uni, *in;
	uint64_t sum = 0;
	struct pfx2as *t = NULL;

	generate(&g, want);
	snprintf(path, sizeof path, "%s/bench-pfx2as-%d.txt.gz", dir,
	         (int)getpid());
	if (write_gz(path, g.text, g.len)) {
		fprintf(stderr, "bench_pfx2as: cannot write %s\n", path);
		return 1;
	}
	uni = malloc(nlook * sizeof *uni);
	in = malloc(nlook * sizeof *in);
	for (size_t i = 0; i < nlook; i++) {
		uint64_t k = g.keys[rnd() % g.n];
		unsigned len = (unsigned)(k & 63);
		uint32_t host = len == 32 ? 0 : (uint32_t)rnd() >> len;

		uni[i] = (uint32_t)rnd();
		in[i] = (uint32_t)(k >> 6) | host;
	}

	for (int r = 0; r < RUNS; r++) {
		double t0 = now();
		struct pfx2as *m;

		pfx2as_free(t);
		t = pfx2as_load(path, &err);
		if (!t) {
			fprintf(stderr, "bench_pfx2as: %s\n", err.msg);
			unlink(path);
			return 1;
		}
		t_file[r] = now() - t0;
		t0 = now();
		m = pfx2as_load_mem("mem", g.text, g.len, &err);
		t_mem[r] = now() - t0;
		pfx2as_free(m);

		t0 = cpu();
		for (size_t i = 0; i < nlook; i++)
			sum += pfx2as_lookup(t, uni[i]);
		t_uni[r] = cpu() - t0;
		t0 = cpu();
		for (size_t i = 0; i < nlook; i++)
			sum += pfx2as_lookup(t, in[i]);
		t_in[r] = cpu() - t0;
		t0 = cpu();
		for (size_t i = 0; i < nmatch; i++) {
			struct pfx2as_match pm;
			sum += (uint64_t)pfx2as_match(t, in[i], &pm);
		}
		t_match[r] = cpu() - t0;
	}
	unlink(path);

	const struct pfx2as_stats *st = pfx2as_get_stats(t);
	double tu = median(t_uni), ti = median(t_in), tm = median(t_match);
	printf("pfx2as: %llu prefixes (%zu MB of text), %llu ranges, %llu "
	       "tbl8 groups; table %.1f MB\n",
	       (unsigned long long)st->prefixes, g.len >> 20,
	       (unsigned long long)st->intervals,
	       (unsigned long long)st->tbl8_groups,
	       (double)st->memory / (1 << 20));
	printf("pfx2as: load %.3f s from .gz (read + parse + build), "
	       "%.3f s from memory (parse + build)\n",
	       median(t_file), median(t_mem));
	printf("pfx2as: pfx2as_lookup, one thread (CPU time): %.1f M/s "
	       "uniform random addresses (%.1f ns), %.1f M/s inside the "
	       "prefixes (%.1f ns)\n",
	       (double)nlook / tu / 1e6, tu * 1e9 / (double)nlook,
	       (double)nlook / ti / 1e6, ti * 1e9 / (double)nlook);
	printf("pfx2as: pfx2as_match: %.1f M/s inside the "
	       "prefixes [checksum %llu]\n",
	       (double)nmatch / tm / 1e6, (unsigned long long)(sum & 0xffff));
	pfx2as_free(t);
	free(uni);
	free(in);
	free(g.keys);
	free(g.text);
	return 0;
}
