/* write_ft4_sample.c: writes N sample flowtuple v4 records to an Avro file
 * through ft4_encode() and the container writer, for readers in other
 * languages to check (tests/e2e/check_avro_python.py).
 *
 * usage: write_ft4_sample CODEC PATH COUNT [BLOCK_BYTES [DEFLATE_LEVEL]]
 *
 * Record i is a pure function of i: sample_record() below and sample() in
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

static uint64_t mix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static const char *const codes[] = {"??", "EU", "NA", "AS", "DE", ""};

static void sample_common(struct ft4_common *c, uint64_t *s)
{
	uint32_t v = 0;

	c->n = (uint8_t)(mix(s) % (FT4_MAX_COMMON + 1));
	for (unsigned i = 0; i < c->n; i++) {
		v += (uint32_t)(mix(s) % 70000);
		c->value[i] = v;
		uint64_t a = mix(s);
		uint64_t b = mix(s);
		c->freq[i] = a >> (1 + b % 63);
	}
}

static void sample_record(uint64_t i, struct ft4_record *r)
{
	uint64_t s = i;

	memset(r, 0, sizeof *r);
	r->time = 1700000100 + 300 * (int64_t)(mix(&s) % 4);
	r->src_ip = i % 7 == 3 ? UINT32_MAX : (uint32_t)mix(&s);
	r->dst_net = (uint32_t)mix(&s) & 0xffff0000u;
	r->dst_port = (uint16_t)mix(&s);
	r->protocol = (uint8_t)mix(&s);
	r->packet_cnt = i % 97 == 5 ? mix(&s) >> 1 : 1 + mix(&s) % 1000;
	r->uniq_dst_ips = (uint32_t)(mix(&s) % 65537);
	r->uniq_pkt_sizes = (uint32_t)(mix(&s) % 1500);
	r->uniq_ttls = (uint32_t)(mix(&s) % 256);
	r->uniq_src_ports = (uint32_t)(mix(&s) % 65537);
	r->uniq_tcp_flags = (uint32_t)(mix(&s) % 256);
	r->first_syn_length = (uint32_t)(mix(&s) % 61);
	r->first_tcp_rwin = (uint32_t)(mix(&s) % 65536);
	sample_common(&r->pkt_sizes, &s);
	sample_common(&r->ttls, &s);
	sample_common(&r->src_ports, &s);
	sample_common(&r->tcp_flags, &s);
	strcpy(r->maxmind_continent, codes[mix(&s) % 6]);
	strcpy(r->maxmind_country, codes[mix(&s) % 6]);
	strcpy(r->netacq_continent, codes[mix(&s) % 6]);
	strcpy(r->netacq_country, codes[mix(&s) % 6]);
	r->prefix2asn = (uint32_t)mix(&s);
}

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
		sample_record(i, &r);
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
