/* capture_libtrace.c: any input libtrace 3 reads that our own file reader
 * does not (live int:/ring:/pcapint:, dag:, rt:, tsh:, legacy formats).
 *
 * libtrace hands us the link layer; the decoder does the rest, as for every
 * other backend.  Files in pcap, pcapng and ERF never come here: libtrace
 * 3.0.22 aborts on some broken files of those kinds (see capfile.h).
 */
#include <errno.h>
#include <libtrace.h>
#include <stdlib.h>

#include "capture.h"

struct lt_src {
	libtrace_t *trace;
	libtrace_packet_t *packet;
	const char *uri;
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

static struct capture_src *lt_open(const char *uri, struct umbra_err *err)
{
	struct lt_src *s = calloc(1, sizeof *s);

	if (!s) {
		umbra_err_set(err, -ENOMEM, "%s: out of memory", uri);
		return NULL;
	}
	s->uri = uri;
	s->trace = trace_create(uri);
	if (trace_is_err(s->trace)) {
		libtrace_err_t e = trace_get_err(s->trace);
		umbra_err_set(err, -EINVAL, "%s: libtrace: %s", uri, e.problem);
		goto fail;
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
	if (s->trace)
		trace_destroy(s->trace);
	free(s);
	return NULL;
}

static int lt_next(struct capture_src *src, struct umbra_frame *f,
                   struct umbra_err *err)
{
	struct lt_src *s = (struct lt_src *)src;

	for (;;) {
		int rc = trace_read_packet(s->trace, s->packet);
		if (rc == 0)
			return 0;
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

static unsigned long long lt_drops(struct capture_src *src)
{
	struct lt_src *s = (struct lt_src *)src;
	uint64_t d = trace_get_dropped_packets(s->trace);
	return d == UINT64_MAX ? 0 : d;
}

static void lt_close(struct capture_src *src)
{
	struct lt_src *s = (struct lt_src *)src;

	if (!s)
		return;
	if (s->packet)
		trace_destroy_packet(s->packet);
	trace_destroy(s->trace);
	free(s);
}

const struct capture_ops capture_libtrace_ops = {
    .name = "libtrace",
    .open = lt_open,
    .next = lt_next,
    .drops = lt_drops,
    .close = lt_close,
};
