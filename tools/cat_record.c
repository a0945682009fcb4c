/* cat_record.c: bind a writer schema to the v4 fields by name, and load
 * one record's v4 values out of an avro-c generic value. */
#include "cat_record.h"

#include <errno.h>
#include <stdio.h>

const struct cat_field cat_fields[CAT_NFIELDS] = {
    [CAT_TIME] = {"time", CAT_NUM},
    [CAT_SRC_IP] = {"src_ip", CAT_NUM},
    [CAT_DST_NET] = {"dst_net", CAT_NUM},
    [CAT_DST_PORT] = {"dst_port", CAT_NUM},
    [CAT_PROTOCOL] = {"protocol", CAT_NUM},
    [CAT_PACKET_CNT] = {"packet_cnt", CAT_NUM},
    [CAT_UNIQ_DST_IPS] = {"uniq_dst_ips", CAT_NUM},
    [CAT_UNIQ_PKT_SIZES] = {"uniq_pkt_sizes", CAT_NUM},
    [CAT_UNIQ_TTLS] = {"uniq_ttls", CAT_NUM},
    [CAT_UNIQ_SRC_PORTS] = {"uniq_src_ports", CAT_NUM},
    [CAT_UNIQ_TCP_FLAGS] = {"uniq_tcp_flags", CAT_NUM},
    [CAT_FIRST_SYN_LENGTH] = {"first_syn_length", CAT_NUM},
    [CAT_FIRST_TCP_RWIN] = {"first_tcp_rwin", CAT_NUM},
    [CAT_COMMON_PKT_SIZES] = {"common_pkt_sizes", CAT_ARR},
    [CAT_COMMON_PKTSIZE_FREQS] = {"common_pktsize_freqs", CAT_ARR},
    [CAT_COMMON_TTLS] = {"common_ttls", CAT_ARR},
    [CAT_COMMON_TTL_FREQS] = {"common_ttl_freqs", CAT_ARR},
    [CAT_COMMON_SRCPORTS] = {"common_srcports", CAT_ARR},
    [CAT_COMMON_SRCPORT_FREQS] = {"common_srcport_freqs", CAT_ARR},
    [CAT_COMMON_TCPFLAGS] = {"common_tcpflags", CAT_ARR},
    [CAT_COMMON_TCPFLAG_FREQS] = {"common_tcpflag_freqs", CAT_ARR},
    [CAT_MAXMIND_CONTINENT] = {"maxmind_continent", CAT_STR},
    [CAT_MAXMIND_COUNTRY] = {"maxmind_country", CAT_STR},
    [CAT_NETACQ_CONTINENT] = {"netacq_continent", CAT_STR},
    [CAT_NETACQ_COUNTRY] = {"netacq_country", CAT_STR},
    [CAT_PREFIX2ASN] = {"prefix2asn", CAT_NUM},
};

static const char *type_name(avro_schema_t s)
{
	switch (avro_typeof(s)) {
	case AVRO_STRING:
		return "string";
	case AVRO_BYTES:
		return "bytes";
	case AVRO_INT32:
		return "int";
	case AVRO_INT64:
		return "long";
	case AVRO_FLOAT:
		return "float";
	case AVRO_DOUBLE:
		return "double";
	case AVRO_BOOLEAN:
		return "boolean";
	case AVRO_NULL:
		return "null";
	case AVRO_RECORD:
		return "record";
	case AVRO_ENUM:
		return "enum";
	case AVRO_FIXED:
		return "fixed";
	case AVRO_MAP:
		return "map";
	case AVRO_ARRAY:
		return "array";
	case AVRO_UNION:
		return "union";
	default:
		return "unknown";
	}
}

static bool is_integer(avro_schema_t s)
{
	return avro_typeof(s) == AVRO_INT32 || avro_typeof(s) == AVRO_INT64;
}

static bool plain_fits(avro_schema_t s, enum cat_kind kind)
{
	switch (kind) {
	case CAT_NUM:
		return is_integer(s);
	case CAT_STR:
		return avro_typeof(s) == AVRO_STRING;
	case CAT_ARR:
		return avro_typeof(s) == AVRO_ARRAY &&
		       is_integer(avro_schema_array_items(s));
	}
	return false;
}

/* A plain type of the right kind, or a union of null and such types. */
static bool fits(avro_schema_t s, enum cat_kind kind)
{
	size_t i, n, real = 0;

	if (avro_typeof(s) != AVRO_UNION)
		return plain_fits(s, kind);
	n = avro_schema_union_size(s);
	for (i = 0; i < n; i++) {
		avro_schema_t br = avro_schema_union_branch(s, (int)i);

		if (avro_typeof(br) == AVRO_NULL)
			continue;
		if (!plain_fits(br, kind))
			return false;
		real++;
	}
	return real > 0;
}

static const char *kind_name(enum cat_kind kind)
{
	switch (kind) {
	case CAT_NUM:
		return "int or long";
	case CAT_STR:
		return "string";
	case CAT_ARR:
		return "array of int or long";
	}
	return "?";
}

int cat_bind(avro_schema_t schema, struct cat_binding *b, char *err,
             size_t errlen)
{
	int f;

	if (!schema || !is_avro_record(schema)) {
		snprintf(err, errlen, "writer schema is a %s, not a record",
		         schema ? type_name(schema) : "(none)");
		return -EINVAL;
	}
	for (f = 0; f < CAT_NFIELDS; f++) {
		const struct cat_field *cf = &cat_fields[f];
		avro_schema_t fs;
		int idx = avro_schema_record_field_get_index(schema, cf->name);

		if (idx < 0) {
			snprintf(err, errlen, "schema has no field '%s'",
			         cf->name);
			return -EINVAL;
		}
		fs = avro_schema_record_field_get_by_index(schema, idx);
		if (!fs || !fits(fs, cf->kind)) {
			snprintf(err, errlen, "field '%s' is a %s, expected %s",
			         cf->name, fs ? type_name(fs) : "(none)",
			         kind_name(cf->kind));
			return -EINVAL;
		}
		b->index[f] = idx;
	}
	return 0;
}

static int get_integer(avro_value_t *v, int64_t *out)
{
	int32_t i32 = 0;
	int rc;

	switch (avro_value_get_type(v)) {
	case AVRO_INT32:
		rc = avro_value_get_int(v, &i32);
		*out = i32;
		return rc ? -EINVAL : 0;
	case AVRO_INT64:
		return avro_value_get_long(v, out) ? -EINVAL : 0;
	default:
		return -EINVAL;
	}
}

static int load_field(avro_value_t *fv, enum cat_kind kind, struct cat_val *out)
{
	avro_value_t branch;
	size_t size = 0;

	if (avro_value_get_type(fv) == AVRO_UNION) {
		if (avro_value_get_current_branch(fv, &branch))
			return -EINVAL;
		fv = &branch;
	}
	out->null = avro_value_get_type(fv) == AVRO_NULL;
	if (out->null)
		return 0;
	switch (kind) {
	case CAT_NUM:
		return get_integer(fv, &out->num);
	case CAT_STR:
		if (avro_value_get_string(fv, &out->str, &size))
			return -EINVAL;
		/* avro-c counts the terminating NUL */
		out->len = size ? size - 1 : 0;
		return 0;
	case CAT_ARR:
		if (avro_value_get_size(fv, &size))
			return -EINVAL;
		out->arr = *fv;
		out->len = size;
		return 0;
	}
	return -EINVAL;
}

int cat_rec_load(const struct cat_binding *b, avro_value_t *record,
                 struct cat_rec *out)
{
	int f, rc;

	for (f = 0; f < CAT_NFIELDS; f++) {
		avro_value_t fv;

		if (avro_value_get_by_index(record, b->index[f], &fv, NULL))
			return -EINVAL;
		rc = load_field(&fv, cat_fields[f].kind, &out->v[f]);
		if (rc)
			return rc;
	}
	return 0;
}

int cat_arr_item(const struct cat_val *v, size_t i, int64_t *out)
{
	avro_value_t item;

	if (avro_value_get_by_index(&v->arr, i, &item, NULL))
		return -EINVAL;
	return get_integer(&item, out);
}
