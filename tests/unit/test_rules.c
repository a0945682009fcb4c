/* test_rules.c: the rules that decide what is aggregated (lib/rules.h):
 * prefixes and prefix lists, the range set against a linear scan, pcap
 * filters on the raw IPv4 view of frames of several link types, the order
 * in which rules refuse, and every error at compile time.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "classify.h"
#include "config.h"
#include "decode.h"
#include "rules.h"

static void test_prefix_parse(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		uint32_t net;
		unsigned len;
	} good[] = {
	    {"10.0.0.0/8", 0x0a000000, 8},
	    {"0.0.0.0/0", 0, 0},
	    {"1.2.3.4", 0x01020304, 32},
	    {"1.2.3.4/32", 0x01020304, 32},
	    {"255.255.255.255", ~0u, 32},
	    {"192.168.0.0/16", 0xc0a80000, 16},
	    {"100.64.0.0/10", 0x64400000, 10},
	};
	static const char *const bad[] = {
	    "",           "10",          "10.0.0",      "10.0.0.0.0",
	    "10.0.0.0/",  "10.0.0.0/33", "10.0.0.0/08", "010.0.0.0/8",
	    "256.0.0.0",  "1.2.3.4/24",  "10.0.0.1/8",  "1.2.3.4 ",
	    " 1.2.3.4",   "1..2.3",      "1.2.3.4/8/8", "a.b.c.d",
	    "1.2.3.4/-1", "1.2.3.1000",  "1.2.3.-4",    "10.0.0.0/8x",
	};
	char why[256];
	uint32_t net;
	unsigned len;

	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		assert_int_equal(umbra_prefix_parse(good[i].s,
		                                    strlen(good[i].s), &net,
		                                    &len, why, sizeof why),
		                 0);
		assert_int_equal(net, good[i].net);
		assert_int_equal(len, good[i].len);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		why[0] = '\0';
		assert_int_equal(umbra_prefix_parse(bad[i], strlen(bad[i]),
		                                    &net, &len, why,
		                                    sizeof why),
		                 -EINVAL);
		assert_true(strlen(why) > 10);
	}
	assert_int_equal(
	    umbra_prefix_parse("10.0.0.1/8", 10, &net, &len, why, sizeof why),
	    -EINVAL);
	assert_non_null(strstr(why, "10.0.0.0/8"));
	assert_true(umbra_source_item_is_prefix("10.0.0.0/8"));
	assert_true(umbra_source_item_is_prefix("10.0.0.0/33"));
	assert_true(umbra_source_item_is_prefix("1.2.3"));
	assert_false(umbra_source_item_is_prefix("/etc/drop.txt"));
	assert_false(umbra_source_item_is_prefix("drop.txt"));
	assert_false(umbra_source_item_is_prefix("./10.0.0.0"));
	assert_false(umbra_source_item_is_prefix("10.0.0.0/8 "));
}

/* Linear scan over the prefixes as added. */
static int brute(const uint32_t *lo, const uint32_t *hi, size_t n, uint32_t a)
{
	for (size_t i = 0; i < n; i++)
		if (lo[i] <= a && a <= hi[i])
			return 1;
	return 0;
}

static void test_pfxset(void **state)
{
	(void)state;
	struct umbra_pfxset s = {0};
	uint32_t lo[600], hi[600], x = 12345;
	size_t n = 0;

	/* an empty set holds nothing */
	assert_int_equal(umbra_pfxset_finish(&s), 0);
	assert_false(umbra_pfxset_contains(&s, 0));
	/* random prefixes, overlapping, nested, adjacent, at both ends */
	for (int i = 0; i < 500; i++) {
		x = x * 1103515245u + 12345u;
		unsigned len = 8 + (x >> 27) % 25; /* 8..32 */
		x = x * 1103515245u + 12345u;
		uint32_t net = x & (len ? ~0u << (32 - len) : 0);
		assert_int_equal(umbra_pfxset_add(&s, net, len), 0);
		lo[n] = net, hi[n] = net | (len == 32 ? 0 : ~0u >> len), n++;
	}
	static const struct {
		uint32_t net;
		unsigned len;
	} fixed[] = {{0, 24},          {0xffffff00, 24}, {0x0a000000, 9},
	             {0x0a800000, 9},  {0x0b000000, 8},  {0x0c000000, 32},
	             {0x0c000001, 32}, {0xc0a80000, 16}, {0xc0a80100, 24}};
	for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
		assert_int_equal(
		    umbra_pfxset_add(&s, fixed[i].net, fixed[i].len), 0);
		lo[n] = fixed[i].net;
		hi[n] = fixed[i].net |
		        (fixed[i].len == 32 ? 0 : ~0u >> fixed[i].len);
		n++;
	}
	assert_int_equal(umbra_pfxset_finish(&s), 0);
	assert_true(s.n < n);
	for (size_t i = 1; i < s.n; i++)
		assert_true(s.hi[i - 1] + 1 < s.lo[i]); /* disjoint, apart */
	for (size_t i = 0; i < n; i++) {
		uint32_t probe[] = {lo[i], hi[i], lo[i] - 1, hi[i] + 1,
		                    lo[i] + (hi[i] - lo[i]) / 2};
		for (size_t j = 0; j < 5; j++)
			assert_int_equal(umbra_pfxset_contains(&s, probe[j]),
			                 brute(lo, hi, n, probe[j]));
	}
	for (int i = 0; i < 20000; i++) {
		x = x * 1103515245u + 12345u;
		uint32_t a = x ^ (x << 7);
		assert_int_equal(umbra_pfxset_contains(&s, a),
		                 brute(lo, hi, n, a));
	}
	/* 10.0.0.0/9 + 10.128.0.0/9 + 11.0.0.0/8 merged into one range */
	assert_true(umbra_pfxset_contains(&s, 0x0a000000));
	assert_true(umbra_pfxset_contains(&s, 0x0bffffff));
	umbra_pfxset_free(&s);

	/* everything */
	assert_int_equal(umbra_pfxset_add(&s, 0, 0), 0);
	assert_int_equal(umbra_pfxset_add(&s, 0x01000000, 8), 0);
	assert_int_equal(umbra_pfxset_finish(&s), 0);
	assert_int_equal(s.n, 1);
	assert_true(umbra_pfxset_contains(&s, 0));
	assert_true(umbra_pfxset_contains(&s, ~0u));
	umbra_pfxset_free(&s);
}

static void test_pfxlist_parse(void **state)
{
	(void)state;
	struct umbra_pfxset s = {0};
	struct umbra_err err = {{0}};
	const char good[] = "# a list\n"
	                    "10.0.0.0/8\n"
	                    "\n"
	                    "   192.168.0.0/16   # private\r\n"
	                    "\t1.2.3.4\t\n"
	                    "5.6.7.0/24 ; SBL0001\n"
	                    "   # only a comment\n"
	                    "8.8.8.8"; /* no final newline */

	assert_int_equal(
	    umbra_pfxset_parse(&s, good, strlen(good), "list.txt", &err), 0);
	assert_int_equal(s.n, 5);
	assert_int_equal(umbra_pfxset_finish(&s), 0);
	assert_true(umbra_pfxset_contains(&s, 0x0a123456));
	assert_true(umbra_pfxset_contains(&s, 0xc0a8ffff));
	assert_true(umbra_pfxset_contains(&s, 0x01020304));
	assert_false(umbra_pfxset_contains(&s, 0x01020305));
	assert_true(umbra_pfxset_contains(&s, 0x050607ff));
	assert_true(umbra_pfxset_contains(&s, 0x08080808));
	umbra_pfxset_free(&s);

	static const struct {
		const char *text;
		const char *msg;
	} bad[] = {
	    {"10.0.0.0/8\n10.0.0.0/33\n", "list.txt:2: "},
	    {"\n\n\n1.2.3.4 5.6.7.8\n", "list.txt:4: "},
	    {"10.1.0.0/8", "list.txt:1: "},
	    {"1.2.3.4\nAS1234\n", "list.txt:2: "},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(umbra_pfxset_parse(&s, bad[i].text,
		                                    strlen(bad[i].text),
		                                    "list.txt", &err),
		                 -EINVAL);
		assert_non_null(strstr(err.msg, bad[i].msg));
		umbra_pfxset_free(&s);
	}
	/* a NUL byte in the text is a bad line, not the end of it */
	assert_int_equal(
	    umbra_pfxset_parse(&s, "1.2.3.4\n1.2\0003.4\n", 16, "x", &err),
	    -EINVAL);
	assert_non_null(strstr(err.msg, "x:2: "));
	umbra_pfxset_free(&s);
}

/* ---- whole rules -------------------------------------------------------- */

static struct umbra_config cfg_with(const char *yaml)
{
	struct umbra_config c;
	struct umbra_err err;

	assert_int_equal(umbra_config_defaults(&c), 0);
	if (umbra_config_load_string(&c, yaml, strlen(yaml), "test.yaml",
	                             &err) != 0)
		fail_msg("%s", err.msg);
	return c;
}

static int compile_err(const struct umbra_config *c, char *msg, size_t n)
{
	struct umbra_rules *r = (void *)1;
	struct umbra_err err = {{0}};
	int rc = umbra_rules_compile(c, &r, &err);

	assert_null(r);
	snprintf(msg, n, "%s", err.msg);
	return rc;
}

static void test_compile_none(void **state)
{
	(void)state;
	struct umbra_config c = cfg_with("monitor: x\n");
	struct umbra_rules *r = (void *)1;
	struct umbra_err err;
	char line[256];

	assert_int_equal(umbra_rules_compile(&c, &r, &err), 0);
	assert_null(r);
	umbra_rules_describe(NULL, line, sizeof line);
	assert_non_null(strstr(line, "every"));
	umbra_config_free(&c);
	for (unsigned k = 0; k < UMBRA_RULE__COUNT; k++)
		assert_non_null(umbra_rule_name(k));
	assert_string_equal(umbra_rule_name(UMBRA_RULE_DROP_SOURCES),
	                    "drop_sources");
	assert_null(umbra_rule_name(UMBRA_RULE__COUNT));
}

static void test_config_errors(void **state)
{
	(void)state;
	static const struct {
		const char *yaml;
		const char *msg;
	} bad[] = {
	    {"drop_classes: [spoofed, bogus]\n",
	     "test.yaml:1:25: key 'drop_classes': expected a packet class "
	     "(spoofed, erratic"},
	    {"keep_classes: Spoofed\n", "got 'Spoofed'"},
	    {"drop_sources: [\"10.0.0.0/33\"]\n",
	     "test.yaml:1:16: key 'drop_sources': expected an IPv4 prefix"},
	    {"keep_sources: 10.0.0.1/8\n", "the /8 holding it is 10.0.0.0/8"},
	    {"drop_filter: \"tcp port\"\n",
	     "key 'drop_filter': expected a pcap filter"},
	    {"keep_filter: \"ether host 1:2:3:4:5:6\"\n", "libpcap says: "},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct umbra_config c;
		struct umbra_err err = {{0}};
		assert_int_equal(umbra_config_defaults(&c), 0);
		assert_int_equal(umbra_config_load_string(&c, bad[i].yaml,
		                                          strlen(bad[i].yaml),
		                                          "test.yaml", &err),
		                 -EINVAL);
		if (!strstr(err.msg, bad[i].msg))
			fail_msg("'%s' not in '%s'", bad[i].msg, err.msg);
		umbra_config_free(&c);
	}
}

static void test_compile_errors(void **state)
{
	(void)state;
	char dir[256], path[512], yaml[1024], msg[UMBRA_ERR_MAX];
	FILE *f;

	snprintf(dir, sizeof dir, "%s/umbra-rules.XXXXXX",
	         getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/list.txt", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("# drops\n10.0.0.0/8\n\n172.16.0.0/33\n", f);
	fclose(f);

	/* a bad line in a file: FILE:LINE */
	snprintf(yaml, sizeof yaml, "drop_sources: [\"%s\"]\n", path);
	struct umbra_config c = cfg_with(yaml);
	assert_int_equal(compile_err(&c, msg, sizeof msg), -EINVAL);
	char want[600];
	snprintf(want, sizeof want, "drop_sources: %s:4: expected", path);
	if (!strstr(msg, want))
		fail_msg("'%s' not in '%s'", want, msg);
	umbra_config_free(&c);

	/* a file that is not there */
	snprintf(yaml, sizeof yaml, "keep_sources: [\"%s/none.txt\"]\n", dir);
	c = cfg_with(yaml);
	assert_int_equal(compile_err(&c, msg, sizeof msg), -ENOENT);
	assert_non_null(strstr(msg, "keep_sources: cannot read "));
	assert_non_null(strstr(msg, "none.txt: No such file"));
	umbra_config_free(&c);

	/* a directory */
	snprintf(yaml, sizeof yaml, "drop_sources: [\"%s\"]\n", dir);
	c = cfg_with(yaml);
	assert_int_equal(compile_err(&c, msg, sizeof msg), -EINVAL);
	assert_non_null(strstr(msg, "not a regular file"));
	umbra_config_free(&c);

	/* keep_sources that keep nothing */
	f = fopen(path, "w");
	fputs("# nothing\n", f);
	fclose(f);
	snprintf(yaml, sizeof yaml, "keep_sources: [\"%s\"]\n", path);
	c = cfg_with(yaml);
	assert_int_equal(compile_err(&c, msg, sizeof msg), -EINVAL);
	assert_non_null(strstr(msg, "nothing would be aggregated"));
	umbra_config_free(&c);
	/* ... while an empty drop list drops nothing */
	snprintf(yaml, sizeof yaml, "drop_sources: [\"%s\"]\n", path);
	c = cfg_with(yaml);
	struct umbra_rules *r;
	struct umbra_err err;
	assert_int_equal(umbra_rules_compile(&c, &r, &err), 0);
	assert_non_null(r);
	assert_int_equal(r->drop_sources.n, 0);
	umbra_rules_free(r);
	umbra_config_free(&c);

	/* values set by hand, past the loader's checks */
	assert_int_equal(umbra_config_defaults(&c), 0);
	free(c.drop_filter);
	c.drop_filter = strdup("udp and (");
	assert_int_equal(compile_err(&c, msg, sizeof msg), -EINVAL);
	assert_non_null(strstr(msg, "drop_filter 'udp and (': libpcap says:"));
	umbra_config_free(&c);
	assert_int_equal(umbra_config_defaults(&c), 0);
	assert_int_equal(
	    umbra_config_set(&c, "drop_classes", "spoofed", "t", &err), 0);
	free(c.drop_classes.items[0]);
	c.drop_classes.items[0] = strdup("nope");
	assert_int_equal(compile_err(&c, msg, sizeof msg), -EINVAL);
	assert_non_null(strstr(msg, "drop_classes: unknown packet class"));
	umbra_config_free(&c);
	unlink(path);
	rmdir(dir);
}

/* A frame of one of three link types around an IPv4/UDP packet. */
struct frame_buf {
	uint8_t b[128];
	struct umbra_frame f;
	struct ft_pkt p;
	uint32_t ip_off;
};

static void make_udp(struct frame_buf *fb, unsigned link, uint32_t src,
                     unsigned dport, unsigned ttl)
{
	uint8_t *p = fb->b;
	uint32_t n = 0;

	memset(fb->b, 0, sizeof fb->b);
	if (link == UMBRA_LINK_ETHERNET) { /* with two VLAN tags */
		n = 12;
		p[n++] = 0x88, p[n++] = 0xa8, p[n++] = 0, p[n++] = 1;
		p[n++] = 0x81, p[n++] = 0x00, p[n++] = 0, p[n++] = 2;
		p[n++] = 0x08, p[n++] = 0x00;
	} else if (link == UMBRA_LINK_SLL) {
		n = 14;
		p[n++] = 0x08, p[n++] = 0x00;
	}
	uint8_t *ip = p + n;
	ip[0] = 0x45;
	ip[3] = 28 + 4;
	ip[8] = (uint8_t)ttl;
	ip[9] = 17;
	ip[12] = (uint8_t)(src >> 24), ip[13] = (uint8_t)(src >> 16);
	ip[14] = (uint8_t)(src >> 8), ip[15] = (uint8_t)src;
	ip[16] = 44, ip[17] = 1, ip[18] = 2, ip[19] = 3;
	ip[20] = 0x9c, ip[21] = 0x40; /* 40000 */
	ip[22] = (uint8_t)(dport >> 8), ip[23] = (uint8_t)dport;
	ip[25] = 12;
	n += 32;
	fb->f = (struct umbra_frame){
	    .data = fb->b, .caplen = n, .wirelen = n, .link = (uint8_t)link};
	assert_int_equal(umbra_decode_at(&fb->f, &fb->p, &fb->ip_off),
	                 UMBRA_PKT_IPV4);
}

static int refuse(const struct umbra_rules *r, unsigned link, uint32_t src,
                  unsigned dport, unsigned ttl)
{
	struct frame_buf fb;

	make_udp(&fb, link, src, dport, ttl);
	return umbra_rules_refuse(r, &fb.p, &fb.f, fb.ip_off);
}

static struct umbra_rules *compiled(const char *yaml)
{
	struct umbra_config c = cfg_with(yaml);
	struct umbra_rules *r;
	struct umbra_err err;

	if (umbra_rules_compile(&c, &r, &err) != 0)
		fail_msg("%s", err.msg);
	umbra_config_free(&c);
	assert_non_null(r);
	return r;
}

static void test_refuse(void **state)
{
	(void)state;
	static const unsigned links[] = {UMBRA_LINK_ETHERNET, UMBRA_LINK_SLL,
	                                 UMBRA_LINK_RAW};
	struct umbra_rules *r;
	char line[512];

	/* classes */
	r = compiled("drop_classes: [high_ttl]\nkeep_classes: [erratic]\n");
	assert_false(r->slow);
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(refuse(r, links[i], 0x01020304, 137, 64), -1);
		assert_int_equal(refuse(r, links[i], 0x01020304, 137, 250),
		                 UMBRA_RULE_DROP_CLASSES);
		assert_int_equal(refuse(r, links[i], 0x01020304, 99, 64),
		                 UMBRA_RULE_KEEP_CLASSES);
	}
	umbra_rules_describe(r, line, sizeof line);
	assert_string_equal(line,
	                    "drop_classes high_ttl; keep_classes erratic");
	umbra_rules_free(r);

	/* sources */
	r = compiled("drop_sources: [10.0.0.0/8, 1.2.3.4]\n"
	             "keep_sources: [0.0.0.0/1]\n");
	assert_true(r->slow);
	assert_int_equal(refuse(r, UMBRA_LINK_RAW, 0x0a000001, 99, 64),
	                 UMBRA_RULE_DROP_SOURCES);
	assert_int_equal(refuse(r, UMBRA_LINK_RAW, 0x01020304, 99, 64),
	                 UMBRA_RULE_DROP_SOURCES);
	assert_int_equal(refuse(r, UMBRA_LINK_RAW, 0x01020305, 99, 64), -1);
	assert_int_equal(refuse(r, UMBRA_LINK_RAW, 0x80000001, 99, 64),
	                 UMBRA_RULE_KEEP_SOURCES);
	umbra_rules_free(r);

	/* filters: the same meaning whatever the link layer, VLAN tags
	 * included */
	r = compiled("drop_filter: \"udp dst port 137 or src net 9.0.0.0/8\"\n"
	             "keep_filter: \"ip[8] >= 100\"\n");
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(refuse(r, links[i], 0x01020304, 137, 200),
		                 UMBRA_RULE_DROP_FILTER);
		assert_int_equal(refuse(r, links[i], 0x09020304, 99, 200),
		                 UMBRA_RULE_DROP_FILTER);
		assert_int_equal(refuse(r, links[i], 0x01020304, 99, 200), -1);
		assert_int_equal(refuse(r, links[i], 0x01020304, 99, 99),
		                 UMBRA_RULE_KEEP_FILTER);
	}
	umbra_rules_describe(r, line, sizeof line);
	assert_non_null(strstr(line, "drop_filter ("));
	assert_non_null(strstr(line, "keep_filter ("));
	umbra_rules_free(r);

	/* a test past the captured bytes does not match */
	r = compiled("keep_filter: \"ip[60] == 0\"\n");
	assert_int_equal(refuse(r, UMBRA_LINK_RAW, 0x01020304, 99, 64),
	                 UMBRA_RULE_KEEP_FILTER);
	umbra_rules_free(r);

	/* the order: classes, then sources, then filters */
	r = compiled("drop_classes: [erratic]\ndrop_sources: [1.0.0.0/8]\n"
	             "drop_filter: udp\n");
	assert_int_equal(refuse(r, UMBRA_LINK_RAW, 0x01020304, 137, 64),
	                 UMBRA_RULE_DROP_CLASSES);
	assert_int_equal(refuse(r, UMBRA_LINK_RAW, 0x01020304, 99, 64),
	                 UMBRA_RULE_DROP_SOURCES);
	assert_int_equal(refuse(r, UMBRA_LINK_RAW, 0x02020304, 99, 64),
	                 UMBRA_RULE_DROP_FILTER);
	umbra_rules_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_prefix_parse),
	    cmocka_unit_test(test_pfxset),
	    cmocka_unit_test(test_pfxlist_parse),
	    cmocka_unit_test(test_compile_none),
	    cmocka_unit_test(test_config_errors),
	    cmocka_unit_test(test_compile_errors),
	    cmocka_unit_test(test_refuse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
