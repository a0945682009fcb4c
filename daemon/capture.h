/* capture.h: the capture backends' one interface.
 *
 * Each backend (capture_file.c: our own pcap/pcapng/ERF reader;
 * capture_libtrace.c: any other libtrace URI) fills one struct capture_ops;
 * the reader thread never asks which one it has.  capture_open() picks the
 * backend from the URI once, at start.
 *
 * Thread use: a capture source belongs to the capture thread that opened it.
 */
#ifndef UMBRA_CAPTURE_H
#define UMBRA_CAPTURE_H

#include "errbuf.h"
#include "frame.h"

struct capture_src;

struct capture_ops {
	const char *name;
	/* Open uri (without any prefix the backend does not want).  NULL and
	 * a message naming the input on failure. */
	struct capture_src *(*open)(const char *uri, struct umbra_err *err);
	/* 1 = *frame filled (valid until the next call), 0 = end of input,
	 * -ENODATA = the input ended inside a record (a warning: every
	 * complete record before it was returned), other < 0 = error. */
	int (*next)(struct capture_src *src, struct umbra_frame *frame,
	            struct umbra_err *err);
	/* Frames the backend lost (kernel or NIC drops) so far; 0 for files. */
	unsigned long long (*drops)(struct capture_src *src);
	void (*close)(struct capture_src *src);
};

extern const struct capture_ops capture_file_ops;
extern const struct capture_ops capture_libtrace_ops;

/* Choose the backend for uri and the name to hand to its open():
 *   "-", a path, "pcapfile:P", "pcap:P", "pcapng:P" -> file (container by
 *   magic bytes); "erf:P" or a name containing ".erf" -> file as ERF;
 *   any other "format:..." -> libtrace. */
const struct capture_ops *capture_pick(const char *uri, const char **rest);

#endif
