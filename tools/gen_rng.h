/* gen_rng.h: umbra-gen's random numbers: one xoshiro256** generator seeded
 * with splitmix64, uniform draws, and Walker alias tables for fixed discrete
 * distributions (the Zipf-skewed source population).
 *
 * The same seed gives the same numbers on every machine and compiler.  The
 * draws are inline: they run several times per packet; the tables are
 * built before the first one.
 */
#ifndef UMBRA_GEN_RNG_H
#define UMBRA_GEN_RNG_H

#include <stdint.h>

struct rng {
	uint64_t s[4];
};

static inline uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void rng_seed(struct rng *r, uint64_t seed);

static inline uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/* xoshiro256** */
static inline uint64_t rng64(struct rng *r)
{
	uint64_t *s = r->s;
	uint64_t out = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return out;
}

static inline uint32_t rng32(struct rng *r)
{
	return (uint32_t)(rng64(r) >> 32);
}

/* Uniform in [0, n), n >= 1 (multiply-shift; the bias is below 2^-32). */
static inline uint32_t below(struct rng *r, uint32_t n)
{
	return (uint32_t)(((uint64_t)rng32(r) * n) >> 32);
}

/* Uniform in [lo, hi]. */
static inline uint32_t range(struct rng *r, uint32_t lo, uint32_t hi)
{
	return lo + below(r, hi - lo + 1);
}

/* True with probability pm / 1000. */
static inline int chance(struct rng *r, uint32_t pm)
{
	return below(r, 1000) < pm;
}

/* Walker's alias table: O(1) draws from a fixed discrete distribution. */
struct alias {
	uint32_t n;
	uint32_t *prob; /* scaled to 2^32 */
	uint32_t *other;
};

/* Build the table for weights w[0..n) (n >= 1, sum > 0).  Returns 0 or
 * -ENOMEM. */
int alias_init(struct alias *a, const double *w, uint32_t n);

static inline uint32_t alias_draw(const struct alias *a, struct rng *r)
{
	uint64_t x = rng64(r);
	uint32_t i = (uint32_t)(((x >> 32) * a->n) >> 32);

	return (uint32_t)x < a->prob[i] ? i : a->other[i];
}

void alias_free(struct alias *a);

/* An alias table over n ranks with Zipf-Mandelbrot weights (rank 0 the
 * most likely; see gen_rng.c).  Returns 0 or -ENOMEM. */
int zipf_init(struct alias *a, uint32_t n);

#endif
