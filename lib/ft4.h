/* ft4.h: one finished flowtuple v4 record (FLOWTUPLE4.md section 2 and 3),
 * and its Avro binary encoding.
 *
 * The aggregator fills these at the end of an interval; the encoder writes
 * them in the field order of flowtuple4.avsc.  Pure functions, any thread.
 */
#ifndef UMBRA_FT4_H
#define UMBRA_FT4_H

#include <stddef.h>
#include <stdint.h>

#define FT4_MAX_COMMON 5

struct ft4_common {
	uint8_t n;                      /* 0..FT4_MAX_COMMON */
	uint32_t value[FT4_MAX_COMMON]; /* ascending */
	uint64_t freq[FT4_MAX_COMMON];
};

struct ft4_record {
	int64_t time; /* interval start, Unix seconds */
	uint32_t src_ip;
	uint32_t dst_net;
	uint16_t dst_port;
	uint8_t protocol;
	uint64_t packet_cnt;
	uint32_t uniq_dst_ips;
	uint32_t uniq_pkt_sizes;
	uint32_t uniq_ttls;
	uint32_t uniq_src_ports;
	uint32_t uniq_tcp_flags;
	uint32_t first_syn_length;
	uint32_t first_tcp_rwin;
	struct ft4_common pkt_sizes;
	struct ft4_common ttls;
	struct ft4_common src_ports;
	struct ft4_common tcp_flags;
	char maxmind_continent[3]; /* two letters or "??", NUL-terminated */
	char maxmind_country[3];
	char netacq_continent[3];
	char netacq_country[3];
	uint32_t prefix2asn;
};

/* Upper bound of one encoded record, in bytes. */
#define FT4_MAX_ENCODED 512

/* Encode rec in Avro binary (flowtuple4.avsc field order) at out, which must
 * have FT4_MAX_ENCODED bytes.  Returns the number of bytes written.  A value
 * the schema's type cannot hold (an "int" field above INT32_MAX, a count
 * above INT64_MAX, n above FT4_MAX_COMMON) is saturated, never wrapped. */
size_t ft4_encode(const struct ft4_record *rec, uint8_t *out);

/* Decode one record from Avro binary.  Returns bytes consumed or a negative
 * errno-style code (-EBADMSG) on malformed input, which includes values that
 * do not fit the struct's fields and value/frequency arrays of different
 * lengths.  Arrays longer than FT4_MAX_COMMON are refused.  Never reads past
 * in + len.  *rec is zeroed first.  Used by tests and tools. */
int ft4_decode(const uint8_t *in, size_t len, struct ft4_record *rec);

/* Fill the maxmind_*, netacq_* fields with "??" and prefix2asn with 0. */
void ft4_record_clear_meta(struct ft4_record *rec);

/* The common-value rule of FLOWTUPLE4.md section 3.  values/counts hold the u
 * distinct values of a field and their packet counts (any order); n is the
 * record's packet_cnt.  Fills *out with at most 5 common values, ascending. */
void ft4_common_values(const uint32_t *values, const uint64_t *counts,
                       uint32_t u, uint64_t n, struct ft4_common *out);

/* The schema, flowtuple4.avsc, as a NUL-terminated JSON string. */
extern const char ft4_schema_json[];

#endif
