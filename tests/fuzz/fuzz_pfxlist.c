/* fuzz_pfxlist.c: libFuzzer target for the prefix lists of drop_sources and
 * keep_sources (lib/rules.h: umbra_pfxset_parse(), _finish(), _contains()).
 *
 * Each input is parsed as a prefix-list file.  A refusal must come with a
 * "fuzz:LINE: " message; a list that parses is merged, and the merged set
 * must be sorted, disjoint and not adjacent, and answer like a linear scan
 * of the ranges as parsed at the edges of up to 256 of them and at
 * addresses taken from the input (else abort()).
 *
 * Build and run (seed corpus in tests/fuzz/corpus/pfxlist/):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -std=c11 \
 *     -D_GNU_SOURCE -Ilib tests/fuzz/fuzz_pfxlist.c lib/rules.c \
 *     lib/classify.c lib/errbuf.c -lpcap -o fuzz_pfxlist
 *   mkdir -p corpus && ./fuzz_pfxlist -max_total_time=60 corpus \
 *     tests/fuzz/corpus/pfxlist
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond))                                                   \
			abort();                                               \
	} while (0)

static int brute(const uint32_t *lo, const uint32_t *hi, size_t n, uint32_t a)
{
	for (size_t i = 0; i < n; i++)
		if (lo[i] <= a && a <= hi[i])
			return 1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct umbra_pfxset s = {0};
	struct umbra_err err = {{0}};
	uint32_t *lo, *hi;
	size_t n;

	if (umbra_pfxset_parse(&s, (const char *)data, size, "fuzz", &err) <
	    0) {
		CHECK(strncmp(err.msg, "fuzz:", 5) == 0);
		umbra_pfxset_free(&s);
		return 0;
	}
	n = s.n;
	lo = malloc((n ? n : 1) * sizeof *lo);
	hi = malloc((n ? n : 1) * sizeof *hi);
	CHECK(lo && hi);
	for (size_t i = 0; i < n; i++) {
		CHECK(s.lo[i] <= s.hi[i]);
		/* a prefix: its size is a power of two, aligned */
		uint64_t len = (uint64_t)s.hi[i] - s.lo[i] + 1;
		CHECK((len & (len - 1)) == 0 && s.lo[i] % len == 0);
		lo[i] = s.lo[i];
		hi[i] = s.hi[i];
	}
	CHECK(umbra_pfxset_finish(&s) == 0);
	CHECK(s.n <= n && (n == 0) == (s.n == 0));
	for (size_t i = 1; i < s.n; i++)
		CHECK(s.hi[i - 1] < s.lo[i] && s.lo[i] - s.hi[i - 1] > 1);
	for (size_t i = 0; i < n && i < 256; i++) {
		uint32_t probe[4] = {lo[i], hi[i], lo[i] - 1, hi[i] + 1};
		for (int j = 0; j < 4; j++)
			CHECK(umbra_pfxset_contains(&s, probe[j]) ==
			      brute(lo, hi, n, probe[j]));
	}
	for (size_t i = 0; i + 4 <= size && i < 64 * 4; i += 4) {
		uint32_t a = (uint32_t)data[i] << 24 |
		             (uint32_t)data[i + 1] << 16 |
		             (uint32_t)data[i + 2] << 8 | data[i + 3];
		CHECK(umbra_pfxset_contains(&s, a) == brute(lo, hi, n, a));
	}
	free(lo);
	free(hi);
	umbra_pfxset_free(&s);
	return 0;
}
