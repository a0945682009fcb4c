/* capfile.c: libumbra's capture-file reader (see capfile.h).
 *
 * What it owns: the input stream (a plain file or standard input read with
 * read(2) in 1 MiB chunks, or a libwandio reader for gzip, bzip2 and xz), the
 * buffer that records are parsed from in place, and the per-container state:
 * the pcap file header, the pcapng section byte order and interface table.
 * Frames handed out point into that buffer.
 *
 * Why it looks like this: capfile_next() runs once per packet, so a record
 * that is wholly in the buffer costs a few loads and compares; only when a
 * record runs past the end of the buffer is the tail moved to the front and
 * the buffer refilled (the one syscall of the hot path).  Every length read
 * from the file is checked against CAPFILE_MAX_CAPLEN, against its block and
 * against the bytes actually present before it is used, so damaged input
 * yields an error naming the file and the byte offset (of the decompressed
 * stream), never an out-of-bounds read.  After an error or the end the
 * reader stays finished and repeats its last answer.
 *
 * libwandio reports a gzip stream cut short as a read error (and drops its
 * last partial block), but returns a short, silent end for cut bzip2 and xz
 * streams; for those two we check the end marker at the file's tail when we
 * open it and report a missing one when the data runs out.
 *
 * libwandio 3.0.22's outer "peek" reader has a bug: when a refill fails
 * after it has copied some buffered bytes, it returns those bytes and keeps
 * a buffer length of -1, and the next wandio_read() does memcpy(..., -1).
 * A damaged compressed file would crash the process.  Its read takes a
 * direct path, bypassing that buffer, for a length that is a multiple of
 * 4096 into a 4096-aligned destination; we only ever read it that way, a
 * MiB at a time into an aligned bounce buffer, and never peek.
 */
#if !defined(_GNU_SOURCE) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L /* pread, O_CLOEXEC */
#endif
#include "capfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <wandio.h>

#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

#define CF_BUFSIZE    (1u << 20)  /* read chunk and initial buffer */
#define CF_ZCHUNK     (1u << 20)  /* wandio read: a multiple of 4096 */
#define CF_MAX_BLOCK  (16u << 20) /* largest pcapng block we accept */
#define CF_MAX_IFACES 65536u      /* frame.iface is 16 bits */

#define PCAPNG_SHB 0x0A0D0D0Au
#define PCAPNG_BOM 0x1A2B3C4Du
#define NSEC       1000000000u

__extension__ typedef unsigned __int128 cf_u128;

struct cf_iface {
	uint64_t units; /* timestamp ticks per second (if_tsresol) */
	int64_t offset; /* seconds added to every timestamp (if_tsoffset) */
	uint32_t snaplen;
	uint8_t link;
};

struct capfile {
	int (*next)(struct capfile *, struct umbra_frame *, struct umbra_err *);
	uint8_t *buf;
	size_t cap, pos, end; /* buffer size, parse position, valid bytes */
	uint64_t base;        /* stream offset of buf[0] */
	int fd;               /* plain input, or -1 */
	bool own_fd;          /* fd is ours to close (not stdin) */
	io_t *io;             /* compressed input, or NULL */
	uint8_t *zbuf;        /* aligned bounce buffer for io */
	size_t zpos, zlen;    /* its unread bytes */
	bool eof;             /* the input returned its end */
	bool done;            /* finished: repeat status */
	bool tail_ok;         /* compressed stream has its end marker */
	bool swap;            /* file byte order differs from ours */
	uint8_t link;         /* pcap link */
	const char *name;     /* capfile_format_name() */
	const char *zname;    /* compression, or NULL */
	int status;           /* 0 or the sticky error code */
	struct cf_iface *ifs; /* pcapng interfaces of this section */
	uint32_t n_ifs, cap_ifs;
	struct umbra_err saved;
	char path[];
};

static uint16_t rd16(const uint8_t *p, bool swap)
{
	uint16_t v;
	memcpy(&v, p, sizeof v);
	return swap ? __builtin_bswap16(v) : v;
}

static uint32_t rd32(const uint8_t *p, bool swap)
{
	uint32_t v;
	memcpy(&v, p, sizeof v);
	return swap ? __builtin_bswap32(v) : v;
}

static uint64_t rd64(const uint8_t *p, bool swap)
{
	uint64_t v;
	memcpy(&v, p, sizeof v);
	return swap ? __builtin_bswap64(v) : v;
}

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Finish the reader with an error, kept for later calls: "PATH: [WHAT at
 * offset N: ]message". */
static int cf_vfail(struct capfile *cf, struct umbra_err *err, int code,
                    const char *what, const char *fmt, va_list ap)
{
	size_t sz = sizeof cf->saved.msg;
	int n;

	if (what)
		n = snprintf(cf->saved.msg, sz,
		             "%s: %s at offset %llu: ", cf->path, what,
		             (unsigned long long)(cf->base + cf->pos));
	else
		n = snprintf(cf->saved.msg, sz, "%s: ", cf->path);
	if (n < 0 || (size_t)n >= sz)
		n = 0;
	vsnprintf(cf->saved.msg + n, sz - (size_t)n, fmt, ap);
	cf->done = true;
	cf->status = code;
	if (err)
		*err = cf->saved;
	return code;
}

__attribute__((format(printf, 4, 5))) static int cf_fail(struct capfile *cf,
                                                         struct umbra_err *err,
                                                         int code,
                                                         const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = cf_vfail(cf, err, code, NULL, fmt, ap);
	va_end(ap);
	return rc;
}

/* Damage in the record or block at the parse position. */
__attribute__((format(printf, 4, 5))) static int cf_bad(struct capfile *cf,
                                                        struct umbra_err *err,
                                                        const char *what,
                                                        const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = cf_vfail(cf, err, -EBADMSG, what, fmt, ap);
	va_end(ap);
	return rc;
}

static int cf_end(struct capfile *cf)
{
	cf->done = true;
	cf->status = 0;
	return 0;
}

static unsigned long long cf_at(const struct capfile *cf)
{
	return (unsigned long long)(cf->base + cf->pos);
}

/* Read more input behind cf->end.  Returns 0 when nothing came (end of
 * input), > 0 when bytes came, negative on error (reader finished). */
static int cf_read(struct capfile *cf, struct umbra_err *err)
{
	size_t room = cf->cap - cf->end;
	ssize_t n;

	if (cf->io) {
		if (cf->zpos == cf->zlen) {
			n = (ssize_t)wandio_read(cf->io, cf->zbuf, CF_ZCHUNK);
			if (n < 0)
				return cf_fail(
				    cf, err, -EIO,
				    "%s decompression failed after offset "
				    "%llu (compressed file cut short or "
				    "corrupt)",
				    cf->zname,
				    (unsigned long long)(cf->base + cf->end));
			cf->zpos = 0;
			cf->zlen = (size_t)n;
		}
		n = (ssize_t)(cf->zlen - cf->zpos < room ? cf->zlen - cf->zpos
		                                         : room);
		memcpy(cf->buf + cf->end, cf->zbuf + cf->zpos, (size_t)n);
		cf->zpos += (size_t)n;
	} else {
		do
			n = read(cf->fd, cf->buf + cf->end, room);
		while (n < 0 && errno == EINTR);
		if (n < 0) {
			int e = errno;
			return cf_fail(cf, err, -e,
			               "read error at offset %llu: %s",
			               (unsigned long long)(cf->base + cf->end),
			               strerror(e));
		}
	}
	if (n == 0) {
		cf->eof = true;
		if (!cf->tail_ok)
			return cf_fail(
			    cf, err, -ENODATA,
			    "%s stream ends after %llu bytes without "
			    "its end marker (compressed file cut "
			    "short)",
			    cf->zname,
			    (unsigned long long)(cf->base + cf->end));
		return 0;
	}
	cf->end += (size_t)n;
	return 1;
}

/* Make need bytes available at buf + pos.  Returns 0 when they are, 1 when
 * the input ended first, negative on error.  need is checked by the caller
 * (at most CF_MAX_BLOCK); the buffer grows only once it is full of data
 * that does not complete the record, so a lying length in a short file
 * costs no memory. */
static int cf_fill(struct capfile *cf, size_t need, struct umbra_err *err)
{
	while (cf->end - cf->pos < need) {
		int rc;

		if (cf->eof)
			return 1;
		if (cf->pos) {
			memmove(cf->buf, cf->buf + cf->pos, cf->end - cf->pos);
			cf->base += cf->pos;
			cf->end -= cf->pos;
			cf->pos = 0;
		}
		if (cf->end == cf->cap) {
			size_t ncap = cf->cap * 2;
			uint8_t *nbuf;

			while (ncap < need)
				ncap *= 2;
			nbuf = realloc(cf->buf, ncap);
			if (!nbuf)
				return cf_fail(cf, err, -ENOMEM,
				               "out of memory for a %zu-byte "
				               "record at offset %llu",
				               need, cf_at(cf));
			cf->buf = nbuf;
			cf->cap = ncap;
		}
		rc = cf_read(cf, err);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Is a record of need bytes at buf + pos?  1 when it is; 0 when the input
 * ended cleanly before it (only for a header read, first); negative with
 * the reader finished otherwise ("cut short" is -ENODATA). */
static int cf_want(struct capfile *cf, size_t need, bool first,
                   const char *what, struct umbra_err *err)
{
	int rc = cf_fill(cf, need, err);

	if (rc <= 0)
		return rc ? rc : 1;
	if (first && cf->end == cf->pos)
		return cf_end(cf);
	return cf_fail(cf, err, -ENODATA,
	               "%s at offset %llu cut short (needs %zu bytes, %zu "
	               "left)",
	               what, cf_at(cf), need, cf->end - cf->pos);
}

static uint8_t dlt_link(uint32_t dlt)
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

/* ---- classic pcap ---- */

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

/* ---- pcapng ---- */

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
	ifc.link = dlt_link(rd16(p + 8, cf->swap));
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

/* ---- ERF ---- */

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

/* ---- opening ---- */

/* Does the compressed file end with its format's end marker?  bzip2 ends
 * with a 48-bit magic, a 32-bit CRC and 0-7 bits of padding; xz with "YZ",
 * then optional stream padding (zero bytes, in fours).  Unknown (a pipe,
 * or gzip, whose cut stream libwandio reports itself): say yes. */
static bool tail_ok(int fd, const char *zname)
{
	uint8_t t[64];
	struct stat st;
	size_t n;

	if (fstat(fd, &st) || !S_ISREG(st.st_mode))
		return true;
	n = st.st_size < (off_t)sizeof t ? (size_t)st.st_size : sizeof t;
	if (pread(fd, t, n, st.st_size - (off_t)n) != (ssize_t)n)
		return true;
	if (strcmp(zname, "xz") == 0) {
		while (n >= 4 && !(t[n - 1] | t[n - 2] | t[n - 3] | t[n - 4]))
			n -= 4;
		return n >= 2 && t[n - 2] == 'Y' && t[n - 1] == 'Z';
	}
	if (strcmp(zname, "bzip2") == 0) {
		uint64_t v = 0;

		if (n < 11)
			return false;
		for (size_t i = n - 11; i < n - 3; i++)
			v = v << 8 | t[i];
		for (int pad = 0; pad < 8; pad++) {
			int s = 8 - pad; /* first bit of the magic in v */
			if ((v >> (16 - s) & 0xffffffffffffull) ==
			    0x177245385090ull)
				return true;
		}
		return false;
	}
	return true;
}

/* Recognise compression from the first bytes (at least 3 of them, so that
 * an ERF timestamp is unlikely to pass for one): its name, or NULL. */
static const char *compression(const uint8_t *b, size_t n)
{
	static const struct {
		const char *name;
		uint8_t len, magic[6];
	} z[] = {
	    {"gzip", 3, {0x1f, 0x8b, 0x08}},
	    {"bzip2", 3, {'B', 'Z', 'h'}},
	    {"xz", 6, {0xfd, '7', 'z', 'X', 'Z', 0}},
	    {"zstd", 4, {0x28, 0xb5, 0x2f, 0xfd}},
	    {"lz4", 4, {0x04, 0x22, 0x4d, 0x18}},
	    {"lzop", 4, {0x89, 'L', 'Z', 'O'}},
	};

	for (size_t i = 0; i < sizeof z / sizeof z[0]; i++)
		if (n >= z[i].len && memcmp(b, z[i].magic, z[i].len) == 0)
			return z[i].name;
	return NULL;
}

/* Choose the container from the magic; for pcap consume the header. */
static int cf_container(struct capfile *cf, enum capfile_format fmt,
                        struct umbra_err *err)
{
	const uint8_t *p = cf->buf;
	size_t n = cf->end;
	uint32_t magic;

	if (fmt == CAPFILE_ERF) {
		cf->next = erf_next;
		cf->name = "erf";
		return 0;
	}
	if (n < 4)
		return cf_fail(cf, err, -EINVAL,
		               "not a pcap or pcapng file (only %zu bytes)", n);
	magic = rd32(p, false);
	if (magic == PCAPNG_SHB) {
		cf->next = ng_next;
		cf->name = "pcapng";
		return 0;
	}
	cf->swap = magic == 0xd4c3b2a1u || magic == 0x4d3cb2a1u;
	if (magic == 0xa1b2c3d4u || magic == 0xd4c3b2a1u) {
		cf->next = pcap_us_next;
		cf->name = "pcap";
	} else if (magic == 0xa1b23c4du || magic == 0x4d3cb2a1u) {
		cf->next = pcap_ns_next;
		cf->name = "pcap-ns";
	} else {
		return cf_fail(cf, err, -EINVAL,
		               "not a pcap or pcapng file (first bytes "
		               "%02x %02x %02x %02x)",
		               p[0], p[1], p[2], p[3]);
	}
	if (cf_fill(cf, 24, err) < 0)
		return cf->status;
	if (cf->end < 24)
		return cf_fail(cf, err, -ENODATA,
		               "pcap file header cut short (%zu of 24 bytes)",
		               cf->end);
	/* Link-type word: the upper bits carry FCS length and flags. */
	cf->link = dlt_link(rd32(cf->buf + 20, cf->swap) & 0xffff);
	cf->pos = 24;
	return 0;
}

struct capfile *capfile_open(const char *path, enum capfile_format fmt,
                             struct umbra_err *err)
{
	size_t plen = strlen(path) + 1;
	struct capfile *cf = calloc(1, sizeof *cf + plen);
	bool is_stdin = strcmp(path, "-") == 0;
	struct stat st;

	if (!cf) {
		umbra_err_set(err, -ENOMEM, "%s: out of memory", path);
		return NULL;
	}
	memcpy(cf->path, path, plen);
	cf->tail_ok = true;
	cf->fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	cf->own_fd = !is_stdin && cf->fd >= 0;
	if (cf->fd < 0) {
		int e = errno;
		cf_fail(cf, err, -e, "%s", strerror(e));
		goto fail;
	}
	/* A small plain file needs no 1 MiB buffer (it grows if needed). */
	cf->cap = CF_BUFSIZE;
	if (fstat(cf->fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    st.st_size < CF_BUFSIZE)
		cf->cap = (size_t)st.st_size + 64;
	cf->buf = malloc(cf->cap);
	if (!cf->buf) {
		cf_fail(cf, err, -ENOMEM, "out of memory");
		goto fail;
	}
	if (cf_fill(cf, 8, err) < 0)
		goto fail;
	if (cf->end == 0) {
		cf_fail(cf, err, -ENODATA, "empty file");
		goto fail;
	}
	cf->zname = compression(cf->buf, cf->end);
	if (cf->zname) {
		if (strcmp(cf->zname, "gzip") && strcmp(cf->zname, "bzip2") &&
		    strcmp(cf->zname, "xz")) {
			cf_fail(cf, err, -ENOTSUP,
			        "%s-compressed; only gzip, bzip2 and xz are "
			        "supported",
			        cf->zname);
			goto fail;
		}
		if (is_stdin) {
			cf_fail(cf, err, -ENOTSUP,
			        "%s-compressed data on standard input is not "
			        "supported (give the file name)",
			        cf->zname);
			goto fail;
		}
		cf->tail_ok = tail_ok(cf->fd, cf->zname);
		close(cf->fd);
		cf->fd = -1;
		cf->own_fd = false;
		cf->pos = cf->end = 0;
		cf->eof = false;
		if (cf->cap < CF_BUFSIZE) {
			uint8_t *nbuf = realloc(cf->buf, CF_BUFSIZE);

			if (!nbuf) {
				cf_fail(cf, err, -ENOMEM, "out of memory");
				goto fail;
			}
			cf->buf = nbuf;
			cf->cap = CF_BUFSIZE;
		}
		cf->zbuf = aligned_alloc(4096, CF_ZCHUNK);
		if (!cf->zbuf) {
			cf_fail(cf, err, -ENOMEM, "out of memory");
			goto fail;
		}
		cf->io = wandio_create(path);
		if (!cf->io) {
			int e = errno ? errno : EIO;
			cf_fail(cf, err, -e, "cannot open %s reader: %s",
			        cf->zname, strerror(e));
			goto fail;
		}
		if (cf_fill(cf, 8, err) < 0)
			goto fail;
		if (cf->end == 0) {
			cf_fail(cf, err, -ENODATA,
			        "empty file (after %s decompression)",
			        cf->zname);
			goto fail;
		}
	}
	if (cf_container(cf, fmt, err) == 0)
		return cf;
fail:
	capfile_close(cf);
	return NULL;
}

int capfile_next(struct capfile *cf, struct umbra_frame *frame,
                 struct umbra_err *err)
{
	if (unlikely(cf->done)) {
		if (cf->status && err)
			*err = cf->saved;
		return cf->status;
	}
	return cf->next(cf, frame, err);
}

const char *capfile_format_name(const struct capfile *cf)
{
	return cf->name ? cf->name : "?";
}

uint64_t capfile_offset(const struct capfile *cf)
{
	return cf->base + cf->pos;
}

void capfile_close(struct capfile *cf)
{
	if (!cf)
		return;
	if (cf->io)
		wandio_destroy(cf->io);
	if (cf->own_fd)
		close(cf->fd);
	free(cf->ifs);
	free(cf->zbuf);
	free(cf->buf);
	free(cf);
}
