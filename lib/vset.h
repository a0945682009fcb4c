/* vset.h: small counted value sets (value -> packets) in a bump arena.
 *
 * A flowtuple that sees more than one value of a field keeps that field in a
 * vset: one (value, count) pair inline while the set has one value, then an
 * open-addressing table carved from the aggregator's arena that doubles as it
 * fills.  The arena is reset, not freed, at each interval end, so the per-
 * packet path never calls malloc (the arena takes a new chunk from the system
 * only when it runs out, at most once per VSET_CHUNK bytes).
 *
 * Memory: 16 bytes per field inline; 8 bytes per slot once spilled, at most
 * 2x the distinct values (tables stay at most 3/4 full) plus the abandoned
 * smaller tables (less than the live one).  Exact: no sketch, no bitmap.
 *
 * Thread use: an arena and its vsets belong to one aggregator thread.
 */
#ifndef UMBRA_VSET_H
#define UMBRA_VSET_H

#include <stddef.h>
#include <stdint.h>

#define VSET_CHUNK (4u << 20)

struct vset_arena {
	struct vset_chunk *head;  /* chunk being carved */
	struct vset_chunk *spare; /* chunks kept from earlier intervals */
	size_t used_bytes;        /* carved this interval */
	size_t reserved_bytes;    /* held from the system */
};

struct vslot {
	uint32_t value;
	uint32_t count; /* 0 = empty slot */
};

struct vset {
	uint32_t n;   /* distinct values */
	uint32_t cap; /* 1 = inline pair, VSET_BITMAP = bitmap, else table
	                 size (power of two) */
	union {
		struct vslot one;
		struct vslot *slots;
		uint64_t *bits; /* VSET_BITMAP: 65536 bits */
	} u;
};

/* A set of 16-bit values whose counts nobody needs (destination addresses
 * inside a /16) turns into an 8 KiB bitmap once it holds VSET_BITMAP_AT
 * values: smaller than the table it replaces, and a cache-friendly bit
 * test instead of a probe.  Small sets never pay for it. */
#define VSET_BITMAP    0u
#define VSET_BITMAP_AT 1024u

void vset_arena_init(struct vset_arena *a);
/* Forget every allocation (keeps the memory for the next interval). */
void vset_arena_reset(struct vset_arena *a);
void vset_arena_destroy(struct vset_arena *a);

/* Carve bytes (16-byte aligned) from the arena; NULL if the system refuses
 * a new chunk.  Freed only by vset_arena_reset()/destroy(). */
void *vset_arena_alloc(struct vset_arena *a, size_t bytes);

/* A set holding one value seen count times. */
static inline void vset_init_one(struct vset *s, uint32_t value, uint32_t count)
{
	s->n = 1;
	s->cap = 1;
	s->u.one.value = value;
	s->u.one.count = count;
}

static inline void vset_init_empty(struct vset *s)
{
	s->n = 0;
	s->cap = 1;
	s->u.one.value = 0;
	s->u.one.count = 0;
}

/* Add count packets of value.  Returns 0 or -ENOMEM (arena exhausted and the
 * system refused a new chunk; the packet is then not counted in this set). */
int vset_add_slow(struct vset_arena *a, struct vset *s, uint32_t value,
                  uint32_t count);

static inline int vset_add(struct vset_arena *a, struct vset *s, uint32_t value)
{
	if (__builtin_expect(s->cap == 1, 1) && s->u.one.count &&
	    s->u.one.value == value) {
		s->u.one.count++;
		return 0;
	}
	return vset_add_slow(a, s, value, 1);
}

static inline uint32_t vset_hash(uint32_t v)
{
	v *= 0x9E3779B1u;
	return v ^ (v >> 16);
}

/* Prefetch the table slot where value would live (a hint, no effect on
 * the set). */
static inline void vset_prefetch(const struct vset *s, uint32_t value)
{
	if (s->cap > 1)
		__builtin_prefetch(
		    &s->u.slots[vset_hash(value) & (s->cap - 1)]);
	else if (s->cap == VSET_BITMAP)
		__builtin_prefetch(&s->u.bits[(value & 0xffff) >> 6]);
}

/* Add one value < 65536 to a set that only counts distinct values (see
 * VSET_BITMAP).  Returns 0 or -ENOMEM.  vset_export() on such a set gives
 * counts of 0 once it is a bitmap. */
int vset_add_distinct_slow(struct vset_arena *a, struct vset *s,
                           uint32_t value);

static inline int vset_add_distinct(struct vset_arena *a, struct vset *s,
                                    uint32_t value)
{
	if (s->cap == VSET_BITMAP) {
		uint64_t *w = &s->u.bits[(value & 0xffff) >> 6];
		uint64_t bit = 1ull << (value & 63);
		s->n += !(*w & bit);
		*w |= bit;
		return 0;
	}
	return vset_add_distinct_slow(a, s, value);
}

/* Copy the set's values and counts into the arrays (room for s->n each), in
 * table order.  Returns s->n. */
uint32_t vset_export(const struct vset *s, uint32_t *values, uint64_t *counts);

#endif
