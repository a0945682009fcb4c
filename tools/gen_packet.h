/* gen_packet.h: umbra-gen's frame layouts: Ethernet, IPv4, TCP (with the
 * option bytes of common stacks), UDP, ICMP, GRE, ESP, IPv6, ARP and LLDP,
 * and the Internet checksum.
 *
 * Nothing here draws a random number: the traffic classes (gen_class.c)
 * choose every field and hand it in, so these functions only lay bytes
 * out.  Each *_frame() writes one Ethernet frame at f (room for MAX_FRAME
 * bytes) and returns its length before padding to MIN_FRAME; a payload the
 * caller writes itself goes at f + 14 + 28.  The small writers are inline:
 * they run for every packet.
 */
#ifndef UMBRA_GEN_PACKET_H
#define UMBRA_GEN_PACKET_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define MAX_FRAME 1514 /* largest frame built (1500-byte IP) */
#define MIN_FRAME 60   /* Ethernet minimum without FCS */

#define ETH_IP4  0x0800
#define ETH_ARP  0x0806
#define ETH_IP6  0x86dd
#define ETH_LLDP 0x88cc

#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_ACK 0x10

#define IP_DF 0x4000
#define IP_MF 0x2000

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

/* ---- Ethernet and IPv4 ------------------------------------------------- */

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

/* ---- TCP --------------------------------------------------------------- */

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

extern const struct fprint fps[FP_COUNT];

struct tcpseg {
	struct ip4 ip;
	uint32_t seq, ack;
	uint16_t sport, dport, win;
	uint8_t flags, fp;
};

/* A TCP segment without payload over IPv4, with the options of fingerprint
 * t->fp and a TSval from a 1 kHz clock at now_us; sets t->ip.proto and
 * t->ip.frag (DF as the fingerprint says). */
size_t tcp4_frame(uint8_t *f, struct tcpseg *t, uint64_t now_us);

/* An IPv6 header; the addresses as 32-bit words, most significant first. */
struct ip6 {
	uint32_t flow; /* flow label, 20 bits */
	uint32_t src[4], dst[4];
	uint8_t hlim;
};

/* The same segment over IPv6 (of t->ip only src is read: the TSval's
 * per-host offset). */
size_t tcp6_frame(uint8_t *f, const struct ip6 *h, const struct tcpseg *t,
                  uint64_t now_us);

/* ---- UDP, ICMP, GRE, ESP ----------------------------------------------- */

/* UDP with plen bytes of payload, which the caller has written. */
size_t udp4_frame(uint8_t *f, struct ip4 *h, uint16_t sport, uint16_t dport,
                  size_t plen);

/* ICMP with a 4-byte rest-of-header and plen bytes of payload at offset 8,
 * which the caller has written. */
size_t icmp4_frame(uint8_t *f, struct ip4 *h, uint8_t type, uint8_t code,
                   uint32_t rest, size_t plen);

/* GRE carrying a small inner IPv4/UDP packet (sport -> dport, no payload,
 * no UDP checksum). */
size_t gre4_frame(uint8_t *f, struct ip4 *h, const struct ip4 *inner,
                  uint16_t sport, uint16_t dport);

/* ESP: SPI and sequence number, then plen bytes of "ciphertext", which the
 * caller has written. */
size_t esp4_frame(uint8_t *f, struct ip4 *h, uint32_t spi, uint32_t seq,
                  size_t plen);

/* ---- not IP ------------------------------------------------------------ */

/* ARP who-has tpa, tell spa; broadcast. */
size_t arp_request(uint8_t *f, uint32_t spa, uint32_t tpa);

/* LLDP from the upstream router: chassis id, port id "ge0", TTL 120. */
size_t lldp_frame(uint8_t *f);

#endif
