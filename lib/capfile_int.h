/* capfile_int.h: what the files of the capture-file reader share; none of
 * it is public (not installed; the interface is capfile.h).
 *
 *   capfile.c         opening: compression and container from the magic
 *                     bytes; the public calls; the error helpers that every
 *                     part reports through
 *   capfile_io.c      the input under the parse buffer (plain read(2), gzip
 *                     through zlib, bzip2 and xz through libwandio), the
 *                     refill, and the "cut short" verdicts
 *   capfile_pcap.c    classic pcap: file header and records; the DLT table
 *   capfile_pcapng.c  pcapng blocks: sections, interfaces, packets
 *   capfile_erf.c     ERF records
 *
 * How the parts meet: capfile_open() starts an input (cf_input_*), fills
 * the buffer, picks a container by its magic and calls its start; from
 * then on capfile_next() calls the container's next, which parses records
 * in place at buf + pos and asks cf_want() for more bytes only when a
 * record runs past the end of the buffer.
 *
 * The symbols declared here are hidden: libumbra does not export them.
 */
#ifndef UMBRA_CAPFILE_INT_H
#define UMBRA_CAPFILE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#include <wandio.h>
#include <zlib.h>

#include "capfile.h"

#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

#define CF_BUFSIZE   (1u << 20)  /* read chunk and initial buffer */
#define CF_MAX_BLOCK (16u << 20) /* largest record or block we accept */
#define PCAPNG_SHB   0x0A0D0D0Au
#define NSEC         1000000000u

struct cf_iface {
	uint64_t units; /* timestamp ticks per second (if_tsresol) */
	int64_t offset; /* seconds added to every timestamp (if_tsoffset) */
	uint32_t snaplen;
	uint8_t link;
};

struct capfile {
	/* The container's record reader (capfile_next() calls it). */
	int (*next)(struct capfile *, struct umbra_frame *, struct umbra_err *);
	/* The input: put up to room bytes of (decompressed) input at dst;
	 * how many (> 0), 0 at the end, or a negative code (finished). */
	ssize_t (*read)(struct capfile *, uint8_t *dst, size_t room,
	                struct umbra_err *);

	/* The parse buffer. */
	uint8_t *buf;
	size_t cap, pos, end; /* buffer size, parse position, valid bytes */
	uint64_t base;        /* stream offset of buf[0] */

	/* The input (capfile_io.c). */
	int fd;            /* plain or gzip input, or -1 */
	bool own_fd;       /* fd is ours to close (not stdin) */
	bool eof;          /* the input returned its end */
	bool tail_ok;      /* compressed stream has its end marker */
	const char *zname; /* compression, or NULL */
	z_stream zs;       /* gzip input, when zs_live */
	bool zs_live;      /* zs is initialised */
	bool zmember;      /* inflate is inside a gzip member */
	int zerr;          /* inflate error held back, or Z_OK */
	const char *zmsg;  /* zlib's text for it (static), or NULL */
	uint8_t *zin;      /* compressed bytes read from fd */
	size_t zin_cap;
	uint64_t zoff;     /* compressed bytes consumed */
	io_t *io;          /* libwandio input (bzip2, xz), or NULL */
	uint8_t *zbuf;     /* aligned bounce buffer for io */
	size_t zpos, zlen; /* its unread bytes */

	/* The container. */
	const char *name;     /* capfile_format_name() */
	bool swap;            /* file byte order differs from ours */
	uint8_t link;         /* pcap link */
	struct cf_iface *ifs; /* pcapng interfaces of this section */
	uint32_t n_ifs, cap_ifs;

	/* The answer once finished. */
	bool done;  /* finished: repeat status */
	int status; /* 0 or the sticky error code */
	struct umbra_err saved;
	char path[];
};

/* A container: what capfile_open() picks from the magic bytes. */
struct cf_container {
	const char *name;
	/* Consume the file header at buf[0] (NULL: none); 0 or a negative
	 * code (reader finished). */
	int (*start)(struct capfile *, struct umbra_err *);
	int (*next)(struct capfile *, struct umbra_frame *, struct umbra_err *);
};

static inline uint16_t rd16(const uint8_t *p, bool swap)
{
	uint16_t v;
	memcpy(&v, p, sizeof v);
	return swap ? __builtin_bswap16(v) : v;
}

static inline uint32_t rd32(const uint8_t *p, bool swap)
{
	uint32_t v;
	memcpy(&v, p, sizeof v);
	return swap ? __builtin_bswap32(v) : v;
}

static inline uint64_t rd64(const uint8_t *p, bool swap)
{
	uint64_t v;
	memcpy(&v, p, sizeof v);
	return swap ? __builtin_bswap64(v) : v;
}

static inline uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Stream offset of the parse position. */
static inline unsigned long long cf_at(const struct capfile *cf)
{
	return (unsigned long long)(cf->base + cf->pos);
}

#pragma GCC visibility push(hidden)

/* ---- capfile.c: finishing the reader ---- */

/* Finish with an error, kept for later calls: "PATH: message".  Returns
 * code. */
int cf_fail(struct capfile *cf, struct umbra_err *err, int code,
            const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Damage in the record or block at the parse position: -EBADMSG, "PATH:
 * WHAT at offset N: message". */
int cf_bad(struct capfile *cf, struct umbra_err *err, const char *what,
           const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Finish at a clean end: returns 0. */
int cf_end(struct capfile *cf);

/* ---- capfile_io.c: the input and the buffer ---- */

/* Read cf->fd as it is.  Never fails. */
void cf_input_plain(struct capfile *cf);

/* Switch to gzip: the bytes read so far (buf[0..end)) become inflate's
 * first input, and reading goes on from the same descriptor (so standard
 * input works too).  0 or a negative code (reader finished). */
int cf_input_gzip(struct capfile *cf, struct umbra_err *err);

/* Switch to a libwandio reader (bzip2, xz), which opens path again; not
 * for standard input.  0 or a negative code (reader finished). */
int cf_input_wandio(struct capfile *cf, const char *path, bool is_stdin,
                    struct umbra_err *err);

/* Release what the input holds (for capfile_close()). */
void cf_input_close(struct capfile *cf);

/* Make need bytes of what available at buf + pos.  Returns 0 when they
 * are, 1 when the input ended first, negative on error (a compressed
 * stream cut short is -ENODATA).  need is at most CF_MAX_BLOCK. */
int cf_fill(struct capfile *cf, size_t need, const char *what,
            struct umbra_err *err);

/* Is a record of need bytes at buf + pos?  1 when it is; 0 when the input
 * ended cleanly before it (only for a header read, first); negative with
 * the reader finished otherwise ("cut short" is -ENODATA). */
int cf_want(struct capfile *cf, size_t need, bool first, const char *what,
            struct umbra_err *err);

/* ---- the containers ---- */

extern const struct cf_container cf_pcap_us; /* capfile_pcap.c */
extern const struct cf_container cf_pcap_ns;
extern const struct cf_container cf_pcapng; /* capfile_pcapng.c */
extern const struct cf_container cf_erf;    /* capfile_erf.c */

/* UMBRA_LINK_* of a pcap/pcapng link type (capfile_pcap.c). */
uint8_t cf_dlt_link(uint32_t dlt);

#pragma GCC visibility pop

#endif
