/* tail_json.h: a small, strict JSON reader for umbrad's interval stats
 * message, enough for umbra-tail: it checks the whole text against the JSON
 * grammar (bounded depth, no trailing bytes) and picks out the few flat
 * fields the table shows. */
#ifndef UMBRA_TAIL_JSON_H
#define UMBRA_TAIL_JSON_H

#include <stddef.h>
#include <stdint.h>

#define TAIL_PATH_MAX 4096

struct tail_stats {
	int64_t start;       /* interval.start, Unix seconds */
	uint64_t length;     /* interval.length, seconds */
	uint64_t packets;    /* packets.total */
	uint64_t flowtuples; /* flowtuples */
	uint64_t sources;    /* sources */
	uint64_t drops[3];   /* drops.backend, drops.queue, drops.aggregator */
	double write_s;      /* write_seconds */
	char path[TAIL_PATH_MAX + 1]; /* file.path, decoded */
	unsigned have;                /* bit per field found */
};

/* Check that buf[0..len) is one JSON object, and fill *st with the fields
 * it holds.  Returns 0 when the text is valid JSON and every field is
 * there with the right type; else -1 with a reason in err. */
int tail_json_parse(const char *buf, size_t len, struct tail_stats *st,
                    char *err, size_t errlen);

/* Only the grammar: 0 when buf[0..len) is one JSON object, else -1 and a
 * reason in err. */
int tail_json_check(const char *buf, size_t len, char *err, size_t errlen);

#endif
