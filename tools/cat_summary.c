/* cat_summary.c: totals, distinct counts and top-N tables for --summary.
 *
 * Every "by something" count is one open-addressing hash table from a
 * 64-bit key to (records, packets).  Top-N lists are picked in one pass
 * over a table, ranked by packets, then records, then key ascending, so
 * the output never depends on hash order.
 */
#include "cat_summary.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cat_print.h"

struct cat_count {
	int64_t key;
	int64_t records;
	int64_t packets;
};

struct cat_map {
	struct cat_count *slot;
	uint8_t *used;
	size_t cap; /* 0 or a power of two */
	size_t n;
};

struct cat_summary {
	int64_t records;
	int64_t packets;
	bool any_time;
	int64_t first;
	int64_t last;
	struct cat_map times;
	struct cat_map sources;
	struct cat_map protos;
	struct cat_map tcp_ports;
	struct cat_map udp_ports;
};

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

static struct cat_count *probe(const struct cat_map *m, int64_t key,
                               bool *found)
{
	size_t i = mix((uint64_t)key) & (m->cap - 1);

	while (m->used[i] && m->slot[i].key != key)
		i = (i + 1) & (m->cap - 1);
	*found = m->used[i];
	return &m->slot[i];
}

static int map_grow(struct cat_map *m)
{
	struct cat_map big = {.cap = m->cap ? m->cap * 2 : 64};
	size_t i;
	bool found;

	big.slot = malloc(big.cap * sizeof(*big.slot));
	big.used = calloc(big.cap, 1);
	if (!big.slot || !big.used) {
		free(big.slot);
		free(big.used);
		return -ENOMEM;
	}
	for (i = 0; i < m->cap; i++) {
		struct cat_count *c;

		if (!m->used[i])
			continue;
		c = probe(&big, m->slot[i].key, &found);
		*c = m->slot[i];
		big.used[c - big.slot] = 1;
	}
	big.n = m->n;
	free(m->slot);
	free(m->used);
	*m = big;
	return 0;
}

static int map_add(struct cat_map *m, int64_t key, int64_t packets)
{
	struct cat_count *c;
	bool found;

	if ((m->n + 1) * 10 > m->cap * 7 && map_grow(m))
		return -ENOMEM;
	c = probe(m, key, &found);
	if (!found) {
		c->key = key;
		c->records = 0;
		c->packets = 0;
		m->used[c - m->slot] = 1;
		m->n++;
	}
	c->records++;
	c->packets += packets;
	return 0;
}

static void map_free(struct cat_map *m)
{
	free(m->slot);
	free(m->used);
	memset(m, 0, sizeof(*m));
}

static bool ranks_before(const struct cat_count *a, const struct cat_count *b)
{
	if (a->packets != b->packets)
		return a->packets > b->packets;
	if (a->records != b->records)
		return a->records > b->records;
	return a->key < b->key;
}

/* The best max entries of m, best first; returns how many. */
static size_t map_top(const struct cat_map *m, struct cat_count *out,
                      size_t max)
{
	size_t i, n = 0, j;

	for (i = 0; i < m->cap; i++) {
		const struct cat_count *c = &m->slot[i];

		if (!m->used[i] || (n == max && !ranks_before(c, &out[n - 1])))
			continue;
		j = n < max ? n++ : n - 1;
		while (j > 0 && ranks_before(c, &out[j - 1])) {
			out[j] = out[j - 1];
			j--;
		}
		out[j] = *c;
	}
	return n;
}

static int by_key(const void *a, const void *b)
{
	const struct cat_count *x = a, *y = b;

	return (x->key > y->key) - (x->key < y->key);
}

/* Every entry of m, by key ascending; NULL if out of memory or empty. */
static struct cat_count *map_sorted(const struct cat_map *m)
{
	struct cat_count *all;
	size_t i, n = 0;

	if (m->n == 0)
		return NULL;
	all = malloc(m->n * sizeof(*all));
	if (!all)
		return NULL;
	for (i = 0; i < m->cap; i++)
		if (m->used[i])
			all[n++] = m->slot[i];
	qsort(all, n, sizeof(*all), by_key);
	return all;
}

struct cat_summary *cat_summary_new(void)
{
	return calloc(1, sizeof(struct cat_summary));
}

void cat_summary_free(struct cat_summary *s)
{
	if (!s)
		return;
	map_free(&s->times);
	map_free(&s->sources);
	map_free(&s->protos);
	map_free(&s->tcp_ports);
	map_free(&s->udp_ports);
	free(s);
}

int cat_summary_add(struct cat_summary *s, const struct cat_rec *r)
{
	const struct cat_val *t = &r->v[CAT_TIME];
	const struct cat_val *src = &r->v[CAT_SRC_IP];
	const struct cat_val *proto = &r->v[CAT_PROTOCOL];
	const struct cat_val *port = &r->v[CAT_DST_PORT];
	int64_t pkts = r->v[CAT_PACKET_CNT].null ? 0 : r->v[CAT_PACKET_CNT].num;
	int rc = 0;

	s->records++;
	s->packets += pkts;
	if (!t->null) {
		if (!s->any_time || t->num < s->first)
			s->first = t->num;
		if (!s->any_time || t->num > s->last)
			s->last = t->num;
		s->any_time = true;
		rc = map_add(&s->times, t->num, pkts);
	}
	if (!rc && !src->null)
		rc = map_add(&s->sources, src->num, pkts);
	if (!rc && !proto->null)
		rc = map_add(&s->protos, proto->num, pkts);
	if (!rc && !proto->null && !port->null && proto->num == 6)
		rc = map_add(&s->tcp_ports, port->num, pkts);
	if (!rc && !proto->null && !port->null && proto->num == 17)
		rc = map_add(&s->udp_ports, port->num, pkts);
	return rc;
}

static const char *proto_name(int64_t p)
{
	switch (p) {
	case 1:
		return "icmp";
	case 6:
		return "tcp";
	case 17:
		return "udp";
	default:
		return NULL;
	}
}

enum key_style { KEY_PROTO, KEY_IP, KEY_NUM };

static void fmt_key(char *buf, size_t len, int64_t key, enum key_style st)
{
	const char *name;

	if (st == KEY_PROTO && (name = proto_name(key)))
		snprintf(buf, len, "%s (%lld)", name, (long long)key);
	else if (st == KEY_IP && key >= 0 && key <= UINT32_MAX)
		snprintf(buf, len, "%u.%u.%u.%u", (unsigned)(key >> 24) & 255,
		         (unsigned)(key >> 16) & 255,
		         (unsigned)(key >> 8) & 255, (unsigned)key & 255);
	else
		snprintf(buf, len, "%lld", (long long)key);
}

static int num_width(int64_t v)
{
	char buf[24];

	return snprintf(buf, sizeof(buf), "%lld", (long long)v);
}

/* A table of (key, packets, records) rows, columns sized to fit. */
static void text_table(FILE *fp, const char *title, const char *keyhead,
                       const struct cat_count *rows, size_t n,
                       enum key_style st)
{
	char key[48];
	int kw = (int)strlen(keyhead), pw = 7, rw = 7, w;
	size_t i;

	fprintf(fp, "\n%s\n", title);
	if (n == 0) {
		fputs("  (none)\n", fp);
		return;
	}
	for (i = 0; i < n; i++) {
		fmt_key(key, sizeof(key), rows[i].key, st);
		w = (int)strlen(key);
		kw = w > kw ? w : kw;
		w = num_width(rows[i].packets);
		pw = w > pw ? w : pw;
		w = num_width(rows[i].records);
		rw = w > rw ? w : rw;
	}
	fprintf(fp, "  %-*s  %*s  %*s\n", kw, keyhead, pw, "packets", rw,
	        "records");
	for (i = 0; i < n; i++) {
		fmt_key(key, sizeof(key), rows[i].key, st);
		fprintf(fp, "  %-*s  %*lld  %*lld\n", kw, key, pw,
		        (long long)rows[i].packets, rw,
		        (long long)rows[i].records);
	}
}

void cat_summary_print_text(const struct cat_summary *s, FILE *fp,
                            int64_t files, int64_t failed)
{
	struct cat_count top[CAT_TOP_N];
	struct cat_count *protos = map_sorted(&s->protos);
	char t1[32], t2[32];
	size_t n;

	fprintf(fp, "%-18s %lld", "files", (long long)files);
	if (failed)
		fprintf(fp, " (%lld failed)", (long long)failed);
	fprintf(fp, "\n%-18s %lld\n", "records", (long long)s->records);
	fprintf(fp, "%-18s %lld\n", "packets", (long long)s->packets);
	fprintf(fp, "%-18s %zu\n", "intervals", s->times.n);
	if (s->any_time) {
		cat_fmt_time(s->first, t1, sizeof(t1));
		cat_fmt_time(s->last, t2, sizeof(t2));
		fprintf(fp, "%-18s %s (%lld)\n", "first interval", t1,
		        (long long)s->first);
		fprintf(fp, "%-18s %s (%lld)\n", "last interval", t2,
		        (long long)s->last);
	}
	fprintf(fp, "%-18s %zu\n", "distinct sources", s->sources.n);

	if (!protos && s->protos.n)
		fputs("\nby protocol: out of memory\n", fp);
	else
		text_table(fp, "by protocol", "protocol", protos, s->protos.n,
		           KEY_PROTO);
	free(protos);
	n = map_top(&s->sources, top, CAT_TOP_N);
	text_table(fp, "top sources by packets", "source", top, n, KEY_IP);
	n = map_top(&s->tcp_ports, top, CAT_TOP_N);
	text_table(fp, "top TCP destination ports by packets", "port", top, n,
	           KEY_NUM);
	n = map_top(&s->udp_ports, top, CAT_TOP_N);
	text_table(fp, "top UDP destination ports by packets", "port", top, n,
	           KEY_NUM);
}

static void json_rows(FILE *fp, const char *name, const char *keyname,
                      const struct cat_count *rows, size_t n, enum key_style st)
{
	char key[48];
	size_t i;

	fprintf(fp, ",\"%s\":[", name);
	for (i = 0; i < n; i++) {
		fprintf(fp, "%s{\"%s\":%lld", i ? "," : "", keyname,
		        (long long)rows[i].key);
		if (st == KEY_IP) {
			fmt_key(key, sizeof(key), rows[i].key, st);
			fprintf(fp, ",\"%s_str\":\"%s\"", keyname, key);
		} else if (st == KEY_PROTO && proto_name(rows[i].key)) {
			fprintf(fp, ",\"name\":\"%s\"",
			        proto_name(rows[i].key));
		}
		fprintf(fp, ",\"packets\":%lld,\"records\":%lld}",
		        (long long)rows[i].packets, (long long)rows[i].records);
	}
	fputc(']', fp);
}

void cat_summary_print_json(const struct cat_summary *s, FILE *fp,
                            int64_t files, int64_t failed)
{
	struct cat_count top[CAT_TOP_N];
	struct cat_count *protos = map_sorted(&s->protos);
	size_t n;

	fprintf(fp,
	        "{\"files\":%lld,\"files_failed\":%lld,\"records\":%lld,"
	        "\"packets\":%lld,\"intervals\":%zu,",
	        (long long)files, (long long)failed, (long long)s->records,
	        (long long)s->packets, s->times.n);
	if (s->any_time)
		fprintf(fp, "\"first_interval\":%lld,\"last_interval\":%lld,",
		        (long long)s->first, (long long)s->last);
	else
		fputs("\"first_interval\":null,\"last_interval\":null,", fp);
	fprintf(fp, "\"distinct_sources\":%zu", s->sources.n);
	json_rows(fp, "protocols", "protocol", protos, protos ? s->protos.n : 0,
	          KEY_PROTO);
	free(protos);
	n = map_top(&s->sources, top, CAT_TOP_N);
	json_rows(fp, "top_sources", "src_ip", top, n, KEY_IP);
	n = map_top(&s->tcp_ports, top, CAT_TOP_N);
	json_rows(fp, "top_tcp_ports", "port", top, n, KEY_NUM);
	n = map_top(&s->udp_ports, top, CAT_TOP_N);
	json_rows(fp, "top_udp_ports", "port", top, n, KEY_NUM);
	fputs("}\n", fp);
}
