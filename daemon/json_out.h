/* json_out.h: writing one JSON message into a caller's buffer, for the
 * interval stats (stats.c) and the heartbeats (heartbeat.c).
 *
 * Text that does not fit sets overflow and everything after it is
 * dropped: json_out_end() then reports -ENOSPC, so a cut message is never
 * published.
 */
#ifndef UMBRA_JSON_OUT_H
#define UMBRA_JSON_OUT_H

#include <stddef.h>

struct json_out {
	char *p;
	size_t len, off;
	int overflow;
};

static inline struct json_out json_out_init(char *buf, size_t len)
{
	return (struct json_out){buf, len, 0, 0};
}

/* Append printf-style text. */
void json_printf(struct json_out *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Append s as a JSON string (NULL as ""): quotes, backslashes and control
 * bytes escaped, other bytes as they are. */
void json_string(struct json_out *o, const char *s);

/* The message's length, or -ENOSPC if it did not fit. */
int json_out_end(const struct json_out *o);

#endif
