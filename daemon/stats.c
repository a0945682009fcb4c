/* stats.c: interval counters and their JSON (see stats.h). */
#include "stats.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "json_out.h"

void capture_counters_add(struct capture_counters *sum,
                          const struct capture_counters *c)
{
	sum->total += c->total;
	sum->ipv4 += c->ipv4;
	sum->ipv6 += c->ipv6;
	sum->non_ip += c->non_ip;
	sum->malformed += c->malformed;
	sum->late += c->late;
	sum->bad_time += c->bad_time;
	sum->wire_bytes += c->wire_bytes;
	sum->ip_bytes += c->ip_bytes;
	sum->tcp += c->tcp;
	sum->udp += c->udp;
	sum->icmp += c->icmp;
	sum->other += c->other;
	sum->backend_drops += c->backend_drops;
	sum->kernel_drops += c->kernel_drops;
	sum->nic_drops += c->nic_drops;
	sum->nombuf_drops += c->nombuf_drops;
	sum->queue_drops += c->queue_drops;
	for (unsigned k = 0; k < UMBRA_CLASS__COUNT; k++)
		sum->classes[k] += c->classes[k];
	for (unsigned r = 0; r < UMBRA_RULE__COUNT; r++) {
		sum->rule_drops[r] += c->rule_drops[r];
		for (unsigned k = 0; k < UMBRA_CLASS__COUNT; k++)
			sum->rule_class_drops[r][k] +=
			    c->rule_class_drops[r][k];
	}
}

const char *output_status_name(enum output_status s)
{
	switch (s) {
	case OUTPUT_WRITTEN:
		return "written";
	case OUTPUT_HELD:
		return "held";
	case OUTPUT_LOST:
		return "lost";
	}
	return "unknown";
}

/* {"spoofed":N,...}: one count per class. */
static void jclasses(struct json_out *b, const uint64_t n[UMBRA_CLASS__COUNT])
{
	for (unsigned k = 0; k < UMBRA_CLASS__COUNT; k++)
		json_printf(b, "%s\"%s\":%" PRIu64, k ? "," : "{",
		            umbra_class_name(k), n[k]);
	json_printf(b, "}");
}

/* "classes" (every valid IPv4 packet, before the rules) and
 * "dropped_by_rule" (what each rule kind kept from aggregation). */
static void jrules(struct json_out *b, const struct capture_counters *t)
{
	uint64_t all = 0;

	for (unsigned r = 0; r < UMBRA_RULE__COUNT; r++)
		all += t->rule_drops[r];
	json_printf(b, ",\"classes\":");
	jclasses(b, t->classes);
	json_printf(b, ",\"dropped_by_rule\":{\"packets\":%" PRIu64, all);
	for (unsigned r = 0; r < UMBRA_RULE__COUNT; r++) {
		json_printf(b, ",\"%s\":{\"packets\":%" PRIu64 ",\"classes\":",
		            umbra_rule_name(r), t->rule_drops[r]);
		jclasses(b, t->rule_class_drops[r]);
		json_printf(b, "}");
	}
	json_printf(b, "}");
}

int stats_format_json(char *buf, size_t len, const struct interval_report *r)
{
	struct json_out b = json_out_init(buf, len);
	const struct capture_counters *t = &r->total;

	json_printf(&b, "{\"version\":%d,\"monitor\":", STATS_VERSION);
	json_string(&b, r->monitor);
	json_printf(&b,
	            ",\"interval\":{\"start\":%" PRId64 ",\"length\":%u}"
	            ",\"packets\":{\"total\":%" PRIu64 ",\"ipv4\":%" PRIu64
	            ",\"ipv6\":%" PRIu64 ",\"non_ip\":%" PRIu64
	            ",\"malformed\":%" PRIu64 ",\"late\":%" PRIu64
	            ",\"bad_time\":%" PRIu64 "}"
	            ",\"bytes\":{\"wire\":%" PRIu64 ",\"ipv4\":%" PRIu64 "}"
	            ",\"protocols\":{\"tcp\":%" PRIu64 ",\"udp\":%" PRIu64
	            ",\"icmp\":%" PRIu64 ",\"other\":%" PRIu64 "}"
	            ",\"flowtuples\":%" PRIu64 ",\"sources\":%" PRIu64,
	            r->start, r->length, t->total, t->ipv4, t->ipv6, t->non_ip,
	            t->malformed, t->late, t->bad_time, t->wire_bytes,
	            t->ip_bytes, t->tcp, t->udp, t->icmp, t->other,
	            r->flowtuples, r->sources);
	jrules(&b, t);
	json_printf(&b,
	            ",\"drops\":{\"backend\":%" PRIu64 ",\"queue\":%" PRIu64
	            ",\"aggregator\":%" PRIu64 "},\"capture\":[",
	            t->backend_drops, t->queue_drops, r->aggregator_drops);
	for (uint32_t i = 0; i < r->n_capture && i < STATS_MAX_CAPTURE; i++) {
		const struct capture_counters *c = &r->per_capture[i];
		json_printf(&b, "%s{\"id\":%u,\"input\":", i ? "," : "", i);
		json_string(&b, r->capture_input[i] ? r->capture_input[i] : "");
		json_printf(
		    &b,
		    ",\"queue\":%u,\"packets\":%" PRIu64
		    ",\"malformed\":%" PRIu64 ",\"backend_drops\":%" PRIu64
		    ",\"kernel_drops\":%" PRIu64 ",\"nic_drops\":%" PRIu64
		    ",\"nombuf_drops\":%" PRIu64 ",\"queue_drops\":%" PRIu64
		    "}",
		    r->capture_queue[i], c->total, c->malformed,
		    c->backend_drops, c->kernel_drops, c->nic_drops,
		    c->nombuf_drops, c->queue_drops);
	}
	json_printf(&b, "],\"file\":{\"path\":");
	json_string(&b, r->file ? r->file : "");
	json_printf(&b,
	            ",\"bytes\":%" PRIu64 ",\"committed\":%s}"
	            ",\"write_seconds\":%.6f,\"close_lag_seconds\":%.3f"
	            ",\"table_bytes\":%" PRIu64,
	            r->file_bytes, r->file_committed ? "true" : "false",
	            r->write_seconds, r->close_lag_seconds, r->table_bytes);
	json_printf(&b,
	            ",\"output\":{\"status\":\"%s\",\"held_intervals\":%" PRIu64
	            ",\"held_bytes\":%" PRIu64 ",\"lost_intervals\":%" PRIu64
	            ",\"lost_flowtuples\":%" PRIu64 "}}",
	            output_status_name(r->output_status), r->held_intervals,
	            r->held_bytes, r->lost_intervals, r->lost_flowtuples);
	return json_out_end(&b);
}
