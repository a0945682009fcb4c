/* config.c: the configuration table and the one loader it drives.
 *
 * Every key is one row of keys[] below.  Parsing a value (from YAML or from
 * a command-line flag), checking, storing, copying, freeing and printing it
 * all walk that table; a key with a rule beyond its type and bounds has one
 * case in check_rule().  umbra_config_validate() re-reads every stored value
 * through the same parser, so a value set by hand meets the same rules.
 *
 * Values are read as text and typed by their key, not by YAML's implicit
 * typing: "monitor: 123" is the string "123" and "threads: '4'" is 4.
 * Integers are plain decimal: no sign, no leading zero, no 0x, no "_", no
 * fraction or exponent.  "010" is refused rather than guessed at (YAML 1.1
 * reads it as octal, YAML 1.2 as decimal).  An empty value ("key:") is the
 * empty string, or for a list the empty list.  Aliases are refused; anchors
 * and tags are ignored.  Strings must be valid UTF-8 without NUL bytes, so
 * that umbra_config_print() can always write them back.
 *
 * Loading works on a deep copy and replaces *c only on success: on every
 * error *c is unchanged and nothing leaks.
 */
#include "config.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "avro_writer.h"
#include "log.h"
#include "outpath.h"

#define MONITOR_MAX  64
#define FILE_MAX     (1u << 20) /* bytes of YAML load_file accepts */
#define ECHO_MAX     64         /* bytes of a bad value quoted in a message */
#define WHY_MAX      384
#define SUGGEST_MAX  64 /* longest unknown key given a did-you-mean */
#define COMMENT_COLS 79

static const char *const codec_names[] = {
    [AVRO_CODEC_NULL] = "null",
    [AVRO_CODEC_DEFLATE] = "deflate",
    [AVRO_CODEC_SNAPPY] = "snappy",
    [AVRO_CODEC_SNAPPY + 1] = NULL,
};

static const char *const level_names[] = {
    [UMBRA_LOG_ERROR] = "error",  [UMBRA_LOG_WARN] = "warn",
    [UMBRA_LOG_INFO] = "info",    [UMBRA_LOG_DEBUG] = "debug",
    [UMBRA_LOG_DEBUG + 1] = NULL,
};

#define OFF(field) offsetof(struct umbra_config, field)

static const struct umbra_cfg_key keys[] = {
    {
        .name = "monitor",
        .type = UMBRA_CFG_STRING,
        .offset = OFF(monitor),
        .def = "umbra",
        .flag = "--monitor",
        .help = "Name of this telescope, in output file names and stats: "
                "[A-Za-z0-9][A-Za-z0-9._-]*, at most 64 characters.",
    },
    {
        .name = "inputs",
        .type = UMBRA_CFG_STRLIST,
        .offset = OFF(inputs),
        .def = "",
        .flag = "--input",
        .help = "Captures to read, in order: libtrace URIs or file "
                "paths (pcapfile:x.pcap, x.pcap.gz, erf:x.erf, "
                "pcapint:eth0, ...).",
    },
    {
        .name = "output_dir",
        .type = UMBRA_CFG_STRING,
        .offset = OFF(output_dir),
        .def = "/var/lib/umbra",
        .flag = "--output-dir",
        .help = "Directory the output files are written under.",
    },
    {
        .name = "output_template",
        .type = UMBRA_CFG_STRING,
        .offset = OFF(output_template),
        .def = "",
        .help = "Output file path under output_dir: strftime fields "
                "(UTC), %N = monitor, %s = interval (or rotation) "
                "start; relative, without \"..\", with %s. \"\" "
                "= " OUTPATH_DEFAULT_TEMPLATE,
    },
    {
        .name = "threads",
        .type = UMBRA_CFG_UINT,
        .offset = OFF(threads),
        .def = "0",
        .min = 0,
        .max = 256,
        .flag = "--threads",
        .help = "Aggregator threads; 0 = one per core less one, at "
                "least 1.",
    },
    {
        .name = "interval",
        .type = UMBRA_CFG_UINT,
        .offset = OFF(interval),
        .def = "300",
        .min = 1,
        .max = 86400,
        .flag = "--interval",
        .help = "Seconds per interval; intervals start at multiples of "
                "it (Unix time).",
    },
    {
        .name = "rotate_intervals",
        .type = UMBRA_CFG_UINT,
        .offset = OFF(rotate_intervals),
        .def = "1",
        .min = 1,
        .max = 8760,
        .help = "Intervals per output file; files start at multiples "
                "of interval x rotate_intervals.",
    },
    {
        .name = "dst_prefix_len",
        .type = UMBRA_CFG_UINT,
        .offset = OFF(dst_prefix_len),
        .def = "16",
        .min = 0,
        .max = 32,
        .help = "Destination prefix length of the flowtuple key "
                "(dst_net); 16 is what analysts expect.",
    },
    {
        .name = "max_time_jump",
        .type = UMBRA_CFG_UINT,
        .offset = OFF(max_time_jump),
        .def = "86400",
        .min = 0,
        .max = 31536000,
        .help = "Seconds: a timestamp whose interval starts further "
                "than this past the open interval is treated as "
                "corrupt (bad_time); 0 = no limit, else at least "
                "interval.",
    },
    {
        .name = "codec",
        .type = UMBRA_CFG_ENUM,
        .offset = OFF(codec),
        .def = "deflate",
        .names = codec_names,
        .help = "Compression of the Avro blocks.",
    },
    {
        .name = "deflate_level",
        .type = UMBRA_CFG_UINT,
        .offset = OFF(deflate_level),
        .def = "3",
        .min = 1,
        .max = 12,
        .help = "Deflate level (libdeflate): 1 fastest .. 12 smallest; 3 "
                "writes over 1M records/s at 4% more bytes than 6.",
    },
    {
        .name = "block_size",
        .type = UMBRA_CFG_UINT,
        .offset = OFF(block_size),
        .def = "65536",
        .min = 4096,
        .max = 16777216,
        .help = "Uncompressed bytes per Avro block.",
    },
    {
        .name = "queue_size",
        .type = UMBRA_CFG_UINT,
        .offset = OFF(queue_size),
        .def = "65536",
        .min = 1024,
        .max = 16777216,
        .help = "Slots per capture-to-aggregator queue; a power of "
                "two.",
    },
    {
        .name = "stats_endpoint",
        .type = UMBRA_CFG_STRING,
        .offset = OFF(stats_endpoint),
        .def = "ipc:///tmp/umbra-stats.sock",
        .help = "ZeroMQ PUB endpoint for the interval stats: "
                "tcp://ADDRESS:PORT, ipc://PATH or inproc://NAME; "
                "\"\" = off. Binding every interface (tcp://*, "
                "tcp://0.0.0.0) is refused.",
    },
    {
        .name = "log_level",
        .type = UMBRA_CFG_ENUM,
        .offset = OFF(log_level),
        .def = "info",
        .names = level_names,
        .flag = "--log-level",
        .help = "Least severe messages logged.",
    },
};

#define NKEYS (sizeof keys / sizeof keys[0])

/* A parsed value before it is stored; s is owned by whoever holds it. */
union cfg_val {
	char *s;
	uint32_t u;
	int e;
	bool b;
};

static void *field(const struct umbra_config *c, const struct umbra_cfg_key *k)
{
	return (char *)c + k->offset;
}

const struct umbra_cfg_key *umbra_config_keys(size_t *n)
{
	if (n)
		*n = NKEYS;
	return keys;
}

static const struct umbra_cfg_key *key_lookup(const char *name, size_t len)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (strlen(keys[i].name) == len &&
		    memcmp(keys[i].name, name, len) == 0)
			return &keys[i];
	return NULL;
}

const struct umbra_cfg_key *umbra_config_key(const char *name)
{
	return name ? key_lookup(name, strlen(name)) : NULL;
}

/* ---- messages ---------------------------------------------------------- */

static int say(char *why, size_t n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int say(char *why, size_t n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* At most ECHO_MAX bytes of text, for a message: control characters become
 * '?', and a cut (on a character boundary) ends with "...". */
static const char *echo(char buf[ECHO_MAX + 4], const char *text, size_t len)
{
	size_t n = len, i;

	if (len > ECHO_MAX) {
		n = ECHO_MAX;
		while (n > 0 && ((unsigned char)text[n] & 0xc0) == 0x80)
			n--;
	}
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)text[i];
		buf[i] = ch < 0x20 || ch == 0x7f ? '?' : (char)ch;
	}
	if (n < len) {
		memcpy(buf + n, "...", 3);
		n += 3;
	}
	buf[n] = '\0';
	return buf;
}

/* What a row accepts, for "expected ..." (item: one element of a list). */
static const char *describe(const struct umbra_cfg_key *k, char *buf, size_t n)
{
	size_t off;

	switch (k->type) {
	case UMBRA_CFG_STRING:
		return "a string";
	case UMBRA_CFG_UINT:
		snprintf(buf, n, "an integer %u..%u", k->min, k->max);
		return buf;
	case UMBRA_CFG_ENUM:
		off = (size_t)snprintf(buf, n, "one of");
		for (size_t i = 0; k->names[i] && off < n; i++)
			off += (size_t)snprintf(buf + off, n - off, "%s %s",
			                        i ? "," : "", k->names[i]);
		return buf;
	case UMBRA_CFG_BOOL:
		return "true, false, yes, no, on or off";
	case UMBRA_CFG_STRLIST:
		return "a string or a sequence of strings";
	}
	return "?";
}

/* ---- parsing one value ------------------------------------------------- */

/* Decode one UTF-8 character of s (n > 0 bytes left) into *cp; return its
 * length, or 0 if it is malformed, overlong, a surrogate or cut short. */
static size_t utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
	uint32_t c = s[0], min;
	size_t len;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2, c &= 0x1f, min = 0x80;
	} else if ((c & 0xf0) == 0xe0) {
		len = 3, c &= 0x0f, min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4, c &= 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

static bool utf8_ok(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t cp;

	while (n > 0) {
		size_t len = utf8_next(p, n, &cp);
		if (!len)
			return false;
		p += len;
		n -= len;
	}
	return true;
}

/* Plain decimal only: [0-9]+ without a leading zero. */
static bool parse_uint(const char *s, size_t len, uint32_t *out)
{
	uint64_t v = 0;

	if (len == 0 || (len > 1 && s[0] == '0'))
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
		if (v > UINT32_MAX)
			return false;
	}
	*out = (uint32_t)v;
	return true;
}

static bool word_is(const char *s, size_t len, const char *word)
{
	return strlen(word) == len && strncasecmp(s, word, len) == 0;
}

int umbra_monitor_name_ok(const char *name)
{
	size_t i;

	for (i = 0; name && name[i]; i++) {
		char ch = name[i];
		bool alnum = (ch >= 'A' && ch <= 'Z') ||
		             (ch >= 'a' && ch <= 'z') ||
		             (ch >= '0' && ch <= '9');
		if (!alnum && (i == 0 || !strchr("._-", ch)))
			return 0;
	}
	return i >= 1 && i <= MONITOR_MAX;
}

/* Is the host part of a tcp:// endpoint (text before ":PORT") the address
 * of every interface: "*", 0.0.0.0 in any numeric spelling, or "::"? */
static bool host_is_any(const char *host, size_t len)
{
	struct addrinfo hints = {.ai_flags = AI_NUMERICHOST}, *res, *ai;
	char h[64];
	bool any = false;

	if (len >= 2 && host[0] == '[' && host[len - 1] == ']')
		host++, len -= 2;
	if (len == 1 && host[0] == '*')
		return true;
	if (len == 0 || len >= sizeof h)
		return false;
	memcpy(h, host, len);
	h[len] = '\0';
	if (getaddrinfo(h, NULL, &hints, &res) != 0)
		return false;
	for (ai = res; ai; ai = ai->ai_next) {
		if (ai->ai_family == AF_INET) {
			struct sockaddr_in *sa = (void *)ai->ai_addr;
			any |= sa->sin_addr.s_addr == htonl(INADDR_ANY);
		} else if (ai->ai_family == AF_INET6) {
			struct sockaddr_in6 *sa = (void *)ai->ai_addr;
			any |= IN6_IS_ADDR_UNSPECIFIED(&sa->sin6_addr);
		}
	}
	freeaddrinfo(res);
	return any;
}

static int check_endpoint(const char *s, char *why, size_t n)
{
	static const char *const schemes[] = {"tcp://", "ipc://", "inproc://"};
	char e[ECHO_MAX + 4];
	const char *rest = NULL;
	size_t hlen;

	if (!*s)
		return 0;
	for (size_t i = 0; i < 3 && !rest; i++)
		if (strncmp(s, schemes[i], strlen(schemes[i])) == 0)
			rest = s + strlen(schemes[i]);
	if (!rest || !*rest)
		return say(why, n,
		           "expected tcp://ADDRESS:PORT, ipc://PATH, "
		           "inproc://NAME or \"\" (off), got '%s'",
		           echo(e, s, strlen(s)));
	if (strncmp(s, "tcp://", 6) != 0)
		return 0;
	if (rest[0] == '[') { /* [IPv6]:PORT */
		const char *close = strchr(rest, ']');
		hlen = close ? (size_t)(close - rest) + 1 : strlen(rest);
	} else {
		const char *colon = strrchr(rest, ':');
		hlen = colon ? (size_t)(colon - rest) : strlen(rest);
	}
	if (host_is_any(rest, hlen))
		return say(why, n,
		           "expected an explicit address such as "
		           "tcp://127.0.0.1:PORT, got '%s': binding every "
		           "interface is not allowed by default",
		           echo(e, s, strlen(s)));
	return 0;
}

/* Is %ch a field the writer knows?  outpath_format() is the one truth, so
 * a template that loads is one the writer can expand. */
static bool template_field_ok(char ch)
{
	char tmpl[3] = {'%', ch, '\0'}, buf[128];

	return ch && outpath_format(buf, sizeof buf, ".", tmpl, "m", 0) == 0;
}

static int unknown_field(char ch, const char *et, char *why, size_t n)
{
	static const char probe[] = "%ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                            "abcdefghijklmnopqrstuvwxyz";
	char known[3 * sizeof probe + 1];
	size_t off = 0;

	for (const char *p = probe; *p; p++)
		if (template_field_ok(*p))
			off += (size_t)snprintf(known + off, sizeof known - off,
			                        " %%%c", *p);
	known[off] = '\0';
	return say(why, n, "unknown field '%%%c' in '%s' (allowed:%s)", ch, et,
	           known);
}

/* Can the writer expand t for the longest monitor name? */
static int check_template_length(const char *t, char *why, size_t n)
{
	char monitor[MONITOR_MAX + 1], path[4096];

	memset(monitor, 'm', MONITOR_MAX);
	monitor[MONITOR_MAX] = '\0';
	if (outpath_format(path, sizeof path, ".", t, monitor, 9999999999) == 0)
		return 0;
	return say(why, n,
	           "expected a template of which the writer can make a path "
	           "(with a %d-character monitor), got %zu bytes",
	           MONITOR_MAX, strlen(t));
}

static int check_template(const char *t, char *why, size_t n)
{
	char e[ECHO_MAX + 4];
	const char *et = echo(e, t, strlen(t));
	bool has_s = false;

	if (!*t)
		return 0;
	if (t[0] == '/')
		return say(why, n,
		           "expected a path relative to output_dir, got '%s'",
		           et);
	if (strstr(t, ".."))
		return say(why, n, "expected a path without '..', got '%s'",
		           et);
	if (t[strlen(t) - 1] == '/')
		return say(why, n,
		           "expected a file name after the last '/', got '%s'",
		           et);
	for (const char *p = t; *p; p++) {
		if (*p != '%')
			continue;
		if (!*++p)
			return say(why, n,
			           "expected a field after the last '%%' "
			           "(write %%%% for a '%%'), got '%s'",
			           et);
		if (!template_field_ok(*p))
			return unknown_field(*p, et, why, n);
		has_s |= *p == 's';
	}
	if (!has_s)
		return say(why, n,
		           "expected a template with %%s (the interval start): "
		           "without it two intervals would write the same "
		           "file, got '%s'",
		           et);
	return check_template_length(t, why, n);
}

/* The rule of a row beyond its type and bounds, on a parsed value. */
static int check_rule(const struct umbra_cfg_key *k, const union cfg_val *v,
                      char *why, size_t n)
{
	char e[ECHO_MAX + 4];

	switch (k->offset) {
	case OFF(monitor):
		if (!umbra_monitor_name_ok(v->s))
			return say(
			    why, n,
			    "expected a name of [A-Za-z0-9][A-Za-z0-9._-]*"
			    ", at most %d characters, got '%s'",
			    MONITOR_MAX, echo(e, v->s, strlen(v->s)));
		break;
	case OFF(output_dir):
		if (!*v->s)
			return say(why, n, "expected a directory, got ''");
		break;
	case OFF(output_template):
		return check_template(v->s, why, n);
	case OFF(queue_size):
		if (v->u & (v->u - 1))
			return say(why, n,
			           "expected a power of two %u..%u, got '%u'",
			           k->min, k->max, v->u);
		break;
	case OFF(stats_endpoint):
		return check_endpoint(v->s, why, n);
	}
	return 0;
}

/* Parse len bytes of text as a value of row k (for a list: one item) into
 * *v.  Returns 0, -ENOMEM, or -EINVAL with "expected ..., got ..." in why. */
static int parse_value(const struct umbra_cfg_key *k, const char *text,
                       size_t len, union cfg_val *v, char *why, size_t n)
{
	char d[WHY_MAX], e[ECHO_MAX + 4];
	const char *want = describe(k, d, sizeof d);
	int rc;

	if (k->type == UMBRA_CFG_STRLIST)
		want = "a non-empty string";
	if (memchr(text, '\0', len))
		return say(why, n, "expected %s, got a value with a NUL byte",
		           want);
	switch (k->type) {
	case UMBRA_CFG_STRLIST:
	case UMBRA_CFG_STRING:
		if (len == 0 && k->type == UMBRA_CFG_STRLIST)
			return say(why, n, "expected %s, got ''", want);
		if (!utf8_ok(text, len))
			return say(why, n,
			           "expected %s, got invalid UTF-8 '%s'", want,
			           echo(e, text, len));
		if (!(v->s = strndup(text, len)))
			return -ENOMEM;
		break;
	case UMBRA_CFG_UINT:
		if (!parse_uint(text, len, &v->u) || v->u < k->min ||
		    v->u > k->max)
			return say(why, n, "expected %s, got '%s'", want,
			           echo(e, text, len));
		break;
	case UMBRA_CFG_ENUM:
		for (v->e = 0; k->names[v->e]; v->e++)
			if (strlen(k->names[v->e]) == len &&
			    memcmp(k->names[v->e], text, len) == 0)
				break;
		if (!k->names[v->e])
			return say(why, n, "expected %s, got '%s'", want,
			           echo(e, text, len));
		break;
	case UMBRA_CFG_BOOL:
		if (word_is(text, len, "true") || word_is(text, len, "yes") ||
		    word_is(text, len, "on"))
			v->b = true;
		else if (word_is(text, len, "false") ||
		         word_is(text, len, "no") || word_is(text, len, "off"))
			v->b = false;
		else
			return say(why, n, "expected %s, got '%s'", want,
			           echo(e, text, len));
		break;
	}
	rc = check_rule(k, v, why, n);
	if (rc && (k->type == UMBRA_CFG_STRING || k->type == UMBRA_CFG_STRLIST))
		free(v->s);
	return rc;
}

/* ---- storing, copying, freeing ----------------------------------------- */

static void list_clear(struct umbra_strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->items[i]);
	free(l->items);
	l->items = NULL;
	l->n = 0;
}

/* Append s, which the list then owns (it is freed on failure). */
static int list_append(struct umbra_strlist *l, char *s)
{
	char **items = realloc(l->items, (l->n + 1) * sizeof *items);

	if (!items) {
		free(s);
		return -ENOMEM;
	}
	items[l->n++] = s;
	l->items = items;
	return 0;
}

/* Store a parsed value in *c, which takes ownership of v->s; a list item is
 * appended. */
static int store(struct umbra_config *c, const struct umbra_cfg_key *k,
                 union cfg_val *v)
{
	void *f = field(c, k);

	switch (k->type) {
	case UMBRA_CFG_STRING:
		free(*(char **)f);
		*(char **)f = v->s;
		break;
	case UMBRA_CFG_STRLIST:
		return list_append(f, v->s);
	case UMBRA_CFG_UINT:
		*(uint32_t *)f = v->u;
		break;
	case UMBRA_CFG_ENUM:
		*(int *)f = v->e;
		break;
	case UMBRA_CFG_BOOL:
		*(bool *)f = v->b;
		break;
	}
	return 0;
}

void umbra_config_free(struct umbra_config *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < NKEYS; i++) {
		void *f = field(c, &keys[i]);
		if (keys[i].type == UMBRA_CFG_STRING) {
			free(*(char **)f);
			*(char **)f = NULL;
		} else if (keys[i].type == UMBRA_CFG_STRLIST) {
			list_clear(f);
		}
	}
}

static int config_copy(struct umbra_config *dst, const struct umbra_config *src)
{
	*dst = *src;
	for (size_t i = 0; i < NKEYS; i++) {
		void *f = field(dst, &keys[i]);
		if (keys[i].type == UMBRA_CFG_STRING)
			*(char **)f = NULL;
		else if (keys[i].type == UMBRA_CFG_STRLIST)
			*(struct umbra_strlist *)f = (struct umbra_strlist){0};
	}
	for (size_t i = 0; i < NKEYS; i++) {
		const void *from = field(src, &keys[i]);
		void *to = field(dst, &keys[i]);
		if (keys[i].type == UMBRA_CFG_STRING) {
			const char *s = *(char *const *)from;
			if (s && !(*(char **)to = strdup(s)))
				goto nomem;
		} else if (keys[i].type == UMBRA_CFG_STRLIST) {
			const struct umbra_strlist *l = from;
			for (size_t j = 0; j < l->n; j++) {
				char *s = strdup(l->items[j]);
				if (!s || list_append(to, s))
					goto nomem;
			}
		}
	}
	return 0;
nomem:
	umbra_config_free(dst);
	return -ENOMEM;
}

int umbra_config_defaults(struct umbra_config *c)
{
	char why[WHY_MAX];

	memset(c, 0, sizeof *c);
	for (size_t i = 0; i < NKEYS; i++) {
		const struct umbra_cfg_key *k = &keys[i];
		union cfg_val v;
		int rc;

		if (k->type == UMBRA_CFG_STRLIST && !*k->def)
			continue;
		rc =
		    parse_value(k, k->def, strlen(k->def), &v, why, sizeof why);
		if (!rc)
			rc = store(c, k, &v);
		if (rc) {
			umbra_config_free(c);
			return rc;
		}
	}
	return 0;
}

/* ---- flags ------------------------------------------------------------- */

int umbra_config_set(struct umbra_config *c, const char *key, const char *value,
                     const char *origin, struct umbra_err *err)
{
	const struct umbra_cfg_key *k = umbra_config_key(key);
	char why[WHY_MAX];
	union cfg_val v;
	int rc;

	if (!origin)
		origin = key ? key : "?";
	if (!k)
		return umbra_err_set(err, -EINVAL, "%s: unknown key '%s'",
		                     origin, key ? key : "");
	if (!value)
		return umbra_err_set(err, -EINVAL, "%s: missing value", origin);
	rc = parse_value(k, value, strlen(value), &v, why, sizeof why);
	if (!rc)
		rc = store(c, k, &v);
	if (rc == -ENOMEM)
		return umbra_err_set(err, rc, "%s: out of memory", origin);
	if (rc)
		return umbra_err_set(err, rc, "%s: %s", origin, why);
	return 0;
}

void umbra_config_clear_list(struct umbra_config *c, const char *key)
{
	const struct umbra_cfg_key *k = umbra_config_key(key);

	if (k && k->type == UMBRA_CFG_STRLIST)
		list_clear(field(c, k));
}

/* ---- validation -------------------------------------------------------- */

/* Put a stored non-string value back into text, for the parser to judge. */
static const char *value_text(const struct umbra_config *c,
                              const struct umbra_cfg_key *k, char *buf,
                              size_t n)
{
	const void *f = field(c, k);
	int e;

	switch (k->type) {
	case UMBRA_CFG_UINT:
		snprintf(buf, n, "%u", *(const uint32_t *)f);
		return buf;
	case UMBRA_CFG_ENUM:
		e = *(const int *)f;
		for (int i = 0; k->names[i]; i++)
			if (i == e)
				return k->names[i];
		snprintf(buf, n, "%d", e);
		return buf;
	case UMBRA_CFG_BOOL:
		return *(const bool *)f ? "true" : "false";
	default:
		return *(char *const *)f;
	}
}

static int judge(const struct umbra_cfg_key *k, const char *text,
                 struct umbra_err *err)
{
	char why[WHY_MAX];
	union cfg_val v;
	int rc;

	if (!text)
		return umbra_err_set(err, -EINVAL, "key '%s': not set",
		                     k->name);
	rc = parse_value(k, text, strlen(text), &v, why, sizeof why);
	if (rc == -ENOMEM)
		return umbra_err_set(err, rc, "out of memory");
	if (rc)
		return umbra_err_set(err, rc, "key '%s': %s", k->name, why);
	if (k->type == UMBRA_CFG_STRING || k->type == UMBRA_CFG_STRLIST)
		free(v.s);
	return 0;
}

int umbra_config_validate(const struct umbra_config *c, struct umbra_err *err)
{
	char buf[32];
	int rc;

	for (size_t i = 0; i < NKEYS; i++) {
		const struct umbra_cfg_key *k = &keys[i];
		const struct umbra_strlist *l = field(c, k);

		if (k->type != UMBRA_CFG_STRLIST) {
			rc = judge(k, value_text(c, k, buf, sizeof buf), err);
			if (rc)
				return rc;
			continue;
		}
		for (size_t j = 0; j < l->n; j++)
			if ((rc = judge(k, l->items[j], err)))
				return rc;
	}
	if (c->max_time_jump && c->max_time_jump < c->interval)
		return umbra_err_set(err, -EINVAL,
		                     "key 'max_time_jump': expected 0 or at "
		                     "least interval (%u), got '%u': a smaller "
		                     "limit treats every next interval as "
		                     "corrupt",
		                     c->interval, c->max_time_jump);
	return 0;
}

/* ---- YAML -------------------------------------------------------------- */

struct loader {
	yaml_parser_t p;
	struct umbra_config *c;
	const char *name;
	const char *buf;
	size_t len;
	struct umbra_err *err;
	size_t seen[NKEYS]; /* line where each key was set, 0 = not yet */
};

static int fail_at(struct loader *l, size_t line, size_t col, int code,
                   const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int fail_at(struct loader *l, size_t line, size_t col, int code,
                   const char *fmt, ...)
{
	char msg[UMBRA_ERR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return umbra_err_set(l->err, code, "%s:%zu:%zu: %s", l->name, line + 1,
	                     col + 1, msg);
}

#define FAIL_AT(l, mark, ...)                                                  \
	fail_at((l), (mark).line, (mark).column, -EINVAL, __VA_ARGS__)

static int yaml_fail(struct loader *l)
{
	const yaml_parser_t *p = &l->p;
	const char *problem = p->problem ? p->problem : "syntax error";
	size_t line = p->problem_mark.line, col = p->problem_mark.column;

	if (p->error == YAML_MEMORY_ERROR)
		return umbra_err_set(l->err, -ENOMEM, "%s: out of memory",
		                     l->name);
	if (p->error == YAML_READER_ERROR) {
		/* Only a byte offset: count lines and characters to it. */
		line = col = 0;
		for (size_t i = 0; i < p->problem_offset && i < l->len; i++) {
			unsigned char ch = (unsigned char)l->buf[i];
			if (ch == '\n')
				line++, col = 0;
			else if ((ch & 0xc0) != 0x80)
				col++;
		}
		if (p->problem_value < 0)
			return fail_at(l, line, col, -EINVAL, "%s", problem);
		return fail_at(l, line, col, -EINVAL, "%s (0x%X)", problem,
		               (unsigned)p->problem_value);
	}
	if (p->context)
		return fail_at(l, line, col, -EINVAL, "%s (%s at %zu:%zu)",
		               problem, p->context, p->context_mark.line + 1,
		               p->context_mark.column + 1);
	return fail_at(l, line, col, -EINVAL, "%s", problem);
}

static int next_event(struct loader *l, yaml_event_t *ev)
{
	return yaml_parser_parse(&l->p, ev) ? 0 : yaml_fail(l);
}

/* What an event is, for "got ...". */
static const char *got(const yaml_event_t *ev, char buf[ECHO_MAX + 8])
{
	char e[ECHO_MAX + 4];

	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		snprintf(buf, ECHO_MAX + 8, "'%s'",
		         echo(e, (const char *)ev->data.scalar.value,
		              ev->data.scalar.length));
		return buf;
	case YAML_SEQUENCE_START_EVENT:
		return "a sequence";
	case YAML_MAPPING_START_EVENT:
		return "a mapping";
	case YAML_ALIAS_EVENT:
		return "an alias (aliases are not supported)";
	default:
		return "something else";
	}
}

static bool empty_plain(const yaml_event_t *ev)
{
	return ev->type == YAML_SCALAR_EVENT && ev->data.scalar.length == 0 &&
	       ev->data.scalar.plain_implicit;
}

static int store_scalar(struct loader *l, const struct umbra_cfg_key *k,
                        const yaml_event_t *ev)
{
	char why[WHY_MAX];
	union cfg_val v;
	int rc;

	rc = parse_value(k, (const char *)ev->data.scalar.value,
	                 ev->data.scalar.length, &v, why, sizeof why);
	if (!rc)
		rc = store(l->c, k, &v);
	if (rc == -ENOMEM)
		return umbra_err_set(l->err, rc, "%s: out of memory", l->name);
	if (rc)
		return FAIL_AT(l, ev->start_mark, "key '%s': %s", k->name, why);
	return 0;
}

static int load_list(struct loader *l, const struct umbra_cfg_key *k)
{
	char g[ECHO_MAX + 8];

	for (;;) {
		yaml_event_t ev;
		int rc;

		if ((rc = next_event(l, &ev)))
			return rc;
		if (ev.type == YAML_SEQUENCE_END_EVENT)
			rc = 1;
		else if (ev.type == YAML_SCALAR_EVENT)
			rc = store_scalar(l, k, &ev);
		else
			rc = FAIL_AT(l, ev.start_mark,
			             "key '%s': expected a string, got %s",
			             k->name, got(&ev, g));
		yaml_event_delete(&ev);
		if (rc)
			return rc > 0 ? 0 : rc;
	}
}

static int load_value(struct loader *l, const struct umbra_cfg_key *k)
{
	char d[WHY_MAX], g[ECHO_MAX + 8];
	yaml_event_t ev;
	int rc;

	if ((rc = next_event(l, &ev)))
		return rc;
	if (k->type == UMBRA_CFG_STRLIST &&
	    (ev.type == YAML_SCALAR_EVENT ||
	     ev.type == YAML_SEQUENCE_START_EVENT))
		list_clear(field(l->c, k)); /* the file's list replaces it */
	/* "inputs:" with nothing after it is the empty list */
	if (ev.type == YAML_SCALAR_EVENT &&
	    !(k->type == UMBRA_CFG_STRLIST && empty_plain(&ev)))
		rc = store_scalar(l, k, &ev);
	else if (ev.type == YAML_SEQUENCE_START_EVENT &&
	         k->type == UMBRA_CFG_STRLIST)
		rc = load_list(l, k);
	else if (ev.type != YAML_SCALAR_EVENT)
		rc = FAIL_AT(l, ev.start_mark, "key '%s': expected %s, got %s",
		             k->name, describe(k, d, sizeof d), got(&ev, g));
	yaml_event_delete(&ev);
	return rc;
}

static char lower(char ch)
{
	return ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
}

/* Edit distance between a[0..la) and b, ignoring case; la <= SUGGEST_MAX. */
static size_t distance(const char *a, size_t la, const char *b)
{
	size_t row[SUGGEST_MAX + 1], lb = strlen(b);

	for (size_t i = 0; i <= la; i++)
		row[i] = i;
	for (size_t j = 1; j <= lb; j++) {
		size_t diag = row[0];
		row[0] = j;
		for (size_t i = 1; i <= la; i++) {
			size_t up = row[i];
			size_t best =
			    diag + (lower(a[i - 1]) != lower(b[j - 1]));
			if (up + 1 < best)
				best = up + 1;
			if (row[i - 1] + 1 < best)
				best = row[i - 1] + 1;
			row[i] = best;
			diag = up;
		}
	}
	return row[la];
}

static int unknown_key(struct loader *l, const yaml_event_t *ev)
{
	const char *name = (const char *)ev->data.scalar.value;
	size_t len = ev->data.scalar.length, best = SIZE_MAX, n, off = 0;
	const struct umbra_cfg_key *near = NULL;
	char e[ECHO_MAX + 4], known[WHY_MAX];

	for (size_t i = 0; i < NKEYS && len <= SUGGEST_MAX; i++) {
		size_t d = distance(name, len, keys[i].name);
		if (d < best)
			best = d, near = &keys[i];
	}
	echo(e, name, len);
	if (near &&
	    best <= (strlen(near->name) < 8 ? 1 : strlen(near->name) / 4))
		return FAIL_AT(l, ev->start_mark,
		               "unknown key '%s' (did you mean '%s'?)", e,
		               near->name);
	for (size_t i = 0; i < NKEYS && off < sizeof known; i++) {
		n = (size_t)snprintf(known + off, sizeof known - off, "%s%s",
		                     i ? ", " : "", keys[i].name);
		off += n;
	}
	return FAIL_AT(l, ev->start_mark, "unknown key '%s' (known keys: %s)",
	               e, known);
}

/* A key of the top mapping: its row in *k, once per file. */
static int load_key(struct loader *l, const yaml_event_t *ev,
                    const struct umbra_cfg_key **k)
{
	char g[ECHO_MAX + 8];
	size_t i;

	if (ev->type != YAML_SCALAR_EVENT)
		return FAIL_AT(l, ev->start_mark, "expected a key name, got %s",
		               got(ev, g));
	*k = key_lookup((const char *)ev->data.scalar.value,
	                ev->data.scalar.length);
	if (!*k)
		return unknown_key(l, ev);
	i = (size_t)(*k - keys);
	if (l->seen[i])
		return FAIL_AT(l, ev->start_mark,
		               "duplicate key '%s' (first set at line %zu)",
		               (*k)->name, l->seen[i]);
	l->seen[i] = ev->start_mark.line + 1;
	return 0;
}

static int load_mapping(struct loader *l)
{
	for (;;) {
		const struct umbra_cfg_key *k = NULL;
		yaml_event_t ev;
		int rc;

		if ((rc = next_event(l, &ev)))
			return rc;
		if (ev.type == YAML_MAPPING_END_EVENT) {
			yaml_event_delete(&ev);
			return 0;
		}
		rc = load_key(l, &ev, &k);
		yaml_event_delete(&ev);
		if (rc || (rc = load_value(l, k)))
			return rc;
	}
}

/* The stream: nothing, or one document holding one mapping (or nothing). */
static int load_stream(struct loader *l)
{
	char g[ECHO_MAX + 8];
	yaml_event_t ev;
	int rc, i;

	for (i = 0; i < 2; i++) { /* STREAM-START, then DOCUMENT-START */
		if ((rc = next_event(l, &ev)))
			return rc;
		if (ev.type == YAML_STREAM_END_EVENT) {
			yaml_event_delete(&ev);
			return 0;
		}
		yaml_event_delete(&ev);
	}
	if ((rc = next_event(l, &ev)))
		return rc;
	if (ev.type == YAML_MAPPING_START_EVENT)
		rc = load_mapping(l);
	else if (!empty_plain(&ev))
		rc = FAIL_AT(l, ev.start_mark,
		             "expected a mapping of configuration keys, got %s",
		             got(&ev, g));
	yaml_event_delete(&ev);
	if (rc || (rc = next_event(l, &ev))) /* DOCUMENT-END */
		return rc;
	yaml_event_delete(&ev);
	if ((rc = next_event(l, &ev)))
		return rc;
	if (ev.type != YAML_STREAM_END_EVENT)
		rc = FAIL_AT(l, ev.start_mark,
		             "only one YAML document is allowed");
	yaml_event_delete(&ev);
	return rc;
}

int umbra_config_load_string(struct umbra_config *c, const char *yaml,
                             size_t len, const char *name,
                             struct umbra_err *err)
{
	struct loader l = {
	    .name = name ? name : "<string>",
	    .buf = yaml ? yaml : "",
	    .len = yaml ? len : 0,
	    .err = err,
	};
	struct umbra_config tmp;
	int rc;

	if (config_copy(&tmp, c))
		return umbra_err_set(err, -ENOMEM, "%s: out of memory", l.name);
	if (!yaml_parser_initialize(&l.p)) {
		umbra_config_free(&tmp);
		return umbra_err_set(err, -ENOMEM, "%s: out of memory", l.name);
	}
	yaml_parser_set_input_string(&l.p, (const unsigned char *)l.buf, l.len);
	yaml_parser_set_encoding(&l.p, YAML_UTF8_ENCODING);
	l.c = &tmp;
	rc = load_stream(&l);
	yaml_parser_delete(&l.p);
	if (rc) {
		umbra_config_free(&tmp);
		return rc;
	}
	umbra_config_free(c);
	*c = tmp;
	return 0;
}

int umbra_config_load_file(struct umbra_config *c, const char *path,
                           struct umbra_err *err)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	size_t len;
	int rc;

	if (!f)
		return umbra_err_set(err, -errno, "%s: cannot open: %s", path,
		                     strerror(errno));
	buf = malloc(FILE_MAX + 1);
	if (!buf) {
		fclose(f);
		return umbra_err_set(err, -ENOMEM, "%s: out of memory", path);
	}
	len = fread(buf, 1, FILE_MAX + 1, f);
	if (ferror(f))
		rc = umbra_err_set(err, errno ? -errno : -EIO,
		                   "%s: cannot read: %s", path,
		                   strerror(errno ? errno : EIO));
	else if (len > FILE_MAX)
		rc = umbra_err_set(err, -EFBIG,
		                   "%s: larger than the %u bytes allowed", path,
		                   FILE_MAX);
	else
		rc = umbra_config_load_string(c, buf, len, path, err);
	free(buf);
	fclose(f);
	return rc;
}

/* ---- printing ---------------------------------------------------------- */

/* text as "# " lines of at most COMMENT_COLS columns, cut at spaces. */
static void print_comment(FILE *out, const char *text)
{
	const size_t room = COMMENT_COLS - 2;

	while (*text) {
		size_t len = strlen(text), cut = len;
		if (len > room) {
			for (cut = room; cut > 0 && text[cut] != ' '; cut--)
				;
			if (cut == 0)
				cut = strcspn(text, " ");
		}
		fprintf(out, "# %.*s\n", (int)cut, text);
		text += cut;
		while (*text == ' ')
			text++;
	}
}

/* s as a YAML double-quoted scalar that reads back byte for byte: escape
 * what is not printable, and the line breaks YAML would fold. */
static void print_string(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t n = strlen((const char *)p);

	fputc('"', out);
	while (n > 0) {
		uint32_t cp;
		size_t len = utf8_next(p, n, &cp);

		if (!len) /* not from the parser: cannot read back anyway */
			fprintf(out, "\\x%02X", *p), len = 1;
		else if (cp == '"' || cp == '\\')
			fprintf(out, "\\%c", (char)cp);
		else if (cp == '\t')
			fputs("\\t", out);
		else if (cp == '\n')
			fputs("\\n", out);
		else if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0))
			fprintf(out, "\\x%02X", cp);
		else if (cp == 0x2028 || cp == 0x2029 || cp == 0xfeff ||
		         cp == 0xfffe || cp == 0xffff)
			fprintf(out, "\\u%04X", cp);
		else
			fwrite(p, 1, len, out);
		p += len;
		n -= len;
	}
	fputc('"', out);
}

/* The comment line after the help: type and bounds, default, flag. */
static void print_meta(FILE *out, const struct umbra_cfg_key *k)
{
	char line[WHY_MAX], d[WHY_MAX];
	const char *desc;
	size_t off = 0;

	switch (k->type) {
	case UMBRA_CFG_STRING:
		off = (size_t)snprintf(line, sizeof line,
		                       "String; default \"%s\"", k->def);
		break;
	case UMBRA_CFG_STRLIST:
		off = (size_t)snprintf(line, sizeof line,
		                       "List of strings, or one string; "
		                       "default %s%s%s",
		                       *k->def ? "\"" : "[]", k->def,
		                       *k->def ? "\"" : "");
		break;
	case UMBRA_CFG_UINT:
	case UMBRA_CFG_ENUM:
	case UMBRA_CFG_BOOL:
		desc = describe(k, d, sizeof d);
		off = (size_t)snprintf(line, sizeof line, "%c%s; default %s",
		                       desc[0] - 'a' + 'A', desc + 1, k->def);
		break;
	}
	if (k->flag && off < sizeof line)
		snprintf(line + off, sizeof line - off, "; flag %s%s", k->flag,
		         k->type == UMBRA_CFG_STRLIST ? " (repeatable)" : "");
	print_comment(out, line);
}

void umbra_config_print(const struct umbra_config *c, FILE *out)
{
	char buf[32];

	for (size_t i = 0; i < NKEYS; i++) {
		const struct umbra_cfg_key *k = &keys[i];
		const struct umbra_strlist *l = field(c, k);

		if (i)
			fputc('\n', out);
		print_comment(out, k->help);
		print_meta(out, k);
		fprintf(out, "%s:", k->name);
		switch (k->type) {
		case UMBRA_CFG_STRING:
			fputc(' ', out);
			print_string(out, *(char *const *)field(c, k));
			break;
		case UMBRA_CFG_STRLIST:
			if (!l->n)
				fputs(" []", out);
			for (size_t j = 0; j < l->n; j++) {
				fputs("\n  - ", out);
				print_string(out, l->items[j]);
			}
			break;
		default:
			fprintf(out, " %s", value_text(c, k, buf, sizeof buf));
			break;
		}
		fputc('\n', out);
	}
}
