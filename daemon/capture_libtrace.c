/* capture_libtrace.c: any input libtrace 3 reads that our own file reader
 * does not: live int:/ring:/pcapint:/dag:/bpf: (capture_libtrace_live_ops)
 * and rt:, tsh:, legacy formats (capture_libtrace_ops).
 *
 * libtrace hands us the link layer; the decoder does the rest, as for every
 * other backend.  Files in pcap, pcapng and ERF never come here: libtrace
 * 3.0.22 aborts on some broken files of those kinds (see capfile.h).
 *
 * Live formats are read through trace_event(), not trace_read_packet(): the
 * latter blocks in int: and ignores signals (PLATFORM.md), and a capture
 * thread must come back every CAPTURE_POLL_MS to close intervals by wall
 * clock and to see a stop request.  libtrace 3 has no parallel API: one
 * thread reads each live URI and hashes packets onto the aggregators.
 */
#include <errno.h>
#include <libtrace.h>
#include <poll.h>
#include <stdlib.h>
#include <time.h>

#include "capture.h"
#include "clock.h"

struct lt_src {
	libtrace_t *trace;
	libtrace_packet_t *packet;
	libtrace_filter_t *filter;
	const char *uri;
	int live;
};

static enum umbra_link map_link(libtrace_linktype_t lt)
{
	switch (lt) {
	case TRACE_TYPE_ETH:
		return UMBRA_LINK_ETHERNET;
	case TRACE_TYPE_NONE:
		return UMBRA_LINK_RAW;
	case TRACE_TYPE_LINUX_SLL:
		return UMBRA_LINK_SLL;
	case TRACE_TYPE_PPP:
		return UMBRA_LINK_PPP;
	case TRACE_TYPE_HDLC_POS:
	case TRACE_TYPE_POS:
		return UMBRA_LINK_PPP_HDLC;
	case TRACE_TYPE_OPENBSD_LOOP:
		return UMBRA_LINK_LOOP;
	default:
		return UMBRA_LINK_UNKNOWN;
	}
}

static struct capture_src *open_any(const char *uri,
                                    const struct umbra_config *cfg, int live,
                                    struct umbra_err *err)
{
	struct lt_src *s = calloc(1, sizeof *s);

	if (!s) {
		umbra_err_set(err, -ENOMEM, "%s: out of memory", uri);
		return NULL;
	}
	s->uri = uri;
	s->live = live;
	s->trace = trace_create(uri);
	if (trace_is_err(s->trace)) {
		libtrace_err_t e = trace_get_err(s->trace);
		umbra_err_set(err, -EINVAL, "%s: libtrace: %s", uri, e.problem);
		goto fail;
	}
	if (live) {
		int promisc = cfg->promiscuous ? 1 : 0;
		if (trace_config(s->trace, TRACE_OPTION_PROMISC, &promisc) < 0)
			trace_get_err(s->trace); /* not every format has it */
		if (cfg->bpf_filter[0]) {
			s->filter = trace_create_filter(cfg->bpf_filter);
			if (!s->filter ||
			    trace_config(s->trace, TRACE_OPTION_FILTER,
			                 s->filter) < 0) {
				libtrace_err_t e = trace_get_err(s->trace);
				umbra_err_set(err, -EINVAL,
				              "%s: bpf_filter '%s': %s", uri,
				              cfg->bpf_filter, e.problem);
				goto fail;
			}
		}
	}
	if (trace_start(s->trace) == -1) {
		libtrace_err_t e = trace_get_err(s->trace);
		umbra_err_set(err, -EIO, "%s: libtrace cannot start: %s", uri,
		              e.problem);
		goto fail;
	}
	s->packet = trace_create_packet();
	if (!s->packet) {
		umbra_err_set(err, -ENOMEM, "%s: out of memory", uri);
		goto fail;
	}
	return (struct capture_src *)s;
fail:
	if (s->packet)
		trace_destroy_packet(s->packet);
	if (s->trace)
		trace_destroy(s->trace);
	if (s->filter)
		trace_destroy_filter(s->filter);
	free(s);
	return NULL;
}

static struct capture_src *lt_open(const char *uri,
                                   const struct umbra_config *cfg, void *shared,
                                   uint32_t queue, uint32_t n_queues,
                                   struct umbra_err *err)
{
	(void)shared, (void)queue, (void)n_queues;
	return open_any(uri, cfg, 0, err);
}

static struct capture_src *
lt_open_live(const char *uri, const struct umbra_config *cfg, void *shared,
             uint32_t queue, uint32_t n_queues, struct umbra_err *err)
{
	(void)shared, (void)queue, (void)n_queues;
	return open_any(uri, cfg, 1, err);
}

/* The live read: trace_event() until a packet, the end, or about
 * CAPTURE_POLL_MS without one.  Returns trace_read_packet's convention, or
 * -EAGAIN. */
static int read_event(struct lt_src *s)
{
	double deadline = mono_now() * 1e3 + CAPTURE_POLL_MS;

	for (;;) {
		libtrace_eventobj_t ev = trace_event(s->trace, s->packet);
		double left = deadline - mono_now() * 1e3;
		switch (ev.type) {
		case TRACE_EVENT_PACKET:
			return ev.size;
		case TRACE_EVENT_TERMINATE:
			return trace_is_err(s->trace) ? -1 : 0;
		case TRACE_EVENT_IOWAIT: {
			struct pollfd p = {.fd = ev.fd, .events = POLLIN};
			if (left <= 0)
				return -EAGAIN;
			if (poll(&p, 1, (int)left + 1) == 0)
				return -EAGAIN;
			break;
		}
		case TRACE_EVENT_SLEEP: {
			double ms = ev.seconds * 1e3;
			if (left <= 0)
				return -EAGAIN;
			if (ms > left)
				ms = left;
			long ns = (long)(ms * 1e6);
			struct timespec ts = {ns / 1000000000L,
			                      ns % 1000000000L};
			nanosleep(&ts, NULL);
			break;
		}
		}
	}
}

static int lt_next(struct capture_src *src, struct umbra_frame *f,
                   struct umbra_err *err)
{
	struct lt_src *s = (struct lt_src *)src;

	for (;;) {
		int rc = s->live ? read_event(s)
		                 : trace_read_packet(s->trace, s->packet);
		if (rc == 0 || rc == -EAGAIN)
			return rc;
		if (rc < 0) {
			libtrace_err_t e = trace_get_err(s->trace);
			return umbra_err_set(err, -EIO, "%s: libtrace: %s",
			                     s->uri, e.problem);
		}
		libtrace_linktype_t lt;
		uint32_t remaining = 0;
		void *l2 = trace_get_packet_buffer(s->packet, &lt, &remaining);
		if (lt == TRACE_TYPE_METADATA || lt == TRACE_TYPE_NONDATA)
			continue;
		struct timeval tv = trace_get_timeval(s->packet);
		f->data = l2;
		f->caplen = l2 ? remaining : 0;
		f->wirelen = (uint32_t)trace_get_wire_length(s->packet);
		f->ts_sec = tv.tv_sec;
		f->ts_nsec = (uint32_t)tv.tv_usec * 1000u;
		f->has_ts = 1;
		f->link = (uint8_t)map_link(lt);
		f->iface = 0;
		return 1;
	}
}

static void lt_drops(struct capture_src *src, struct capture_drops *d)
{
	struct lt_src *s = (struct lt_src *)src;
	uint64_t n = trace_get_dropped_packets(s->trace);

	*d = (struct capture_drops){0};
	d->kernel = n == UINT64_MAX ? 0 : n;
}

static void lt_close(struct capture_src *src)
{
	struct lt_src *s = (struct lt_src *)src;

	if (!s)
		return;
	if (s->packet)
		trace_destroy_packet(s->packet);
	trace_destroy(s->trace);
	if (s->filter)
		trace_destroy_filter(s->filter);
	free(s);
}

const struct capture_ops capture_libtrace_ops = {
    .name = "libtrace",
    .open = lt_open,
    .next = lt_next,
    .drops = lt_drops,
    .close = lt_close,
};

const struct capture_ops capture_libtrace_live_ops = {
    .name = "libtrace live",
    .live = 1,
    .open = lt_open_live,
    .next = lt_next,
    .drops = lt_drops,
    .close = lt_close,
};
