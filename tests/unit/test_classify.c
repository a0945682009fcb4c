/* test_classify.c: the packet classes (lib/classify.h) as umbra_decode()
 * sets them, at the boundaries of every test.
 *
 * Each packet is built by hand from a description (a quiet TCP ACK unless
 * a test changes a field: in no class at all), framed, and decoded from a
 * heap copy of exactly its captured bytes, so a sanitizer build also sees
 * a read past the capture.  The expected classes are written out per case
 * or computed here by a formulation of our own (TCP flags, ICMP types,
 * protocols), not by calling the code under test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "frame_build.h"

#include "classify.h"
#include "decode.h"

#define B(c) UMBRA_CLASS_BIT(UMBRA_CLASS_##c)

#define SRC 0x01020304u /* 1.2.3.4 */
#define DST 0x2C010203u /* 44.1.2.3 */

/* One packet to build: IPv4 with a TCP, UDP or ICMP header (or none). */
struct pk {
	unsigned link; /* UMBRA_LINK_ETHERNET, _RAW, _SLL; with vlan */
	int vlan;      /* one 802.1Q tag (Ethernet) */
	uint32_t src, dst;
	unsigned ttl, id, frag, proto;
	unsigned sport, dport, flags, win, doff; /* TCP; UDP ports */
	uint32_t seq;
	unsigned icmp_type, icmp_code;
	const char *payload; /* after the UDP header */
	size_t plen;
	uint32_t cut;   /* nonzero: capture only this many bytes of the IP
	                   packet */
	uint32_t l4len; /* nonzero: this many transport bytes (cut short) */
};

/* A TCP ACK of an established connection: in no class. */
static struct pk quiet(void)
{
	return (struct pk){
	    .link = UMBRA_LINK_ETHERNET,
	    .src = SRC,
	    .dst = DST,
	    .ttl = 64,
	    .id = 0x1234,
	    .proto = 6,
	    .sport = 40000,
	    .dport = 80,
	    .flags = 0x10,
	    .win = 29200,
	    .doff = 8,
	    .seq = 0x11111111,
	};
}

static struct pk quiet_udp(void)
{
	struct pk k = quiet();
	k.proto = 17;
	k.sport = 40000;
	k.dport = 40001;
	return k;
}

static struct pk quiet_icmp(unsigned type)
{
	struct pk k = quiet();
	k.proto = 1;
	k.icmp_type = type;
	return k;
}

/* The frame of k; *ip_at is where its IPv4 header starts. */
static void build(const struct pk *k, struct fb *f, uint32_t *ip_at)
{
	uint32_t at, l4;

	f->n = 0;
	switch (k->link) {
	case UMBRA_LINK_ETHERNET:
		for (int i = 0; i < 12; i++)
			p8(f, 0x02 + i);
		if (k->vlan) {
			p16(f, 0x8100);
			p16(f, 42);
		}
		p16(f, 0x0800);
		break;
	case UMBRA_LINK_SLL:
		for (int i = 0; i < 14; i++)
			p8(f, 0);
		p16(f, 0x0800);
		break;
	default: /* raw IP */
		break;
	}
	at = f->n;
	p8(f, 0x45);
	p8(f, 0);
	p16(f, 0); /* total length, below */
	p16(f, k->id);
	p16(f, k->frag);
	p8(f, k->ttl);
	p8(f, k->proto);
	p16(f, 0);
	p32(f, k->src);
	p32(f, k->dst);
	l4 = f->n;
	if (k->proto == 6) {
		p16(f, k->sport);
		p16(f, k->dport);
		p32(f, k->seq);
		p32(f, 0);
		p8(f, k->doff << 4);
		p8(f, k->flags);
		p16(f, k->win);
		p16(f, 0);
		p16(f, 0);
		for (unsigned i = 20; i < k->doff * 4; i++)
			p8(f, 1); /* NOP options */
	} else if (k->proto == 17) {
		p16(f, k->sport);
		p16(f, k->dport);
		p16(f, (unsigned)(8 + k->plen));
		p16(f, 0);
		for (size_t i = 0; i < k->plen; i++)
			p8(f, (uint8_t)k->payload[i]);
	} else if (k->proto == 1) {
		p8(f, k->icmp_type);
		p8(f, k->icmp_code);
		p16(f, 0);
		p32(f, 0x00010002);
	} else {
		p32(f, 0);
		p32(f, 0);
	}
	if (k->l4len)
		f->n = l4 + k->l4len; /* the IP total length says so too */
	f->b[at + 2] = (uint8_t)((f->n - at) >> 8);
	f->b[at + 3] = (uint8_t)(f->n - at);
	if (k->cut)
		f->n = at + k->cut;
	*ip_at = at;
}

/* The classes umbra_decode() gives k (which must be valid IPv4). */
static uint32_t classes_of(const struct pk *k)
{
	struct fb f;
	struct ft_pkt out, out2;
	uint32_t at, off = 12345;

	build(k, &f, &at);
	uint8_t *copy = malloc(f.n);
	assert_non_null(copy);
	memcpy(copy, f.b, f.n);
	struct umbra_frame fr = {
	    .data = copy,
	    .caplen = f.n,
	    .wirelen = f.n,
	    .link = (uint8_t)k->link,
	};
	assert_int_equal(umbra_decode_at(&fr, &out, &off), UMBRA_PKT_IPV4);
	assert_int_equal(off, at);
	/* umbra_decode() agrees to the byte */
	assert_int_equal(umbra_decode(&fr, &out2), UMBRA_PKT_IPV4);
	assert_memory_equal(&out, &out2, sizeof out);
	free(copy);
	assert_int_equal(out.classes & ~UMBRA_CLASS_ALL, 0);
	return out.classes;
}

/* ---- names ------------------------------------------------------------- */

static void test_names(void **state)
{
	(void)state;
	char all[512] = "";

	for (unsigned c = 0; c < UMBRA_CLASS__COUNT; c++) {
		const char *n = umbra_class_name(c);
		assert_non_null(n);
		assert_int_equal(umbra_class_lookup(n), (int)c);
		for (const char *p = n; *p; p++)
			assert_true((*p >= 'a' && *p <= 'z') ||
			            (*p >= '0' && *p <= '9') || *p == '_');
		if (c)
			strcat(all, ", ");
		strcat(all, n);
	}
	assert_string_equal(umbra_class_names(), all);
	assert_null(umbra_class_name(UMBRA_CLASS__COUNT));
	assert_int_equal(umbra_class_lookup("Spoofed"), -1);
	assert_int_equal(umbra_class_lookup(""), -1);
	assert_int_equal(umbra_class_lookup("spoofed "), -1);
	assert_int_equal(UMBRA_CLASS_ALL, (1u << 12) - 1);
	assert_string_equal(umbra_class_name(UMBRA_CLASS_HIGH_TTL), "high_ttl");
}

static void test_quiet(void **state)
{
	(void)state;
	struct pk k = quiet();

	assert_int_equal(classes_of(&k), 0);
	k = quiet_udp();
	assert_int_equal(classes_of(&k), 0);
	k = quiet_icmp(8); /* echo request */
	assert_int_equal(classes_of(&k), 0);
	k.vlan = 1;
	assert_int_equal(classes_of(&k), 0);
}

/* ---- spoofed ----------------------------------------------------------- */

static uint32_t src_classes(uint32_t src)
{
	struct pk k = quiet();
	k.src = src;
	return classes_of(&k);
}

static void test_spoofed_prefixes(void **state)
{
	(void)state;
	static const struct {
		uint32_t net;
		unsigned len;
	} bogons[] = {
	    {0x00000000, 8},  {0x0a000000, 8},  {0x64400000, 10},
	    {0x7f000000, 8},  {0xa9fe0000, 16}, {0xac100000, 12},
	    {0xc0000000, 24}, {0xc0000200, 24}, {0xc0a80000, 16},
	    {0xc6120000, 15}, {0xc6336400, 24}, {0xcb007100, 24},
	    {0xe0000000, 4},  {0xf0000000, 4},
	};
	for (size_t i = 0; i < sizeof bogons / sizeof bogons[0]; i++) {
		uint32_t lo = bogons[i].net;
		uint32_t hi = lo | (0xffffffffu >> bogons[i].len);
		/* x.x.x.1 and x.x.x.254 inside: the prefix alone */
		assert_int_equal(src_classes(lo + 1), B(SPOOFED));
		assert_int_equal(src_classes(hi - 1), B(SPOOFED));
		assert_int_equal(
		    src_classes(lo + 0x1234 * (hi > lo + 0x1300) + 1),
		    B(SPOOFED));
		/* x.x.x.254 below and x.x.x.1 above: outside (unless the
		 * neighbour is itself a bogon: 224/4 follows 223/8, 240/4
		 * follows 224/4) */
		if (lo != 0 && lo != 0xf0000000)
			assert_int_equal(src_classes(lo - 2), 0);
		if (hi != 0xffffffff && hi != 0xefffffff)
			assert_int_equal(src_classes(hi + 2), 0);
	}
	assert_int_equal(src_classes(0xffffffff), B(SPOOFED));
	assert_int_equal(src_classes(0xdffffffe), 0); /* 223.255.255.254 */
	assert_int_equal(src_classes(0x64000001), 0); /* 100.0.0.1 */
	assert_int_equal(src_classes(0x64800001), 0); /* 100.128.0.1 */
	assert_int_equal(src_classes(0xac200001), 0); /* 172.32.0.1 */
	assert_int_equal(src_classes(0xac0f0001), 0); /* 172.15.0.1 */
	assert_int_equal(src_classes(0xc6140001), 0); /* 198.20.0.1 */
	assert_int_equal(src_classes(0xc6110001), 0); /* 198.17.0.1 */
	assert_int_equal(src_classes(0xc0000101), 0); /* 192.0.1.1 */
	assert_int_equal(src_classes(0xc0580001), 0); /* 192.88.99.1: no */
	assert_int_equal(src_classes(0xc0586301), 0);
}

static void test_spoofed_octet_and_self(void **state)
{
	(void)state;
	struct pk k = quiet();

	assert_int_equal(src_classes(0x01020300), B(SPOOFED));
	assert_int_equal(src_classes(0x010203ff), B(SPOOFED));
	assert_int_equal(src_classes(0x01020301), 0);
	assert_int_equal(src_classes(0x010203fe), 0);
	assert_int_equal(src_classes(0x0102ff01), 0); /* only the last */
	k.src = k.dst = 0x2c010203;
	assert_int_equal(classes_of(&k), B(SPOOFED));
	k.src = 0x2c010204;
	assert_int_equal(classes_of(&k), 0);
	/* the destination's own last octet is not a test */
	k = quiet();
	k.dst = 0x2c0102ff;
	assert_int_equal(classes_of(&k), 0);
	/* a later fragment still has its source */
	k = quiet();
	k.src = 0x0a000001;
	k.frag = 0x0010;
	assert_int_equal(classes_of(&k), B(SPOOFED) | B(FRAGMENT));
}

/* ---- erratic ----------------------------------------------------------- */

static uint32_t udp_ports(unsigned sport, unsigned dport)
{
	struct pk k = quiet_udp();
	k.sport = sport;
	k.dport = dport;
	return classes_of(&k);
}

static void test_erratic_ports(void **state)
{
	(void)state;
	static const unsigned yes[] = {137,  138,  1900, 5353, 6881,
	                               6882, 6885, 6888, 6889};
	static const unsigned no[] = {136,  139,  1899, 1901, 5352,
	                              5354, 6880, 6890, 53,   40000};

	for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
		assert_int_equal(udp_ports(yes[i], 40001), B(ERRATIC));
		assert_int_equal(udp_ports(40001, yes[i]), B(ERRATIC));
	}
	for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
		assert_int_equal(udp_ports(no[i], 40001), 0);
		assert_int_equal(udp_ports(40001, no[i]), 0);
	}
	/* UDP only */
	struct pk k = quiet();
	k.dport = 137;
	assert_int_equal(classes_of(&k), 0);
	/* a later fragment has no ports */
	k = quiet_udp();
	k.dport = 137;
	k.frag = 0x0001;
	assert_int_equal(classes_of(&k), B(FRAGMENT));
	/* a first fragment has them */
	k.frag = 0x2000;
	assert_int_equal(classes_of(&k), B(ERRATIC) | B(FRAGMENT));
}

static uint32_t udp_payload(unsigned sport, const char *p, size_t n)
{
	struct pk k = quiet_udp();
	k.sport = sport;
	k.payload = p;
	k.plen = n;
	return classes_of(&k);
}

static void test_erratic_dht(void **state)
{
	(void)state;
	assert_int_equal(udp_payload(40000, "d1:ad2:id20:", 12), B(ERRATIC));
	assert_int_equal(udp_payload(40000, "d1:r", 4), B(ERRATIC));
	assert_int_equal(udp_payload(40000, "d1:z", 4), B(ERRATIC));
	assert_int_equal(udp_payload(40000, "d1:a", 3), 0); /* cut */
	assert_int_equal(udp_payload(40000, "d1:`", 4), 0); /* 'a' - 1 */
	assert_int_equal(udp_payload(40000, "d1:{", 4), 0); /* 'z' + 1 */
	assert_int_equal(udp_payload(40000, "d1:A", 4), 0);
	assert_int_equal(udp_payload(40000, "d2:a", 4), 0);
	assert_int_equal(udp_payload(40000, "D1:a", 4), 0);
	assert_int_equal(udp_payload(40000, "x1:a", 4), 0);
	/* the payload must be captured: cut after the first three bytes */
	struct pk k = quiet_udp();
	k.payload = "d1:ad2:id20:";
	k.plen = 12;
	k.cut = 20 + 8 + 3;
	assert_int_equal(classes_of(&k), 0);
	k.cut = 20 + 8 + 4;
	assert_int_equal(classes_of(&k), B(ERRATIC));
	/* and inside the IP total length */
	k.cut = 0;
	k.l4len = 8 + 3;
	assert_int_equal(classes_of(&k), 0);
}

/* ---- scanners ---------------------------------------------------------- */

static struct pk syn_pk(void)
{
	struct pk k = quiet();
	k.flags = 0x02;
	k.doff = 6; /* an MSS option: not syn_noopt */
	k.win = 29200;
	return k;
}

static void test_masscan(void **state)
{
	(void)state;
	struct pk k = syn_pk();
	uint32_t good = (k.dst ^ k.dport ^ k.seq) & 0xffff;

	k.id = good;
	assert_int_equal(classes_of(&k), B(MASSCAN));
	k.id = (good + 1) & 0xffff;
	assert_int_equal(classes_of(&k), 0);
	k.id = good ^ 0x8000;
	assert_int_equal(classes_of(&k), 0);
	/* another destination, port and sequence number */
	k = syn_pk();
	k.dst = 0xc6336501; /* not a bogon: 198.51.101.1 */
	k.dport = 23;
	k.seq = 0xdeadbeef;
	k.id = (k.dst ^ k.dport ^ k.seq) & 0xffff;
	assert_int_equal(classes_of(&k), B(MASSCAN));
	/* the real thing: window 1024, no option */
	k.win = 1024;
	k.doff = 5;
	assert_int_equal(classes_of(&k),
	                 B(MASSCAN) | B(WIN1024) | B(SYN_NOOPT));
	/* SYN only: SYN-ACK and ACK are not probes */
	k = syn_pk();
	k.id = good;
	k.flags = 0x12;
	assert_int_equal(classes_of(&k), B(BACKSCATTER));
	k.flags = 0x10;
	assert_int_equal(classes_of(&k), 0);
	k.flags = 0xc2; /* SYN with ECN bits */
	assert_int_equal(classes_of(&k), B(MASSCAN));
	/* no transport header, no masscan */
	k.frag = 0x0008;
	assert_int_equal(classes_of(&k), B(FRAGMENT));
}

static void test_mirai(void **state)
{
	(void)state;
	struct pk k = syn_pk();

	k.seq = k.dst;
	assert_int_equal(classes_of(&k), B(MIRAI));
	k.seq = k.dst + 1;
	assert_int_equal(classes_of(&k), 0);
	k.seq = k.dst - 1;
	assert_int_equal(classes_of(&k), 0);
	k.seq = k.dst;
	k.flags = 0x12;
	assert_int_equal(classes_of(&k), B(BACKSCATTER));
	k.flags = 0x04; /* RST */
	assert_int_equal(classes_of(&k), B(BACKSCATTER));
	/* the usual Mirai probe: no option, its own window */
	k = syn_pk();
	k.seq = k.dst;
	k.doff = 5;
	k.dport = 23;
	assert_int_equal(classes_of(&k), B(MIRAI) | B(SYN_NOOPT));
	/* cut inside the TCP header: no sequence number */
	k.cut = 20 + 19;
	assert_int_equal(classes_of(&k), 0);
}

static void test_zmap(void **state)
{
	(void)state;
	struct pk k = syn_pk();

	k.id = 54321;
	assert_int_equal(classes_of(&k), B(ZMAP));
	k.id = 54320;
	assert_int_equal(classes_of(&k), 0);
	k.id = 54322;
	assert_int_equal(classes_of(&k), 0);
	/* any protocol, any packet */
	k = quiet_udp();
	k.id = 54321;
	assert_int_equal(classes_of(&k), B(ZMAP));
	k = quiet_icmp(8);
	k.id = 54321;
	assert_int_equal(classes_of(&k), B(ZMAP));
	k = quiet();
	k.id = 54321;
	k.frag = 0x0100;
	assert_int_equal(classes_of(&k), B(ZMAP) | B(FRAGMENT));
}

/* ---- backscatter ------------------------------------------------------- */

static void test_backscatter_tcp(void **state)
{
	(void)state;
	static const struct {
		unsigned flags;
		uint32_t want;
	} cases[] = {
	    {0x12, B(BACKSCATTER)}, /* SYN-ACK */
	    {0x52, B(BACKSCATTER)}, /* SYN-ACK, ECE */
	    {0x04, B(BACKSCATTER)}, /* RST */
	    {0x14, B(BACKSCATTER)}, /* RST-ACK */
	    {0x1c, B(BACKSCATTER)}, /* RST-PSH-ACK */
	    {0x10, 0},              /* ACK */
	    {0x18, 0},              /* PSH-ACK */
	    {0x11, 0},              /* FIN-ACK */
	    {0x02, 0},              /* SYN */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct pk k = quiet();
		k.flags = cases[i].flags;
		assert_int_equal(classes_of(&k), cases[i].want);
	}
}

static void test_backscatter_icmp(void **state)
{
	(void)state;
	for (unsigned t = 0; t < 256; t++) {
		int reply = t == 0 || t == 3 || t == 4 || t == 5 || t == 11 ||
		            t == 12 || t == 14 || t == 16 || t == 18;
		struct pk k = quiet_icmp(t);
		k.icmp_code = 3;
		assert_int_equal(classes_of(&k), reply ? B(BACKSCATTER) : 0);
	}
	/* an ICMP header that is not all there */
	struct pk k = quiet_icmp(3);
	k.cut = 20 + 7;
	assert_int_equal(classes_of(&k), 0);
}

static void test_backscatter_dns(void **state)
{
	(void)state;
	/* id, then flags: QR is the top bit of the third byte */
	assert_int_equal(udp_payload(53, "\x12\x34\x81\x80", 4),
	                 B(BACKSCATTER));
	assert_int_equal(udp_payload(53, "\x12\x34\x80", 3), B(BACKSCATTER));
	assert_int_equal(udp_payload(53, "\x12\x34\x01\x00", 4), 0);
	assert_int_equal(udp_payload(53, "\x12\x34\x7f\xff", 4), 0);
	assert_int_equal(udp_payload(53, "\x12\x34", 2), 0);
	assert_int_equal(udp_payload(53, "", 0), 0);
	assert_int_equal(udp_payload(52, "\x12\x34\x81\x80", 4), 0);
	assert_int_equal(udp_payload(54, "\x12\x34\x81\x80", 4), 0);
	/* to port 53 is a query, whatever its bits */
	struct pk k = quiet_udp();
	k.dport = 53;
	k.payload = "\x12\x34\x81\x80";
	k.plen = 4;
	assert_int_equal(classes_of(&k), 0);
	/* the flag byte must be captured */
	k = quiet_udp();
	k.sport = 53;
	k.payload = "\x12\x34\x81\x80";
	k.plen = 4;
	k.cut = 20 + 8 + 2;
	assert_int_equal(classes_of(&k), 0);
	k.cut = 20 + 8 + 3;
	assert_int_equal(classes_of(&k), B(BACKSCATTER));
}

/* ---- abnormal ---------------------------------------------------------- */

/* Our own statement of the normal flag sets: without ACK, a SYN or a RST
 * alone; with ACK, anything but SYN+FIN and SYN+RST. */
static int flags_normal(unsigned f)
{
	f &= 0x3f;
	if (!(f & 0x10))
		return f == 0x02 || f == 0x04;
	return (f & 0x03) != 0x03 && (f & 0x06) != 0x06;
}

static void test_abnormal_flags(void **state)
{
	(void)state;
	for (unsigned f = 0; f < 256; f++) {
		struct pk k = syn_pk();
		k.flags = f;
		uint32_t c = classes_of(&k);
		assert_int_equal(!!(c & B(ABNORMAL)), !flags_normal(f));
	}
	/* named cases */
	static const unsigned bad[] = {0x00, 0x01, 0x03, 0x06, 0x29,
	                               0x08, 0x20, 0x0a, 0xc0, 0x3f};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct pk k = syn_pk();
		k.flags = bad[i];
		assert_true(classes_of(&k) & B(ABNORMAL));
	}
	/* no TCP header, no flag test */
	struct pk k = syn_pk();
	k.flags = 0;
	k.frag = 0x0003;
	assert_int_equal(classes_of(&k), B(FRAGMENT));
}

static void test_abnormal_protocols(void **state)
{
	(void)state;
	for (unsigned p = 0; p < 256; p++) {
		int known = p == 1 || p == 4 || p == 6 || p == 17 || p == 41 ||
		            p == 47 || p == 50 || p == 51 || p == 132;
		struct pk k = quiet();
		k.proto = p;
		k.icmp_type = 8;
		k.l4len = 8; /* TCP: too short for a header, no flag test */
		uint32_t c = classes_of(&k);
		assert_int_equal(!!(c & B(ABNORMAL)), !known);
	}
}

static void test_abnormal_ip_flags(void **state)
{
	(void)state;
	struct pk k = quiet();

	k.frag = 0x8000; /* the reserved bit */
	assert_int_equal(classes_of(&k), B(ABNORMAL));
	k.frag = 0x4000; /* DF */
	assert_int_equal(classes_of(&k), 0);
	k.frag = 0xc000;
	assert_int_equal(classes_of(&k), B(ABNORMAL));
}

/* ---- fragment, TTL, options, window, port 0 --------------------------- */

static void test_fragment(void **state)
{
	(void)state;
	static const struct {
		unsigned frag;
		uint32_t want;
	} cases[] = {
	    {0x0000, 0},           {0x4000, 0},           {0x2000, B(FRAGMENT)},
	    {0x6000, B(FRAGMENT)}, {0x0001, B(FRAGMENT)}, {0x1fff, B(FRAGMENT)},
	    {0x3fff, B(FRAGMENT)},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct pk k = quiet();
		k.frag = cases[i].frag;
		assert_int_equal(classes_of(&k), cases[i].want);
	}
	/* a first fragment keeps its transport classes, a later one not */
	struct pk k = quiet_udp();
	k.sport = 0;
	k.frag = 0x2000;
	assert_int_equal(classes_of(&k), B(FRAGMENT) | B(PORT0));
	k.frag = 0x2001;
	assert_int_equal(classes_of(&k), B(FRAGMENT));
}

static void test_high_ttl(void **state)
{
	(void)state;
	static const struct {
		unsigned ttl;
		uint32_t want;
	} cases[] = {
	    {0, 0},
	    {64, 0},
	    {128, 0},
	    {199, 0},
	    {200, B(HIGH_TTL)},
	    {201, B(HIGH_TTL)},
	    {254, B(HIGH_TTL)},
	    {255, B(HIGH_TTL)},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct pk k = quiet_icmp(8);
		k.ttl = cases[i].ttl;
		assert_int_equal(classes_of(&k), cases[i].want);
		k.frag = 0x0040; /* no transport header needed */
		assert_int_equal(classes_of(&k), cases[i].want | B(FRAGMENT));
	}
}

static void test_syn_noopt(void **state)
{
	(void)state;
	struct pk k = syn_pk();

	k.doff = 5;
	assert_int_equal(classes_of(&k), B(SYN_NOOPT));
	k.doff = 6;
	assert_int_equal(classes_of(&k), 0);
	k.doff = 15;
	assert_int_equal(classes_of(&k), 0);
	k.doff = 5;
	k.flags = 0x12; /* SYN-ACK without options */
	assert_int_equal(classes_of(&k), B(BACKSCATTER));
	k.flags = 0xc2; /* SYN, CWR, ECE */
	assert_int_equal(classes_of(&k), B(SYN_NOOPT));
	k.flags = 0x10; /* ACK without options */
	assert_int_equal(classes_of(&k), 0);
	/* a data offset below 5 is no TCP header at all */
	k.flags = 0x02;
	k.doff = 4;
	assert_int_equal(classes_of(&k), 0);
}

static void test_win1024(void **state)
{
	(void)state;
	static const struct {
		unsigned win;
		uint32_t want;
	} cases[] = {
	    {1024, B(WIN1024)}, {1023, 0},   {1025, 0}, {0, 0},
	    {0x0004, 0},        {0xffff, 0},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct pk k = quiet();
		k.win = cases[i].win;
		assert_int_equal(classes_of(&k), cases[i].want);
		k = syn_pk();
		k.win = cases[i].win;
		assert_int_equal(classes_of(&k), cases[i].want);
	}
	/* UDP has no window */
	struct pk k = quiet_udp();
	k.payload = "\x00\x00\x04\x00\x04\x00\x04\x00";
	k.plen = 8;
	assert_int_equal(classes_of(&k), 0);
}

static void test_port0(void **state)
{
	(void)state;
	struct pk k;

	for (unsigned proto = 6; proto <= 17; proto += 11) {
		k = proto == 6 ? quiet() : quiet_udp();
		k.sport = 0;
		assert_int_equal(classes_of(&k), B(PORT0));
		k.sport = 1;
		assert_int_equal(classes_of(&k), 0);
		k.dport = 0;
		assert_int_equal(classes_of(&k), B(PORT0));
		k.sport = 0;
		assert_int_equal(classes_of(&k), B(PORT0));
		k.dport = 65535;
		k.sport = 65535;
		assert_int_equal(classes_of(&k), 0);
	}
	/* ICMP type 0 code 0 is not a port */
	k = quiet_icmp(13);
	assert_int_equal(classes_of(&k), 0);
	/* a UDP header cut short: no ports */
	k = quiet_udp();
	k.sport = 0;
	k.cut = 20 + 7;
	assert_int_equal(classes_of(&k), 0);
}

/* ---- several classes, every link path ---------------------------------- */

static void test_many_and_links(void **state)
{
	(void)state;
	static const unsigned links[] = {UMBRA_LINK_ETHERNET, UMBRA_LINK_RAW,
	                                 UMBRA_LINK_SLL};
	for (size_t i = 0; i < 3; i++) {
		for (int vlan = 0; vlan < 2; vlan++) {
			if (vlan && links[i] != UMBRA_LINK_ETHERNET)
				continue;
			/* ZMap from a bogon, TTL 255, SYN without options,
			 * window 1024, port 0: six classes at once */
			struct pk k = syn_pk();
			k.link = links[i];
			k.vlan = vlan;
			k.src = 0xc0a80001;
			k.id = 54321;
			k.ttl = 255;
			k.doff = 5;
			k.win = 1024;
			k.dport = 0;
			assert_int_equal(classes_of(&k),
			                 B(SPOOFED) | B(ZMAP) | B(HIGH_TTL) |
			                     B(SYN_NOOPT) | B(WIN1024) |
			                     B(PORT0));
			/* SYN+FIN, seq = destination, masscan's IP ID */
			k = syn_pk();
			k.link = links[i];
			k.vlan = vlan;
			k.flags = 0x03;
			k.seq = k.dst;
			k.id = (k.dst ^ k.dport ^ k.seq) & 0xffff;
			assert_int_equal(classes_of(&k),
			                 B(ABNORMAL) | B(MIRAI) | B(MASSCAN));
		}
	}
}

/* The tables the decoder reads say what the definitions say. */
static void test_tables(void **state)
{
	(void)state;
	for (unsigned f = 0; f < 64; f++) {
		uint32_t t = umbra_tcp_flags[f];
		assert_int_equal(!!(t & B(ABNORMAL)), !!UMBRA_TCP_ABNORMAL(f));
		assert_int_equal(!!(t & UMBRA_TCP_SYN_ONLY),
		                 (f & 0x12) == 0x02);
		assert_int_equal(!!(t & B(BACKSCATTER)),
		                 (f & 0x12) == 0x12 || (f & 0x04));
		assert_int_equal(
		    t & ~(B(ABNORMAL) | B(BACKSCATTER) | UMBRA_TCP_SYN_ONLY),
		    0);
	}
	for (uint32_t p = 0; p < 70000; p++) {
		int want = p == 137 || p == 138 || p == 1900 || p == 5353 ||
		           (p >= 6881 && p <= 6889);
		assert_int_equal(umbra_erratic_port(p), want);
	}
	for (uint32_t a = 0; a < 0x10000u; a++) {
		uint32_t s = a << 16 | 0x0101; /* x.y.1.1 */
		uint32_t o = a >> 8;
		int whole = o == 0 || o == 10 || o == 127 || o >= 224;
		int part = (s >= 0x64400000u && s <= 0x647fffffu) ||
		           a == 0xa9fe || (a >= 0xac10 && a <= 0xac1f) ||
		           a == 0xc0a8 || a == 0xc612 || a == 0xc613;
		assert_int_equal(umbra_spoofed(s, 0x2c010203), whole || part);
	}
	for (uint32_t t = 0; t < 256; t++) {
		assert_int_equal(umbra_ttls[t], t >= 200 ? B(HIGH_TTL) : 0);
		assert_int_equal(umbra_spoofed(0x01020300 | t, 0x2c010203),
		                 t == 0 || t == 255 ? B(SPOOFED) : 0);
	}
	for (uint32_t p = 0; p < 256; p++) {
		int known = p == 1 || p == 4 || p == 6 || p == 17 || p == 41 ||
		            p == 47 || p == 50 || p == 51 || p == 132;
		assert_int_equal(umbra_protocols[p], known ? 0 : B(ABNORMAL));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_names),
	    cmocka_unit_test(test_quiet),
	    cmocka_unit_test(test_spoofed_prefixes),
	    cmocka_unit_test(test_spoofed_octet_and_self),
	    cmocka_unit_test(test_erratic_ports),
	    cmocka_unit_test(test_erratic_dht),
	    cmocka_unit_test(test_masscan),
	    cmocka_unit_test(test_mirai),
	    cmocka_unit_test(test_zmap),
	    cmocka_unit_test(test_backscatter_tcp),
	    cmocka_unit_test(test_backscatter_icmp),
	    cmocka_unit_test(test_backscatter_dns),
	    cmocka_unit_test(test_abnormal_flags),
	    cmocka_unit_test(test_abnormal_protocols),
	    cmocka_unit_test(test_abnormal_ip_flags),
	    cmocka_unit_test(test_fragment),
	    cmocka_unit_test(test_high_ttl),
	    cmocka_unit_test(test_syn_noopt),
	    cmocka_unit_test(test_win1024),
	    cmocka_unit_test(test_port0),
	    cmocka_unit_test(test_many_and_links),
	    cmocka_unit_test(test_tables),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
