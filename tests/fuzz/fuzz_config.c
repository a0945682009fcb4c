/* fuzz_config.c: libFuzzer target for the configuration loader.
 *
 * Each input is loaded as YAML over the defaults, validated, and, when it
 * loads, printed and loaded back: the printed text must load without error
 * to an identical configuration, and print identically (else abort()).
 * Everything is freed, so leaks show up under ASan's leak checker.
 *
 * Build and run (seed corpus in tests/fuzz/corpus/config/):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -std=c11 \
 *     -D_GNU_SOURCE -Ilib tests/fuzz/fuzz_config.c lib/config*.c \
 *     lib/errbuf.c lib/log.c lib/outpath.c lib/interval.c -lyaml \
 *     -o fuzz_config
 *   mkdir -p corpus && ./fuzz_config -max_total_time=60 corpus \
 *     tests/fuzz/corpus/config
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool same(const struct umbra_config *a, const struct umbra_config *b)
{
	size_t n;
	const struct umbra_cfg_key *k = umbra_config_keys(&n);

	for (size_t i = 0; i < n; i++) {
		const char *fa = (const char *)a + k[i].offset;
		const char *fb = (const char *)b + k[i].offset;
		const struct umbra_strlist *la = (const void *)fa;
		const struct umbra_strlist *lb = (const void *)fb;

		switch (k[i].type) {
		case UMBRA_CFG_STRING:
			if (strcmp(*(char *const *)(const void *)fa,
			           *(char *const *)(const void *)fb))
				return false;
			break;
		case UMBRA_CFG_STRLIST:
			if (la->n != lb->n)
				return false;
			for (size_t j = 0; j < la->n; j++)
				if (strcmp(la->items[j], lb->items[j]))
					return false;
			break;
		case UMBRA_CFG_UINT:
			if (memcmp(fa, fb, sizeof(uint32_t)))
				return false;
			break;
		case UMBRA_CFG_ENUM:
			if (memcmp(fa, fb, sizeof(int)))
				return false;
			break;
		case UMBRA_CFG_BOOL:
			if (memcmp(fa, fb, sizeof(bool)))
				return false;
			break;
		}
	}
	return true;
}

static char *print(const struct umbra_config *c, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	if (!f)
		abort();
	umbra_config_print(c, f);
	if (fclose(f))
		abort();
	return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct umbra_config c, back;
	struct umbra_err err;
	size_t len, len2;
	char *text, *again;

	if (umbra_config_defaults(&c))
		return 0;
	if (umbra_config_load_string(&c, (const char *)data, size, "fuzz",
	                             &err)) {
		umbra_config_free(&c);
		return 0;
	}
	(void)umbra_config_validate(&c, &err);

	text = print(&c, &len);
	if (umbra_config_defaults(&back))
		abort();
	if (umbra_config_load_string(&back, text, len, "printed", &err)) {
		fprintf(stderr, "printed config does not load: %s\n%s\n",
		        err.msg, text);
		abort();
	}
	if (!same(&c, &back)) {
		fprintf(stderr, "printed config loads differently:\n%s\n",
		        text);
		abort();
	}
	again = print(&back, &len2);
	if (len != len2 || memcmp(text, again, len) != 0)
		abort();
	free(again);
	free(text);
	umbra_config_free(&back);
	umbra_config_free(&c);
	return 0;
}
