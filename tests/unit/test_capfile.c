/* test_capfile.c: unit tests of lib/capfile*.c (the capfile.h reader).
 *
 * Small pcap, pcapng and ERF files are built byte by byte in a temporary
 * directory, in both byte orders, and read back: frames, link types,
 * timestamps (pcap ns, pcapng if_tsresol 10^-9 and 2^-x, if_tsoffset),
 * simple and obsolete packet blocks, damage (bad block lengths, caplen too
 * large, unknown interface) and truncation (-ENODATA after every complete
 * record).  Compressed files are written with libwandio's writers, and
 * gzip also with zlib, flushed after every record, so that it can be cut
 * and damaged at known places (every record before the cut or damage is
 * returned, then -ENODATA or -EIO; nothing is printed on stderr).  The
 * shared test traces (directory in UMBRA_TRACES, default ../shared/traces)
 * are read and checked against MANIFEST.tsv and against each other; those
 * tests are skipped when the directory is missing.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* mkdtemp, truncate */
#endif
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <dirent.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <wandio.h>
#include <zlib.h>

#include "capfile.h"

#define MAXF 16

static char tmpdir[] = "/tmp/test_capfile.XXXXXX";
static char pathbuf[512];

/* ---- building files ---- */

struct bb {
	uint8_t *p;
	size_t n, cap;
	int be; /* write multi-byte fields big-endian */
};

static void bb_put(struct bb *b, const void *d, size_t n)
{
	if (b->n + n > b->cap) {
		b->cap = (b->n + n) * 2 + 64;
		b->p = realloc(b->p, b->cap);
		assert_non_null(b->p);
	}
	if (d)
		memcpy(b->p + b->n, d, n);
	else
		memset(b->p + b->n, 0, n);
	b->n += n;
}

static void bb_uint(struct bb *b, uint64_t v, size_t n)
{
	uint8_t t[8];

	for (size_t i = 0; i < n; i++)
		t[b->be ? n - 1 - i : i] = (uint8_t)(v >> (8 * i));
	bb_put(b, t, n);
}

static void bb_set32(struct bb *b, size_t at, uint32_t v)
{
	for (size_t i = 0; i < 4; i++)
		b->p[at + (b->be ? 3 - i : i)] = (uint8_t)(v >> (8 * i));
}

/* Empty the builder; the byte order stays. */
static void bb_free(struct bb *b)
{
	free(b->p);
	b->p = NULL;
	b->n = b->cap = 0;
}

static const char *write_file(const char *name, const void *p, size_t n)
{
	FILE *f;

	snprintf(pathbuf, sizeof pathbuf, "%s/%s", tmpdir, name);
	f = fopen(pathbuf, "wb");
	assert_non_null(f);
	if (n)
		assert_int_equal(fwrite(p, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
	return pathbuf;
}

static const char *write_bb(const char *name, const struct bb *b)
{
	return write_file(name, b->p, b->n);
}

static void pcap_hdr(struct bb *b, uint32_t magic, uint32_t link)
{
	bb_uint(b, magic, 4);
	bb_uint(b, 2, 2);
	bb_uint(b, 4, 2);
	bb_uint(b, 0, 4);
	bb_uint(b, 0, 4);
	bb_uint(b, 65535, 4);
	bb_uint(b, link, 4);
}

static void pcap_rec(struct bb *b, uint32_t sec, uint32_t frac, const void *d,
                     uint32_t caplen, uint32_t wirelen)
{
	bb_uint(b, sec, 4);
	bb_uint(b, frac, 4);
	bb_uint(b, caplen, 4);
	bb_uint(b, wirelen, 4);
	bb_put(b, d, caplen);
}

/* pcapng: ng_begin() writes type and a placeholder length; ng_end() pads
 * the body to 4 bytes and writes both lengths. */
static size_t ng_begin(struct bb *b, uint32_t type)
{
	size_t at = b->n;

	bb_uint(b, type, 4);
	bb_uint(b, 0, 4);
	return at;
}

static void ng_end(struct bb *b, size_t at)
{
	bb_put(b, NULL, (4 - b->n % 4) % 4);
	bb_uint(b, b->n + 4 - at, 4);
	bb_set32(b, at + 4, (uint32_t)(b->n - at));
}

static void ng_shb(struct bb *b, uint16_t major)
{
	size_t at = ng_begin(b, 0x0A0D0D0A);

	bb_uint(b, 0x1A2B3C4D, 4);
	bb_uint(b, major, 2);
	bb_uint(b, 0, 2);
	bb_uint(b, UINT64_MAX, 8);
	ng_end(b, at);
}

/* tsresol < 0: no option; tsoff != 0: an if_tsoffset option. */
static void ng_idb(struct bb *b, uint16_t link, uint32_t snaplen, int tsresol,
                   int64_t tsoff)
{
	size_t at = ng_begin(b, 1);

	bb_uint(b, link, 2);
	bb_uint(b, 0, 2);
	bb_uint(b, snaplen, 4);
	bb_uint(b, 2, 2); /* an if_name option, to be skipped */
	bb_uint(b, 3, 2);
	bb_put(b, "ab0\0", 4);
	if (tsresol >= 0) {
		bb_uint(b, 9, 2);
		bb_uint(b, 1, 2);
		bb_uint(b, (uint8_t)tsresol, 1);
		bb_put(b, NULL, 3);
	}
	if (tsoff) {
		bb_uint(b, 14, 2);
		bb_uint(b, 8, 2);
		bb_uint(b, (uint64_t)tsoff, 8);
	}
	bb_uint(b, 0, 4); /* opt_endofopt */
	ng_end(b, at);
}

static void ng_epb(struct bb *b, uint32_t iface, uint64_t ts, const void *d,
                   uint32_t caplen, uint32_t wirelen)
{
	size_t at = ng_begin(b, 6);

	bb_uint(b, iface, 4);
	bb_uint(b, ts >> 32, 4);
	bb_uint(b, ts & 0xffffffff, 4);
	bb_uint(b, caplen, 4);
	bb_uint(b, wirelen, 4);
	bb_put(b, d, caplen);
	ng_end(b, at);
}

static void ng_other(struct bb *b, uint32_t type, size_t bodylen)
{
	size_t at = ng_begin(b, type);

	bb_put(b, NULL, bodylen);
	ng_end(b, at);
}

/* ERF: ts little-endian, rlen/lctr/wlen big-endian, whatever b->be says. */
static void erf_rec(struct bb *b, uint64_t ts, uint8_t type, int next,
                    size_t pad, const void *d, size_t dlen, uint16_t wlen)
{
	size_t rlen = 16 + 8 * (size_t)next + pad + dlen;
	uint8_t h[16];

	for (int i = 0; i < 8; i++)
		h[i] = (uint8_t)(ts >> (8 * i));
	h[8] = (uint8_t)(type | (next ? 0x80 : 0));
	h[9] = 0;
	h[10] = (uint8_t)(rlen >> 8);
	h[11] = (uint8_t)rlen;
	h[12] = h[13] = 0;
	h[14] = (uint8_t)(wlen >> 8);
	h[15] = (uint8_t)wlen;
	bb_put(b, h, 16);
	for (int i = 0; i < next; i++) {
		uint8_t e[8] = {(uint8_t)(i + 1 < next ? 0x81 : 0x01)};
		bb_put(b, e, 8);
	}
	bb_put(b, NULL, pad);
	bb_put(b, d, dlen);
}

/* ---- reading files ---- */

struct got {
	int n;  /* frames */
	int rc; /* the call that ended the reading */
	struct umbra_frame f[MAXF];
	uint8_t d[MAXF][64];
	char msg[UMBRA_ERR_MAX];
	uint64_t offset;
};

static void read_all(const char *path, enum capfile_format fmt, struct got *g)
{
	struct umbra_err err = {{0}};
	struct capfile *cf = capfile_open(path, fmt, &err);
	struct umbra_frame f;

	memset(g, 0, sizeof *g);
	if (!cf)
		fail_msg("open %s: %s", path, err.msg);
	while ((g->rc = capfile_next(cf, &f, &err)) == 1) {
		if (g->n < MAXF) {
			g->f[g->n] = f;
			memcpy(g->d[g->n], f.data,
			       f.caplen < 64 ? f.caplen : 64);
		}
		g->n++;
	}
	snprintf(g->msg, sizeof g->msg, "%s", g->rc ? err.msg : "");
	/* Finished readers repeat their answer. */
	memset(&err, 0, sizeof err);
	assert_int_equal(capfile_next(cf, &f, &err), g->rc);
	if (g->rc)
		assert_string_equal(err.msg, g->msg);
	g->offset = capfile_offset(cf);
	capfile_close(cf);
}

static void assert_contains(const char *s, const char *part)
{
	if (!strstr(s, part))
		fail_msg("\"%s\" does not contain \"%s\"", s, part);
}

static void open_fails(const char *path, enum capfile_format fmt,
                       const char *part)
{
	struct umbra_err err = {{0}};
	struct capfile *cf = capfile_open(path, fmt, &err);

	if (cf) {
		capfile_close(cf);
		fail_msg("open %s succeeded, expected \"%s\"", path, part);
	}
	assert_contains(err.msg, path);
	assert_contains(err.msg, part);
}

static const uint8_t pkt[64] = {
    0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa,
    0xbb, 0x08, 0x00, 0x45, 0x00, 0x00, 0x32, 0x12, 0x34, 0x40, 0x00,
    0x40, 0x06, 0xde, 0xad, 0x0a, 0x00, 0x00, 0x01, 0xc0, 0x00, 0x02,
    0x07, 1,    2,    3,    4,    5,    6,    7,    8,    9,    10,
    11,   12,   13,   14,   15,   16,   17,   18,   19,   20,   21,
    22,   23,   24,   25,   26,   27,   28,   29,   30};

/* ---- classic pcap ---- */

static void test_pcap_us_le(void **state)
{
	struct bb b = {0};
	struct got g;
	const char *path;

	(void)state;
	pcap_hdr(&b, 0xa1b2c3d4, 1);
	pcap_rec(&b, 1000, 500000, pkt, 60, 60);
	pcap_rec(&b, 1001, 1999999, pkt, 0, 0);     /* usec >= 1e6: carried */
	pcap_rec(&b, 0xffffffff, 0, pkt + 1, 5, 3); /* caplen > wirelen */
	path = write_bb("us_le.pcap", &b);
	read_all(path, CAPFILE_AUTO, &g);
	assert_int_equal(g.rc, 0);
	assert_int_equal(g.n, 3);
	assert_int_equal(g.offset, b.n);
	assert_int_equal(g.f[0].ts_sec, 1000);
	assert_int_equal(g.f[0].ts_nsec, 500000000);
	assert_int_equal(g.f[0].caplen, 60);
	assert_int_equal(g.f[0].wirelen, 60);
	assert_int_equal(g.f[0].link, UMBRA_LINK_ETHERNET);
	assert_int_equal(g.f[0].has_ts, 1);
	assert_int_equal(g.f[0].iface, 0);
	assert_memory_equal(g.d[0], pkt, 60);
	assert_int_equal(g.f[1].ts_sec, 1002);
	assert_int_equal(g.f[1].ts_nsec, 999999000);
	assert_int_equal(g.f[1].caplen, 0);
	assert_int_equal(g.f[1].wirelen, 0);
	assert_int_equal(g.f[2].ts_sec, 4294967295LL);
	assert_int_equal(g.f[2].caplen, 5);
	assert_int_equal(g.f[2].wirelen, 3);
	assert_memory_equal(g.d[2], pkt + 1, 5);
	bb_free(&b);
}

static void test_pcap_ns_be(void **state)
{
	struct bb b = {.be = 1};
	struct umbra_err err;
	struct capfile *cf;
	struct got g;
	const char *path;

	(void)state;
	pcap_hdr(&b, 0xa1b23c4d, 101);
	pcap_rec(&b, 1234567890, 123456789, pkt, 20, 1500);
	pcap_rec(&b, 7, 2500000000u, pkt, 1, 1); /* ns >= 1e9: carried */
	path = write_bb("ns_be.pcap", &b);
	cf = capfile_open(path, CAPFILE_AUTO, &err);
	assert_non_null(cf);
	assert_string_equal(capfile_format_name(cf), "pcap-ns");
	capfile_close(cf);
	read_all(path, CAPFILE_AUTO, &g);
	assert_int_equal(g.rc, 0);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.f[0].ts_sec, 1234567890);
	assert_int_equal(g.f[0].ts_nsec, 123456789);
	assert_int_equal(g.f[0].caplen, 20);
	assert_int_equal(g.f[0].wirelen, 1500);
	assert_int_equal(g.f[0].link, UMBRA_LINK_RAW);
	assert_memory_equal(g.d[0], pkt, 20);
	assert_int_equal(g.f[1].ts_sec, 9);
	assert_int_equal(g.f[1].ts_nsec, 500000000);
	bb_free(&b);

	/* A big-endian writer's microsecond file. */
	pcap_hdr(&b, 0xa1b2c3d4, 101);
	pcap_rec(&b, 1234567890, 123456, pkt, 20, 1500);
	assert_int_equal(b.p[0], 0xa1); /* really big-endian */
	read_all(write_bb("us_be.pcap", &b), CAPFILE_AUTO, &g);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.f[0].ts_nsec, 123456000);
	assert_int_equal(g.f[0].wirelen, 1500);
	bb_free(&b);
}

static void test_pcap_linktypes(void **state)
{
	static const struct {
		uint32_t word;
		uint8_t link;
	} t[] = {
	    {1, UMBRA_LINK_ETHERNET},
	    {12, UMBRA_LINK_RAW},
	    {14, UMBRA_LINK_RAW},
	    {101, UMBRA_LINK_RAW},
	    {228, UMBRA_LINK_IPV4},
	    {229, UMBRA_LINK_IPV6},
	    {113, UMBRA_LINK_SLL},
	    {276, UMBRA_LINK_SLL2},
	    {0, UMBRA_LINK_NULL},
	    {108, UMBRA_LINK_LOOP},
	    {9, UMBRA_LINK_PPP},
	    {50, UMBRA_LINK_PPP_HDLC},
	    {104, UMBRA_LINK_PPP_HDLC},
	    {147, UMBRA_LINK_UNKNOWN},
	    {105, UMBRA_LINK_UNKNOWN},
	    /* reserved upper bits (FCS length, flags) are ignored */
	    {0x30000001, UMBRA_LINK_ETHERNET},
	    {0x30000065, UMBRA_LINK_RAW},
	    {0x00300000, UMBRA_LINK_NULL},
	    {0x40000000, UMBRA_LINK_NULL},
	    {0xffff0071, UMBRA_LINK_SLL},
	};

	(void)state;
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct bb b = {.be = (int)(i & 1)};
		struct got g;

		pcap_hdr(&b, 0xa1b2c3d4, t[i].word);
		pcap_rec(&b, 1, 2, pkt, 40, 40);
		read_all(write_bb("link.pcap", &b), CAPFILE_AUTO, &g);
		assert_int_equal(g.rc, 0);
		assert_int_equal(g.n, 1);
		if (g.f[0].link != t[i].link)
			fail_msg("link word 0x%08x: link %u, expected %u",
			         t[i].word, g.f[0].link, t[i].link);
		bb_free(&b);
	}
}

static void test_pcap_caplen_too_large(void **state)
{
	struct bb b = {0};
	struct got g;
	const char *path;

	(void)state;
	pcap_hdr(&b, 0xa1b2c3d4, 1);
	pcap_rec(&b, 1, 0, pkt, 4, 4);
	bb_uint(&b, 2, 4);
	bb_uint(&b, 0, 4);
	bb_uint(&b, CAPFILE_MAX_CAPLEN + 1, 4);
	bb_uint(&b, 60, 4);
	bb_put(&b, NULL, 1000);
	path = write_bb("toolarge.pcap", &b);
	read_all(path, CAPFILE_AUTO, &g);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.rc, -EBADMSG);
	assert_contains(g.msg, path);
	assert_contains(g.msg, "offset 44");
	assert_contains(g.msg, "caplen 262145 larger than 262144");
	bb_free(&b);

	pcap_hdr(&b, 0xa1b2c3d4, 1);
	bb_uint(&b, 2, 4);
	bb_uint(&b, 0, 4);
	bb_uint(&b, 0xffffffff, 4);
	bb_uint(&b, 60, 4);
	read_all(write_bb("toolarge2.pcap", &b), CAPFILE_AUTO, &g);
	assert_int_equal(g.n, 0);
	assert_int_equal(g.rc, -EBADMSG);
	assert_contains(g.msg, "offset 24: caplen 4294967295");
	bb_free(&b);
}

static void test_pcap_truncated(void **state)
{
	struct bb b = {0};
	struct got g;
	const char *path;

	(void)state;
	pcap_hdr(&b, 0xa1b2c3d4, 1);
	pcap_rec(&b, 1, 0, pkt, 4, 4);
	pcap_rec(&b, 2, 0, pkt, 60, 60);
	b.n -= 30; /* cut inside the second record's data */
	path = write_bb("cut.pcap", &b);
	read_all(path, CAPFILE_AUTO, &g);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.rc, -ENODATA);
	assert_contains(g.msg, path);
	assert_contains(g.msg, "record at offset 44 cut short");
	assert_contains(g.msg, "76 bytes, 46 left");

	b.n = 24 + 20 + 7; /* cut inside the second record header */
	read_all(write_bb("cut2.pcap", &b), CAPFILE_AUTO, &g);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.rc, -ENODATA);
	assert_contains(g.msg, "offset 44 cut short");

	b.n = 10; /* cut inside the file header */
	open_fails(write_bb("cut3.pcap", &b), CAPFILE_AUTO,
	           "pcap file header cut short (10 of 24 bytes)");

	b.n = 24; /* header only: a clean, empty capture */
	read_all(write_bb("cut4.pcap", &b), CAPFILE_AUTO, &g);
	assert_int_equal(g.n, 0);
	assert_int_equal(g.rc, 0);
	bb_free(&b);
}

/* Records up to CAPFILE_MAX_CAPLEN, many of them across several buffer
 * refills: each one's content and position must survive the moves. */
static void test_pcap_big_records(void **state)
{
	struct umbra_err err;
	struct bb b = {0};
	struct umbra_frame f;
	struct capfile *cf;
	uint8_t *data = malloc(CAPFILE_MAX_CAPLEN + 16);
	uint32_t len = 0;
	int n = 0;

	(void)state;
	assert_non_null(data);
	for (uint32_t i = 0; i < CAPFILE_MAX_CAPLEN + 16; i++)
		data[i] = (uint8_t)(i * 7 + i / 251);
	pcap_hdr(&b, 0xa1b2c3d4, 1);
	for (int i = 0; i < 120; i++) {
		len = i % 7 == 0 ? CAPFILE_MAX_CAPLEN
		                 : (uint32_t)(i * 9973 % 70001);
		pcap_rec(&b, (uint32_t)i, 0, data + i % 13, len, len);
	}
	assert_true(b.n > 4 * (1u << 20));
	cf = capfile_open(write_bb("big.pcap", &b), CAPFILE_AUTO, &err);
	assert_non_null(cf);
	while (capfile_next(cf, &f, &err) == 1) {
		len = n % 7 == 0 ? CAPFILE_MAX_CAPLEN
		                 : (uint32_t)(n * 9973 % 70001);
		assert_int_equal(f.ts_sec, n);
		assert_int_equal(f.caplen, len);
		assert_memory_equal(f.data, data + n % 13, len);
		n++;
	}
	assert_int_equal(n, 120);
	assert_int_equal(capfile_next(cf, &f, &err), 0);
	assert_int_equal(capfile_offset(cf), b.n);
	capfile_close(cf);
	free(data);
	bb_free(&b);
}

static void test_open_errors(void **state)
{
	static const uint8_t junk[] = {0x12, 0x34, 0x56, 0x78, 0, 0, 0, 0};
	static const uint8_t zstd[] = {0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0, 0};
	char missing[600];

	(void)state;
	open_fails(write_file("empty.pcap", "", 0), CAPFILE_AUTO,
	           ": empty file");
	open_fails(write_file("empty.erf", "", 0), CAPFILE_ERF, ": empty file");
	open_fails(write_file("junk.pcap", junk, sizeof junk), CAPFILE_AUTO,
	           ": not a pcap or pcapng file (first bytes 12 34 56 78)");
	open_fails(write_file("short.pcap", junk, 3), CAPFILE_AUTO,
	           "not a pcap or pcapng file (only 3 bytes)");
	open_fails(write_file("z.pcap.zst", zstd, sizeof zstd), CAPFILE_AUTO,
	           "zstd-compressed");
	snprintf(missing, sizeof missing, "%s/no-such-file.pcap", tmpdir);
	open_fails(missing, CAPFILE_AUTO, ": No such file or directory");
}

/* "-" reads standard input. */
static void test_stdin(void **state)
{
	struct bb b = {0};
	struct umbra_err err;
	struct umbra_frame f;
	struct capfile *cf;
	int saved, fd;

	(void)state;
	pcap_hdr(&b, 0xa1b2c3d4, 1);
	pcap_rec(&b, 5, 6, pkt, 33, 33);
	pcap_rec(&b, 6, 7, pkt, 34, 34);
	fd = open(write_bb("stdin.pcap", &b), O_RDONLY);
	assert_true(fd >= 0);
	saved = dup(STDIN_FILENO);
	assert_true(saved >= 0);
	assert_int_equal(dup2(fd, STDIN_FILENO), STDIN_FILENO);
	close(fd);
	cf = capfile_open("-", CAPFILE_AUTO, &err);
	assert_non_null(cf);
	assert_int_equal(capfile_next(cf, &f, &err), 1);
	assert_int_equal(f.caplen, 33);
	assert_int_equal(capfile_next(cf, &f, &err), 1);
	assert_int_equal(f.caplen, 34);
	assert_int_equal(capfile_next(cf, &f, &err), 0);
	capfile_close(cf);
	/* standard input is not ours to close */
	assert_true(fcntl(STDIN_FILENO, F_GETFD) >= 0);
	assert_int_equal(dup2(saved, STDIN_FILENO), STDIN_FILENO);
	close(saved);
	bb_free(&b);
}

/* ---- pcapng ---- */

static void test_pcapng_le_ns_and_skips(void **state)
{
	struct bb b = {0};
	struct umbra_err err;
	struct capfile *cf;
	struct got g;
	const char *path;

	(void)state;
	ng_shb(&b, 1);
	ng_other(&b, 4, 20);          /* name resolution */
	ng_idb(&b, 1, 65535, 9, 0);   /* 10^-9 */
	ng_idb(&b, 229, 0, -1, 0);    /* default 10^-6 */
	ng_other(&b, 0x40000BAD, 13); /* custom block */
	ng_epb(&b, 0, 1500000000123456789ull, pkt, 60, 64);
	ng_other(&b, 5, 24); /* interface statistics */
	ng_epb(&b, 1, 1500000000123456ull, pkt + 2, 41, 41);
	ng_other(&b, 10, 8); /* decryption secrets */
	path = write_bb("le.pcapng", &b);
	cf = capfile_open(path, CAPFILE_AUTO, &err);
	assert_non_null(cf);
	assert_string_equal(capfile_format_name(cf), "pcapng");
	capfile_close(cf);
	read_all(path, CAPFILE_AUTO, &g);
	assert_int_equal(g.rc, 0);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.offset, b.n);
	assert_int_equal(g.f[0].ts_sec, 1500000000);
	assert_int_equal(g.f[0].ts_nsec, 123456789);
	assert_int_equal(g.f[0].caplen, 60);
	assert_int_equal(g.f[0].wirelen, 64);
	assert_int_equal(g.f[0].link, UMBRA_LINK_ETHERNET);
	assert_int_equal(g.f[0].iface, 0);
	assert_memory_equal(g.d[0], pkt, 60);
	assert_int_equal(g.f[1].ts_sec, 1500000000);
	assert_int_equal(g.f[1].ts_nsec, 123456000);
	assert_int_equal(g.f[1].caplen, 41); /* padded to 44 in the file */
	assert_int_equal(g.f[1].link, UMBRA_LINK_IPV6);
	assert_int_equal(g.f[1].iface, 1);
	assert_memory_equal(g.d[1], pkt + 2, 41);
	bb_free(&b);
}

static void test_pcapng_tsresol_pow2_and_offset(void **state)
{
	struct bb b = {.be = 1};
	struct got g;

	(void)state;
	ng_shb(&b, 1);
	ng_idb(&b, 1, 0, 0x80 | 10, 1000);     /* 2^-10, +1000 s */
	ng_idb(&b, 101, 0, 0x80 | 20, -86400); /* 2^-20, -1 day */
	ng_idb(&b, 1, 0, 0, 0);                /* whole seconds */
	ng_idb(&b, 1, 0, 12, 0);               /* 10^-12 */
	ng_epb(&b, 0, 5 * 1024 + 512, pkt, 10, 10);
	ng_epb(&b, 1, (3ull << 20) + 1, pkt, 10, 10);
	ng_epb(&b, 2, 1700000000, pkt, 10, 10);
	ng_epb(&b, 3, 1700000000123456789ull, pkt, 10, 10);
	ng_epb(&b, 0, 0, pkt, 10, 10); /* only the offset */
	read_all(write_bb("pow2.pcapng", &b), CAPFILE_AUTO, &g);
	assert_int_equal(g.rc, 0);
	assert_int_equal(g.n, 5);
	assert_int_equal(g.f[0].ts_sec, 1005);
	assert_int_equal(g.f[0].ts_nsec, 500000000);
	/* 1/2^20 s = 953.67 ns, rounded down; 3 s - 1 day */
	assert_int_equal(g.f[1].ts_sec, 3 - 86400);
	assert_int_equal(g.f[1].ts_nsec, 953);
	assert_int_equal(g.f[1].link, UMBRA_LINK_RAW);
	assert_int_equal(g.f[2].ts_sec, 1700000000);
	assert_int_equal(g.f[2].ts_nsec, 0);
	assert_int_equal(g.f[3].ts_sec, 1700000);
	assert_int_equal(g.f[3].ts_nsec, 123456); /* 10^-12 ticks -> ns */
	assert_int_equal(g.f[4].ts_sec, 1000);
	bb_free(&b);

	/* An unsupported resolution is an error, not a division by zero. */
	ng_shb(&b, 1);
	ng_idb(&b, 1, 0, 0x80 | 64, 0);
	read_all(write_bb("pow64.pcapng", &b), CAPFILE_AUTO, &g);
	assert_int_equal(g.rc, -EBADMSG);
	assert_contains(g.msg, "offset 28: unsupported if_tsresol 0xc0");
	bb_free(&b);
}

/* Sections with different byte orders; interface ids restart in each. */
static void test_pcapng_multisection(void **state)
{
	struct bb b = {0};
	struct got g;

	(void)state;
	ng_shb(&b, 1);
	ng_idb(&b, 1, 0, -1, 0);
	ng_epb(&b, 0, 1000000, pkt, 14, 14);
	b.be = 1;
	ng_shb(&b, 1);
	ng_idb(&b, 101, 0, -1, 0);
	ng_idb(&b, 113, 0, 9, 0);
	ng_epb(&b, 1, 2000000000, pkt + 1, 15, 15);
	ng_epb(&b, 0, 3000000, pkt + 2, 16, 16);
	b.be = 0;
	ng_shb(&b, 1);
	ng_idb(&b, 228, 0, -1, 0);
	ng_epb(&b, 0, 4000000, pkt + 3, 17, 17);
	read_all(write_bb("multi.pcapng", &b), CAPFILE_AUTO, &g);
	assert_int_equal(g.rc, 0);
	assert_int_equal(g.n, 4);
	assert_int_equal(g.f[0].link, UMBRA_LINK_ETHERNET);
	assert_int_equal(g.f[0].ts_sec, 1);
	assert_int_equal(g.f[1].link, UMBRA_LINK_SLL);
	assert_int_equal(g.f[1].iface, 1);
	assert_int_equal(g.f[1].ts_sec, 2);
	assert_int_equal(g.f[1].caplen, 15);
	assert_memory_equal(g.d[1], pkt + 1, 15);
	assert_int_equal(g.f[2].link, UMBRA_LINK_RAW);
	assert_int_equal(g.f[2].ts_sec, 3);
	assert_int_equal(g.f[3].link, UMBRA_LINK_IPV4);
	assert_int_equal(g.f[3].ts_sec, 4);
	assert_memory_equal(g.d[3], pkt + 3, 17);

	/* Section three has one interface: id 1 is unknown there. */
	ng_epb(&b, 1, 5000000, pkt, 10, 10);
	read_all(write_bb("multi2.pcapng", &b), CAPFILE_AUTO, &g);
	assert_int_equal(g.n, 4);
	assert_int_equal(g.rc, -EBADMSG);
	assert_contains(g.msg, "unknown interface 1 (1 defined)");
	bb_free(&b);
}

static void test_pcapng_spb_and_obsolete_pb(void **state)
{
	struct bb b = {.be = 1};
	struct got g;
	size_t at;

	(void)state;
	ng_shb(&b, 1);
	ng_idb(&b, 1, 32, -1, 0); /* snaplen 32 */
	ng_idb(&b, 0, 0, 9, 0);
	at = ng_begin(&b, 3); /* SPB, 60-byte packet: snaplen cuts it */
	bb_uint(&b, 60, 4);
	bb_put(&b, pkt, 60);
	ng_end(&b, at);
	at = ng_begin(&b, 3); /* SPB, 10-byte packet, padded to 12 */
	bb_uint(&b, 10, 4);
	bb_put(&b, pkt + 5, 10);
	ng_end(&b, at);
	at = ng_begin(&b, 2); /* obsolete packet block on interface 1 */
	bb_uint(&b, 1, 2);
	bb_uint(&b, 0, 2);
	bb_uint(&b, 1, 4); /* timestamp 2^32 + 5 ns */
	bb_uint(&b, 5, 4);
	bb_uint(&b, 20, 4);
	bb_uint(&b, 90, 4);
	bb_put(&b, pkt, 20);
	ng_end(&b, at);
	read_all(write_bb("spb.pcapng", &b), CAPFILE_AUTO, &g);
	assert_int_equal(g.rc, 0);
	assert_int_equal(g.n, 3);
	assert_int_equal(g.f[0].has_ts, 0);
	assert_int_equal(g.f[0].caplen, 32);
	assert_int_equal(g.f[0].wirelen, 60);
	assert_int_equal(g.f[0].link, UMBRA_LINK_ETHERNET);
	assert_memory_equal(g.d[0], pkt, 32);
	assert_int_equal(g.f[1].has_ts, 0);
	assert_int_equal(g.f[1].caplen, 10);
	assert_int_equal(g.f[1].wirelen, 10);
	assert_memory_equal(g.d[1], pkt + 5, 10);
	assert_int_equal(g.f[2].has_ts, 1);
	assert_int_equal(g.f[2].ts_sec, 4);
	assert_int_equal(g.f[2].ts_nsec, 294967301);
	assert_int_equal(g.f[2].link, UMBRA_LINK_NULL);
	assert_int_equal(g.f[2].iface, 1);
	assert_int_equal(g.f[2].caplen, 20);
	assert_int_equal(g.f[2].wirelen, 90);
	bb_free(&b);

	/* An SPB needs interface 0. */
	ng_shb(&b, 1);
	at = ng_begin(&b, 3);
	bb_uint(&b, 4, 4);
	bb_put(&b, pkt, 4);
	ng_end(&b, at);
	read_all(write_bb("spb2.pcapng", &b), CAPFILE_AUTO, &g);
	assert_int_equal(g.n, 0);
	assert_int_equal(g.rc, -EBADMSG);
	assert_contains(g.msg, "simple packet block at offset 28");
	bb_free(&b);
}

/* Damaged blocks: each case is a valid prefix (SHB, IDB, one EPB) and
 * then one bad block at offset 28 + 32 + 52 = 112. */
static void test_pcapng_bad_blocks(void **state)
{
	static const struct {
		uint32_t type, len; /* len 0: a correct length */
		uint32_t iface, caplen;
		const char *msg;
	} t[] = {
	    {6, 8, 0, 0, "offset 112: bad block length 8"},
	    {6, 30, 0, 0, "offset 112: bad block length 30"},
	    {5, 0x7ffffff0, 0, 0, "bad block length 2147483632"},
	    {6, 17u << 20, 0, 0, "bad block length 17825792"},
	    {6, 0, 3, 4, "offset 112: unknown interface 3 (1 defined)"},
	    {6, 0, 0, 400, "caplen 400 exceeds its block (4 bytes"},
	    {6, 24, 0, 0, "length 24 shorter than 32"},
	    {1, 16, 0, 0, "interface block at offset 112: block length"},
	};
	const uint32_t offset = 112;

	(void)state;
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct bb b = {.be = (int)(i & 1)};
		struct got g;
		size_t at;

		ng_shb(&b, 1);
		ng_idb(&b, 1, 0, -1, 0);
		ng_epb(&b, 0, 1, pkt, 20, 20);
		assert_int_equal(b.n, offset);
		at = ng_begin(&b, t[i].type);
		bb_uint(&b, t[i].iface, 4);
		bb_uint(&b, 0, 8);
		bb_uint(&b, t[i].caplen, 4);
		bb_uint(&b, 4, 4);
		bb_put(&b, pkt, 4);
		ng_end(&b, at);
		if (t[i].len) {
			bb_set32(&b, at + 4, t[i].len);
			if (t[i].len < b.n - at)
				bb_set32(&b, at + t[i].len - 4, t[i].len);
		}
		read_all(write_bb("bad.pcapng", &b), CAPFILE_AUTO, &g);
		assert_int_equal(g.n, 1);
		assert_int_equal(g.rc, -EBADMSG);
		assert_contains(g.msg, t[i].msg);
		bb_free(&b);
	}
}

static void test_pcapng_bad_headers(void **state)
{
	struct bb b = {0};
	struct got g;
	size_t at;

	(void)state;
	ng_shb(&b, 2); /* version 2.0 */
	read_all(write_bb("v2.pcapng", &b), CAPFILE_AUTO, &g);
	assert_int_equal(g.rc, -EBADMSG);
	assert_contains(g.msg, "offset 0: unsupported pcapng version 2.0");
	bb_free(&b);

	ng_shb(&b, 1);
	b.p[8] = 0x99; /* byte-order magic */
	read_all(write_bb("bom.pcapng", &b), CAPFILE_AUTO, &g);
	assert_int_equal(g.rc, -EBADMSG);
	assert_contains(g.msg, "bad byte-order magic");
	bb_free(&b);

	ng_shb(&b, 1);
	ng_idb(&b, 1, 0, -1, 0);
	b.p[b.n - 1] = 0x7f; /* trailing length of the IDB */
	read_all(write_bb("trail.pcapng", &b), CAPFILE_AUTO, &g);
	assert_int_equal(g.rc, -EBADMSG);
	assert_contains(g.msg, "interface block at offset 28: trailing length");
	bb_free(&b);

	ng_shb(&b, 1);
	at = ng_begin(&b, 1); /* option longer than the block */
	bb_uint(&b, 1, 4);
	bb_uint(&b, 0, 4);
	bb_uint(&b, 9, 2);
	bb_uint(&b, 200, 2);
	bb_uint(&b, 6, 4);
	ng_end(&b, at);
	read_all(write_bb("opt.pcapng", &b), CAPFILE_AUTO, &g);
	assert_int_equal(g.rc, -EBADMSG);
	assert_contains(g.msg, "option 9 (200 bytes) runs past the block");
	bb_free(&b);
}

static void test_pcapng_truncated(void **state)
{
	struct bb b = {0};
	struct got g;
	size_t full;

	(void)state;
	ng_shb(&b, 1);
	ng_idb(&b, 1, 0, -1, 0);
	ng_epb(&b, 0, 1, pkt, 60, 60);
	full = b.n;
	ng_epb(&b, 0, 2, pkt, 60, 60);
	b.n -= 10;
	read_all(write_bb("cut.pcapng", &b), CAPFILE_AUTO, &g);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.rc, -ENODATA);
	assert_contains(g.msg, "block at offset 152 cut short");
	assert_int_equal(full, 152);

	b.n = full + 5; /* inside the block header */
	read_all(write_bb("cut2.pcapng", &b), CAPFILE_AUTO, &g);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.rc, -ENODATA);
	assert_contains(g.msg, "offset 152 cut short (needs 12 bytes, 5 left)");

	b.n = 6; /* inside the first section header */
	read_all(write_bb("cut3.pcapng", &b), CAPFILE_AUTO, &g);
	assert_int_equal(g.n, 0);
	assert_int_equal(g.rc, -ENODATA);
	bb_free(&b);
}

/* A block larger than the 1 MiB read buffer: skipped, and what follows
 * it still read.  Also the largest caplen in an EPB, and one more. */
static void test_pcapng_large_blocks(void **state)
{
	uint8_t *data = calloc(1, CAPFILE_MAX_CAPLEN + 1);
	struct bb b = {0};
	struct got g;

	(void)state;
	assert_non_null(data);
	data[CAPFILE_MAX_CAPLEN - 1] = 0x5a;
	ng_shb(&b, 1);
	ng_idb(&b, 1, 0, -1, 0);
	ng_other(&b, 0x80000001, 3u << 20);
	ng_epb(&b, 0, 7000000, data, CAPFILE_MAX_CAPLEN, CAPFILE_MAX_CAPLEN);
	ng_epb(&b, 0, 8000000, pkt, 9, 9);
	read_all(write_bb("large.pcapng", &b), CAPFILE_AUTO, &g);
	assert_int_equal(g.rc, 0);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.f[0].caplen, CAPFILE_MAX_CAPLEN);
	assert_int_equal(g.f[0].ts_sec, 7);
	assert_int_equal(g.f[1].ts_sec, 8);
	assert_memory_equal(g.d[1], pkt, 9);
	ng_epb(&b, 0, 9000000, data, CAPFILE_MAX_CAPLEN + 1, 1);
	read_all(write_bb("large2.pcapng", &b), CAPFILE_AUTO, &g);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.rc, -EBADMSG);
	assert_contains(g.msg, "caplen 262145 larger than 262144");
	free(data);
	bb_free(&b);
}

/* ---- ERF ---- */

static void test_erf(void **state)
{
	struct bb b = {0};
	struct got g;
	const char *path;
	size_t good;

	(void)state;
	erf_rec(&b, 1000ull << 32 | 0x80000000u, 2, 0, 2, pkt, 60, 64);
	erf_rec(&b, 1001ull << 32 | 1, 2, 2, 2, pkt, 40, 30); /* ext, cap */
	erf_rec(&b, 0, 48, 0, 0, NULL, 24, 0);                /* PAD */
	erf_rec(&b, 1002ull << 32 | 0xffffffffu, 22, 0, 0, pkt + 14, 20, 20);
	erf_rec(&b, 1003ull << 32, 23, 1, 0, pkt, 8, 8);
	erf_rec(&b, 1004ull << 32, 1, 0, 0, pkt, 8, 8);
	erf_rec(&b, 1005ull << 32, 10, 0, 0, pkt, 8, 8); /* unknown type */
	path = write_bb("t.erf", &b);
	read_all(path, CAPFILE_ERF, &g);
	assert_int_equal(g.rc, 0);
	assert_int_equal(g.n, 6);
	assert_int_equal(g.offset, b.n);
	assert_int_equal(g.f[0].link, UMBRA_LINK_ETHERNET);
	assert_int_equal(g.f[0].ts_sec, 1000);
	assert_int_equal(g.f[0].ts_nsec, 500000000);
	assert_int_equal(g.f[0].caplen, 60);
	assert_int_equal(g.f[0].wirelen, 64);
	assert_memory_equal(g.d[0], pkt, 60);
	assert_int_equal(g.f[1].ts_nsec, 0); /* 2^-32 s rounds to 0 ns */
	assert_int_equal(g.f[1].caplen, 30); /* capped at wlen */
	assert_memory_equal(g.d[1], pkt, 30);
	assert_int_equal(g.f[2].link, UMBRA_LINK_IPV4);
	assert_int_equal(g.f[2].ts_sec, 1003); /* rounds up to a second */
	assert_int_equal(g.f[2].ts_nsec, 0);
	assert_memory_equal(g.d[2], pkt + 14, 20);
	assert_int_equal(g.f[3].link, UMBRA_LINK_IPV6);
	assert_memory_equal(g.d[3], pkt, 8);
	assert_int_equal(g.f[4].link, UMBRA_LINK_PPP_HDLC);
	assert_int_equal(g.f[5].link, UMBRA_LINK_UNKNOWN);
	assert_int_equal(g.f[5].caplen, 8);

	/* In AUTO mode the same bytes are not a pcap file. */
	open_fails(path, CAPFILE_AUTO, "not a pcap or pcapng file");

	/* Cut mid-record. */
	good = b.n;
	erf_rec(&b, 1006ull << 32, 2, 0, 2, pkt, 60, 60);
	b.n -= 1;
	read_all(write_bb("cut.erf", &b), CAPFILE_ERF, &g);
	assert_int_equal(g.n, 6);
	assert_int_equal(g.rc, -ENODATA);
	assert_contains(g.msg, "cut short (needs 78 bytes, 77 left)");

	/* rlen shorter than the header. */
	b.n = good;
	erf_rec(&b, 0, 2, 0, 0, NULL, 0, 0);
	b.p[good + 10] = 0;
	b.p[good + 11] = 15;
	read_all(write_bb("rlen.erf", &b), CAPFILE_ERF, &g);
	assert_int_equal(g.n, 6);
	assert_int_equal(g.rc, -EBADMSG);
	assert_contains(g.msg, "record length 15 shorter than 16");

	/* Extension headers that run past the record. */
	b.n = good;
	erf_rec(&b, 0, 2, 1, 0, NULL, 0, 0);
	b.p[good + 16] = 0x80; /* "another one follows" */
	read_all(write_bb("ext.erf", &b), CAPFILE_ERF, &g);
	assert_int_equal(g.rc, -EBADMSG);
	assert_contains(g.msg, "extension headers run past the record");

	/* ETH record too short for its 2 bytes of padding. */
	b.n = good;
	erf_rec(&b, 0, 2, 0, 0, pkt, 1, 1);
	read_all(write_bb("pad.erf", &b), CAPFILE_ERF, &g);
	assert_int_equal(g.rc, -EBADMSG);
	assert_contains(g.msg, "record length 17 too short");
	bb_free(&b);
}

/* Send stderr to a file until quiet_end(), which says how many bytes were
 * written there: the libraries under capfile must print nothing. */
static int quiet_saved = -1;

static void quiet_begin(void)
{
	char path[600];
	int fd;

	snprintf(path, sizeof path, "%s/stderr.txt", tmpdir);
	fflush(stderr);
	quiet_saved = dup(STDERR_FILENO);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(quiet_saved >= 0 && fd >= 0);
	assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);
	close(fd);
}

static long quiet_end(void)
{
	char path[600];
	struct stat st;

	snprintf(path, sizeof path, "%s/stderr.txt", tmpdir);
	fflush(stderr);
	assert_int_equal(dup2(quiet_saved, STDERR_FILENO), STDERR_FILENO);
	close(quiet_saved);
	assert_int_equal(stat(path, &st), 0);
	return (long)st.st_size;
}

/* ---- compressed ---- */

static const char *write_compressed(const char *name, const struct bb *b,
                                    int type)
{
	iow_t *w;

	snprintf(pathbuf, sizeof pathbuf, "%s/%s", tmpdir, name);
	w = wandio_wcreate(pathbuf, type, 6, O_CREAT | O_TRUNC);
	assert_non_null(w);
	assert_int_equal(wandio_wwrite(w, b->p, (off_t)b->n), b->n);
	wandio_wdestroy(w);
	return pathbuf;
}

static void cut_file(const char *path, off_t keep)
{
	assert_int_equal(truncate(path, keep), 0);
}

static void test_compressed(void **state)
{
	static const struct {
		const char *name;
		int type;
		const char *cut; /* how a cut file is reported */
	} z[] = {
	    {"c.pcap.gz", WANDIO_COMPRESS_ZLIB,
	     "bytes without its end marker (compressed file cut short)"},
	    {"c.pcap.bz2", WANDIO_COMPRESS_BZ2,
	     "bzip2 stream ends after 0 bytes without its end marker"},
	    {"c.pcap.xz", WANDIO_COMPRESS_LZMA, "bytes without its end marker"},
	};
	struct bb b = {0};
	uint8_t rec[200];

	(void)state;
	pcap_hdr(&b, 0xa1b2c3d4, 1);
	for (uint32_t i = 0; i < 3000; i++) {
		for (size_t k = 0; k < sizeof rec; k++)
			rec[k] = (uint8_t)(i * 131 + k * k);
		pcap_rec(&b, i, i, rec, 60 + i % 140, 1500);
	}
	for (size_t i = 0; i < sizeof z / sizeof z[0]; i++) {
		const char *path = write_compressed(z[i].name, &b, z[i].type);
		struct umbra_err err = {{0}};
		struct umbra_frame f;
		struct capfile *cf;
		struct stat st;
		uint32_t n = 0;
		int rc;

		cf = capfile_open(path, CAPFILE_AUTO, &err);
		if (!cf)
			fail_msg("%s: %s", z[i].name, err.msg);
		while ((rc = capfile_next(cf, &f, &err)) == 1) {
			for (size_t k = 0; k < sizeof rec; k++)
				rec[k] = (uint8_t)(n * 131 + k * k);
			assert_int_equal(f.ts_sec, n);
			assert_int_equal(f.caplen, 60 + n % 140);
			assert_memory_equal(f.data, rec, f.caplen);
			n++;
		}
		assert_int_equal(rc, 0);
		assert_int_equal(n, 3000);
		assert_int_equal(capfile_offset(cf), b.n);
		capfile_close(cf);

		/* Cut the compressed file: an error, never a silent end. */
		assert_int_equal(stat(path, &st), 0);
		cut_file(path, st.st_size * 2 / 3);
		quiet_begin();
		cf = capfile_open(path, CAPFILE_AUTO, &err);
		rc = 0;
		n = 0;
		if (cf) {
			while ((rc = capfile_next(cf, &f, &err)) == 1)
				n++;
			capfile_close(cf);
		}
		assert_int_equal(quiet_end(), 0);
		if (cf && rc == 0)
			fail_msg("%s cut short: silent end after %u frames",
			         z[i].name, n);
		assert_true(n < 3000);
		assert_contains(err.msg, path);
		assert_contains(err.msg, z[i].cut);
		/* gzip hands out what it decoded: about 2/3 of the frames. */
		if (z[i].type == WANDIO_COMPRESS_ZLIB) {
			assert_int_equal(rc, -ENODATA);
			assert_true(n > 1800);
		}
	}
	bb_free(&b);
}

/* ---- gzip, read with zlib ---- */

#define GZ_RECS 40

/* Record k (1..GZ_RECS) of the gzip test file: ts_sec k, its own length
 * and bytes that compress badly, so that a cut half-way between two
 * flush points always falls inside a record. */
static uint32_t gz_len(uint32_t k)
{
	return 100 + k * 37 % 150;
}

static void gz_payload(uint32_t k, uint8_t *d)
{
	uint32_t x = k * 2654435761u + 1;

	for (uint32_t i = 0; i < gz_len(k); i++) {
		x = x * 1103515245u + 12345u;
		d[i] = (uint8_t)(x >> 16);
	}
}

/* A pcap and its gzip, written with zlib and flushed (Z_FULL_FLUSH) after
 * the pcap header and after every record: at[k] is the compressed size
 * once record k is complete (at[0]: the header alone), and a new,
 * byte-aligned deflate block starts there; end[k] is the decompressed
 * offset of the same point. */
struct gz {
	struct bb raw, z;
	size_t at[GZ_RECS + 1], end[GZ_RECS + 1];
};

static void gz_deflate(z_stream *zs, struct bb *out, const uint8_t *d, size_t n,
                       int flush)
{
	uint8_t chunk[4096];

	zs->next_in = (Bytef *)d;
	zs->avail_in = (uInt)n;
	do {
		int rc;

		zs->next_out = chunk;
		zs->avail_out = sizeof chunk;
		rc = deflate(zs, flush);
		assert_true(rc == Z_OK || rc == Z_STREAM_END ||
		            rc == Z_BUF_ERROR);
		bb_put(out, chunk, sizeof chunk - zs->avail_out);
	} while (zs->avail_out == 0);
}

static void gz_begin(z_stream *zs)
{
	memset(zs, 0, sizeof *zs);
	assert_int_equal(deflateInit2(zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8,
	                              Z_DEFAULT_STRATEGY),
	                 Z_OK);
}

/* One whole gzip member of n bytes at d, appended to out. */
static void gz_member(struct bb *out, const uint8_t *d, size_t n)
{
	z_stream zs;

	gz_begin(&zs);
	gz_deflate(&zs, out, d, n, Z_FINISH);
	deflateEnd(&zs);
}

static void gz_build(struct gz *g)
{
	uint8_t rec[256];
	z_stream zs;

	memset(g, 0, sizeof *g);
	gz_begin(&zs);
	pcap_hdr(&g->raw, 0xa1b2c3d4, 1);
	gz_deflate(&zs, &g->z, g->raw.p, g->raw.n, Z_FULL_FLUSH);
	g->at[0] = g->z.n;
	g->end[0] = g->raw.n;
	for (uint32_t k = 1; k <= GZ_RECS; k++) {
		size_t from = g->raw.n;

		gz_payload(k, rec);
		pcap_rec(&g->raw, k, 0, rec, gz_len(k), 1500);
		gz_deflate(&zs, &g->z, g->raw.p + from, g->raw.n - from,
		           Z_FULL_FLUSH);
		g->at[k] = g->z.n;
		g->end[k] = g->raw.n;
	}
	gz_deflate(&zs, &g->z, NULL, 0, Z_FINISH);
	deflateEnd(&zs);
}

static void gz_free(struct gz *g)
{
	bb_free(&g->raw);
	bb_free(&g->z);
}

struct gzgot {
	int opened, n, rc; /* rc: capfile_next()'s last, or open's code */
	char msg[UMBRA_ERR_MAX];
	uint64_t offset;
	long noise; /* bytes written on stderr while reading */
};

/* Read path, with stderr going to a file (the libraries must stay
 * silent).  Every frame must be the next record of the gz test file. */
static struct gzgot gz_read_all(const char *path, int as_stdin)
{
	struct gzgot g = {0};
	struct umbra_err err = {{0}};
	struct umbra_frame f;
	struct capfile *cf;
	int saved_in = -1, fd, bad = 0;
	uint8_t rec[256];

	quiet_begin();
	if (as_stdin) {
		fd = open(path, O_RDONLY);
		saved_in = dup(STDIN_FILENO);
		assert_true(fd >= 0 && saved_in >= 0);
		assert_int_equal(dup2(fd, STDIN_FILENO), STDIN_FILENO);
		close(fd);
	}

	cf = capfile_open(as_stdin ? "-" : path, CAPFILE_AUTO, &err);
	if (cf) {
		g.opened = 1;
		while ((g.rc = capfile_next(cf, &f, &err)) == 1) {
			uint32_t k = (uint32_t)g.n + 1;

			gz_payload(k, rec);
			bad |= f.ts_sec != k || f.caplen != gz_len(k) ||
			       memcmp(f.data, rec, f.caplen) != 0;
			g.n++;
		}
		g.offset = capfile_offset(cf);
		capfile_close(cf);
	} else {
		g.rc = -1000; /* open failed: see msg */
	}
	snprintf(g.msg, sizeof g.msg, "%s", g.rc ? err.msg : "");

	g.noise = quiet_end();
	if (as_stdin) {
		assert_int_equal(dup2(saved_in, STDIN_FILENO), STDIN_FILENO);
		close(saved_in);
	}
	if (bad)
		fail_msg("%s: a frame differs from its record", path);
	return g;
}

/* The whole file, then the file cut at chosen points: every complete
 * record before the cut is returned, then -ENODATA naming the file, the
 * offset and "cut short"; nothing is printed. */
static void test_gzip_cut(void **state)
{
	char want[200];
	struct gzgot r;
	struct gz g;
	const char *path;
	int last = 0;

	(void)state;
	gz_build(&g);
	path = write_file("g.pcap.gz", g.z.p, g.z.n);
	r = gz_read_all(path, 0);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.n, GZ_RECS);
	assert_int_equal(r.offset, g.raw.n);
	assert_int_equal(r.noise, 0);

	/* At a flush point: the records before it, then the stream's end. */
	for (uint32_t k = 0; k <= GZ_RECS; k += k < 3 ? 1 : 9) {
		path = write_file("cut.pcap.gz", g.z.p, g.at[k]);
		r = gz_read_all(path, 0);
		assert_true(r.opened);
		assert_int_equal(r.n, k);
		assert_int_equal(r.rc, -ENODATA);
		assert_contains(r.msg, path);
		snprintf(want, sizeof want,
		         "gzip stream ends after %zu bytes without its end "
		         "marker (compressed file cut short)",
		         g.end[k]);
		assert_contains(r.msg, want);
		assert_int_equal(r.noise, 0);
	}
	/* Half-way through a record's compressed bytes: that record is
	 * dropped with its offset. */
	for (uint32_t k = 0; k < GZ_RECS; k += k < 3 ? 1 : 9) {
		path = write_file("cut.pcap.gz", g.z.p,
		                  (g.at[k] + g.at[k + 1]) / 2);
		r = gz_read_all(path, 0);
		assert_int_equal(r.n, k);
		assert_int_equal(r.rc, -ENODATA);
		snprintf(want, sizeof want, "record at offset %zu cut short",
		         g.end[k]);
		assert_contains(r.msg, want);
		assert_contains(r.msg, "gzip stream ends after");
		assert_int_equal(r.noise, 0);
	}
	/* The trailer (CRC, length) missing or short: all records. */
	for (size_t drop = 1; drop <= 8; drop += 7) {
		path = write_file("cut.pcap.gz", g.z.p, g.z.n - drop);
		r = gz_read_all(path, 0);
		assert_int_equal(r.n, GZ_RECS);
		assert_int_equal(r.rc, -ENODATA);
		snprintf(want, sizeof want, "gzip stream ends after %zu bytes",
		         g.raw.n);
		assert_contains(r.msg, want);
	}
	/* Inside the gzip header or the pcap header: open says so (or, once
	 * the pcap header has decoded, the first read does). */
	for (size_t keep = 3; keep < g.at[0]; keep += 3) {
		path = write_file("cut.pcap.gz", g.z.p, keep);
		r = gz_read_all(path, 0);
		assert_false(r.opened && (r.n || r.rc != -ENODATA));
		assert_true(r.opened || keep < g.at[0] - 4);
		assert_contains(r.msg, path);
		assert_contains(r.msg, "(compressed file cut short)");
		assert_int_equal(r.noise, 0);
	}
	/* Every cut point: never more frames for a shorter file, never a
	 * silent end, always -ENODATA. */
	for (size_t keep = g.at[0]; keep < g.z.n; keep += 13) {
		path = write_file("cut.pcap.gz", g.z.p, keep);
		r = gz_read_all(path, 0);
		if (r.rc != -ENODATA || r.n < last)
			fail_msg("cut at %zu: %d frames, rc %d (%s)", keep, r.n,
			         r.rc, r.msg);
		last = r.n;
	}
	assert_true(last >= GZ_RECS - 1);
	gz_free(&g);
}

/* Damage: corrupt data gives -EIO naming the file and the offset, after
 * every record decoded before it. */
static void test_gzip_corrupt(void **state)
{
	char want[200];
	struct gzgot r;
	struct bb b = {0};
	struct gz g;
	const char *path;

	(void)state;
	gz_build(&g);
	bb_put(&b, g.z.p, g.z.n);
	for (uint32_t k = 0; k < GZ_RECS; k += 13) {
		/* A deflate block of the reserved type 3 where record k+1's
		 * block starts. */
		memcpy(b.p, g.z.p, g.z.n);
		b.p[g.at[k]] = 0x06;
		path = write_file("bad.pcap.gz", b.p, b.n);
		r = gz_read_all(path, 0);
		assert_int_equal(r.n, k);
		assert_int_equal(r.rc, -EIO);
		assert_contains(r.msg, path);
		snprintf(want, sizeof want, "gzip data corrupt at offset %zu",
		         g.end[k]);
		assert_contains(r.msg, want);
		assert_contains(r.msg, "invalid block type");
		assert_int_equal(r.noise, 0);
	}
	/* A wrong CRC in the trailer: every record, then the error. */
	memcpy(b.p, g.z.p, g.z.n);
	b.p[b.n - 8] ^= 0xff;
	r = gz_read_all(write_file("crc.pcap.gz", b.p, b.n), 0);
	assert_int_equal(r.n, GZ_RECS);
	assert_int_equal(r.rc, -EIO);
	assert_contains(r.msg, "incorrect data check");
	/* Garbage after a complete member. */
	b.n = g.z.n;
	memcpy(b.p, g.z.p, g.z.n);
	bb_put(&b, "garbage!", 8);
	r = gz_read_all(write_file("junk.pcap.gz", b.p, b.n), 0);
	assert_int_equal(r.n, GZ_RECS);
	assert_int_equal(r.rc, -EIO);
	assert_contains(r.msg, "gzip data corrupt");
	bb_free(&b);
	gz_free(&g);
}

/* Concatenated members (a record split across two), zero padding after
 * the last, and gzip on standard input. */
static void test_gzip_members(void **state)
{
	struct gzgot r;
	struct bb b = {0};
	struct gz g;
	const char *path;
	size_t split;

	(void)state;
	gz_build(&g);
	split = g.end[10] + 50;
	gz_member(&b, g.raw.p, split);
	gz_member(&b, g.raw.p + split, 0); /* an empty member */
	gz_member(&b, g.raw.p + split, g.raw.n - split);
	bb_put(&b, NULL, 1000);
	path = write_file("members.pcap.gz", b.p, b.n);
	r = gz_read_all(path, 0);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.n, GZ_RECS);
	assert_int_equal(r.offset, g.raw.n);
	assert_int_equal(r.noise, 0);

	/* The second member cut short. */
	path = write_file("members2.pcap.gz", b.p, b.n - 1000 - 20);
	r = gz_read_all(path, 0);
	assert_int_equal(r.rc, -ENODATA);
	assert_true(r.n > 10 && r.n < GZ_RECS);

	r = gz_read_all(write_file("stdin.pcap.gz", g.z.p, g.z.n), 1);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.n, GZ_RECS);
	assert_int_equal(r.noise, 0);
	r = gz_read_all(write_file("stdin.pcap.gz", g.z.p, g.at[5]), 1);
	assert_int_equal(r.rc, -ENODATA);
	assert_int_equal(r.n, 5);
	assert_contains(r.msg, "-: gzip stream ends after");
	bb_free(&b);
	gz_free(&g);
}

/* libwandio 3.0.22's peek reader, after a failed refill that followed a
 * partial copy, did memcpy(..., -1) on the next read.  This damaged bzip2
 * stream (found by fuzz_capfile, minimised) crashed the reader; now it is
 * an error after the frames that decompressed. */
static void test_wandio_peek_bug(void **state)
{
	static const uint8_t bz[] = {
	    0x42, 0x5a, 0x68, 0x31, 0x31, 0x41, 0x59, 0x26, 0x53, 0x59, 0xd6,
	    0xbf, 0x51, 0x24, 0x00, 0x00, 0x1e, 0x7f, 0xff, 0xff, 0x7a, 0x52,
	    0xec, 0x08, 0xf0, 0xfd, 0x8c, 0xff, 0xd8, 0x71, 0x28, 0x20, 0xaa,
	    0x65, 0x63, 0x64, 0x41, 0x03, 0x52, 0x54, 0xa5, 0x55, 0xfe, 0xca,
	    0x37, 0x1c, 0x80, 0xec, 0x40, 0x62, 0x9d, 0x30, 0x00, 0xf9, 0x50,
	    0x34, 0x94, 0x9f, 0xaa, 0x7e, 0xa4, 0xd3, 0xd2, 0x00, 0xd0, 0x1e,
	    0xa0, 0x00, 0x69, 0xa3, 0x40, 0xd0, 0x0d, 0x00, 0x32, 0x06, 0x86,
	    0x9a, 0x68, 0x1e, 0xa7, 0xa4, 0xc8, 0xc8, 0x7a, 0x1a, 0x98, 0x66,
	    0xa9, 0xfa, 0xa1, 0xc0, 0x00, 0x00, 0x0d, 0x00, 0x00, 0x00, 0x34,
	    0x00, 0xd0, 0x00, 0x0d, 0x00, 0x00, 0x34, 0x00, 0x00, 0x00, 0x0c,
	    0x8a, 0x46, 0x51, 0x90, 0x34, 0x00, 0x00, 0x64, 0xd0, 0x31, 0x34,
	    0xd0, 0x3d, 0x20, 0x00, 0x06, 0x9a, 0x68, 0x00, 0x0d, 0x00, 0x32,
	    0x06, 0x86, 0x9a, 0x68, 0x1e, 0xa7, 0xa4, 0xc8, 0x00, 0x00, 0x0d,
	    0x00, 0x00, 0x00, 0x34, 0x00, 0xd0, 0x00, 0x0d, 0x00, 0x00, 0x34,
	    0x00, 0x00, 0x00, 0x0c, 0x63, 0x73, 0x93, 0xc7, 0x50, 0x8b, 0x04,
	    0x34, 0x00, 0x00, 0x00, 0x00, 0x00, 0x6b, 0xd5, 0x96, 0xd4, 0xac,
	    0x63, 0x00, 0xd3, 0x01, 0x0d, 0x54, 0x6a, 0xc4, 0x28, 0x77, 0xa2,
	    0x63, 0x73, 0x93, 0xc7, 0x50, 0x8b, 0x04, 0x34, 0x00, 0x00, 0x00,
	    0x00, 0x00, 0x00, 0xff, 0x02, 0x72, 0x7d, 0x62, 0xad, 0x5d, 0x4c,
	    0x75, 0x29, 0x5f, 0xe2, 0x1a,
	};
	struct got g;
	const char *path;

	(void)state;
	path = write_file("peek.erf.bz2", bz, sizeof bz);
	read_all(path, CAPFILE_ERF, &g);
	assert_true(g.n > 0);
	assert_int_equal(g.rc, -EIO);
	assert_contains(g.msg, path);
	assert_contains(g.msg, "bzip2 decompression failed after offset");
}

/* ---- the shared traces ---- */

static char traces[400];

static int have_traces(void)
{
	const char *env = getenv("UMBRA_TRACES");
	char probe[600];

	snprintf(traces, sizeof traces, "%s",
	         env && *env ? env : "../shared/traces");
	snprintf(probe, sizeof probe, "%s/MANIFEST.tsv", traces);
	return access(probe, R_OK) == 0;
}

static const char *trace(const char *rel)
{
	snprintf(pathbuf, sizeof pathbuf, "%s/%s", traces, rel);
	return pathbuf;
}

/* Read a whole file, calling fn on every frame. */
static int read_each(const char *path, enum capfile_format fmt,
                     void (*fn)(const struct umbra_frame *, long, void *),
                     void *arg, int *rc, char *msg)
{
	struct umbra_err err = {{0}};
	struct capfile *cf = capfile_open(path, fmt, &err);
	struct umbra_frame f;
	long n = 0;

	if (!cf) {
		*rc = -1000;
		snprintf(msg, UMBRA_ERR_MAX, "%s", err.msg);
		return 0;
	}
	while ((*rc = capfile_next(cf, &f, &err)) == 1) {
		if (fn)
			fn(&f, n, arg);
		n++;
	}
	snprintf(msg, UMBRA_ERR_MAX, "%s", *rc ? err.msg : "");
	capfile_close(cf);
	return (int)n;
}

struct copy {
	struct umbra_frame f[100];
	uint8_t *d[100];
};

static void keep(const struct umbra_frame *f, long i, void *arg)
{
	struct copy *c = arg;

	assert_true(i < 100);
	c->f[i] = *f;
	c->d[i] = malloc(f->caplen + 1);
	assert_non_null(c->d[i]);
	memcpy(c->d[i], f->data, f->caplen);
}

static void copy_free(struct copy *c)
{
	for (int i = 0; i < 100; i++)
		free(c->d[i]);
}

/* Compare an ERF frame with its pcap twin.  The ERF copies carry other
 * (anonymised) MAC addresses, and in 12 of the 100 frames a TCP byte that
 * is 0x0d in the ERF is 0x0a in the pcap (a newline mangling in the
 * published files).  Everything from the EtherType to the end of the IPv4
 * header must match; returns how many 0x0d/0x0a differences follow, and
 * fails on any other. */
static int erf_vs_pcap(const uint8_t *erf, const uint8_t *pcap, uint32_t caplen)
{
	int n = 0;

	assert_true(caplen >= 34);
	assert_memory_equal(erf + 12, pcap + 12, 34 - 12);
	for (uint32_t i = 34; i < caplen; i++) {
		if (erf[i] == pcap[i])
			continue;
		if (erf[i] != 0x0d || pcap[i] != 0x0a)
			fail_msg("byte %u: erf 0x%02x, pcap 0x%02x", i, erf[i],
			         pcap[i]);
		n++;
	}
	return n;
}

/* libtrace_100_packets.{pcap,pcapng,erf} hold the same 100 packets; the
 * first 5 are in .erf.bz2 and .erf.xz. */
static void test_traces_cross_format(void **state)
{
	static const char *const name[] = {
	    "real/libtrace_100_packets.pcap",
	    "real/libtrace_100_packets.pcapng",
	    "real/libtrace_100_packets.erf",
	    "real/libtrace_5_packets.erf.bz2",
	    "real/libtrace_5_packets.erf.xz",
	};
	static struct copy c[5];
	char msg[UMBRA_ERR_MAX];
	int rc, crlf = 0, far = 0;

	(void)state;
	if (!have_traces())
		skip();
	memset(c, 0, sizeof c);
	for (int k = 0; k < 5; k++) {
		int n = read_each(trace(name[k]),
		                  k >= 2 ? CAPFILE_ERF : CAPFILE_AUTO, keep,
		                  &c[k], &rc, msg);
		if (rc)
			fail_msg("%s: %s", name[k], msg);
		assert_int_equal(n, k < 3 ? 100 : 5);
	}
	for (int k = 1; k < 5; k++) {
		for (int i = 0; i < (k < 3 ? 100 : 5); i++) {
			const struct umbra_frame *a = &c[0].f[i],
			                         *f = &c[k].f[i];
			int64_t da = a->ts_sec * 1000000000 + a->ts_nsec;
			int64_t df = f->ts_sec * 1000000000 + f->ts_nsec;

			assert_int_equal(f->link, UMBRA_LINK_ETHERNET);
			assert_int_equal(f->caplen, a->caplen);
			assert_int_equal(f->wirelen, a->wirelen);
			if (k == 1)
				assert_memory_equal(c[k].d[i], c[0].d[i],
				                    a->caplen);
			else
				crlf += erf_vs_pcap(c[k].d[i], c[0].d[i],
				                    a->caplen);
			/* pcap and pcapng keep microseconds.  ERF has finer
			 * stamps, all within 0.5 us of the pcap's but two
			 * (frames 23 and 45, about 3 us off in the files). */
			if (k == 1)
				assert_int_equal(df, da);
			assert_true(df - da < 5000 && da - df < 5000);
			far += df - da > 500 || da - df > 500;
		}
		assert_int_equal(crlf, k == 2 ? 12 : 0);
		assert_int_equal(far, k == 2 ? 2 : 0);
		crlf = far = 0;
	}
	for (int k = 0; k < 5; k++)
		copy_free(&c[k]);
}

/* Every capture in MANIFEST.tsv gives the manifest's packet count of
 * complete records, but for three files we refuse on purpose; the files
 * listed here end with the code and message given. */
static void test_traces_manifest(void **state)
{
	static const struct {
		const char *file;
		int frames, rc;
		const char *msg;
	} expect[] = {
	    {"malformed/container/derived_masscan_tcp.truncated-gzip-"
	     "stream.pcap.gz",
	     213, -ENODATA,
	     "record at offset 17064 cut short (needs 80 bytes, 71 left): "
	     "gzip stream ends after 17135 bytes"},
	    {"malformed/container/libpcap_pcapng-invalid-vers-1.pcapng", 0,
	     -EBADMSG, "unsupported pcapng version 0.1"},
	    {"malformed/container/libpcap_shb-option-too-long.pcapng", 0,
	     -EBADMSG, "trailing length 808464432 differs"},
	    {"malformed/container/derived_nmap_80_all.truncated-mid-"
	     "record.pcap",
	     20, -ENODATA, "record at offset 4416 cut short"},
	    {"malformed/container/ndpi_fuzz-2021-10-13.pcap", 0, -EBADMSG,
	     "offset 24: caplen 524501 larger than 262144"},
	};
	char line[2048], msg[UMBRA_ERR_MAX];
	int files = 0;
	FILE *m;

	(void)state;
	if (!have_traces())
		skip();
	m = fopen(trace("MANIFEST.tsv"), "r");
	assert_non_null(m);
	while (fgets(line, sizeof line, m)) {
		char *file = strtok(line, "\t");
		int want_n = -1, want_rc = 0, n, rc, col;
		const char *want_msg = NULL;
		char *tok = NULL;

		if (!file || *file == '#')
			continue;
		for (col = 2; col <= 6; col++)
			tok = strtok(NULL, "\t");
		assert_non_null(tok);
		want_n = atoi(tok);
		/* The manifest counts complete records; where a file is
		 * cut short the reader says so after them. */
		if (strstr(file, "truncated-mid-record"))
			want_rc = -ENODATA;
		for (size_t i = 0; i < sizeof expect / sizeof expect[0]; i++)
			if (strcmp(file, expect[i].file) == 0) {
				want_n = expect[i].frames;
				want_rc = expect[i].rc;
				want_msg = expect[i].msg;
			}
		n = read_each(trace(file),
		              strstr(file, ".erf") ? CAPFILE_ERF : CAPFILE_AUTO,
		              NULL, NULL, &rc, msg);
		if (n != want_n || rc != want_rc)
			fail_msg("%s: %d frames, rc %d (%s); expected %d, rc "
			         "%d",
			         file, n, rc, msg, want_n, want_rc);
		if (want_msg) {
			assert_contains(msg, file);
			assert_contains(msg, want_msg);
		}
		files++;
	}
	fclose(m);
	assert_int_equal(files, 96);
}

struct stats {
	long nots, maxwire, maxcap, links[UMBRA_LINK__COUNT];
	int64_t first_sec;
};

static void count(const struct umbra_frame *f, long i, void *arg)
{
	struct stats *s = arg;

	s->nots += !f->has_ts;
	if (f->wirelen > s->maxwire)
		s->maxwire = f->wirelen;
	if (f->caplen > s->maxcap)
		s->maxcap = f->caplen;
	s->links[f->link]++;
	if (i == 0)
		s->first_sec = f->ts_sec;
}

static struct stats stats_of(const char *rel, int want_n)
{
	struct stats s = {0};
	char msg[UMBRA_ERR_MAX];
	int rc, n = read_each(trace(rel), CAPFILE_AUTO, count, &s, &rc, msg);

	if (rc)
		fail_msg("%s: %s", rel, msg);
	assert_int_equal(n, want_n);
	return s;
}

/* Details that the counts alone do not show. */
static void test_traces_details(void **state)
{
	struct stats s;

	(void)state;
	if (!have_traces())
		skip();
	s = stats_of("malformed/container/tcpdump_time_2106_overflow.pcapng",
	             1);
	assert_int_equal(s.first_sec, 4294967296LL);
	s = stats_of("malformed/container/tcpdump_bigtcp-ipv4.pcap", 1);
	assert_int_equal(s.maxcap, 80066);
	s = stats_of("malformed/container/tcpdump_bad-ipv4-version-pgm-"
	             "heapoverflow.pcap",
	             1);
	assert_int_equal(s.links[UMBRA_LINK_ETHERNET], 1);
	assert_int_equal(s.maxwire, 262144);
	s = stats_of("malformed/container/tcpdump_heap-overflow-1.pcap", 1);
	assert_int_equal(s.links[UMBRA_LINK_RAW], 1);
	s = stats_of("malformed/container/pcapngtest_le_test102_allblocks."
	             "pcapng",
	             5);
	assert_int_equal(s.nots, 1); /* one SPB */
	assert_int_equal(s.links[UMBRA_LINK_NULL], 1);
	s = stats_of("malformed/container/pcapngtest_be_test202_multisection."
	             "pcapng",
	             8);
	assert_int_equal(s.links[UMBRA_LINK_ETHERNET], 6);
	assert_int_equal(s.links[UMBRA_LINK_NULL], 2);
	s = stats_of("real/zeek_linux_dlt_sll2.pcap", 6);
	assert_int_equal(s.links[UMBRA_LINK_SLL2], 6);
	s = stats_of("real/libtrace_sll.pcap.gz", 100);
	assert_int_equal(s.links[UMBRA_LINK_SLL], 100);
	s = stats_of("real/ndpi_ocs.pcap", 946);
	assert_int_equal(s.links[UMBRA_LINK_RAW], 946);
	s = stats_of("malformed/container/tcpdump_extract_read2_asan.pcap", 1);
	assert_int_equal(s.links[UMBRA_LINK_IPV4], 1);
	assert_int_equal(s.maxwire, 65598);
}

/* ---- fixture ---- */

static int setup(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	DIR *d = opendir(tmpdir);
	struct dirent *e;

	(void)state;
	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.') {
			snprintf(pathbuf, sizeof pathbuf, "%s/%s", tmpdir,
			         e->d_name);
			unlink(pathbuf);
		}
	closedir(d);
	return rmdir(tmpdir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_pcap_us_le),
	    cmocka_unit_test(test_pcap_ns_be),
	    cmocka_unit_test(test_pcap_linktypes),
	    cmocka_unit_test(test_pcap_caplen_too_large),
	    cmocka_unit_test(test_pcap_truncated),
	    cmocka_unit_test(test_pcap_big_records),
	    cmocka_unit_test(test_open_errors),
	    cmocka_unit_test(test_stdin),
	    cmocka_unit_test(test_pcapng_le_ns_and_skips),
	    cmocka_unit_test(test_pcapng_tsresol_pow2_and_offset),
	    cmocka_unit_test(test_pcapng_multisection),
	    cmocka_unit_test(test_pcapng_spb_and_obsolete_pb),
	    cmocka_unit_test(test_pcapng_bad_blocks),
	    cmocka_unit_test(test_pcapng_bad_headers),
	    cmocka_unit_test(test_pcapng_truncated),
	    cmocka_unit_test(test_pcapng_large_blocks),
	    cmocka_unit_test(test_erf),
	    cmocka_unit_test(test_compressed),
	    cmocka_unit_test(test_gzip_cut),
	    cmocka_unit_test(test_gzip_corrupt),
	    cmocka_unit_test(test_gzip_members),
	    cmocka_unit_test(test_wandio_peek_bug),
	    cmocka_unit_test(test_traces_cross_format),
	    cmocka_unit_test(test_traces_manifest),
	    cmocka_unit_test(test_traces_details),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
