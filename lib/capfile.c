/* capfile.c: libumbra's capture-file reader (see capfile.h).
 *
 * What it owns: opening (the input, its compression and its container,
 * both recognised from the magic bytes, never from the name), the public
 * calls, and the way every part of the reader finishes: with an error kept
 * for later calls, or at a clean end.  The parts are listed in
 * capfile_int.h: capfile_io.c (input and buffer), capfile_pcap.c,
 * capfile_pcapng.c and capfile_erf.c (one container each).
 *
 * Why it looks like this: capfile_next() runs once per packet, so a record
 * that is wholly in the buffer costs a few loads and compares; only when a
 * record runs past the end of the buffer is the buffer refilled.  Every
 * length read from the file is checked against CAPFILE_MAX_CAPLEN, against
 * its block and against the bytes actually present before it is used, so
 * damaged input yields an error naming the file and the byte offset (of
 * the decompressed stream), never an out-of-bounds read.  After an error or
 * the end the reader stays finished and repeats its last answer.  Frames
 * handed out point into the buffer.
 */
#if !defined(_GNU_SOURCE) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L /* O_CLOEXEC */
#endif
#include "capfile_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

int cf_fail(struct capfile *cf, struct umbra_err *err, int code,
            const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = cf_vfail(cf, err, code, NULL, fmt, ap);
	va_end(ap);
	return rc;
}

int cf_bad(struct capfile *cf, struct umbra_err *err, const char *what,
           const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = cf_vfail(cf, err, -EBADMSG, what, fmt, ap);
	va_end(ap);
	return rc;
}

int cf_end(struct capfile *cf)
{
	cf->done = true;
	cf->status = 0;
	return 0;
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

/* Choose the container from the magic and let it read its file header. */
static int cf_container(struct capfile *cf, enum capfile_format fmt,
                        struct umbra_err *err)
{
	static const struct {
		uint32_t magic; /* as read in our byte order */
		const struct cf_container *c;
	} magics[] = {
	    {PCAPNG_SHB, &cf_pcapng},   {0xa1b2c3d4u, &cf_pcap_us},
	    {0xd4c3b2a1u, &cf_pcap_us}, {0xa1b23c4du, &cf_pcap_ns},
	    {0x4d3cb2a1u, &cf_pcap_ns},
	};
	const struct cf_container *c = NULL;
	const uint8_t *p = cf->buf;
	uint32_t magic;

	if (fmt == CAPFILE_ERF) {
		c = &cf_erf;
	} else {
		if (cf->end < 4)
			return cf_fail(cf, err, -EINVAL,
			               "not a pcap or pcapng file (only %zu "
			               "bytes)",
			               cf->end);
		magic = rd32(p, false);
		for (size_t i = 0; i < sizeof magics / sizeof magics[0]; i++)
			if (magics[i].magic == magic)
				c = magics[i].c;
		if (!c)
			return cf_fail(cf, err, -EINVAL,
			               "not a pcap or pcapng file (first bytes "
			               "%02x %02x %02x %02x)",
			               p[0], p[1], p[2], p[3]);
	}
	cf->next = c->next;
	cf->name = c->name;
	return c->start ? c->start(cf, err) : 0;
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
	cf_input_plain(cf);
	if (cf_fill(cf, 8, "file header", err) < 0)
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
		if (strcmp(cf->zname, "gzip") == 0
		        ? cf_input_gzip(cf, err) < 0
		        : cf_input_wandio(cf, path, is_stdin, err) < 0)
			goto fail;
		if (cf_fill(cf, 8, "file header", err) < 0)
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
	cf_input_close(cf);
	free(cf->ifs);
	free(cf->buf);
	free(cf);
}
