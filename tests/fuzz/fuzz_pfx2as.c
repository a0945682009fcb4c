/* fuzz_pfx2as.c: libFuzzer target for the pfx2as loader (lib/pfx2as.h).
 *
 * Each input is parsed as a pfx2as file (the parser alone: every refusal
 * must come with a "fuzz:" message); when it parses, the table is built
 * and its lookups are checked against a linear scan of the parsed
 * prefixes at the edges of up to 64 of them and at a few addresses taken
 * from the input (else abort()).  A build touches the 64 MiB table, so
 * inputs that parse run at tens a second, the others at thousands.
 *
 * Build and run (seed corpus in tests/fuzz/corpus/pfx2as/):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -std=c11 \
 *     -D_GNU_SOURCE -Ilib tests/fuzz/fuzz_pfx2as.c lib/pfx2as*.c \
 *     lib/bigmem.c lib/errbuf.c -lwandio -o fuzz_pfx2as
 *   mkdir -p corpus && ./fuzz_pfx2as -max_total_time=60 corpus \
 *     tests/fuzz/corpus/pfx2as
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pfx2as.h"
#include "pfx2as_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The longest prefix holding a (ties cannot happen: duplicates are
 * refused): its AS, or 0; *len -1 when none. */
static uint32_t brute(const struct p2a_entry *v, size_t n, uint32_t a, int *len)
{
	uint32_t asn = 0;

	*len = -1;
	for (size_t i = 0; i < n; i++)
		if ((a & p2a_mask(v[i].len)) == v[i].net &&
		    (int)v[i].len > *len) {
			*len = v[i].len;
			asn = v[i].asn;
		}
	return asn;
}

static void check(const struct pfx2as *t, const struct p2a_entry *v, size_t n,
                  uint32_t a)
{
	struct pfx2as_match m;
	int len;
	uint32_t want = brute(v, n, a, &len);
	uint32_t got = pfx2as_lookup(t, a);
	int found = pfx2as_match(t, a, &m);

	if (got != want || found != (len >= 0) ||
	    (found && (m.len != len || m.asn != want ||
	               m.net != (a & p2a_mask(m.len))))) {
		fprintf(stderr,
		        "%08x: lookup %u match %d /%d, want %u /%d (%zu "
		        "prefixes)\n",
		        a, got, found, found ? m.len : -1, want, len, n);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct p2a_parser ps;
	struct umbra_err err;
	struct pfx2as *t;
	int rc;

	err.msg[0] = '\0';
	p2a_parser_init(&ps, "fuzz", &err);
	rc = p2a_parse_mem(&ps, (const char *)data, size);
	if (rc) {
		if (strncmp(err.msg, "fuzz", 4) != 0)
			abort();
		p2a_parser_free(&ps);
		return 0;
	}
	t = pfx2as_load_mem("fuzz", (const char *)data, size, &err);
	if (!t) {
		/* parsed, so only duplicates, no IPv4 prefix or memory */
		if (strncmp(err.msg, "fuzz", 4) != 0 ||
		    (ps.n && !strstr(err.msg, "duplicate prefix") &&
		     !strstr(err.msg, "out of memory")))
			abort();
		p2a_parser_free(&ps);
		return 0;
	}
	if (pfx2as_get_stats(t)->prefixes != ps.n)
		abort();
	for (size_t i = 0; i < ps.n && i < 64; i++) {
		uint32_t last = ps.v[i].net | ~p2a_mask(ps.v[i].len);

		check(t, ps.v, ps.n, ps.v[i].net);
		check(t, ps.v, ps.n, ps.v[i].net - 1);
		check(t, ps.v, ps.n, last);
		check(t, ps.v, ps.n, last + 1);
	}
	for (size_t i = 0; i + 4 <= size && i < 64; i += 4)
		check(t, ps.v, ps.n,
		      (uint32_t)data[i] << 24 | (uint32_t)data[i + 1] << 16 |
		          (uint32_t)data[i + 2] << 8 | data[i + 3]);
	pfx2as_free(t);
	p2a_parser_free(&ps);
	return 0;
}
