/* test_decode.c: unit tests of lib/decode.c against FLOWTUPLE4.md 1 and 2.
 *
 * Every frame is built by hand, then decoded from a heap copy of exactly
 * caplen bytes, so a sanitizer build also catches any read past the capture.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "frame_build.h"

#include "decode.h"

#define SENTINEL 0xA5

static void set16(struct fb *f, uint32_t off, unsigned v)
{
	f->b[off] = (uint8_t)(v >> 8);
	f->b[off + 1] = (uint8_t)v;
}

static void eth(struct fb *f, unsigned type)
{
	for (int i = 0; i < 12; i++)
		p8(f, 0x02 + i);
	p16(f, type);
}

static void vlan(struct fb *f, unsigned tci, unsigned inner)
{
	p16(f, tci);
	p16(f, inner);
}

static void mpls(struct fb *f, uint32_t label, int bos)
{
	p32(f, label << 12 | (bos ? 0x100 : 0) | 64);
}

#define SRC 0x01020304u /* 1.2.3.4 */
#define DST 0x2C010203u /* 44.1.2.3 */

/* IPv4 header with ihl words (NOP options past 20 bytes), TTL 64, from
 * 1.2.3.4 to 44.1.2.3; total length set by ip_done().  Returns its offset. */
static uint32_t ip4(struct fb *f, unsigned ihl, unsigned proto)
{
	uint32_t at = f->n;

	p8(f, 0x40 | ihl);
	p8(f, 0);
	p16(f, 0);      /* total length, ip_done() */
	p16(f, 0x1234); /* id */
	p16(f, 0);      /* flags, fragment offset */
	p8(f, 64);
	p8(f, proto);
	p16(f, 0);
	p32(f, SRC);
	p32(f, DST);
	for (unsigned i = 20; i < ihl * 4; i++)
		p8(f, 1);
	return at;
}

/* Total length = everything from the IP header to the end of the frame. */
static void ip_done(struct fb *f, uint32_t at)
{
	set16(f, at + 2, f->n - at);
}

/* TCP header with data offset doff (at least 20 bytes written). */
static void tcp(struct fb *f, unsigned sport, unsigned dport, unsigned doff,
                unsigned flags, unsigned win)
{
	p16(f, sport);
	p16(f, dport);
	p32(f, 0x11111111);
	p32(f, 0);
	p8(f, doff << 4);
	p8(f, flags);
	p16(f, win);
	p16(f, 0);
	p16(f, 0);
	for (unsigned i = 20; i < doff * 4; i++)
		p8(f, 1);
}

static void udp(struct fb *f, unsigned sport, unsigned dport)
{
	p16(f, sport);
	p16(f, dport);
	p16(f, 8);
	p16(f, 0);
}

static void icmp(struct fb *f, unsigned type, unsigned code)
{
	p8(f, type);
	p8(f, code);
	p16(f, 0);
	p32(f, 0x00010002);
}

/* Decode the first caplen bytes of f from an exact-size heap copy.  Checks
 * the contract on *out: untouched unless IPv4, then no stray bits. */
static enum umbra_pkt_class run_n(unsigned link, const struct fb *f,
                                  uint32_t caplen, struct ft_pkt *out)
{
	uint8_t *copy = malloc(caplen ? caplen : 1);
	assert_non_null(copy);
	memcpy(copy, f->b, caplen);
	struct umbra_frame fr = {
	    .data = copy,
	    .caplen = caplen,
	    .wirelen = caplen,
	    .link = (uint8_t)link,
	};
	memset(out, SENTINEL, sizeof(*out));
	enum umbra_pkt_class c = umbra_decode(&fr, out);
	free(copy);

	if (c != UMBRA_PKT_IPV4) {
		const uint8_t *o = (const uint8_t *)out;
		for (size_t i = 0; i < sizeof(*out); i++)
			assert_int_equal(o[i], SENTINEL);
	} else {
		assert_int_equal(out->flags & ~(FT_PKT_L4 | FT_PKT_SYN), 0);
		assert_int_equal(out->ctrl, 0);
		/* out->classes: tests/unit/test_classify.c */
		if (out->flags & FT_PKT_SYN) {
			assert_true(out->flags & FT_PKT_L4);
			assert_int_equal(out->proto, 6);
		}
	}
	return c;
}

static enum umbra_pkt_class run(unsigned link, const struct fb *f,
                                struct ft_pkt *out)
{
	return run_n(link, f, f->n, out);
}

static enum umbra_pkt_class cls(unsigned link, const struct fb *f)
{
	struct ft_pkt out;
	return run(link, f, &out);
}

/* The IP part common to most frames: checks src, dst, ttl, proto. */
static void assert_ip(const struct ft_pkt *o, unsigned proto, unsigned len)
{
	assert_int_equal(o->src_ip, 0x01020304);
	assert_int_equal(o->dst_ip, 738263555u); /* 44.1.2.3 */
	assert_int_equal(o->ttl, 64);
	assert_int_equal(o->proto, proto);
	assert_int_equal(o->ip_len, len);
}

static void assert_no_l4(const struct ft_pkt *o)
{
	assert_int_equal(o->flags, 0);
	assert_int_equal(o->src_port, 0);
	assert_int_equal(o->dst_port, 0);
	assert_int_equal(o->tcp_flags, 0);
	assert_int_equal(o->tcp_rwin, 0);
	assert_int_equal(o->tcp_hlen, 0);
}

/* A complete IPv4/TCP SYN after whatever f already holds. */
static void syn(struct fb *f)
{
	uint32_t at = ip4(f, 5, 6);
	tcp(f, 40000, 80, 5, 0x02, 1024);
	ip_done(f, at);
}

static void assert_syn(const struct ft_pkt *o)
{
	assert_ip(o, 6, 40);
	assert_int_equal(o->flags, FT_PKT_L4 | FT_PKT_SYN);
	assert_int_equal(o->src_port, 40000);
	assert_int_equal(o->dst_port, 80);
	assert_int_equal(o->tcp_flags, 0x02);
	assert_int_equal(o->tcp_rwin, 1024);
	assert_int_equal(o->tcp_hlen, 20);
}

/* ---- Ethernet ---------------------------------------------------------- */

static void test_eth_syn(void **state)
{
	(void)state;
	struct fb f = {0};
	struct ft_pkt o;

	eth(&f, 0x0800);
	syn(&f);
	assert_int_equal(run(UMBRA_LINK_ETHERNET, &f, &o), UMBRA_PKT_IPV4);
	assert_syn(&o);
}

static void test_eth_synack_and_flags(void **state)
{
	(void)state;
	static const struct {
		unsigned flags, syn;
	} cases[] = {
	    {0x12, 0}, /* SYN-ACK */
	    {0x02, 1}, /* SYN */
	    {0xc2, 1}, /* SYN with CWR and ECE */
	    {0xff, 0}, /* everything, ACK included */
	    {0x14, 0}, /* RST-ACK */
	    {0x00, 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fb f = {0};
		struct ft_pkt o;
		eth(&f, 0x0800);
		uint32_t at = ip4(&f, 5, 6);
		tcp(&f, 443, 5555, 5, cases[i].flags, 29200);
		ip_done(&f, at);
		assert_int_equal(run(UMBRA_LINK_ETHERNET, &f, &o),
		                 UMBRA_PKT_IPV4);
		assert_int_equal(o.tcp_flags, cases[i].flags);
		assert_int_equal(o.flags,
		                 FT_PKT_L4 | (cases[i].syn ? FT_PKT_SYN : 0));
		assert_int_equal(o.src_port, 443);
		assert_int_equal(o.dst_port, 5555);
		assert_int_equal(o.tcp_rwin, 29200);
	}
}

/* Every prefix of an Ethernet/IPv4/TCP frame: cut in the link header is
 * non-IP, cut in the IP header malformed, cut in TCP IPv4 without L4. */
static void test_eth_every_caplen(void **state)
{
	(void)state;
	struct fb f = {0};
	struct ft_pkt o;

	eth(&f, 0x0800);
	syn(&f);
	assert_int_equal(f.n, 54);
	for (uint32_t n = 0; n <= f.n; n++) {
		enum umbra_pkt_class c = run_n(UMBRA_LINK_ETHERNET, &f, n, &o);
		if (n < 14) {
			assert_int_equal(c, UMBRA_PKT_NONIP);
		} else if (n < 34) {
			assert_int_equal(c, UMBRA_PKT_MALFORMED);
		} else {
			assert_int_equal(c, UMBRA_PKT_IPV4);
			assert_ip(&o, 6, 40);
			if (n < 54)
				assert_no_l4(&o);
			else
				assert_syn(&o);
		}
	}
}

static void test_eth_nonip(void **state)
{
	(void)state;
	static const unsigned types[] = {
	    0x0806,                 /* ARP */
	    0x05dc,                 /* 802.3 length 1500 */
	    0x0000, 0x05ff, 0x8863, /* PPPoE discovery */
	    0x88cc,                 /* LLDP */
	};
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		struct fb f = {0};
		eth(&f, types[i]);
		syn(&f);
		assert_int_equal(cls(UMBRA_LINK_ETHERNET, &f), UMBRA_PKT_NONIP);
	}
}

static void test_eth_ipv6(void **state)
{
	(void)state;
	struct fb f = {0};

	eth(&f, 0x86dd);
	assert_int_equal(cls(UMBRA_LINK_ETHERNET, &f), UMBRA_PKT_IPV6);
	p8(&f, 0x60);
	for (int i = 0; i < 39; i++)
		p8(&f, 0);
	assert_int_equal(cls(UMBRA_LINK_ETHERNET, &f), UMBRA_PKT_IPV6);
}

/* Ethertype 0x0800 but a version nibble of 6 (or 0): malformed. */
static void test_eth_bad_version(void **state)
{
	(void)state;
	static const unsigned vihl[] = {0x65, 0x05, 0x55, 0xf5};
	for (size_t i = 0; i < sizeof(vihl) / sizeof(vihl[0]); i++) {
		struct fb f = {0};
		eth(&f, 0x0800);
		uint32_t at = ip4(&f, 5, 6);
		tcp(&f, 1, 2, 5, 2, 3);
		ip_done(&f, at);
		f.b[at] = (uint8_t)vihl[i];
		assert_int_equal(cls(UMBRA_LINK_ETHERNET, &f),
		                 UMBRA_PKT_MALFORMED);
	}
}

static void test_vlan_stack(void **state)
{
	(void)state;
	struct fb f = {0};
	struct ft_pkt o;

	eth(&f, 0x88a8);
	vlan(&f, 100, 0x8100);
	vlan(&f, 200, 0x9100);
	vlan(&f, 300, 0x0800);
	syn(&f);
	assert_int_equal(run(UMBRA_LINK_ETHERNET, &f, &o), UMBRA_PKT_IPV4);
	assert_syn(&o);

	/* Cut anywhere inside the three tags: non-IP. */
	for (uint32_t n = 14; n < 26; n++)
		assert_int_equal(run_n(UMBRA_LINK_ETHERNET, &f, n, &o),
		                 UMBRA_PKT_NONIP);
	/* Tags complete, IPv4 header cut: malformed. */
	assert_int_equal(run_n(UMBRA_LINK_ETHERNET, &f, 26, &o),
	                 UMBRA_PKT_MALFORMED);
	assert_int_equal(run_n(UMBRA_LINK_ETHERNET, &f, 45, &o),
	                 UMBRA_PKT_MALFORMED);

	/* Same stack ending in IPv6, and in ARP. */
	set16(&f, 24, 0x86dd);
	assert_int_equal(cls(UMBRA_LINK_ETHERNET, &f), UMBRA_PKT_IPV6);
	set16(&f, 24, 0x0806);
	assert_int_equal(cls(UMBRA_LINK_ETHERNET, &f), UMBRA_PKT_NONIP);
}

static void test_mpls(void **state)
{
	(void)state;
	struct ft_pkt o;
	struct fb f = {0};

	eth(&f, 0x8847);
	mpls(&f, 16, 0);
	mpls(&f, 17, 0);
	mpls(&f, 18, 1);
	syn(&f);
	assert_int_equal(run(UMBRA_LINK_ETHERNET, &f, &o), UMBRA_PKT_IPV4);
	assert_syn(&o);
	/* Cut inside the labels, or nothing after the bottom one. */
	for (uint32_t n = 14; n <= 26; n++)
		assert_int_equal(run_n(UMBRA_LINK_ETHERNET, &f, n, &o),
		                 UMBRA_PKT_NONIP);
	/* Nibble 4 seen, IPv4 header cut: malformed. */
	assert_int_equal(run_n(UMBRA_LINK_ETHERNET, &f, 27, &o),
	                 UMBRA_PKT_MALFORMED);

	/* Nibble 6: IPv6; anything else: non-IP. */
	f.b[26] = 0x60;
	assert_int_equal(cls(UMBRA_LINK_ETHERNET, &f), UMBRA_PKT_IPV6);
	f.b[26] = 0x00; /* e.g. a pseudowire control word */
	assert_int_equal(cls(UMBRA_LINK_ETHERNET, &f), UMBRA_PKT_NONIP);
	f.b[26] = 0x55;
	assert_int_equal(cls(UMBRA_LINK_ETHERNET, &f), UMBRA_PKT_NONIP);

	/* Multicast MPLS behind a VLAN tag, one label. */
	struct fb g = {0};
	eth(&g, 0x8100);
	vlan(&g, 5, 0x8848);
	mpls(&g, 99, 1);
	syn(&g);
	assert_int_equal(run(UMBRA_LINK_ETHERNET, &g, &o), UMBRA_PKT_IPV4);
	assert_syn(&o);

	/* The bottom-of-stack bit really ends the stack: without it the
	 * IPv4 header would be read as labels. */
	g.b[20] &= (uint8_t)~1;
	assert_int_equal(cls(UMBRA_LINK_ETHERNET, &g), UMBRA_PKT_NONIP);
}

static void test_pppoe(void **state)
{
	(void)state;
	struct ft_pkt o;
	struct fb f = {0};

	eth(&f, 0x8864);
	p8(&f, 0x11); /* ver 1 type 1 */
	p8(&f, 0x00); /* session data */
	p16(&f, 0x0042);
	p16(&f, 42); /* length */
	p16(&f, 0x0021);
	syn(&f);
	assert_int_equal(run(UMBRA_LINK_ETHERNET, &f, &o), UMBRA_PKT_IPV4);
	assert_syn(&o);
	for (uint32_t n = 14; n < 22; n++)
		assert_int_equal(run_n(UMBRA_LINK_ETHERNET, &f, n, &o),
		                 UMBRA_PKT_NONIP);
	assert_int_equal(run_n(UMBRA_LINK_ETHERNET, &f, 22, &o),
	                 UMBRA_PKT_MALFORMED);

	set16(&f, 20, 0x0057);
	assert_int_equal(cls(UMBRA_LINK_ETHERNET, &f), UMBRA_PKT_IPV6);
	set16(&f, 20, 0xc021); /* LCP */
	assert_int_equal(cls(UMBRA_LINK_ETHERNET, &f), UMBRA_PKT_NONIP);
}

/* ---- Other link types --------------------------------------------------- */

static void test_sll(void **state)
{
	(void)state;
	struct ft_pkt o;
	struct fb f = {0};

	p16(&f, 0); /* packet type: to us */
	p16(&f, 1); /* ARPHRD_ETHER */
	p16(&f, 6); /* address length */
	p32(&f, 0x02030405);
	p32(&f, 0x06070000);
	p16(&f, 0x0800);
	syn(&f);
	assert_int_equal(run(UMBRA_LINK_SLL, &f, &o), UMBRA_PKT_IPV4);
	assert_syn(&o);
	for (uint32_t n = 0; n < 16; n++)
		assert_int_equal(run_n(UMBRA_LINK_SLL, &f, n, &o),
		                 UMBRA_PKT_NONIP);
	assert_int_equal(run_n(UMBRA_LINK_SLL, &f, 16, &o),
	                 UMBRA_PKT_MALFORMED);
	set16(&f, 14, 0x86dd);
	assert_int_equal(cls(UMBRA_LINK_SLL, &f), UMBRA_PKT_IPV6);
	set16(&f, 14, 0x0806);
	assert_int_equal(cls(UMBRA_LINK_SLL, &f), UMBRA_PKT_NONIP);
	set16(&f, 14, 0x0004); /* 802.2 LLC */
	assert_int_equal(cls(UMBRA_LINK_SLL, &f), UMBRA_PKT_NONIP);
	/* The SLL protocol is at 14, not at 12 like Ethernet. */
	set16(&f, 14, 0x0000);
	set16(&f, 12, 0x0800);
	assert_int_equal(cls(UMBRA_LINK_SLL, &f), UMBRA_PKT_NONIP);
}

static void test_sll2(void **state)
{
	(void)state;
	struct ft_pkt o;
	struct fb f = {0};

	p16(&f, 0x0800); /* protocol */
	p16(&f, 0);      /* reserved */
	p32(&f, 2);      /* interface index */
	p16(&f, 1);      /* ARPHRD_ETHER */
	p8(&f, 0);       /* packet type */
	p8(&f, 6);       /* address length */
	p32(&f, 0x02030405);
	p32(&f, 0x06070000);
	syn(&f);
	assert_int_equal(run(UMBRA_LINK_SLL2, &f, &o), UMBRA_PKT_IPV4);
	assert_syn(&o);
	for (uint32_t n = 0; n < 20; n++)
		assert_int_equal(run_n(UMBRA_LINK_SLL2, &f, n, &o),
		                 UMBRA_PKT_NONIP);
	assert_int_equal(run_n(UMBRA_LINK_SLL2, &f, 20, &o),
	                 UMBRA_PKT_MALFORMED);
	set16(&f, 0, 0x86dd);
	assert_int_equal(cls(UMBRA_LINK_SLL2, &f), UMBRA_PKT_IPV6);
	set16(&f, 0, 0x0806);
	assert_int_equal(cls(UMBRA_LINK_SLL2, &f), UMBRA_PKT_NONIP);
}

static void test_raw(void **state)
{
	(void)state;
	struct ft_pkt o;
	struct fb f = {0};

	syn(&f);
	assert_int_equal(run(UMBRA_LINK_RAW, &f, &o), UMBRA_PKT_IPV4);
	assert_syn(&o);
	assert_int_equal(run_n(UMBRA_LINK_RAW, &f, 19, &o),
	                 UMBRA_PKT_MALFORMED);
	assert_int_equal(run_n(UMBRA_LINK_RAW, &f, 0, &o), UMBRA_PKT_MALFORMED);
	f.b[0] = 0x60;
	assert_int_equal(cls(UMBRA_LINK_RAW, &f), UMBRA_PKT_IPV6);
	assert_int_equal(run_n(UMBRA_LINK_RAW, &f, 1, &o), UMBRA_PKT_IPV6);
	static const unsigned bad[] = {0x55, 0x05, 0x75, 0xf5};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		f.b[0] = (uint8_t)bad[i];
		assert_int_equal(cls(UMBRA_LINK_RAW, &f), UMBRA_PKT_MALFORMED);
	}
}

static void test_ipv4_ipv6_links(void **state)
{
	(void)state;
	struct ft_pkt o;
	struct fb f = {0};

	syn(&f);
	assert_int_equal(run(UMBRA_LINK_IPV4, &f, &o), UMBRA_PKT_IPV4);
	assert_syn(&o);
	f.b[0] = 0x65;
	assert_int_equal(cls(UMBRA_LINK_IPV4, &f), UMBRA_PKT_MALFORMED);
	f.b[0] = 0x60;
	assert_int_equal(cls(UMBRA_LINK_IPV6, &f), UMBRA_PKT_IPV6);
}

static void test_null_loop(void **state)
{
	(void)state;
	struct ft_pkt o;
	static const uint8_t le2[4] = {2, 0, 0, 0}, be2[4] = {0, 0, 0, 2};

	for (int order = 0; order < 2; order++) {
		struct fb f = {0};
		for (int i = 0; i < 4; i++)
			p8(&f, order ? be2[i] : le2[i]);
		syn(&f);
		assert_int_equal(run(UMBRA_LINK_NULL, &f, &o), UMBRA_PKT_IPV4);
		assert_syn(&o);
		/* DLT_LOOP is network byte order only. */
		assert_int_equal(cls(UMBRA_LINK_LOOP, &f),
		                 order ? UMBRA_PKT_IPV4 : UMBRA_PKT_NONIP);
		for (uint32_t n = 0; n < 4; n++) {
			assert_int_equal(run_n(UMBRA_LINK_NULL, &f, n, &o),
			                 UMBRA_PKT_NONIP);
			assert_int_equal(run_n(UMBRA_LINK_LOOP, &f, n, &o),
			                 UMBRA_PKT_NONIP);
		}
		assert_int_equal(run_n(UMBRA_LINK_NULL, &f, 4, &o),
		                 UMBRA_PKT_MALFORMED);
	}

	static const uint8_t v6[] = {24, 28, 30};
	for (size_t i = 0; i < sizeof(v6); i++) {
		struct fb le = {0}, be = {0};
		p8(&le, v6[i]);
		p8(&le, 0);
		p16(&le, 0);
		p32(&be, v6[i]);
		assert_int_equal(cls(UMBRA_LINK_NULL, &le), UMBRA_PKT_IPV6);
		assert_int_equal(cls(UMBRA_LINK_NULL, &be), UMBRA_PKT_IPV6);
		assert_int_equal(cls(UMBRA_LINK_LOOP, &be), UMBRA_PKT_IPV6);
		assert_int_equal(cls(UMBRA_LINK_LOOP, &le), UMBRA_PKT_NONIP);
	}

	static const uint32_t other[] = {0, 1, 7, 10, 23, 0x0200, 0x020000};
	for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
		struct fb f = {0};
		p32(&f, other[i]);
		syn(&f);
		assert_int_equal(cls(UMBRA_LINK_NULL, &f), UMBRA_PKT_NONIP);
		assert_int_equal(cls(UMBRA_LINK_LOOP, &f), UMBRA_PKT_NONIP);
	}
}

/* A PPP-style frame: the bytes of hdr, then an IPv4 SYN. */
static enum umbra_pkt_class ppp_frame(unsigned link, const uint8_t *hdr,
                                      uint32_t hlen, struct ft_pkt *o)
{
	struct fb f = {0};
	for (uint32_t i = 0; i < hlen; i++)
		p8(&f, hdr[i]);
	syn(&f);
	enum umbra_pkt_class c = run(link, &f, o);
	if (c == UMBRA_PKT_IPV4)
		assert_syn(o);
	/* Cut anywhere in the link header: non-IP. */
	for (uint32_t n = 0; n < hlen; n++) {
		struct ft_pkt x;
		assert_int_equal(run_n(link, &f, n, &x), UMBRA_PKT_NONIP);
	}
	return c;
}

/* The PPP family: link header bytes, each followed by an IPv4 SYN. */
static const struct {
	unsigned link;
	uint8_t hdr[4];
	uint32_t hlen;
	enum umbra_pkt_class want;
} ppp_cases[] = {
    /* PPP: optional ff 03, protocol in one byte (odd) or two. */
    {UMBRA_LINK_PPP, {0xff, 0x03, 0x00, 0x21}, 4, UMBRA_PKT_IPV4},
    {UMBRA_LINK_PPP, {0xff, 0x03, 0x21}, 3, UMBRA_PKT_IPV4},
    {UMBRA_LINK_PPP, {0x00, 0x21}, 2, UMBRA_PKT_IPV4},
    {UMBRA_LINK_PPP, {0x21}, 1, UMBRA_PKT_IPV4},
    {UMBRA_LINK_PPP, {0xff, 0x03, 0x00, 0x57}, 4, UMBRA_PKT_IPV6},
    {UMBRA_LINK_PPP, {0x57}, 1, UMBRA_PKT_IPV6},
    {UMBRA_LINK_PPP, {0x00, 0x57}, 2, UMBRA_PKT_IPV6},
    {UMBRA_LINK_PPP, {0xc0, 0x21}, 2, UMBRA_PKT_NONIP}, /* LCP */
    {UMBRA_LINK_PPP, {0xff, 0x03, 0x80, 0x21}, 4, UMBRA_PKT_NONIP},
    /* ff without 03 is no address/control: 0xff is the protocol. */
    {UMBRA_LINK_PPP, {0xff, 0x00, 0x21}, 3, UMBRA_PKT_NONIP},
    /* Cisco HDLC: address, control, ethertype. */
    {UMBRA_LINK_PPP_HDLC, {0x0f, 0x00, 0x08, 0x00}, 4, UMBRA_PKT_IPV4},
    {UMBRA_LINK_PPP_HDLC, {0x8f, 0x00, 0x08, 0x00}, 4, UMBRA_PKT_IPV4},
    {UMBRA_LINK_PPP_HDLC, {0x0f, 0x00, 0x86, 0xdd}, 4, UMBRA_PKT_IPV6},
    {UMBRA_LINK_PPP_HDLC, {0x8f, 0x00, 0x80, 0x35}, 4, UMBRA_PKT_NONIP},
    /* ff without 03 is still Cisco HDLC, not PPP. */
    {UMBRA_LINK_PPP_HDLC, {0xff, 0x00, 0x08, 0x00}, 4, UMBRA_PKT_IPV4},
    /* PPP in HDLC framing. */
    {UMBRA_LINK_PPP_HDLC, {0xff, 0x03, 0x00, 0x21}, 4, UMBRA_PKT_IPV4},
    {UMBRA_LINK_PPP_HDLC, {0xff, 0x03, 0x00, 0x57}, 4, UMBRA_PKT_IPV6},
    {UMBRA_LINK_PPP_HDLC, {0xff, 0x03, 0xc0, 0x21}, 4, UMBRA_PKT_NONIP},
};

static void test_ppp_links(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(ppp_cases) / sizeof(ppp_cases[0]); i++) {
		struct ft_pkt o;
		enum umbra_pkt_class c = ppp_frame(
		    ppp_cases[i].link, ppp_cases[i].hdr, ppp_cases[i].hlen, &o);
		if (c != ppp_cases[i].want)
			fail_msg("ppp_cases[%zu]: class %d, want %d", i, c,
			         ppp_cases[i].want);
	}
}

static void test_unknown_link(void **state)
{
	(void)state;
	struct fb f = {0};

	eth(&f, 0x0800);
	syn(&f);
	assert_int_equal(cls(UMBRA_LINK_UNKNOWN, &f), UMBRA_PKT_NONIP);
	assert_int_equal(cls(UMBRA_LINK__COUNT, &f), UMBRA_PKT_NONIP);
	assert_int_equal(cls(255, &f), UMBRA_PKT_NONIP);
}

static void test_caplen0(void **state)
{
	(void)state;
	struct fb f = {0};
	struct ft_pkt o;

	for (unsigned l = 0; l < 256; l++) {
		enum umbra_pkt_class want = UMBRA_PKT_NONIP;
		if (l == UMBRA_LINK_RAW || l == UMBRA_LINK_IPV4)
			want = UMBRA_PKT_MALFORMED;
		else if (l == UMBRA_LINK_IPV6)
			want = UMBRA_PKT_IPV6;
		assert_int_equal(run_n(l, &f, 0, &o), want);
	}
}

/* ---- IPv4 header ---------------------------------------------------------
 * Raw-IP frames from here on: the link layer is done above. */

static void test_ihl_too_small(void **state)
{
	(void)state;
	for (unsigned ihl = 0; ihl < 5; ihl++) {
		struct fb f = {0};
		uint32_t at = ip4(&f, 5, 6);
		tcp(&f, 1, 2, 5, 2, 3);
		ip_done(&f, at);
		f.b[0] = (uint8_t)(0x40 | ihl);
		assert_int_equal(cls(UMBRA_LINK_RAW, &f), UMBRA_PKT_MALFORMED);
		assert_int_equal(cls(UMBRA_LINK_IPV4, &f), UMBRA_PKT_MALFORMED);
	}
}

static void test_ihl_past_capture(void **state)
{
	(void)state;
	struct ft_pkt o;
	struct fb f = {0};

	uint32_t at = ip4(&f, 15, 17); /* 60-byte header */
	udp(&f, 53, 33000);
	ip_done(&f, at);
	assert_int_equal(run(UMBRA_LINK_RAW, &f, &o), UMBRA_PKT_IPV4);
	assert_ip(&o, 17, 68);
	assert_int_equal(o.flags, FT_PKT_L4);
	assert_int_equal(o.dst_port, 33000);
	for (uint32_t n = 20; n < 60; n++)
		assert_int_equal(run_n(UMBRA_LINK_RAW, &f, n, &o),
		                 UMBRA_PKT_MALFORMED);
	assert_int_equal(run_n(UMBRA_LINK_RAW, &f, 60, &o), UMBRA_PKT_IPV4);
	assert_no_l4(&o);
}

static void test_total_length(void **state)
{
	(void)state;
	struct ft_pkt o;
	struct fb f = {0};

	uint32_t at = ip4(&f, 6, 6); /* 24-byte header */
	tcp(&f, 1000, 22, 5, 0x02, 512);
	ip_done(&f, at);
	for (unsigned tot = 0; tot < 24; tot++) {
		set16(&f, 2, tot);
		assert_int_equal(cls(UMBRA_LINK_RAW, &f), UMBRA_PKT_MALFORMED);
	}
	/* Total length = header: valid, no room for TCP. */
	set16(&f, 2, 24);
	assert_int_equal(run(UMBRA_LINK_RAW, &f, &o), UMBRA_PKT_IPV4);
	assert_int_equal(o.ip_len, 24);
	assert_no_l4(&o);
	/* Total length larger than the capture (snap length): valid, and
	 * ip_len is the header's value, not the capture's. */
	set16(&f, 2, 1500);
	assert_int_equal(run(UMBRA_LINK_RAW, &f, &o), UMBRA_PKT_IPV4);
	assert_int_equal(o.ip_len, 1500);
	assert_int_equal(o.flags, FT_PKT_L4 | FT_PKT_SYN);
	set16(&f, 2, 65535);
	assert_int_equal(run(UMBRA_LINK_RAW, &f, &o), UMBRA_PKT_IPV4);
	assert_int_equal(o.ip_len, 65535);
}

/* Options shift the transport header: ports come from after them. */
static void test_options(void **state)
{
	(void)state;
	struct ft_pkt o;
	struct fb f = {0};

	eth(&f, 0x0800);
	uint32_t at = ip4(&f, 8, 6);
	tcp(&f, 40000, 80, 5, 0x02, 1024);
	ip_done(&f, at);
	assert_int_equal(run(UMBRA_LINK_ETHERNET, &f, &o), UMBRA_PKT_IPV4);
	assert_ip(&o, 6, 52);
	assert_int_equal(o.flags, FT_PKT_L4 | FT_PKT_SYN);
	assert_int_equal(o.src_port, 40000);
	assert_int_equal(o.dst_port, 80);
	assert_int_equal(o.tcp_rwin, 1024);
	assert_int_equal(o.tcp_hlen, 20);
}

static void test_host_byte_order(void **state)
{
	(void)state;
	struct ft_pkt o;
	struct fb f = {0};

	syn(&f);
	assert_int_equal(run(UMBRA_LINK_RAW, &f, &o), UMBRA_PKT_IPV4);
	assert_int_equal(o.src_ip, 16909060u);
	assert_int_equal(o.dst_ip & 0xffff0000u, 738263040u);
	assert_int_equal(o.dst_ip, 0x2C010203u);
}

static void test_fragments(void **state)
{
	(void)state;
	struct ft_pkt o;
	struct fb f = {0};

	uint32_t at = ip4(&f, 5, 6);
	tcp(&f, 40000, 80, 5, 0x02, 1024);
	ip_done(&f, at);

	/* Later fragments: size and TTL, no transport. */
	static const unsigned later[] = {0x0001, 0x2001, 0x0185, 0x1000,
	                                 0x3000, 0x1fff, 0x3fff, 0x4001};
	for (size_t i = 0; i < sizeof(later) / sizeof(later[0]); i++) {
		set16(&f, 6, later[i]);
		assert_int_equal(run(UMBRA_LINK_RAW, &f, &o), UMBRA_PKT_IPV4);
		assert_ip(&o, 6, 40);
		assert_no_l4(&o);
	}
	/* Offset 0 with MF, DF, or the reserved bit: transport read. */
	static const unsigned first[] = {0x2000, 0x4000, 0x8000, 0xe000};
	for (size_t i = 0; i < sizeof(first) / sizeof(first[0]); i++) {
		set16(&f, 6, first[i]);
		assert_int_equal(run(UMBRA_LINK_RAW, &f, &o), UMBRA_PKT_IPV4);
		assert_syn(&o);
	}
}

static void test_tcp_doff(void **state)
{
	(void)state;
	struct ft_pkt o;

	/* Data offset below 5: invalid. */
	for (unsigned d = 0; d < 5; d++) {
		struct fb f = {0};
		uint32_t at = ip4(&f, 5, 6);
		tcp(&f, 1, 2, 5, 0x02, 3);
		ip_done(&f, at);
		f.b[at + 20 + 12] = (uint8_t)(d << 4);
		assert_int_equal(run(UMBRA_LINK_RAW, &f, &o), UMBRA_PKT_IPV4);
		assert_ip(&o, 6, 40);
		assert_no_l4(&o);
	}

	/* Options: the whole data offset must be captured. */
	struct fb f = {0};
	uint32_t at = ip4(&f, 5, 6);
	tcp(&f, 1234, 443, 10, 0x02, 65535);
	ip_done(&f, at);
	assert_int_equal(run(UMBRA_LINK_RAW, &f, &o), UMBRA_PKT_IPV4);
	assert_int_equal(o.flags, FT_PKT_L4 | FT_PKT_SYN);
	assert_int_equal(o.tcp_hlen, 40);
	assert_int_equal(o.tcp_rwin, 65535);
	for (uint32_t n = 20; n < 60; n++) {
		assert_int_equal(run_n(UMBRA_LINK_RAW, &f, n, &o),
		                 UMBRA_PKT_IPV4);
		assert_int_equal(o.ip_len, 60);
		assert_no_l4(&o);
	}

	/* Data offset 15 with only 20 bytes captured. */
	struct fb g = {0};
	at = ip4(&g, 5, 6);
	tcp(&g, 1, 2, 5, 0x02, 3);
	ip_done(&g, at);
	set16(&g, 2, 80);
	g.b[32] = 0xf0;
	assert_int_equal(run(UMBRA_LINK_RAW, &g, &o), UMBRA_PKT_IPV4);
	assert_no_l4(&o);
}

/* Captured, but past the IP total length: no transport. */
static void test_tcp_past_total_length(void **state)
{
	(void)state;
	struct ft_pkt o;
	struct fb f = {0};

	eth(&f, 0x0800);
	uint32_t at = ip4(&f, 5, 6);
	tcp(&f, 1, 2, 6, 0x02, 3); /* 24-byte TCP header */
	ip_done(&f, at);
	assert_int_equal(run(UMBRA_LINK_ETHERNET, &f, &o), UMBRA_PKT_IPV4);
	assert_int_equal(o.tcp_hlen, 24);
	set16(&f, at + 2, 40);
	assert_int_equal(run(UMBRA_LINK_ETHERNET, &f, &o), UMBRA_PKT_IPV4);
	assert_ip(&o, 6, 40);
	assert_no_l4(&o);
	/* Total length 39 with a 20-byte TCP header fully captured. */
	f.b[at + 32] = 0x50;
	set16(&f, at + 2, 39);
	assert_int_equal(run(UMBRA_LINK_ETHERNET, &f, &o), UMBRA_PKT_IPV4);
	assert_no_l4(&o);
	set16(&f, at + 2, 40);
	assert_int_equal(run(UMBRA_LINK_ETHERNET, &f, &o), UMBRA_PKT_IPV4);
	assert_int_equal(o.flags, FT_PKT_L4 | FT_PKT_SYN);
}

static void test_udp(void **state)
{
	(void)state;
	struct ft_pkt o;
	struct fb f = {0};

	eth(&f, 0x0800);
	uint32_t at = ip4(&f, 5, 17);
	udp(&f, 161, 40123);
	ip_done(&f, at);
	/* Ethernet pad to 60 bytes: ip_len stays the header's 28. */
	while (f.n < 60)
		p8(&f, 0);
	assert_int_equal(run(UMBRA_LINK_ETHERNET, &f, &o), UMBRA_PKT_IPV4);
	assert_ip(&o, 17, 28);
	assert_int_equal(o.flags, FT_PKT_L4);
	assert_int_equal(o.src_port, 161);
	assert_int_equal(o.dst_port, 40123);
	assert_int_equal(o.tcp_flags, 0);
	assert_int_equal(o.tcp_rwin, 0);
	assert_int_equal(o.tcp_hlen, 0);

	/* 7 bytes captured. */
	assert_int_equal(run_n(UMBRA_LINK_ETHERNET, &f, 41, &o),
	                 UMBRA_PKT_IPV4);
	assert_ip(&o, 17, 28);
	assert_no_l4(&o);
	/* 8 captured, but total length says 7. */
	set16(&f, at + 2, 27);
	assert_int_equal(run(UMBRA_LINK_ETHERNET, &f, &o), UMBRA_PKT_IPV4);
	assert_ip(&o, 17, 27);
	assert_no_l4(&o);
}

static void test_icmp(void **state)
{
	(void)state;
	static const struct {
		unsigned type, code, port;
	} cases[] = {
	    {3, 3, 771},   {8, 0, 2048}, {0, 0, 0},
	    {11, 0, 2816}, {3, 13, 781}, {255, 255, 65535},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ft_pkt o;
		struct fb f = {0};
		uint32_t at = ip4(&f, 5, 1);
		icmp(&f, cases[i].type, cases[i].code);
		ip_done(&f, at);
		assert_int_equal(run(UMBRA_LINK_RAW, &f, &o), UMBRA_PKT_IPV4);
		assert_ip(&o, 1, 28);
		assert_int_equal(o.flags, FT_PKT_L4);
		assert_int_equal(o.dst_port, cases[i].port);
		assert_int_equal(o.src_port, 0);
		assert_int_equal(o.tcp_flags, 0);
		assert_int_equal(o.tcp_hlen, 0);
		/* 7 bytes of ICMP: none of it. */
		assert_int_equal(run_n(UMBRA_LINK_RAW, &f, 27, &o),
		                 UMBRA_PKT_IPV4);
		assert_no_l4(&o);
		/* Total length 27: none of it either. */
		set16(&f, 2, 27);
		assert_int_equal(run(UMBRA_LINK_RAW, &f, &o), UMBRA_PKT_IPV4);
		assert_no_l4(&o);
	}
}

static void test_other_proto(void **state)
{
	(void)state;
	static const unsigned protos[] = {0, 2, 4, 41, 47, 50, 58, 132, 255};
	for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++) {
		struct ft_pkt o;
		struct fb f = {0};
		uint32_t at = ip4(&f, 5, protos[i]);
		/* Something that would look like ports if read. */
		tcp(&f, 1111, 2222, 5, 0x02, 3333);
		ip_done(&f, at);
		assert_int_equal(run(UMBRA_LINK_RAW, &f, &o), UMBRA_PKT_IPV4);
		assert_ip(&o, protos[i], 40);
		assert_no_l4(&o);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_eth_syn),
	    cmocka_unit_test(test_eth_synack_and_flags),
	    cmocka_unit_test(test_eth_every_caplen),
	    cmocka_unit_test(test_eth_nonip),
	    cmocka_unit_test(test_eth_ipv6),
	    cmocka_unit_test(test_eth_bad_version),
	    cmocka_unit_test(test_vlan_stack),
	    cmocka_unit_test(test_mpls),
	    cmocka_unit_test(test_pppoe),
	    cmocka_unit_test(test_sll),
	    cmocka_unit_test(test_sll2),
	    cmocka_unit_test(test_raw),
	    cmocka_unit_test(test_ipv4_ipv6_links),
	    cmocka_unit_test(test_null_loop),
	    cmocka_unit_test(test_ppp_links),
	    cmocka_unit_test(test_unknown_link),
	    cmocka_unit_test(test_caplen0),
	    cmocka_unit_test(test_ihl_too_small),
	    cmocka_unit_test(test_ihl_past_capture),
	    cmocka_unit_test(test_total_length),
	    cmocka_unit_test(test_options),
	    cmocka_unit_test(test_host_byte_order),
	    cmocka_unit_test(test_fragments),
	    cmocka_unit_test(test_tcp_doff),
	    cmocka_unit_test(test_tcp_past_total_length),
	    cmocka_unit_test(test_udp),
	    cmocka_unit_test(test_icmp),
	    cmocka_unit_test(test_other_proto),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
