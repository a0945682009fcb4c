/* heartbeat.c: the heartbeat message and the threads' liveness (see
 * heartbeat.h). */
#include "heartbeat.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "json_out.h"

int heartbeat_init(struct heartbeat *h, struct pipeline *pl, double now)
{
	*h = (struct heartbeat){.pl = pl, .started = now, .last = now};
	h->prev = calloc(pl->n_cap, sizeof *h->prev);
	h->prev_d = calloc(pl->n_cap, sizeof *h->prev_d);
	h->seen_ticks = calloc(pl->n_cap, sizeof *h->seen_ticks);
	h->seen_beats = calloc(pl->n_agg, sizeof *h->seen_beats);
	h->moved = calloc((size_t)pl->n_cap + pl->n_agg, sizeof *h->moved);
	if (!h->prev || !h->prev_d || !h->seen_ticks || !h->seen_beats ||
	    !h->moved) {
		heartbeat_free(h);
		return -ENOMEM;
	}
	for (size_t i = 0; i < (size_t)pl->n_cap + pl->n_agg; i++)
		h->moved[i] = now;
	return 0;
}

void heartbeat_free(struct heartbeat *h)
{
	free(h->prev);
	free(h->prev_d);
	free(h->seen_ticks);
	free(h->seen_beats);
	free(h->moved);
	h->prev = h->prev_d = h->seen_ticks = h->seen_beats = NULL;
	h->moved = NULL;
}

static double rate(uint64_t now, uint64_t then, double dt)
{
	return dt > 0 && now >= then ? (double)(now - then) / dt : 0.0;
}

int heartbeat_format(struct heartbeat *h, char *buf, size_t len, double wall,
                     double now)
{
	struct pipeline *pl = h->pl;
	struct json_out o = json_out_init(buf, len);
	double dt = now - h->last;
	uint64_t pk = 0, bd = 0, qd = 0, pk0 = 0, d0 = 0;
	int64_t open = INT64_MIN;

	for (uint32_t i = 0; i < pl->n_cap; i++) {
		struct capture_gauge *g = &pl->gauges[i];
		int64_t o1 =
		    atomic_load_explicit(&g->open, memory_order_relaxed);
		pk += atomic_load_explicit(&g->packets, memory_order_relaxed);
		bd += atomic_load_explicit(&g->backend_drops,
		                           memory_order_relaxed);
		qd +=
		    atomic_load_explicit(&g->queue_drops, memory_order_relaxed);
		pk0 += h->prev[i];
		d0 += h->prev_d[i];
		if (o1 > open)
			open = o1;
	}
	json_printf(&o, "{\"version\":%d,\"monitor\":", HEARTBEAT_VERSION);
	json_string(&o, pl->cfg->monitor);
	json_printf(&o,
	            ",\"time\":%.3f,\"uptime_seconds\":%.3f,\"live\":%s"
	            ",\"open_interval\":%" PRId64 ",\"packets\":%" PRIu64
	            ",\"pps\":%.1f,\"drops\":{\"backend\":%" PRIu64
	            ",\"queue\":%" PRIu64
	            "},\"drops_per_second\":%.1f,\"capture\":[",
	            wall, now - h->started, pl->n_live ? "true" : "false",
	            open == INT64_MIN ? (int64_t)0 : open, pk,
	            rate(pk, pk0, dt), bd, qd, rate(bd + qd, d0, dt));
	for (uint32_t i = 0; i < pl->n_cap; i++) {
		struct capture_gauge *g = &pl->gauges[i];
		uint64_t p =
		    atomic_load_explicit(&g->packets, memory_order_relaxed);
		uint64_t b = atomic_load_explicit(&g->backend_drops,
		                                  memory_order_relaxed);
		uint64_t q =
		    atomic_load_explicit(&g->queue_drops, memory_order_relaxed);
		json_printf(&o, "%s{\"id\":%u,\"input\":", i ? "," : "", i);
		json_string(&o, pl->cap_input[i]);
		json_printf(&o,
		            ",\"queue\":%u,\"packets\":%" PRIu64
		            ",\"pps\":%.1f,\"backend_drops\":%" PRIu64
		            ",\"queue_drops\":%" PRIu64
		            ",\"drops_per_second\":%.1f"
		            ",\"open_interval\":%" PRId64 "}",
		            pl->cap_queue[i], p, rate(p, h->prev[i], dt), b, q,
		            rate(b + q, h->prev_d[i], dt),
		            (int64_t)atomic_load_explicit(
		                &g->open, memory_order_relaxed));
		h->prev[i] = p;
		h->prev_d[i] = b + q;
	}
	json_printf(&o, "],\"aggregators\":[");
	for (uint32_t a = 0; a < pl->n_agg; a++) {
		double worst = 0;
		for (uint32_t c = 0; c < pl->n_cap; c++) {
			struct spsc_ring *r = pipeline_ring(pl, c, a);
			double f = (double)spsc_fill(r) / (double)(r->mask + 1);
			if (f > worst)
				worst = f;
		}
		json_printf(&o, "%s{\"id\":%u,\"queue_fill\":%.4f}",
		            a ? "," : "", a, worst);
	}
	json_printf(&o, "]}");
	h->last = now;
	return json_out_end(&o);
}

int heartbeat_alive(struct heartbeat *h, double now, double stall, char *who,
                    size_t wlen)
{
	struct pipeline *pl = h->pl;
	int ok = 1;

	for (uint32_t i = 0; i < pl->n_cap; i++) {
		uint64_t t = atomic_load_explicit(&pl->gauges[i].ticks,
		                                  memory_order_relaxed);
		if (t != h->seen_ticks[i]) {
			h->seen_ticks[i] = t;
			h->moved[i] = now;
		} else if (pl->n_live && ok && now - h->moved[i] > stall) {
			snprintf(who, wlen, "capture %u (%s)", i,
			         pl->cap_input[i]);
			ok = 0;
		}
	}
	for (uint32_t a = 0; a < pl->n_agg; a++) {
		uint64_t b = atomic_load_explicit(&pl->agg_gauges[a].beats,
		                                  memory_order_relaxed);
		double *m = &h->moved[pl->n_cap + a];
		if (b != h->seen_beats[a]) {
			h->seen_beats[a] = b;
			*m = now;
		} else if (ok && now - *m > stall) {
			snprintf(who, wlen, "aggregator %u", a);
			ok = 0;
		}
	}
	return ok;
}
