/* frame_build.h: building test frames byte by byte, big-endian, for the
 * unit tests of the decoder and the classifier (cmocka asserts). */
#ifndef UMBRA_TEST_FRAME_BUILD_H
#define UMBRA_TEST_FRAME_BUILD_H

#include <stdint.h>

/* A frame under construction. */
struct fb {
	uint8_t b[512];
	uint32_t n;
};

static inline void p8(struct fb *f, unsigned v)
{
	assert_true(f->n < sizeof(f->b));
	f->b[f->n++] = (uint8_t)v;
}

static inline void p16(struct fb *f, unsigned v)
{
	p8(f, v >> 8);
	p8(f, v);
}

static inline void p32(struct fb *f, uint32_t v)
{
	p16(f, v >> 16);
	p16(f, v & 0xffff);
}

#endif
