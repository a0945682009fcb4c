/* meta.c: sets of meta-data tables and the store that swaps them (meta.h).
 *
 * Why hazard slots and not a reference count in the set: a count would be
 * one cache line that every aggregator writes at every interval end, and
 * a reader would have to load the pointer and bump the count of a set that
 * the reloader may free in between.  A slot per reader is written by its
 * reader alone and read only by the reloader, once per reload; the
 * publish-then-scan order makes the free safe (meta.h).  Why not an RCU
 * library: one pointer, a handful of readers that each use a set for one
 * interval end, and reloads by hand; the scheme fits in a page.
 */
#include "meta.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "geo.h"
#include "pfx2as.h"

const char *const meta_source_key[META_NSOURCES] = {"maxmind_db", "netacq_db",
                                                    "pfx2as_file"};

/* One loaded file, shared by every set that holds it. */
struct meta_table {
	unsigned refs; /* sets holding it: control thread only */
	char *path;
	struct geo_db *geo; /* META_MAXMIND, META_NETACQ */
	struct pfx2as *p2a; /* META_PFX2AS */
};

struct meta_set {
	/* what a lookup reads */
	const struct geo_db *maxmind;
	const struct geo_db *netacq;
	const struct pfx2as *p2a;
	/* control */
	struct meta_table *tab[META_NSOURCES];
	unsigned char loaded_here[META_NSOURCES];
	uint64_t generation;
	struct meta_set *next_retired; /* the store's retired list */
};

/* A reader's hazard slot, alone in its cache line. */
struct meta_slot {
	_Atomic(const struct meta_set *) held;
	char pad[64 - sizeof(void *)];
};

struct meta_store {
	_Atomic(struct meta_set *) cur;
	struct meta_slot *slots; /* [n] */
	unsigned n;
	struct meta_set *retired; /* exchanged out, maybe still held */
	uint64_t generation;      /* of the last set published */
};

void meta_tags_clear(struct meta_tags *t)
{
	memcpy(t->maxmind_continent, "??", 3);
	memcpy(t->maxmind_country, "??", 3);
	memcpy(t->netacq_continent, "??", 3);
	memcpy(t->netacq_country, "??", 3);
	t->prefix2asn = 0;
}

static void table_unref(struct meta_table *t)
{
	if (!t || --t->refs > 0)
		return;
	geo_close(t->geo);
	pfx2as_free(t->p2a);
	free(t->path);
	free(t);
}

static struct meta_table *table_load(enum meta_source src, const char *path,
                                     struct umbra_err *err)
{
	struct meta_table *t = calloc(1, sizeof *t);

	if (t)
		t->path = strdup(path);
	if (!t || !t->path) {
		free(t);
		umbra_err_set(err, -ENOMEM, "%s: out of memory", path);
		return NULL;
	}
	if (src == META_PFX2AS)
		t->p2a = pfx2as_load(path, err);
	else
		t->geo = geo_open(path, err);
	if (!t->p2a && !t->geo) {
		free(t->path);
		free(t);
		return NULL;
	}
	t->refs = 1;
	return t;
}

struct meta_set *meta_set_build(const char *const paths[META_NSOURCES],
                                const struct meta_set *base,
                                struct meta_load_report *rep)
{
	struct meta_set *s = calloc(1, sizeof *s);
	int failed = 0;

	memset(rep, 0, sizeof *rep);
	if (!s)
		return NULL;
	for (int k = 0; k < META_NSOURCES; k++) {
		const char *path = paths[k];
		if (!path || !*path)
			continue;
		s->tab[k] = table_load((enum meta_source)k, path, &rep->err[k]);
		if (s->tab[k]) {
			rep->status[k] = META_LOAD_OK;
			s->loaded_here[k] = 1;
			continue;
		}
		rep->status[k] = META_LOAD_FAILED;
		failed = 1;
		if (base && base->tab[k]) {
			s->tab[k] = base->tab[k];
			s->tab[k]->refs++;
		}
	}
	if (failed && !base) {
		meta_set_free(s);
		return NULL;
	}
	s->maxmind = s->tab[META_MAXMIND] ? s->tab[META_MAXMIND]->geo : NULL;
	s->netacq = s->tab[META_NETACQ] ? s->tab[META_NETACQ]->geo : NULL;
	s->p2a = s->tab[META_PFX2AS] ? s->tab[META_PFX2AS]->p2a : NULL;
	return s;
}

void meta_set_free(struct meta_set *s)
{
	if (!s)
		return;
	for (int k = 0; k < META_NSOURCES; k++)
		table_unref(s->tab[k]);
	free(s);
}

static void geo_tags(const struct geo_db *g, uint32_t addr, char continent[3],
                     char country[3])
{
	struct geo_info gi;

	if (!g) {
		memcpy(continent, "??", 3);
		memcpy(country, "??", 3);
		return;
	}
	geo_lookup(g, addr, &gi); /* "??" for no network or damaged data */
	memcpy(continent, gi.continent, 3);
	memcpy(country, gi.country, 3);
}

void meta_lookup(const struct meta_set *s, uint32_t addr, struct meta_tags *out)
{
	if (!s) {
		meta_tags_clear(out);
		return;
	}
	geo_tags(s->maxmind, addr, out->maxmind_continent,
	         out->maxmind_country);
	geo_tags(s->netacq, addr, out->netacq_continent, out->netacq_country);
	out->prefix2asn = s->p2a ? pfx2as_lookup(s->p2a, addr) : 0;
}

const struct geo_db *meta_set_geo(const struct meta_set *s,
                                  enum meta_source src)
{
	if (src == META_MAXMIND)
		return s->maxmind;
	if (src == META_NETACQ)
		return s->netacq;
	return NULL;
}

const struct pfx2as *meta_set_pfx2as(const struct meta_set *s)
{
	return s->p2a;
}

const char *meta_set_path(const struct meta_set *s, enum meta_source src)
{
	return s->tab[src] ? s->tab[src]->path : "";
}

int meta_set_loaded_here(const struct meta_set *s, enum meta_source src)
{
	return s->loaded_here[src];
}

uint64_t meta_set_generation(const struct meta_set *s)
{
	return s->generation;
}

/* ---- the store ---- */

struct meta_store *meta_store_new(struct meta_set *initial, unsigned n_readers)
{
	struct meta_store *st;

	if (!initial)
		return NULL;
	st = calloc(1, sizeof *st);
	if (!st)
		return NULL;
	st->n = n_readers ? n_readers : 1;
	st->slots = aligned_alloc(64, (size_t)st->n * sizeof *st->slots);
	if (!st->slots) {
		free(st);
		return NULL;
	}
	for (unsigned i = 0; i < st->n; i++)
		atomic_init(&st->slots[i].held, NULL);
	initial->generation = st->generation = 1;
	atomic_init(&st->cur, initial);
	return st;
}

const struct meta_set *meta_store_acquire(struct meta_store *st,
                                          unsigned reader)
{
	struct meta_slot *slot;
	const struct meta_set *s;

	if (reader >= st->n)
		abort(); /* a reader number the store was not made for */
	slot = &st->slots[reader];
	s = atomic_load(&st->cur);
	/* announce, then check that it was not exchanged out meanwhile: if
	 * it was, the reloader may have scanned this slot before the store
	 * and may free it, so take the new one */
	for (;;) {
		const struct meta_set *again;
		atomic_store(&slot->held, s);
		again = atomic_load(&st->cur);
		if (again == s)
			return s;
		s = again;
	}
}

void meta_store_release(struct meta_store *st, unsigned reader)
{
	atomic_store(&st->slots[reader].held, NULL);
}

const struct meta_set *meta_store_current(const struct meta_store *st)
{
	return atomic_load(&((struct meta_store *)st)->cur);
}

static int held_by_a_reader(const struct meta_store *st,
                            const struct meta_set *s)
{
	for (unsigned i = 0; i < st->n; i++)
		if (atomic_load(&st->slots[i].held) == s)
			return 1;
	return 0;
}

/* Free every retired set no reader holds.  Returns how many remain. */
static unsigned collect(struct meta_store *st)
{
	struct meta_set **pp = &st->retired;
	unsigned left = 0;

	while (*pp) {
		struct meta_set *s = *pp;
		if (held_by_a_reader(st, s)) {
			pp = &s->next_retired;
			left++;
			continue;
		}
		*pp = s->next_retired;
		meta_set_free(s);
	}
	return left;
}

unsigned meta_store_publish(struct meta_store *st, struct meta_set *next,
                            unsigned wait_ms)
{
	struct meta_set *old;
	unsigned left;

	next->generation = ++st->generation;
	old = atomic_exchange(&st->cur, next);
	old->next_retired = st->retired;
	st->retired = old;
	/* a reader holding old releases it at the end of its use (one
	 * interval end): short, so poll */
	for (unsigned waited = 0;; waited++) {
		struct timespec ms = {0, 1000000};
		left = collect(st);
		if (!left || waited >= wait_ms)
			break;
		nanosleep(&ms, NULL);
	}
	return left;
}

void meta_store_free(struct meta_store *st)
{
	if (!st)
		return;
	while (st->retired) {
		struct meta_set *s = st->retired;
		st->retired = s->next_retired;
		meta_set_free(s);
	}
	meta_set_free(atomic_load(&st->cur));
	free(st->slots);
	free(st);
}
