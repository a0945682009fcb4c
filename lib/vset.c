/* vset.c: counted value sets in a bump arena (see vset.h). */
#include "vset.h"

#include "bigmem.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct vset_chunk {
	struct vset_chunk *next;
	size_t size; /* usable bytes after the header */
	size_t used;
	_Alignas(16) unsigned char mem[];
};

void vset_arena_init(struct vset_arena *a)
{
	memset(a, 0, sizeof *a);
}

void vset_arena_reset(struct vset_arena *a)
{
	/* move every chunk to the spare list */
	while (a->head) {
		struct vset_chunk *c = a->head;
		a->head = c->next;
		c->used = 0;
		c->next = a->spare;
		a->spare = c;
	}
	a->used_bytes = 0;
}

void vset_arena_destroy(struct vset_arena *a)
{
	vset_arena_reset(a);
	while (a->spare) {
		struct vset_chunk *c = a->spare;
		a->spare = c->next;
		bigmem_free(c, sizeof *c + c->size);
	}
	a->reserved_bytes = 0;
}

void *vset_arena_alloc(struct vset_arena *a, size_t bytes)
{
	struct vset_chunk *c = a->head;

	bytes = (bytes + 15) & ~(size_t)15;
	if (!c || c->size - c->used < bytes) {
		struct vset_chunk **pp = &a->spare;
		c = NULL;
		while (*pp) {
			if ((*pp)->size >= bytes) {
				c = *pp;
				*pp = c->next;
				break;
			}
			pp = &(*pp)->next;
		}
		if (!c) {
			/* a chunk and its header fill whole huge pages */
			size_t size = VSET_CHUNK - sizeof *c;
			if (bytes > size)
				size = bytes;
			c = bigmem_alloc(sizeof *c + size);
			if (!c)
				return NULL;
			c->size = size;
			a->reserved_bytes += size;
		}
		c->used = 0;
		c->next = a->head;
		a->head = c;
	}
	void *p = c->mem + c->used;
	c->used += bytes;
	a->used_bytes += bytes;
	return p;
}

/* Insert into a table that has room; count added to an existing value. */
static void table_put(struct vslot *slots, uint32_t cap, uint32_t *n,
                      uint32_t value, uint32_t count)
{
	uint32_t mask = cap - 1;
	uint32_t i = vset_hash(value) & mask;

	for (;;) {
		if (slots[i].count == 0) {
			slots[i].value = value;
			slots[i].count = count;
			(*n)++;
			return;
		}
		if (slots[i].value == value) {
			slots[i].count += count;
			return;
		}
		i = (i + 1) & mask;
	}
}

static int grow(struct vset_arena *a, struct vset *s, uint32_t new_cap)
{
	struct vslot *t = vset_arena_alloc(a, (size_t)new_cap * sizeof *t);
	uint32_t n = 0;

	if (!t)
		return -ENOMEM;
	memset(t, 0, (size_t)new_cap * sizeof *t);
	if (s->cap == 1) {
		if (s->u.one.count)
			table_put(t, new_cap, &n, s->u.one.value,
			          s->u.one.count);
	} else {
		/* the new table is cold: fetch each value's target ahead */
		for (uint32_t i = 0; i < s->cap; i++) {
			if (i + 8 < s->cap && s->u.slots[i + 8].count)
				__builtin_prefetch(
				    &t[vset_hash(s->u.slots[i + 8].value) &
				       (new_cap - 1)]);
			if (s->u.slots[i].count)
				table_put(t, new_cap, &n, s->u.slots[i].value,
				          s->u.slots[i].count);
		}
	}
	s->u.slots = t;
	s->cap = new_cap;
	s->n = n;
	return 0;
}

int vset_add_distinct_slow(struct vset_arena *a, struct vset *s, uint32_t value)
{
	if (s->n < VSET_BITMAP_AT || s->cap == 1)
		return vset_add(a, s, value & 0xffff);
	/* the table becomes a bitmap */
	uint64_t *bits = vset_arena_alloc(a, 65536 / 8);
	if (!bits)
		return vset_add(a, s, value & 0xffff);
	memset(bits, 0, 65536 / 8);
	for (uint32_t i = 0; i < s->cap; i++)
		if (s->u.slots[i].count) {
			uint32_t v = s->u.slots[i].value & 0xffff;
			bits[v >> 6] |= 1ull << (v & 63);
		}
	s->u.bits = bits;
	s->cap = VSET_BITMAP;
	return vset_add_distinct(a, s, value);
}

int vset_add_slow(struct vset_arena *a, struct vset *s, uint32_t value,
                  uint32_t count)
{
	if (s->cap == 1) {
		if (s->u.one.count == 0) {
			s->u.one.value = value;
			s->u.one.count = count;
			s->n = 1;
			return 0;
		}
		if (s->u.one.value == value) {
			s->u.one.count += count;
			return 0;
		}
		if (grow(a, s, 4) < 0)
			return -ENOMEM;
	} else if ((s->n + 1) * 4 > s->cap * 3) {
		if (grow(a, s, s->cap * 2) < 0)
			return -ENOMEM;
	}
	table_put(s->u.slots, s->cap, &s->n, value, count);
	return 0;
}

uint32_t vset_export(const struct vset *s, uint32_t *values, uint64_t *counts)
{
	uint32_t k = 0;

	if (s->cap == VSET_BITMAP) {
		for (uint32_t w = 0; w < 65536 / 64; w++)
			for (uint64_t b = s->u.bits[w]; b; b &= b - 1) {
				values[k] =
				    w * 64 + (uint32_t)__builtin_ctzll(b);
				counts[k++] = 0;
			}
		return k;
	}

	if (s->cap == 1) {
		if (s->u.one.count) {
			values[0] = s->u.one.value;
			counts[0] = s->u.one.count;
			k = 1;
		}
		return k;
	}
	for (uint32_t i = 0; i < s->cap; i++) {
		if (s->u.slots[i].count) {
			values[k] = s->u.slots[i].value;
			counts[k] = s->u.slots[i].count;
			k++;
		}
	}
	return k;
}
