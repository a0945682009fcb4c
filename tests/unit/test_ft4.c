/* test_ft4.c: the flowtuple v4 record: Avro binary encoding and decoding,
 * and the common-value rule of FLOWTUPLE4.md section 3.
 *
 * The schema test compares ft4_schema_json with every flowtuple4.avsc it
 * finds: $UMBRA_SRCDIR/lib, $UMBRA_SPEC_DIR, $srcdir/../lib, lib, ../lib.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ft4.h"
#include "test_util.h"

/* ---- helpers ----------------------------------------------------------- */

/* A zeroed record (padding included, so records compare with memcmp). */
static void rec_zero(struct ft4_record *r)
{
	memset(r, 0, sizeof *r);
	ft4_record_clear_meta(r);
}

static void set_common(struct ft4_common *c, unsigned n, const uint32_t *v,
                       const uint64_t *f)
{
	c->n = (uint8_t)n;
	for (unsigned i = 0; i < n; i++) {
		c->value[i] = v[i];
		c->freq[i] = f[i];
	}
}

/* Encode, check the size bound, decode from an exact-size heap copy (so a
 * read past the end trips ASan), and compare. */
static size_t round_trip(const struct ft4_record *r)
{
	uint8_t buf[FT4_MAX_ENCODED];
	struct ft4_record back;
	size_t len = ft4_encode(r, buf);

	assert_true(len > 0 && len <= FT4_MAX_ENCODED);
	uint8_t *copy = malloc(len);
	assert_non_null(copy);
	memcpy(copy, buf, len);
	memset(&back, 0xa5, sizeof back);
	assert_int_equal(ft4_decode(copy, len, &back), (int)len);
	assert_memory_equal(r, &back, sizeof back);
	free(copy);
	return len;
}

static void random_common(struct ft4_common *c, uint64_t *s, uint32_t vmax)
{
	c->n = (uint8_t)(splitmix64(s) % (FT4_MAX_COMMON + 1));
	for (unsigned i = 0; i < c->n; i++) {
		c->value[i] = (uint32_t)(splitmix64(s) % ((uint64_t)vmax + 1));
		c->freq[i] = splitmix64(s) >> (1 + splitmix64(s) % 63);
	}
}

static void random_code(char s[3], uint64_t *st)
{
	unsigned len = (unsigned)(splitmix64(st) % 3);

	memset(s, 0, 3);
	for (unsigned i = 0; i < len; i++)
		s[i] = (char)('A' + splitmix64(st) % 26);
}

static void random_record(struct ft4_record *r, uint64_t *s)
{
	memset(r, 0, sizeof *r);
	r->time = (int64_t)splitmix64(s);
	r->src_ip = (uint32_t)splitmix64(s);
	r->dst_net = (uint32_t)splitmix64(s) & 0xffff0000u;
	r->dst_port = (uint16_t)splitmix64(s);
	r->protocol = (uint8_t)splitmix64(s);
	r->packet_cnt = splitmix64(s) >> (1 + splitmix64(s) % 63);
	r->uniq_dst_ips = (uint32_t)(splitmix64(s) >> 33);
	r->uniq_pkt_sizes = (uint32_t)(splitmix64(s) % 65536);
	r->uniq_ttls = (uint32_t)(splitmix64(s) % 257);
	r->uniq_src_ports = (uint32_t)(splitmix64(s) % 65537);
	r->uniq_tcp_flags = (uint32_t)(splitmix64(s) % 257);
	r->first_syn_length = (uint32_t)(splitmix64(s) % 61);
	r->first_tcp_rwin = (uint32_t)(splitmix64(s) % 65536);
	random_common(&r->pkt_sizes, s, 65535);
	random_common(&r->ttls, s, 255);
	random_common(&r->src_ports, s, UINT32_MAX);
	random_common(&r->tcp_flags, s, 255);
	random_code(r->maxmind_continent, s);
	random_code(r->maxmind_country, s);
	random_code(r->netacq_continent, s);
	random_code(r->netacq_country, s);
	r->prefix2asn = (uint32_t)splitmix64(s);
}

/* ---- zigzag varints ---------------------------------------------------- */

/* The first field, time, is a signed long: its bytes lead the encoding. */
static void check_time_bytes(int64_t t, const uint8_t *want, size_t n)
{
	struct ft4_record r;
	uint8_t buf[FT4_MAX_ENCODED];

	rec_zero(&r);
	r.time = t;
	size_t len = ft4_encode(&r, buf);
	assert_true(len > n);
	assert_memory_equal(buf, want, n);
	assert_int_equal(buf[n], 0x00); /* src_ip 0 follows */
	round_trip(&r);
}

static void test_zigzag_bytes(void **state)
{
	(void)state;
	check_time_bytes(0, (const uint8_t[]){0x00}, 1);
	check_time_bytes(-1, (const uint8_t[]){0x01}, 1);
	check_time_bytes(1, (const uint8_t[]){0x02}, 1);
	check_time_bytes(-2, (const uint8_t[]){0x03}, 1);
	check_time_bytes(63, (const uint8_t[]){0x7e}, 1);
	check_time_bytes(-64, (const uint8_t[]){0x7f}, 1);
	check_time_bytes(64, (const uint8_t[]){0x80, 0x01}, 2);
	check_time_bytes(-65, (const uint8_t[]){0x81, 0x01}, 2);
	check_time_bytes(300, (const uint8_t[]){0xd8, 0x04}, 2);
	check_time_bytes(1700000100,
	                 (const uint8_t[]){0xc8, 0xc5, 0x9f, 0xd5, 0x0c}, 5);
	check_time_bytes(INT64_MAX,
	                 (const uint8_t[]){0xfe, 0xff, 0xff, 0xff, 0xff, 0xff,
	                                   0xff, 0xff, 0xff, 0x01},
	                 10);
	check_time_bytes(INT64_MIN,
	                 (const uint8_t[]){0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	                                   0xff, 0xff, 0xff, 0x01},
	                 10);
}

/* ---- whole records ----------------------------------------------------- */

static void test_encode_empty_record(void **state)
{
	static const uint8_t want[] = {/* time .. first_tcp_rwin: 13 zeros */
	                               0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	                               /* 8 empty arrays */
	                               0, 0, 0, 0, 0, 0, 0, 0,
	                               /* four "??" */
	                               0x04, '?', '?', 0x04, '?', '?', 0x04,
	                               '?', '?', 0x04, '?', '?',
	                               /* prefix2asn */
	                               0};
	struct ft4_record r;
	uint8_t buf[FT4_MAX_ENCODED];

	(void)state;
	rec_zero(&r);
	assert_int_equal(ft4_encode(&r, buf), sizeof want);
	assert_memory_equal(buf, want, sizeof want);
	round_trip(&r);
}

/* The ICMP worked example of FLOWTUPLE4.md section 3, byte by byte. */
static void test_encode_known_record(void **state)
{
	static const uint8_t want[] = {
	    0xd8, 0x04,                        /* time 300 */
	    0x88, 0x8c, 0x90, 0x10,            /* src_ip 16909060 (1.2.3.4) */
	    0x80, 0x80, 0x88, 0xc0, 0x05,      /* dst_net 738263040 */
	    0x80, 0x20,                        /* dst_port 2048 */
	    0x02,                              /* protocol 1 */
	    0x02,                              /* packet_cnt 1 */
	    0x02, 0x02, 0x02, 0x00, 0x00,      /* uniq dst, sizes, ttls, ports,
	                                          flags */
	    0x00, 0x00,                        /* first_syn_length, rwin */
	    0x02, 0x38, 0x00,                  /* common_pkt_sizes [28] */
	    0x02, 0x02, 0x00,                  /* freqs [1] */
	    0x02, 0xd4, 0x03, 0x00,            /* common_ttls [234] */
	    0x02, 0x02, 0x00,                  /* freqs [1] */
	    0x00, 0x00, 0x00, 0x00,            /* ports, flags: empty */
	    0x04, 'E',  'U',  0x04, 'D',  'E', /* maxmind */
	    0x00, 0x04, '?',  '?',             /* netacq: "", "??" */
	    0xfa, 0xa8, 0x02,                  /* prefix2asn 19005 */
	};
	struct ft4_record r;
	uint8_t buf[FT4_MAX_ENCODED];

	(void)state;
	rec_zero(&r);
	r.time = 300;
	r.src_ip = 16909060;
	r.dst_net = 738263040;
	r.dst_port = 2048;
	r.protocol = 1;
	r.packet_cnt = 1;
	r.uniq_dst_ips = 1;
	r.uniq_pkt_sizes = 1;
	r.uniq_ttls = 1;
	set_common(&r.pkt_sizes, 1, (uint32_t[]){28}, (uint64_t[]){1});
	set_common(&r.ttls, 1, (uint32_t[]){234}, (uint64_t[]){1});
	memcpy(r.maxmind_continent, "EU", 3);
	memcpy(r.maxmind_country, "DE", 3);
	memset(r.netacq_continent, 0, 3);
	r.prefix2asn = 19005;
	assert_int_equal(ft4_encode(&r, buf), sizeof want);
	assert_memory_equal(buf, want, sizeof want);
	round_trip(&r);
}

static void test_round_trip_extremes(void **state)
{
	struct ft4_record r;
	uint32_t big_v[5] = {0, 1, 65535, 0x7fffffffu, UINT32_MAX};
	uint64_t big_f[5] = {0, 1, 1ull << 32, INT64_MAX - 1, INT64_MAX};

	(void)state;
	rec_zero(&r);
	r.time = INT64_MIN;
	r.src_ip = UINT32_MAX;
	r.dst_net = 0xffff0000u;
	r.dst_port = UINT16_MAX;
	r.protocol = UINT8_MAX;
	r.packet_cnt = INT64_MAX;
	r.uniq_dst_ips = INT32_MAX;
	r.uniq_pkt_sizes = 65536;
	r.uniq_ttls = 256;
	r.uniq_src_ports = 65536;
	r.uniq_tcp_flags = 256;
	r.first_syn_length = 60;
	r.first_tcp_rwin = 65535;
	set_common(&r.pkt_sizes, 5, big_v, big_f);
	set_common(&r.ttls, 5, big_v, big_f);
	set_common(&r.src_ports, 5, big_v, big_f);
	set_common(&r.tcp_flags, 5, big_v, big_f);
	r.prefix2asn = UINT32_MAX;
	size_t len = round_trip(&r);
	assert_true(len <= FT4_MAX_ENCODED);

	/* every field at its largest, "??" strings: the size bound holds */
	r.time = INT64_MAX;
	round_trip(&r);

	/* all zero, empty arrays, empty strings */
	memset(&r, 0, sizeof r);
	round_trip(&r);

	/* packet_cnt past 2^32 */
	rec_zero(&r);
	r.packet_cnt = 5000000000ull;
	r.src_ip = 0;
	set_common(&r.ttls, 1, (uint32_t[]){64}, (uint64_t[]){5000000000ull});
	round_trip(&r);
}

static void test_round_trip_random(void **state)
{
	uint64_t s = 42;
	struct ft4_record r;

	(void)state;
	for (int i = 0; i < 20000; i++) {
		random_record(&r, &s);
		round_trip(&r);
	}
}

/* Values the schema cannot hold are saturated, never wrapped negative. */
static void test_encode_saturates(void **state)
{
	struct ft4_record r, back;
	uint8_t buf[FT4_MAX_ENCODED];

	(void)state;
	rec_zero(&r);
	r.packet_cnt = (1ull << 63) + 5;
	r.uniq_dst_ips = UINT32_MAX;
	r.first_tcp_rwin = 0x80000000u;
	set_common(&r.ttls, 1, (uint32_t[]){1}, (uint64_t[]){UINT64_MAX - 1});
	size_t len = ft4_encode(&r, buf);
	assert_int_equal(ft4_decode(buf, len, &back), (int)len);
	assert_int_equal(back.packet_cnt, INT64_MAX);
	assert_int_equal(back.uniq_dst_ips, INT32_MAX);
	assert_int_equal(back.first_tcp_rwin, INT32_MAX);
	assert_int_equal(back.ttls.freq[0], INT64_MAX);

	/* a common set claiming more than FT4_MAX_COMMON entries */
	rec_zero(&r);
	r.pkt_sizes.n = 200;
	len = ft4_encode(&r, buf);
	assert_true(len <= FT4_MAX_ENCODED);
	assert_int_equal(ft4_decode(buf, len, &back), (int)len);
	assert_int_equal(back.pkt_sizes.n, FT4_MAX_COMMON);
}

/* ---- decoding malformed input ------------------------------------------ */

static int decode_bytes(const uint8_t *b, size_t n)
{
	struct ft4_record r;
	uint8_t *copy = malloc(n ? n : 1);
	int rc;

	assert_non_null(copy);
	memcpy(copy, b, n);
	rc = ft4_decode(copy, n, &r);
	free(copy);
	return rc;
}

static void test_decode_truncated(void **state)
{
	uint64_t s = 7;
	struct ft4_record r;
	uint8_t buf[FT4_MAX_ENCODED];

	(void)state;
	for (int k = 0; k < 200; k++) {
		random_record(&r, &s);
		size_t len = ft4_encode(&r, buf);
		for (size_t cut = 0; cut < len; cut++)
			assert_int_equal(decode_bytes(buf, cut), -EBADMSG);
		assert_int_equal(decode_bytes(buf, len), (int)len);
	}
}

/* An encoding with one part replaced: prefix (the 13 scalar fields, all 0),
 * then the given array section, then four "??" and prefix2asn 0. */
static int decode_with_arrays(const uint8_t *arrays, size_t n)
{
	uint8_t b[256];
	size_t len = 0;

	memset(b, 0, 13);
	len = 13;
	memcpy(b + len, arrays, n);
	len += n;
	for (int i = 0; i < 4; i++) {
		b[len++] = 0x04;
		b[len++] = '?';
		b[len++] = '?';
	}
	b[len++] = 0;
	return decode_bytes(b, len);
}

static void test_decode_malformed(void **state)
{
	(void)state;
	uint8_t b[64];

	/* sanity: the well-formed base decodes */
	assert_int_equal(
	    decode_with_arrays((const uint8_t[]){0, 0, 0, 0, 0, 0, 0, 0}, 8),
	    34);
	/* six items: more than FT4_MAX_COMMON */
	assert_int_equal(
	    decode_with_arrays((const uint8_t[]){0x0c, 2, 2, 2, 2, 2, 2, 0,
	                                         0x0c, 2, 2, 2, 2, 2, 2, 0,
	                                         0,    0, 0, 0, 0, 0},
	                       22),
	    -EBADMSG);
	/* six items spread over two blocks */
	assert_int_equal(
	    decode_with_arrays((const uint8_t[]){0x06, 2, 2, 2, 0x06, 2, 2, 2,
	                                         0, 0, 0, 0, 0, 0, 0},
	                       15),
	    -EBADMSG);
	/* value and frequency arrays of different lengths */
	assert_int_equal(
	    decode_with_arrays(
	        (const uint8_t[]){0x02, 0x38, 0, 0, 0, 0, 0, 0, 0, 0}, 10),
	    -EBADMSG);
	/* a negative value, and a value above UINT32_MAX */
	assert_int_equal(
	    decode_with_arrays((const uint8_t[]){0x02, 0x01, 0, 0x02, 0x02, 0,
	                                         0, 0, 0, 0, 0, 0},
	                       12),
	    -EBADMSG);
	assert_int_equal(
	    decode_with_arrays((const uint8_t[]){0x02, 0x80, 0x80, 0x80, 0x80,
	                                         0x20, 0, 0x02, 0x02, 0, 0, 0,
	                                         0, 0, 0, 0},
	                       16),
	    -EBADMSG);
	/* UINT32_MAX itself is fine */
	assert_int_equal(
	    decode_with_arrays((const uint8_t[]){0x02, 0xfe, 0xff, 0xff, 0xff,
	                                         0x1f, 0, 0x02, 0x02, 0, 0, 0,
	                                         0, 0, 0, 0},
	                       16),
	    42);
	/* a negative block count with its byte size is valid Avro */
	assert_int_equal(
	    decode_with_arrays((const uint8_t[]){0x01, 0x02, 0x38, 0, 0x02,
	                                         0x02, 0, 0, 0, 0, 0, 0, 0},
	                       13),
	    39);
	/* ... but not with a wrong byte size */
	assert_int_equal(
	    decode_with_arrays((const uint8_t[]){0x01, 0x04, 0x38, 0, 0x02,
	                                         0x02, 0, 0, 0, 0, 0, 0, 0},
	                       13),
	    -EBADMSG);

	/* negative block counts: -6 items, and INT64_MIN */
	assert_int_equal(
	    decode_with_arrays((const uint8_t[]){0x0b, 0x06, 2, 2, 2, 2, 2, 2,
	                                         0, 0, 0, 0, 0, 0, 0, 0, 0},
	                       17),
	    -EBADMSG);
	assert_int_equal(
	    decode_with_arrays((const uint8_t[]){0xff, 0xff, 0xff, 0xff, 0xff,
	                                         0xff, 0xff, 0xff, 0xff, 0x01,
	                                         0x02, 2,    0,    0,    0,
	                                         0,    0,    0,    0,    0},
	                       20),
	    -EBADMSG);

	/* a valid record to splice into: time 0, all fields 0, "??" */
	uint8_t neg[34] = {0};
	for (int i = 0; i < 4; i++)
		memcpy(neg + 21 + 3 * i, "\x04??", 3);
	assert_int_equal(decode_bytes(neg, 34), 34);

	/* time as an 11-byte varint (zero padded): refused */
	memset(b, 0x80, 10);
	b[10] = 0x00;
	memcpy(b + 11, neg + 1, 33);
	assert_int_equal(decode_bytes(b, 44), -EBADMSG);
	/* ... as a 10-byte one, non-canonical but valid Avro */
	b[9] = 0x00;
	memcpy(b + 10, neg + 1, 33);
	assert_int_equal(decode_bytes(b, 43), 43);
	/* a 10-byte varint with bits past 64: refused; INT64_MIN is fine */
	memset(b, 0xff, 9);
	b[9] = 0x02;
	assert_int_equal(decode_bytes(b, 43), -EBADMSG);
	b[9] = 0x01;
	assert_int_equal(decode_bytes(b, 43), 43);

	/* src_ip negative (-1), then 2^32 */
	neg[1] = 0x01;
	assert_int_equal(decode_bytes(neg, 34), -EBADMSG);
	b[0] = 0;
	memcpy(b + 1, (const uint8_t[]){0x80, 0x80, 0x80, 0x80, 0x20}, 5);
	memcpy(b + 6, neg + 2, 32);
	assert_int_equal(decode_bytes(b, 38), -EBADMSG);
	b[5] = 0x1f; /* 0x1fffffffe after the bytes below: UINT32_MAX */
	memcpy(b + 1, (const uint8_t[]){0xfe, 0xff, 0xff, 0xff}, 4);
	assert_int_equal(decode_bytes(b, 38), 38);
	neg[1] = 0;

	/* dst_port 65536, protocol 256 */
	uint8_t port[36];
	memcpy(port, neg, 3);
	port[3] = 0x80;
	port[4] = 0x80;
	port[5] = 0x08; /* zigzag 131072 = 65536 */
	memcpy(port + 6, neg + 4, 30);
	assert_int_equal(decode_bytes(port, 36), -EBADMSG);
	port[3] = 0xff;
	port[4] = 0xff;
	port[5] = 0x07; /* -65536 */
	assert_int_equal(decode_bytes(port, 36), -EBADMSG);
	port[3] = 0xfe;
	port[4] = 0xff;
	port[5] = 0x07; /* 65535 */
	assert_int_equal(decode_bytes(port, 36), 36);
	/* protocol 256 and 255 */
	memcpy(port, neg, 4);
	port[4] = 0x80;
	port[5] = 0x04;
	memcpy(port + 6, neg + 5, 29);
	assert_int_equal(decode_bytes(port, 35), -EBADMSG);
	port[4] = 0xfe;
	port[5] = 0x03;
	assert_int_equal(decode_bytes(port, 35), 35);

	/* an int field (uniq_dst_ips) above INT32_MAX: 5 bytes, too big */
	uint8_t wide[38];
	memcpy(wide, neg, 6);
	memcpy(wide + 6, (const uint8_t[]){0x80, 0x80, 0x80, 0x80, 0x10}, 5);
	memcpy(wide + 11, neg + 7, 27);
	assert_int_equal(decode_bytes(wide, 38), -EBADMSG);
	memcpy(wide + 6, (const uint8_t[]){0x81, 0x80, 0x80, 0x80, 0x0f}, 5);
	assert_int_equal(decode_bytes(wide, 38), -EBADMSG); /* negative */
	memcpy(wide + 6, (const uint8_t[]){0xfe, 0xff, 0xff, 0xff, 0x0f}, 5);
	assert_int_equal(decode_bytes(wide, 38), 38); /* INT32_MAX */

	/* strings: too long, negative length, NUL inside */
	uint8_t str[40];
	memcpy(str, neg, 21);
	memcpy(str + 21, "\x06???", 4); /* length 3, then a valid rest */
	memcpy(str + 25, neg + 24, 10);
	assert_int_equal(decode_bytes(str, 35), -EBADMSG);
	memcpy(str, neg, 34);
	str[21] = 0x01; /* length -1 */
	assert_int_equal(decode_bytes(str, 34), -EBADMSG);
	memcpy(str, neg, 34);
	str[22] = '\0';
	assert_int_equal(decode_bytes(str, 34), -EBADMSG);

	/* trailing bytes are left for the caller */
	memcpy(str, neg, 34);
	str[34] = 0x55;
	assert_int_equal(decode_bytes(str, 35), 34);
}

static void test_clear_meta(void **state)
{
	struct ft4_record r;

	(void)state;
	memset(&r, 'x', sizeof r);
	r.src_ip = 77;
	ft4_record_clear_meta(&r);
	assert_string_equal(r.maxmind_continent, "??");
	assert_string_equal(r.maxmind_country, "??");
	assert_string_equal(r.netacq_continent, "??");
	assert_string_equal(r.netacq_country, "??");
	assert_int_equal(r.prefix2asn, 0);
	assert_int_equal(r.src_ip, 77);
}

/* ---- the common-value rule --------------------------------------------- */

/* Runs the rule on (values, counts) and checks the result. */
static void check_common(const uint32_t *v, const uint64_t *c, uint32_t u,
                         uint64_t n, unsigned want_n, const uint32_t *want_v,
                         const uint64_t *want_f)
{
	struct ft4_common out;

	memset(&out, 0xee, sizeof out);
	ft4_common_values(v, c, u, n, &out);
	assert_int_equal(out.n, want_n);
	for (unsigned i = 0; i < want_n; i++) {
		assert_int_equal(out.value[i], want_v[i]);
		assert_int_equal(out.freq[i], want_f[i]);
	}
}

#define V(...) ((const uint32_t[]){__VA_ARGS__})
#define C(...) ((const uint64_t[]){__VA_ARGS__})

static void test_common_worked_examples(void **state)
{
	(void)state;
	/* n=518, sizes {72: 356, 80: 141, five others sharing 21} */
	check_common(V(1500, 80, 40, 72, 52, 60, 64),
	             C(4, 141, 5, 356, 4, 4, 4), 7, 518, 2, V(72, 80),
	             C(356, 141));
	/* TTLs {122: 518} */
	check_common(V(122), C(518), 1, 518, 1, V(122), C(518));
	/* 475 source ports, 43 with 2 packets and 432 with 1: none common */
	uint32_t ports[475];
	uint64_t cnt[475], sum = 0;
	for (unsigned i = 0; i < 475; i++) {
		ports[i] = 1024 + 97 * i;
		cnt[i] = i < 43 ? 2 : 1;
		sum += cnt[i];
	}
	assert_int_equal(sum, 518);
	check_common(ports, cnt, 475, 518, 0, NULL, NULL);
	/* ... and the threshold there is 104 packets: 20*518 = 10360 */
	cnt[0] = 104;
	check_common(ports, cnt, 475, 518, 1, V(1024), C(104));
	cnt[0] = 103;
	check_common(ports, cnt, 475, 518, 0, NULL, NULL);

	/* n=2, sizes {60: 1, 64: 1}: none; TTLs {44: 2}: [44] [2] */
	check_common(V(60, 64), C(1, 1), 2, 2, 0, NULL, NULL);
	check_common(V(44), C(2), 1, 2, 1, V(44), C(2));

	/* ICMP, n=1: sizes [28] [1], TTLs [234] [1], no ports, no flags */
	check_common(V(28), C(1), 1, 1, 1, V(28), C(1));
	check_common(V(234), C(1), 1, 1, 1, V(234), C(1));
	check_common(NULL, NULL, 0, 1, 0, NULL, NULL);
}

static void test_common_n_boundary(void **state)
{
	(void)state;
	/* n=9, u=3: p=100, so a value needs all 9 packets */
	check_common(V(1, 2, 3), C(7, 1, 1), 3, 9, 0, NULL, NULL);
	/* n=10, u=3: p=20, 2 packets suffice (100*2 == 20*10) */
	check_common(V(1, 2, 3), C(7, 2, 1), 3, 10, 2, V(1, 2), C(7, 2));
	/* n=9 with a single value: 100*9 == 100*9, common */
	check_common(V(5), C(9), 1, 9, 1, V(5), C(9));
	/* n=10 vs n=9 with 1 and 2 packet values (u=7 at n=9: p=33) */
	check_common(V(1, 2, 3, 4, 5, 6, 7), C(3, 2, 1, 1, 1, 1, 1), 7, 10, 2,
	             V(1, 2), C(3, 2));
	check_common(V(1, 2, 3, 4, 5, 6, 7), C(3, 1, 1, 1, 1, 1, 1), 7, 9, 1,
	             V(1), C(3));
}

static void test_common_u_boundary(void **state)
{
	(void)state;
	/* n=9, u=3: p=100; 5 of 9 is not common */
	check_common(V(10, 20, 30), C(5, 3, 1), 3, 9, 0, NULL, NULL);
	/* n=9, u=4: p=50; 5 of 9 is (500 >= 450), 4 is not (400 < 450) */
	check_common(V(10, 20, 30, 40), C(5, 2, 1, 1), 4, 9, 1, V(10), C(5));
	check_common(V(10, 20, 30, 40), C(4, 3, 1, 1), 4, 9, 0, NULL, NULL);
	/* n=9, u=6: p=50; 3 of 9 is not common */
	check_common(V(1, 2, 3, 4, 5, 6), C(3, 2, 1, 1, 1, 1), 6, 9, 0, NULL,
	             NULL);
	/* n=9, u=7: p=33; 3 of 9 is (300 >= 297), 2 is not (200 < 297) */
	check_common(V(1, 2, 3, 4, 5, 6, 7), C(3, 1, 1, 1, 1, 1, 1), 7, 9, 1,
	             V(1), C(3));
	check_common(V(1, 2, 3, 4, 5, 6, 7, 8), C(2, 1, 1, 1, 1, 1, 1, 1), 8, 9,
	             0, NULL, NULL);
	/* n=9, u=6 vs 7 with the same leading counts */
	check_common(V(1, 2, 3, 4, 5, 6), C(4, 1, 1, 1, 1, 1), 6, 9, 0, NULL,
	             NULL);
	check_common(V(1, 2, 3, 4, 5, 6, 7), C(3, 1, 1, 1, 1, 1, 1), 7, 9, 1,
	             V(1), C(3));
	/* u=4..6 at the p=50 equality: n=8, 4 packets is common, 3 is not */
	check_common(V(9, 8, 7, 6), C(4, 2, 1, 1), 4, 8, 1, V(9), C(4));
	check_common(V(9, 8, 7, 6), C(3, 3, 1, 1), 4, 8, 0, NULL, NULL);
	check_common(V(9, 8, 7, 6, 5, 4), C(4, 4, 0, 0, 0, 0), 6, 8, 2, V(8, 9),
	             C(4, 4));
	/* p=100 at u=3: n=6, a count of 6 is common, 5 is not */
	check_common(V(1, 2, 3), C(6, 0, 0), 3, 6, 1, V(1), C(6));
	check_common(V(1, 2, 3), C(5, 1, 0), 3, 6, 0, NULL, NULL);
}

static void test_common_exact_threshold(void **state)
{
	(void)state;
	/* p=20: 100*c == 20*n is common, one packet less is not */
	for (uint64_t n = 10; n <= 2000; n += 5) {
		/* n is a multiple of 5, c = n/5 exactly */
		uint64_t c = n / 5;
		check_common(V(200, 100), C(n - c, c), 2, n, 2, V(100, 200),
		             C(c, n - c));
		check_common(V(100, 200, 300), C(c - 1, 1, n - c), 3, n, 1,
		             V(300), C(n - c));
	}
	/* p=20 with n not a multiple of 5: c must round up (n=11: 3, not 2) */
	check_common(V(1, 2, 3, 4), C(3, 2, 3, 3), 4, 11, 3, V(1, 3, 4),
	             C(3, 3, 3));
}

static void test_common_order_and_limit(void **state)
{
	(void)state;
	/* output is ascending whatever the input order */
	check_common(V(900, 5, 300, 17, 60000), C(2, 2, 2, 2, 2), 5, 10, 5,
	             V(5, 17, 300, 900, 60000), C(2, 2, 2, 2, 2));
	/* the largest value a field can hold */
	check_common(V(UINT32_MAX, 0), C(5, 5), 2, 10, 2, V(0, UINT32_MAX),
	             C(5, 5));
	/* more than 5 qualify only when counts exceed n (not from real
	 * data): the 5 smallest values are kept */
	check_common(V(70, 10, 60, 20, 50, 30, 40), C(9, 1, 9, 2, 9, 3, 9), 7,
	             10, 5, V(20, 30, 40, 50, 60), C(2, 3, 9, 9, 9));
	check_common(V(8, 7, 6, 5, 4, 3, 2, 1), C(0, 0, 0, 0, 0, 0, 0, 0), 8, 0,
	             5, V(1, 2, 3, 4, 5), C(0, 0, 0, 0, 0));
}

/* With consistent counts (they sum to n), at most 5 values can be common,
 * so the limit never drops one; cross-check against the rule written out
 * naively with 128-bit products and a sort. */
static void test_common_random_consistent(void **state)
{
	uint64_t s = 1234;
	uint32_t v[12], ref_v[12];
	uint64_t c[12], ref_c[12];

	(void)state;
	for (int iter = 0; iter < 200000; iter++) {
		uint32_t u = 1 + (uint32_t)(splitmix64(&s) % 12);
		uint64_t n = 0;
		/* a quarter of the runs with counts near 2^60: 100*c and p*n
		 * overflow 64 bits there */
		uint64_t scale = splitmix64(&s) % 4 == 0 ? 1ull << 57 : 1;

		for (uint32_t i = 0; i < u; i++) {
			v[i] = (uint32_t)(splitmix64(&s) % 50) * 16 + i;
			c[i] = (1 + splitmix64(&s) % 6) * scale;
			n += c[i];
		}

		unsigned p = n >= 10 ? 20 : u < 4 ? 100 : u < 7 ? 50 : 33;
		unsigned k = 0;
		for (uint32_t i = 0; i < u; i++) {
			unsigned __int128 lhs = (unsigned __int128)100 * c[i];
			unsigned __int128 rhs = (unsigned __int128)p * n;
			if (lhs < rhs)
				continue;
			unsigned j = k++;
			for (; j > 0 && ref_v[j - 1] > v[i]; j--) {
				ref_v[j] = ref_v[j - 1];
				ref_c[j] = ref_c[j - 1];
			}
			ref_v[j] = v[i];
			ref_c[j] = c[i];
		}
		assert_true(k <= FT4_MAX_COMMON);

		struct ft4_common out;
		ft4_common_values(v, c, u, n, &out);
		assert_int_equal(out.n, k);
		for (unsigned i = 0; i < k; i++) {
			assert_int_equal(out.value[i], ref_v[i]);
			assert_int_equal(out.freq[i], ref_c[i]);
		}
	}
}

static void test_common_64bit(void **state)
{
	(void)state;
	/* UINT64_MAX is a multiple of 5: exactly a fifth is common */
	const uint64_t n = UINT64_MAX, fifth = UINT64_MAX / 5;
	check_common(V(1, 2), C(fifth, n - fifth), 2, n, 2, V(1, 2),
	             C(fifth, n - fifth));
	check_common(V(1, 2), C(fifth - 1, n - fifth + 1), 2, n, 1, V(2),
	             C(n - fifth + 1));
	/* 10^19 packets: 2*10^18 is common (100*c would overflow 64 bits) */
	const uint64_t m = 10000000000000000000ull;
	check_common(V(7, 8, 9), C(m / 5, m / 5 - 1, m - 2 * (m / 5) + 1), 3, m,
	             2, V(7, 9), C(m / 5, m - 2 * (m / 5) + 1));
}

/* ---- the schema -------------------------------------------------------- */

/* Compares ft4_schema_json with the file at path, if it exists; returns
 * whether it did. */
static bool check_avsc(const char *path)
{
	static char buf[65536];
	FILE *f = fopen(path, "rb");

	if (!f)
		return false;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	if (strcmp(ft4_schema_json, buf) != 0)
		fail_msg("ft4_schema_json differs from %s", path);
	return true;
}

/* The string must be byte for byte the shipped lib/flowtuple4.avsc and the
 * spec's flowtuple4.avsc: every copy found is compared, at least one must
 * be found. */
static void test_schema_matches_avsc(void **state)
{
	static const char *const env_dirs[][2] = {
	    {"UMBRA_SRCDIR", "lib"},
	    {"UMBRA_SPEC_DIR", "."},
	    {"srcdir", "../lib"},
	};
	char path[4096];
	int found = 0;

	(void)state;
	for (size_t i = 0; i < sizeof env_dirs / sizeof env_dirs[0]; i++) {
		const char *d = getenv(env_dirs[i][0]);
		if (!d)
			continue;
		snprintf(path, sizeof path, "%s/%s/flowtuple4.avsc", d,
		         env_dirs[i][1]);
		found += check_avsc(path);
	}
	found += check_avsc("lib/flowtuple4.avsc");
	found += check_avsc("../lib/flowtuple4.avsc");
	if (!found)
		fail_msg("no flowtuple4.avsc found: set UMBRA_SRCDIR (the "
		         "source tree) or UMBRA_SPEC_DIR");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_zigzag_bytes),
	    cmocka_unit_test(test_encode_empty_record),
	    cmocka_unit_test(test_encode_known_record),
	    cmocka_unit_test(test_round_trip_extremes),
	    cmocka_unit_test(test_round_trip_random),
	    cmocka_unit_test(test_encode_saturates),
	    cmocka_unit_test(test_decode_truncated),
	    cmocka_unit_test(test_decode_malformed),
	    cmocka_unit_test(test_clear_meta),
	    cmocka_unit_test(test_common_worked_examples),
	    cmocka_unit_test(test_common_n_boundary),
	    cmocka_unit_test(test_common_u_boundary),
	    cmocka_unit_test(test_common_exact_threshold),
	    cmocka_unit_test(test_common_order_and_limit),
	    cmocka_unit_test(test_common_random_consistent),
	    cmocka_unit_test(test_common_64bit),
	    cmocka_unit_test(test_schema_matches_avsc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
