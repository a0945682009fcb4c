/* ftable_emit.c: the interval end of one aggregator: sort the flowtuples,
 * finish each record, tag it with its source's meta-data (looked up once
 * per source: meta.h) and encode it (see ftable_emit() in ftable.h).
 *
 * Runs on the aggregator thread, so the N aggregators encode in parallel and
 * the merger only interleaves ready-made bytes.
 */
#include "ftable.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ft4.h"
#include "meta.h"

struct sort_item {
	uint64_t hi;
	uint32_t lo;
	uint32_t idx;
};

/* LSD radix sort on (hi, lo) with 16-bit digits; digits that are the same
 * for every item (e.g. the zero low half of dst_net) are skipped. */
static int radix_sort(struct sort_item *a, struct sort_item *tmp, uint32_t n)
{
	uint32_t *count = malloc(65536 * sizeof *count);

	if (!count)
		return -ENOMEM;
	/* digit d: 0,1 from lo (bits 0-15, 16-31); 2..5 from hi */
	for (int d = 0; d < 6; d++) {
		memset(count, 0, 65536 * sizeof *count);
		for (uint32_t i = 0; i < n; i++) {
			uint32_t k =
			    d < 2 ? (a[i].lo >> (16 * d)) & 0xffff
			          : (uint32_t)(a[i].hi >> (16 * (d - 2))) &
			                0xffff;
			count[k]++;
		}
		uint32_t k0 =
		    d < 2 ? (a[0].lo >> (16 * d)) & 0xffff
		          : (uint32_t)(a[0].hi >> (16 * (d - 2))) & 0xffff;
		if (count[k0] == n)
			continue; /* every item has this digit */
		uint32_t sum = 0;
		for (uint32_t k = 0; k < 65536; k++) {
			uint32_t c = count[k];
			count[k] = sum;
			sum += c;
		}
		for (uint32_t i = 0; i < n; i++) {
			uint32_t k =
			    d < 2 ? (a[i].lo >> (16 * d)) & 0xffff
			          : (uint32_t)(a[i].hi >> (16 * (d - 2))) &
			                0xffff;
			tmp[count[k]++] = a[i];
		}
		memcpy(a, tmp, (size_t)n * sizeof *a);
	}
	free(count);
	return 0;
}

/* Scratch arrays for one field's values while computing common values. */
struct emit_scratch {
	uint32_t *values;
	uint64_t *counts;
	uint32_t cap;
};

static int scratch_fit(struct emit_scratch *s, uint32_t n)
{
	if (n <= s->cap)
		return 0;
	uint32_t cap = s->cap ? s->cap : 256;
	while (cap < n)
		cap *= 2;
	uint32_t *v = realloc(s->values, (size_t)cap * sizeof *v);
	if (!v)
		return -ENOMEM;
	s->values = v;
	uint64_t *c = realloc(s->counts, (size_t)cap * sizeof *c);
	if (!c)
		return -ENOMEM;
	s->counts = c;
	s->cap = cap;
	return 0;
}

static int field_common(const struct vset *set, uint64_t n,
                        struct emit_scratch *s, struct ft4_common *out,
                        uint32_t *uniq)
{
	if (scratch_fit(s, set->n) < 0)
		return -ENOMEM;
	uint32_t u = vset_export(set, s->values, s->counts);
	*uniq = u;
	ft4_common_values(s->values, s->counts, u, n, out);
	return 0;
}

static void hot_common(uint32_t value, uint64_t n, struct ft4_common *out)
{
	out->n = 1;
	out->value[0] = value;
	out->freq[0] = n;
}

static void prefetch_sets(const struct ft_cold *c)
{
	const struct vset *sets[] = {&c->dst_ips, &c->sizes, &c->ttls,
	                             &c->src_ports, &c->tcp_flags};
	for (int k = 0; k < 5; k++)
		if (sets[k]->cap > 1)
			__builtin_prefetch(sets[k]->u.slots);
}

static void put_tags(const struct meta_tags *m, struct ft4_record *r)
{
	memcpy(r->maxmind_continent, m->maxmind_continent, 3);
	memcpy(r->maxmind_country, m->maxmind_country, 3);
	memcpy(r->netacq_continent, m->netacq_continent, 3);
	memcpy(r->netacq_country, m->netacq_country, 3);
	r->prefix2asn = m->prefix2asn;
}

static int finish_record(const struct ft_entry *e, int64_t start,
                         const struct meta_tags *tags, struct emit_scratch *s,
                         struct ft4_record *r)
{
	int tcp = e->proto == 6, tcpudp = tcp || e->proto == 17;

	memset(r, 0, sizeof *r);
	put_tags(tags, r);
	r->time = start;
	r->src_ip = e->src_ip;
	r->dst_net = e->dst_net;
	r->dst_port = e->dst_port;
	r->protocol = e->proto;
	r->packet_cnt = e->pkt_cnt;
	if (e->state & FTE_SYN) {
		r->first_syn_length = e->syn_len;
		r->first_tcp_rwin = e->syn_rwin;
	}
	if (!e->cold) {
		int l4 = (e->hv2 >> 16) != 0;
		r->uniq_dst_ips = 1;
		r->uniq_pkt_sizes = 1;
		r->uniq_ttls = 1;
		hot_common((uint32_t)(e->hv1 >> 32) & 0xffff, e->pkt_cnt,
		           &r->pkt_sizes);
		hot_common((uint32_t)(e->hv1 >> 48) & 0xff, e->pkt_cnt,
		           &r->ttls);
		if (l4 && tcpudp) {
			r->uniq_src_ports = 1;
			hot_common(e->hv2 & 0xffff, e->pkt_cnt, &r->src_ports);
		}
		if (l4 && tcp) {
			r->uniq_tcp_flags = 1;
			hot_common((uint32_t)(e->hv1 >> 56), e->pkt_cnt,
			           &r->tcp_flags);
		}
		return 0;
	}
	const struct ft_cold *c = e->cold;
	r->uniq_dst_ips = c->dst_ips.n; /* only the count: no common values */
	if (field_common(&c->sizes, e->pkt_cnt, s, &r->pkt_sizes,
	                 &r->uniq_pkt_sizes) < 0 ||
	    field_common(&c->ttls, e->pkt_cnt, s, &r->ttls, &r->uniq_ttls) <
	        0 ||
	    field_common(&c->src_ports, e->pkt_cnt, s, &r->src_ports,
	                 &r->uniq_src_ports) < 0 ||
	    field_common(&c->tcp_flags, e->pkt_cnt, s, &r->tcp_flags,
	                 &r->uniq_tcp_flags) < 0)
		return -ENOMEM;
	return 0;
}

int ftable_emit(struct ftable *t, int64_t start, struct ftrun *run)
{
	return ftable_emit_meta(t, start, run, NULL);
}

int ftable_emit_meta(struct ftable *t, int64_t start, struct ftrun *run,
                     const struct meta_set *meta)
{
	struct emit_scratch s = {0};
	struct meta_tags tags;
	struct sort_item *items, *tmp;
	int rc = 0;

	run->start = start;
	run->npkts += t->packets;
	run->oom_drops += t->oom_drops + t->oom_values;
	run->memory = ftable_memory(t);
	if (t->n == 0)
		return 0;
	if (t->sortcap < 2 * t->n) {
		free(t->sortbuf);
		t->sortbuf = malloc((size_t)2 * t->n * sizeof *items);
		if (!t->sortbuf) {
			t->sortcap = 0;
			return -ENOMEM;
		}
		t->sortcap = 2 * t->n;
	}
	items = t->sortbuf;
	tmp = items + t->n;
	for (uint32_t i = 0; i < t->n; i++) {
		const struct ft_entry *e = &t->e[i];
		items[i].hi = (uint64_t)e->src_ip << 32 | e->dst_net;
		items[i].lo = (uint32_t)e->proto << 16 | e->dst_port;
		items[i].idx = i;
	}
	rc = radix_sort(items, tmp, t->n);
	if (rc < 0)
		return rc;
	/* most records encode in 60-120 bytes; reserve generously once */
	rc = ftrun_reserve(run, t->n, (size_t)t->n * 128);
	if (rc < 0)
		return rc;

	uint32_t last_src = 0;
	for (uint32_t i = 0; i < t->n; i++) {
		const struct ft_entry *e = &t->e[items[i].idx];
		struct ft4_record r;

		/* sorted order is random order in memory: fetch ahead, the
		 * entry first, then its cold record, then the sets' tables */
		if (i + 32 < t->n)
			__builtin_prefetch(&t->e[items[i + 32].idx]);
		if (i + 16 < t->n) {
			const struct ft_entry *a = &t->e[items[i + 16].idx];
			if (a->cold) {
				__builtin_prefetch(a->cold);
				__builtin_prefetch((char *)a->cold + 64);
			}
		}
		if (i + 8 < t->n) {
			const struct ft_entry *a = &t->e[items[i + 8].idx];
			if (a->cold)
				prefetch_sets(a->cold);
		}
		/* the records of a source are adjacent: one lookup each */
		int new_src = i == 0 || e->src_ip != last_src;
		if (new_src)
			meta_lookup(meta, e->src_ip, &tags);
		last_src = e->src_ip;
		rc = finish_record(e, start, &tags, &s, &r);
		if (rc < 0)
			break;
		rc = ftrun_reserve(run, 1, FT4_MAX_ENCODED);
		if (rc < 0)
			break;
		run->enc_len += ft4_encode(&r, run->enc + run->enc_len);
		struct ftrun_key *k = &run->keys[run->nrec++];
		k->hi = items[i].hi;
		k->lo = items[i].lo;
		k->end = (uint32_t)run->enc_len;
		run->nsrc += new_src;
	}
	free(s.values);
	free(s.counts);
	return rc;
}
