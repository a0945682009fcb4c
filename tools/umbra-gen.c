/* umbra-gen: write a synthetic darknet capture for demos and benchmarks.
 *
 * The output is a classic pcap file (Ethernet link type, microsecond
 * timestamps), gzip-compressed through zlib when asked.  Everything random
 * comes from one xoshiro256** generator seeded with splitmix64, and the
 * traffic model is set up before the first packet, so the same flags and
 * seed always give the same bytes, whatever the machine.
 *
 * Speed: packets are built in place, record header included, in one large
 * output buffer that is written out in big blocks.  The per-packet loop makes
 * no system call, allocates nothing and formats nothing; each traffic class
 * is one builder function in a table indexed by class.
 *
 * Standalone on purpose (libc and zlib only): it must build and run before
 * anything of libumbra does, and it is the test input for libumbra.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#define PROG "umbra-gen"

#define BUF_SIZE  (8u << 20) /* output buffer */
#define REC_HDR   16         /* pcap record header */
#define MAX_FRAME 1514       /* largest frame built (1500-byte IP) */
#define MIN_FRAME 60         /* Ethernet minimum without FCS */
#define SHARE_ALL 10000      /* class shares are in basis points */
#define NPATTERN  4096       /* pseudo-random payload bytes */

#define ETH_IP4  0x0800
#define ETH_ARP  0x0806
#define ETH_IP6  0x86dd
#define ETH_LLDP 0x88cc

#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_ACK 0x10

#define IP_DF 0x4000
#define IP_MF 0x2000

#define unlikely(x) __builtin_expect(!!(x), 0)

/* ---- random numbers ---------------------------------------------------- */

struct rng {
	uint64_t s[4];
};

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void rng_seed(struct rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

static inline uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/* xoshiro256** */
static inline uint64_t rng64(struct rng *r)
{
	uint64_t *s = r->s;
	uint64_t out = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return out;
}

static inline uint32_t rng32(struct rng *r)
{
	return (uint32_t)(rng64(r) >> 32);
}

/* Uniform in [0, n), n >= 1 (multiply-shift; the bias is below 2^-32). */
static inline uint32_t below(struct rng *r, uint32_t n)
{
	return (uint32_t)(((uint64_t)rng32(r) * n) >> 32);
}

/* Uniform in [lo, hi]. */
static inline uint32_t range(struct rng *r, uint32_t lo, uint32_t hi)
{
	return lo + below(r, hi - lo + 1);
}

/* True with probability pm / 1000. */
static inline int chance(struct rng *r, uint32_t pm)
{
	return below(r, 1000) < pm;
}

/* Walker's alias table: O(1) draws from a fixed discrete distribution. */
struct alias {
	uint32_t n;
	uint32_t *prob; /* scaled to 2^32 */
	uint32_t *other;
};

static int alias_init(struct alias *a, const double *w, uint32_t n)
{
	double sum = 0, *p = malloc(n * sizeof(*p));
	uint32_t *small = malloc(n * sizeof(*small));
	uint32_t *large = malloc(n * sizeof(*large));
	uint32_t ns = 0, nl = 0;

	a->n = n;
	a->prob = malloc(n * sizeof(*a->prob));
	a->other = malloc(n * sizeof(*a->other));
	if (!p || !small || !large || !a->prob || !a->other) {
		free(p);
		free(small);
		free(large);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < n; i++)
		sum += w[i];
	for (uint32_t i = 0; i < n; i++) {
		p[i] = w[i] * n / sum;
		if (p[i] < 1.0)
			small[ns++] = i;
		else
			large[nl++] = i;
	}
	while (ns && nl) {
		uint32_t s = small[--ns], l = large[nl - 1];

		a->prob[s] = (uint32_t)(p[s] * 4294967295.0);
		a->other[s] = l;
		p[l] -= 1.0 - p[s];
		if (p[l] < 1.0) {
			nl--;
			small[ns++] = l;
		}
	}
	while (nl) {
		uint32_t l = large[--nl];
		a->prob[l] = UINT32_MAX;
		a->other[l] = l;
	}
	while (ns) { /* rounding leftovers */
		uint32_t s = small[--ns];
		a->prob[s] = UINT32_MAX;
		a->other[s] = s;
	}
	free(p);
	free(small);
	free(large);
	return 0;
}

static inline uint32_t alias_draw(const struct alias *a, struct rng *r)
{
	uint64_t x = rng64(r);
	uint32_t i = (uint32_t)(((x >> 32) * a->n) >> 32);

	return (uint32_t)x < a->prob[i] ? i : a->other[i];
}

static void alias_free(struct alias *a)
{
	free(a->prob);
	free(a->other);
}

/* Square root by Newton's method (setup only; keeps libm out). */
static double root2(double x)
{
	double r = x > 1 ? x : 1;

	for (int i = 0; i < 64; i++) {
		double next = 0.5 * (r + x / r);

		if (next >= r)
			break;
		r = next;
	}
	return r;
}

/* Zipf-Mandelbrot weights, rank k gets (k + 5)^-1.5: the top 1% of the
 * sources send about 85% of the packets, the top one about 8%. */
static int zipf_init(struct alias *a, uint32_t n)
{
	double *w = calloc(n, sizeof(*w));
	int rc;

	if (!w)
		return -ENOMEM;
	for (uint32_t i = 0; i < n; i++) {
		double k = i + 6.0;

		w[i] = 1.0 / (k * root2(k));
	}
	rc = alias_init(a, w, n);
	free(w);
	return rc;
}

/* ---- bytes and checksums ----------------------------------------------- */

static inline void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline void put32le(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static inline uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
	for (; n > 1; n -= 2, p += 2)
		sum += (uint32_t)p[0] << 8 | p[1];
	if (n)
		sum += (uint32_t)p[0] << 8;
	return sum;
}

static inline uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Checksum of an IPv4 TCP, UDP or ICMP segment (ICMP: no pseudo header). */
static uint16_t l4_csum4(uint32_t src, uint32_t dst, uint8_t proto,
                         const uint8_t *l4, size_t len)
{
	uint32_t sum = 0;

	if (proto != 1)
		sum = (src >> 16) + (src & 0xffff) + (dst >> 16) +
		      (dst & 0xffff) + proto + (uint32_t)len;
	return csum_fold(csum_add(sum, l4, len));
}

/* ---- traffic model ----------------------------------------------------- */

/* TCP fingerprints: option bytes, where the timestamp goes, window. */
struct fprint {
	uint8_t optlen;
	int8_t tsoff; /* offset of TSval in the options, -1: none */
	uint8_t ittl; /* initial TTL, 0: pick per source */
	uint8_t df;   /* sets Don't Fragment */
	uint16_t win; /* 0: pick per source */
	uint16_t eph; /* first ephemeral port */
	uint8_t opt[24];
};

enum { FP_RAW, FP_MSS, FP_WIN, FP_LINUX, FP_MAC, FP_COUNT };

/* Option bytes: 2 MSS, 1 NOP, 3 window scale, 4 SACK permitted, 8 TS, 0 EOL. */
static const struct fprint fps[FP_COUNT] = {
    /* raw scanner: no options, window and TTL per source */
    [FP_RAW] = {.tsoff = -1, .eph = 1024},
    /* MSS only: 24-byte header */
    [FP_MSS] = {.optlen = 4,
                .tsoff = -1,
                .ittl = 64,
                .win = 65535,
                .eph = 32768,
                .opt = {2, 4, 5, 180}},
    /* Windows: MSS, NOP, WS 8, NOP, NOP, SACK: 32 bytes */
    [FP_WIN] = {.optlen = 12,
                .tsoff = -1,
                .ittl = 128,
                .df = 1,
                .win = 64240,
                .eph = 49152,
                .opt = {2, 4, 5, 180, 1, 3, 3, 8, 1, 1, 4, 2}},
    /* Linux: MSS, SACK, TS, NOP, WS 7: 40 bytes */
    [FP_LINUX] = {.optlen = 20,
                  .tsoff = 8,
                  .ittl = 64,
                  .df = 1,
                  .win = 64240,
                  .eph = 32768,
                  .opt = {2, 4, 5, 180, 4, 2, 8, 10, [16] = 1, 3, 3, 7}},
    /* macOS: MSS, NOP, WS 6, NOP, NOP, TS, SACK, EOL, EOL: 44 bytes */
    [FP_MAC] = {.optlen = 24,
                .tsoff = 12,
                .ittl = 64,
                .df = 1,
                .win = 65535,
                .eph = 49152,
                .opt = {2, 4, 5, 180, 1, 3, 3, 6, 1, 1, 8, 10, [20] = 4, 2}},
};

struct source {
	uint32_t addr;
	uint16_t dport[4]; /* TCP destination ports, [0] the favourite */
	uint16_t uport;    /* favourite UDP destination port index */
	uint16_t sport;    /* fixed source port, 0: ephemeral per packet */
	uint16_t win;
	uint8_t ttl;
	uint8_t fp;
	uint8_t style; /* S_FOCUSED, S_FEW, S_VERTICAL */
	uint8_t icmplen;
};

enum { S_FOCUSED, S_FEW, S_VERTICAL };

/* A sweeping scanner walks a 2^bits block of the telescope in a scrambled
 * order: address i is base | ((mul * i + add) & mask), mul odd. */
struct scanner {
	uint32_t addr, base, mask, mul, add, i;
	uint16_t sport;
	uint16_t ports[4];
	uint8_t nports;
	uint8_t ttl;
};

/* A victim of a spoofed flood, answering telescope addresses. */
struct victim {
	uint32_t addr, last_dst;
	uint16_t port, last_dport;
	uint8_t ttl;
	uint8_t fp;
};

#define NMASSCAN 6
#define NZMAP    4
#define NVICTIM  48

/* Weighted destination ports; port 0 means a uniformly random port. */
struct wport {
	uint16_t port;
	uint16_t weight;
};

static const struct wport tcp_ports[] = {
    {23, 180},  {445, 110}, {22, 100},  {80, 90},   {443, 60},  {3389, 55},
    {8080, 50}, {5555, 30}, {1433, 30}, {6379, 25}, {2323, 20}, {81, 20},
    {8443, 20}, {21, 20},   {3306, 20}, {5900, 18}, {7547, 18}, {25, 15},
    {8000, 15}, {135, 12},  {139, 12},  {8888, 12}, {9200, 10}, {37215, 10},
    {5432, 10}, {52869, 8}, {27017, 8}, {2375, 8},  {110, 6},   {143, 6},
    {0, 150},
};

/* UDP probes: a port and a payload; port 0 is random with random bytes. */
struct probe {
	uint16_t port;
	uint16_t weight;
	int16_t idoff; /* two bytes randomised per packet, -1: none */
	const uint8_t *data;
	uint16_t len;
};

#define BYTES(...)                                                             \
	(const uint8_t[])                                                      \
	{                                                                      \
		__VA_ARGS__                                                    \
	}
#define B(...) BYTES(__VA_ARGS__), sizeof(BYTES(__VA_ARGS__))
#define STR(s) (const uint8_t *)(s), sizeof(s) - 1

static const uint8_t ntp_client[48] = {0x23};

static const struct probe udp_probes[] = {
    /* DNS A example.com; ANY isc.org with EDNS0; version.bind CH TXT */
    {53, 90, 0, STR("\0\0\1\0\0\1\0\0\0\0\0\0\7example\3com\0\0\1\0\1")},
    {53, 50, 0,
     STR("\0\0\1\0\0\1\0\0\0\0\0\1\3isc\3org\0\0\377\0\1\0\0)"
         "\20\0\0\0\0\0\0\0")},
    {53, 30, 0, STR("\0\0\0\0\0\1\0\0\0\0\0\0\7version\4bind\0\0\20\0\3")},
    {123, 70, -1, ntp_client, sizeof(ntp_client)},
    /* NTP mode 7 MON_GETLIST_1 */
    {123, 40, -1, STR("\27\0\3*\0\0\0\0")},
    /* SNMPv2c GetRequest public sysDescr.0 */
    {161, 90, 19,
     B(0x30, 0x29, 2, 1, 1, 4, 6, 'p', 'u', 'b', 'l', 'i', 'c', 0xa0, 0x1c, 2,
       4, 0x1d, 0x2c, 0, 0, 2, 1, 0, 2, 1, 0, 0x30, 0x0e, 0x30, 0x0c, 6, 8,
       0x2b, 6, 1, 2, 1, 1, 1, 0, 5, 0)},
    {1900, 80, -1,
     STR("M-SEARCH * HTTP/1.1\r\n"
         "HOST: 239.255.255.250:1900\r\n"
         "MAN: \"ssdp:discover\"\r\nMX: 1\r\nST: ssdp:all\r\n\r\n")},
    {11211, 50, 0, STR("\0\1\0\0\0\1\0\0stats\r\n")},
    {5060, 60, -1,
     STR("OPTIONS sip:100@scan SIP/2.0\r\n"
         "Via: SIP/2.0/UDP scan:5060;branch=z9hG4bK-1\r\n"
         "From: <sip:100@scan>;tag=1\r\nTo: <sip:100@scan>\r\n"
         "Call-ID: 1@scan\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n"
         "Content-Length: 0\r\n\r\n")},
    /* NetBIOS node status query for "*" */
    {137, 50, 0,
     STR("\0\0\0\0\0\1\0\0\0\0\0\0 CKAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\0\0!\0\1")},
    {19, 20, -1, B('\n')},
    /* mDNS PTR _services._dns-sd._udp.local */
    {5353, 40, -1,
     STR("\0\0\0\0\0\1\0\0\0\0\0\0\11_services\7_dns-sd\4_"
         "udp\5local\0\0\14\0\1")},
    {0, 330, -1, NULL, 0},
};

#define NUDP (sizeof(udp_probes) / sizeof(udp_probes[0]))

enum cls {
	/* default mix */
	K_SYN,
	K_MASSCAN,
	K_MIRAI,
	K_ZMAP,
	K_SYNACK,
	K_RST,
	K_UNREACH,
	K_UDP,
	K_ECHO,
	K_GRE,
	K_ESP,
	K_FRAG,
	K_IPV6,
	K_NONIP,
	/* worst mix */
	K_RSYN,
	K_RUDP,
	K_RICMP,
	K_PSYN,
	K_PUDP,
	K_COUNT
};

static const char *const class_name[K_COUNT] = {
    "syn",      "masscan",   "mirai",   "zmap",    "synack",
    "rst",      "unreach",   "udp",     "echo",    "gre",
    "esp",      "frag",      "ipv6",    "nonip",   "rand-syn",
    "rand-udp", "rand-icmp", "pop-syn", "pop-udp",
};

struct share {
	enum cls cls;
	uint16_t bp;
};

struct mix {
	const char *name;
	struct share parts[16]; /* ends at bp == 0; shares sum to 10000 */
};

static const struct mix mixes[] = {
    {"default",
     {{K_SYN, 4500},
      {K_MASSCAN, 500},
      {K_MIRAI, 600},
      {K_ZMAP, 400},
      {K_SYNACK, 700},
      {K_RST, 500},
      {K_UNREACH, 300},
      {K_UDP, 1500},
      {K_ECHO, 450},
      {K_GRE, 150},
      {K_ESP, 150},
      {K_FRAG, 50},
      {K_IPV6, 100},
      {K_NONIP, 100}}},
    {"worst",
     {{K_RSYN, 5000},
      {K_RUDP, 1000},
      {K_RICMP, 300},
      {K_PSYN, 3000},
      {K_PUDP, 700}}},
};

#define NMIX (sizeof(mixes) / sizeof(mixes[0]))

struct gen {
	struct rng rng;
	uint32_t net, hostmask; /* telescope */
	uint64_t now_us;        /* timestamp of the packet being built */

	struct source *src;
	uint32_t nsrc;
	struct alias zipf;
	struct source *bots; /* Mirai-like, uniform */
	uint32_t nbots;
	struct scanner masscan[NMASSCAN], zmap[NZMAP];
	struct victim vic[NVICTIM];
	struct alias vzipf;

	uint8_t cls_of[SHARE_ALL];
	uint16_t tcp_port_of[1024];
	uint8_t udp_probe_of[1024];
	uint8_t pattern[NPATTERN];
	uint64_t count[K_COUNT];
};

static int reserved(const struct gen *g, uint32_t a)
{
	uint32_t o = a >> 24;

	if (o == 0 || o == 10 || o == 127 || o >= 224)
		return 1;
	if ((a & 0xfff00000) == 0xac100000 || /* 172.16/12 */
	    (a & 0xffff0000) == 0xc0a80000 || /* 192.168/16 */
	    (a & 0xffff0000) == 0xa9fe0000 || /* 169.254/16 */
	    (a & 0xffc00000) == 0x64400000)   /* 100.64/10 */
		return 1;
	return (a & ~g->hostmask) == g->net;
}

/* A public source address outside the telescope. */
static inline uint32_t random_src(struct gen *g)
{
	uint32_t a;

	do
		a = rng32(&g->rng);
	while (reserved(g, a));
	return a;
}

static inline uint32_t random_dst(struct gen *g)
{
	return g->net | (rng32(&g->rng) & g->hostmask);
}

static uint8_t initial_ttl(struct gen *g, uint8_t ittl)
{
	static const uint8_t ttls[] = {64, 64, 128, 255};

	if (!ittl)
		ittl = ttls[below(&g->rng, 4)];
	return (uint8_t)(ittl - range(&g->rng, 5, 28));
}

/* A source mostly keeps its TTL; about 5% of packets see a route change. */
static inline uint8_t vary_ttl(struct gen *g, uint8_t ttl, uint32_t pm)
{
	uint32_t r = rng32(&g->rng);

	if ((r >> 16) * 1000 >= pm * 65536u)
		return ttl;
	return (uint8_t)(ttl + (r & 1 ? 1 : -1) * (int)(1 + ((r >> 1) & 1)));
}

static inline uint16_t tcp_port(struct gen *g)
{
	uint16_t p = g->tcp_port_of[rng32(&g->rng) & 1023];

	return p ? p : (uint16_t)range(&g->rng, 1, 65535);
}

static inline uint16_t ephemeral(struct gen *g, uint8_t fp)
{
	return (uint16_t)range(&g->rng, fps[fp].eph, 65535);
}

static void source_init(struct gen *g, struct source *s)
{
	static const uint8_t fp_of[20] = {
	    FP_RAW, FP_RAW,   FP_RAW,   FP_RAW,   FP_RAW,   FP_RAW, FP_RAW,
	    FP_RAW, FP_MSS,   FP_MSS,   FP_MSS,   FP_WIN,   FP_WIN, FP_WIN,
	    FP_WIN, FP_LINUX, FP_LINUX, FP_LINUX, FP_LINUX, FP_MAC};
	static const uint16_t raw_win[] = {1024, 5840, 14600, 29200, 65535};
	static const uint8_t icmp_len[] = {0, 8, 32, 56};
	uint32_t style = below(&g->rng, 100);

	s->addr = random_src(g);
	s->fp = fp_of[below(&g->rng, 20)];
	s->ttl = initial_ttl(g, fps[s->fp].ittl);
	s->win = fps[s->fp].win ? fps[s->fp].win : raw_win[below(&g->rng, 5)];
	s->style = style < 80 ? S_FOCUSED : style < 95 ? S_FEW : S_VERTICAL;
	for (int i = 0; i < 4; i++)
		s->dport[i] = tcp_port(g);
	s->uport = g->udp_probe_of[rng32(&g->rng) & 1023];
	s->sport = 0;
	if (s->fp == FP_RAW && chance(&g->rng, 500))
		s->sport = (uint16_t)range(&g->rng, 1024, 65535);
	s->icmplen = icmp_len[below(&g->rng, 4)];
}

/* A sweep over 2^bits addresses of the telescope (fewer if it is smaller). */
static void scanner_init(struct gen *g, struct scanner *sc, unsigned bits)
{
	uint32_t hostbits = 0;

	while (hostbits < 32 && (g->hostmask >> hostbits))
		hostbits++;

	if (bits > hostbits)
		bits = hostbits;
	sc->mask = bits ? (uint32_t)((1ull << bits) - 1) : 0;
	sc->base = g->net | (rng32(&g->rng) & g->hostmask & ~sc->mask);
	sc->mul = rng32(&g->rng) | 1;
	sc->add = rng32(&g->rng);
	sc->i = 0;
	sc->addr = random_src(g);
	sc->sport = (uint16_t)range(&g->rng, 32768, 61000);
	sc->ttl = initial_ttl(g, 0);
	sc->nports = (uint8_t)(chance(&g->rng, 700) ? 1 : range(&g->rng, 2, 4));
	for (int i = 0; i < sc->nports; i++)
		sc->ports[i] = tcp_port(g);
}

static inline uint32_t sweep(struct scanner *sc)
{
	return sc->base | ((sc->mul * sc->i++ + sc->add) & sc->mask);
}

static void tables_init(struct gen *g, const struct mix *mx)
{
	uint32_t k = 0, total = 0;

	for (const struct share *s = mx->parts; s->bp; s++)
		for (uint32_t i = 0; i < s->bp; i++)
			g->cls_of[k++] = (uint8_t)s->cls;

	for (size_t i = 0; i < sizeof(tcp_ports) / sizeof(tcp_ports[0]); i++)
		total += tcp_ports[i].weight;
	for (uint32_t i = 0, j = 0, acc = tcp_ports[0].weight; i < 1024; i++) {
		while (i * total >= acc * 1024u)
			acc += tcp_ports[++j].weight;
		g->tcp_port_of[i] = tcp_ports[j].port;
	}
	total = 0;
	for (size_t i = 0; i < NUDP; i++)
		total += udp_probes[i].weight;
	for (uint32_t i = 0, j = 0, acc = udp_probes[0].weight; i < 1024; i++) {
		while (i * total >= acc * 1024u)
			acc += udp_probes[++j].weight;
		g->udp_probe_of[i] = (uint8_t)j;
	}
	for (uint32_t i = 0; i < NPATTERN; i += 8) {
		uint64_t x = rng64(&g->rng);
		memcpy(g->pattern + i, &x, 8);
	}
}

static int gen_init(struct gen *g, const struct mix *mx, uint64_t seed,
                    uint32_t net, uint32_t hostmask, uint32_t nsrc)
{
	static const uint16_t svc[] = {80,   443,  53,    22,    25,   3306,
	                               8080, 6667, 27015, 25565, 5060, 443};
	double vw[NVICTIM];

	memset(g, 0, sizeof(*g));
	rng_seed(&g->rng, seed);
	g->net = net;
	g->hostmask = hostmask;
	tables_init(g, mx);

	g->nsrc = nsrc;
	g->nbots = nsrc / 8 ? nsrc / 8 : 1;
	g->src = calloc(nsrc, sizeof(*g->src));
	g->bots = calloc(g->nbots, sizeof(*g->bots));
	if (!g->src || !g->bots || zipf_init(&g->zipf, nsrc))
		return -ENOMEM;
	for (uint32_t i = 0; i < nsrc; i++)
		source_init(g, &g->src[i]);
	for (uint32_t i = 0; i < g->nbots; i++) {
		g->bots[i].addr = random_src(g);
		g->bots[i].ttl = initial_ttl(g, 64);
	}
	for (int i = 0; i < NMASSCAN; i++)
		scanner_init(g, &g->masscan[i], 16 + range(&g->rng, 1, 3));
	for (int i = 0; i < NZMAP; i++)
		scanner_init(g, &g->zmap[i], 32);
	for (int i = 0; i < NVICTIM; i++) {
		struct victim *v = &g->vic[i];

		v->addr = random_src(g);
		v->port = svc[below(&g->rng, sizeof(svc) / sizeof(svc[0]))];
		v->fp = (uint8_t)range(&g->rng, FP_MSS, FP_MAC);
		v->ttl = initial_ttl(g, fps[v->fp].ittl);
		v->last_dst = random_dst(g);
		v->last_dport = (uint16_t)range(&g->rng, 1024, 65535);
		vw[i] = 1.0 / (i + 1);
	}
	return alias_init(&g->vzipf, vw, NVICTIM);
}

static void gen_free(struct gen *g)
{
	free(g->src);
	free(g->bots);
	alias_free(&g->zipf);
	alias_free(&g->vzipf);
}

/* ---- packet builders --------------------------------------------------- */

/* Each builder writes one Ethernet frame at f and returns its length (before
 * padding to 60 bytes).
 *
 * Reproducibility rule: at most one random draw per full expression.  C
 * leaves the order of function arguments and of initialiser lists
 * unspecified, and gcc and clang do pick different orders, so two draws in
 * one call or one initialiser would make the bytes depend on the compiler. */
typedef size_t (*build_fn)(struct gen *g, uint8_t *f);

static inline uint16_t rnd16(struct gen *g)
{
	return (uint16_t)rng32(&g->rng);
}

static inline uint8_t *eth_hdr(uint8_t *f, uint16_t type)
{
	/* telescope router <- upstream router */
	static const uint8_t macs[12] = {0x00, 0x1b, 0x21, 0x4a, 0x5c, 0x10,
	                                 0x00, 0x0c, 0x29, 0x7e, 0x11, 0x01};

	memcpy(f, macs, 12);
	put16(f + 12, type);
	return f + 14;
}

struct ip4 {
	uint32_t src, dst;
	uint16_t id, frag;
	uint8_t ttl, proto;
};

static inline void ip4_hdr(uint8_t *ip, size_t len, const struct ip4 *h)
{
	ip[0] = 0x45;
	ip[1] = 0;
	put16(ip + 2, (uint16_t)len);
	put16(ip + 4, h->id);
	put16(ip + 6, h->frag);
	ip[8] = h->ttl;
	ip[9] = h->proto;
	put16(ip + 10, 0);
	put32(ip + 12, h->src);
	put32(ip + 16, h->dst);
	put16(ip + 10, csum_fold(csum_add(0, ip, 20)));
}

/* n pseudo-random payload bytes (n <= MAX_FRAME). */
static inline void fill(struct gen *g, uint8_t *p, size_t n)
{
	memcpy(p, g->pattern + below(&g->rng, NPATTERN - MAX_FRAME), n);
}

struct tcpseg {
	struct ip4 ip;
	uint32_t seq, ack;
	uint16_t sport, dport, win;
	uint8_t flags, fp;
};

/* Writes a TCP header with the fingerprint's options; returns its length. */
static size_t tcp_hdr(struct gen *g, uint8_t *th, const struct tcpseg *t)
{
	const struct fprint *fp = &fps[t->fp];
	size_t hl = 20 + fp->optlen;

	put16(th, t->sport);
	put16(th + 2, t->dport);
	put32(th + 4, t->seq);
	put32(th + 8, t->ack);
	th[12] = (uint8_t)(hl << 2);
	th[13] = t->flags;
	put16(th + 14, t->win);
	put32(th + 16, 0);
	memcpy(th + 20, fp->opt, fp->optlen);
	if (fp->tsoff >= 0) /* a 1 kHz clock with a per-host offset */
		put32(th + 20 + fp->tsoff,
		      (uint32_t)(g->now_us / 1000) + t->ip.src * 2654435761u);
	return hl;
}

static size_t tcp4_frame(struct gen *g, uint8_t *f, struct tcpseg *t)
{
	uint8_t *ip = eth_hdr(f, ETH_IP4), *th = ip + 20;
	size_t hl = tcp_hdr(g, th, t);

	put16(th + 16, l4_csum4(t->ip.src, t->ip.dst, 6, th, hl));
	t->ip.proto = 6;
	t->ip.frag = fps[t->fp].df ? IP_DF : 0;
	ip4_hdr(ip, 20 + hl, &t->ip);
	return 14 + 20 + hl;
}

/* UDP with the probe's payload (random bytes for the random-port probe). */
static size_t udp4_frame(struct gen *g, uint8_t *f, struct ip4 *h,
                         uint16_t sport, uint16_t dport, const struct probe *pr)
{
	uint8_t *ip = eth_hdr(f, ETH_IP4), *uh = ip + 20;
	size_t plen;

	if (pr->data) {
		plen = pr->len;
		memcpy(uh + 8, pr->data, plen);
		if (pr->idoff >= 0)
			put16(uh + 8 + pr->idoff, rnd16(g));
	} else {
		plen = below(&g->rng, 48);
		fill(g, uh + 8, plen);
	}
	put16(uh, sport);
	put16(uh + 2, dport);
	put16(uh + 4, (uint16_t)(8 + plen));
	put16(uh + 6, 0);
	put16(uh + 6, l4_csum4(h->src, h->dst, 17, uh, 8 + plen));
	h->proto = 17;
	h->frag = 0;
	ip4_hdr(ip, 28 + plen, h);
	return 14 + 28 + plen;
}

/* ICMP with a 4-byte rest-of-header and plen bytes of payload at offset 8,
 * which the caller has written. */
static size_t icmp4_frame(uint8_t *f, struct ip4 *h, uint8_t type, uint8_t code,
                          uint32_t rest, size_t plen)
{
	uint8_t *ip = eth_hdr(f, ETH_IP4), *ih = ip + 20;

	ih[0] = type;
	ih[1] = code;
	put16(ih + 2, 0);
	put32(ih + 4, rest);
	put16(ih + 2, l4_csum4(0, 0, 1, ih, 8 + plen));
	h->proto = 1;
	h->frag = 0;
	ip4_hdr(ip, 28 + plen, h);
	return 14 + 28 + plen;
}

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
	return tcp4_frame(g, f, &t);
}

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

/* masscan-like: fixed source port per scan, IP ID 54321, window 1024. */
static size_t b_masscan(struct gen *g, uint8_t *f)
{
	struct scanner *sc = &g->masscan[below(&g->rng, NMASSCAN)];
	struct tcpseg t;

	scanner_syn(g, sc, &t);
	t.sport = sc->sport;
	t.dport = sc->ports[below(&g->rng, sc->nports)];
	t.win = 1024;
	t.fp = FP_RAW;
	return tcp4_frame(g, f, &t);
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
	return tcp4_frame(g, f, &t);
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
	return tcp4_frame(g, f, &t);
}

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
	return tcp4_frame(g, f, &t);
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
	return tcp4_frame(g, f, &t);
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

static size_t b_udp(struct gen *g, uint8_t *f)
{
	struct source *s = zipf_source(g);
	const struct probe *pr = &udp_probes[s->uport];
	uint16_t dport = pr->port ? pr->port : (uint16_t)(s->dport[1] | 1024);
	uint16_t sport;
	struct ip4 h;

	if (!chance(&g->rng, 950)) { /* another probe; random port if none */
		pr = &udp_probes[g->udp_probe_of[rng32(&g->rng) & 1023]];
		dport =
		    pr->port ? pr->port : (uint16_t)range(&g->rng, 1024, 65535);
	}
	sport = s->sport ? s->sport : ephemeral(g, s->fp);
	source_ip(g, s, &h, 50);
	return udp4_frame(g, f, &h, sport, dport, pr);
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
	uint8_t *ip = eth_hdr(f, ETH_IP4), *gh = ip + 20, *in = gh + 4;
	struct ip4 h, ih = {.ttl = 64, .proto = 17};

	put32(gh, ETH_IP4);
	ih.src = 0x0a000000 | (rng32(&g->rng) & 0xffffff);
	ih.dst = 0xc0a80000 | (rng32(&g->rng) & 0xffff);
	ih.id = rnd16(g);
	ip4_hdr(in, 28, &ih);
	put16(in + 20, (uint16_t)range(&g->rng, 1024, 65535));
	put16(in + 22, 53);
	put32(in + 24, 8u << 16);
	source_ip(g, s, &h, 50);
	h.proto = 47;
	h.frag = 0;
	ip4_hdr(ip, 52, &h);
	return 14 + 52;
}

static size_t b_esp(struct gen *g, uint8_t *f)
{
	struct source *s = zipf_source(g);
	uint8_t *ip = eth_hdr(f, ETH_IP4), *eh = ip + 20;
	size_t plen = 8 * range(&g->rng, 2, 12);
	struct ip4 h;

	put32(eh, (s->addr * 2654435761u) | 0x100);
	put32(eh + 4, range(&g->rng, 1, 1000));
	fill(g, eh + 8, plen);
	source_ip(g, s, &h, 50);
	h.proto = 50;
	h.frag = 0;
	ip4_hdr(ip, 28 + plen, &h);
	return 14 + 28 + plen;
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
	uint8_t *ip = eth_hdr(f, ETH_IP6), *th = ip + 40;
	uint64_t h = s->addr, hi, lo;
	struct tcpseg t;
	uint32_t sum = 6;
	size_t hl;

	hi = splitmix64(&h);
	lo = splitmix64(&h);
	source_syn(g, s, &t);
	hl = tcp_hdr(g, th, &t);
	put32(ip, 0x60000000 | (rng32(&g->rng) & 0xfffff));
	put16(ip + 4, (uint16_t)hl);
	ip[6] = 6;
	ip[7] = t.ip.ttl;
	put32(ip + 8, 0x2a000000 | (uint32_t)(hi >> 40));
	put32(ip + 12, (uint32_t)hi);
	put32(ip + 16, (uint32_t)(lo >> 32));
	put32(ip + 20, (uint32_t)lo);
	put32(ip + 24, 0x20010db8);
	put32(ip + 28, 0x00440000 | below(&g->rng, 16));
	put32(ip + 32, rng32(&g->rng) & 0xffff);
	put32(ip + 36, rng32(&g->rng));
	sum += (uint32_t)hl;
	sum = csum_add(sum, ip + 8, 32);
	put16(th + 16, csum_fold(csum_add(sum, th, hl)));
	return 14 + 40 + hl;
}

/* ARP who-has for telescope addresses, now and then an LLDP frame. */
static size_t b_nonip(struct gen *g, uint8_t *f)
{
	static const uint8_t arp[8] = {0, 1, 8, 0, 6, 4, 0, 1};
	static const uint8_t lldp_mac[6] = {0x01, 0x80, 0xc2, 0, 0, 0x0e};
	/* chassis id (MAC), port id "ge0", TTL 120, end */
	static const uint8_t lldp[] = {
	    0x02, 0x07, 0x04, 0x00, 0x0c, 0x29, 0x7e, 0x11, 0x01, 0x04, 0x04,
	    0x05, 'g',  'e',  '0',  0x06, 0x02, 0x00, 0x78, 0x00, 0x00};
	uint8_t *p;

	if (chance(&g->rng, 150)) {
		p = eth_hdr(f, ETH_LLDP);
		memcpy(f, lldp_mac, 6);
		memcpy(p, lldp, sizeof(lldp));
		return 14 + sizeof(lldp);
	}
	p = eth_hdr(f, ETH_ARP);
	memset(f, 0xff, 6);
	memcpy(p, arp, 8);
	memcpy(p + 8, f + 6, 6);
	put32(p + 14, g->net | (1 & g->hostmask));
	memset(p + 18, 0, 6);
	put32(p + 24, random_dst(g));
	return 14 + 28;
}

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
	return tcp4_frame(g, f, &t);
}

static size_t b_rudp(struct gen *g, uint8_t *f)
{
	uint16_t sport, dport;
	struct ip4 h;

	random_ip(g, &h);
	sport = (uint16_t)range(&g->rng, 1024, 65535);
	dport = (uint16_t)range(&g->rng, 1, 65535);
	return udp4_frame(g, f, &h, sport, dport, &udp_probes[NUDP - 1]);
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
	return tcp4_frame(g, f, &t);
}

static size_t b_pudp(struct gen *g, uint8_t *f)
{
	struct source *s = zipf_source(g);
	const struct probe *pr = &udp_probes[s->uport];
	uint16_t dport = pr->port ? pr->port : (uint16_t)(s->dport[0] | 1024);
	uint16_t sport;
	struct ip4 h;

	source_ip(g, s, &h, 200);
	sport = (uint16_t)range(&g->rng, 1024, 65535);
	return udp4_frame(g, f, &h, sport, dport, pr);
}

static const build_fn builders[K_COUNT] = {
    [K_SYN] = b_syn,         [K_MASSCAN] = b_masscan, [K_MIRAI] = b_mirai,
    [K_ZMAP] = b_zmap,       [K_SYNACK] = b_synack,   [K_RST] = b_rst,
    [K_UNREACH] = b_unreach, [K_UDP] = b_udp,         [K_ECHO] = b_echo,
    [K_GRE] = b_gre,         [K_ESP] = b_esp,         [K_FRAG] = b_frag,
    [K_IPV6] = b_ipv6,       [K_NONIP] = b_nonip,     [K_RSYN] = b_rsyn,
    [K_RUDP] = b_rudp,       [K_RICMP] = b_ricmp,     [K_PSYN] = b_psyn,
    [K_PUDP] = b_pudp,
};

/* ---- output ------------------------------------------------------------ */

struct out {
	const char *name;
	int fd;
	gzFile gz;
	uint8_t *buf;
	size_t len;
	uint64_t bytes;
};

static int out_open(struct out *o, const char *name, int gzip)
{
	o->name = strcmp(name, "-") ? name : "stdout";
	o->len = 0;
	o->bytes = 0;
	o->gz = NULL;
	o->fd = -1;
	o->buf = malloc(BUF_SIZE);
	if (!o->buf) {
		fprintf(stderr, PROG ": out of memory\n");
		return -1;
	}
	if (!strcmp(name, "-")) {
		o->fd = STDOUT_FILENO;
	} else {
		o->fd =
		    open(name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (o->fd < 0) {
			fprintf(stderr, PROG ": %s: %s\n", name,
			        strerror(errno));
			return -1;
		}
	}
	if (!gzip)
		return 0;
	o->gz = gzdopen(o->fd, "wb1");
	if (!o->gz || gzbuffer(o->gz, 1u << 20)) {
		fprintf(stderr, PROG ": %s: cannot start gzip\n", o->name);
		return -1;
	}
	return 0;
}

static int out_flush(struct out *o)
{
	const uint8_t *p = o->buf;
	size_t n = o->len;

	o->bytes += n;
	o->len = 0;
	if (o->gz) {
		int err;

		if (n && gzwrite(o->gz, p, (unsigned)n) != (int)n) {
			fprintf(stderr, PROG ": %s: %s\n", o->name,
			        gzerror(o->gz, &err));
			return -1;
		}
		return 0;
	}
	while (n) {
		ssize_t w = write(o->fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			fprintf(stderr, PROG ": %s: %s\n", o->name,
			        strerror(errno));
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int out_close(struct out *o)
{
	int rc = 0;

	if (o->gz) {
		int err = gzclose(o->gz);

		if (err != Z_OK) {
			fprintf(stderr, PROG ": %s: gzip close failed (%d)\n",
			        o->name, err);
			rc = -1;
		}
	} else if (o->fd > STDERR_FILENO && close(o->fd)) {
		fprintf(stderr, PROG ": %s: %s\n", o->name, strerror(errno));
		rc = -1;
	}
	free(o->buf);
	return rc;
}

/* ---- options ----------------------------------------------------------- */

struct opts {
	const char *output;
	uint64_t packets, start, duration, seed, sources;
	const struct mix *mix;
	uint32_t net, hostmask;
	int gzip, quiet;
};

static void usage(FILE *f)
{
	static const char *const lines[] = {
	    "Usage: " PROG " -o FILE [OPTION]...",
	    "Write a synthetic darknet capture: classic pcap, Ethernet,",
	    "microsecond timestamps, gzip-compressed (zlib level 1) when FILE",
	    "ends in .gz or with --gzip. The same options and seed always give",
	    "the same bytes.",
	    "",
	    "  -o, --output FILE       output file, \"-\" for stdout "
	    "(required)",
	    "  -n, --packets N         number of packets (default 1000000)",
	    "  -s, --start TIME        first timestamp, Unix seconds",
	    "                          (default 1700000000)",
	    "  -d, --duration SECONDS  time span of the packets (default 900):",
	    "                          timestamps are non-decreasing, in",
	    "                          [start, start+SECONDS)",
	    "  -S, --seed N            random seed (default 1)",
	    "  -m, --mix NAME          traffic mix, default or worst",
	    "                          (default default)",
	    "      --telescope CIDR    the darknet's IPv4 destination prefix",
	    "                          (default 44.0.0.0/8)",
	    "      --sources N         size of the source population",
	    "                          (default 20000)",
	    "  -z, --gzip              gzip the output (default: off, on for",
	    "                          names ending in .gz)",
	    "  -q, --quiet             no summary line on stderr",
	    "  -h, --help              print this help and exit",
	    "",
	    "Mixes:",
	    "  default  what a telescope sees: 60% TCP SYN scans (45% from a",
	    "           Zipf-skewed source population on popular and random",
	    "           ports, 5% masscan-like, 6% Mirai-like, 4% ZMap-like",
	    "           sweeps), 15% backscatter (SYN-ACK, RST, ICMP",
	    "           unreachable), 15% UDP probes (DNS, NTP, SNMP, SSDP,",
	    "           memcached, SIP, NetBIOS, mDNS, random ports), 4.5% "
	    "ICMP",
	    "           echo, 1.5% GRE, 1.5% ESP, 1% TCP SYN over IPv6 (to",
	    "           2001:db8:44::/48), 1% ARP and LLDP, 0.5% IPv4 "
	    "fragments.",
	    "  worst    aggregator stress, IPv4 only: 63% from random sources",
	    "           to random ports and /16s (TCP SYN, UDP, ICMP), nearly",
	    "           each opening a new flowtuple; 37% from the Zipf",
	    "           population on fixed ports, with random destinations "
	    "and",
	    "           source ports.",
	};

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		fprintf(f, "%s\n", lines[i]);
}

static int bad_value(const char *opt, const char *val, const char *why)
{
	fprintf(stderr, PROG ": invalid %s '%s': %s\n", opt, val, why);
	return -1;
}

static int parse_u64(const char *opt, const char *s, uint64_t min, uint64_t max,
                     uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (*s < '0' || *s > '9')
		return bad_value(opt, s, "not a decimal number");
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end)
		return bad_value(opt, s, "not a decimal number");
	if (errno || v < min || v > max) {
		fprintf(stderr,
		        PROG ": invalid %s '%s': must be %" PRIu64 "..%" PRIu64
		             "\n",
		        opt, s, min, max);
		return -1;
	}
	*out = v;
	return 0;
}

static int parse_cidr(const char *s, uint32_t *net, uint32_t *hostmask)
{
	char addr[INET_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	struct in_addr in;
	uint64_t len;
	uint32_t a;

	if (!slash || (size_t)(slash - s) >= sizeof(addr))
		return bad_value("--telescope", s, "expected A.B.C.D/LEN");
	memcpy(addr, s, (size_t)(slash - s));
	addr[slash - s] = 0;
	if (inet_pton(AF_INET, addr, &in) != 1)
		return bad_value("--telescope", s, "bad IPv4 address");
	if (parse_u64("--telescope prefix length", slash + 1, 1, 32, &len))
		return -1;
	a = ntohl(in.s_addr);
	*hostmask = (uint32_t)((1ull << (32 - len)) - 1);
	if (a & *hostmask)
		return bad_value("--telescope", s, "host bits set");
	*net = a;
	return 0;
}

enum { OPT_TELESCOPE = 256, OPT_SOURCES };

static const struct option long_opts[] = {
    {"output", required_argument, NULL, 'o'},
    {"packets", required_argument, NULL, 'n'},
    {"start", required_argument, NULL, 's'},
    {"duration", required_argument, NULL, 'd'},
    {"seed", required_argument, NULL, 'S'},
    {"mix", required_argument, NULL, 'm'},
    {"telescope", required_argument, NULL, OPT_TELESCOPE},
    {"sources", required_argument, NULL, OPT_SOURCES},
    {"gzip", no_argument, NULL, 'z'},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* Returns 0, 1 for --help, -1 for a usage error (message printed). */
static int parse_args(int argc, char **argv, struct opts *o)
{
	int c;
	size_t n;

	*o = (struct opts){
	    .packets = 1000000,
	    .start = 1700000000,
	    .duration = 900,
	    .seed = 1,
	    .sources = 20000,
	    .mix = &mixes[0],
	    .net = 0x2c000000,
	    .hostmask = 0x00ffffff,
	};
	while ((c = getopt_long(argc, argv, "o:n:s:d:S:m:zqh", long_opts,
	                        NULL)) != -1) {
		switch (c) {
		case 'o':
			if (!*optarg)
				return bad_value("--output", optarg, "empty");
			o->output = optarg;
			break;
		case 'n':
			if (parse_u64("--packets", optarg, 0, 1ull << 40,
			              &o->packets))
				return -1;
			break;
		case 's':
			if (parse_u64("--start", optarg, 0, UINT32_MAX,
			              &o->start))
				return -1;
			break;
		case 'd':
			if (parse_u64("--duration", optarg, 1, 1000000000,
			              &o->duration))
				return -1;
			break;
		case 'S':
			if (parse_u64("--seed", optarg, 0, UINT64_MAX,
			              &o->seed))
				return -1;
			break;
		case 'm':
			for (o->mix = NULL, n = 0; n < NMIX; n++)
				if (!strcmp(optarg, mixes[n].name))
					o->mix = &mixes[n];
			if (!o->mix)
				return bad_value("--mix", optarg,
				                 "expected default or worst");
			break;
		case OPT_TELESCOPE:
			if (parse_cidr(optarg, &o->net, &o->hostmask))
				return -1;
			break;
		case OPT_SOURCES:
			if (parse_u64("--sources", optarg, 1, 1u << 24,
			              &o->sources))
				return -1;
			break;
		case 'z':
			o->gzip = 1;
			break;
		case 'q':
			o->quiet = 1;
			break;
		case 'h':
			return 1;
		default: /* getopt has said what is wrong */
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, PROG ": unexpected argument '%s'\n",
		        argv[optind]);
		return -1;
	}
	if (!o->output) {
		fprintf(stderr, PROG ": --output is required\n");
		return -1;
	}
	if (o->start + o->duration > (uint64_t)UINT32_MAX + 1) {
		fprintf(stderr, PROG ": --start + --duration must stay below "
		                     "2^32 (pcap seconds are 32-bit)\n");
		return -1;
	}
	n = strlen(o->output);
	if (n > 3 && !strcmp(o->output + n - 3, ".gz"))
		o->gzip = 1;
	return 0;
}

/* ---- main loop --------------------------------------------------------- */

static void pcap_header(struct out *o)
{
	uint8_t *h = o->buf + o->len;

	put32le(h, 0xa1b2c3d4); /* microsecond timestamps */
	h[4] = 2;               /* version 2.4, little-endian */
	h[5] = 0;
	h[6] = 4;
	h[7] = 0;
	put32le(h + 8, 0);  /* thiszone */
	put32le(h + 12, 0); /* sigfigs */
	put32le(h + 16, 65535);
	put32le(h + 20, 1); /* LINKTYPE_ETHERNET */
	o->len += 24;
}

/* Timestamps: packet i is at start + (i + u) * duration / n, u in [0,1),
 * kept non-decreasing and below start + duration. */
static int generate(struct gen *g, const struct opts *op, struct out *o)
{
	uint64_t span = op->duration * 1000000, last = 0;
	double step = (double)span / (double)(op->packets ? op->packets : 1);

	pcap_header(o);
	for (uint64_t i = 0; i < op->packets; i++) {
		double u = (double)(rng64(&g->rng) >> 11) * 0x1p-53;
		uint64_t t = (uint64_t)(((double)i + u) * step);
		uint8_t *rec, cls;
		size_t len;

		if (unlikely(BUF_SIZE - o->len < REC_HDR + MAX_FRAME) &&
		    out_flush(o))
			return -1;
		if (t < last)
			t = last;
		if (t >= span)
			t = span - 1;
		last = t;
		t += op->start * 1000000;
		g->now_us = t;

		cls = g->cls_of[below(&g->rng, SHARE_ALL)];
		rec = o->buf + o->len;
		len = builders[cls](g, rec + REC_HDR);
		if (len < MIN_FRAME) {
			memset(rec + REC_HDR + len, 0, MIN_FRAME - len);
			len = MIN_FRAME;
		}
		put32le(rec, (uint32_t)(t / 1000000));
		put32le(rec + 4, (uint32_t)(t % 1000000));
		put32le(rec + 8, (uint32_t)len);
		put32le(rec + 12, (uint32_t)len);
		o->len += REC_HDR + len;
		g->count[cls]++;
	}
	return out_flush(o);
}

static void summary(const struct gen *g, const struct opts *op,
                    const struct out *o, double secs)
{
	char line[1024];
	int n;

	n = snprintf(line, sizeof(line),
	             PROG ": %" PRIu64 " packets, %" PRIu64
	                  " bytes (before compression) to %s in %.3f s "
	                  "(%.2f Mpps), mix %s:",
	             op->packets, o->bytes, o->name, secs,
	             secs > 0 ? (double)op->packets / secs / 1e6 : 0.0,
	             op->mix->name);
	for (const struct share *s = op->mix->parts; s->bp; s++)
		if (n > 0 && (size_t)n < sizeof(line))
			n += snprintf(line + n, sizeof(line) - (size_t)n,
			              " %s=%" PRIu64, class_name[s->cls],
			              g->count[s->cls]);
	fprintf(stderr, "%s\n", line);
}

int main(int argc, char **argv)
{
	struct opts op;
	struct gen *g;
	struct out o;
	struct timespec t0, t1;
	int rc;

	rc = parse_args(argc, argv, &op);
	if (rc > 0) {
		usage(stdout);
		return 0;
	}
	if (rc < 0) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(op.output, "-") && isatty(STDOUT_FILENO)) {
		fprintf(stderr, PROG ": not writing a capture to a terminal\n");
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	g = malloc(sizeof(*g));
	if (!g || gen_init(g, op.mix, op.seed, op.net, op.hostmask,
	                   (uint32_t)op.sources)) {
		fprintf(stderr, PROG ": out of memory\n");
		if (g)
			gen_free(g);
		free(g);
		return 1;
	}
	rc = out_open(&o, op.output, op.gzip);
	if (!rc)
		rc = generate(g, &op, &o);
	if (out_close(&o))
		rc = -1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (!rc && !op.quiet)
		summary(g, &op, &o,
		        (double)(t1.tv_sec - t0.tv_sec) +
		            (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	gen_free(g);
	free(g);
	return rc ? 1 : 0;
}
