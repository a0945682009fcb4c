/* gen_class.c: umbra-gen's traffic classes: one builder per class, which
 * draws what its kind of sender would send (from the model of gen_mix.c)
 * and has gen_packet.c lay the frame out.  Runs for every packet: no
 * allocation, no system call.
 *
 * Reproducibility rule: at most one random draw per full expression.  C
 * leaves the order of function arguments and of initialiser lists
 * unspecified, and gcc and clang do pick different orders, so two draws in
 * one call or one initialiser would make the bytes depend on the compiler.
 * The order of the draws is part of the output: changing it changes every
 * packet after it.
 */
#include "gen_class.h"

#include <string.h>

#include "gen_packet.h"

/* ---- draws ------------------------------------------------------------- */

static inline uint16_t rnd16(struct gen *g)
{
	return (uint16_t)rng32(&g->rng);
}

/* A source mostly keeps its TTL; about 5% of packets see a route change. */
static inline uint8_t vary_ttl(struct gen *g, uint8_t ttl, uint32_t pm)
{
	uint32_t r = rng32(&g->rng);

	if ((r >> 16) * 1000 >= pm * 65536u)
		return ttl;
	return (uint8_t)(ttl + (r & 1 ? 1 : -1) * (int)(1 + ((r >> 1) & 1)));
}

static inline uint16_t ephemeral(struct gen *g, uint8_t fp)
{
	return (uint16_t)range(&g->rng, fps[fp].eph, 65535);
}

static inline uint32_t sweep(struct scanner *sc)
{
	return sc->base | ((sc->mul * sc->i++ + sc->add) & sc->mask);
}

/* n pseudo-random payload bytes (n <= MAX_FRAME). */
static inline void fill(struct gen *g, uint8_t *p, size_t n)
{
	memcpy(p, g->pattern + below(&g->rng, NPATTERN - MAX_FRAME), n);
}

/* The payload of probe pr at f + 14 + 28 (random bytes for the random-port
 * probe); returns its length. */
static size_t udp_payload(struct gen *g, uint8_t *f, const struct probe *pr)
{
	uint8_t *p = f + 14 + 28;
	size_t plen;

	if (pr->data) {
		plen = pr->len;
		memcpy(p, pr->data, plen);
		if (pr->idoff >= 0)
			put16(p + pr->idoff, rnd16(g));
	} else {
		plen = below(&g->rng, 48);
		fill(g, p, plen);
	}
	return plen;
}

/* ---- the source population --------------------------------------------- */

static inline struct source *zipf_source(struct gen *g)
{
	return &g->src[alias_draw(&g->zipf, &g->rng)];
}

static uint16_t source_dport(struct gen *g, const struct source *s)
{
	if (s->style == S_VERTICAL)
		return (uint16_t)range(&g->rng, 1, 65535);
	if (s->style == S_FEW)
		return s->dport[below(&g->rng, 4)];
	return chance(&g->rng, 30) ? tcp_port(g) : s->dport[0];
}

/* The common IPv4 fields of a packet from a population source. */
static void source_ip(struct gen *g, const struct source *s, struct ip4 *h,
                      uint32_t ttl_pm)
{
	h->src = s->addr;
	h->dst = random_dst(g);
	h->id = rnd16(g);
	h->ttl = vary_ttl(g, s->ttl, ttl_pm);
}

static void source_syn(struct gen *g, const struct source *s, struct tcpseg *t)
{
	source_ip(g, s, &t->ip, 50);
	t->sport = s->sport ? s->sport : ephemeral(g, s->fp);
	t->dport = source_dport(g, s);
	t->seq = rng32(&g->rng);
	t->ack = 0;
	t->win = s->win;
	t->flags = TH_SYN;
	t->fp = s->fp;
}

static size_t b_syn(struct gen *g, uint8_t *f)
{
	struct tcpseg t;

	source_syn(g, zipf_source(g), &t);
	return tcp4_frame(f, &t, g->now_us);
}

/* ---- sweeping scanners and bots ---------------------------------------- */

/* A sweeping scanner's SYN; the caller sets what its tool does. */
static void scanner_syn(struct gen *g, struct scanner *sc, struct tcpseg *t)
{
	t->ip.src = sc->addr;
	t->ip.dst = sweep(sc);
	t->ip.id = 54321;
	t->ip.ttl = vary_ttl(g, sc->ttl, 20);
	t->seq = rng32(&g->rng);
	t->ack = 0;
	t->flags = TH_SYN;
}

/* masscan-like: fixed source port per scan, window 1024, and masscan's IP
 * ID: the low 16 bits of destination ^ destination port ^ sequence. */
static size_t b_masscan(struct gen *g, uint8_t *f)
{
	struct scanner *sc = &g->masscan[below(&g->rng, NMASSCAN)];
	struct tcpseg t;

	scanner_syn(g, sc, &t);
	t.sport = sc->sport;
	t.dport = sc->ports[below(&g->rng, sc->nports)];
	t.ip.id = (uint16_t)(t.ip.dst ^ t.dport ^ t.seq);
	t.win = 1024;
	t.fp = FP_RAW;
	return tcp4_frame(f, &t, g->now_us);
}

/* ZMap-like: IP ID 54321, MSS option only, sweeps the whole telescope. */
static size_t b_zmap(struct gen *g, uint8_t *f)
{
	struct scanner *sc = &g->zmap[below(&g->rng, NZMAP)];
	struct tcpseg t;

	scanner_syn(g, sc, &t);
	t.sport = (uint16_t)(sc->sport + below(&g->rng, 64));
	t.dport = sc->ports[0];
	t.win = 65535;
	t.fp = FP_MSS;
	return tcp4_frame(f, &t, g->now_us);
}

/* Mirai-like: sequence number = destination address, ports 23 and 2323. */
static size_t b_mirai(struct gen *g, uint8_t *f)
{
	struct source *b = &g->bots[below(&g->rng, g->nbots)];
	uint64_t r = rng64(&g->rng);
	struct tcpseg t;

	t.ip.src = b->addr;
	t.ip.dst = random_dst(g);
	t.ip.id = (uint16_t)r;
	t.ip.ttl = vary_ttl(g, b->ttl, 50);
	t.seq = t.ip.dst;
	t.ack = 0;
	t.sport = (uint16_t)(1024 + (r >> 16 & 0xffff) % 64512);
	t.dport = (r >> 32 & 0xff) < 26 ? 2323 : 23;
	t.win = (uint16_t)(r >> 48);
	t.flags = TH_SYN;
	t.fp = FP_RAW;
	return tcp4_frame(f, &t, g->now_us);
}

/* ---- backscatter ------------------------------------------------------- */

static struct victim *victim(struct gen *g)
{
	struct victim *v = &g->vic[alias_draw(&g->vzipf, &g->rng)];

	/* a third are retransmissions to the same spoofed address */
	if (!chance(&g->rng, 330)) {
		v->last_dst = random_dst(g);
		v->last_dport = (uint16_t)range(&g->rng, 1024, 65535);
	}
	return v;
}

static void victim_ip(struct gen *g, const struct victim *v, struct ip4 *h)
{
	h->src = v->addr;
	h->dst = v->last_dst;
	h->id = rnd16(g);
	h->ttl = vary_ttl(g, v->ttl, 20);
}

static size_t b_synack(struct gen *g, uint8_t *f)
{
	struct victim *v = victim(g);
	struct tcpseg t;

	victim_ip(g, v, &t.ip);
	t.seq = rng32(&g->rng);
	t.ack = rng32(&g->rng);
	t.sport = v->port;
	t.dport = v->last_dport;
	t.win = fps[v->fp].win;
	t.flags = TH_SYN | TH_ACK;
	t.fp = v->fp;
	return tcp4_frame(f, &t, g->now_us);
}

static size_t b_rst(struct gen *g, uint8_t *f)
{
	struct victim *v = victim(g);
	struct tcpseg t;

	victim_ip(g, v, &t.ip);
	t.seq = rng32(&g->rng);
	t.flags = chance(&g->rng, 500) ? TH_RST | TH_ACK : TH_RST;
	t.ack = t.flags & TH_ACK ? rng32(&g->rng) : 0;
	t.sport = v->port;
	t.dport = v->last_dport;
	t.win = 0;
	t.fp = FP_RAW;
	return tcp4_frame(f, &t, g->now_us);
}

/* Destination unreachable quoting the spoofed packet: its IPv4 header, from
 * the telescope address to the victim, and its first 8 transport bytes. */
static size_t b_unreach(struct gen *g, uint8_t *f)
{
	static const uint8_t codes[8] = {3, 3, 3, 3, 1, 1, 13, 10};
	struct victim *v = victim(g);
	uint8_t *q = f + 14 + 28, *qt = q + 20, code;
	struct ip4 h, qh = {.src = v->last_dst, .dst = v->addr};
	size_t qlen = 40;

	qh.id = rnd16(g);
	qh.ttl = (uint8_t)range(&g->rng, 30, 250);
	qh.proto = chance(&g->rng, 600) ? 17 : 6;
	put16(qt, (uint16_t)range(&g->rng, 1024, 65535));
	put16(qt + 2, v->port);
	if (qh.proto == 17) {
		qlen = 20 + range(&g->rng, 12, 512);
		put16(qt + 4, (uint16_t)(qlen - 20));
		put16(qt + 6, rnd16(g));
	} else {
		put32(qt + 4, rng32(&g->rng));
	}
	ip4_hdr(q, qlen, &qh);
	victim_ip(g, v, &h);
	code = codes[below(&g->rng, 8)];
	return icmp4_frame(f, &h, 3, code, 0, 28);
}

/* ---- probes, tunnels, fragments, IPv6, not IP -------------------------- */

static size_t b_udp(struct gen *g, uint8_t *f)
{
	struct source *s = zipf_source(g);
	const struct probe *pr = &udp_probes[s->uport];
	uint16_t dport = pr->port ? pr->port : (uint16_t)(s->dport[1] | 1024);
	uint16_t sport;
	size_t plen;
	struct ip4 h;

	if (!chance(&g->rng, 950)) { /* another probe; random port if none */
		pr = &udp_probes[g->udp_probe_of[rng32(&g->rng) & 1023]];
		dport =
		    pr->port ? pr->port : (uint16_t)range(&g->rng, 1024, 65535);
	}
	sport = s->sport ? s->sport : ephemeral(g, s->fp);
	source_ip(g, s, &h, 50);
	plen = udp_payload(g, f, pr);
	return udp4_frame(f, &h, sport, dport, plen);
}

static size_t b_echo(struct gen *g, uint8_t *f)
{
	struct source *s = zipf_source(g);
	uint32_t rest = (s->addr & 0xffff) << 16 | below(&g->rng, 4096);
	struct ip4 h;

	fill(g, f + 14 + 28, s->icmplen);
	source_ip(g, s, &h, 50);
	return icmp4_frame(f, &h, 8, 0, rest, s->icmplen);
}

/* GRE carrying a small inner IPv4/UDP packet between private addresses. */
static size_t b_gre(struct gen *g, uint8_t *f)
{
	struct source *s = zipf_source(g);
	struct ip4 h, ih = {.ttl = 64, .proto = 17};
	uint16_t sport;

	ih.src = 0x0a000000 | (rng32(&g->rng) & 0xffffff);
	ih.dst = 0xc0a80000 | (rng32(&g->rng) & 0xffff);
	ih.id = rnd16(g);
	sport = (uint16_t)range(&g->rng, 1024, 65535);
	source_ip(g, s, &h, 50);
	return gre4_frame(f, &h, &ih, sport, 53);
}

static size_t b_esp(struct gen *g, uint8_t *f)
{
	struct source *s = zipf_source(g);
	size_t plen = 8 * range(&g->rng, 2, 12);
	uint32_t seq = range(&g->rng, 1, 1000);
	struct ip4 h;

	fill(g, f + 14 + 28, plen);
	source_ip(g, s, &h, 50);
	return esp4_frame(f, &h, (s->addr * 2654435761u) | 0x100, seq, plen);
}

/* Fragments of large UDP (DNS/NTP answers to spoofed queries) or ICMP echo
 * datagrams: half first fragments (MF, offset 0), half later ones. */
static size_t b_frag(struct gen *g, uint8_t *f)
{
	static const uint16_t mtu[4] = {1500, 1500, 1276, 572};
	struct source *s = zipf_source(g);
	uint8_t *ip = eth_hdr(f, ETH_IP4), *l4 = ip + 20;
	size_t len = mtu[below(&g->rng, 4)];
	struct ip4 h;

	source_ip(g, s, &h, 50);
	h.proto = chance(&g->rng, 850) ? 17 : 1;
	if (chance(&g->rng, 500)) {
		h.frag = IP_MF;
		fill(g, l4, len - 20);
		if (h.proto == 17) {
			put16(l4, chance(&g->rng, 500) ? 53 : 123);
			put16(l4 + 2, (uint16_t)range(&g->rng, 1024, 65535));
			put16(l4 + 4, (uint16_t)(2 * (len - 20) + 100));
			put16(l4 + 6, 0);
		} else {
			l4[0] = 8;
			l4[1] = 0;
		}
	} else {
		uint16_t k = (uint16_t)range(&g->rng, 1, 3);

		h.frag = (uint16_t)(k * ((len - 20) / 8));
		if (k < 3 && chance(&g->rng, 500))
			h.frag |= IP_MF;
		else
			len = 20 + 8 * range(&g->rng, 1, 160);
		fill(g, l4, len - 20);
	}
	ip4_hdr(ip, len, &h);
	return 14 + len;
}

/* TCP SYN over IPv6 from the population, to 2001:db8:44::/48. */
static size_t b_ipv6(struct gen *g, uint8_t *f)
{
	struct source *s = zipf_source(g);
	uint64_t x = s->addr, hi, lo;
	struct tcpseg t;
	struct ip6 h;

	hi = splitmix64(&x); /* the source's fixed 2a00::/8 address */
	lo = splitmix64(&x);
	source_syn(g, s, &t);
	h.flow = rng32(&g->rng) & 0xfffff;
	h.hlim = t.ip.ttl;
	h.src[0] = 0x2a000000 | (uint32_t)(hi >> 40);
	h.src[1] = (uint32_t)hi;
	h.src[2] = (uint32_t)(lo >> 32);
	h.src[3] = (uint32_t)lo;
	h.dst[0] = 0x20010db8;
	h.dst[1] = 0x00440000 | below(&g->rng, 16);
	h.dst[2] = rng32(&g->rng) & 0xffff;
	h.dst[3] = rng32(&g->rng);
	return tcp6_frame(f, &h, &t, g->now_us);
}

/* ARP who-has for telescope addresses, now and then an LLDP frame. */
static size_t b_nonip(struct gen *g, uint8_t *f)
{
	if (chance(&g->rng, 150))
		return lldp_frame(f);
	return arp_request(f, g->net | (1 & g->hostmask), random_dst(g));
}

/* ---- the worst mix ----------------------------------------------------- */

/* Worst mix: random sources, random ports, random /16s. */
static void random_ip(struct gen *g, struct ip4 *h)
{
	h->src = random_src(g);
	h->dst = random_dst(g);
	h->id = rnd16(g);
	h->ttl = (uint8_t)range(&g->rng, 30, 250);
}

static size_t b_rsyn(struct gen *g, uint8_t *f)
{
	struct tcpseg t;

	random_ip(g, &t.ip);
	t.seq = rng32(&g->rng);
	t.ack = 0;
	t.sport = (uint16_t)range(&g->rng, 1024, 65535);
	t.dport = (uint16_t)range(&g->rng, 1, 65535);
	t.win = rnd16(g);
	t.flags = TH_SYN;
	t.fp = (uint8_t)below(&g->rng, FP_COUNT);
	return tcp4_frame(f, &t, g->now_us);
}

static size_t b_rudp(struct gen *g, uint8_t *f)
{
	uint16_t sport, dport;
	size_t plen;
	struct ip4 h;

	random_ip(g, &h);
	sport = (uint16_t)range(&g->rng, 1024, 65535);
	dport = (uint16_t)range(&g->rng, 1, 65535);
	plen = udp_payload(g, f, &udp_probes[PROBE_RANDOM]);
	return udp4_frame(f, &h, sport, dport, plen);
}

static size_t b_ricmp(struct gen *g, uint8_t *f)
{
	static const uint8_t types[8] = {8, 8, 8, 8, 13, 17, 3, 11};
	uint8_t type = types[below(&g->rng, 8)];
	uint8_t code = (uint8_t)(type == 3 ? below(&g->rng, 16) : 0);
	size_t plen = 4 * below(&g->rng, 9);
	uint32_t rest = rng32(&g->rng);
	struct ip4 h;

	fill(g, f + 14 + 28, plen);
	random_ip(g, &h);
	return icmp4_frame(f, &h, type, code, rest, plen);
}

/* Population: fixed port per source, random destinations and source ports,
 * so the keys that repeat collect large sets of addresses and ports. */
static size_t b_psyn(struct gen *g, uint8_t *f)
{
	struct source *s = zipf_source(g);
	struct tcpseg t;

	source_syn(g, s, &t);
	t.dport = s->dport[0];
	t.sport = (uint16_t)range(&g->rng, 1024, 65535);
	t.ip.ttl = vary_ttl(g, s->ttl, 200);
	return tcp4_frame(f, &t, g->now_us);
}

static size_t b_pudp(struct gen *g, uint8_t *f)
{
	struct source *s = zipf_source(g);
	const struct probe *pr = &udp_probes[s->uport];
	uint16_t dport = pr->port ? pr->port : (uint16_t)(s->dport[0] | 1024);
	uint16_t sport;
	size_t plen;
	struct ip4 h;

	source_ip(g, s, &h, 200);
	sport = (uint16_t)range(&g->rng, 1024, 65535);
	plen = udp_payload(g, f, pr);
	return udp4_frame(f, &h, sport, dport, plen);
}

/* ---- the table --------------------------------------------------------- */

const build_fn builders[K_COUNT] = {
    [K_SYN] = b_syn,         [K_MASSCAN] = b_masscan, [K_MIRAI] = b_mirai,
    [K_ZMAP] = b_zmap,       [K_SYNACK] = b_synack,   [K_RST] = b_rst,
    [K_UNREACH] = b_unreach, [K_UDP] = b_udp,         [K_ECHO] = b_echo,
    [K_GRE] = b_gre,         [K_ESP] = b_esp,         [K_FRAG] = b_frag,
    [K_IPV6] = b_ipv6,       [K_NONIP] = b_nonip,     [K_RSYN] = b_rsyn,
    [K_RUDP] = b_rudp,       [K_RICMP] = b_ricmp,     [K_PSYN] = b_psyn,
    [K_PUDP] = b_pudp,
};
