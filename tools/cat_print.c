/* cat_print.c: TSV and JSON-lines output of flowtuple v4 records. */
#include "cat_print.h"

#include <errno.h>
#include <string.h>
#include <time.h>

void cat_put_i64(FILE *fp, int64_t v)
{
	char buf[24];
	char *p = buf + sizeof(buf);
	uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;

	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		*--p = '-';
	fwrite(p, 1, (size_t)(buf + sizeof(buf) - p), fp);
}

void cat_put_ipv4(FILE *fp, int64_t v)
{
	int shift;

	if (v < 0 || v > UINT32_MAX) {
		cat_put_i64(fp, v);
		return;
	}
	for (shift = 24; shift >= 0; shift -= 8) {
		cat_put_i64(fp, (v >> shift) & 0xff);
		if (shift)
			fputc('.', fp);
	}
}

void cat_fmt_time(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if ((int64_t)tt != t || !gmtime_r(&tt, &tm) ||
	    !strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, len, "%lld", (long long)t);
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 if none. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t need, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		need = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		need = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		need = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (n < need)
		return 0;
	for (i = 1; i < need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((need == 3 && cp < 0x800) || (need == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return need;
}

void cat_put_json_str(FILE *fp, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, n;

	fputc('"', fp);
	while (i < len) {
		unsigned char c = s[i];

		if (c == '"' || c == '\\') {
			fputc('\\', fp);
			fputc(c, fp);
			i++;
		} else if (c == '\n') {
			fputs("\\n", fp);
			i++;
		} else if (c == '\t') {
			fputs("\\t", fp);
			i++;
		} else if (c == '\r') {
			fputs("\\r", fp);
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			fprintf(fp, "\\u%04x", c);
			i++;
		} else if ((n = utf8_len(s + i, len - i)) > 0) {
			fwrite(s + i, 1, n, fp);
			i += n;
		} else {
			fputs("\\ufffd", fp);
			i++;
		}
	}
	fputc('"', fp);
}

void cat_print_tsv_header(FILE *fp)
{
	int f;

	for (f = 0; f < CAT_NFIELDS; f++) {
		if (f)
			fputc('\t', fp);
		fputs(cat_fields[f].name, fp);
	}
	fputc('\n', fp);
}

/* TSV strings: backslash, tab, newline and carriage return escaped as in
 * C, so a value never splits a line or a column. */
static void put_tsv_str(FILE *fp, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		switch (s[i]) {
		case '\\':
			fputs("\\\\", fp);
			break;
		case '\t':
			fputs("\\t", fp);
			break;
		case '\n':
			fputs("\\n", fp);
			break;
		case '\r':
			fputs("\\r", fp);
			break;
		default:
			fputc(s[i], fp);
		}
	}
}

static int put_array(FILE *fp, const struct cat_val *v, char sep)
{
	size_t i;
	int64_t item;

	for (i = 0; i < v->len; i++) {
		if (cat_arr_item(v, i, &item))
			return -EINVAL;
		if (i)
			fputc(sep, fp);
		cat_put_i64(fp, item);
	}
	return 0;
}

static bool is_ip(int f)
{
	return f == CAT_SRC_IP || f == CAT_DST_NET;
}

int cat_print_tsv(FILE *fp, const struct cat_rec *r, bool numeric)
{
	int f;

	for (f = 0; f < CAT_NFIELDS; f++) {
		const struct cat_val *v = &r->v[f];

		if (f)
			fputc('\t', fp);
		if (v->null)
			continue;
		switch (cat_fields[f].kind) {
		case CAT_NUM:
			if (is_ip(f) && !numeric)
				cat_put_ipv4(fp, v->num);
			else
				cat_put_i64(fp, v->num);
			break;
		case CAT_STR:
			put_tsv_str(fp, v->str, v->len);
			break;
		case CAT_ARR:
			if (put_array(fp, v, ','))
				return -EINVAL;
			break;
		}
	}
	fputc('\n', fp);
	return 0;
}

int cat_print_json(FILE *fp, const struct cat_rec *r, bool numeric)
{
	int f;

	fputc('{', fp);
	for (f = 0; f < CAT_NFIELDS; f++) {
		const struct cat_val *v = &r->v[f];

		if (f)
			fputc(',', fp);
		fputc('"', fp);
		fputs(cat_fields[f].name, fp);
		fputs("\":", fp);
		if (v->null) {
			fputs("null", fp);
		} else if (cat_fields[f].kind == CAT_NUM) {
			cat_put_i64(fp, v->num);
		} else if (cat_fields[f].kind == CAT_STR) {
			cat_put_json_str(fp, v->str, v->len);
		} else {
			fputc('[', fp);
			if (put_array(fp, v, ','))
				return -EINVAL;
			fputc(']', fp);
		}
		if (is_ip(f) && !numeric) {
			fputs(",\"", fp);
			fputs(cat_fields[f].name, fp);
			fputs("_str\":", fp);
			if (v->null) {
				fputs("null", fp);
			} else {
				fputc('"', fp);
				cat_put_ipv4(fp, v->num);
				fputc('"', fp);
			}
		}
	}
	fputs("}\n", fp);
	return 0;
}
