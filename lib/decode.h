/* decode.h: the packet decoder, FLOWTUPLE4.md section 1 and 2.
 *
 * umbra_decode() turns one frame into the compact summary an aggregator needs.
 * It runs once per packet on the capture thread: no allocation, no locks, no
 * syscalls, no logging.  It never reads outside [data, data + caplen).
 * It also tags each IPv4 packet with its classes (classify.h).
 */
#ifndef UMBRA_DECODE_H
#define UMBRA_DECODE_H

#include <stdint.h>

#include "frame.h"

enum umbra_pkt_class {
	UMBRA_PKT_IPV4 = 0, /* valid IPv4 header: *out filled */
	UMBRA_PKT_IPV6 = 1, /* IPv6 (outermost network header) */
	UMBRA_PKT_NONIP =
	    2, /* not IP, unknown link, or cut inside L2/VLAN/MPLS */
	UMBRA_PKT_MALFORMED =
	    3, /* IPv4 header cut or invalid; raw-IP bad version */
};

/* ft_pkt.flags */
#define FT_PKT_L4  0x01 /* transport header present (rules of section 1) */
#define FT_PKT_SYN 0x02 /* L4 present, TCP, SYN set and ACK clear */
#define FT_PKT_CTRL                                                            \
	0x80 /* not a packet: a pipeline control message (ring.h)              \
	      */

/* The compact per-packet summary: 24 bytes, all an aggregator needs. */
struct ft_pkt {
	uint32_t src_ip;   /* host byte order: 1.2.3.4 = 0x01020304 */
	uint32_t dst_ip;   /* host byte order */
	uint16_t ip_len;   /* IP total length field */
	uint16_t dst_port; /* TCP/UDP dst port; ICMP type*256+code; 0 otherwise
	                      or no L4 */
	uint16_t src_port; /* TCP/UDP source port when FT_PKT_L4, else 0 */
	uint16_t tcp_rwin; /* TCP window when FT_PKT_L4 and TCP, else 0 */
	uint8_t proto;     /* IP protocol */
	uint8_t ttl;
	uint8_t tcp_flags; /* TCP flag byte (CWR..FIN) when FT_PKT_L4 and TCP,
	                      else 0 */
	uint8_t
	    tcp_hlen;  /* TCP data offset * 4 when FT_PKT_L4 and TCP, else 0 */
	uint8_t flags; /* FT_PKT_* */
	uint8_t ctrl;  /* control message type when FT_PKT_CTRL (ring.h) */
	uint16_t classes; /* UMBRA_CLASS_* bits (classify.h) */
};
_Static_assert(sizeof(struct ft_pkt) == 24, "ft_pkt must stay 24 bytes");

/* Decode one frame.  Returns its class; *out is filled only for
 * UMBRA_PKT_IPV4 (and then completely, unused fields zero, with the
 * packet's classes: classify.h). */
enum umbra_pkt_class umbra_decode(const struct umbra_frame *frame,
                                  struct ft_pkt *out);

/* The same, and for UMBRA_PKT_IPV4 also where the IPv4 header starts:
 * *ip_off bytes into frame->data (the rules' pcap filters run on the
 * packet from there).  *ip_off is unspecified for other classes. */
enum umbra_pkt_class umbra_decode_at(const struct umbra_frame *frame,
                                     struct ft_pkt *out, uint32_t *ip_off);

/* Hash of an IPv4 source address onto [0, n): the same source always lands on
 * the same aggregator.  n >= 1. */
static inline uint32_t umbra_src_hash(uint32_t src_ip, uint32_t n)
{
	uint32_t h = src_ip * 0x9E3779B1u;
	h ^= h >> 15;
	return (uint32_t)(((uint64_t)h * n) >> 32);
}

#endif
