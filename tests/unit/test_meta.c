/* test_meta.c: meta-data sets and the store that swaps them (lib/meta.h):
 * sets of no table, a reload that keeps the old table of a file it cannot
 * load, the hazard slots (an old set is freed only once its reader gave it
 * back), and readers against a publisher in real threads (run under TSan
 * by `make check` as well; ASan sees a set freed under a reader).  The
 * geolocation tables have their own tests (test_geo.c, test_meta.sh). */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "meta.h"
#include "pfx2as.h"
#include "tmpdir.h"

static int setup(void **state)
{
	(void)state;
	return test_tmpdir_make("test_meta");
}

static int teardown(void **state)
{
	(void)state;
	return test_tmpdir_remove();
}

/* Write text to name in the temporary directory, by a rename. */
static const char *put(const char *name, const char *text)
{
	char tmp[4200], path[4096];
	FILE *f;

	snprintf(path, sizeof path, "%s", test_tmpdir_path(name));
	snprintf(tmp, sizeof tmp, "%s.new", path);
	f = fopen(tmp, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(rename(tmp, path), 0);
	return test_tmpdir_path(name);
}

static struct meta_set *build3(const char *mm, const char *na, const char *p2a,
                               const struct meta_set *base,
                               struct meta_load_report *rep)
{
	const char *paths[META_NSOURCES] = {mm, na, p2a};
	return meta_set_build(paths, base, rep);
}

static void assert_tags(const struct meta_set *s, uint32_t addr,
                        const char *all, uint32_t asn)
{
	struct meta_tags t;

	memset(&t, 'x', sizeof t);
	meta_lookup(s, addr, &t);
	assert_string_equal(t.maxmind_continent, all);
	assert_string_equal(t.maxmind_country, all);
	assert_string_equal(t.netacq_continent, all);
	assert_string_equal(t.netacq_country, all);
	assert_int_equal(t.prefix2asn, asn);
}

static void test_no_tables(void **state)
{
	struct meta_load_report rep;
	struct meta_set *s;

	(void)state;
	assert_tags(NULL, 0x2d000001, "??", 0);
	s = build3(NULL, "", NULL, NULL, &rep);
	assert_non_null(s);
	for (int k = 0; k < META_NSOURCES; k++) {
		assert_int_equal(rep.status[k], META_LOAD_NONE);
		assert_string_equal(meta_set_path(s, (enum meta_source)k), "");
	}
	assert_null(meta_set_geo(s, META_MAXMIND));
	assert_null(meta_set_pfx2as(s));
	assert_tags(s, 0x2d000001, "??", 0);
	assert_int_equal(meta_set_generation(s), 0);
	meta_set_free(s);
	meta_set_free(NULL);
}

static void test_reload_keeps_old_table(void **state)
{
	struct meta_load_report rep;
	struct meta_set *a, *b, *c, *d;
	char p[4096], want[4096];

	(void)state;
	snprintf(p, sizeof p, "%s", put("p2a.txt", "45.0.0.0\t8\t64500\n"));
	/* at start: a file that fails fails the build, naming it */
	assert_null(
	    build3("", "", test_tmpdir_path("missing.txt"), NULL, &rep));
	assert_int_equal(rep.status[META_PFX2AS], META_LOAD_FAILED);
	snprintf(want, sizeof want, "%s: ", test_tmpdir_path("missing.txt"));
	assert_memory_equal(rep.err[META_PFX2AS].msg, want, strlen(want));

	a = build3("", "", p, NULL, &rep);
	assert_non_null(a);
	assert_int_equal(rep.status[META_PFX2AS], META_LOAD_OK);
	assert_int_equal(meta_set_loaded_here(a, META_PFX2AS), 1);
	assert_tags(a, 0x2d010203, "??", 64500);
	assert_tags(a, 0x2e010203, "??", 0);

	/* same path, new content: read anew */
	put("p2a.txt", "45.0.0.0\t8\t65000\n");
	b = build3("", "", p, a, &rep);
	assert_non_null(b);
	assert_int_equal(rep.status[META_PFX2AS], META_LOAD_OK);
	assert_ptr_not_equal(meta_set_pfx2as(b), meta_set_pfx2as(a));
	assert_tags(b, 0x2d010203, "??", 65000);

	/* corrupt: b's table is kept, shared */
	put("p2a.txt", "45.0.0.0\t8\t6500x\n");
	c = build3("", "", p, b, &rep);
	assert_non_null(c);
	assert_int_equal(rep.status[META_PFX2AS], META_LOAD_FAILED);
	assert_non_null(strstr(rep.err[META_PFX2AS].msg, "6500x"));
	assert_ptr_equal(meta_set_pfx2as(c), meta_set_pfx2as(b));
	assert_int_equal(meta_set_loaded_here(c, META_PFX2AS), 0);
	assert_string_equal(meta_set_path(c, META_PFX2AS), p);
	/* the table outlives the set that loaded it */
	meta_set_free(a);
	meta_set_free(b);
	assert_tags(c, 0x2d010203, "??", 65000);

	/* the path removed from the configuration: no table */
	d = build3("", "", "", c, &rep);
	assert_non_null(d);
	assert_int_equal(rep.status[META_PFX2AS], META_LOAD_NONE);
	assert_tags(d, 0x2d010203, "??", 0);
	meta_set_free(c);
	meta_set_free(d);
}

static struct meta_set *empty_set(void)
{
	struct meta_load_report rep;
	struct meta_set *s = build3("", "", "", NULL, &rep);
	assert_non_null(s);
	return s;
}

static void test_store_hazards(void **state)
{
	struct meta_set *a = empty_set(), *b = empty_set(), *c = empty_set();
	struct meta_store *st;

	(void)state;
	assert_null(meta_store_new(NULL, 2));
	st = meta_store_new(a, 2);
	assert_non_null(st);
	assert_ptr_equal(meta_store_current(st), a);
	assert_int_equal(meta_set_generation(a), 1);

	/* reader 0 holds a across the publish of b: a stays */
	assert_ptr_equal(meta_store_acquire(st, 0), a);
	assert_int_equal(meta_store_publish(st, b, 0), 1);
	assert_int_equal(meta_set_generation(b), 2);
	assert_ptr_equal(meta_store_current(st), b);
	assert_int_equal(meta_set_generation(a), 1); /* not freed */
	/* a reader acquiring now gets b */
	assert_ptr_equal(meta_store_acquire(st, 1), b);
	meta_store_release(st, 0);
	/* publishing c frees a; b is still held by reader 1 */
	assert_int_equal(meta_store_publish(st, c, 0), 1);
	assert_int_equal(meta_set_generation(b), 2);
	meta_store_release(st, 1);
	/* released: a publish frees the retired ones, waiting for none */
	assert_int_equal(meta_store_publish(st, empty_set(), 0), 0);
	assert_int_equal(meta_set_generation(meta_store_current(st)), 4);
	meta_store_free(st);
	meta_store_free(NULL);
}

/* Readers against a publisher: each reader sees generations that never go
 * back, and touches every set it holds (ASan: never freed under it). */
#define READERS   3
#define PUBLISHES 3000

static struct meta_store *race_store;
static atomic_int race_stop;

static void *reader(void *arg)
{
	unsigned id = (unsigned)(uintptr_t)arg;
	uint64_t last = 0, uses = 0;

	while (!atomic_load(&race_stop)) {
		const struct meta_set *s = meta_store_acquire(race_store, id);
		uint64_t g = meta_set_generation(s);
		struct meta_tags t;
		if (g < last)
			fail_msg("reader %u: generation %llu after %llu", id,
			         (unsigned long long)g,
			         (unsigned long long)last);
		last = g;
		meta_lookup(s, 0x2d000000 + (uint32_t)uses, &t);
		if (g != meta_set_generation(s))
			fail_msg("reader %u: the set changed under it", id);
		meta_store_release(race_store, id);
		uses++;
	}
	return NULL;
}

static void test_store_threads(void **state)
{
	pthread_t t[READERS];
	unsigned left = 0;

	(void)state;
	race_store = meta_store_new(empty_set(), READERS);
	assert_non_null(race_store);
	atomic_store(&race_stop, 0);
	for (unsigned i = 0; i < READERS; i++)
		assert_int_equal(
		    pthread_create(&t[i], NULL, reader, (void *)(uintptr_t)i),
		    0);
	for (int i = 0; i < PUBLISHES; i++)
		left = meta_store_publish(race_store, empty_set(),
		                          i % 2 ? 0 : 100);
	atomic_store(&race_stop, 1);
	for (unsigned i = 0; i < READERS; i++)
		pthread_join(t[i], NULL);
	(void)left;
	assert_int_equal(meta_set_generation(meta_store_current(race_store)),
	                 PUBLISHES + 1);
	meta_store_free(race_store);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_no_tables),
	    cmocka_unit_test(test_reload_keeps_old_table),
	    cmocka_unit_test(test_store_hazards),
	    cmocka_unit_test(test_store_threads),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
