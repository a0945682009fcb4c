/* decode.c: the per-packet decoder, FLOWTUPLE4.md sections 1 and 2.
 *
 * One frame in, one class out, and for IPv4 the 24-byte summary an
 * aggregator needs.  This is the hottest code in the daemon: it runs once per
 * packet on the capture thread.  So it allocates nothing, takes no lock,
 * calls no library, logs nothing, keeps the common case (untagged Ethernet,
 * IPv4, TCP/UDP/ICMP) on one inlined path and hints the rare cases cold:
 * about 5 ns a packet.  Then it tags each valid IPv4 packet with its
 * classes (classify.h: table loads and compares, about as much again), in
 * tail calls that read the few header fields they need once more, so that
 * the decoder proper keeps nothing live across them.  Every read is
 * checked against caplen first: the invariant throughout is off <= caplen,
 * and a field at off of n bytes is read only after caplen - off >= n.
 *
 * Decisions the spec leaves to us, made here once:
 *  - The link layer decides IPv6 (ethertype 0x86DD, PPP 0x0057, AF 24/28/30,
 *    the IPv6 link): the IPv6 header itself is not inspected.  Where only a
 *    version nibble can decide (raw IP, after the bottom MPLS label) the
 *    nibble must be 6.
 *  - Linux SLL/SLL2 and Cisco HDLC carry an ethertype; it goes through the
 *    same walk as Ethernet's, so a VLAN tag or MPLS label the kernel left in
 *    place is followed there too.
 *  - After the bottom MPLS label there must be at least one byte to read the
 *    version nibble from; without it, or with a nibble other than 4 or 6,
 *    the frame is non-IP.
 *  - Raw IP with caplen 0 has no version nibble, hence no valid one: it is
 *    malformed, like every other raw-IP frame whose nibble is not 4 or 6.
 */
#include <stdint.h>

#include "classify.h"
#include "decode.h"

#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

#define ETH_HLEN   14
#define SLL_HLEN   16
#define SLL2_HLEN  20
#define VLAN_HLEN  4
#define MPLS_HLEN  4
#define PPPOE_HLEN 6

#define ETHERTYPE_IPV4   0x0800
#define ETHERTYPE_IPV6   0x86DD
#define ETHERTYPE_8021Q  0x8100
#define ETHERTYPE_8021AD 0x88A8
#define ETHERTYPE_QINQ   0x9100
#define ETHERTYPE_MPLS   0x8847
#define ETHERTYPE_MPLSM  0x8848
#define ETHERTYPE_PPPOES 0x8864

#define PPP_IPV4 0x0021
#define PPP_IPV6 0x0057

#define PROTO_ICMP 1
#define PROTO_TCP  6
#define PROTO_UDP  17

#define TCP_SYN 0x02
#define TCP_ACK 0x10

static inline uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

static inline uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static inline uint32_t rd32le(const uint8_t *p)
{
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[1] << 8 | p[0];
}

/* Tagging: the classes of a valid IPv4 packet at ip whose summary is
 * already in *out go into out->classes.  It runs last, as tail calls,
 * so that the decoder keeps nothing live across it, and reads the few
 * header fields the summary does not keep again (from L1).  Each returns
 * UMBRA_PKT_IPV4. */
static __attribute__((noinline)) enum umbra_pkt_class
tag_tcp(const uint8_t *ip, struct ft_pkt *out, uint32_t c)
{
	const uint8_t *l4 = ip + (ip[0] & 0x0f) * 4;

	out->classes =
	    (uint16_t)(c | umbra_classify_tcp(out->dst_ip, rd16(ip + 4),
	                                      out->src_port, out->dst_port,
	                                      rd32(l4 + 4), out->tcp_flags,
	                                      out->tcp_rwin, out->tcp_hlen));
	return UMBRA_PKT_IPV4;
}

static __attribute__((noinline)) enum umbra_pkt_class
tag_udp(const uint8_t *ip, struct ft_pkt *out, uint32_t lim, uint32_t c)
{
	const uint8_t *l4 = ip + (ip[0] & 0x0f) * 4;

	out->classes = (uint16_t)(c | umbra_classify_udp(l4, lim, out->src_port,
	                                                 out->dst_port));
	return UMBRA_PKT_IPV4;
}

/* The common part; spoofed: the spoofed bit, known by the caller. */
static inline __attribute__((always_inline)) enum umbra_pkt_class
tag_rest(const uint8_t *ip, struct ft_pkt *out, uint32_t lim, uint32_t spoofed)
{
	uint32_t c =
	    spoofed | umbra_classify_ip_rest(out->ttl, out->proto, rd16(ip + 4),
	                                     rd16(ip + 6));

	if (likely(out->flags & FT_PKT_L4)) {
		if (out->proto == PROTO_TCP)
			return tag_tcp(ip, out, c);
		if (out->proto == PROTO_UDP)
			return tag_udp(ip, out, lim, c);
		c |= umbra_classify_icmp(ip[(ip[0] & 0x0f) * 4]);
	}
	out->classes = (uint16_t)c;
	return UMBRA_PKT_IPV4;
}

/* A source in one of the /8s only partly special-use (rare). */
static __attribute__((noinline, cold)) enum umbra_pkt_class
tag_part(const uint8_t *ip, struct ft_pkt *out, uint32_t lim, uint32_t k)
{
	k |= umbra_bogon_part(out->src_ip) << UMBRA_CLASS_SPOOFED;
	return tag_rest(ip, out, lim, k & UMBRA_CLASS_BIT(UMBRA_CLASS_SPOOFED));
}

/* lim: the transport bytes inside the capture and the total length.  The
 * spoofed test is umbra_spoofed()'s, with its rare branch a tail call, so
 * that this function saves no register. */
static __attribute__((noinline)) enum umbra_pkt_class
tag(const uint8_t *ip, struct ft_pkt *out, uint32_t lim)
{
	uint32_t k = umbra_spoofed_quick(out->src_ip, out->dst_ip);

	if (unlikely(k & UMBRA_BOGON_PART))
		return tag_part(ip, out, lim, k);
	return tag_rest(ip, out, lim, k & UMBRA_CLASS_BIT(UMBRA_CLASS_SPOOFED));
}

/* The IPv4 header at ip, with avail captured bytes from it on; *ipp = ip.
 * Inlined into the Ethernet fast path; every other path calls
 * decode_ipv4(). */
static inline __attribute__((always_inline)) enum umbra_pkt_class
decode_ipv4_inline(const uint8_t *ip, uint32_t avail, struct ft_pkt *out,
                   const uint8_t **ipp)
{
	*ipp = ip;
	if (unlikely(avail < 20))
		return UMBRA_PKT_MALFORMED;

	uint32_t vihl = ip[0];
	uint32_t hlen = (vihl & 0x0f) * 4;
	uint32_t tot = rd16(ip + 2);

	if (unlikely(vihl != 0x45) &&
	    ((vihl >> 4) != 4 || hlen < 20 || hlen > avail))
		return UMBRA_PKT_MALFORMED;
	if (unlikely(tot < hlen))
		return UMBRA_PKT_MALFORMED;

	/* Valid: from here on *out is written field by field, which the
	 * store buffer absorbs better than one struct built in registers. */
	uint32_t proto = ip[9];
	*out = (struct ft_pkt){
	    .src_ip = rd32(ip + 12),
	    .dst_ip = rd32(ip + 16),
	    .ip_len = (uint16_t)tot,
	    .ttl = ip[8],
	    .proto = (uint8_t)proto,
	};

	/* Transport fields: offset 0 (MF may be set), and the header wholly
	 * inside both the capture and the IP total length. */
	if (unlikely((rd16(ip + 6) & 0x1fff) != 0))
		return tag(ip, out, 0);

	const uint8_t *l4 = ip + hlen;
	uint32_t lim = (tot < avail ? tot : avail) - hlen;

	switch (proto) {
	case PROTO_TCP: {
		if (unlikely(lim < 20))
			break;
		uint32_t thlen = (uint32_t)(l4[12] >> 4) * 4;
		if (unlikely(thlen < 20 || thlen > lim))
			break;
		uint32_t tf = l4[13];
		out->src_port = rd16(l4);
		out->dst_port = rd16(l4 + 2);
		out->tcp_rwin = rd16(l4 + 14);
		out->tcp_flags = (uint8_t)tf;
		out->tcp_hlen = (uint8_t)thlen;
		out->flags = (tf & (TCP_SYN | TCP_ACK)) == TCP_SYN
		                 ? FT_PKT_L4 | FT_PKT_SYN
		                 : FT_PKT_L4;
		break;
	}
	case PROTO_UDP:
		if (unlikely(lim < 8))
			break;
		out->src_port = rd16(l4);
		out->dst_port = rd16(l4 + 2);
		out->flags = FT_PKT_L4;
		break;
	case PROTO_ICMP:
		if (unlikely(lim < 8))
			break;
		out->dst_port = rd16(l4); /* type * 256 + code */
		out->flags = FT_PKT_L4;
		break;
	default:
		break;
	}
	return tag(ip, out, lim);
}

static __attribute__((noinline)) enum umbra_pkt_class
decode_ipv4(const uint8_t *ip, uint32_t avail, struct ft_pkt *out,
            const uint8_t **ipp)
{
	return decode_ipv4_inline(ip, avail, out, ipp);
}

/* An IP header chosen by its version nibble; bad is the class of a nibble
 * other than 4 or 6 (and of no nibble at all). */
static inline enum umbra_pkt_class
decode_by_version(const uint8_t *p, uint32_t caplen, uint32_t off,
                  enum umbra_pkt_class bad, struct ft_pkt *out,
                  const uint8_t **ipp)
{
	if (unlikely(off >= caplen))
		return bad;
	switch (p[off] >> 4) {
	case 4:
		return decode_ipv4(p + off, caplen - off, out, ipp);
	case 6:
		return UMBRA_PKT_IPV6;
	default:
		return bad;
	}
}

/* A PPP protocol number, already read; the payload starts at off. */
static inline enum umbra_pkt_class
decode_ppp_proto(const uint8_t *p, uint32_t caplen, uint32_t off,
                 uint32_t proto, struct ft_pkt *out, const uint8_t **ipp)
{
	if (proto == PPP_IPV4)
		return decode_ipv4(p + off, caplen - off, out, ipp);
	if (proto == PPP_IPV6)
		return UMBRA_PKT_IPV6;
	return UMBRA_PKT_NONIP;
}

/* A PPP protocol field at off, one byte when compressed (odd first byte,
 * RFC 1661 section 6.5) or two. */
static enum umbra_pkt_class decode_ppp_field(const uint8_t *p, uint32_t caplen,
                                             uint32_t off, struct ft_pkt *out,
                                             const uint8_t **ipp)
{
	if (unlikely(off >= caplen))
		return UMBRA_PKT_NONIP;
	if (p[off] & 1)
		return decode_ppp_proto(p, caplen, off + 1, p[off], out, ipp);
	if (unlikely(caplen - off < 2))
		return UMBRA_PKT_NONIP;
	return decode_ppp_proto(p, caplen, off + 2, rd16(p + off), out, ipp);
}

/* An MPLS label stack at off, then IPv4 or IPv6 by the version nibble. */
static enum umbra_pkt_class decode_mpls(const uint8_t *p, uint32_t caplen,
                                        uint32_t off, struct ft_pkt *out,
                                        const uint8_t **ipp)
{
	for (;;) {
		if (unlikely(caplen - off < MPLS_HLEN))
			return UMBRA_PKT_NONIP;
		uint32_t bos = p[off + 2] & 1;
		off += MPLS_HLEN;
		if (bos)
			break;
	}
	return decode_by_version(p, caplen, off, UMBRA_PKT_NONIP, out, ipp);
}

/* The payload of an ethertype at off: IP, or VLAN tags, MPLS labels and
 * PPPoE in front of it. */
static inline enum umbra_pkt_class
decode_ethertype(const uint8_t *p, uint32_t caplen, uint32_t off, uint32_t type,
                 struct ft_pkt *out, const uint8_t **ipp)
{
	for (;;) {
		if (likely(type == ETHERTYPE_IPV4))
			return decode_ipv4(p + off, caplen - off, out, ipp);
		switch (type) {
		case ETHERTYPE_8021Q:
		case ETHERTYPE_8021AD:
		case ETHERTYPE_QINQ:
			if (unlikely(caplen - off < VLAN_HLEN))
				return UMBRA_PKT_NONIP;
			type = rd16(p + off + 2);
			off += VLAN_HLEN;
			continue;
		case ETHERTYPE_IPV6:
			return UMBRA_PKT_IPV6;
		case ETHERTYPE_MPLS:
		case ETHERTYPE_MPLSM:
			return decode_mpls(p, caplen, off, out, ipp);
		case ETHERTYPE_PPPOES:
			if (unlikely(caplen - off < PPPOE_HLEN + 2))
				return UMBRA_PKT_NONIP;
			return decode_ppp_proto(p, caplen, off + PPPOE_HLEN + 2,
			                        rd16(p + off + PPPOE_HLEN), out,
			                        ipp);
		default:
			/* 802.3 lengths (< 0x0600) and every other type */
			return UMBRA_PKT_NONIP;
		}
	}
}

/* A 4-byte BSD address family (DLT_NULL, DLT_LOOP). */
static enum umbra_pkt_class decode_af(const uint8_t *p, uint32_t caplen,
                                      uint32_t af, struct ft_pkt *out,
                                      const uint8_t **ipp)
{
	switch (af) {
	case 2:
		return decode_ipv4(p + 4, caplen - 4, out, ipp);
	case 24:
	case 28:
	case 30:
		return UMBRA_PKT_IPV6;
	default:
		return UMBRA_PKT_NONIP;
	}
}

static inline __attribute__((always_inline)) enum umbra_pkt_class
decode_frame(const struct umbra_frame *frame, struct ft_pkt *out,
             const uint8_t **ipp)
{
	const uint8_t *p = frame->data;
	uint32_t caplen = frame->caplen;

	/* The common case: untagged Ethernet carrying IPv4. */
	if (likely(frame->link == UMBRA_LINK_ETHERNET && caplen >= ETH_HLEN &&
	           rd16(p + 12) == ETHERTYPE_IPV4))
		return decode_ipv4_inline(p + ETH_HLEN, caplen - ETH_HLEN, out,
		                          ipp);

	switch (frame->link) {
	case UMBRA_LINK_ETHERNET:
		if (unlikely(caplen < ETH_HLEN))
			return UMBRA_PKT_NONIP;
		return decode_ethertype(p, caplen, ETH_HLEN, rd16(p + 12), out,
		                        ipp);
	case UMBRA_LINK_RAW:
		return decode_by_version(p, caplen, 0, UMBRA_PKT_MALFORMED, out,
		                         ipp);
	case UMBRA_LINK_IPV4:
		return decode_ipv4(p, caplen, out, ipp);
	case UMBRA_LINK_IPV6:
		return UMBRA_PKT_IPV6;
	case UMBRA_LINK_SLL:
		if (unlikely(caplen < SLL_HLEN))
			return UMBRA_PKT_NONIP;
		return decode_ethertype(p, caplen, SLL_HLEN, rd16(p + 14), out,
		                        ipp);
	case UMBRA_LINK_SLL2:
		if (unlikely(caplen < SLL2_HLEN))
			return UMBRA_PKT_NONIP;
		return decode_ethertype(p, caplen, SLL2_HLEN, rd16(p), out,
		                        ipp);
	case UMBRA_LINK_NULL: {
		if (unlikely(caplen < 4))
			return UMBRA_PKT_NONIP;
		/* The writer's byte order: a family is small, so a value
		 * with its high half set was written the other way round. */
		uint32_t af = rd32le(p);
		if (af > 0xffff)
			af = rd32(p);
		return decode_af(p, caplen, af, out, ipp);
	}
	case UMBRA_LINK_LOOP:
		if (unlikely(caplen < 4))
			return UMBRA_PKT_NONIP;
		return decode_af(p, caplen, rd32(p), out, ipp);
	case UMBRA_LINK_PPP: {
		uint32_t off = 0;
		if (caplen >= 2 && p[0] == 0xff && p[1] == 0x03)
			off = 2;
		return decode_ppp_field(p, caplen, off, out, ipp);
	}
	case UMBRA_LINK_PPP_HDLC:
		/* PPP in HDLC framing (ff 03), else Cisco HDLC: address,
		 * control, ethertype. */
		if (caplen >= 2 && p[0] == 0xff && p[1] == 0x03)
			return decode_ppp_field(p, caplen, 2, out, ipp);
		if (unlikely(caplen < 4))
			return UMBRA_PKT_NONIP;
		return decode_ethertype(p, caplen, 4, rd16(p + 2), out, ipp);
	default:
		return UMBRA_PKT_NONIP;
	}
}

enum umbra_pkt_class umbra_decode(const struct umbra_frame *frame,
                                  struct ft_pkt *out)
{
	const uint8_t *ip;
	return decode_frame(frame, out, &ip);
}

enum umbra_pkt_class umbra_decode_at(const struct umbra_frame *frame,
                                     struct ft_pkt *out, uint32_t *ip_off)
{
	const uint8_t *ip = frame->data;
	enum umbra_pkt_class c = decode_frame(frame, out, &ip);
	*ip_off = (uint32_t)(ip - frame->data);
	return c;
}
