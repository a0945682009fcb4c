/* cat_filter.h: umbra-cat's record filters and the parsing of their
 * command-line values.
 *
 * Values of one kind are ORed (-p tcp -p udp), kinds are ANDed.  A record
 * whose filtered field is null never matches that filter.
 *
 * The cat_parse_* helpers return 0 or -EINVAL and never print; the caller
 * names the option.  Single-threaded; the filter owns its memory
 * (cat_filter_free).
 */
#ifndef UMBRA_CAT_FILTER_H
#define UMBRA_CAT_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cat_record.h"

struct cat_prefix {
	uint32_t net; /* host bits cleared */
	uint32_t mask;
};

struct cat_filter {
	struct cat_prefix *src;
	size_t nsrc;
	bool any_proto;
	uint8_t proto[256 / 8];
	bool any_port;
	uint8_t port[65536 / 8];
	bool has_since;
	int64_t since; /* inclusive */
	bool has_until;
	int64_t until; /* exclusive */
};

void cat_filter_init(struct cat_filter *f);
void cat_filter_free(struct cat_filter *f);

/* "a.b.c.d/len" or "a.b.c.d"; host bits beyond len are ignored. */
int cat_filter_add_src(struct cat_filter *f, const char *arg);
/* 0..255, or tcp, udp, icmp (any case). */
int cat_filter_add_proto(struct cat_filter *f, const char *arg);
/* 0..65535. */
int cat_filter_add_port(struct cat_filter *f, const char *arg);

bool cat_filter_match(const struct cat_filter *f, const struct cat_rec *r);

/* Unix seconds (digits), or YYYY-MM-DD[THH:MM:SS[Z]] read as UTC. */
int cat_parse_time(const char *arg, int64_t *out);
/* A decimal number in [min, max], nothing else. */
int cat_parse_int(const char *arg, int64_t min, int64_t max, int64_t *out);

#endif
