/* test_pfx2as.c: the pfx2as loader and its longest-prefix match
 * (lib/pfx2as.h): small files written here, plain and gzip; every error
 * with its FILE:LINE; and lookups cross-checked against a linear scan of
 * the prefixes over random tables and addresses, from several threads. */
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
#include <zlib.h>

#include <cmocka.h>

#include "pfx2as.h"
#include "tmpdir.h"

static int setup(void **state)
{
	(void)state;
	return test_tmpdir_make("test_pfx2as");
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

static const char *write_gz(const char *name, const char *text, size_t n)
{
	const char *p = path_of(name);
	gzFile f = gzopen(p, "wb6");

	assert_non_null(f);
	assert_int_equal(gzwrite(f, text, (unsigned)n), (int)n);
	assert_int_equal(gzclose(f), Z_OK);
	return p;
}

static uint32_t ip(unsigned a, unsigned b, unsigned c, unsigned d)
{
	return (uint32_t)a << 24 | b << 16 | c << 8 | d;
}

/* Nested prefixes, /0, /32, multi-origin and AS sets, IPv6 lines,
 * comments, spaces and CRLF. */
static const char NESTED[] = "# a comment\n"
                             "0.0.0.0\t0\t1\n"
                             "10.0.0.0\t8\t2\n"
                             "10.1.0.0\t16\t3\n"
                             "10.1.2.0\t24\t4\n"
                             "10.1.2.128\t25\t5\n"
                             "10.1.2.200\t32\t6\n"
                             "\n"
                             "255.255.255.255\t32\t4294967295\n"
                             "192.168.0.0\t16\t8_9\n"
                             "172.16.0.0\t12\t10,11\n"
                             "198.51.100.0\t24\t12_13,14_15\n"
                             "2001:db8::\t32\t64496\n"
                             "203.0.113.0  24   65536\r\n"
                             "11.0.0.0\t8\t0\n";

static void check_nested(const struct pfx2as *t)
{
	struct pfx2as_match m;

	assert_int_equal(pfx2as_lookup(t, ip(0, 0, 0, 0)), 1);
	assert_int_equal(pfx2as_lookup(t, ip(9, 255, 255, 255)), 1);
	assert_int_equal(pfx2as_lookup(t, ip(10, 0, 0, 0)), 2);
	assert_int_equal(pfx2as_lookup(t, ip(10, 1, 0, 0)), 3);
	assert_int_equal(pfx2as_lookup(t, ip(10, 1, 1, 255)), 3);
	assert_int_equal(pfx2as_lookup(t, ip(10, 1, 2, 0)), 4);
	assert_int_equal(pfx2as_lookup(t, ip(10, 1, 2, 127)), 4);
	assert_int_equal(pfx2as_lookup(t, ip(10, 1, 2, 128)), 5);
	assert_int_equal(pfx2as_lookup(t, ip(10, 1, 2, 199)), 5);
	assert_int_equal(pfx2as_lookup(t, ip(10, 1, 2, 200)), 6);
	assert_int_equal(pfx2as_lookup(t, ip(10, 1, 2, 201)), 5);
	assert_int_equal(pfx2as_lookup(t, ip(10, 1, 2, 255)), 5);
	assert_int_equal(pfx2as_lookup(t, ip(10, 1, 3, 0)), 3);
	assert_int_equal(pfx2as_lookup(t, ip(10, 2, 0, 0)), 2);
	assert_int_equal(pfx2as_lookup(t, ip(10, 255, 255, 255)), 2);
	assert_int_equal(pfx2as_lookup(t, ip(11, 0, 0, 1)), 0); /* AS 0 */
	assert_int_equal(pfx2as_lookup(t, ip(12, 0, 0, 0)), 1);
	assert_int_equal(pfx2as_lookup(t, ip(255, 255, 255, 254)), 1);
	assert_int_equal(pfx2as_lookup(t, ip(255, 255, 255, 255)), 4294967295u);
	/* multi-origin and sets: the first AS of the first origin */
	assert_int_equal(pfx2as_lookup(t, ip(192, 168, 7, 7)), 8);
	assert_int_equal(pfx2as_lookup(t, ip(172, 31, 255, 255)), 10);
	assert_int_equal(pfx2as_lookup(t, ip(172, 32, 0, 0)), 1);
	assert_int_equal(pfx2as_lookup(t, ip(198, 51, 100, 1)), 12);
	assert_int_equal(pfx2as_lookup(t, ip(203, 0, 113, 9)), 65536);

	assert_int_equal(pfx2as_match(t, ip(10, 1, 2, 130), &m), 1);
	assert_int_equal(m.net, ip(10, 1, 2, 128));
	assert_int_equal(m.len, 25);
	assert_int_equal(m.asn, 5);
	assert_int_equal(m.n_origins, 1);
	assert_int_equal(m.n_as, 1);
	assert_int_equal(pfx2as_match(t, ip(192, 168, 0, 1), &m), 1);
	assert_int_equal(m.len, 16);
	assert_int_equal(m.n_origins, 2);
	assert_int_equal(m.n_as, 2);
	assert_int_equal(pfx2as_match(t, ip(172, 20, 0, 1), &m), 1);
	assert_int_equal(m.n_origins, 1);
	assert_int_equal(m.n_as, 2);
	assert_int_equal(pfx2as_match(t, ip(198, 51, 100, 77), &m), 1);
	assert_int_equal(m.asn, 12);
	assert_int_equal(m.n_origins, 3);
	assert_int_equal(m.n_as, 4);
	assert_int_equal(pfx2as_match(t, ip(1, 2, 3, 4), &m), 1);
	assert_int_equal(m.net, 0);
	assert_int_equal(m.len, 0);
	assert_int_equal(pfx2as_match(t, ip(255, 255, 255, 255), &m), 1);
	assert_int_equal(m.len, 32);

	const struct pfx2as_stats *st = pfx2as_get_stats(t);
	assert_int_equal(st->lines, 15);
	assert_int_equal(st->prefixes, 12);
	assert_int_equal(st->ipv6_skipped, 1);
	assert_int_equal(st->comments, 2);
	assert_int_equal(st->host_bits, 0);
	assert_int_equal(st->host_bits_line, 0);
	assert_int_equal(st->multi_origin, 2);
	assert_int_equal(st->as_sets, 2);
	assert_true(st->tbl8_groups >= 1);
	assert_true(st->memory >= (64u << 20));
}

static void test_nested_plain(void **state)
{
	(void)state;
	struct umbra_err err = {{0}};
	const char *p =
	    test_tmpdir_write("nested.txt", NESTED, sizeof NESTED - 1);
	struct pfx2as *t = pfx2as_load(p, &err);

	if (!t)
		fail_msg("%s", err.msg);
	check_nested(t);
	pfx2as_free(t);
}

static void test_nested_gzip(void **state)
{
	(void)state;
	struct umbra_err err = {{0}};
	const char *p = write_gz("nested.txt.gz", NESTED, sizeof NESTED - 1);
	struct pfx2as *t = pfx2as_load(p, &err);

	if (!t)
		fail_msg("%s", err.msg);
	check_nested(t);
	pfx2as_free(t);
}

static void test_nested_mem(void **state)
{
	(void)state;
	struct umbra_err err = {{0}};
	struct pfx2as *t =
	    pfx2as_load_mem("mem", NESTED, sizeof NESTED - 1, &err);

	if (!t)
		fail_msg("%s", err.msg);
	check_nested(t);
	pfx2as_free(t);
}

static void test_no_default(void **state)
{
	(void)state;
	static const char text[] = "1.0.0.0\t24\t13335\n"
	                           "8.8.8.0\t24\t15169\n";
	struct umbra_err err = {{0}};
	struct pfx2as *t = pfx2as_load_mem("x", text, sizeof text - 1, &err);
	struct pfx2as_match m;

	assert_non_null(t);
	assert_int_equal(pfx2as_lookup(t, ip(0, 255, 255, 255)), 0);
	assert_int_equal(pfx2as_lookup(t, ip(1, 0, 0, 0)), 13335);
	assert_int_equal(pfx2as_lookup(t, ip(1, 0, 0, 255)), 13335);
	assert_int_equal(pfx2as_lookup(t, ip(1, 0, 1, 0)), 0);
	assert_int_equal(pfx2as_lookup(t, ip(8, 8, 8, 8)), 15169);
	assert_int_equal(pfx2as_lookup(t, ip(255, 255, 255, 255)), 0);
	assert_int_equal(pfx2as_match(t, ip(8, 8, 4, 4), &m), 0);
	pfx2as_free(t);
}

static void test_host_bits(void **state)
{
	(void)state;
	static const char text[] = "10.0.0.0\t8\t1\n"
	                           "192.0.2.77\t24\t2\n"
	                           "198.51.100.1\t31\t3\n";
	struct umbra_err err = {{0}};
	struct pfx2as *t = pfx2as_load_mem("x", text, sizeof text - 1, &err);

	assert_non_null(t);
	assert_int_equal(pfx2as_lookup(t, ip(192, 0, 2, 0)), 2);
	assert_int_equal(pfx2as_lookup(t, ip(198, 51, 100, 0)), 3);
	assert_int_equal(pfx2as_lookup(t, ip(198, 51, 100, 2)), 0);
	assert_int_equal(pfx2as_get_stats(t)->host_bits, 2);
	assert_int_equal(pfx2as_get_stats(t)->host_bits_line, 2);
	pfx2as_free(t);
}

/* Every refused line, with the message it gets. */
static void test_errors(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		const char *msg;
	} cases[] = {
	    {"1.2.3.0\t24\t1\n1.2.3\t24\t1\n",
	     "e.txt:2: bad IPv4 address \"1.2.3\" in \"1.2.3\\t24\\t1\""},
	    {"1.2.3.4.5\t24\t1\n", "e.txt:1: bad IPv4 address \"1.2.3.4.5\""},
	    {"1.2.3.256\t24\t1\n", "e.txt:1: bad IPv4 address \"1.2.3.256\""},
	    {"1.2.03.0\t24\t1\n", "e.txt:1: bad IPv4 address \"1.2.03.0\""},
	    {"1..3.0\t24\t1\n", "e.txt:1: bad IPv4 address \"1..3.0\""},
	    {"1.2.3.0.\t24\t1\n", "e.txt:1: bad IPv4 address \"1.2.3.0.\""},
	    {"a.b.c.d\t24\t1\n", "e.txt:1: bad IPv4 address \"a.b.c.d\""},
	    {"1.2.3.0\t33\t1\n", "e.txt:1: bad prefix length \"33\" (0..32) in "
	                         "\"1.2.3.0\\t33\\t1\""},
	    {"1.2.3.0\t-1\t1\n", "e.txt:1: bad prefix length \"-1\" (0..32)"},
	    {"1.2.3.0\t024\t1\n", "e.txt:1: bad prefix length \"024\" (0..32)"},
	    {"1.2.3.0\t2x\t1\n", "e.txt:1: bad prefix length \"2x\" (0..32)"},
	    {"1.2.3.0\n", "e.txt:1: missing prefix length in \"1.2.3.0\""},
	    {"1.2.3.0\t24\n",
	     "e.txt:1: missing origin AS field in \"1.2.3.0\\t24\""},
	    {"1.2.3.0\t24\t1\textra\n",
	     "e.txt:1: text after the origin AS field"},
	    {"1.2.3.0\t24\tAS1\n",
	     "e.txt:1: bad origin AS field \"AS1\": an AS is not a decimal "
	     "number"},
	    {"1.2.3.0\t24\t1_\n",
	     "e.txt:1: bad origin AS field \"1_\": empty origin or AS"},
	    {"1.2.3.0\t24\t_1\n",
	     "e.txt:1: bad origin AS field \"_1\": empty origin or AS"},
	    {"1.2.3.0\t24\t1,,2\n",
	     "e.txt:1: bad origin AS field \"1,,2\": empty origin or AS"},
	    {"1.2.3.0\t24\t1.5\n",
	     "e.txt:1: bad origin AS field \"1.5\": an AS is not a decimal "
	     "number"},
	    {"1.2.3.0\t24\t4294967296\n",
	     "e.txt:1: bad origin AS field \"4294967296\": AS number above "
	     "4294967295"},
	    {"1.2.3.0\t24\t1\n1.2.3.0\t24\t2\n",
	     "e.txt:2: duplicate prefix 1.2.3.0/24 (first at line 1)"},
	    {"10.0.0.0\t8\t1\n# c\n10.9.9.9\t8\t2\n",
	     "e.txt:3: duplicate prefix 10.0.0.0/8 (first at line 1)"},
	    {"2001:db8::\t129\t1\n",
	     "e.txt:1: bad prefix length \"129\" (0..128)"},
	    {"2001:db8:::1\t48\t1\n",
	     "e.txt:1: bad IPv6 address \"2001:db8:::1\""},
	    {"2001:db8::\t48\tx\n",
	     "e.txt:1: bad origin AS field \"x\": an AS is not a decimal "
	     "number"},
	    {"1.2.3.0\t24\t1\n1.2.4.0\t24\t1", /* cut short */
	     "e.txt:2: last line has no newline (file cut short?) in "
	     "\"1.2.4.0\\t24\\t1\""},
	    {"", "e.txt: no IPv4 prefix (0 lines, 0 of them IPv6)"},
	    {"# only\n\n2001:db8::\t32\t1\n",
	     "e.txt: no IPv4 prefix (3 lines, 1 of them IPv6)"},
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct umbra_err err = {{0}};
		const char *p = test_tmpdir_write("e.txt", cases[i].text,
		                                  strlen(cases[i].text));
		struct pfx2as *t = pfx2as_load(p, &err);
		char want[512];

		snprintf(want, sizeof want, "%s/%s", test_tmpdir(),
		         cases[i].msg);
		if (t)
			fail_msg("case %zu loaded: %s", i, cases[i].text);
		if (strncmp(err.msg, want, strlen(want)) != 0)
			fail_msg("case %zu:\n got  %s\n want %s", i, err.msg,
			         want);
		/* the same from memory, named as given */
		t = pfx2as_load_mem("e.txt", cases[i].text,
		                    strlen(cases[i].text), &err);
		assert_null(t);
		if (strncmp(err.msg, cases[i].msg, strlen(cases[i].msg)))
			fail_msg("case %zu (mem):\n got  %s\n want %s", i,
			         err.msg, cases[i].msg);
	}
}

static void test_binary_lines(void **state)
{
	(void)state;
	struct umbra_err err = {{0}};
	static const char nul[] = "1.2.3.0\t24\t1\n1.2.4.0\t2\0004\t1\n";
	size_t big = 70000;
	char *text = malloc(big + 32);
	struct pfx2as *t;

	t = pfx2as_load_mem("b", nul, sizeof nul - 1, &err);
	assert_null(t);
	assert_string_equal(err.msg, "b:2: NUL byte (binary data?) in "
	                             "\"1.2.4.0\\t2\\x004\\t1\"");

	/* a line over 65536 bytes, in memory, and through a file where it
	 * straddles two reads */
	strcpy(text, "1.2.3.0\t24\t");
	memset(text + 11, '1', big);
	strcpy(text + 11 + big, "\n");
	t = pfx2as_load_mem("b", text, strlen(text), &err);
	assert_null(t);
	assert_non_null(strstr(err.msg, "b:1: line longer than 65536 bytes"));

	size_t head = 0, lines = 0, tl = strlen(text);
	char *file = malloc((1u << 20) + tl + 64);
	while (head < (1u << 20) - 1000) {
		head += (size_t)sprintf(file + head, "1.%zu.%zu.0\t24\t1\n",
		                        lines / 256 % 256, lines % 256);
		lines++;
	}
	memcpy(file + head, text, tl);
	t = pfx2as_load(write_gz("long.gz", file, head + tl), &err);
	assert_null(t);
	char want[64];
	snprintf(want, sizeof want, ":%zu: line longer than 65536 bytes",
	         lines + 1);
	if (!strstr(err.msg, want))
		fail_msg("got %s, want %s", err.msg, want);
	free(file);
	free(text);
}

static void test_files(void **state)
{
	(void)state;
	struct umbra_err err = {{0}};
	char want[512];
	char *big;
	size_t n = 0;

	assert_null(pfx2as_load(path_of("missing.gz"), &err));
	snprintf(want, sizeof want, "%s/missing.gz: No such file or directory",
	         test_tmpdir());
	assert_string_equal(err.msg, want);

	assert_null(pfx2as_load(test_tmpdir(), &err));
	snprintf(want, sizeof want, "%s: Is a directory", test_tmpdir());
	assert_string_equal(err.msg, want);

	assert_null(
	    pfx2as_load(test_tmpdir_write("x.bz2", "BZh91AY&SY", 10), &err));
	assert_non_null(strstr(err.msg, "x.bz2: bzip2-compressed"));
	assert_null(pfx2as_load(test_tmpdir_write("x.xz",
	                                          "\xfd"
	                                          "7zXZ\0\0",
	                                          7),
	                        &err));
	assert_non_null(strstr(err.msg, "x.xz: xz-compressed"));

	/* a gzip file cut short: a read error, never a partial table; big
	 * enough to be cut after the first MiB of text */
	big = malloc(4 << 20);
	for (unsigned i = 0; n < (3u << 20); i++)
		n += (size_t)sprintf(big + n, "%u.%u.%u.0\t24\t%u\n",
		                     1 + i / 65536, i / 256 % 256, i % 256, i);
	const char *gz = write_gz("cut.gz", big, n);
	struct pfx2as *t = pfx2as_load(gz, &err);
	assert_non_null(t);
	assert_int_equal(pfx2as_lookup(t, ip(1, 0, 5, 9)), 5);
	pfx2as_free(t);
	/* cut after 2/3, cut by its last 4 bytes (the trailer), and damaged
	 * in the middle (zeros decode to garbage before the CRC fails) */
	size_t size;
	char *bytes = test_file_read(gz, &size);
	for (int k = 0; k < 3; k++) {
		size_t len = k == 0 ? size * 2 / 3 : k == 1 ? size - 4 : size;

		if (k == 2)
			memset(bytes + size / 2, 0, 4096);
		test_tmpdir_write("cut.gz", bytes, len);
		t = pfx2as_load(gz, &err);
		if (t)
			fail_msg("damaged gzip file %d loaded", k);
		snprintf(want, sizeof want, "%s/cut.gz: ", test_tmpdir());
		if (strncmp(err.msg, want, strlen(want)) ||
		    (!strstr(err.msg, ": read error after line ") &&
		     !strstr(err.msg, ": compressed data corrupt or cut "
		                      "short; the text decoded before")))
			fail_msg("damaged gzip file %d: %s", k, err.msg);
	}
	free(bytes);
	free(big);
}

/* Random tables against a linear scan. */
struct ref_pfx {
	uint32_t net;
	unsigned len;
	uint32_t asn;
};

static uint64_t rng = 1;

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

/* 0 when nothing matches */
static uint32_t brute(const struct ref_pfx *v, size_t n, uint32_t a,
                      int *len_out)
{
	int best = -1;
	uint32_t asn = 0;

	for (size_t i = 0; i < n; i++)
		if ((a & mask(v[i].len)) == v[i].net && (int)v[i].len > best) {
			best = (int)v[i].len;
			asn = v[i].asn;
		}
	*len_out = best;
	return asn;
}

/* An address to probe: at random, or on and around prefix edges. */
static uint32_t probe(const struct ref_pfx *v, size_t n)
{
	const struct ref_pfx *p = &v[rnd32() % n];

	switch (rnd32() % 5) {
	case 0:
		return rnd32() << 16 ^ rnd32();
	case 1:
		return p->net;
	case 2:
		return p->net - 1;
	case 3:
		return p->net | ~mask(p->len);
	default:
		return (p->net | ~mask(p->len)) + 1;
	}
}

static void make_table(struct ref_pfx *v, size_t *n, char *text, size_t cap,
                       size_t *tlen)
{
	size_t k = 0, o = 0;
	/* a few /8s hold most prefixes so that they nest deeply */
	uint32_t hubs[4] = {rnd32() << 24, rnd32() << 24, rnd32() << 24, 0};

	while (k < *n) {
		unsigned len = rnd32() % 100 < 5 ? rnd32() % 8 : rnd32() % 33;
		uint32_t a = rnd32() << 16 ^ rnd32();
		size_t j;

		if (rnd32() % 4)
			a = hubs[rnd32() % 4] | (a & 0x00ffffff);
		a &= mask(len);
		for (j = 0; j < k; j++)
			if (v[j].net == a && v[j].len == len)
				break;
		if (j < k)
			continue;
		v[k].net = a;
		v[k].len = len;
		v[k].asn = rnd32() % 3 ? 1 + rnd32() % 70000 : rnd32() << 16;
		o += (size_t)snprintf(text + o, cap - o, "%u.%u.%u.%u\t%u\t%u",
		                      a >> 24, a >> 16 & 255, a >> 8 & 255,
		                      a & 255, len, v[k].asn);
		if (rnd32() % 10 == 0)
			o += (size_t)snprintf(text + o, cap - o, "_%u,%u",
			                      rnd32() % 100, rnd32() % 100);
		text[o++] = '\n';
		k++;
	}
	*n = k;
	*tlen = o;
}

static void test_crosscheck(void **state)
{
	(void)state;
	static struct ref_pfx v[3000];
	static char text[3000 * 64];

	for (unsigned round = 0; round < 12; round++) {
		size_t n = round < 4 ? 1 + round * 7 : 3000, tlen;
		struct umbra_err err = {{0}};
		struct pfx2as *t;

		rng = 0x1234567ull + round;
		make_table(v, &n, text, sizeof text, &tlen);
		t = pfx2as_load_mem("rand", text, tlen, &err);
		if (!t)
			fail_msg("round %u: %s", round, err.msg);
		for (unsigned i = 0; i < 40000; i++) {
			uint32_t a = probe(v, n);
			int len;
			uint32_t want = brute(v, n, a, &len);
			struct pfx2as_match m;
			int got = pfx2as_match(t, a, &m);

			if (pfx2as_lookup(t, a) != want)
				fail_msg("round %u: %08x: got AS %u, want %u",
				         round, a, pfx2as_lookup(t, a), want);
			assert_int_equal(got, len >= 0);
			if (got) {
				assert_int_equal(m.len, len);
				assert_int_equal(m.net,
				                 a & mask((unsigned)len));
				assert_int_equal(m.asn, want);
			}
		}
		pfx2as_free(t);
	}
}

/* Many readers of one table at once (the table is read-only). */
struct reader {
	const struct pfx2as *t;
	const uint32_t *addr, *want;
	size_t n;
	size_t bad;
};

static void *read_all(void *arg)
{
	struct reader *r = arg;

	for (int rep = 0; rep < 10; rep++)
		for (size_t i = 0; i < r->n; i++)
			r->bad += pfx2as_lookup(r->t, r->addr[i]) != r->want[i];
	return NULL;
}

static void test_threads(void **state)
{
	(void)state;
	static struct ref_pfx v[500];
	static char text[500 * 64];
	size_t n = 500, tlen, na = 20000;
	uint32_t *addr = malloc(na * sizeof *addr);
	uint32_t *want = malloc(na * sizeof *want);
	struct umbra_err err = {{0}};
	struct reader r[4];
	pthread_t th[4];
	struct pfx2as *t;

	rng = 99;
	make_table(v, &n, text, sizeof text, &tlen);
	t = pfx2as_load_mem("threads", text, tlen, &err);
	assert_non_null(t);
	for (size_t i = 0; i < na; i++) {
		int len;
		addr[i] = probe(v, n);
		want[i] = brute(v, n, addr[i], &len);
	}
	for (int i = 0; i < 4; i++) {
		r[i] = (struct reader){t, addr, want, na, 0};
		assert_int_equal(pthread_create(&th[i], NULL, read_all, &r[i]),
		                 0);
	}
	for (int i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(r[i].bad, 0);
	}
	pfx2as_free(t);
	free(addr);
	free(want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_nested_plain),
	    cmocka_unit_test(test_nested_gzip),
	    cmocka_unit_test(test_nested_mem),
	    cmocka_unit_test(test_no_default),
	    cmocka_unit_test(test_host_bits),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_binary_lines),
	    cmocka_unit_test(test_files),
	    cmocka_unit_test(test_crosscheck),
	    cmocka_unit_test(test_threads),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
