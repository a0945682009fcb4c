/* capfile_pcap.c: classic pcap for capfile (see capfile_int.h).
 *
 * What it owns: the 24-byte file header (byte order from the magic,
 * microsecond or nanosecond fractions, the link type) and the records, and
 * the table from pcap/pcapng link types to UMBRA_LINK_* that pcapng shares.
 * A record is parsed in place; its caplen is checked against
 * CAPFILE_MAX_CAPLEN before more input is asked for.
 */
#include "capfile_int.h"

#include <errno.h>

uint8_t cf_dlt_link(uint32_t dlt)
{
	static const struct {
		uint16_t dlt;
		uint8_t link;
	} map[] = {
	    {0, UMBRA_LINK_NULL},   {1, UMBRA_LINK_ETHERNET},
	    {9, UMBRA_LINK_PPP},    {12, UMBRA_LINK_RAW},
	    {14, UMBRA_LINK_RAW},   {50, UMBRA_LINK_PPP_HDLC},
	    {101, UMBRA_LINK_RAW},  {104, UMBRA_LINK_PPP_HDLC},
	    {108, UMBRA_LINK_LOOP}, {113, UMBRA_LINK_SLL},
	    {228, UMBRA_LINK_IPV4}, {229, UMBRA_LINK_IPV6},
	    {276, UMBRA_LINK_SLL2},
	};

	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (map[i].dlt == dlt)
			return map[i].link;
	return UMBRA_LINK_UNKNOWN;
}

static int pcap_next(struct capfile *cf, struct umbra_frame *f,
                     struct umbra_err *err, uint32_t frac_mul)
{
	const uint8_t *p;
	uint32_t caplen;
	uint64_t ns;
	int rc;

	if (unlikely(cf->end - cf->pos < 16) &&
	    (rc = cf_want(cf, 16, true, "record", err)) <= 0)
		return rc;
	p = cf->buf + cf->pos;
	caplen = rd32(p + 8, cf->swap);
	if (unlikely(caplen > CAPFILE_MAX_CAPLEN))
		return cf_bad(cf, err, "pcap record",
		              "caplen %u larger than %u", caplen,
		              CAPFILE_MAX_CAPLEN);
	if (unlikely(cf->end - cf->pos < 16 + (size_t)caplen)) {
		rc = cf_want(cf, 16 + (size_t)caplen, false, "record", err);
		if (rc <= 0)
			return rc;
		p = cf->buf + cf->pos;
	}
	/* The fraction may exceed one second in broken files: carry it. */
	ns = (uint64_t)rd32(p + 4, cf->swap) * frac_mul;
	f->ts_sec = (int64_t)rd32(p, cf->swap) + (int64_t)(ns / NSEC);
	f->ts_nsec = (uint32_t)(ns % NSEC);
	f->has_ts = 1;
	f->data = p + 16;
	f->caplen = caplen;
	f->wirelen = rd32(p + 12, cf->swap);
	f->link = cf->link;
	f->iface = 0;
	cf->pos += 16 + (size_t)caplen;
	return 1;
}

static int pcap_us_next(struct capfile *cf, struct umbra_frame *f,
                        struct umbra_err *err)
{
	return pcap_next(cf, f, err, 1000);
}

static int pcap_ns_next(struct capfile *cf, struct umbra_frame *f,
                        struct umbra_err *err)
{
	return pcap_next(cf, f, err, 1);
}

/* After the magic: the byte order, then the link-type word (its upper
 * bits carry FCS length and flags). */
static int pcap_start(struct capfile *cf, struct umbra_err *err)
{
	uint32_t magic = rd32(cf->buf, false);

	cf->swap = magic == 0xd4c3b2a1u || magic == 0x4d3cb2a1u;
	if (cf_fill(cf, 24, "pcap file header", err) < 0)
		return cf->status;
	if (cf->end < 24)
		return cf_fail(cf, err, -ENODATA,
		               "pcap file header cut short (%zu of 24 bytes)",
		               cf->end);
	cf->link = cf_dlt_link(rd32(cf->buf + 20, cf->swap) & 0xffff);
	cf->pos = 24;
	return 0;
}

const struct cf_container cf_pcap_us = {"pcap", pcap_start, pcap_us_next};
const struct cf_container cf_pcap_ns = {"pcap-ns", pcap_start, pcap_ns_next};
