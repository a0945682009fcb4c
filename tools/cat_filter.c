/* cat_filter.c: parse umbra-cat's filter options and match records. */
#include "cat_filter.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void cat_filter_init(struct cat_filter *f)
{
	memset(f, 0, sizeof(*f));
	f->any_proto = true;
	f->any_port = true;
}

void cat_filter_free(struct cat_filter *f)
{
	free(f->src);
	f->src = NULL;
	f->nsrc = 0;
}

int cat_parse_int(const char *arg, int64_t min, int64_t max, int64_t *out)
{
	int64_t v = 0;
	const char *p = arg;
	bool neg = false;

	if (*p == '-') {
		neg = true;
		p++;
	}
	if (*p == '\0')
		return -EINVAL;
	for (; *p; p++) {
		int d = *p - '0';

		if (d < 0 || d > 9)
			return -EINVAL;
		if (v > (INT64_MAX - d) / 10)
			return -EINVAL;
		v = v * 10 + d;
	}
	if (neg)
		v = -v;
	if (v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

int cat_filter_add_src(struct cat_filter *f, const char *arg)
{
	char addr[INET_ADDRSTRLEN];
	const char *slash = strchr(arg, '/');
	size_t alen = slash ? (size_t)(slash - arg) : strlen(arg);
	int64_t len = 32;
	struct in_addr in;
	struct cat_prefix *grown;
	uint32_t mask;

	if (alen == 0 || alen >= sizeof(addr))
		return -EINVAL;
	memcpy(addr, arg, alen);
	addr[alen] = '\0';
	if (inet_pton(AF_INET, addr, &in) != 1)
		return -EINVAL;
	if (slash && cat_parse_int(slash + 1, 0, 32, &len))
		return -EINVAL;
	if (slash && slash[1] == '-')
		return -EINVAL;
	grown = realloc(f->src, (f->nsrc + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	f->src = grown;
	mask = len ? ~(uint32_t)0 << (32 - len) : 0;
	f->src[f->nsrc].mask = mask;
	f->src[f->nsrc].net = ntohl(in.s_addr) & mask;
	f->nsrc++;
	return 0;
}

int cat_filter_add_proto(struct cat_filter *f, const char *arg)
{
	static const struct {
		const char *name;
		int num;
	} names[] = {{"icmp", 1}, {"tcp", 6}, {"udp", 17}};
	int64_t v = -1;
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcasecmp(arg, names[i].name) == 0)
			v = names[i].num;
	if (v < 0 && cat_parse_int(arg, 0, 255, &v))
		return -EINVAL;
	if (arg[0] == '-')
		return -EINVAL;
	f->any_proto = false;
	f->proto[v / 8] |= (uint8_t)(1u << (v % 8));
	return 0;
}

int cat_filter_add_port(struct cat_filter *f, const char *arg)
{
	int64_t v;

	if (arg[0] == '-' || cat_parse_int(arg, 0, 65535, &v))
		return -EINVAL;
	f->any_port = false;
	f->port[v / 8] |= (uint8_t)(1u << (v % 8));
	return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date: count whole years
 * in 400-year eras starting in March, so the leap day falls last. */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
	int64_t era, yoe, doy, doe;

	if (m <= 2)
		y--;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static bool leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* n digits at *p into *out; advances *p. */
static bool digits(const char **p, int n, int64_t *out)
{
	int64_t v = 0;
	int i;

	for (i = 0; i < n; i++) {
		if ((*p)[i] < '0' || (*p)[i] > '9')
			return false;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return true;
}

static bool expect(const char **p, char c)
{
	if (**p != c)
		return false;
	(*p)++;
	return true;
}

int cat_parse_time(const char *arg, int64_t *out)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30,
	                            31, 31, 30, 31, 30, 31};
	const char *p = arg;
	int64_t y, mo, d, h = 0, mi = 0, s = 0;

	if (!strchr(arg, '-'))
		return cat_parse_int(arg, 0, INT64_MAX / 2, out);
	if (!digits(&p, 4, &y) || !expect(&p, '-') || !digits(&p, 2, &mo) ||
	    !expect(&p, '-') || !digits(&p, 2, &d))
		return -EINVAL;
	if (*p == 'T') {
		p++;
		if (!digits(&p, 2, &h) || !expect(&p, ':') ||
		    !digits(&p, 2, &mi) || !expect(&p, ':') ||
		    !digits(&p, 2, &s))
			return -EINVAL;
		if (*p == 'Z')
			p++;
	}
	if (*p != '\0' || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 ||
	    s > 59)
		return -EINVAL;
	if (d > mdays[mo - 1] + (mo == 2 && leap(y)))
		return -EINVAL;
	*out = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
	return 0;
}

static bool bit(const uint8_t *set, int64_t v)
{
	return set[v / 8] & (1u << (v % 8));
}

bool cat_filter_match(const struct cat_filter *f, const struct cat_rec *r)
{
	const struct cat_val *t = &r->v[CAT_TIME];
	const struct cat_val *proto = &r->v[CAT_PROTOCOL];
	const struct cat_val *port = &r->v[CAT_DST_PORT];
	const struct cat_val *src = &r->v[CAT_SRC_IP];
	size_t i;

	if ((f->has_since || f->has_until) && t->null)
		return false;
	if (f->has_since && t->num < f->since)
		return false;
	if (f->has_until && t->num >= f->until)
		return false;
	if (!f->any_proto && (proto->null || proto->num < 0 ||
	                      proto->num > 255 || !bit(f->proto, proto->num)))
		return false;
	if (!f->any_port && (port->null || port->num < 0 || port->num > 65535 ||
	                     !bit(f->port, port->num)))
		return false;
	if (f->nsrc == 0)
		return true;
	if (src->null || src->num < 0 || src->num > UINT32_MAX)
		return false;
	for (i = 0; i < f->nsrc; i++)
		if (((uint32_t)src->num & f->src[i].mask) == f->src[i].net)
			return true;
	return false;
}
