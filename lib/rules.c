/* rules.c: compiling and running the rules that decide what is aggregated
 * (rules.h).  Everything that can fail (a class name, a prefix, a file, a
 * filter) fails here, at start, with a message naming it; what runs per
 * packet afterwards only reads. */
#include "rules.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "classify.h"

#define ECHO_MAX 64 /* bytes of a bad value quoted in a message */

static const char *const rule_names[UMBRA_RULE__COUNT] = {
    [UMBRA_RULE_DROP_CLASSES] = "drop_classes",
    [UMBRA_RULE_KEEP_CLASSES] = "keep_classes",
    [UMBRA_RULE_DROP_SOURCES] = "drop_sources",
    [UMBRA_RULE_KEEP_SOURCES] = "keep_sources",
    [UMBRA_RULE_DROP_FILTER] = "drop_filter",
    [UMBRA_RULE_KEEP_FILTER] = "keep_filter",
};

const char *umbra_rule_name(unsigned kind)
{
	return kind < UMBRA_RULE__COUNT ? rule_names[kind] : NULL;
}

/* At most ECHO_MAX bytes of s for a message, control bytes as '?'. */
static const char *echo(char buf[ECHO_MAX + 4], const char *s, size_t len)
{
	size_t k = len > ECHO_MAX ? ECHO_MAX : len;

	for (size_t i = 0; i < k; i++) {
		unsigned char c = (unsigned char)s[i];
		buf[i] = c < 0x20 || c >= 0x7f ? '?' : (char)c;
	}
	if (k < len)
		memcpy(buf + k, "...", 3), k += 3;
	buf[k] = '\0';
	return buf;
}

/* ---- prefixes ----------------------------------------------------------- */

static uint32_t prefix_mask(unsigned plen)
{
	return plen ? ~(uint32_t)0 << (32 - plen) : 0;
}

/* A decimal number of 1-3 digits without a leading zero at s[*i..len),
 * at most max.  Returns 1 and advances *i, or 0. */
static int number(const char *s, size_t len, size_t *i, unsigned max,
                  unsigned *v)
{
	size_t start = *i;
	unsigned x = 0;

	while (*i < len && *i - start < 3 && s[*i] >= '0' && s[*i] <= '9')
		x = x * 10 + (unsigned)(s[(*i)++] - '0');
	if (*i == start || (*i - start > 1 && s[start] == '0') || x > max)
		return 0;
	if (*i < len && s[*i] >= '0' && s[*i] <= '9')
		return 0; /* a fourth digit */
	*v = x;
	return 1;
}

int umbra_prefix_parse(const char *s, size_t len, uint32_t *net, unsigned *plen,
                       char *why, size_t n)
{
	char e[ECHO_MAX + 4], dotted[16];
	uint32_t a = 0;
	unsigned v, l = 32;
	size_t i = 0;

	for (int k = 0; k < 4; k++) {
		if (k && (i >= len || s[i++] != '.'))
			goto bad;
		if (!number(s, len, &i, 255, &v))
			goto bad;
		a = a << 8 | v;
	}
	if (i < len) {
		if (s[i++] != '/' || !number(s, len, &i, 32, &l) || i < len)
			goto bad;
	}
	if (a & ~prefix_mask(l)) {
		uint32_t m = a & prefix_mask(l);
		snprintf(dotted, sizeof dotted, "%u.%u.%u.%u", m >> 24,
		         (m >> 16) & 0xff, (m >> 8) & 0xff, m & 0xff);
		return umbra_say(
		    why, n,
		    "expected a prefix without host bits, got '%s' "
		    "(the /%u holding it is %s/%u)",
		    echo(e, s, len), l, dotted, l);
	}
	*net = a;
	*plen = l;
	return 0;
bad:
	return umbra_say(why, n,
	                 "expected an IPv4 prefix a.b.c.d/len or an address "
	                 "a.b.c.d, got '%s'",
	                 echo(e, s, len));
}

int umbra_source_item_is_prefix(const char *item)
{
	if (!(item[0] >= '0' && item[0] <= '9'))
		return 0;
	for (const char *p = item; *p; p++)
		if (!((*p >= '0' && *p <= '9') || *p == '.' || *p == '/'))
			return 0;
	return 1;
}

int umbra_pfxset_add(struct umbra_pfxset *s, uint32_t net, unsigned plen)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		uint32_t *lo = realloc(s->lo, cap * sizeof *lo);
		if (!lo)
			return -ENOMEM;
		s->lo = lo;
		uint32_t *hi = realloc(s->hi, cap * sizeof *hi);
		if (!hi)
			return -ENOMEM;
		s->hi = hi;
		s->cap = cap;
	}
	s->lo[s->n] = net;
	s->hi[s->n] = net | ~prefix_mask(plen);
	s->n++;
	return 0;
}

int umbra_pfxset_parse(struct umbra_pfxset *s, const char *text, size_t len,
                       const char *name, struct umbra_err *err)
{
	char why[256];
	size_t line = 0, pos = 0;

	while (pos < len) {
		const char *p = text + pos;
		const char *nl = memchr(p, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - p) : len - pos;
		size_t a = 0, b;
		uint32_t net;
		unsigned plen;
		int rc;

		line++;
		pos += end + (nl ? 1 : 0);
		for (b = 0; b < end && p[b] != '#' && p[b] != ';'; b++)
			;
		while (a < b && (p[a] == ' ' || p[a] == '\t' || p[a] == '\r'))
			a++;
		while (b > a && (p[b - 1] == ' ' || p[b - 1] == '\t' ||
		                 p[b - 1] == '\r'))
			b--;
		if (a == b)
			continue;
		if (umbra_prefix_parse(p + a, b - a, &net, &plen, why,
		                       sizeof why) < 0)
			return umbra_err_set(err, -EINVAL, "%s:%zu: %s", name,
			                     line, why);
		rc = umbra_pfxset_add(s, net, plen);
		if (rc < 0)
			return umbra_err_set(err, rc, "%s: out of memory",
			                     name);
	}
	return 0;
}

int umbra_pfxset_load(struct umbra_pfxset *s, const char *item,
                      struct umbra_err *err)
{
	char why[256];
	uint32_t net;
	unsigned plen;
	struct stat st;
	FILE *f;
	char *buf;
	size_t len = 0;
	int rc;

	if (umbra_source_item_is_prefix(item)) {
		if (umbra_prefix_parse(item, strlen(item), &net, &plen, why,
		                       sizeof why) < 0)
			return umbra_err_set(err, -EINVAL, "%s", why);
		rc = umbra_pfxset_add(s, net, plen);
		return rc < 0 ? umbra_err_set(err, rc, "out of memory") : 0;
	}
	f = fopen(item, "rb");
	if (!f)
		return umbra_err_set(err, -errno, "cannot read %s: %s", item,
		                     strerror(errno));
	if (fstat(fileno(f), &st) < 0 || !S_ISREG(st.st_mode)) {
		fclose(f);
		return umbra_err_set(
		    err, -EINVAL, "cannot read %s: not a regular file", item);
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		fclose(f);
		return umbra_err_set(err, -ENOMEM, "%s: out of memory", item);
	}
	len = fread(buf, 1, (size_t)st.st_size + 1, f);
	if (ferror(f)) {
		rc = umbra_err_set(err, -EIO, "cannot read %s: %s", item,
		                   strerror(errno ? errno : EIO));
	} else if (len > (size_t)st.st_size) {
		rc = umbra_err_set(err, -EIO,
		                   "cannot read %s: it grew "
		                   "while being read",
		                   item);
	} else {
		rc = umbra_pfxset_parse(s, buf, len, item, err);
	}
	free(buf);
	fclose(f);
	return rc;
}

struct range {
	uint32_t lo, hi;
};

static int range_cmp(const void *a, const void *b)
{
	const struct range *x = a, *y = b;

	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return x->hi < y->hi ? 1 : x->hi > y->hi ? -1 : 0;
}

int umbra_pfxset_finish(struct umbra_pfxset *s)
{
	struct range *r;
	size_t m = 0;

	if (s->n < 2)
		return 0;
	r = malloc(s->n * sizeof *r);
	if (!r)
		return -ENOMEM;
	for (size_t i = 0; i < s->n; i++)
		r[i] = (struct range){s->lo[i], s->hi[i]};
	qsort(r, s->n, sizeof *r, range_cmp);
	for (size_t i = 0; i < s->n; i++)
		s->lo[i] = r[i].lo, s->hi[i] = r[i].hi;
	free(r);
	/* merge overlapping and adjacent ranges */
	for (size_t i = 1; i < s->n; i++) {
		if (s->hi[m] == UINT32_MAX || s->lo[i] <= s->hi[m] + 1) {
			if (s->hi[i] > s->hi[m])
				s->hi[m] = s->hi[i];
		} else {
			m++;
			s->lo[m] = s->lo[i];
			s->hi[m] = s->hi[i];
		}
	}
	s->n = m + 1;
	return 0;
}

int umbra_pfxset_contains(const struct umbra_pfxset *s, uint32_t a)
{
	const uint32_t *base = s->lo;
	size_t n = s->n;

	if (n == 0)
		return 0;
	/* the last range starting at or before a: halving without a
	 * data-dependent branch (the compiler makes the choice a cmov) */
	while (n > 1) {
		size_t half = n / 2;
		base = base[half] <= a ? base + half : base;
		n -= half;
	}
	return *base <= a && a <= s->hi[base - s->lo];
}

void umbra_pfxset_free(struct umbra_pfxset *s)
{
	free(s->lo);
	free(s->hi);
	*s = (struct umbra_pfxset){0};
}

/* ---- filters ------------------------------------------------------------ */

struct umbra_rule_filter {
	struct bpf_program prog;
};

/* Compile expr for raw IPv4: 0, or -EINVAL with libpcap's message. */
static int filter_compile(const char *expr, struct bpf_program *prog, char *why,
                          size_t n)
{
	pcap_t *p = pcap_open_dead(DLT_RAW, 65535);

	if (!p)
		return umbra_say(why, n, "libpcap cannot open a handle");
	if (pcap_compile(p, prog, expr, 1, PCAP_NETMASK_UNKNOWN) < 0) {
		umbra_say(why, n, "%s", pcap_geterr(p));
		pcap_close(p);
		return -EINVAL;
	}
	pcap_close(p);
	return 0;
}

int umbra_filter_check(const char *expr, char *why, size_t n)
{
	char e[ECHO_MAX + 4], msg[PCAP_ERRBUF_SIZE + 64];
	struct bpf_program prog;

	if (filter_compile(expr, &prog, msg, sizeof msg) < 0)
		return umbra_say(
		    why, n,
		    "expected a pcap filter for IPv4 packets, got '%s': "
		    "libpcap says: %s",
		    echo(e, expr, strlen(expr)), msg);
	pcap_freecode(&prog);
	return 0;
}

static int filter_new(const char *key, const char *expr,
                      struct umbra_rule_filter **out, struct umbra_err *err)
{
	char why[PCAP_ERRBUF_SIZE + 64];
	struct umbra_rule_filter *f;

	*out = NULL;
	if (!*expr)
		return 0;
	f = calloc(1, sizeof *f);
	if (!f)
		return umbra_err_set(err, -ENOMEM, "%s: out of memory", key);
	if (filter_compile(expr, &f->prog, why, sizeof why) < 0) {
		free(f);
		return umbra_err_set(err, -EINVAL, "%s '%s': libpcap says: %s",
		                     key, expr, why);
	}
	*out = f;
	return 0;
}

static void filter_free(struct umbra_rule_filter *f)
{
	if (!f)
		return;
	pcap_freecode(&f->prog);
	free(f);
}

/* Does filter f match the packet from its IPv4 header on? */
static int filter_match(const struct umbra_rule_filter *f,
                        const struct umbra_frame *fr, uint32_t ip_off)
{
	u_int cap = fr->caplen - ip_off;
	u_int wire = fr->wirelen >= fr->caplen ? fr->wirelen - ip_off : cap;

	return bpf_filter(f->prog.bf_insns, fr->data + ip_off, wire, cap) != 0;
}

/* ---- the rules ---------------------------------------------------------- */

int umbra_rules_refuse_slow(const struct umbra_rules *r, const struct ft_pkt *p,
                            const struct umbra_frame *f, uint32_t ip_off)
{
	if (r->has_drop_sources &&
	    umbra_pfxset_contains(&r->drop_sources, p->src_ip))
		return UMBRA_RULE_DROP_SOURCES;
	if (r->has_keep_sources &&
	    !umbra_pfxset_contains(&r->keep_sources, p->src_ip))
		return UMBRA_RULE_KEEP_SOURCES;
	if (r->drop_filter && filter_match(r->drop_filter, f, ip_off))
		return UMBRA_RULE_DROP_FILTER;
	if (r->keep_filter && !filter_match(r->keep_filter, f, ip_off))
		return UMBRA_RULE_KEEP_FILTER;
	return -1;
}

static int classes_mask(const char *key, const struct umbra_strlist *l,
                        uint32_t *mask, struct umbra_err *err)
{
	char e[ECHO_MAX + 4];

	*mask = 0;
	for (size_t i = 0; i < l->n; i++) {
		int c = umbra_class_lookup(l->items[i]);
		if (c < 0)
			return umbra_err_set(
			    err, -EINVAL,
			    "%s: unknown packet class '%s' (the "
			    "classes: %s)",
			    key, echo(e, l->items[i], strlen(l->items[i])),
			    umbra_class_names());
		*mask |= UMBRA_CLASS_BIT(c);
	}
	return 0;
}

static int sources_load(const char *key, const struct umbra_strlist *l,
                        struct umbra_pfxset *s, struct umbra_err *err)
{
	struct umbra_err e;

	for (size_t i = 0; i < l->n; i++) {
		int rc = umbra_pfxset_load(s, l->items[i], &e);
		if (rc < 0)
			return umbra_err_set(err, rc, "%s: %s", key, e.msg);
	}
	if (umbra_pfxset_finish(s) < 0)
		return umbra_err_set(err, -ENOMEM, "%s: out of memory", key);
	return 0;
}

int umbra_rules_compile(const struct umbra_config *cfg,
                        struct umbra_rules **out, struct umbra_err *err)
{
	struct umbra_rules *r;
	int rc;

	*out = NULL;
	if (!cfg->drop_classes.n && !cfg->keep_classes.n &&
	    !cfg->drop_sources.n && !cfg->keep_sources.n &&
	    !cfg->drop_filter[0] && !cfg->keep_filter[0])
		return 0;
	r = calloc(1, sizeof *r);
	if (!r)
		return umbra_err_set(err, -ENOMEM, "rules: out of memory");
	rc = classes_mask("drop_classes", &cfg->drop_classes, &r->drop_classes,
	                  err);
	if (!rc)
		rc = classes_mask("keep_classes", &cfg->keep_classes,
		                  &r->keep_classes, err);
	r->has_drop_sources = cfg->drop_sources.n > 0;
	r->has_keep_sources = cfg->keep_sources.n > 0;
	if (!rc)
		rc = sources_load("drop_sources", &cfg->drop_sources,
		                  &r->drop_sources, err);
	if (!rc)
		rc = sources_load("keep_sources", &cfg->keep_sources,
		                  &r->keep_sources, err);
	if (!rc && r->has_keep_sources && r->keep_sources.n == 0)
		rc =
		    umbra_err_set(err, -EINVAL,
		                  "keep_sources: no prefix in its %zu item(s): "
		                  "nothing would be aggregated",
		                  cfg->keep_sources.n);
	if (!rc)
		rc = filter_new("drop_filter", cfg->drop_filter,
		                &r->drop_filter, err);
	if (!rc)
		rc = filter_new("keep_filter", cfg->keep_filter,
		                &r->keep_filter, err);
	if (rc) {
		umbra_rules_free(r);
		return rc;
	}
	r->slow = r->has_drop_sources || r->has_keep_sources ||
	          r->drop_filter || r->keep_filter;
	*out = r;
	return 0;
}

void umbra_rules_free(struct umbra_rules *r)
{
	if (!r)
		return;
	umbra_pfxset_free(&r->drop_sources);
	umbra_pfxset_free(&r->keep_sources);
	filter_free(r->drop_filter);
	filter_free(r->keep_filter);
	free(r);
}

static size_t put_classes(char *buf, size_t n, const char *key, uint32_t m)
{
	size_t off = (size_t)snprintf(buf, n, "; %s", key);

	for (unsigned c = 0; c < UMBRA_CLASS__COUNT && off < n; c++)
		if (m & UMBRA_CLASS_BIT(c))
			off += (size_t)snprintf(buf + off, n - off, " %s",
			                        umbra_class_name(c));
	return off;
}

void umbra_rules_describe(const struct umbra_rules *r, char *buf, size_t n)
{
	size_t off = 0;

	buf[0] = '\0';
	if (!r) {
		snprintf(buf, n, "none: every valid IPv4 packet is aggregated");
		return;
	}
	if (r->drop_classes)
		off += put_classes(buf + off, n - off, "drop_classes",
		                   r->drop_classes);
	if (r->keep_classes && off < n)
		off += put_classes(buf + off, n - off, "keep_classes",
		                   r->keep_classes);
	if (r->has_drop_sources && off < n)
		off += (size_t)snprintf(buf + off, n - off,
		                        "; drop_sources %zu range(s)",
		                        r->drop_sources.n);
	if (r->has_keep_sources && off < n)
		off += (size_t)snprintf(buf + off, n - off,
		                        "; keep_sources %zu range(s)",
		                        r->keep_sources.n);
	if (r->drop_filter && off < n)
		off += (size_t)snprintf(buf + off, n - off,
		                        "; drop_filter (%u BPF instructions)",
		                        r->drop_filter->prog.bf_len);
	if (r->keep_filter && off < n)
		off += (size_t)snprintf(buf + off, n - off,
		                        "; keep_filter (%u BPF instructions)",
		                        r->keep_filter->prog.bf_len);
	if (off >= 2 && buf[0] == ';')
		memmove(buf, buf + 2, strlen(buf + 2) + 1);
}
