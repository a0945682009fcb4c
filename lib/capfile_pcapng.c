/* capfile_pcapng.c: pcapng for capfile (see capfile_int.h).
 *
 * What it owns: the blocks of every section (each with its own byte order,
 * from the section header's byte-order magic), the interface table of the
 * current section (link type, snaplen, if_tsresol, if_tsoffset), and the
 * packets of enhanced, simple and obsolete packet blocks.  Other blocks
 * (statistics, name resolution, custom, ...) are skipped.  A block's
 * length is checked (at least 12, a multiple of 4, at most CF_MAX_BLOCK,
 * the same at both ends) before anything inside it is read.
 */
#include "capfile_int.h"

#include <errno.h>
#include <stdlib.h>

#define CF_MAX_IFACES 65536u /* frame.iface is 16 bits */
#define PCAPNG_BOM    0x1A2B3C4Du

__extension__ typedef unsigned __int128 cf_u128;

#define NG_IDB 1
#define NG_PB  2 /* obsolete packet block */
#define NG_SPB 3
#define NG_EPB 6

static const char *ng_name(uint32_t type)
{
	switch (type) {
	case PCAPNG_SHB:
		return "section header";
	case NG_IDB:
		return "interface block";
	case NG_PB:
		return "packet block";
	case NG_SPB:
		return "simple packet block";
	case NG_EPB:
		return "enhanced packet block";
	default:
		return "block";
	}
}

static int ng_idb(struct capfile *cf, const uint8_t *p, uint32_t len,
                  struct umbra_err *err)
{
	struct cf_iface ifc = {.units = 1000000};
	const char *what = ng_name(NG_IDB);
	uint32_t o = 16;

	if (cf->n_ifs == CF_MAX_IFACES)
		return cf_bad(cf, err, what, "more than %u interfaces",
		              CF_MAX_IFACES);
	ifc.link = cf_dlt_link(rd16(p + 8, cf->swap));
	ifc.snaplen = rd32(p + 12, cf->swap);
	while (o + 4 <= len - 4) {
		uint16_t code = rd16(p + o, cf->swap);
		uint16_t olen = rd16(p + o + 2, cf->swap);
		unsigned int exp;

		o += 4;
		if (code == 0)
			break;
		if (olen > len - 4 - o)
			return cf_bad(cf, err, what,
			              "option %u (%u bytes) runs past the "
			              "block",
			              code, olen);
		if (code == 9 && olen >= 1) { /* if_tsresol */
			exp = p[o] & 0x7f;
			if ((p[o] & 0x80) ? exp > 63 : exp > 19)
				return cf_bad(cf, err, what,
				              "unsupported if_tsresol 0x%02x",
				              p[o]);
			for (ifc.units = 1; exp; exp--)
				ifc.units *= (p[o] & 0x80) ? 2 : 10;
		}
		if (code == 14 && olen == 8) /* if_tsoffset */
			ifc.offset = (int64_t)rd64(p + o, cf->swap);
		o += ((uint32_t)olen + 3) & ~3u;
	}
	if (cf->n_ifs == cf->cap_ifs) {
		uint32_t n = cf->cap_ifs ? cf->cap_ifs * 2 : 8;
		struct cf_iface *ifs = realloc(cf->ifs, n * sizeof *ifs);

		if (!ifs)
			return cf_fail(cf, err, -ENOMEM, "out of memory");
		cf->ifs = ifs;
		cf->cap_ifs = n;
	}
	cf->ifs[cf->n_ifs++] = ifc;
	return 0;
}

static void ng_ts(const struct cf_iface *ifc, uint64_t t, struct umbra_frame *f)
{
	uint64_t sec;

	if (likely(ifc->units == 1000000)) {
		sec = t / 1000000;
		f->ts_nsec = (uint32_t)(t % 1000000 * 1000);
	} else if (ifc->units == NSEC) {
		sec = t / NSEC;
		f->ts_nsec = (uint32_t)(t % NSEC);
	} else {
		sec = t / ifc->units;
		f->ts_nsec =
		    (uint32_t)((cf_u128)(t % ifc->units) * NSEC / ifc->units);
	}
	/* Unsigned sum: a huge offset or timestamp wraps, it is not UB. */
	f->ts_sec = (int64_t)(sec + (uint64_t)ifc->offset);
	f->has_ts = 1;
}

/* EPB and the obsolete packet block share one layout but for the width of
 * the interface id.  The SPB has no timestamp and no caplen: its packet
 * fills the block up to the original length or interface 0's snaplen
 * (0 = none), whichever is smaller; the rest is padding. */
static int ng_packet(struct capfile *cf, const uint8_t *p, uint32_t len,
                     uint32_t type, struct umbra_frame *f,
                     struct umbra_err *err)
{
	const char *what = ng_name(type);
	uint32_t id = 0, caplen, room;

	if (type == NG_SPB) {
		room = len - 16;
		f->wirelen = rd32(p + 8, cf->swap);
		caplen = f->wirelen < room ? f->wirelen : room;
		if (cf->n_ifs && cf->ifs[0].snaplen &&
		    cf->ifs[0].snaplen < caplen)
			caplen = cf->ifs[0].snaplen;
		f->data = p + 12;
	} else {
		room = len - 32;
		id = type == NG_EPB ? rd32(p + 8, cf->swap)
		                    : rd16(p + 8, cf->swap);
		caplen = rd32(p + 20, cf->swap);
		f->wirelen = rd32(p + 24, cf->swap);
		f->data = p + 28;
	}
	if (unlikely(id >= cf->n_ifs))
		return cf_bad(cf, err, what,
		              "unknown interface %u (%u defined)", id,
		              cf->n_ifs);
	if (unlikely(caplen > room))
		return cf_bad(cf, err, what,
		              "caplen %u exceeds its block (%u bytes of room)",
		              caplen, room);
	if (unlikely(caplen > CAPFILE_MAX_CAPLEN))
		return cf_bad(cf, err, what, "caplen %u larger than %u", caplen,
		              CAPFILE_MAX_CAPLEN);
	if (type == NG_SPB) {
		f->ts_sec = 0;
		f->ts_nsec = 0;
		f->has_ts = 0;
	} else {
		ng_ts(&cf->ifs[id],
		      (uint64_t)rd32(p + 12, cf->swap) << 32 |
		          rd32(p + 16, cf->swap),
		      f);
	}
	f->caplen = caplen;
	f->link = cf->ifs[id].link;
	f->iface = (uint16_t)id;
	return 1;
}

static int ng_block(struct capfile *cf, const uint8_t *p, uint32_t type,
                    uint32_t len, struct umbra_frame *f, struct umbra_err *err)
{
	uint32_t min = type == PCAPNG_SHB                ? 28
	               : type == NG_IDB                  ? 20
	               : type == NG_SPB                  ? 16
	               : type == NG_EPB || type == NG_PB ? 32
	                                                 : 12;
	uint32_t tail = rd32(p + len - 4, cf->swap);

	if (unlikely(tail != len))
		return cf_bad(cf, err, ng_name(type),
		              "trailing length %u differs from block length %u",
		              tail, len);
	if (unlikely(len < min))
		return cf_bad(cf, err, ng_name(type),
		              "block length %u shorter than %u", len, min);
	switch (type) {
	case NG_EPB:
	case NG_PB:
	case NG_SPB:
		return ng_packet(cf, p, len, type, f, err);
	case NG_IDB:
		return ng_idb(cf, p, len, err);
	case PCAPNG_SHB:
		if (rd16(p + 12, cf->swap) != 1)
			return cf_bad(cf, err, ng_name(type),
			              "unsupported pcapng version %u.%u",
			              rd16(p + 12, cf->swap),
			              rd16(p + 14, cf->swap));
		cf->n_ifs = 0; /* interface ids restart in every section */
		return 0;
	default: /* statistics, name resolution, custom, ... */
		return 0;
	}
}

static int ng_next(struct capfile *cf, struct umbra_frame *f,
                   struct umbra_err *err)
{
	for (;;) {
		const uint8_t *p;
		uint32_t type, len;
		int rc;

		if (unlikely(cf->end - cf->pos < 12) &&
		    (rc = cf_want(cf, 12, true, "block", err)) <= 0)
			return rc;
		p = cf->buf + cf->pos;
		memcpy(&type, p, 4); /* the SHB type reads the same both ways */
		if (unlikely(type == PCAPNG_SHB)) {
			uint32_t bom = rd32(p + 8, false);

			if (bom != PCAPNG_BOM &&
			    bom != __builtin_bswap32(PCAPNG_BOM))
				return cf_bad(cf, err, ng_name(type),
				              "bad byte-order magic 0x%08x",
				              bom);
			cf->swap = bom != PCAPNG_BOM;
		} else {
			type = rd32(p, cf->swap);
		}
		len = rd32(p + 4, cf->swap);
		if (unlikely(len < 12 || len % 4 || len > CF_MAX_BLOCK))
			return cf_bad(cf, err, ng_name(type),
			              "bad block length %u", len);
		if (unlikely(cf->end - cf->pos < len)) {
			rc = cf_want(cf, len, false, "block", err);
			if (rc <= 0)
				return rc;
			p = cf->buf + cf->pos;
		}
		rc = ng_block(cf, p, type, len, f, err);
		if (rc < 0)
			return rc;
		cf->pos += len;
		if (rc > 0)
			return rc;
	}
}

const struct cf_container cf_pcapng = {"pcapng", NULL, ng_next};
