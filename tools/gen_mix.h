/* gen_mix.h: umbra-gen's traffic model: the traffic classes, the mixes that
 * share the packets between them, and the generator's state: the source
 * population, the sweeping scanners, the victims of spoofed floods, and
 * the lookup tables of ports, probes and classes.
 *
 * gen_init() builds all of it from the seed before the first packet; the
 * per-packet side, one frame builder per class, is gen_class.c.  The
 * address and port draws both sides use are inline here.  Single-threaded.
 */
#ifndef UMBRA_GEN_MIX_H
#define UMBRA_GEN_MIX_H

#include <stdint.h>

#include "gen_rng.h"

#define SHARE_ALL 10000 /* class shares are in basis points */
#define NPATTERN  4096  /* pseudo-random payload bytes */

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

/* UDP probes: a port and a payload; port 0 is random with random bytes. */
struct probe {
	uint16_t port;
	uint16_t weight;
	int16_t idoff; /* two bytes randomised per packet, -1: none */
	const uint8_t *data;
	uint16_t len;
};

#define NUDP         13         /* rows of udp_probes[] (gen_mix.c checks it) */
#define PROBE_RANDOM (NUDP - 1) /* the random-port one */

extern const struct probe udp_probes[];

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

/* The names of the classes, in the summary line. */
extern const char *const class_name[K_COUNT];

struct share {
	enum cls cls;
	uint16_t bp;
};

struct mix {
	const char *name;
	struct share parts[16]; /* ends at bp == 0; shares sum to 10000 */
};

/* The mix called name ("default" or "worst"), or NULL. */
const struct mix *mix_find(const char *name);

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

/* Set up *g for mix mx, the telescope net/hostmask and nsrc sources, all
 * drawn from seed.  Returns 0 or -ENOMEM; call gen_free() either way. */
int gen_init(struct gen *g, const struct mix *mx, uint64_t seed, uint32_t net,
             uint32_t hostmask, uint32_t nsrc);
void gen_free(struct gen *g);

/* ---- addresses and ports ----------------------------------------------- */

/* Not a source: unrouted, private, multicast, or in the telescope. */
static inline int reserved(const struct gen *g, uint32_t a)
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

/* A destination port weighted by popularity (gen_mix.c), or a random one. */
static inline uint16_t tcp_port(struct gen *g)
{
	uint16_t p = g->tcp_port_of[rng32(&g->rng) & 1023];

	return p ? p : (uint16_t)range(&g->rng, 1, 65535);
}

#endif
