/* ft4.c: the flowtuple v4 record in Avro binary, and the common-value rule.
 *
 * Avro binary, as used here (Avro 1.11 specification, "Binary Encoding"):
 *  - int and long: zigzag-mapped, then a little-endian base-128 varint
 *    (7 bits a byte, high bit set on every byte but the last);
 *  - string: its length as a long, then the bytes;
 *  - array: blocks of (item count as a long, the items), ended by a block
 *    of count 0; a negative count -k is followed by the block's size in
 *    bytes and then k items.  The encoder writes at most one block with a
 *    positive count; the decoder accepts both forms.
 *
 * Every field of struct ft4_record but time is unsigned, so the encoder
 * zigzags them by a plain left shift.  Values beyond what the schema's
 * type can hold (an "int" above INT32_MAX, a "long" above INT64_MAX) cannot
 * come out of the aggregator; if one ever did, it is saturated rather than
 * written as something no Avro reader accepts.
 */
#include "ft4.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

/* ---- encoding ---------------------------------------------------------- */

/* Writes v (already zigzag-mapped) as a varint. */
static inline uint8_t *put_varint(uint8_t *p, uint64_t v)
{
	while (v >= 0x80) {
		*p++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*p++ = (uint8_t)v;
	return p;
}

/* A non-negative value into an Avro "long". */
static inline uint8_t *put_ulong(uint8_t *p, uint64_t v)
{
	if (unlikely(v > (uint64_t)INT64_MAX))
		v = (uint64_t)INT64_MAX;
	return put_varint(p, v << 1);
}

/* A non-negative value into an Avro "int". */
static inline uint8_t *put_uint(uint8_t *p, uint32_t v)
{
	if (unlikely(v > (uint32_t)INT32_MAX))
		v = (uint32_t)INT32_MAX;
	return put_varint(p, (uint64_t)v << 1);
}

/* A signed value into an Avro "long". */
static inline uint8_t *put_long(uint8_t *p, int64_t v)
{
	uint64_t u = (uint64_t)v;

	return put_varint(p, (u << 1) ^ (0 - (u >> 63)));
}

/* The value array, then the frequency array, of one common-value set. */
static inline uint8_t *put_common(uint8_t *p, const struct ft4_common *c)
{
	unsigned n = c->n;

	if (likely(n == 0)) {
		p[0] = 0;
		p[1] = 0;
		return p + 2;
	}
	if (unlikely(n > FT4_MAX_COMMON))
		n = FT4_MAX_COMMON;
	*p++ = (uint8_t)(n << 1);
	for (unsigned i = 0; i < n; i++)
		p = put_varint(p, (uint64_t)c->value[i] << 1);
	*p++ = 0;
	*p++ = (uint8_t)(n << 1);
	for (unsigned i = 0; i < n; i++)
		p = put_ulong(p, c->freq[i]);
	*p++ = 0;
	return p;
}

/* A two-letter code (or "??", or shorter). */
static inline uint8_t *put_code(uint8_t *p, const char s[3])
{
	size_t len = s[0] == '\0' ? 0 : s[1] == '\0' ? 1 : 2;

	*p++ = (uint8_t)(len << 1);
	memcpy(p, s, 2); /* the bytes past len are overwritten or unused */
	return p + len;
}

size_t ft4_encode(const struct ft4_record *rec, uint8_t *out)
{
	uint8_t *p = out;

	p = put_long(p, rec->time);
	p = put_varint(p, (uint64_t)rec->src_ip << 1);
	p = put_varint(p, (uint64_t)rec->dst_net << 1);
	p = put_varint(p, (uint64_t)rec->dst_port << 1);
	p = put_varint(p, (uint64_t)rec->protocol << 1);
	p = put_ulong(p, rec->packet_cnt);
	p = put_uint(p, rec->uniq_dst_ips);
	p = put_uint(p, rec->uniq_pkt_sizes);
	p = put_uint(p, rec->uniq_ttls);
	p = put_uint(p, rec->uniq_src_ports);
	p = put_uint(p, rec->uniq_tcp_flags);
	p = put_uint(p, rec->first_syn_length);
	p = put_uint(p, rec->first_tcp_rwin);
	p = put_common(p, &rec->pkt_sizes);
	p = put_common(p, &rec->ttls);
	p = put_common(p, &rec->src_ports);
	p = put_common(p, &rec->tcp_flags);
	p = put_code(p, rec->maxmind_continent);
	p = put_code(p, rec->maxmind_country);
	p = put_code(p, rec->netacq_continent);
	p = put_code(p, rec->netacq_country);
	p = put_varint(p, (uint64_t)rec->prefix2asn << 1);
	return (size_t)(p - out);
}

/* ---- decoding ---------------------------------------------------------- */

/* A reader with a sticky failure flag: once anything is malformed, every
 * further read returns 0 and ft4_decode() reports -EBADMSG at the end. */
struct rd {
	const uint8_t *p;
	const uint8_t *end;
	bool bad;
};

static uint64_t fail(struct rd *r)
{
	r->bad = true;
	r->p = r->end;
	return 0;
}

/* A zigzag varint of at most max_bytes bytes whose raw value fits in
 * max_bits bits, decoded to a signed value. */
static int64_t get_zigzag(struct rd *r, unsigned max_bytes, unsigned max_bits)
{
	uint64_t z = 0;

	for (unsigned i = 0; i < max_bytes; i++) {
		if (r->p == r->end)
			return (int64_t)fail(r);
		uint64_t b = *r->p++;
		unsigned shift = 7 * i;
		uint64_t bits = b & 0x7f;

		/* refuse bits that fall outside the type */
		if (shift + 7 > max_bits && (bits >> (max_bits - shift)) != 0)
			return (int64_t)fail(r);
		z |= bits << shift;
		if (!(b & 0x80))
			return (int64_t)(z >> 1) ^ -(int64_t)(z & 1);
	}
	return (int64_t)fail(r);
}

static int64_t get_long(struct rd *r)
{
	return get_zigzag(r, 10, 64);
}

/* An Avro int (is_long false) or long that must lie in [0, max]. */
static uint64_t get_range(struct rd *r, bool is_long, uint64_t max)
{
	int64_t v = is_long ? get_long(r) : get_zigzag(r, 5, 32);

	if (v < 0 || (uint64_t)v > max)
		return fail(r);
	return (uint64_t)v;
}

/* An array of longs in [0, max], at most FT4_MAX_COMMON of them; returns
 * how many. */
static unsigned get_array(struct rd *r, uint64_t max, uint64_t *items)
{
	unsigned n = 0;

	while (!r->bad) {
		int64_t count = get_long(r), size = -1;

		if (count == 0)
			break;
		if (count < 0) {
			size = get_long(r);
			if (size < 0 || count < -(int64_t)FT4_MAX_COMMON)
				return (unsigned)fail(r);
			count = -count;
		}
		if ((uint64_t)count > FT4_MAX_COMMON - n)
			return (unsigned)fail(r);
		const uint8_t *start = r->p;
		for (int64_t i = 0; i < count; i++)
			items[n++] = get_range(r, true, max);
		if (size >= 0 && r->p - start != size)
			return (unsigned)fail(r);
	}
	return n;
}

static void get_common(struct rd *r, struct ft4_common *c)
{
	uint64_t v[FT4_MAX_COMMON], f[FT4_MAX_COMMON];
	unsigned nv = get_array(r, UINT32_MAX, v);
	unsigned nf = get_array(r, INT64_MAX, f);

	if (r->bad || nv != nf) {
		fail(r);
		return;
	}
	c->n = (uint8_t)nv;
	for (unsigned i = 0; i < nv; i++) {
		c->value[i] = (uint32_t)v[i];
		c->freq[i] = f[i];
	}
}

/* A string of at most two bytes, none of them NUL. */
static void get_code(struct rd *r, char s[3])
{
	int64_t len = get_long(r);

	memset(s, 0, 3);
	if (len < 0 || len > 2 || r->end - r->p < len) {
		fail(r);
		return;
	}
	for (int64_t i = 0; i < len; i++) {
		if (r->p[i] == 0) {
			fail(r);
			return;
		}
		s[i] = (char)r->p[i];
	}
	r->p += len;
}

int ft4_decode(const uint8_t *in, size_t len, struct ft4_record *rec)
{
	struct rd r = {in, in + len, false};

	memset(rec, 0, sizeof *rec);
	rec->time = get_long(&r);
	rec->src_ip = (uint32_t)get_range(&r, true, UINT32_MAX);
	rec->dst_net = (uint32_t)get_range(&r, true, UINT32_MAX);
	rec->dst_port = (uint16_t)get_range(&r, false, UINT16_MAX);
	rec->protocol = (uint8_t)get_range(&r, false, UINT8_MAX);
	rec->packet_cnt = get_range(&r, true, INT64_MAX);
	rec->uniq_dst_ips = (uint32_t)get_range(&r, false, INT32_MAX);
	rec->uniq_pkt_sizes = (uint32_t)get_range(&r, false, INT32_MAX);
	rec->uniq_ttls = (uint32_t)get_range(&r, false, INT32_MAX);
	rec->uniq_src_ports = (uint32_t)get_range(&r, false, INT32_MAX);
	rec->uniq_tcp_flags = (uint32_t)get_range(&r, false, INT32_MAX);
	rec->first_syn_length = (uint32_t)get_range(&r, false, INT32_MAX);
	rec->first_tcp_rwin = (uint32_t)get_range(&r, false, INT32_MAX);
	get_common(&r, &rec->pkt_sizes);
	get_common(&r, &rec->ttls);
	get_common(&r, &rec->src_ports);
	get_common(&r, &rec->tcp_flags);
	get_code(&r, rec->maxmind_continent);
	get_code(&r, rec->maxmind_country);
	get_code(&r, rec->netacq_continent);
	get_code(&r, rec->netacq_country);
	rec->prefix2asn = (uint32_t)get_range(&r, true, UINT32_MAX);
	if (r.bad)
		return -EBADMSG;
	return (int)(r.p - in);
}

void ft4_record_clear_meta(struct ft4_record *rec)
{
	memcpy(rec->maxmind_continent, "??", 3);
	memcpy(rec->maxmind_country, "??", 3);
	memcpy(rec->netacq_continent, "??", 3);
	memcpy(rec->netacq_country, "??", 3);
	rec->prefix2asn = 0;
}

/* ---- the common-value rule --------------------------------------------- */

void ft4_common_values(const uint32_t *values, const uint64_t *counts,
                       uint32_t u, uint64_t n, struct ft4_common *out)
{
	unsigned p;

	if (n >= 10)
		p = 20;
	else if (u < 4)
		p = 100;
	else if (u < 7)
		p = 50;
	else
		p = 33;

	/* 100*c >= p*n  <=>  c >= ceil(p*n/100).  With n = 100*q + r:
	 * p*n/100 = p*q + p*r/100, and p*q <= n, p*r < 10000: no overflow. */
	uint64_t q = n / 100, rem = n % 100;
	uint64_t min_count = p * q + (p * rem + 99) / 100;

	/* keep the FT4_MAX_COMMON smallest qualifying values, ascending */
	out->n = 0;
	for (uint32_t i = 0; i < u; i++) {
		if (counts[i] < min_count)
			continue;
		uint32_t val = values[i];
		unsigned k = out->n;

		if (k == FT4_MAX_COMMON) {
			if (val >= out->value[k - 1])
				continue;
			k--; /* the largest kept value drops out */
		} else {
			out->n++;
		}
		while (k > 0 && out->value[k - 1] > val) {
			out->value[k] = out->value[k - 1];
			out->freq[k] = out->freq[k - 1];
			k--;
		}
		out->value[k] = val;
		out->freq[k] = counts[i];
	}
}
