/* tail_json.h: a small, strict JSON reader for umbrad's stats messages,
 * enough for umbra-tail: it checks the whole text against the JSON grammar
 * (bounded depth, no trailing bytes) and picks out the few fields a line
 * shows, of the interval stats (conf/stats.schema.json) or of a heartbeat
 * (conf/heartbeat.schema.json).
 *
 * Every function here is pure: any thread may call it; nothing it returns
 * is allocated. */
#ifndef UMBRA_TAIL_JSON_H
#define UMBRA_TAIL_JSON_H

#include <stddef.h>
#include <stdint.h>

#define TAIL_PATH_MAX 4096

/* What an interval row shows (topic "umbra.interval"). */
struct tail_stats {
	int64_t start;       /* interval.start, Unix seconds */
	uint64_t length;     /* interval.length, seconds */
	uint64_t packets;    /* packets.total */
	uint64_t flowtuples; /* flowtuples */
	uint64_t sources;    /* sources */
	uint64_t drops[3];   /* drops.backend, drops.queue, drops.aggregator */
	double write_s;      /* write_seconds */
	char path[TAIL_PATH_MAX + 1]; /* file.path, decoded */
};

/* What a heartbeat line shows (topic "umbra.heartbeat"). */
struct tail_heartbeat {
	double time;        /* time: wall clock, Unix seconds */
	double pps;         /* pps: since the previous heartbeat */
	uint64_t packets;   /* packets: since umbrad started */
	double drops_per_s; /* drops_per_second */
	uint64_t drops[2];  /* drops.backend, drops.queue: since start */
	int64_t open;       /* open_interval, 0 before the first packet */
	double queue_fill;  /* the largest aggregators[].queue_fill (0..1);
	                       -1 when the array is empty */
};

/* Check that buf[0..len) is one JSON object, and fill *st with the fields
 * it holds.  Returns 0 when the text is valid JSON and every field is
 * there with the right type; else -1 with a reason in err. */
int tail_json_parse(const char *buf, size_t len, struct tail_stats *st,
                    char *err, size_t errlen);

/* The same for a heartbeat: 0 when buf[0..len) is one JSON object with
 * every field of *hb, and every entry of its "aggregators" array an object
 * with a numeric "queue_fill"; else -1 with a reason in err. */
int tail_json_heartbeat(const char *buf, size_t len, struct tail_heartbeat *hb,
                        char *err, size_t errlen);

/* Only the grammar: 0 when buf[0..len) is one JSON object, else -1 and a
 * reason in err. */
int tail_json_check(const char *buf, size_t len, char *err, size_t errlen);

#endif
