/* test_geo.c: MaxMind DB lookups (lib/geo.h) on small .mmdb files that
 * the test writes itself with tests/unit/make_test_mmdb.pl (Debian's
 * libmaxmind-db-writer-perl): IPv4 and IPv6 databases, codes inside and
 * outside the networks, the "??" rules, every kind of damaged or wrong
 * file, random nested networks against a linear scan, and lookups from
 * several threads. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "geo.h"
#include "tmpdir.h"

static char script[4096];

static int setup(void **state)
{
	const char *src = getenv("UMBRA_SRCDIR");
	const char *file = __FILE__, *slash = strrchr(file, '/');

	(void)state;
	if (src)
		snprintf(script, sizeof script,
		         "%s/tests/unit/make_test_mmdb.pl", src);
	else /* run by hand: next to this source file */
		snprintf(script, sizeof script, "%.*s/make_test_mmdb.pl",
		         slash ? (int)(slash - file) : 1, slash ? file : ".");
	if (access(script, R_OK) != 0) {
		fprintf(stderr, "test_geo: %s: %s\n", script, strerror(errno));
		return -1;
	}
	return test_tmpdir_make("test_geo");
}

static int teardown(void **state)
{
	(void)state;
	return test_tmpdir_remove();
}

static const char *path_of(const char *name)
{
	return test_tmpdir_path(name);
}

/* Write the temporary directory's name with the script; args as its command
 * line after OUT (options first: "-6 OUT ..." is written as opts="-6"). */
static const char *mkdb(const char *name, const char *opts, const char *nets)
{
	const char *out = path_of(name);
	size_t len = strlen(script) + strlen(out) + strlen(nets) + 64;
	char *cmd = malloc(len);
	int rc;

	snprintf(cmd, len, "perl '%s' %s '%s' %s", script, opts, out, nets);
	rc = system(cmd);
	if (rc != 0)
		fail_msg("make_test_mmdb.pl failed (%d): is "
		         "libmaxmind-db-writer-perl installed?\n%s",
		         rc, cmd);
	free(cmd);
	return out;
}

static uint32_t ip(unsigned a, unsigned b, unsigned c, unsigned d)
{
	return (uint32_t)a << 24 | b << 16 | c << 8 | d;
}

static void expect(const struct geo_db *g, uint32_t addr, int rc,
                   const char *continent, const char *country)
{
	struct geo_info gi;
	int got = geo_lookup(g, addr, &gi);

	if (got != rc || strcmp(gi.continent, continent) ||
	    strcmp(gi.country, country))
		fail_msg("%u.%u.%u.%u: got %d %s %s, want %d %s %s", addr >> 24,
		         addr >> 16 & 255, addr >> 8 & 255, addr & 255, got,
		         gi.continent, gi.country, rc, continent, country);
}

static const char NETS[] = "10.0.0.0/8=EU:FR 10.1.0.0/16=NA:US "
                           "192.0.2.0/24=eu:fr 198.51.100.0/24=EU: "
                           "203.0.113.0/24=:JP 100.64.0.0/10=AS:JPN "
                           "1.0.0.0/24=OC:#42 1.0.1.0/24=O-:A1 "
                           "255.255.255.255/32=AN:AQ 0.0.0.0/32=AF:ZA";

static void check_nets(const struct geo_db *g)
{
	expect(g, ip(10, 0, 0, 0), 1, "EU", "FR");
	expect(g, ip(10, 0, 255, 255), 1, "EU", "FR");
	expect(g, ip(10, 1, 0, 0), 1, "NA", "US");
	expect(g, ip(10, 1, 255, 255), 1, "NA", "US");
	expect(g, ip(10, 2, 0, 0), 1, "EU", "FR");
	expect(g, ip(10, 255, 255, 255), 1, "EU", "FR");
	expect(g, ip(9, 255, 255, 255), 0, "??", "??");
	expect(g, ip(11, 0, 0, 0), 0, "??", "??");
	/* lower case made upper case */
	expect(g, ip(192, 0, 2, 77), 1, "EU", "FR");
	/* a key left out, three letters, a number, a '?' */
	expect(g, ip(198, 51, 100, 1), 1, "EU", "??");
	expect(g, ip(203, 0, 113, 1), 1, "??", "JP");
	expect(g, ip(100, 127, 255, 255), 1, "AS", "??");
	expect(g, ip(1, 0, 0, 1), 1, "OC", "??");
	expect(g, ip(1, 0, 1, 1), 1, "??", "A1");
	expect(g, ip(1, 0, 2, 1), 0, "??", "??");
	/* the edges of the space */
	expect(g, ip(255, 255, 255, 255), 1, "AN", "AQ");
	expect(g, ip(255, 255, 255, 254), 0, "??", "??");
	expect(g, ip(0, 0, 0, 0), 1, "AF", "ZA");
	expect(g, ip(0, 0, 0, 1), 0, "??", "??");
}

static void test_ipv4_db(void **state)
{
	(void)state;
	struct umbra_err err = {{0}};
	struct geo_db *g = geo_open(mkdb("v4.mmdb", "", NETS), &err);

	if (!g)
		fail_msg("%s", err.msg);
	check_nets(g);
	const struct geo_stats *st = geo_get_stats(g);
	assert_string_equal(st->database_type, "Umbra-Test-Country");
	assert_int_equal(st->ip_version, 4);
	assert_true(st->node_count > 0);
	assert_true(st->ipv4_networks >= 10);
	assert_int_equal(st->records, 10);
	geo_close(g);
}

static void test_ipv6_db(void **state)
{
	(void)state;
	struct umbra_err err = {{0}};
	char nets[sizeof NETS + 64];
	struct geo_db *g;

	snprintf(nets, sizeof nets, "%s 2001:db8::/32=EU:DE", NETS);
	g = geo_open(mkdb("v6.mmdb", "-6 -t GeoLite2-Country", nets), &err);
	if (!g)
		fail_msg("%s", err.msg);
	check_nets(g);
	assert_string_equal(geo_get_stats(g)->database_type,
	                    "GeoLite2-Country");
	assert_int_equal(geo_get_stats(g)->ip_version, 6);
	geo_close(g);
}

/* geo_open(path) fails with a message starting "path: " and holding
 * what. */
static void refused(const char *path, const char *what)
{
	struct umbra_err err = {{0}};
	struct geo_db *g = geo_open(path, &err);
	size_t n = strlen(path);

	if (g)
		fail_msg("%s opened (want: %s)", path, what);
	if (strncmp(err.msg, path, n) || strncmp(err.msg + n, ": ", 2) ||
	    !strstr(err.msg, what))
		fail_msg("%s:\n got  %s\n want %s", path, err.msg, what);
}

static void test_bad_files(void **state)
{
	(void)state;
	const char *good = mkdb("good.mmdb", "",
	                        "10.0.0.0/8=EU:FR "
	                        "10.1.0.0/16=NA:US");
	size_t n, nodes_bytes;
	char *d = test_file_read(good, &n), *c = malloc(n);
	struct umbra_err err = {{0}};
	struct geo_db *g = geo_open(good, &err);

	assert_non_null(g);
	/* 24-bit records: 6 bytes a node */
	nodes_bytes = (size_t)geo_get_stats(g)->node_count * 6;
	geo_close(g);

	refused(path_of("missing.mmdb"), "No such file or directory");
	refused(test_tmpdir(), "Is a directory");
	refused(test_tmpdir_write("text.mmdb", "hello\n", 6),
	        "not a MaxMind DB, or cut short");
	refused(test_tmpdir_write("empty.mmdb", "", 0),
	        "empty file, not a MaxMind DB");
	/* cut short: at half, and by one byte */
	refused(test_tmpdir_write("half.mmdb", d, n / 2),
	        "MaxMind DB, or cut short");
	refused(test_tmpdir_write("cut1.mmdb", d, n - 1),
	        "MaxMind DB, or cut short");
	refused(test_tmpdir_write("quarter.mmdb", d, n / 4),
	        "MaxMind DB, or cut short");
	/* a search node pointing past the data section */
	memcpy(c, d, n);
	memset(c + 6, 0xff, 6);
	refused(test_tmpdir_write("tree.mmdb", c, n),
	        "corrupt MaxMind DB: search node 1 holds an invalid record");
	/* a loop up the tree: node 3's left record back to node 1 */
	memcpy(c, d, n);
	c[18] = 0;
	c[19] = 0;
	c[20] = 1;
	refused(test_tmpdir_write("loop.mmdb", c, n),
	        "corrupt MaxMind DB: search node 1 "
	        "is reached at depths 1 and 4");
	/* garbage over the data records */
	memcpy(c, d, n);
	memset(c + nodes_bytes + 16, 0xff, 24);
	refused(test_tmpdir_write("data.mmdb", c, n),
	        "corrupt MaxMind DB: the data record "
	        "at offset");
	/* readable, but not what we look up */
	refused(mkdb("asn.mmdb", "-t GeoLite2-ASN", "10.0.0.0/8=asn:64496"),
	        "no record of the MaxMind DB (type \"GeoLite2-ASN\") has a "
	        "continent.code or country.iso_code");
	refused(mkdb("v6only.mmdb", "-6", "2001:db8::/32=EU:DE"),
	        "the MaxMind DB holds no IPv4 network");
	free(c);
	free(d);
}

/* Random nested networks (later ones override earlier ones where they
 * overlap, as the writer inserts them) against a linear scan. */
struct net {
	uint32_t net;
	unsigned len;
	char continent[3], country[3];
};

static uint64_t rng = 7;

static uint32_t rnd32(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

static uint32_t mask(unsigned len)
{
	return len ? ~(uint32_t)0 << (32 - len) : 0;
}

static void test_crosscheck(void **state)
{
	(void)state;
	enum { N = 300 };
	static struct net v[N];
	static char args[N * 48];
	static const char *const conts[] = {"EU", "NA", "AS", "AF", "OC"};
	size_t o = 0;
	struct umbra_err err = {{0}};
	struct geo_db *g;

	for (int round = 0; round < 2; round++) {
		o = 0;
		for (int i = 0; i < N; i++) {
			unsigned len = 4 + rnd32() % 29;
			uint32_t a = (rnd32() % 4) << 30 |
			             (rnd32() << 16 ^ rnd32()) >> 4;

			v[i].len = len;
			v[i].net = a & mask(len);
			memcpy(v[i].continent, conts[rnd32() % 5], 3);
			v[i].country[0] = (char)('A' + rnd32() % 26);
			v[i].country[1] = (char)('A' + rnd32() % 26);
			v[i].country[2] = '\0';
			o += (size_t)snprintf(
			    args + o, sizeof args - o, "%u.%u.%u.%u/%u=%s:%s ",
			    v[i].net >> 24, v[i].net >> 16 & 255,
			    v[i].net >> 8 & 255, v[i].net & 255, len,
			    v[i].continent, v[i].country);
		}
		g = geo_open(mkdb("rand.mmdb", round ? "-6" : "", args), &err);
		if (!g)
			fail_msg("%s", err.msg);
		for (int k = 0; k < 20000; k++) {
			const struct net *p = &v[rnd32() % N];
			uint32_t a = k % 2        ? rnd32() << 16 ^ rnd32()
			             : k % 4 == 0 ? p->net
			                          : p->net | ~mask(p->len);
			const struct net *want = NULL;

			for (int i = 0; i < N; i++)
				if ((a & mask(v[i].len)) == v[i].net)
					want = &v[i];
			if (want)
				expect(g, a, 1, want->continent, want->country);
			else
				expect(g, a, 0, "??", "??");
		}
		geo_close(g);
	}
}

/* Networks that nest in 0.0.0.0/0, adjacent ones with the same codes, a
 * /32 inside a /8, a /16 cut into 256 /24s with a /32 inside one. */
static void test_edges(void **state)
{
	(void)state;
	static char args[256 * 32 + 256];
	struct umbra_err err = {{0}};
	struct geo_db *g;
	size_t o;

	o = (size_t)snprintf(args, sizeof args,
	                     "0.0.0.0/0=EU:FR 10.0.0.0/8=NA:US "
	                     "10.0.0.5/32=AS:JP 20.0.0.0/16=EU:DE "
	                     "20.1.0.0/16=EU:DE 20.2.0.0/15=EU:DE ");
	for (unsigned x = 0; x < 256; x++)
		o += (size_t)snprintf(
		    args + o, sizeof args - o, "30.0.%u.0/24=%s:%c%c ", x,
		    x % 3 ? "EU" : "AS", 'A' + x % 2, 'A' + x / 26 % 26);
	snprintf(args + o, sizeof args - o, "30.0.7.9/32=AF:ZA");
	for (int v6 = 0; v6 < 2; v6++) {
		g = geo_open(mkdb("edges.mmdb", v6 ? "-6" : "", args), &err);
		if (!g)
			fail_msg("%s", err.msg);
		expect(g, ip(0, 0, 0, 0), 1, "EU", "FR");
		expect(g, ip(255, 255, 255, 255), 1, "EU", "FR");
		expect(g, ip(9, 255, 255, 255), 1, "EU", "FR");
		expect(g, ip(10, 0, 0, 0), 1, "NA", "US");
		expect(g, ip(10, 0, 0, 4), 1, "NA", "US");
		expect(g, ip(10, 0, 0, 5), 1, "AS", "JP");
		expect(g, ip(10, 0, 0, 6), 1, "NA", "US");
		expect(g, ip(10, 255, 255, 255), 1, "NA", "US");
		expect(g, ip(11, 0, 0, 0), 1, "EU", "FR");
		expect(g, ip(19, 255, 255, 255), 1, "EU", "FR");
		for (unsigned b = 0; b < 4; b++) {
			expect(g, ip(20, b, 0, 0), 1, "EU", "DE");
			expect(g, ip(20, b, 255, 255), 1, "EU", "DE");
		}
		expect(g, ip(20, 4, 0, 0), 1, "EU", "FR");
		expect(g, ip(29, 255, 255, 255), 1, "EU", "FR");
		for (unsigned x = 0; x < 256; x++) {
			char c[3] = {(char)('A' + x % 2),
			             (char)('A' + x / 26 % 26), 0};
			const char *k = x % 3 ? "EU" : "AS";

			expect(g, ip(30, 0, x, 0), 1, k, c);
			expect(g, ip(30, 0, x, 128), 1, k, c);
			expect(g, ip(30, 0, x, 255), 1, k, c);
		}
		expect(g, ip(30, 0, 7, 8), 1, "EU", "BA");
		expect(g, ip(30, 0, 7, 9), 1, "AF", "ZA");
		expect(g, ip(30, 0, 7, 10), 1, "EU", "BA");
		expect(g, ip(30, 1, 0, 0), 1, "EU", "FR");
		geo_close(g);
	}
	/* an IPv6 database where all of ::/96 is in one network (the
	 * writer still cuts out ::ffff:0:0/96, for its alias to IPv4) */
	g = geo_open(mkdb("all.mmdb", "-6", "::/64=EU:FR"), &err);
	if (!g)
		fail_msg("%s", err.msg);
	expect(g, ip(0, 0, 0, 0), 1, "EU", "FR");
	expect(g, ip(128, 0, 0, 0), 1, "EU", "FR");
	expect(g, ip(255, 255, 255, 255), 1, "EU", "FR");
	geo_close(g);
}

/* Search nodes shared by two paths at one depth (the format allows it):
 * a chain of 32 nodes down to 0.0.0.0/32 and 0.0.0.1/32, then node i's
 * right record made its left one (node i + 1), so that the last bits of
 * the address before the last one no longer matter.  From nodes 29 and
 * 30: 8 addresses, walked once per path; from all of them: 2^32, past
 * what the open expands (the lookups then go through libmaxminddb). */
static void test_shared_nodes(void **state)
{
	(void)state;
	const char *chain =
	    mkdb("chain.mmdb", "", "0.0.0.0/32=EU:FR 0.0.0.1/32=NA:US");
	size_t n;
	char *d = test_file_read(chain, &n), *c = malloc(n);
	struct umbra_err err = {{0}};
	struct geo_db *g;

	/* the writer's layout: node i at depth i, left record i + 1 (24-bit
	 * records, 6 bytes a node) */
	for (int i = 0; i < 31; i++)
		assert_int_equal((uint8_t)d[6 * i + 2], i + 1);
	for (int from = 29; from >= 0; from -= 29) {
		memcpy(c, d, n);
		for (int i = from; i < 31; i++)
			memcpy(c + 6 * i + 3, c + 6 * i, 3);
		g = geo_open(test_tmpdir_write("shared.mmdb", c, n), &err);
		if (!g)
			fail_msg("%s", err.msg);
		for (uint32_t a = 0; a < 8; a++)
			expect(g, a, 1, a % 2 ? "NA" : "EU",
			       a % 2 ? "US" : "FR");
		if (from) {
			expect(g, 8, 0, "??", "??");
			expect(g, ip(128, 0, 0, 1), 0, "??", "??");
		} else {
			for (int k = 0; k < 1000; k++) {
				uint32_t a = rnd32() << 16 ^ rnd32();
				expect(g, a, 1, a % 2 ? "NA" : "EU",
				       a % 2 ? "US" : "FR");
			}
		}
		assert_int_equal(geo_get_stats(g)->records, 2);
		geo_close(g);
	}
	free(c);
	free(d);
}

struct reader {
	const struct geo_db *g;
	int bad;
};

static void *read_all(void *arg)
{
	struct reader *r = arg;
	struct geo_info gi;

	for (int rep = 0; rep < 20000; rep++) {
		uint32_t a = ip(10, (unsigned)rep % 3, (unsigned)rep & 255, 1);
		int rc = geo_lookup(r->g, a, &gi);
		const char *want = rep % 3 == 1 ? "US" : "FR";

		r->bad += rc != 1 || strcmp(gi.country, want) != 0;
		rc = geo_lookup(r->g, ip(11, 0, 0, (unsigned)rep & 255), &gi);
		r->bad += rc != 0 || strcmp(gi.country, "??") != 0;
	}
	return NULL;
}

static void test_threads(void **state)
{
	(void)state;
	struct umbra_err err = {{0}};
	struct geo_db *g = geo_open(mkdb("threads.mmdb", "-6",
	                                 "10.0.0.0/8=EU:FR "
	                                 "10.1.0.0/16=NA:US"),
	                            &err);
	struct reader r[4];
	pthread_t th[4];

	assert_non_null(g);
	for (int i = 0; i < 4; i++) {
		r[i] = (struct reader){g, 0};
		assert_int_equal(pthread_create(&th[i], NULL, read_all, &r[i]),
		                 0);
	}
	for (int i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(r[i].bad, 0);
	}
	geo_close(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ipv4_db),
	    cmocka_unit_test(test_ipv6_db),
	    cmocka_unit_test(test_bad_files),
	    cmocka_unit_test(test_crosscheck),
	    cmocka_unit_test(test_threads),
	    cmocka_unit_test(test_edges),
	    cmocka_unit_test(test_shared_nodes),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
