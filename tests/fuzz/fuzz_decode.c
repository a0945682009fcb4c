/* fuzz_decode.c: libFuzzer target for umbra_decode() and umbra_decode_at(),
 * the packet classes included.
 *
 * Input: one byte choosing the link type (mod UMBRA_LINK__COUNT), then the
 * frame.  Beyond "no crash, no read past caplen" (the frame and every prefix
 * decoded are exact-size heap copies, so ASan sees an overread), it checks
 * the contract of decode.h and FLOWTUPLE4.md and aborts on a violation:
 *  - *out untouched unless IPv4; for IPv4, no stray flag bits, transport
 *    fields zero without FT_PKT_L4, FT_PKT_SYN only on a TCP SYN without
 *    ACK, TCP header lengths and ICMP/UDP fields consistent;
 *  - on the IPv4 link the summary matches the header bytes;
 *  - the classes (classify.h): no bit past UMBRA_CLASS__COUNT, none that
 *    needs a transport header without one; umbra_decode_at()'s offset
 *    points at the IPv4 header the summary was read from; on the IPv4
 *    link the IP-level classes and the TCP ones match the header bytes;
 *  - a prefix of the frame never decodes to more than the frame: IPv4 in
 *    a prefix means the same IP fields in the whole frame, and transport
 *    fields in a prefix mean the same summary; a prefix's classes are a
 *    subset of the frame's (the same but for the UDP payload tests, when
 *    it has the transport header); non-IP stays non-IP.
 *
 * Build: clang -g -O1 -fsanitize=fuzzer,address,undefined -Ilib \
 *        lib/decode.c lib/classify.c tests/fuzz/fuzz_decode.c -o fuzz_decode
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "decode.h"

#define SENTINEL 0x5A

#define CB(c) UMBRA_CLASS_BIT(UMBRA_CLASS_##c)
/* classes that only a transport header can give */
#define L4_ONLY                                                                \
	(CB(ERRATIC) | CB(MASSCAN) | CB(MIRAI) | CB(BACKSCATTER) |             \
	 CB(SYN_NOOPT) | CB(WIN1024) | CB(PORT0))
/* classes of the IP header alone */
#define IP_ONLY (CB(SPOOFED) | CB(ZMAP) | CB(FRAGMENT) | CB(HIGH_TTL))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond))                                                   \
			abort();                                               \
	} while (0)

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)be16(p) << 16 | be16(p + 2);
}

/* Decode the first caplen bytes of frame from an exact-size copy and check
 * what can be checked from the summary alone. */
static enum umbra_pkt_class decode_checked(uint8_t link, const uint8_t *frame,
                                           uint32_t caplen, struct ft_pkt *out)
{
	uint8_t *copy = malloc(caplen ? caplen : 1);
	CHECK(copy != NULL);
	if (caplen)
		memcpy(copy, frame, caplen);
	struct umbra_frame fr = {
	    .data = copy,
	    .caplen = caplen,
	    .wirelen = caplen,
	    .link = link,
	};
	memset(out, SENTINEL, sizeof(*out));
	enum umbra_pkt_class c = umbra_decode(&fr, out);
	struct ft_pkt again;
	uint32_t off = 0;
	memset(&again, SENTINEL, sizeof again);
	CHECK(umbra_decode_at(&fr, &again, &off) == c);
	CHECK(memcmp(&again, out, sizeof again) == 0);
	if (c == UMBRA_PKT_IPV4) {
		/* the offset is the header the summary came from */
		CHECK(off <= caplen && caplen - off >= 20);
		CHECK(copy[off] >> 4 == 4);
		CHECK(be32(copy + off + 12) == out->src_ip);
		CHECK(be32(copy + off + 16) == out->dst_ip);
		CHECK(copy[off + 8] == out->ttl && copy[off + 9] == out->proto);
	}
	free(copy);

	CHECK(c == UMBRA_PKT_IPV4 || c == UMBRA_PKT_IPV6 ||
	      c == UMBRA_PKT_NONIP || c == UMBRA_PKT_MALFORMED);
	if (c != UMBRA_PKT_IPV4) {
		const uint8_t *o = (const uint8_t *)out;
		for (size_t i = 0; i < sizeof(*out); i++)
			CHECK(o[i] == SENTINEL);
		return c;
	}

	CHECK(caplen >= 20);
	CHECK(out->ip_len >= 20);
	CHECK((out->flags & ~(FT_PKT_L4 | FT_PKT_SYN)) == 0);
	CHECK(out->ctrl == 0);
	CHECK((out->classes & ~UMBRA_CLASS_ALL) == 0);
	CHECK(!(out->classes & CB(HIGH_TTL)) == (out->ttl < 200));
	if (out->src_ip == out->dst_ip)
		CHECK(out->classes & CB(SPOOFED));
	if (!(out->flags & FT_PKT_L4)) {
		CHECK((out->classes & L4_ONLY) == 0);
		CHECK(out->flags == 0);
		CHECK(out->src_port == 0 && out->dst_port == 0);
		CHECK(out->tcp_flags == 0 && out->tcp_rwin == 0);
		CHECK(out->tcp_hlen == 0);
		return c;
	}
	switch (out->proto) {
	case 6:
		CHECK(out->tcp_hlen >= 20 && out->tcp_hlen <= 60);
		CHECK(out->tcp_hlen % 4 == 0);
		CHECK(out->ip_len >= 20 + out->tcp_hlen);
		CHECK(caplen >= 20u + out->tcp_hlen);
		CHECK(!(out->flags & FT_PKT_SYN) ==
		      ((out->tcp_flags & 0x12) != 0x02));
		CHECK(!(out->classes & CB(WIN1024)) == (out->tcp_rwin != 1024));
		CHECK(!(out->classes & CB(SYN_NOOPT)) ==
		      !((out->flags & FT_PKT_SYN) && out->tcp_hlen == 20));
		CHECK(!(out->classes & CB(PORT0)) ==
		      (out->src_port != 0 && out->dst_port != 0));
		CHECK(!(out->classes & CB(BACKSCATTER)) ==
		      ((out->tcp_flags & 0x12) != 0x12 &&
		       !(out->tcp_flags & 0x04)));
		if (out->classes & (CB(MASSCAN) | CB(MIRAI)))
			CHECK(out->flags & FT_PKT_SYN);
		break;
	case 1:
		CHECK(out->src_port == 0);
		/* fall through */
	case 17:
		if (out->proto == 17)
			CHECK(!(out->classes & CB(PORT0)) ==
			      (out->src_port != 0 && out->dst_port != 0));
		else
			CHECK(!(out->classes & CB(PORT0)));
		CHECK(!(out->classes & (CB(MASSCAN) | CB(MIRAI) |
		                        CB(SYN_NOOPT) | CB(WIN1024))));
		CHECK(out->ip_len >= 28 && caplen >= 28);
		CHECK(out->tcp_flags == 0 && out->tcp_rwin == 0);
		CHECK(out->tcp_hlen == 0);
		CHECK(!(out->flags & FT_PKT_SYN));
		break;
	default:
		abort(); /* transport fields for another protocol */
	}
	return c;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint8_t link = (uint8_t)(data[0] % UMBRA_LINK__COUNT);
	const uint8_t *frame = data + 1;
	uint32_t caplen = (uint32_t)(size - 1);
	struct ft_pkt full, part;

	enum umbra_pkt_class c = decode_checked(link, frame, caplen, &full);

	/* The IPv4 link: the header is at offset 0. */
	if (link == UMBRA_LINK_IPV4 && c == UMBRA_PKT_IPV4) {
		unsigned hlen = (frame[0] & 0x0f) * 4u;
		CHECK(frame[0] >> 4 == 4 && hlen >= 20 && hlen <= caplen);
		CHECK(full.src_ip == be32(frame + 12));
		CHECK(full.dst_ip == be32(frame + 16));
		CHECK(full.ip_len == be16(frame + 2) && full.ip_len >= hlen);
		CHECK(full.ttl == frame[8] && full.proto == frame[9]);
		CHECK(!(full.classes & CB(ZMAP)) == (be16(frame + 4) != 54321));
		CHECK(!(full.classes & CB(FRAGMENT)) ==
		      !(be16(frame + 6) & 0x3fff));
		if (be16(frame + 6) & 0x8000)
			CHECK(full.classes & CB(ABNORMAL));
		if (full.flags & FT_PKT_L4) {
			CHECK((be16(frame + 6) & 0x1fff) == 0);
			const uint8_t *l4 = frame + hlen;
			if (full.proto == 6)
				CHECK(!(full.classes & CB(MIRAI)) ==
				      !((full.flags & FT_PKT_SYN) &&
				        be32(l4 + 4) == full.dst_ip));
			if (full.proto == 1) {
				CHECK(full.dst_port == be16(l4));
			} else {
				CHECK(full.src_port == be16(l4));
				CHECK(full.dst_port == be16(l4 + 2));
			}
		}
	}
	if (link == UMBRA_LINK_IPV6)
		CHECK(c == UMBRA_PKT_IPV6);
	if (link == UMBRA_LINK_RAW || link == UMBRA_LINK_IPV4)
		CHECK(c != UMBRA_PKT_NONIP);

	/* Prefixes: the last byte off, and half the frame. */
	uint32_t cuts[2] = {caplen ? caplen - 1 : 0, caplen / 2};
	for (int i = 0; i < 2 && caplen; i++) {
		enum umbra_pkt_class pc =
		    decode_checked(link, frame, cuts[i], &part);
		if (c == UMBRA_PKT_NONIP)
			CHECK(pc == UMBRA_PKT_NONIP);
		if (c == UMBRA_PKT_MALFORMED)
			CHECK(pc == UMBRA_PKT_MALFORMED ||
			      pc == UMBRA_PKT_NONIP);
		if (pc != UMBRA_PKT_IPV4)
			continue;
		CHECK(c == UMBRA_PKT_IPV4);
		CHECK(part.src_ip == full.src_ip && part.dst_ip == full.dst_ip);
		CHECK(part.ip_len == full.ip_len && part.ttl == full.ttl);
		CHECK(part.proto == full.proto);
		CHECK((part.classes & ~full.classes) == 0);
		CHECK((part.classes & IP_ONLY) == (full.classes & IP_ONLY));
		if (part.flags & FT_PKT_L4) {
			uint32_t payload = part.proto == 17
			                       ? CB(BACKSCATTER) | CB(ERRATIC)
			                       : 0;
			CHECK(((part.classes ^ full.classes) & ~payload) == 0);
			part.classes = full.classes;
			CHECK(memcmp(&part, &full, sizeof(part)) == 0);
		}
	}
	return 0;
}
