/* cat_record.h: umbra-cat's view of one flowtuple v4 record.
 *
 * A file's writer schema is bound once (cat_bind): every v4 field is looked
 * up BY NAME, so files whose schema adds fields, or orders them otherwise,
 * still read.  Fields the file adds are ignored.  A field may be int or long
 * where v4 has either, and may be a union with null (printed as empty/null).
 *
 * umbra-cat is single-threaded; nothing here keeps global state.
 */
#ifndef UMBRA_CAT_RECORD_H
#define UMBRA_CAT_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <avro.h>

/* The v4 fields, in flowtuple4.avsc order. */
enum cat_field_id {
	CAT_TIME,
	CAT_SRC_IP,
	CAT_DST_NET,
	CAT_DST_PORT,
	CAT_PROTOCOL,
	CAT_PACKET_CNT,
	CAT_UNIQ_DST_IPS,
	CAT_UNIQ_PKT_SIZES,
	CAT_UNIQ_TTLS,
	CAT_UNIQ_SRC_PORTS,
	CAT_UNIQ_TCP_FLAGS,
	CAT_FIRST_SYN_LENGTH,
	CAT_FIRST_TCP_RWIN,
	CAT_COMMON_PKT_SIZES,
	CAT_COMMON_PKTSIZE_FREQS,
	CAT_COMMON_TTLS,
	CAT_COMMON_TTL_FREQS,
	CAT_COMMON_SRCPORTS,
	CAT_COMMON_SRCPORT_FREQS,
	CAT_COMMON_TCPFLAGS,
	CAT_COMMON_TCPFLAG_FREQS,
	CAT_MAXMIND_CONTINENT,
	CAT_MAXMIND_COUNTRY,
	CAT_NETACQ_CONTINENT,
	CAT_NETACQ_COUNTRY,
	CAT_PREFIX2ASN,
	CAT_NFIELDS
};

enum cat_kind {
	CAT_NUM, /* int or long */
	CAT_STR, /* string */
	CAT_ARR  /* array of int or long */
};

struct cat_field {
	const char *name;
	enum cat_kind kind;
};

/* Indexed by enum cat_field_id. */
extern const struct cat_field cat_fields[CAT_NFIELDS];

/* Where each v4 field sits in one file's writer schema. */
struct cat_binding {
	int index[CAT_NFIELDS];
};

/* One field's value.  str and arr point into the avro value the record was
 * loaded from and stay valid until that value is read into again. */
struct cat_val {
	bool null;
	int64_t num;      /* CAT_NUM */
	const char *str;  /* CAT_STR, not NUL-safe: use len */
	size_t len;       /* CAT_STR bytes, CAT_ARR items */
	avro_value_t arr; /* CAT_ARR */
};

struct cat_rec {
	struct cat_val v[CAT_NFIELDS];
};

/* Bind a writer schema.  Returns 0, or -EINVAL with a message in err
 * (naming the missing or mistyped field) when the schema is not a record
 * holding every v4 field with a compatible type. */
int cat_bind(avro_schema_t schema, struct cat_binding *b, char *err,
             size_t errlen);

/* Load the v4 fields of one record read with a generic value of a bound
 * schema.  Returns 0 or a negative errno-style code (avro_strerror() may say
 * more). */
int cat_rec_load(const struct cat_binding *b, avro_value_t *record,
                 struct cat_rec *out);

/* Item i (< v->len) of an array field. */
int cat_arr_item(const struct cat_val *v, size_t i, int64_t *out);

#endif
