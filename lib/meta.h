/* meta.h: the source meta-data of flowtuple v4 (maxmind_continent,
 * maxmind_country, netacq_continent, netacq_country, prefix2asn), from up
 * to three data files, and how the threads that tag records share them.
 *
 * A meta_set is one immutable set of the three tables: a MaxMind DB for the
 * maxmind_* fields and another for the netacq_* fields (geo.h), a CAIDA
 * pfx2as file for prefix2asn (pfx2as.h).  Any of them may be absent: its
 * fields are then "??" (or 0).  meta_lookup() tags one address from a set:
 * pure reads, any number of threads at once.
 *
 * A meta_store holds the set in use behind one _Atomic pointer, and says
 * when an older set can be freed.  Readers (the aggregators, each with its
 * own reader number) bracket their use of a set with meta_store_acquire()
 * and meta_store_release(): acquire announces the set in the reader's own
 * hazard slot (one cache line per reader) and checks that it is still the
 * current one (else it tries again), so no lock, and a few atomic
 * operations per use, not per lookup.  The control thread builds a new set
 * while the readers go on with the old one (a reader never sees a set that
 * is not complete: it is published only once built), exchanges the
 * pointer (meta_store_publish), then frees the old set as soon as no
 * hazard slot holds it: a reader that acquired it before the exchange
 * releases it when its use ends, and every acquire after the exchange
 * gets the new set.  publish() waits for that up to a bound; a set still
 * held then is retired, and freed by a later publish() or by
 * meta_store_free().  Every operation on the pointer and the slots is
 * sequentially consistent, which this argument needs (the store-then-check
 * of acquire against the exchange-then-scan of publish).
 *
 * Tables are shared between sets: a reload that cannot load one file
 * keeps the previous set's table for that source, and the table is freed
 * with the last set that holds it.  The counts that track this are only
 * touched by the control thread.
 *
 * Threads: meta_set_build(), meta_set_free(), meta_store_new(),
 * meta_store_publish(), meta_store_current() and meta_store_free() from
 * one control thread at a time (umbrad: main at start and exit, the
 * signal thread on SIGHUP).  meta_store_acquire()/release() from the
 * readers, each reader number used by one thread at a time.
 * meta_lookup() and the meta_set_*() getters from any thread holding the
 * set.
 */
#ifndef UMBRA_META_H
#define UMBRA_META_H

#include <stdint.h>

#include "errbuf.h"

struct geo_db;
struct pfx2as;

enum meta_source {
	META_MAXMIND = 0, /* maxmind_db: maxmind_continent, maxmind_country */
	META_NETACQ = 1,  /* netacq_db: netacq_continent, netacq_country */
	META_PFX2AS = 2,  /* pfx2as_file: prefix2asn */
};
#define META_NSOURCES 3

/* The configuration key of each source: "maxmind_db", ... */
extern const char *const meta_source_key[META_NSOURCES];

/* What one address is tagged with. */
struct meta_tags {
	char maxmind_continent[3]; /* two characters or "??", NUL-terminated */
	char maxmind_country[3];
	char netacq_continent[3];
	char netacq_country[3];
	uint32_t prefix2asn; /* 0: no prefix (or no table) */
};

struct meta_set;

/* What meta_set_build() did with each source. */
enum meta_load_status {
	META_LOAD_NONE = 0, /* no path: no table */
	META_LOAD_OK,       /* loaded from the path */
	META_LOAD_FAILED,   /* could not be loaded: err says why */
};

struct meta_load_report {
	enum meta_load_status status[META_NSOURCES];
	struct umbra_err err[META_NSOURCES]; /* for META_LOAD_FAILED */
};

/* Build a set from the three paths (NULL or "" = none for that source).
 * A file that cannot be loaded: with base NULL the build fails (NULL, rep
 * says which and why); with a base set, base's table of that source is
 * kept in the new set (none if base had none).  NULL also when out of
 * memory (rep->err of no source is set then: a set of none can still
 * fail).  The caller owns the set (meta_set_free, or a store). */
struct meta_set *meta_set_build(const char *const paths[META_NSOURCES],
                                const struct meta_set *base,
                                struct meta_load_report *rep);

/* Free a set no reader holds (and each table no other set holds). */
void meta_set_free(struct meta_set *s);

/* The tags of addr (host byte order).  s NULL: "??" and 0 everywhere. */
void meta_lookup(const struct meta_set *s, uint32_t addr,
                 struct meta_tags *out);

/* "??" and 0 everywhere. */
void meta_tags_clear(struct meta_tags *t);

/* The set's table of one source, NULL if none; its path ("" if none);
 * whether this set loaded it (1) or took it from its base (0). */
const struct geo_db *meta_set_geo(const struct meta_set *s,
                                  enum meta_source src);
const struct pfx2as *meta_set_pfx2as(const struct meta_set *s);
const char *meta_set_path(const struct meta_set *s, enum meta_source src);
int meta_set_loaded_here(const struct meta_set *s, enum meta_source src);

/* Numbered 1, 2, ... by the store that published it (0 before). */
uint64_t meta_set_generation(const struct meta_set *s);

/* ---- the store ---- */

struct meta_store;

/* A store for readers numbered 0 .. n_readers - 1, holding initial (which
 * it owns from now on; NULL is refused).  NULL when out of memory. */
struct meta_store *meta_store_new(struct meta_set *initial, unsigned n_readers);

/* Reader: the current set, held until meta_store_release() by the same
 * reader.  Never NULL.  One set at a time per reader. */
const struct meta_set *meta_store_acquire(struct meta_store *st,
                                          unsigned reader);
void meta_store_release(struct meta_store *st, unsigned reader);

/* Control thread: the set in use (valid until the next publish). */
const struct meta_set *meta_store_current(const struct meta_store *st);

/* Control thread: make next (owned by the store from now on) the set
 * every later acquire gets, then free the old one (and any set retired
 * before) once no reader holds it, waiting for that at most wait_ms
 * milliseconds.  Returns how many sets are still retired (0: every old
 * set is freed; while it is not, each costs its tables' memory). */
unsigned meta_store_publish(struct meta_store *st, struct meta_set *next,
                            unsigned wait_ms);

/* Control thread, once no reader can acquire any more: free every set. */
void meta_store_free(struct meta_store *st);

#endif
