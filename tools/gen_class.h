/* gen_class.h: umbra-gen's traffic classes (gen_class.c): the frame
 * builder of each class of enum cls (gen_mix.h), in one table indexed by
 * class.
 */
#ifndef UMBRA_GEN_CLASS_H
#define UMBRA_GEN_CLASS_H

#include <stddef.h>
#include <stdint.h>

#include "gen_mix.h"

/* Writes one Ethernet frame of its class at f (room for MAX_FRAME bytes)
 * for the packet of time g->now_us, drawing from g->rng; returns its length
 * before padding to MIN_FRAME. */
typedef size_t (*build_fn)(struct gen *g, uint8_t *f);

extern const build_fn builders[K_COUNT];

#endif
