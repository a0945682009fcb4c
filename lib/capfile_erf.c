/* capfile_erf.c: ERF for capfile (see capfile_int.h).
 *
 * What it owns: ERF records (no file header, no magic: the caller says a
 * file is ERF): PAD records skipped, extension headers walked, the link
 * from the record type (Ethernet with its 2 bytes of padding, HDLC/POS,
 * IPv4, IPv6), and the 64-bit fixed-point timestamp.  The record length
 * is checked against every header inside it before the data is handed
 * out.
 */
#include "capfile_int.h"

static uint8_t erf_link(uint8_t type, uint32_t *pad)
{
	*pad = 0;
	switch (type) {
	case 2: /* ETH, and its colour variants: 2 bytes of padding */
	case 5:
	case 7:
		*pad = 2;
		return UMBRA_LINK_ETHERNET;
	case 1: /* HDLC_POS, and its colour variants */
	case 4:
	case 6:
		return UMBRA_LINK_PPP_HDLC;
	case 22:
		return UMBRA_LINK_IPV4;
	case 23:
		return UMBRA_LINK_IPV6;
	default:
		return UMBRA_LINK_UNKNOWN;
	}
}

static int erf_next(struct capfile *cf, struct umbra_frame *f,
                    struct umbra_err *err)
{
	for (;;) {
		const uint8_t *p;
		uint64_t ts = 0, ns;
		uint32_t hdr = 16, pad, data;
		uint16_t rlen, wlen;
		int rc;

		if (unlikely(cf->end - cf->pos < 16) &&
		    (rc = cf_want(cf, 16, true, "record", err)) <= 0)
			return rc;
		p = cf->buf + cf->pos;
		rlen = be16(p + 10);
		if (unlikely(rlen < 16))
			return cf_bad(cf, err, "ERF record",
			              "record length %u shorter than 16", rlen);
		if (unlikely(cf->end - cf->pos < rlen)) {
			rc = cf_want(cf, rlen, false, "record", err);
			if (rc <= 0)
				return rc;
			p = cf->buf + cf->pos;
		}
		if ((p[8] & 0x7f) == 48) { /* PAD */
			cf->pos += rlen;
			continue;
		}
		/* Extension headers, 8 bytes each, while the top bit says
		 * another one follows. */
		for (uint8_t more = p[8] & 0x80; more; hdr += 8) {
			if (unlikely(hdr + 8 > rlen))
				return cf_bad(cf, err, "ERF record",
				              "extension headers run past "
				              "the record (length %u)",
				              rlen);
			more = p[hdr] & 0x80;
		}
		f->link = erf_link(p[8] & 0x7f, &pad);
		if (unlikely(hdr + pad > rlen))
			return cf_bad(cf, err, "ERF record",
			              "record length %u too short for its "
			              "headers",
			              rlen);
		wlen = be16(p + 14);
		data = rlen - hdr - pad;
		/* Little-endian: seconds in the upper half, a binary fraction
		 * of a second in the lower, rounded to the nearest ns. */
		for (int i = 7; i >= 0; i--)
			ts = ts << 8 | p[i];
		ns = ((ts & 0xffffffffu) * NSEC + (1u << 31)) >> 32;
		f->ts_sec = (int64_t)(ts >> 32) + (ns == NSEC);
		f->ts_nsec = ns == NSEC ? 0 : (uint32_t)ns;
		f->has_ts = 1;
		f->data = p + hdr + pad;
		f->caplen = data < wlen ? data : wlen;
		f->wirelen = wlen;
		f->iface = 0;
		cf->pos += rlen;
		return 1;
	}
}

const struct cf_container cf_erf = {"erf", NULL, erf_next};
