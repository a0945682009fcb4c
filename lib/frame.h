/* frame.h: one captured frame as a capture source hands it to the decoder.
 *
 * The data pointer belongs to the capture source and is valid only until the
 * source's next read call.  Nothing here allocates.
 */
#ifndef UMBRA_FRAME_H
#define UMBRA_FRAME_H

#include <stdint.h>

/* Link layers the decoder understands.  Capture sources map their own link
 * type numbers (pcap DLT, pcapng IDB link type, ERF record type, libtrace
 * linktype) onto these. */
enum umbra_link {
	UMBRA_LINK_UNKNOWN = 0, /* counted as non-IP */
	UMBRA_LINK_ETHERNET,    /* DLT_EN10MB, ERF ETH (pad already stripped) */
	UMBRA_LINK_RAW, /* raw IP, v4 or v6 by version nibble (DLT 12/14/101) */
	UMBRA_LINK_IPV4, /* DLT_IPV4 (228), ERF IPV4 */
	UMBRA_LINK_IPV6, /* DLT_IPV6 (229), ERF IPV6 */
	UMBRA_LINK_SLL,  /* DLT_LINUX_SLL (113) */
	UMBRA_LINK_SLL2, /* DLT_LINUX_SLL2 (276) */
	UMBRA_LINK_NULL, /* DLT_NULL (0): 4-byte AF in the writer's byte order
	                  */
	UMBRA_LINK_LOOP, /* DLT_LOOP (108): 4-byte AF, network byte order */
	UMBRA_LINK_PPP,  /* DLT_PPP (9): optional ff 03, then 1-2 byte protocol
	                  */
	UMBRA_LINK_PPP_HDLC, /* DLT_PPP_SERIAL (50), DLT_C_HDLC (104), ERF
	                        HDLC_POS */
	UMBRA_LINK__COUNT
};

struct umbra_frame {
	const uint8_t *data; /* first byte of the link-layer header */
	uint32_t caplen;     /* bytes available at data */
	uint32_t wirelen; /* original frame length as the capture recorded it */
	int64_t ts_sec;   /* Unix seconds (may be negative in broken files) */
	uint32_t ts_nsec; /* 0..999999999 */
	uint8_t has_ts;   /* 0 for records without a timestamp (pcapng SPB) */
	uint8_t link;     /* enum umbra_link */
	uint16_t iface;   /* pcapng interface id, 0 otherwise */
};

#endif
