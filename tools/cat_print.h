/* cat_print.h: umbra-cat's record output (TSV and JSON lines) and the
 * small formatters the summary shares.
 *
 * Everything writes to a caller-owned stdio stream and leaves error
 * detection to ferror() on it; the functions returning int fail (-EINVAL)
 * only when a record's array cannot be read.  Single-threaded.
 */
#ifndef UMBRA_CAT_PRINT_H
#define UMBRA_CAT_PRINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cat_record.h"

void cat_put_i64(FILE *fp, int64_t v);
/* Dotted quad when v fits in 32 bits unsigned, else the plain number. */
void cat_put_ipv4(FILE *fp, int64_t v);
/* A JSON string literal, quotes included; invalid UTF-8 becomes U+FFFD. */
void cat_put_json_str(FILE *fp, const char *s, size_t len);
/* "YYYY-MM-DDTHH:MM:SSZ", or the plain number if out of range. */
void cat_fmt_time(int64_t t, char *buf, size_t len);

/* The TSV header line: the v4 field names in schema order. */
void cat_print_tsv_header(FILE *fp);
/* One record as a TSV line.  numeric: src_ip and dst_net as numbers. */
int cat_print_tsv(FILE *fp, const struct cat_rec *r, bool numeric);
/* One record as a JSON object on one line.  Unless numeric, src_ip_str and
 * dst_net_str follow src_ip and dst_net. */
int cat_print_json(FILE *fp, const struct cat_rec *r, bool numeric);

#endif
