/* gen_packet.c: umbra-gen's frame builders (see gen_packet.h) and the TCP
 * fingerprints they write.
 */
#include "gen_packet.h"

/* Option bytes: 2 MSS, 1 NOP, 3 window scale, 4 SACK permitted, 8 TS, 0 EOL. */
const struct fprint fps[FP_COUNT] = {
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

/* Writes a TCP header with the fingerprint's options; returns its length. */
static size_t tcp_hdr(uint8_t *th, const struct tcpseg *t, uint64_t now_us)
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
		      (uint32_t)(now_us / 1000) + t->ip.src * 2654435761u);
	return hl;
}

size_t tcp4_frame(uint8_t *f, struct tcpseg *t, uint64_t now_us)
{
	uint8_t *ip = eth_hdr(f, ETH_IP4), *th = ip + 20;
	size_t hl = tcp_hdr(th, t, now_us);

	put16(th + 16, l4_csum4(t->ip.src, t->ip.dst, 6, th, hl));
	t->ip.proto = 6;
	t->ip.frag = fps[t->fp].df ? IP_DF : 0;
	ip4_hdr(ip, 20 + hl, &t->ip);
	return 14 + 20 + hl;
}

size_t tcp6_frame(uint8_t *f, const struct ip6 *h, const struct tcpseg *t,
                  uint64_t now_us)
{
	uint8_t *ip = eth_hdr(f, ETH_IP6), *th = ip + 40;
	size_t hl = tcp_hdr(th, t, now_us);
	uint32_t sum = 6;

	put32(ip, 0x60000000 | h->flow);
	put16(ip + 4, (uint16_t)hl);
	ip[6] = 6;
	ip[7] = h->hlim;
	for (int i = 0; i < 4; i++) {
		put32(ip + 8 + 4 * i, h->src[i]);
		put32(ip + 24 + 4 * i, h->dst[i]);
	}
	sum += (uint32_t)hl;
	sum = csum_add(sum, ip + 8, 32);
	put16(th + 16, csum_fold(csum_add(sum, th, hl)));
	return 14 + 40 + hl;
}

size_t udp4_frame(uint8_t *f, struct ip4 *h, uint16_t sport, uint16_t dport,
                  size_t plen)
{
	uint8_t *ip = eth_hdr(f, ETH_IP4), *uh = ip + 20;

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

size_t icmp4_frame(uint8_t *f, struct ip4 *h, uint8_t type, uint8_t code,
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

size_t gre4_frame(uint8_t *f, struct ip4 *h, const struct ip4 *inner,
                  uint16_t sport, uint16_t dport)
{
	uint8_t *ip = eth_hdr(f, ETH_IP4), *gh = ip + 20, *in = gh + 4;

	put32(gh, ETH_IP4);
	ip4_hdr(in, 28, inner);
	put16(in + 20, sport);
	put16(in + 22, dport);
	put32(in + 24, 8u << 16);
	h->proto = 47;
	h->frag = 0;
	ip4_hdr(ip, 52, h);
	return 14 + 52;
}

size_t esp4_frame(uint8_t *f, struct ip4 *h, uint32_t spi, uint32_t seq,
                  size_t plen)
{
	uint8_t *ip = eth_hdr(f, ETH_IP4), *eh = ip + 20;

	put32(eh, spi);
	put32(eh + 4, seq);
	h->proto = 50;
	h->frag = 0;
	ip4_hdr(ip, 28 + plen, h);
	return 14 + 28 + plen;
}

size_t arp_request(uint8_t *f, uint32_t spa, uint32_t tpa)
{
	/* Ethernet, IPv4, 6-byte MAC, 4-byte address, request */
	static const uint8_t arp[8] = {0, 1, 8, 0, 6, 4, 0, 1};
	uint8_t *p = eth_hdr(f, ETH_ARP);

	memset(f, 0xff, 6);
	memcpy(p, arp, 8);
	memcpy(p + 8, f + 6, 6);
	put32(p + 14, spa);
	memset(p + 18, 0, 6);
	put32(p + 24, tpa);
	return 14 + 28;
}

size_t lldp_frame(uint8_t *f)
{
	static const uint8_t lldp_mac[6] = {0x01, 0x80, 0xc2, 0, 0, 0x0e};
	/* chassis id (MAC), port id "ge0", TTL 120, end */
	static const uint8_t lldp[] = {
	    0x02, 0x07, 0x04, 0x00, 0x0c, 0x29, 0x7e, 0x11, 0x01, 0x04, 0x04,
	    0x05, 'g',  'e',  '0',  0x06, 0x02, 0x00, 0x78, 0x00, 0x00};
	uint8_t *p = eth_hdr(f, ETH_LLDP);

	memcpy(f, lldp_mac, 6);
	memcpy(p, lldp, sizeof(lldp));
	return 14 + sizeof(lldp);
}
