/* capture.h: the capture backends' one interface.
 *
 * Each backend fills one struct capture_ops; the capture thread never asks
 * which one it has:
 *   capture_file.c      our own pcap/pcapng/ERF reader (lib/capfile.c)
 *   capture_libtrace.c  any other libtrace URI (int:, ring:, pcapint:, ...)
 *   capture_afpacket.c  afpacket:IFACE, TPACKET_V3 rings in a fanout group
 *   capture_dpdk.c      dpdk:PORT, one RX queue per capture thread
 * capture_pick() picks the backend from the URI once, at start.
 *
 * Life of a live input read by Q capture threads (queues 0..Q-1):
 *   prepare()  once, in the main thread, before any open (DPDK: EAL and
 *              port setup); its *shared goes to every open() and to
 *              unprepare();
 *   open()     once per queue, in the main thread, in queue order (the
 *              fanout index is the join order), before privileges are
 *              dropped;
 *   next()     in the capture thread that owns the queue;
 *   drops()    in that thread, at each interval end (control path);
 *   close()    in the main thread after the capture threads have ended;
 *   unprepare() last.
 * File inputs are opened by their capture thread, in order, one at a time.
 */
#ifndef UMBRA_CAPTURE_H
#define UMBRA_CAPTURE_H

#include <stdint.h>

#include "autoconfig.h"
#include "config.h"
#include "errbuf.h"
#include "frame.h"

/* A live next() returns -EAGAIN when nothing arrived for about this long,
 * so that the capture thread can close intervals by wall clock and see a
 * stop request on an idle link. */
#define CAPTURE_POLL_MS 100

struct capture_src;

/* Cumulative drop counters of one queue since it was opened. */
struct capture_drops {
	uint64_t kernel; /* kernel ring drops (PACKET_STATISTICS tp_drops,
	                    libtrace's dropped count) */
	uint64_t nic;    /* NIC misses (DPDK imissed) */
	uint64_t nombuf; /* no receive buffer (DPDK rx_nombuf) */
};

struct capture_ops {
	const char *name;
	/* 1: packets arrive in real time.  The capture thread then closes
	 * intervals by wall clock too (close_grace), and drops (and counts)
	 * a packet whose aggregator queue is full instead of waiting. */
	int live;
	/* 1: the input is read by cfg->capture_threads queues; 0: by one. */
	int multi_queue;
	/* Optional (NULL = nothing to do).  0 or -errno with a message. */
	int (*prepare)(const char *rest, const struct umbra_config *cfg,
	               uint32_t n_queues, void **shared, struct umbra_err *err);
	void (*unprepare)(void *shared);
	/* Open queue `queue` of n_queues of the input `rest` (the URI without
	 * any prefix the backend does not want).  NULL and a message naming
	 * the input on failure. */
	struct capture_src *(*open)(const char *rest,
	                            const struct umbra_config *cfg,
	                            void *shared, uint32_t queue,
	                            uint32_t n_queues, struct umbra_err *err);
	/* 1 = *frame filled (valid until the next call), 0 = end of input,
	 * -EAGAIN = nothing within about CAPTURE_POLL_MS (live only),
	 * -ENODATA = the input ended inside a record (a warning: every
	 * complete record before it was returned), other < 0 = error. */
	int (*next)(struct capture_src *src, struct umbra_frame *frame,
	            struct umbra_err *err);
	/* Cumulative drops since open; zeros for files. */
	void (*drops)(struct capture_src *src, struct capture_drops *d);
	void (*close)(struct capture_src *src);
};

extern const struct capture_ops capture_file_ops;
extern const struct capture_ops capture_libtrace_ops;
extern const struct capture_ops capture_libtrace_live_ops;
extern const struct capture_ops capture_afpacket_ops;
#ifdef HAVE_DPDK
extern const struct capture_ops capture_dpdk_ops;
#endif

/* Choose the backend for uri and the name to hand to its open():
 *   "-", a path, "pcapfile:P", "pcap:P", "pcapng:P" -> file (container by
 *   magic bytes); "erf:P" or a name containing ".erf" -> file as ERF;
 *   "afpacket:IFACE" -> AF_PACKET; "dpdk:PORT" -> DPDK (when built);
 *   "int:", "ring:", "pcapint:", "dag:", "bpf:" -> libtrace, live;
 *   any other "format:..." -> libtrace.
 * NULL (and a message) for a URI no backend of this build reads. */
const struct capture_ops *capture_pick(const char *uri, const char **rest,
                                       struct umbra_err *err);

#endif
