/* gen_rng.c: the setup side of umbra-gen's random numbers: seeding, and
 * building alias tables (see gen_rng.h).  Runs before the first packet.
 */
#include "gen_rng.h"

#include <errno.h>
#include <stdlib.h>

void rng_seed(struct rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

int alias_init(struct alias *a, const double *w, uint32_t n)
{
	double sum = 0, *p = malloc(n * sizeof(*p));
	uint32_t *small = malloc(n * sizeof(*small));
	uint32_t *large = malloc(n * sizeof(*large));
	uint32_t ns = 0, nl = 0;

	a->n = n;
	a->prob = malloc(n * sizeof(*a->prob));
	a->other = malloc(n * sizeof(*a->other));
	if (!p || !small || !large || !a->prob || !a->other) {
		free(p);
		free(small);
		free(large);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < n; i++)
		sum += w[i];
	for (uint32_t i = 0; i < n; i++) {
		p[i] = w[i] * n / sum;
		if (p[i] < 1.0)
			small[ns++] = i;
		else
			large[nl++] = i;
	}
	while (ns && nl) {
		uint32_t s = small[--ns], l = large[nl - 1];

		a->prob[s] = (uint32_t)(p[s] * 4294967295.0);
		a->other[s] = l;
		p[l] -= 1.0 - p[s];
		if (p[l] < 1.0) {
			nl--;
			small[ns++] = l;
		}
	}
	while (nl) {
		uint32_t l = large[--nl];
		a->prob[l] = UINT32_MAX;
		a->other[l] = l;
	}
	while (ns) { /* rounding leftovers */
		uint32_t s = small[--ns];
		a->prob[s] = UINT32_MAX;
		a->other[s] = s;
	}
	free(p);
	free(small);
	free(large);
	return 0;
}

void alias_free(struct alias *a)
{
	free(a->prob);
	free(a->other);
}

/* Square root by Newton's method (setup only; keeps libm out). */
static double root2(double x)
{
	double r = x > 1 ? x : 1;

	for (int i = 0; i < 64; i++) {
		double next = 0.5 * (r + x / r);

		if (next >= r)
			break;
		r = next;
	}
	return r;
}

/* Zipf-Mandelbrot weights, rank k gets (k + 5)^-1.5: the top 1% of the
 * sources send about 85% of the packets, the top one about 8%. */
int zipf_init(struct alias *a, uint32_t n)
{
	double *w = calloc(n, sizeof(*w));
	int rc;

	if (!w)
		return -ENOMEM;
	for (uint32_t i = 0; i < n; i++) {
		double k = i + 6.0;

		w[i] = 1.0 / (k * root2(k));
	}
	rc = alias_init(a, w, n);
	free(w);
	return rc;
}
