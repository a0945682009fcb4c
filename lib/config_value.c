/* config_value.c: one configuration value: text to the typed value of a
 * row of the table, the rule of the keys that have one beyond their type
 * and bounds (monitor, output_dir, output_template, queue_size,
 * stats_endpoint, the rules' classes, prefixes and filters), and the words of
 * the messages: how a value is quoted and what a row accepts.
 *
 * Values are read as text and typed by their key, not by YAML's implicit
 * typing: "monitor: 123" is the string "123" and "threads: '4'" is 4.
 * Integers are plain decimal: no sign, no leading zero, no 0x, no "_", no
 * fraction or exponent.  "010" is refused rather than guessed at (YAML 1.1
 * reads it as octal, YAML 1.2 as decimal).  Strings must be valid UTF-8
 * without NUL bytes, so that umbra_config_print() can always write them
 * back.
 */
#include "config.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "classify.h"
#include "config_int.h"
#include "outpath.h"
#include "rules.h"

/* ---- messages ---------------------------------------------------------- */

/* At most ECHO_MAX bytes of text, for a message: control characters become
 * '?', and a cut (on a character boundary) ends with "...". */
const char *cfg_echo(char buf[ECHO_MAX + 4], const char *text, size_t len)
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
const char *cfg_describe(const struct umbra_cfg_key *k, char *buf, size_t n)
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

/* ---- text -------------------------------------------------------------- */

/* Decode one UTF-8 character of s (n > 0 bytes left) into *cp; return its
 * length, or 0 if it is malformed, overlong, a surrogate or cut short. */
size_t cfg_utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
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
		size_t len = cfg_utf8_next(p, n, &cp);
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

/* ---- rules beyond type and bounds -------------------------------------- */

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
		return umbra_say(why, n,
		                 "expected tcp://ADDRESS:PORT, ipc://PATH, "
		                 "inproc://NAME or \"\" (off), got '%s'",
		                 cfg_echo(e, s, strlen(s)));
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
		return umbra_say(
		    why, n,
		    "expected an explicit address such as "
		    "tcp://127.0.0.1:PORT, got '%s': binding every "
		    "interface is not allowed by default",
		    cfg_echo(e, s, strlen(s)));
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
	return umbra_say(why, n, "unknown field '%%%c' in '%s' (allowed:%s)",
	                 ch, et, known);
}

/* Can the writer expand t for the longest monitor name? */
static int check_template_length(const char *t, char *why, size_t n)
{
	char monitor[MONITOR_MAX + 1], path[4096];

	memset(monitor, 'm', MONITOR_MAX);
	monitor[MONITOR_MAX] = '\0';
	if (outpath_format(path, sizeof path, ".", t, monitor, 9999999999) == 0)
		return 0;
	return umbra_say(
	    why, n,
	    "expected a template of which the writer can make a path "
	    "(with a %d-character monitor), got %zu bytes",
	    MONITOR_MAX, strlen(t));
}

static int check_template(const char *t, char *why, size_t n)
{
	char e[ECHO_MAX + 4];
	const char *et = cfg_echo(e, t, strlen(t));
	bool has_s = false;

	if (!*t)
		return 0;
	if (t[0] == '/')
		return umbra_say(
		    why, n, "expected a path relative to output_dir, got '%s'",
		    et);
	if (strstr(t, ".."))
		return umbra_say(why, n,
		                 "expected a path without '..', got '%s'", et);
	if (t[strlen(t) - 1] == '/')
		return umbra_say(
		    why, n, "expected a file name after the last '/', got '%s'",
		    et);
	for (const char *p = t; *p; p++) {
		if (*p != '%')
			continue;
		if (!*++p)
			return umbra_say(why, n,
			                 "expected a field after the last '%%' "
			                 "(write %%%% for a '%%'), got '%s'",
			                 et);
		if (!template_field_ok(*p))
			return unknown_field(*p, et, why, n);
		has_s |= *p == 's';
	}
	if (!has_s)
		return umbra_say(
		    why, n,
		    "expected a template with %%s (the interval start): "
		    "without it two intervals would write the same "
		    "file, got '%s'",
		    et);
	return check_template_length(t, why, n);
}

/* A CPU number: decimal, 0..1023, no sign or leading zero. */
static int check_cpu(const char *s, char *why, size_t n)
{
	char e[ECHO_MAX + 4];
	size_t len = strlen(s);
	bool ok = len >= 1 && len <= 4 && (s[0] != '0' || len == 1);

	for (size_t i = 0; ok && i < len; i++)
		ok = s[i] >= '0' && s[i] <= '9';
	if (ok && atoi(s) <= 1023)
		return 0;
	return umbra_say(why, n, "expected a CPU number 0..1023, got '%s'",
	                 cfg_echo(e, s, len));
}

/* A drop_classes / keep_classes item: a class name. */
static int check_class(const char *s, char *why, size_t n)
{
	char e[ECHO_MAX + 4];

	if (umbra_class_lookup(s) >= 0)
		return 0;
	return umbra_say(why, n, "expected a packet class (%s), got '%s'",
	                 umbra_class_names(), cfg_echo(e, s, strlen(s)));
}

/* A drop_sources / keep_sources item: a prefix is checked here; a file is
 * read when the rules are built at start (rules.h). */
static int check_source(const char *s, char *why, size_t n)
{
	uint32_t net;
	unsigned plen;

	if (!umbra_source_item_is_prefix(s))
		return 0;
	return umbra_prefix_parse(s, strlen(s), &net, &plen, why, n);
}

/* The rule of a row beyond its type and bounds, on a parsed value. */
static int check_rule(const struct umbra_cfg_key *k, const union cfg_val *v,
                      char *why, size_t n)
{
	char e[ECHO_MAX + 4];

	switch (k->offset) {
	case OFF(monitor):
		if (!umbra_monitor_name_ok(v->s))
			return umbra_say(
			    why, n,
			    "expected a name of [A-Za-z0-9][A-Za-z0-9._-]*"
			    ", at most %d characters, got '%s'",
			    MONITOR_MAX, cfg_echo(e, v->s, strlen(v->s)));
		break;
	case OFF(output_dir):
		if (!*v->s)
			return umbra_say(why, n,
			                 "expected a directory, got ''");
		break;
	case OFF(output_template):
		return check_template(v->s, why, n);
	case OFF(queue_size):
		if (v->u & (v->u - 1))
			return umbra_say(
			    why, n, "expected a power of two %u..%u, got '%u'",
			    k->min, k->max, v->u);
		break;
	case OFF(stats_endpoint):
		return check_endpoint(v->s, why, n);
	case OFF(capture_cpus):
	case OFF(aggregator_cpus):
		return check_cpu(v->s, why, n);
	case OFF(afpacket_block_size):
		if (v->u & (v->u - 1))
			return umbra_say(
			    why, n, "expected a power of two %u..%u, got '%u'",
			    k->min, k->max, v->u);
		break;
	case OFF(drop_classes):
	case OFF(keep_classes):
		return check_class(v->s, why, n);
	case OFF(drop_sources):
	case OFF(keep_sources):
		return check_source(v->s, why, n);
	case OFF(drop_filter):
	case OFF(keep_filter):
		return *v->s ? umbra_filter_check(v->s, why, n) : 0;
	}
	return 0;
}

/* ---- one value --------------------------------------------------------- */

/* Parse len bytes of text as a value of row k (for a list: one item) into
 * *v.  Returns 0, -ENOMEM, or -EINVAL with "expected ..., got ..." in why. */
int cfg_parse_value(const struct umbra_cfg_key *k, const char *text, size_t len,
                    union cfg_val *v, char *why, size_t n)
{
	char d[WHY_MAX], e[ECHO_MAX + 4];
	const char *want = cfg_describe(k, d, sizeof d);
	int rc;

	if (k->type == UMBRA_CFG_STRLIST)
		want = "a non-empty string";
	if (memchr(text, '\0', len))
		return umbra_say(
		    why, n, "expected %s, got a value with a NUL byte", want);
	switch (k->type) {
	case UMBRA_CFG_STRLIST:
	case UMBRA_CFG_STRING:
		if (len == 0 && k->type == UMBRA_CFG_STRLIST)
			return umbra_say(why, n, "expected %s, got ''", want);
		if (!utf8_ok(text, len))
			return umbra_say(why, n,
			                 "expected %s, got invalid UTF-8 '%s'",
			                 want, cfg_echo(e, text, len));
		if (!(v->s = strndup(text, len)))
			return -ENOMEM;
		break;
	case UMBRA_CFG_UINT:
		if (!parse_uint(text, len, &v->u) || v->u < k->min ||
		    v->u > k->max)
			return umbra_say(why, n, "expected %s, got '%s'", want,
			                 cfg_echo(e, text, len));
		break;
	case UMBRA_CFG_ENUM:
		for (v->e = 0; k->names[v->e]; v->e++)
			if (strlen(k->names[v->e]) == len &&
			    memcmp(k->names[v->e], text, len) == 0)
				break;
		if (!k->names[v->e])
			return umbra_say(why, n, "expected %s, got '%s'", want,
			                 cfg_echo(e, text, len));
		break;
	case UMBRA_CFG_BOOL:
		if (word_is(text, len, "true") || word_is(text, len, "yes") ||
		    word_is(text, len, "on"))
			v->b = true;
		else if (word_is(text, len, "false") ||
		         word_is(text, len, "no") || word_is(text, len, "off"))
			v->b = false;
		else
			return umbra_say(why, n, "expected %s, got '%s'", want,
			                 cfg_echo(e, text, len));
		break;
	}
	rc = check_rule(k, v, why, n);
	if (rc && (k->type == UMBRA_CFG_STRING || k->type == UMBRA_CFG_STRLIST))
		free(v->s);
	return rc;
}
