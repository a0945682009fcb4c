/* classify.h: the built-in packet classes (README "Packet classes and
 * rules", umbrad(8) CLASSES).
 *
 * A class is one bit of the uint16_t ft_pkt.classes.  umbra_decode() sets
 * them once per valid IPv4 packet from the headers it has at hand: the
 * inline tests below run inside the decoder, read only bytes the decoder
 * has already checked are captured (and inside the IP total length), take
 * no branch they can avoid, allocate nothing.  A packet may be in several
 * classes, or in none.
 *
 * The classes that need transport fields (masscan, mirai, backscatter,
 * erratic, syn_noopt, win1024, port0, and the TCP-flag half of abnormal)
 * are set only when the decoder reads the transport header: an
 * unfragmented packet or a first fragment whose transport header lies
 * wholly inside the capture and the IP total length (FLOWTUPLE4.md 1).  A
 * later fragment, or a packet cut before its transport header, can only be
 * in spoofed, zmap, abnormal (by protocol or IP flags), fragment and
 * high_ttl.  The DNS QR bit and the BitTorrent DHT prefix are read only
 * when those payload bytes are there too.
 *
 * Thread use: the names and lookups are constant data, callable from any
 * thread.
 */
#ifndef UMBRA_CLASSIFY_H
#define UMBRA_CLASSIFY_H

#include <stdint.h>

/* Bit numbers in ft_pkt.classes; also the order of the stats' "classes"
 * object and of umbra_class_name(). */
enum umbra_class {
	UMBRA_CLASS_SPOOFED = 0, /* special-use or bogon source, src == dst */
	UMBRA_CLASS_ERRATIC,     /* BitTorrent, NetBIOS, SSDP, mDNS chatter */
	UMBRA_CLASS_MASSCAN,     /* SYN, IP ID = (dst ^ dport ^ seq) & 0xffff */
	UMBRA_CLASS_MIRAI,       /* SYN, sequence number = destination */
	UMBRA_CLASS_ZMAP,        /* IP ID 54321 */
	UMBRA_CLASS_BACKSCATTER, /* SYN-ACK, RST, ICMP replies/errors, DNS
	                            responses */
	UMBRA_CLASS_ABNORMAL,    /* impossible TCP flags, odd protocol, IP
	                            reserved bit */
	UMBRA_CLASS_FRAGMENT,    /* MF set or fragment offset != 0 */
	UMBRA_CLASS_HIGH_TTL,    /* TTL >= 200 */
	UMBRA_CLASS_SYN_NOOPT,   /* SYN without ACK, TCP data offset 5 */
	UMBRA_CLASS_WIN1024,     /* TCP window 1024 */
	UMBRA_CLASS_PORT0,       /* TCP/UDP source or destination port 0 */
	UMBRA_CLASS__COUNT
};

#define UMBRA_CLASS_BIT(c) ((uint32_t)1 << (c))
#define UMBRA_CLASS_ALL    (UMBRA_CLASS_BIT(UMBRA_CLASS__COUNT) - 1)

/* "spoofed", "erratic", ...: the name in the config and the stats;
 * NULL past UMBRA_CLASS__COUNT. */
const char *umbra_class_name(unsigned c);

/* The class called name (exact, lower case), or -1. */
int umbra_class_lookup(const char *name);

/* Every name, comma-separated, in bit order (for messages). */
const char *umbra_class_names(void);

/* ---- the tests, inlined into the decoder ------------------------------ */

#define UMBRA_ZMAP_IP_ID   54321u
#define UMBRA_HIGH_TTL_MIN 200u /* umbra_ttls[] */

/* TCP flag bits (the low six of the flag byte). */
#define UMBRA_TH_FIN 0x01u
#define UMBRA_TH_SYN 0x02u
#define UMBRA_TH_RST 0x04u
#define UMBRA_TH_PSH 0x08u
#define UMBRA_TH_ACK 0x10u
#define UMBRA_TH_URG 0x20u

/* Is the six-bit flag set f impossible in a normal connection?  SYN with
 * FIN, SYN with RST, no flag at all, or ACK clear with FIN, PSH or URG set
 * (every segment after the SYN carries ACK; only SYN and RST may go
 * without it). */
#define UMBRA_TCP_ABNORMAL(f)                                                  \
	((((f) & (UMBRA_TH_SYN | UMBRA_TH_FIN)) ==                             \
	  (UMBRA_TH_SYN | UMBRA_TH_FIN)) ||                                    \
	 (((f) & (UMBRA_TH_SYN | UMBRA_TH_RST)) ==                             \
	  (UMBRA_TH_SYN | UMBRA_TH_RST)) ||                                    \
	 ((f)&0x3f) == 0 ||                                                    \
	 (!((f)&UMBRA_TH_ACK) &&                                               \
	  ((f) & (UMBRA_TH_FIN | UMBRA_TH_PSH | UMBRA_TH_URG))))

/* Lookup tables (classify.c), so that the decoder loads instead of
 * comparing: a few dozen instructions a packet, one branch that is almost
 * never taken. */

/* Per first octet of a source address: the spoofed bit when the whole /8
 * is special-use (0, 10, 127, 224-255), UMBRA_BOGON_PART when part of it
 * is (100, 169, 172, 192, 198, 203: umbra_bogon_part() decides). */
#define UMBRA_BOGON_PART 0x80u
extern const uint8_t umbra_bogon8[256];

/* Per last octet of a source address: the spoofed bit for 0 and 255. */
extern const uint8_t umbra_last8[256];

/* Is s in 100.64.0.0/10, 169.254.0.0/16, 172.16.0.0/12, 192.0.0.0/24,
 * 192.0.2.0/24, 192.168.0.0/16, 198.18.0.0/15, 198.51.100.0/24 or
 * 203.0.113.0/24?  1 or 0.  (Inline: a call would make its caller save
 * registers on every packet.) */
static inline uint32_t umbra_bogon_part(uint32_t s)
{
	return ((s & 0xffc00000u) == 0x64400000u) | /* 100.64.0.0/10 */
	       ((s >> 16) == 0xa9feu) |             /* 169.254.0.0/16 */
	       ((s & 0xfff00000u) == 0xac100000u) | /* 172.16.0.0/12 */
	       ((s >> 8) == 0xc00000u) |            /* 192.0.0.0/24 */
	       ((s >> 8) == 0xc00002u) |            /* 192.0.2.0/24 */
	       ((s >> 16) == 0xc0a8u) |             /* 192.168.0.0/16 */
	       ((s & 0xfffe0000u) == 0xc6120000u) | /* 198.18.0.0/15 */
	       ((s >> 8) == 0xc63364u) |            /* 198.51.100.0/24 */
	       ((s >> 8) == 0xcb0071u);             /* 203.0.113.0/24 */
}

/* Per TTL: the high_ttl bit from 200 on. */
extern const uint16_t umbra_ttls[256];

/* Per IP protocol: the abnormal bit for all but ICMP 1, IP-in-IP 4, TCP 6,
 * UDP 17, IPv6 41, GRE 47, ESP 50, AH 51 and SCTP 132. */
extern const uint16_t umbra_protocols[256];

/* Per six-bit TCP flag set: its backscatter and abnormal class bits, and
 * UMBRA_TCP_SYN_ONLY when SYN is set and ACK clear. */
#define UMBRA_TCP_SYN_ONLY 0x8000u
extern const uint16_t umbra_tcp_flags[64];

/* Per ICMP type: the backscatter bit for the answers: echo reply 0,
 * destination unreachable 3, source quench 4, redirect 5, time exceeded
 * 11, parameter problem 12, timestamp reply 14, information reply 16,
 * address mask reply 18. */
extern const uint16_t umbra_icmp_types[256];

/* Bit p of the 8192: UDP port p is one of erratic traffic (NetBIOS
 * 137-138, SSDP 1900, mDNS 5353, BitTorrent 6881-6889). */
extern const uint32_t umbra_erratic_ports[256];

/* The spoofed test's first step: the spoofed bit, possibly with
 * UMBRA_BOGON_PART, when umbra_bogon_part() must decide. */
static inline uint32_t umbra_spoofed_quick(uint32_t src, uint32_t dst)
{
	return umbra_bogon8[src >> 24] | umbra_last8[src & 255] |
	       (uint32_t)(src == dst) << UMBRA_CLASS_SPOOFED;
}

/* RFC 6890 special-use and bogon sources, a last octet of 0 or 255, the
 * destination as source: the spoofed bit or 0. */
static inline uint32_t umbra_spoofed(uint32_t src, uint32_t dst)
{
	uint32_t k = umbra_spoofed_quick(src, dst);

	if (__builtin_expect(k & UMBRA_BOGON_PART, 0))
		k |= umbra_bogon_part(src) << UMBRA_CLASS_SPOOFED;
	return k & UMBRA_CLASS_BIT(UMBRA_CLASS_SPOOFED);
}

/* The classes of the IPv4 header but spoofed (frag is the flags and
 * fragment offset word). */
static inline uint32_t umbra_classify_ip_rest(uint32_t ttl, uint32_t proto,
                                              uint32_t ip_id, uint32_t frag)
{
	return umbra_protocols[proto & 255] | umbra_ttls[ttl & 255] |
	       (uint32_t)(ip_id == UMBRA_ZMAP_IP_ID) << UMBRA_CLASS_ZMAP |
	       (frag >> 15) << UMBRA_CLASS_ABNORMAL | /* the reserved bit */
	       /* MF or an offset: 0x3fff + x reaches 0x4000 when x != 0 */
	       (((frag & 0x3fffu) + 0x3fffu) >> 14) << UMBRA_CLASS_FRAGMENT;
}

/* 1 when port a or port b is 0 (both below 65536). */
static inline uint32_t umbra_port0(uint32_t a, uint32_t b)
{
	return ((a - 1) | (b - 1)) >> 31;
}

/* The classes of a TCP header (flag byte f, data offset in bytes thlen). */
static inline uint32_t umbra_classify_tcp(uint32_t dst, uint32_t ip_id,
                                          uint32_t sport, uint32_t dport,
                                          uint32_t seq, uint32_t f,
                                          uint32_t win, uint32_t thlen)
{
	uint32_t t = umbra_tcp_flags[f & 0x3f];
	uint32_t syn = (uint32_t)0 - (t >> 15); /* all ones: SYN, no ACK */
	uint32_t probe = (uint32_t)(ip_id == ((dst ^ dport ^ seq) & 0xffffu))
	                     << UMBRA_CLASS_MASSCAN |
	                 (uint32_t)(seq == dst) << UMBRA_CLASS_MIRAI |
	                 (uint32_t)(thlen == 20) << UMBRA_CLASS_SYN_NOOPT;

	return (t & ~UMBRA_TCP_SYN_ONLY) | (probe & syn) |
	       (uint32_t)(win == 1024) << UMBRA_CLASS_WIN1024 |
	       umbra_port0(sport, dport) << UMBRA_CLASS_PORT0;
}

static inline uint32_t umbra_erratic_port(uint32_t p)
{
	return (umbra_erratic_ports[(p >> 5) & 255] >> (p & 31)) &
	       (uint32_t)(p < 8192);
}

/* The classes of a UDP header at l4, lim bytes of it (>= 8) inside the
 * capture and the IP total length. */
static inline uint32_t umbra_classify_udp(const uint8_t *l4, uint32_t lim,
                                          uint32_t sport, uint32_t dport)
{
	uint32_t c = umbra_port0(sport, dport) << UMBRA_CLASS_PORT0 |
	             (umbra_erratic_port(sport) | umbra_erratic_port(dport))
	                 << UMBRA_CLASS_ERRATIC;

	/* payload bytes: a DNS response's QR bit, a bencoded dictionary */
	if (lim >= 11)
		c |= (uint32_t)((sport == 53) & (l4[10] >> 7))
		     << UMBRA_CLASS_BACKSCATTER;
	if (lim >= 12)
		c |= (uint32_t)(l4[8] == 'd' && l4[9] == '1' && l4[10] == ':' &&
		                (uint32_t)(l4[11] - 'a') < 26u)
		     << UMBRA_CLASS_ERRATIC;
	return c;
}

/* The classes of an ICMP header of the given type. */
static inline uint32_t umbra_classify_icmp(uint32_t type)
{
	return umbra_icmp_types[type & 255];
}

#endif
