/* pfx2as_parse.c: the text of a pfx2as file, line by line, into the list
 * of IPv4 prefixes pfx2as.c builds its table from (rules in pfx2as.h).
 *
 * What it owns: reading the file through libwandio (gzip or plain), the
 * split into lines, the fields of a line, and every FILE:LINE error.
 *
 * libwandio is read the way capfile_io.c reads it: a MiB at a time into a
 * 4096-aligned buffer, the only read that bypasses the buffer its 3.0.22
 * "peek" reader mishandles after a failed refill.  A gzip stream cut short
 * or corrupt is a read error there; bzip2 and xz streams cut short end
 * silently, which is why those are refused before libwandio sees them.
 */
#include "pfx2as_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wandio.h>

#define P2A_CHUNK    (1u << 20) /* wandio read: a multiple of 4096 */
#define P2A_MAX_LINE 65536

/* The line, quoted for a message: tabs as \t, other control bytes as \xNN,
 * cut after about 100 characters. */
static void quote_line(const char *s, size_t n, char *out, size_t cap)
{
	size_t o = 0;

	for (size_t i = 0; i < n && o + 8 < cap; i++) {
		unsigned char c = (unsigned char)s[i];

		if (o >= 100) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		if (c == '\t') {
			out[o++] = '\\';
			out[o++] = 't';
		} else if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
			o += (size_t)snprintf(out + o, cap - o, "\\x%02x", c);
		} else {
			out[o++] = (char)c;
		}
	}
	out[o] = '\0';
}

/* FILE:LINE: what in "line" */
static int line_error(struct p2a_parser *p, const char *line, size_t n,
                      const char *what)
{
	char q[160];

	quote_line(line, n, q, sizeof q);
	return umbra_err_set(p->err, -EINVAL, "%s:%llu: %s in \"%s\"", p->name,
	                     (unsigned long long)p->st.lines, what, q);
}

/* A field's text as a short C string, for messages. */
static const char *field_text(const char *s, size_t n, char *buf, size_t cap)
{
	quote_line(s, n, buf, cap > 48 ? 48 : cap);
	return buf;
}

/* Decimal without sign or leading zeros, at most max: 0, or -1. */
static int parse_dec(const char *s, size_t n, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (n == 0 || n > 10 || (n > 1 && s[0] == '0'))
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > max)
		return -1;
	*out = v;
	return 0;
}

/* Dotted quad, four decimal octets: 0, or -1. */
static int parse_v4(const char *s, size_t n, uint32_t *out)
{
	uint32_t a = 0;
	size_t i = 0;

	for (int k = 0; k < 4; k++) {
		size_t j = i;
		uint64_t o;

		while (j < n && s[j] != '.')
			j++;
		if (parse_dec(s + i, j - i, 255, &o) != 0)
			return -1;
		a = a << 8 | (uint32_t)o;
		if (k < 3 && j == n)
			return -1;
		i = j + 1;
	}
	if (i != n + 1)
		return -1;
	*out = a;
	return 0;
}

static int parse_v6(const char *s, size_t n)
{
	char buf[INET6_ADDRSTRLEN];
	unsigned char a[16];

	if (n >= sizeof buf)
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return inet_pton(AF_INET6, buf, a) == 1 ? 0 : -1;
}

/* An AS number: decimal digits (leading zeros allowed), at most
 * 4294967295.  NULL, or what is wrong. */
static const char *parse_as(const char *s, size_t n, uint32_t *out)
{
	uint64_t v = 0;

	if (n == 0)
		return "empty origin or AS";
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return "an AS is not a decimal number";
		v = v * 10 + (uint64_t)(s[i] - '0');
		if (v > UINT32_MAX)
			return "AS number above 4294967295";
	}
	*out = (uint32_t)v;
	return NULL;
}

/* ORIGINS: origin ('_' origin)*, origin: AS (',' AS)*.  Fills the first AS,
 * the counts and whether an AS set appeared; NULL, or what is wrong. */
static const char *parse_origins(const char *s, size_t n, struct p2a_entry *e,
                                 bool *has_set)
{
	uint32_t origins = 1, ases = 0;
	size_t i = 0;

	*has_set = false;
	for (;;) {
		size_t j = i;
		const char *bad;
		uint32_t as;

		while (j < n && s[j] != '_' && s[j] != ',')
			j++;
		bad = parse_as(s + i, j - i, &as);
		if (bad)
			return bad;
		if (ases++ == 0)
			e->asn = as;
		if (j == n)
			break;
		if (s[j] == ',')
			*has_set = true;
		else
			origins++;
		i = j + 1;
	}
	e->n_origins = origins > UINT16_MAX ? UINT16_MAX : (uint16_t)origins;
	e->n_as = ases > UINT16_MAX ? UINT16_MAX : (uint16_t)ases;
	return NULL;
}

static bool blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Next field of the line from *pos: its start and length (0 if none). */
static size_t next_field(const char *s, size_t n, size_t *pos,
                         const char **start)
{
	size_t i = *pos, j;

	while (i < n && blank(s[i]))
		i++;
	j = i;
	while (j < n && !blank(s[j]))
		j++;
	*start = s + i;
	*pos = j;
	return j - i;
}

static int add_entry(struct p2a_parser *p, const struct p2a_entry *e)
{
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 4096;
		struct p2a_entry *v;

		if (cap > P2A_MAX_PREFIXES)
			cap = P2A_MAX_PREFIXES;
		if (p->n == cap)
			return umbra_err_set(
			    p->err, -E2BIG,
			    "%s:%llu: more than %u IPv4 prefixes", p->name,
			    (unsigned long long)p->st.lines, P2A_MAX_PREFIXES);
		v = realloc(p->v, cap * sizeof *v);
		if (!v)
			return umbra_err_set(p->err, -ENOMEM,
			                     "%s: out of memory", p->name);
		p->v = v;
		p->cap = cap;
	}
	p->v[p->n++] = *e;
	return 0;
}

/* One line, without its newline. */
static int parse_line(struct p2a_parser *p, const char *s, size_t n)
{
	const char *f[4];
	size_t fl[4], pos = 0;
	char buf[64], msg[128];
	struct p2a_entry e = {0};
	const char *bad;
	bool v6, has_set;
	uint64_t len;
	uint32_t net = 0;

	p->st.lines++;
	if (p->st.lines > UINT32_MAX)
		return umbra_err_set(p->err, -E2BIG, "%s: more than %u lines",
		                     p->name, UINT32_MAX);
	if (n > P2A_MAX_LINE)
		return line_error(p, s, n, "line longer than 65536 bytes");
	if (memchr(s, '\0', n))
		return line_error(p, s, n, "NUL byte (binary data?)");
	if (n && s[n - 1] == '\r')
		n--;
	for (int k = 0; k < 4; k++)
		fl[k] = next_field(s, n, &pos, &f[k]);
	if (fl[0] == 0 || f[0][0] == '#') {
		p->st.comments++;
		return 0;
	}
	if (fl[1] == 0)
		return line_error(p, s, n, "missing prefix length");
	if (fl[2] == 0)
		return line_error(p, s, n, "missing origin AS field");
	if (fl[3] != 0)
		return line_error(p, s, n, "text after the origin AS field");
	v6 = memchr(f[0], ':', fl[0]) != NULL;
	if (v6 ? parse_v6(f[0], fl[0]) : parse_v4(f[0], fl[0], &net)) {
		snprintf(msg, sizeof msg, "bad %s address \"%s\"",
		         v6 ? "IPv6" : "IPv4",
		         field_text(f[0], fl[0], buf, sizeof buf));
		return line_error(p, s, n, msg);
	}
	if (parse_dec(f[1], fl[1], v6 ? 128 : 32, &len)) {
		snprintf(msg, sizeof msg, "bad prefix length \"%s\" (0..%d)",
		         field_text(f[1], fl[1], buf, sizeof buf),
		         v6 ? 128 : 32);
		return line_error(p, s, n, msg);
	}
	bad = parse_origins(f[2], fl[2], &e, &has_set);
	if (bad) {
		snprintf(msg, sizeof msg, "bad origin AS field \"%s\": %s",
		         field_text(f[2], fl[2], buf, sizeof buf), bad);
		return line_error(p, s, n, msg);
	}
	if (v6) {
		p->st.ipv6_skipped++;
		return 0;
	}
	e.len = (uint8_t)len;
	e.net = net & p2a_mask(e.len);
	e.line = (uint32_t)p->st.lines;
	if (e.net != net && p->st.host_bits++ == 0)
		p->st.host_bits_line = p->st.lines;
	if (e.n_origins > 1)
		p->st.multi_origin++;
	if (has_set)
		p->st.as_sets++;
	return add_entry(p, &e);
}

/* Split data into lines; a line cut by the end of data waits in the carry
 * buffer for the next call.  0 or a negative code. */
static int feed(struct p2a_parser *p, const char *data, size_t len)
{
	while (len) {
		const char *nl = memchr(data, '\n', len);
		size_t take = nl ? (size_t)(nl - data) : len;
		int rc;

		if (p->clen || !nl) { /* through the carry buffer */
			if (p->clen + take > P2A_MAX_LINE) {
				p->st.lines++;
				return line_error(
				    p, p->carry, p->clen,
				    "line longer than 65536 bytes");
			}
			if (p->clen + take > p->ccap) {
				size_t cap = P2A_MAX_LINE + 1;
				char *c = realloc(p->carry, cap);

				if (!c)
					return umbra_err_set(
					    p->err, -ENOMEM,
					    "%s: out of memory", p->name);
				p->carry = c;
				p->ccap = cap;
			}
			memcpy(p->carry + p->clen, data, take);
			p->clen += take;
			if (!nl)
				return 0;
			rc = parse_line(p, p->carry, p->clen);
			p->clen = 0;
		} else {
			rc = parse_line(p, data, take);
		}
		if (rc)
			return rc;
		data += take + 1;
		len -= take + 1;
	}
	return 0;
}

/* The end of the text: a last line without its newline is an error. */
static int feed_end(struct p2a_parser *p)
{
	if (p->clen) {
		p->st.lines++;
		return line_error(p, p->carry, p->clen,
		                  "last line has no newline (file cut short?)");
	}
	return 0;
}

void p2a_parser_init(struct p2a_parser *p, const char *name,
                     struct umbra_err *err)
{
	memset(p, 0, sizeof *p);
	p->name = name;
	p->err = err;
}

void p2a_parser_free(struct p2a_parser *p)
{
	free(p->v);
	free(p->carry);
	p->v = NULL;
	p->carry = NULL;
}

int p2a_parse_mem(struct p2a_parser *p, const char *text, size_t len)
{
	int rc = feed(p, text, len);

	return rc ? rc : feed_end(p);
}

/* Refuse the compressions libwandio reads without noticing a cut stream,
 * and those it does not read at all; name the file for any other error. */
static int check_head(struct p2a_parser *p, const char *path)
{
	static const struct {
		const char *magic;
		size_t len;
		const char *name;
	} refused[] = {
	    {"BZh", 3, "bzip2"},
	    {"\xfd"
	     "7zXZ",
	     5, "xz"},
	    {"\x28\xb5\x2f\xfd", 4, "zstd"},
	    {"\x04\x22\x4d\x18", 4, "lz4"},
	    {"\x89LZO", 4, "lzo"},
	};
	unsigned char head[8] = {0};
	struct stat sb;
	ssize_t got;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return umbra_err_set(p->err, -errno, "%s: %s", path,
		                     strerror(errno));
	if (fstat(fd, &sb) == 0 && S_ISDIR(sb.st_mode)) {
		close(fd);
		return umbra_err_set(p->err, -EISDIR, "%s: %s", path,
		                     strerror(EISDIR));
	}
	do
		got = read(fd, head, sizeof head);
	while (got < 0 && errno == EINTR);
	if (got < 0) {
		int e = errno;
		close(fd);
		return umbra_err_set(p->err, -e, "%s: %s", path, strerror(e));
	}
	close(fd);
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
		if ((size_t)got >= refused[i].len &&
		    memcmp(head, refused[i].magic, refused[i].len) == 0)
			return umbra_err_set(
			    p->err, -ENOTSUP,
			    "%s: %s-compressed: pfx2as files are read plain or "
			    "gzip-compressed (as CAIDA publishes them); "
			    "recompress it with gzip",
			    path, refused[i].name);
	return 0;
}

/* A line was refused.  gzip checks its CRC only at the end of the
 * stream, so a damaged file decompresses to garbage before libwandio
 * reports the damage: read on, and if the stream is bad say so first.
 * Returns -EINVAL (the line's message stands) or -EIO. */
static int drain(struct p2a_parser *p, io_t *io, char *buf, const char *path)
{
	int64_t got;

	while ((got = wandio_read(io, buf, P2A_CHUNK)) > 0)
		;
	if (got == 0)
		return -EINVAL;
	if (p->err) {
		char first[UMBRA_ERR_MAX];
		size_t skip = strlen(path) + 1; /* "PATH:" */

		memcpy(first, p->err->msg, sizeof first);
		umbra_err_set(p->err, -EIO,
		              "%s: compressed data corrupt or cut short; the "
		              "text decoded before the damage was found was "
		              "already wrong at line %s",
		              path, first + skip);
	}
	return -EIO;
}

int p2a_parse_file(struct p2a_parser *p, const char *path)
{
	io_t *io;
	char *buf;
	int rc = check_head(p, path);

	if (rc)
		return rc;
	buf = aligned_alloc(4096, P2A_CHUNK);
	if (!buf)
		return umbra_err_set(p->err, -ENOMEM, "%s: out of memory",
		                     path);
	errno = 0;
	io = wandio_create(path);
	if (!io) {
		int e = errno ? errno : EIO;
		free(buf);
		return umbra_err_set(p->err, -e, "%s: cannot open: %s", path,
		                     strerror(e));
	}
	for (;;) {
		int64_t got = wandio_read(io, buf, P2A_CHUNK);

		if (got < 0) {
			rc = umbra_err_set(p->err, -EIO,
			                   "%s: read error after line %llu "
			                   "(compressed file cut short or "
			                   "corrupt?)",
			                   path,
			                   (unsigned long long)p->st.lines);
			break;
		}
		if (got == 0) {
			rc = feed_end(p);
			break;
		}
		rc = feed(p, buf, (size_t)got);
		if (rc) {
			if (rc == -EINVAL)
				rc = drain(p, io, buf, path);
			break;
		}
	}
	wandio_destroy(io);
	free(buf);
	return rc;
}
