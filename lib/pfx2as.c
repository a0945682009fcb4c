/* pfx2as.c: the longest-prefix-match table of pfx2as.h, and its lookups.
 *
 * The lookup structure is DIR-24-8: tbl24, one 32-bit entry for each /24
 * of the IPv4 space, holds the answer for every address of that /24, or,
 * when prefixes longer than /24 split it, the number of a 256-entry tbl8
 * group holding one answer per address.  An answer is a prefix number (1
 * + its index in the sorted prefixes, 0 for none): AS numbers use all 32
 * bits, so an entry could not hold both an AS and the tbl8 flag.  The AS
 * is then read from asn[], 4 bytes a prefix.  A lookup is one read of
 * tbl24 (64 MiB in huge pages: one cache miss, no TLB miss), rarely one
 * of tbl8, and one of asn[], with no branch but the rare tbl8 one, so the
 * CPU overlaps the misses of successive lookups.  pfx2as_match() reads
 * the same entry and the prefix's record.
 *
 * Building: the prefixes are sorted by (address, length) and swept once
 * with a stack of the prefixes open at the sweep point (at most 33 deep)
 * into the sorted list of address ranges they cut the space into, each
 * owned by its longest matching prefix; tbl24 and tbl8 are filled from
 * that list.
 *
 * Measured on a synthetic 900k-prefix table (tests/bench/bench_pfx2as.c;
 * BENCHMARKS.md has the figures), against the same ranges searched by a
 * branch-free binary search within the address's /16 (a 65536-entry
 * index over a sorted array of range starts) needs 13 MB instead of
 * about 85, but is 4 to 5 times slower (one dependent cache miss per
 * search step).  tbl24 entries indexing a table of distinct ASes instead
 * of prefixes were no faster.  Building takes about 0.3 s, 20 ms of it
 * writing tbl24 whatever the table's size.
 */
#include "pfx2as.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bigmem.h"
#include "pfx2as_int.h"

#define P2A_TBL24    (1u << 24)
#define P2A_TBL8_BIT (1u << 31) /* tbl24: the low bits are a tbl8 group */

struct p2a_prefix {
	uint32_t net;
	uint16_t n_origins;
	uint16_t n_as;
	uint8_t len;
};

struct pfx2as {
	/* read by every lookup */
	const uint32_t *tbl24; /* P2A_TBL24 prefix numbers, bigmem */
	const uint32_t *tbl8;  /* 256 prefix numbers per group */
	const uint32_t *asn;   /* by prefix number; asn[0] = 0 (none) */
	/* pfx2as_match() only: by prefix number - 1, sorted (net, len) */
	struct p2a_prefix *prefixes;
	uint32_t n_prefixes;
	struct pfx2as_stats st;
};

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* LSD radix sort of 64-bit keys, a byte at a time, skipping the bytes
 * every key shares.  tmp holds n keys.  The result is in keys. */
static void radix_sort(uint64_t *keys, uint64_t *tmp, size_t n)
{
	uint64_t *src = keys, *dst = tmp;

	for (unsigned shift = 0; shift < 64; shift += 8) {
		size_t count[256] = {0}, pos = 0;

		for (size_t i = 0; i < n; i++)
			count[(src[i] >> shift) & 0xff]++;
		if (n == 0 || count[(src[0] >> shift) & 0xff] == n)
			continue;
		for (unsigned b = 0; b < 256; b++) {
			size_t c = count[b];
			count[b] = pos;
			pos += c;
		}
		for (size_t i = 0; i < n; i++)
			dst[count[(src[i] >> shift) & 0xff]++] = src[i];
		uint64_t *t = src;
		src = dst;
		dst = t;
	}
	if (src != keys)
		memcpy(keys, src, n * sizeof *keys);
}

/* Sort key: address, then length, then file order (the entry's index). */
static uint64_t sort_key(const struct p2a_entry *e, size_t i)
{
	return (uint64_t)e->net << 32 | (uint64_t)e->len << 26 | i;
}

/* Interval list under construction. */
struct p2a_out {
	uint32_t *start;
	uint32_t *pfx;
	uint32_t n;
};

/* From start on, the space belongs to prefix number p (0: none).  A later
 * claim on the same start wins (it is the more specific), and intervals
 * left with the owner of the one before are merged into it. */
static void claim(struct p2a_out *o, uint32_t start, uint32_t p)
{
	if (o->n && o->start[o->n - 1] == start) {
		o->pfx[o->n - 1] = p;
		if (o->n >= 2 && o->pfx[o->n - 2] == p)
			o->n--;
		return;
	}
	if (o->n && o->pfx[o->n - 1] == p)
		return;
	o->start[o->n] = start;
	o->pfx[o->n] = p;
	o->n++;
}

static uint32_t last_addr(const struct p2a_prefix *p)
{
	return p->net | ~p2a_mask(p->len);
}

/* The sweep over sorted, distinct prefixes: owners are prefix numbers. */
static void flatten(const struct p2a_prefix *v, uint32_t n, struct p2a_out *o)
{
	uint32_t stack[33];
	unsigned sp = 0;

	claim(o, 0, 0);
	for (uint32_t i = 0; i <= n; i++) {
		/* close the open prefixes that end before v[i] (all of them
		 * after the last prefix) */
		while (sp &&
		       (i == n || v[i].net > last_addr(&v[stack[sp - 1]]))) {
			uint32_t end = last_addr(&v[stack[--sp]]);

			if (end != UINT32_MAX)
				claim(o, end + 1, sp ? stack[sp - 1] + 1 : 0);
		}
		if (i == n)
			break;
		stack[sp++] = i;
		claim(o, v[i].net, i + 1);
	}
}

/* Sort, check for duplicates, keep the prefixes in sorted order. */
static int sorted_prefixes(struct p2a_parser *ps, struct p2a_prefix **out,
                           uint32_t **asn_out)
{
	size_t n = ps->n;
	uint64_t *keys = malloc(n * sizeof *keys);
	uint64_t *tmp = malloc(n * sizeof *tmp);
	struct p2a_prefix *v = malloc(n * sizeof *v);
	uint32_t *asn = malloc((n + 1) * sizeof *asn);
	int rc = 0;

	if (!keys || !tmp || !v || !asn) {
		rc = umbra_err_set(ps->err, -ENOMEM, "%s: out of memory",
		                   ps->name);
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		keys[i] = sort_key(&ps->v[i], i);
	radix_sort(keys, tmp, n);
	for (size_t i = 0; i < n; i++) {
		const struct p2a_entry *e =
		    &ps->v[keys[i] & (P2A_MAX_PREFIXES - 1)];

		if (i && keys[i] >> 26 == keys[i - 1] >> 26) {
			const struct p2a_entry *first =
			    &ps->v[keys[i - 1] & (P2A_MAX_PREFIXES - 1)];
			rc = umbra_err_set(
			    ps->err, -EINVAL,
			    "%s:%u: duplicate prefix %u.%u.%u.%u/%u (first at "
			    "line %u)",
			    ps->name, e->line, e->net >> 24,
			    e->net >> 16 & 0xff, e->net >> 8 & 0xff,
			    e->net & 0xff, e->len, first->line);
			goto out;
		}
		v[i] = (struct p2a_prefix){.net = e->net,
		                           .n_origins = e->n_origins,
		                           .n_as = e->n_as,
		                           .len = e->len};
		asn[i + 1] = e->asn;
	}
	asn[0] = 0;
	*out = v;
	*asn_out = asn;
	v = NULL;
	asn = NULL;
out:
	free(keys);
	free(tmp);
	free(v);
	free(asn);
	return rc;
}

/* A tbl8 group for the /24 x, filled from the ranges starting at j (the
 * one holding x's first address).  0 or -ENOMEM. */
static int add_group(struct pfx2as *t, uint32_t **tbl8, size_t *cap,
                     uint32_t *tbl24, uint32_t x, const struct p2a_out *o,
                     uint32_t j)
{
	size_t g = t->st.tbl8_groups;
	uint32_t lo = x << 8;

	if (g == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;
		uint32_t *n = realloc(*tbl8, ncap * 256 * sizeof *n);

		if (!n)
			return -ENOMEM;
		*tbl8 = n;
		*cap = ncap;
	}
	for (uint32_t k = 0; k < 256; k++) {
		while (j + 1 < o->n && o->start[j + 1] <= lo + k)
			j++;
		(*tbl8)[g * 256 + k] = o->pfx[j];
	}
	tbl24[x] = P2A_TBL8_BIT | (uint32_t)g;
	t->st.tbl8_groups++;
	return 0;
}

/* Fill tbl24 from the ranges: each range's whole /24s directly, and a
 * tbl8 group for each /24 a range starts inside.  0 or -ENOMEM. */
static int fill(struct pfx2as *t, uint32_t *tbl24, const struct p2a_out *o)
{
	uint32_t *tbl8 = NULL;
	size_t cap = 0;
	uint64_t last_x = UINT64_MAX;

	for (uint32_t i = 0; i < o->n; i++) {
		uint64_t end = i + 1 < o->n ? o->start[i + 1] : 1ull << 32;
		uint32_t p = o->pfx[i];

		for (uint64_t x = (o->start[i] + 255ull) >> 8; x < end >> 8;
		     x++)
			tbl24[x] = p;
	}
	for (uint32_t i = 1; i < o->n; i++) {
		uint32_t x = o->start[i] >> 8;

		if ((o->start[i] & 0xff) == 0 || x == last_x)
			continue;
		if (add_group(t, &tbl8, &cap, tbl24, x, o, i - 1)) {
			free(tbl8);
			return -ENOMEM;
		}
		last_x = x;
	}
	t->tbl8 = tbl8;
	return 0;
}

static struct pfx2as *build(struct p2a_parser *ps, double t0)
{
	struct pfx2as *t = calloc(1, sizeof *t);
	struct p2a_out o = {0};
	uint32_t *tbl24, *asn = NULL;
	uint32_t n = (uint32_t)ps->n;

	if (!t) {
		umbra_err_set(ps->err, -ENOMEM, "%s: out of memory", ps->name);
		return NULL;
	}
	if (n == 0) {
		umbra_err_set(ps->err, -ENODATA,
		              "%s: no IPv4 prefix (%llu lines, %llu of them "
		              "IPv6)",
		              ps->name, (unsigned long long)ps->st.lines,
		              (unsigned long long)ps->st.ipv6_skipped);
		goto fail;
	}
	if (sorted_prefixes(ps, &t->prefixes, &asn))
		goto fail;
	t->asn = asn;
	t->n_prefixes = n;
	t->st = ps->st;
	o.start = malloc(((size_t)n * 2 + 1) * sizeof *o.start);
	o.pfx = malloc(((size_t)n * 2 + 1) * sizeof *o.pfx);
	if (!o.start || !o.pfx)
		goto oom;
	flatten(t->prefixes, n, &o);
	t->tbl24 = tbl24 = bigmem_alloc((size_t)P2A_TBL24 * sizeof *tbl24);
	if (!tbl24 || fill(t, tbl24, &o))
		goto oom;
	free(o.start);
	free(o.pfx);

	t->st.prefixes = n;
	t->st.intervals = o.n;
	t->st.memory = sizeof *t + (size_t)P2A_TBL24 * sizeof *tbl24 +
	               t->st.tbl8_groups * 256 * sizeof *t->tbl8 +
	               ((size_t)n + 1) * sizeof *asn +
	               (size_t)n * sizeof *t->prefixes;
	t->st.build_seconds = now_seconds() - t0;
	return t;
oom:
	umbra_err_set(ps->err, -ENOMEM, "%s: out of memory", ps->name);
fail:
	free(o.start);
	free(o.pfx);
	pfx2as_free(t);
	return NULL;
}

struct pfx2as *pfx2as_load(const char *path, struct umbra_err *err)
{
	struct p2a_parser ps;
	struct pfx2as *t = NULL;
	double t0 = now_seconds();

	p2a_parser_init(&ps, path, err);
	if (p2a_parse_file(&ps, path) == 0)
		t = build(&ps, t0);
	p2a_parser_free(&ps);
	return t;
}

struct pfx2as *pfx2as_load_mem(const char *name, const char *text, size_t len,
                               struct umbra_err *err)
{
	struct p2a_parser ps;
	struct pfx2as *t = NULL;
	double t0 = now_seconds();

	p2a_parser_init(&ps, name, err);
	if (p2a_parse_mem(&ps, text, len) == 0)
		t = build(&ps, t0);
	p2a_parser_free(&ps);
	return t;
}

void pfx2as_free(struct pfx2as *t)
{
	if (!t)
		return;
	if (t->tbl24)
		bigmem_free((void *)t->tbl24,
		            (size_t)P2A_TBL24 * sizeof *t->tbl24);
	free((void *)t->tbl8);
	free((void *)t->asn);
	free(t->prefixes);
	free(t);
}

/* Prefix number of the longest prefix holding addr, 0 if none. */
static inline uint32_t find(const struct pfx2as *t, uint32_t addr)
{
	uint32_t e = t->tbl24[addr >> 8];

	if (__builtin_expect(e & P2A_TBL8_BIT, 0))
		e = t->tbl8[(size_t)(e & ~P2A_TBL8_BIT) << 8 | (addr & 0xff)];
	return e;
}

uint32_t pfx2as_lookup(const struct pfx2as *t, uint32_t addr)
{
	return t->asn[find(t, addr)];
}

int pfx2as_match(const struct pfx2as *t, uint32_t addr, struct pfx2as_match *m)
{
	uint32_t e = find(t, addr);
	const struct p2a_prefix *p;

	if (e == 0)
		return 0;
	p = &t->prefixes[e - 1];
	m->net = p->net;
	m->len = p->len;
	m->asn = t->asn[e];
	m->n_origins = p->n_origins;
	m->n_as = p->n_as;
	return 1;
}

const struct pfx2as_stats *pfx2as_get_stats(const struct pfx2as *t)
{
	return &t->st;
}
