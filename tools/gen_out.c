/* gen_out.c: umbra-gen's output file: opening it (plain or through zlib),
 * the pcap file header, writing the buffer out, closing (see gen_out.h).
 */
#include "gen_out.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int out_open(struct out *o, const char *name, int gzip)
{
	o->name = strcmp(name, "-") ? name : "stdout";
	o->len = 0;
	o->bytes = 0;
	o->gz = NULL;
	o->fd = -1;
	o->buf = malloc(BUF_SIZE);
	if (!o->buf) {
		fprintf(stderr, PROG ": out of memory\n");
		return -1;
	}
	if (!strcmp(name, "-")) {
		o->fd = STDOUT_FILENO;
	} else {
		o->fd =
		    open(name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (o->fd < 0) {
			fprintf(stderr, PROG ": %s: %s\n", name,
			        strerror(errno));
			return -1;
		}
	}
	if (!gzip)
		return 0;
	o->gz = gzdopen(o->fd, "wb1");
	if (!o->gz || gzbuffer(o->gz, 1u << 20)) {
		fprintf(stderr, PROG ": %s: cannot start gzip\n", o->name);
		return -1;
	}
	return 0;
}

void out_pcap_header(struct out *o)
{
	uint8_t *h = o->buf + o->len;

	put32le(h, 0xa1b2c3d4); /* microsecond timestamps */
	h[4] = 2;               /* version 2.4, little-endian */
	h[5] = 0;
	h[6] = 4;
	h[7] = 0;
	put32le(h + 8, 0);  /* thiszone */
	put32le(h + 12, 0); /* sigfigs */
	put32le(h + 16, 65535);
	put32le(h + 20, 1); /* LINKTYPE_ETHERNET */
	o->len += 24;
}

int out_flush(struct out *o)
{
	const uint8_t *p = o->buf;
	size_t n = o->len;

	o->bytes += n;
	o->len = 0;
	if (o->gz) {
		int err;

		if (n && gzwrite(o->gz, p, (unsigned)n) != (int)n) {
			fprintf(stderr, PROG ": %s: %s\n", o->name,
			        gzerror(o->gz, &err));
			return -1;
		}
		return 0;
	}
	while (n) {
		ssize_t w = write(o->fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			fprintf(stderr, PROG ": %s: %s\n", o->name,
			        strerror(errno));
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int out_close(struct out *o)
{
	int rc = 0;

	if (o->gz) {
		int err = gzclose(o->gz);

		if (err != Z_OK) {
			fprintf(stderr, PROG ": %s: gzip close failed (%d)\n",
			        o->name, err);
			rc = -1;
		}
	} else if (o->fd > STDERR_FILENO && close(o->fd)) {
		fprintf(stderr, PROG ": %s: %s\n", o->name, strerror(errno));
		rc = -1;
	}
	free(o->buf);
	return rc;
}
