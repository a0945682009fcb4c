/* tail_json.c: the strict JSON reader of umbra-tail (see tail_json.h).
 *
 * Recursive descent over RFC 8259's grammar, depth-bounded, never reading
 * past len.  Strings are checked for escapes and raw control characters;
 * their bytes are otherwise taken as they are (umbrad writes file paths as
 * raw bytes).
 *
 * A field that a line shows is picked out by its place, a path from the
 * top-level object: "flowtuples", "interval.start", or, for a member of
 * every object in an array, "aggregators[].queue_fill".  The same names
 * anywhere else do not count, nor does a member name holding '.', '[', ']'
 * or a NUL (so that no name can pass for a path).  One table per message
 * kind says which paths are wanted, their type and where they go.  A field
 * given twice keeps its last value. */
#include "tail_json.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 64
#define KEY_MAX   64
#define WHERE_MAX 128

enum kind {
	K_INT,  /* int64_t */
	K_UINT, /* uint64_t */
	K_NUM,  /* double */
	K_STR,  /* char[TAIL_PATH_MAX + 1] */
	K_EACH  /* double: the largest of a number every array entry has */
};

struct field {
	const char *where; /* its path */
	enum kind kind;
	size_t off; /* in the destination struct */
};

#define IV(m) offsetof(struct tail_stats, m)
static const struct field interval_fields[] = {
    {"interval.start", K_INT, IV(start)},
    {"interval.length", K_UINT, IV(length)},
    {"packets.total", K_UINT, IV(packets)},
    {"flowtuples", K_UINT, IV(flowtuples)},
    {"sources", K_UINT, IV(sources)},
    {"drops.backend", K_UINT, IV(drops[0])},
    {"drops.queue", K_UINT, IV(drops[1])},
    {"drops.aggregator", K_UINT, IV(drops[2])},
    {"file.path", K_STR, IV(path)},
    {"write_seconds", K_NUM, IV(write_s)},
    {NULL, K_INT, 0},
};
#undef IV

#define HB(m) offsetof(struct tail_heartbeat, m)
static const struct field heartbeat_fields[] = {
    {"time", K_NUM, HB(time)},
    {"pps", K_NUM, HB(pps)},
    {"packets", K_UINT, HB(packets)},
    {"drops_per_second", K_NUM, HB(drops_per_s)},
    {"drops.backend", K_UINT, HB(drops[0])},
    {"drops.queue", K_UINT, HB(drops[1])},
    {"open_interval", K_INT, HB(open)},
    {"aggregators[].queue_fill", K_EACH, HB(queue_fill)},
    {NULL, K_INT, 0},
};
#undef HB

struct jp {
	const char *base, *p, *end;
	const struct field *fields; /* NULL: grammar only */
	char *dst;                  /* the struct the fields go into */
	unsigned have;              /* bit per field found */
	unsigned entry_have;        /* the same, in the current array entry */
	char where[WHERE_MAX];      /* the path of the value being read */
	size_t wlen;
	int lost; /* > 0: the path is not one a field can have */
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

static int fail_type(struct jp *j, int f, const char *what)
{
	return fail(j, "field %s is not %s", j->fields[f].where, what);
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
	const struct field *fd = &j->fields[f];
	void *to = j->dst + fd->off;
	size_t n = (size_t)(j->p - s);

	if (fd->kind == K_NUM || fd->kind == K_EACH) {
		char tmp[64];
		double v, was;

		if (n >= sizeof(tmp))
			return fail_type(j, f, "a short number");
		memcpy(tmp, s, n);
		tmp[n] = '\0';
		v = strtod(tmp, NULL);
		memcpy(&was, to, sizeof(was));
		if (fd->kind == K_NUM || v > was)
			memcpy(to, &v, sizeof(v));
		if (fd->kind == K_EACH) {
			j->entry_have |= 1u << f;
			return 0;
		}
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
		if (fd->kind == K_UINT) {
			if (neg && v)
				return fail_type(j, f,
				                 "a non-negative integer");
			memcpy(to, &v, sizeof(v));
		} else if (v > (uint64_t)INT64_MAX + neg) {
			return fail_type(j, f, "a 64-bit integer");
		} else {
			int64_t i = neg ? (int64_t)(0 - v) : (int64_t)v;
			memcpy(to, &i, sizeof(i));
		}
	}
	j->have |= 1u << f;
	return 0;
}

/* The field whose path is the current one, or -1. */
static int which_field(const struct jp *j)
{
	if (!j->fields || j->lost)
		return -1;
	for (int f = 0; j->fields[f].where; f++)
		if (strcmp(j->fields[f].where, j->where) == 0)
			return f;
	return -1;
}

/* Is field f a number every entry of an array holds, that array being the
 * current path (in_entry 0) or the current path an entry of it (1)? */
static int each_field(const struct jp *j, int f, int in_entry)
{
	const char *w = j->fields[f].where;

	if (j->fields[f].kind != K_EACH || j->lost ||
	    strncmp(w, j->where, j->wlen) != 0)
		return 0;
	w += j->wlen;
	return in_entry ? *w == '.' : strncmp(w, "[].", 3) == 0;
}

/* Add a step to the path (a member name after a '.', or "[]" for an array
 * entry); returns the length to go back to.  A step that does not fit, or
 * a name that could be taken for a path, leaves a path no field has. */
static size_t where_push(struct jp *j, const char *step, size_t n, int name)
{
	size_t was = j->wlen, dot = name && was;

	if (j->lost || (name && (strlen(step) != n || strpbrk(step, ".[]"))) ||
	    was + dot + n >= sizeof(j->where)) {
		j->lost++;
		return was;
	}
	if (dot)
		j->where[was] = '.';
	memcpy(j->where + was + dot, step, n + 1);
	j->wlen = was + dot + n;
	return was;
}

static void where_pop(struct jp *j, size_t was, int lost)
{
	j->wlen = was;
	j->where[was] = '\0';
	j->lost = lost;
}

static int parse_value(struct jp *j, int level);

/* An object at j->p (which is '{'). */
static int parse_object(struct jp *j, int level)
{
	unsigned outer = j->entry_have;
	int rc = 0;

	j->entry_have = 0;
	j->p++;
	skip_ws(j);
	if (j->p < j->end && *j->p == '}') {
		j->p++;
		goto done;
	}
	for (;;) {
		char key[KEY_MAX];
		struct sbuf s = {key, sizeof(key), 0, 0};
		int lost = j->lost;
		size_t was;

		if (j->p >= j->end || *j->p != '"')
			return fail(j, "expected a member name");
		if (parse_string(j, &s) < 0)
			return -1;
		if (s.too_long) { /* a name longer than any field's */
			was = j->wlen;
			j->lost++;
		} else {
			was = where_push(j, key, s.len, 1);
		}
		skip_ws(j);
		if (j->p >= j->end || *j->p != ':')
			return fail(j, "expected ':'");
		j->p++;
		if (parse_value(j, level + 1) < 0)
			return -1;
		where_pop(j, was, lost);
		skip_ws(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			skip_ws(j);
			continue;
		}
		if (j->p < j->end && *j->p == '}') {
			j->p++;
			break;
		}
		return fail(j, "expected ',' or '}'");
	}
done:
	/* an entry of an array whose entries must each hold a field */
	for (int f = 0; j->fields && j->fields[f].where; f++)
		if (each_field(j, f, 1) && !(j->entry_have & (1u << f)))
			rc = fail(j, "an entry has no field %s",
			          j->fields[f].where);
	j->entry_have = outer;
	return rc;
}

static int parse_array(struct jp *j, int level)
{
	int lost = j->lost, entries_held = 0;
	size_t was;

	for (int f = 0; j->fields && j->fields[f].where; f++) {
		if (each_field(j, f, 0)) {
			double none = -1;
			memcpy(j->dst + j->fields[f].off, &none, sizeof(none));
			j->have |= 1u << f;
			entries_held = 1;
		}
	}
	was = where_push(j, "[]", 2, 0);
	j->p++;
	skip_ws(j);
	if (j->p < j->end && *j->p == ']') {
		j->p++;
		where_pop(j, was, lost);
		return 0;
	}
	for (;;) {
		skip_ws(j);
		if (entries_held && (j->p >= j->end || *j->p != '{'))
			return fail(j, "an entry of %.*s is not an object",
			            (int)was, j->where);
		if (parse_value(j, level + 1) < 0)
			return -1;
		skip_ws(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			continue;
		}
		if (j->p < j->end && *j->p == ']') {
			j->p++;
			where_pop(j, was, lost);
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

static int parse_value(struct jp *j, int level)
{
	int f = which_field(j);
	enum kind k = f >= 0 ? j->fields[f].kind : K_INT;

	if (level > MAX_DEPTH)
		return fail(j, "nested too deep");
	skip_ws(j);
	if (j->p >= j->end)
		return fail(j, "unexpected end");
	switch (*j->p) {
	case '{':
		if (f >= 0)
			return fail_type(j, f, "a scalar");
		return parse_object(j, level);
	case '[':
		if (f >= 0)
			return fail_type(j, f, "a scalar");
		return parse_array(j, level);
	case '"': {
		struct sbuf s = {NULL, 0, 0, 0};
		if (f >= 0 && k != K_STR)
			return fail_type(j, f, "a number");
		if (f >= 0)
			s = (struct sbuf){j->dst + j->fields[f].off,
			                  TAIL_PATH_MAX + 1, 0, 0};
		if (parse_string(j, &s) < 0)
			return -1;
		if (s.too_long)
			return fail_type(j, f, "a string of sane length");
		if (f >= 0)
			j->have |= 1u << f;
		return 0;
	}
	case 't':
	case 'f':
	case 'n':
		if (f >= 0)
			return fail_type(j, f,
			                 k == K_STR ? "a string" : "a number");
		return literal(j, *j->p == 't'   ? "true"
		                  : *j->p == 'f' ? "false"
		                                 : "null");
	default: {
		const char *s;
		int is_int;
		if (f >= 0 && k == K_STR)
			return fail_type(j, f, "a string");
		if (parse_number(j, &s, &is_int) < 0)
			return -1;
		return f >= 0 ? store_number(j, f, s, is_int) : 0;
	}
	}
}

/* Read buf[0..len) with this field table (NULL: grammar only) into dst. */
static int parse_top(const char *buf, size_t len, const struct field *fields,
                     void *dst, char *err, size_t errlen)
{
	struct jp j = {.base = buf,
	               .p = buf,
	               .end = buf + len,
	               .fields = fields,
	               .dst = dst,
	               .err = err,
	               .errlen = errlen};

	skip_ws(&j);
	if (j.p >= j.end || *j.p != '{')
		return fail(&j, "not a JSON object");
	if (parse_value(&j, 0) < 0)
		return -1;
	skip_ws(&j);
	if (j.p != j.end)
		return fail(&j, "trailing bytes after the object");
	for (int f = 0; fields && fields[f].where; f++) {
		if (j.have & (1u << f))
			continue;
		if (fields[f].kind == K_EACH)
			snprintf(err, errlen, "no array %.*s",
			         (int)strcspn(fields[f].where, "["),
			         fields[f].where);
		else
			snprintf(err, errlen, "no field %s", fields[f].where);
		return -1;
	}
	return 0;
}

int tail_json_check(const char *buf, size_t len, char *err, size_t errlen)
{
	return parse_top(buf, len, NULL, NULL, err, errlen);
}

int tail_json_parse(const char *buf, size_t len, struct tail_stats *st,
                    char *err, size_t errlen)
{
	memset(st, 0, sizeof(*st));
	return parse_top(buf, len, interval_fields, st, err, errlen);
}

int tail_json_heartbeat(const char *buf, size_t len, struct tail_heartbeat *hb,
                        char *err, size_t errlen)
{
	memset(hb, 0, sizeof(*hb));
	return parse_top(buf, len, heartbeat_fields, hb, err, errlen);
}
