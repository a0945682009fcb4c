/* gen_out.h: umbra-gen's output: a classic pcap file (little-endian,
 * microsecond timestamps, Ethernet), built in one large buffer that is
 * written out in big blocks, through zlib when gzip is asked for.
 *
 * The caller builds each frame in place in the buffer (out_frame()), then
 * out_record() puts the record header before it; out_full() says when to
 * out_flush() first.  Errors are printed on stderr, once, by the function
 * that meets them.  Single-threaded.
 */
#ifndef UMBRA_GEN_OUT_H
#define UMBRA_GEN_OUT_H

#include <stddef.h>
#include <stdint.h>
#include <zlib.h>

#define PROG "umbra-gen" /* first word of every message */

#define BUF_SIZE (8u << 20) /* output buffer */
#define REC_HDR  16         /* pcap record header */

struct out {
	const char *name;
	int fd;
	gzFile gz;
	uint8_t *buf;
	size_t len;
	uint64_t bytes;
};

/* Open name ("-": standard output) for writing, gzipped (level 1) if gzip.
 * Returns 0 or -1; out_close() is needed either way. */
int out_open(struct out *o, const char *name, int gzip);

/* Put the pcap file header in the buffer (first, once). */
void out_pcap_header(struct out *o);

static inline void put32le(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* Is there no room for a record of a frame of max bytes? */
static inline int out_full(const struct out *o, size_t max)
{
	return BUF_SIZE - o->len < REC_HDR + max;
}

/* Where the next frame is to be built. */
static inline uint8_t *out_frame(struct out *o)
{
	return o->buf + o->len + REC_HDR;
}

/* The frame at out_frame(), len bytes, is a record of time t_us. */
static inline void out_record(struct out *o, uint64_t t_us, size_t len)
{
	uint8_t *rec = o->buf + o->len;

	put32le(rec, (uint32_t)(t_us / 1000000));
	put32le(rec + 4, (uint32_t)(t_us % 1000000));
	put32le(rec + 8, (uint32_t)len);
	put32le(rec + 12, (uint32_t)len);
	o->len += REC_HDR + len;
}

/* Write the buffer out and empty it.  Returns 0 or -1. */
int out_flush(struct out *o);

/* Finish the gzip stream, close the file (not standard output) and free
 * the buffer.  Returns 0 or -1. */
int out_close(struct out *o);

#endif
