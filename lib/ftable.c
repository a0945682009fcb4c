/* ftable.c: the flowtuple table's storage and its per-packet path (see
 * ftable.h).  ftable_emit.c turns it into records at the interval end. */
#include "ftable.h"

#include "bigmem.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static inline uint32_t key_hash(uint32_t src, uint32_t net, uint32_t lo)
{
	uint64_t h = ((uint64_t)src << 32 | net) * 0x9E3779B97F4A7C15ull;
	h ^= (uint64_t)lo * 0xC2B2AE3D27D4EB4Full;
	h ^= h >> 29;
	h *= 0xBF58476D1CE4E5B9ull;
	h ^= h >> 32;
	return (uint32_t)h | 1u; /* never 0: a slot's high half is never 0 */
}

int ftable_init(struct ftable *t, uint32_t prefix_len, uint32_t initial)
{
	uint32_t slots = 1024;

	memset(t, 0, sizeof *t);
	if (prefix_len > 32)
		return -EINVAL;
	t->net_mask = prefix_len ? ~0u << (32 - prefix_len) : 0;
	t->dst_dense = prefix_len >= 16;
	if (initial < 512)
		initial = 512;
	while (slots < initial * 2)
		slots *= 2;
	t->ecap = initial;
	t->smask = slots - 1;
	t->e = bigmem_alloc((size_t)initial * sizeof *t->e);
	t->slots = bigmem_alloc((size_t)slots * sizeof *t->slots);
	if (!t->e || !t->slots) {
		ftable_destroy(t);
		return -ENOMEM;
	}
	vset_arena_init(&t->arena);
	return 0;
}

void ftable_destroy(struct ftable *t)
{
	bigmem_free(t->e, (size_t)t->ecap * sizeof *t->e);
	bigmem_free(t->slots, ((size_t)t->smask + 1) * sizeof *t->slots);
	free(t->sortbuf);
	vset_arena_destroy(&t->arena);
	memset(t, 0, sizeof *t);
}

void ftable_reset(struct ftable *t)
{
	memset(t->slots, 0, ((size_t)t->smask + 1) * sizeof *t->slots);
	t->n = 0;
	t->packets = 0;
	t->oom_drops = 0;
	t->oom_values = 0;
	vset_arena_reset(&t->arena);
}

uint64_t ftable_memory(const struct ftable *t)
{
	return (uint64_t)t->ecap * sizeof *t->e +
	       ((uint64_t)t->smask + 1) * sizeof *t->slots +
	       t->arena.reserved_bytes + (uint64_t)t->sortcap * 16u;
}

/* Double the slot index (keeps load <= 1/2). */
static __attribute__((noinline)) int grow_slots(struct ftable *t)
{
	uint32_t nslots = (t->smask + 1) * 2;
	uint64_t *s;

	if (nslots == 0)
		return -ENOMEM;
	s = bigmem_alloc((size_t)nslots * sizeof *s);
	if (!s)
		return -ENOMEM;
	for (uint32_t i = 0; i <= t->smask; i++) {
		uint64_t v = t->slots[i];
		if (!v)
			continue;
		uint32_t j = (uint32_t)(v >> 32) & (nslots - 1);
		while (s[j])
			j = (j + 1) & (nslots - 1);
		s[j] = v;
	}
	bigmem_free(t->slots, ((size_t)t->smask + 1) * sizeof *t->slots);
	t->slots = s;
	t->smask = nslots - 1;
	return 0;
}

static __attribute__((noinline)) int grow_entries(struct ftable *t)
{
	uint64_t cap = (uint64_t)t->ecap * 2;
	void *e;

	if (cap > UINT32_MAX - 1)
		return -ENOMEM;
	e = bigmem_realloc(t->e, (size_t)t->ecap * sizeof *t->e,
	                   cap * sizeof *t->e);
	if (!e)
		return -ENOMEM;
	t->e = e;
	t->ecap = (uint32_t)cap;
	return 0;
}

static inline uint64_t hot_v1(const struct ft_pkt *p)
{
	return (uint64_t)p->dst_ip | (uint64_t)p->ip_len << 32 |
	       (uint64_t)p->ttl << 48 | (uint64_t)p->tcp_flags << 56;
}

static inline uint32_t hot_v2(const struct ft_pkt *p)
{
	return (uint32_t)p->src_port | (uint32_t)(p->flags & FT_PKT_L4) << 16;
}

static inline int has_sport(uint8_t proto, uint32_t v2)
{
	return (v2 >> 16) && (proto == 6 || proto == 17);
}

static inline int has_flags(uint8_t proto, uint32_t v2)
{
	return (v2 >> 16) && proto == 6;
}

static inline uint32_t cnt32(uint64_t n)
{
	return n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
}

/* First difference from the hot values: move the state to value sets. */
static __attribute__((noinline)) int spill(struct ftable *t, struct ft_entry *e)
{
	/* carved from the arena: ftable_reset() frees it with the sets */
	struct ft_cold *c = vset_arena_alloc(&t->arena, sizeof *c);

	if (!c)
		return -ENOMEM;
	uint32_t n = cnt32(e->pkt_cnt);
	vset_init_one(
	    &c->dst_ips,
	    t->dst_dense ? (uint32_t)e->hv1 & 0xffff : (uint32_t)e->hv1, n);
	vset_init_one(&c->sizes, (uint32_t)(e->hv1 >> 32) & 0xffff, n);
	vset_init_one(&c->ttls, (uint32_t)(e->hv1 >> 48) & 0xff, n);
	if (has_sport(e->proto, e->hv2))
		vset_init_one(&c->src_ports, e->hv2 & 0xffff, n);
	else
		vset_init_empty(&c->src_ports);
	if (has_flags(e->proto, e->hv2))
		vset_init_one(&c->tcp_flags, (uint32_t)(e->hv1 >> 56), n);
	else
		vset_init_empty(&c->tcp_flags);
	e->cold = c;
	return 0;
}

/* Returns 0, or < 0 when a set could not grow (the packet is counted but
 * some of its values are not). */
static inline int cold_add(struct ftable *t, struct ft_cold *c,
                           const struct ft_pkt *p)
{
	int rc = t->dst_dense ? vset_add_distinct(&t->arena, &c->dst_ips,
	                                          p->dst_ip & 0xffff)
	                      : vset_add(&t->arena, &c->dst_ips, p->dst_ip);
	rc |= vset_add(&t->arena, &c->sizes, p->ip_len);
	rc |= vset_add(&t->arena, &c->ttls, p->ttl);
	if (p->flags & FT_PKT_L4) {
		if (p->proto == 6 || p->proto == 17)
			rc |= vset_add(&t->arena, &c->src_ports, p->src_port);
		if (p->proto == 6)
			rc |= vset_add(&t->arena, &c->tcp_flags, p->tcp_flags);
	}
	return rc;
}

static inline void add_hashed(struct ftable *t, const struct ft_pkt *p,
                              uint32_t net, uint32_t h)
{
	uint32_t i = h & t->smask;
	struct ft_entry *e;

	for (;;) {
		uint64_t s = t->slots[i];
		if (!s)
			break;
		if ((uint32_t)(s >> 32) == h) {
			e = &t->e[(uint32_t)s - 1];
			if (e->src_ip == p->src_ip && e->dst_net == net &&
			    e->dst_port == p->dst_port && e->proto == p->proto)
				goto found;
		}
		i = (i + 1) & t->smask;
	}

	/* a new flowtuple */
	if (__builtin_expect(t->n == t->ecap, 0) && grow_entries(t) < 0) {
		t->oom_drops++;
		return;
	}
	if (__builtin_expect((uint64_t)(t->n + 1) * 2 > (uint64_t)t->smask + 1,
	                     0)) {
		if (grow_slots(t) < 0) {
			t->oom_drops++;
			return;
		}
		i = h & t->smask;
		while (t->slots[i])
			i = (i + 1) & t->smask;
	}
	e = &t->e[t->n];
	t->slots[i] = (uint64_t)h << 32 | (t->n + 1);
	t->n++;
	e->src_ip = p->src_ip;
	e->dst_net = net;
	e->dst_port = p->dst_port;
	e->proto = p->proto;
	e->state = 0;
	e->hv1 = hot_v1(p);
	e->hv2 = hot_v2(p);
	e->pkt_cnt = 1;
	e->cold = NULL;
	e->syn_rwin = 0;
	e->syn_len = 0;
	t->packets++;
	goto syn;

found:
	if (__builtin_expect(!e->cold, 1)) {
		if (e->hv1 == hot_v1(p) && e->hv2 == hot_v2(p)) {
			e->pkt_cnt++;
			t->packets++;
			goto syn;
		}
		if (spill(t, e) < 0) {
			t->oom_drops++;
			return;
		}
	}
	e->pkt_cnt++;
	t->packets++;
	if (__builtin_expect(cold_add(t, e->cold, p) < 0, 0))
		t->oom_values++;
syn:
	if (__builtin_expect((p->flags & FT_PKT_SYN) && !(e->state & FTE_SYN),
	                     0)) {
		e->state |= FTE_SYN;
		e->syn_len = p->tcp_hlen;
		e->syn_rwin = p->tcp_rwin;
	}
}

static inline uint32_t pkt_hash(const struct ftable *t, const struct ft_pkt *p,
                                uint32_t *net)
{
	*net = p->dst_ip & t->net_mask;
	return key_hash(p->src_ip, *net,
	                (uint32_t)p->proto << 16 | p->dst_port);
}

void ftable_add(struct ftable *t, const struct ft_pkt *p)
{
	uint32_t net, h = pkt_hash(t, p, &net);
	add_hashed(t, p, net, h);
}

/* A burst goes through the table as a software pipeline of five stages,
 * each DIST packets behind the one before: hash and prefetch the slot; read
 * the slot and prefetch the entry; read the entry and prefetch its cold
 * record; read the cold record and prefetch the value sets' slots; count.
 * So every cache line a packet needs was requested about DIST packets'
 * worth of work earlier, which hides this machine's memory latency.  The
 * prefetches are hints only: the last stage probes for real, so keys
 * inserted by packets just before are found. */
#define DIST 8
#define RING 64 /* > 4 * DIST, power of two */

void ftable_add_burst(struct ftable *t, const struct ft_pkt *p, uint32_t n)
{
	uint32_t h[RING], net[RING];
	uint32_t e[RING]; /* entry index + 1, 0 = none (entries may move) */
	uint32_t end = n + 4 * DIST;

	for (uint32_t i = 0; i < end; i++) {
		uint32_t k;
		if (i < n) { /* stage 1 */
			k = i & (RING - 1);
			h[k] = pkt_hash(t, &p[i], &net[k]);
			__builtin_prefetch(&t->slots[h[k] & t->smask]);
		}
		if (i >= DIST && i - DIST < n) { /* stage 2 */
			k = (i - DIST) & (RING - 1);
			uint64_t s = t->slots[h[k] & t->smask];
			e[k] = 0;
			if (s && (uint32_t)(s >> 32) == h[k]) {
				e[k] = (uint32_t)s;
				__builtin_prefetch(&t->e[e[k] - 1]);
			}
		}
		if (i >= 2 * DIST && i - 2 * DIST < n) { /* stage 3 */
			k = (i - 2 * DIST) & (RING - 1);
			const struct ft_cold *c =
			    e[k] ? t->e[e[k] - 1].cold : NULL;
			if (c) {
				__builtin_prefetch(c);
				__builtin_prefetch((const char *)c + 64);
			}
		}
		if (i >= 3 * DIST && i - 3 * DIST < n) { /* stage 4 */
			uint32_t j = i - 3 * DIST;
			k = j & (RING - 1);
			const struct ft_cold *c =
			    e[k] ? t->e[e[k] - 1].cold : NULL;
			if (c) {
				vset_prefetch(&c->dst_ips,
				              t->dst_dense
				                  ? p[j].dst_ip & 0xffff
				                  : p[j].dst_ip);
				vset_prefetch(&c->sizes, p[j].ip_len);
				vset_prefetch(&c->ttls, p[j].ttl);
				vset_prefetch(&c->src_ports, p[j].src_port);
				vset_prefetch(&c->tcp_flags, p[j].tcp_flags);
			}
		}
		if (i >= 4 * DIST) { /* stage 5 */
			uint32_t j = i - 4 * DIST;
			k = j & (RING - 1);
			add_hashed(t, &p[j], net[k], h[k]);
		}
	}
}
