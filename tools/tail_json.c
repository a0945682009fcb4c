/* tail_json.c: the strict JSON reader of umbra-tail (see tail_json.h).
 *
 * Recursive descent over RFC 8259's grammar, depth-bounded, never reading
 * past len.  Strings are checked for escapes and raw control characters;
 * their bytes are otherwise taken as they are (umbrad writes file paths as
 * raw bytes).  A field that umbra-tail shows is picked out by its place:
 * a member of the top-level object ("flowtuples") or of one of its object
 * members ("interval" then "start"); the same names inside arrays or deeper
 * do not count.  A field given twice keeps its last value. */
#include "tail_json.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 64
#define KEY_MAX   64

enum kind { K_INT, K_UINT, K_NUM, K_STR };

enum field_id {
	F_START,
	F_LENGTH,
	F_PACKETS,
	F_FLOWTUPLES,
	F_SOURCES,
	F_DROP_BACKEND,
	F_DROP_QUEUE,
	F_DROP_AGGREGATOR,
	F_PATH,
	F_WRITE,
	F_COUNT
};

static const struct field {
	const char *parent; /* NULL: a member of the top-level object */
	const char *key;
	enum kind kind;
} fields[F_COUNT] = {
    [F_START] = {"interval", "start", K_INT},
    [F_LENGTH] = {"interval", "length", K_UINT},
    [F_PACKETS] = {"packets", "total", K_UINT},
    [F_FLOWTUPLES] = {NULL, "flowtuples", K_UINT},
    [F_SOURCES] = {NULL, "sources", K_UINT},
    [F_DROP_BACKEND] = {"drops", "backend", K_UINT},
    [F_DROP_QUEUE] = {"drops", "queue", K_UINT},
    [F_DROP_AGGREGATOR] = {"drops", "aggregator", K_UINT},
    [F_PATH] = {"file", "path", K_STR},
    [F_WRITE] = {NULL, "write_seconds", K_NUM},
};

struct jp {
	const char *base, *p, *end;
	struct tail_stats *st; /* NULL: grammar only */
	char *err;
	size_t errlen;
	int failed;
};

static int fail(struct jp *j, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Record the first error, with the byte offset where it was seen. */
static int fail(struct jp *j, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (j->failed++)
		return -1;
	n = snprintf(j->err, j->errlen,
	             "at byte %zu: ", (size_t)(j->p - j->base));
	if (n < 0 || (size_t)n >= j->errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(j->err + n, j->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

static void field_name(int f, char *buf, size_t len)
{
	if (fields[f].parent)
		snprintf(buf, len, "%s.%s", fields[f].parent, fields[f].key);
	else
		snprintf(buf, len, "%s", fields[f].key);
}

static int fail_type(struct jp *j, int f, const char *what)
{
	char name[64];

	field_name(f, name, sizeof(name));
	return fail(j, "field %s is not %s", name, what);
}

static void skip_ws(struct jp *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' ||
	                         *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Four hex digits at j->p; -1 if not. */
static long hex4(struct jp *j)
{
	long v = 0;

	if (j->end - j->p < 4)
		return -1;
	for (int i = 0; i < 4; i++) {
		int h = hexval(j->p[i]);
		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	j->p += 4;
	return v;
}

struct sbuf {
	char *out; /* NULL: only check */
	size_t cap, len;
	int too_long;
};

static void put(struct sbuf *s, unsigned char c)
{
	if (!s->out)
		return;
	if (s->len + 1 < s->cap)
		s->out[s->len++] = (char)c;
	else
		s->too_long = 1;
}

static void put_utf8(struct sbuf *s, unsigned long cp)
{
	if (cp < 0x80) {
		put(s, (unsigned char)cp);
	} else if (cp < 0x800) {
		put(s, (unsigned char)(0xc0 | (cp >> 6)));
		put(s, (unsigned char)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		put(s, (unsigned char)(0xe0 | (cp >> 12)));
		put(s, (unsigned char)(0x80 | ((cp >> 6) & 0x3f)));
		put(s, (unsigned char)(0x80 | (cp & 0x3f)));
	} else {
		put(s, (unsigned char)(0xf0 | (cp >> 18)));
		put(s, (unsigned char)(0x80 | ((cp >> 12) & 0x3f)));
		put(s, (unsigned char)(0x80 | ((cp >> 6) & 0x3f)));
		put(s, (unsigned char)(0x80 | (cp & 0x3f)));
	}
}

/* A string at j->p (which is '"'), decoded into s when s->out is set. */
static int parse_string(struct jp *j, struct sbuf *s)
{
	j->p++;
	for (;;) {
		unsigned char c;

		if (j->p >= j->end)
			return fail(j, "unterminated string");
		c = (unsigned char)*j->p;
		if (c == '"') {
			j->p++;
			break;
		}
		if (c < 0x20)
			return fail(j, "control character in a string");
		if (c != '\\') {
			put(s, c);
			j->p++;
			continue;
		}
		if (++j->p >= j->end)
			return fail(j, "unterminated string");
		c = (unsigned char)*j->p++;
		switch (c) {
		case '"':
		case '\\':
		case '/':
			put(s, c);
			break;
		case 'b':
			put(s, '\b');
			break;
		case 'f':
			put(s, '\f');
			break;
		case 'n':
			put(s, '\n');
			break;
		case 'r':
			put(s, '\r');
			break;
		case 't':
			put(s, '\t');
			break;
		case 'u': {
			long cp = hex4(j);
			if (cp < 0)
				return fail(j, "bad \\u escape");
			if (cp >= 0xd800 && cp < 0xdc00 && j->end - j->p >= 6 &&
			    j->p[0] == '\\' && j->p[1] == 'u') {
				const char *save = j->p;
				long lo;
				j->p += 2;
				lo = hex4(j);
				if (lo >= 0xdc00 && lo < 0xe000)
					cp = 0x10000 + ((cp - 0xd800) << 10) +
					     (lo - 0xdc00);
				else
					j->p = save; /* a lone surrogate */
			}
			if (cp >= 0xd800 && cp < 0xe000)
				cp = 0xfffd;
			put_utf8(s, (unsigned long)cp);
			break;
		}
		default:
			j->p--;
			return fail(j, "bad escape \\%c", c);
		}
	}
	if (s->out)
		s->out[s->len] = '\0';
	return 0;
}

static int is_digit(const struct jp *j)
{
	return j->p < j->end && *j->p >= '0' && *j->p <= '9';
}

/* A number at j->p; its text in [*s, j->p), *is_int when it has neither
 * fraction nor exponent. */
static int parse_number(struct jp *j, const char **s, int *is_int)
{
	*s = j->p;
	*is_int = 1;
	if (j->p < j->end && *j->p == '-')
		j->p++;
	if (!is_digit(j))
		return fail(j, "bad number");
	if (*j->p == '0')
		j->p++;
	else
		while (is_digit(j))
			j->p++;
	if (j->p < j->end && *j->p == '.') {
		j->p++;
		*is_int = 0;
		if (!is_digit(j))
			return fail(j, "bad number");
		while (is_digit(j))
			j->p++;
	}
	if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
		j->p++;
		*is_int = 0;
		if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
			j->p++;
		if (!is_digit(j))
			return fail(j, "bad number");
		while (is_digit(j))
			j->p++;
	}
	return 0;
}

/* Store the number [s, j->p) into field f. */
static int store_number(struct jp *j, int f, const char *s, int is_int)
{
	struct tail_stats *st = j->st;
	size_t n = (size_t)(j->p - s);

	if (fields[f].kind == K_NUM) {
		char tmp[64];
		if (n >= sizeof(tmp))
			return fail_type(j, f, "a short number");
		memcpy(tmp, s, n);
		tmp[n] = '\0';
		st->write_s = strtod(tmp, NULL);
	} else {
		int neg = *s == '-';
		uint64_t v = 0;

		if (!is_int)
			return fail_type(j, f, "an integer");
		for (const char *q = s + neg; q < j->p; q++) {
			unsigned d = (unsigned)(*q - '0');
			if (v > (UINT64_MAX - d) / 10)
				return fail_type(j, f, "a 64-bit integer");
			v = v * 10 + d;
		}
		if (fields[f].kind == K_UINT) {
			if (neg && v)
				return fail_type(j, f,
				                 "a non-negative integer");
		} else if (v > (uint64_t)INT64_MAX + neg) {
			return fail_type(j, f, "a 64-bit integer");
		}
		switch (f) {
		case F_START:
			st->start = neg ? (int64_t)(0 - v) : (int64_t)v;
			break;
		case F_LENGTH:
			st->length = v;
			break;
		case F_PACKETS:
			st->packets = v;
			break;
		case F_FLOWTUPLES:
			st->flowtuples = v;
			break;
		case F_SOURCES:
			st->sources = v;
			break;
		default:
			st->drops[f - F_DROP_BACKEND] = v;
			break;
		}
	}
	st->have |= 1u << f;
	return 0;
}

/* The field a value at this place is, or -1.  level 1: a member k1 of the
 * top-level object; level 2: member k2 of its member k1. */
static int which_field(const struct jp *j, int level, const char *k1,
                       const char *k2)
{
	if (!j->st || level < 1 || level > 2 || !k1 || (level == 2 && !k2))
		return -1;
	for (int f = 0; f < F_COUNT; f++) {
		if (level == 1 && !fields[f].parent &&
		    strcmp(fields[f].key, k1) == 0)
			return f;
		if (level == 2 && fields[f].parent &&
		    strcmp(fields[f].parent, k1) == 0 &&
		    strcmp(fields[f].key, k2) == 0)
			return f;
	}
	return -1;
}

static int parse_value(struct jp *j, int level, const char *k1, const char *k2);

/* An object at j->p (which is '{') at this level; k1 is its own key when
 * it is a member of the top-level object. */
static int parse_object(struct jp *j, int level, const char *k1)
{
	j->p++;
	skip_ws(j);
	if (j->p < j->end && *j->p == '}') {
		j->p++;
		return 0;
	}
	for (;;) {
		char key[KEY_MAX];
		struct sbuf s = {key, sizeof(key), 0, 0};
		const char *m1 = NULL, *m2 = NULL;

		if (j->p >= j->end || *j->p != '"')
			return fail(j, "expected a member name");
		if (parse_string(j, &s) < 0)
			return -1;
		if (!s.too_long && strlen(key) == s.len) {
			if (level == 0)
				m1 = key;
			else if (level == 1)
				m1 = k1, m2 = key;
		}
		skip_ws(j);
		if (j->p >= j->end || *j->p != ':')
			return fail(j, "expected ':'");
		j->p++;
		if (parse_value(j, level + 1, m1, m2) < 0)
			return -1;
		skip_ws(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			skip_ws(j);
			continue;
		}
		if (j->p < j->end && *j->p == '}') {
			j->p++;
			return 0;
		}
		return fail(j, "expected ',' or '}'");
	}
}

static int parse_array(struct jp *j, int level)
{
	j->p++;
	skip_ws(j);
	if (j->p < j->end && *j->p == ']') {
		j->p++;
		return 0;
	}
	for (;;) {
		/* nothing inside an array is a field we show */
		if (parse_value(j, level + 1, NULL, NULL) < 0)
			return -1;
		skip_ws(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			continue;
		}
		if (j->p < j->end && *j->p == ']') {
			j->p++;
			return 0;
		}
		return fail(j, "expected ',' or ']'");
	}
}

static int literal(struct jp *j, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(j->end - j->p) < n || memcmp(j->p, word, n) != 0)
		return fail(j, "unexpected character");
	j->p += n;
	return 0;
}

static int parse_value(struct jp *j, int level, const char *k1, const char *k2)
{
	int f = which_field(j, level, k1, k2);

	if (level > MAX_DEPTH)
		return fail(j, "nested too deep");
	skip_ws(j);
	if (j->p >= j->end)
		return fail(j, "unexpected end");
	switch (*j->p) {
	case '{':
		if (f >= 0)
			return fail_type(j, f, "a scalar");
		return parse_object(j, level, k1);
	case '[':
		if (f >= 0)
			return fail_type(j, f, "a scalar");
		return parse_array(j, level);
	case '"': {
		struct sbuf s = {NULL, 0, 0, 0};
		if (f >= 0 && fields[f].kind != K_STR)
			return fail_type(j, f, "a number");
		if (f >= 0)
			s = (struct sbuf){j->st->path, sizeof(j->st->path), 0,
			                  0};
		if (parse_string(j, &s) < 0)
			return -1;
		if (s.too_long)
			return fail_type(j, f, "a string of sane length");
		if (f >= 0)
			j->st->have |= 1u << f;
		return 0;
	}
	case 't':
	case 'f':
	case 'n':
		if (f >= 0)
			return fail_type(j, f,
			                 fields[f].kind == K_STR ? "a string"
			                                         : "a number");
		return literal(j, *j->p == 't'   ? "true"
		                  : *j->p == 'f' ? "false"
		                                 : "null");
	default: {
		const char *s;
		int is_int;
		if (f >= 0 && fields[f].kind == K_STR)
			return fail_type(j, f, "a string");
		if (parse_number(j, &s, &is_int) < 0)
			return -1;
		return f >= 0 ? store_number(j, f, s, is_int) : 0;
	}
	}
}

static int parse_top(struct jp *j)
{
	skip_ws(j);
	if (j->p >= j->end || *j->p != '{')
		return fail(j, "not a JSON object");
	if (parse_value(j, 0, NULL, NULL) < 0)
		return -1;
	skip_ws(j);
	if (j->p != j->end)
		return fail(j, "trailing bytes after the object");
	return 0;
}

int tail_json_check(const char *buf, size_t len, char *err, size_t errlen)
{
	struct jp j = {buf, buf, buf + len, NULL, err, errlen, 0};

	return parse_top(&j);
}

int tail_json_parse(const char *buf, size_t len, struct tail_stats *st,
                    char *err, size_t errlen)
{
	struct jp j = {buf, buf, buf + len, st, err, errlen, 0};

	memset(st, 0, sizeof(*st));
	if (parse_top(&j) < 0)
		return -1;
	for (int f = 0; f < F_COUNT; f++) {
		if (!(st->have & (1u << f))) {
			char name[64];
			field_name(f, name, sizeof(name));
			snprintf(err, errlen, "no field %s", name);
			return -1;
		}
	}
	return 0;
}
