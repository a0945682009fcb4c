/* spsc.h: bounded single-producer single-consumer ring of ft_pkt slots.
 *
 * One ring per (capture thread, aggregator) pair.  The producer writes slots
 * with spsc_push() and makes them visible with spsc_flush() once per burst
 * (one release store); the consumer takes what spsc_peek() shows and gives the
 * slots back with spsc_release().  Each side caches the other's index, so the
 * shared cache lines are touched about once per burst, not once per packet.
 *
 * Thread use: spsc_push/spsc_flush/spsc_free_slots only on the producer,
 * spsc_peek/spsc_slot/spsc_release only on the consumer.
 * spsc_ring_init/spsc_ring_destroy before/after both threads run.
 */
#ifndef UMBRA_SPSC_H
#define UMBRA_SPSC_H

#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

#include "decode.h"

struct spsc_ring {
	_Alignas(64) _Atomic uint64_t head; /* next slot the producer fills */
	_Alignas(64) _Atomic uint64_t tail; /* next slot the consumer reads */
	_Alignas(64) struct ft_pkt *slots;
	uint64_t mask;
	/* producer-private */
	_Alignas(64) uint64_t p_head;
	uint64_t p_tail_cache;
	/* consumer-private */
	_Alignas(64) uint64_t c_tail;
	uint64_t c_head_cache;
};

/* cap must be a power of two.  Returns 0 or -ENOMEM/-EINVAL. */
static inline int spsc_ring_init(struct spsc_ring *r, uint64_t cap)
{
	if (cap < 2 || (cap & (cap - 1)))
		return -EINVAL;
	r->slots = aligned_alloc(64, cap * sizeof(struct ft_pkt));
	if (!r->slots)
		return -ENOMEM;
	r->mask = cap - 1;
	atomic_init(&r->head, 0);
	atomic_init(&r->tail, 0);
	r->p_head = r->p_tail_cache = 0;
	r->c_tail = r->c_head_cache = 0;
	return 0;
}

static inline void spsc_ring_destroy(struct spsc_ring *r)
{
	free(r->slots);
	r->slots = NULL;
}

/* Any thread: slots in use, as last published (a gauge: may be stale). */
static inline uint64_t spsc_fill(struct spsc_ring *r)
{
	uint64_t h = atomic_load_explicit(&r->head, memory_order_relaxed);
	uint64_t t = atomic_load_explicit(&r->tail, memory_order_relaxed);
	return h >= t ? h - t : 0;
}

/* Producer: slots free right now (refreshes the cached tail when needed). */
static inline uint64_t spsc_free_slots(struct spsc_ring *r)
{
	uint64_t cap = r->mask + 1;
	uint64_t used = r->p_head - r->p_tail_cache;
	if (used < cap)
		return cap - used;
	r->p_tail_cache = atomic_load_explicit(&r->tail, memory_order_acquire);
	return cap - (r->p_head - r->p_tail_cache);
}

/* Producer: write one slot; the caller checked spsc_free_slots() first. */
static inline void spsc_push(struct spsc_ring *r, const struct ft_pkt *p)
{
	r->slots[r->p_head & r->mask] = *p;
	r->p_head++;
}

/* Producer: make pushed slots visible to the consumer. */
static inline void spsc_flush(struct spsc_ring *r)
{
	atomic_store_explicit(&r->head, r->p_head, memory_order_release);
}

/* Producer: slots pushed but not yet flushed. */
static inline uint64_t spsc_unflushed(const struct spsc_ring *r)
{
	return r->p_head - atomic_load_explicit(&r->head, memory_order_relaxed);
}

/* Consumer: number of readable slots (refreshes the cached head when
 * everything cached has been read). */
static inline uint64_t spsc_peek(struct spsc_ring *r)
{
	if (r->c_head_cache == r->c_tail)
		r->c_head_cache =
		    atomic_load_explicit(&r->head, memory_order_acquire);
	return r->c_head_cache - r->c_tail;
}

/* Consumer: the i-th readable slot (i < spsc_peek()). */
static inline const struct ft_pkt *spsc_slot(const struct spsc_ring *r,
                                             uint64_t i)
{
	return &r->slots[(r->c_tail + i) & r->mask];
}

/* Consumer: hand n read slots back to the producer. */
static inline void spsc_release(struct spsc_ring *r, uint64_t n)
{
	r->c_tail += n;
	atomic_store_explicit(&r->tail, r->c_tail, memory_order_release);
}

#endif
