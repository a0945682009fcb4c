/* stats.h: what the daemon counts per interval, and its JSON form
 * (FLOWTUPLE4.md section 6; the schema ships as conf/stats.schema.json).
 */
#ifndef UMBRA_STATS_H
#define UMBRA_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "classify.h"
#include "rules.h"

/* One capture thread's counters for one interval.  Hot-path counters: they
 * live in the capture thread's own struct and are copied at interval end. */
struct capture_counters {
	uint64_t total; /* = ipv4 + ipv6 + non_ip + malformed */
	uint64_t ipv4;
	uint64_t ipv6;
	uint64_t non_ip;
	uint64_t malformed;
	uint64_t late;
	uint64_t bad_time;
	uint64_t wire_bytes; /* frame length as recorded, every packet */
	uint64_t ip_bytes;   /* IP total length, valid IPv4 packets */
	uint64_t tcp, udp, icmp, other; /* valid IPv4 packets by protocol */
	uint64_t backend_drops;         /* lost by the kernel/NIC: the sum of */
	uint64_t kernel_drops; /*   the kernel ring's (PACKET_STATISTICS) */
	uint64_t nic_drops;    /*   the NIC's misses (DPDK imissed) */
	uint64_t nombuf_drops; /*   no buffer for them (DPDK rx_nombuf) */
	uint64_t queue_drops;  /* lost on a full aggregator queue */
	/* valid IPv4 packets in each class (classify.h), before any rule */
	uint64_t classes[UMBRA_CLASS__COUNT];
	/* valid IPv4 packets not aggregated, by the rule kind that refused
	 * them (rules.h: the first that does), and of those the ones in
	 * each class */
	uint64_t rule_drops[UMBRA_RULE__COUNT];
	uint64_t rule_class_drops[UMBRA_RULE__COUNT][UMBRA_CLASS__COUNT];
};

void capture_counters_add(struct capture_counters *sum,
                          const struct capture_counters *c);

#define STATS_MAX_CAPTURE 64

/* What became of an interval's records (see backlog.h). */
enum output_status {
	OUTPUT_WRITTEN = 0, /* in its file (committed, or open: rotation) */
	OUTPUT_HELD,        /* not written yet: kept in memory, retried */
	OUTPUT_LOST,        /* dropped: not written and never will be */
};

struct interval_report {
	const char *monitor;
	int64_t start;
	uint32_t length;
	struct capture_counters total;
	uint32_t n_capture;
	struct capture_counters per_capture[STATS_MAX_CAPTURE];
	const char *capture_input[STATS_MAX_CAPTURE]; /* its input's URI */
	uint32_t capture_queue[STATS_MAX_CAPTURE];    /* queue in that input */
	uint64_t flowtuples;
	uint64_t sources;
	uint64_t aggregator_drops; /* packets not (fully) counted: no memory */
	uint64_t table_bytes;      /* memory held by the aggregators' tables */
	const char *file;          /* file holding the interval ("" if none) */
	uint64_t file_bytes;       /* its size when committed, else 0 */
	int file_committed;
	double write_seconds;
	double close_lag_seconds; /* wall clock at close minus interval end */
	enum output_status output_status; /* this interval's */
	uint64_t held_intervals;  /* intervals held in memory, not written */
	uint64_t held_bytes;      /* the memory they hold */
	uint64_t lost_intervals;  /* since start: dropped, never written */
	uint64_t lost_flowtuples; /* their records */
};

#define STATS_VERSION 1

/* "written", "held", "lost". */
const char *output_status_name(enum output_status s);

/* The interval message's JSON object (no newline).  Returns its length, or
 * a negative errno if it does not fit. */
int stats_format_json(char *buf, size_t len, const struct interval_report *r);

#endif
