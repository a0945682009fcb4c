/* pfx2as_int.h: between the pfx2as parser (pfx2as_parse.c) and the table
 * it feeds (pfx2as.c).  Not installed. */
#ifndef UMBRA_PFX2AS_INT_H
#define UMBRA_PFX2AS_INT_H

#include <stddef.h>
#include <stdint.h>

#include "errbuf.h"
#include "pfx2as.h"

/* The sort key packs the entry's index in 26 bits. */
#define P2A_MAX_PREFIXES (1u << 26)

/* One IPv4 line of the file. */
struct p2a_entry {
	uint32_t net; /* masked to len */
	uint32_t asn; /* first AS of the first origin */
	uint32_t line;
	uint16_t n_origins;
	uint16_t n_as;
	uint8_t len;
};

struct p2a_parser {
	const char *name; /* the file, in messages */
	struct umbra_err *err;
	struct p2a_entry *v; /* the IPv4 prefixes, in file order */
	size_t n, cap;
	struct pfx2as_stats st;
	char *carry; /* a line cut by the end of a read */
	size_t clen, ccap;
};

static inline uint32_t p2a_mask(unsigned len)
{
	return len ? ~(uint32_t)0 << (32 - len) : 0;
}

void p2a_parser_init(struct p2a_parser *p, const char *name,
                     struct umbra_err *err);
void p2a_parser_free(struct p2a_parser *p);

/* Parse a whole text, or a whole file (gzip or plain): 0, or a negative
 * code with the message in p->err. */
int p2a_parse_mem(struct p2a_parser *p, const char *text, size_t len);
int p2a_parse_file(struct p2a_parser *p, const char *path);

#endif
