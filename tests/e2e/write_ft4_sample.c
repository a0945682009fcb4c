/* write_ft4_sample.c: writes N sample flowtuple v4 records to an Avro file
 * through ft4_encode() and the container writer, for readers in other
 * languages to check (tests/e2e/check_avro_python.py).
 *
 * usage: write_ft4_sample CODEC PATH COUNT [BLOCK_BYTES [DEFLATE_LEVEL]]
 *
 * Record i is a pure function of i: sample_ft4_record() below and sample() in
 * check_avro_python.py must stay the same function (SplitMix64 seeded with
 * i, drawn in field order).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "avro_writer.h"
#include "ft4.h"
#include "sample_ft4.h"

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;

	errno = 0;
	*out = strtoull(s, &end, 10);
	return errno || end == s || *end || *s == '-' ? -1 : 0;
}

static int usage(const char *prog)
{
	fprintf(stderr,
	        "usage: %s null|deflate|snappy PATH COUNT "
	        "[BLOCK_BYTES [DEFLATE_LEVEL]]\n",
	        prog);
	return 2;
}

int main(int argc, char **argv)
{
	struct avro_writer_opts o = {
	    .codec = AVRO_CODEC_NULL, .deflate_level = 6, .block_bytes = 65536};
	struct umbra_err err = {""};
	uint64_t n, v;
	uint8_t buf[FT4_MAX_ENCODED];
	struct ft4_record r;

	if (argc < 4 || argc > 6 || avro_codec_parse(argv[1], &o.codec) < 0 ||
	    parse_u64(argv[3], &n) < 0)
		return usage(argv[0]);
	if (argc > 4) {
		if (parse_u64(argv[4], &v) < 0 || v == 0 || v > SIZE_MAX)
			return usage(argv[0]);
		o.block_bytes = (size_t)v;
	}
	if (argc > 5) {
		if (parse_u64(argv[5], &v) < 0 || v < 1 || v > 12)
			return usage(argv[0]);
		o.deflate_level = (int)v;
	}

	struct avro_writer *w =
	    avro_writer_open(argv[2], ft4_schema_json, &o, &err);
	if (!w) {
		fprintf(stderr, "%s: %s\n", argv[0], err.msg);
		return 1;
	}
	for (uint64_t i = 0; i < n; i++) {
		sample_ft4_record(i, &r);
		int rc = avro_writer_append(w, buf, ft4_encode(&r, buf));
		if (rc < 0) {
			fprintf(stderr, "%s: record %" PRIu64 ": %s\n", argv[0],
			        i, strerror(-rc));
			break;
		}
	}
	uint64_t bytes;
	if (avro_writer_commit(w, &bytes, &err) < 0) {
		fprintf(stderr, "%s: %s\n", argv[0], err.msg);
		return 1;
	}
	printf("%s: %" PRIu64 " records, %" PRIu64 " bytes\n", argv[2], n,
	       bytes);
	return 0;
}
