/* capfile_io.c: the input under capfile's parse buffer.
 *
 * What it owns: the descriptor and the decompressors (zlib's inflate for
 * gzip, a libwandio reader for bzip2 and xz), the refill of the parse
 * buffer, and the verdicts when the input ends: a clean end, a record cut
 * short, or a compressed stream without its end marker.
 *
 * The refill is the one syscall of the hot path: only when a record runs
 * past the end of the buffer is the tail moved to the front and more read
 * behind it (plain input: read(2) straight into the buffer, 1 MiB at a
 * time).
 *
 * gzip is read with zlib directly, not libwandio: libwandio reports a gzip
 * stream cut short as a read error, drops what it had decoded (even the
 * pcap header of a small file) and prints on stderr.  Our inflate loop
 * hands out every byte it decoded, handles concatenated members and zero
 * padding after them, and tells a cut stream (the input ends inside a
 * member: -ENODATA, a warning) from corrupt data (-EIO, reported once the
 * bytes decoded before the damage have been used).  libwandio still reads
 * bzip2 and xz; it returns a short, silent end for a cut stream of either,
 * so for those two we check the end marker at the file's tail when we open
 * it and report a missing one when the data runs out.
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
#define _POSIX_C_SOURCE 200809L /* pread */
#endif
#include "capfile_int.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CF_ZCHUNK (1u << 20) /* wandio read: a multiple of 4096 */

static const _Atomic int *interrupt_flag;

void capfile_set_interrupt(const _Atomic int *flag)
{
	interrupt_flag = flag;
}

/* read(2) retried on EINTR unless the interrupt flag is set: bytes read, 0
 * at the end, or -errno (-EINTR: interrupted on request). */
static ssize_t read_fd(int fd, uint8_t *dst, size_t n)
{
	ssize_t got;

	do
		got = read(fd, dst, n);
	while (got < 0 && errno == EINTR &&
	       !(interrupt_flag && atomic_load(interrupt_flag)));
	return got < 0 ? -errno : got;
}

/* Plain input: the file itself. */
static ssize_t plain_read(struct capfile *cf, uint8_t *dst, size_t room,
                          struct umbra_err *err)
{
	ssize_t n = read_fd(cf->fd, dst, room);

	if (n < 0)
		return cf_fail(cf, err, (int)n, "read error at offset %llu: %s",
		               (unsigned long long)(cf->base + cf->end),
		               strerror((int)-n));
	return n;
}

/* The inflate error held back by gz_read(), now that the bytes decoded
 * before it have been used. */
static int gz_fail(struct capfile *cf, struct umbra_err *err)
{
	if (cf->zerr == Z_MEM_ERROR)
		return cf_fail(
		    cf, err, -ENOMEM,
		    "out of memory decompressing gzip at offset %llu",
		    (unsigned long long)(cf->base + cf->end));
	return cf_fail(cf, err, -EIO,
	               "gzip data corrupt at offset %llu (compressed offset "
	               "%llu): %s",
	               (unsigned long long)(cf->base + cf->end),
	               (unsigned long long)cf->zoff,
	               cf->zmsg ? cf->zmsg : zError(cf->zerr));
}

/* gzip input.  The stream may hold several members (`cat a.gz b.gz`) and
 * zero padding after them.  The input ending inside a member clears
 * tail_ok (the stream was cut short; cf_fill() reports it); an inflate
 * error is held back until the bytes decoded before it have been
 * returned. */
static ssize_t gz_read(struct capfile *cf, uint8_t *dst, size_t room,
                       struct umbra_err *err)
{
	uInt want = room > UINT_MAX ? UINT_MAX : (uInt)room;
	z_stream *zs = &cf->zs;

	if (cf->zerr != Z_OK)
		return gz_fail(cf, err);
	zs->next_out = dst;
	zs->avail_out = want;
	while (zs->avail_out == want) {
		uInt in;
		int rc;

		if (zs->avail_in == 0) {
			ssize_t n = read_fd(cf->fd, cf->zin, cf->zin_cap);

			if (n < 0)
				return cf_fail(
				    cf, err, (int)n,
				    "read error at compressed offset "
				    "%llu: %s",
				    (unsigned long long)cf->zoff,
				    strerror((int)-n));
			if (n == 0) {
				if (cf->zmember)
					cf->tail_ok = false;
				return 0;
			}
			zs->next_in = cf->zin;
			zs->avail_in = (uInt)n;
		}
		if (!cf->zmember) { /* between members: skip zero padding */
			while (zs->avail_in && *zs->next_in == 0) {
				zs->next_in++;
				zs->avail_in--;
				cf->zoff++;
			}
			if (zs->avail_in == 0)
				continue;
			cf->zmember = true;
		}
		in = zs->avail_in;
		rc = inflate(zs, Z_NO_FLUSH);
		cf->zoff += in - zs->avail_in;
		if (rc == Z_STREAM_END) {
			inflateReset(zs);
			cf->zmember = false;
		} else if (rc != Z_OK && rc != Z_BUF_ERROR) {
			cf->zerr = rc;
			cf->zmsg = zs->msg;
			if (zs->avail_out == want)
				return gz_fail(cf, err);
		}
	}
	return (ssize_t)(want - zs->avail_out);
}

/* libwandio input (bzip2, xz), through the aligned bounce buffer. */
static ssize_t wio_read(struct capfile *cf, uint8_t *dst, size_t room,
                        struct umbra_err *err)
{
	size_t n;

	if (cf->zpos == cf->zlen) {
		int64_t got = wandio_read(cf->io, cf->zbuf, CF_ZCHUNK);

		if (got < 0)
			return cf_fail(
			    cf, err, -EIO,
			    "%s decompression failed after offset "
			    "%llu (compressed file cut short or "
			    "corrupt)",
			    cf->zname,
			    (unsigned long long)(cf->base + cf->end));
		cf->zpos = 0;
		cf->zlen = (size_t)got;
	}
	n = cf->zlen - cf->zpos < room ? cf->zlen - cf->zpos : room;
	memcpy(dst, cf->zbuf + cf->zpos, n);
	cf->zpos += n;
	return (ssize_t)n;
}

/* The compressed stream ended without its end marker before need bytes
 * of what at the parse position. */
static int cf_cut(struct capfile *cf, size_t need, const char *what,
                  struct umbra_err *err)
{
	unsigned long long total = (unsigned long long)(cf->base + cf->end);

	if (cf->end == cf->pos)
		return cf_fail(
		    cf, err, -ENODATA,
		    "%s stream ends after %llu bytes without its end "
		    "marker (compressed file cut short)",
		    cf->zname, total);
	return cf_fail(cf, err, -ENODATA,
	               "%s at offset %llu cut short (needs %zu bytes, %zu "
	               "left): %s stream ends after %llu bytes without its "
	               "end marker (compressed file cut short)",
	               what, cf_at(cf), need, cf->end - cf->pos, cf->zname,
	               total);
}

/* The buffer grows only once it is full of data that does not complete
 * the record, so a lying length in a short file costs no memory. */
int cf_fill(struct capfile *cf, size_t need, const char *what,
            struct umbra_err *err)
{
	while (cf->end - cf->pos < need) {
		ssize_t n;

		if (cf->eof)
			return cf->tail_ok ? 1 : cf_cut(cf, need, what, err);
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
		n = cf->read(cf, cf->buf + cf->end, cf->cap - cf->end, err);
		if (n < 0)
			return (int)n;
		if (n == 0)
			cf->eof = true;
		cf->end += (size_t)n;
	}
	return 0;
}

int cf_want(struct capfile *cf, size_t need, bool first, const char *what,
            struct umbra_err *err)
{
	int rc = cf_fill(cf, need, what, err);

	if (rc <= 0)
		return rc ? rc : 1;
	if (first && cf->end == cf->pos)
		return cf_end(cf);
	return cf_fail(cf, err, -ENODATA,
	               "%s at offset %llu cut short (needs %zu bytes, %zu "
	               "left)",
	               what, cf_at(cf), need, cf->end - cf->pos);
}

/* ---- starting and closing ---- */

/* Does the compressed file end with its format's end marker?  bzip2 ends
 * with a 48-bit magic, a 32-bit CRC and 0-7 bits of padding; xz with "YZ",
 * then optional stream padding (zero bytes, in fours).  Unknown (a pipe,
 * or gzip, whose cut stream gz_read() sees itself): say yes. */
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

void cf_input_plain(struct capfile *cf)
{
	cf->read = plain_read;
}

int cf_input_gzip(struct capfile *cf, struct umbra_err *err)
{
	uint8_t *nbuf = malloc(CF_BUFSIZE);
	int rc;

	if (!nbuf)
		return cf_fail(cf, err, -ENOMEM, "out of memory");
	cf->zin = cf->buf;
	cf->zin_cap = cf->cap;
	cf->buf = nbuf;
	cf->cap = CF_BUFSIZE;
	cf->zs.next_in = cf->zin;
	cf->zs.avail_in = (uInt)cf->end;
	rc = inflateInit2(&cf->zs, 16 + MAX_WBITS); /* gzip only */
	if (rc != Z_OK)
		return cf_fail(cf, err, rc == Z_MEM_ERROR ? -ENOMEM : -EIO,
		               "cannot start gzip decompression: %s",
		               zError(rc));
	cf->zs_live = true;
	cf->pos = cf->end = 0;
	cf->eof = false;
	cf->read = gz_read;
	return 0;
}

int cf_input_wandio(struct capfile *cf, const char *path, bool is_stdin,
                    struct umbra_err *err)
{
	if (is_stdin)
		return cf_fail(cf, err, -ENOTSUP,
		               "%s-compressed data on standard input is not "
		               "supported (give the file name)",
		               cf->zname);
	cf->tail_ok = tail_ok(cf->fd, cf->zname);
	close(cf->fd);
	cf->fd = -1;
	cf->own_fd = false;
	cf->pos = cf->end = 0;
	cf->eof = false;
	if (cf->cap < CF_BUFSIZE) {
		uint8_t *nbuf = realloc(cf->buf, CF_BUFSIZE);

		if (!nbuf)
			return cf_fail(cf, err, -ENOMEM, "out of memory");
		cf->buf = nbuf;
		cf->cap = CF_BUFSIZE;
	}
	cf->zbuf = aligned_alloc(4096, CF_ZCHUNK);
	if (!cf->zbuf)
		return cf_fail(cf, err, -ENOMEM, "out of memory");
	cf->io = wandio_create(path);
	if (!cf->io) {
		int e = errno ? errno : EIO;
		return cf_fail(cf, err, -e, "cannot open %s reader: %s",
		               cf->zname, strerror(e));
	}
	cf->read = wio_read;
	return 0;
}

void cf_input_close(struct capfile *cf)
{
	if (cf->io)
		wandio_destroy(cf->io);
	if (cf->zs_live)
		inflateEnd(&cf->zs);
	if (cf->own_fd)
		close(cf->fd);
	free(cf->zbuf);
	free(cf->zin);
}
