/* gen_mix.c: umbra-gen's traffic model, set up before the first packet:
 * the popular ports and UDP probes, the mixes, and gen_init(), which draws
 * the source population, the scanners and the victims from the seed and
 * builds the lookup tables the per-packet draws use (see gen_mix.h).
 */
#include "gen_mix.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "gen_packet.h"

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

#define BYTES(...)                                                             \
	(const uint8_t[])                                                      \
	{                                                                      \
		__VA_ARGS__                                                    \
	}
#define B(...) BYTES(__VA_ARGS__), sizeof(BYTES(__VA_ARGS__))
#define STR(s) (const uint8_t *)(s), sizeof(s) - 1

static const uint8_t ntp_client[48] = {0x23};

const struct probe udp_probes[] = {
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
    /* random port, random bytes: last, as PROBE_RANDOM says */
    {0, 330, -1, NULL, 0},
};

_Static_assert(sizeof(udp_probes) / sizeof(udp_probes[0]) == NUDP,
               "NUDP (gen_mix.h) must count the rows of udp_probes[]");

const char *const class_name[K_COUNT] = {
    "syn",      "masscan",   "mirai",   "zmap",    "synack",
    "rst",      "unreach",   "udp",     "echo",    "gre",
    "esp",      "frag",      "ipv6",    "nonip",   "rand-syn",
    "rand-udp", "rand-icmp", "pop-syn", "pop-udp",
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

const struct mix *mix_find(const char *name)
{
	for (size_t i = 0; i < sizeof(mixes) / sizeof(mixes[0]); i++)
		if (!strcmp(name, mixes[i].name))
			return &mixes[i];
	return NULL;
}

static uint8_t initial_ttl(struct gen *g, uint8_t ittl)
{
	static const uint8_t ttls[] = {64, 64, 128, 255};

	if (!ittl)
		ittl = ttls[below(&g->rng, 4)];
	return (uint8_t)(ittl - range(&g->rng, 5, 28));
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

int gen_init(struct gen *g, const struct mix *mx, uint64_t seed, uint32_t net,
             uint32_t hostmask, uint32_t nsrc)
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

void gen_free(struct gen *g)
{
	free(g->src);
	free(g->bots);
	alias_free(&g->zipf);
	alias_free(&g->vzipf);
}
