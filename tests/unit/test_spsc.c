/* test_spsc.c: the capture->aggregator ring between two real threads:
 * every slot arrives once, in order, through wrap-around and a full ring.
 * Run under TSan by `make check` as well. */
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "spsc.h"

#define COUNT 2000000u

static struct spsc_ring ring;

static void *producer(void *arg)
{
	(void)arg;
	for (uint32_t i = 0; i < COUNT; i++) {
		struct ft_pkt p = {0};
		p.src_ip = i;
		p.dst_ip = ~i;
		while (spsc_free_slots(&ring) == 0) {
			spsc_flush(&ring);
			sched_yield();
		}
		spsc_push(&ring, &p);
		if ((i & 31) == 31)
			spsc_flush(&ring);
	}
	spsc_flush(&ring);
	return NULL;
}

static void test_two_threads(void **state)
{
	(void)state;
	pthread_t t;
	uint32_t next = 0;

	assert_int_equal(spsc_ring_init(&ring, 1024), 0);
	assert_int_equal(pthread_create(&t, NULL, producer, NULL), 0);
	while (next < COUNT) {
		uint64_t n = spsc_peek(&ring);
		if (!n) {
			sched_yield();
			continue;
		}
		for (uint64_t i = 0; i < n; i++) {
			const struct ft_pkt *p = spsc_slot(&ring, i);
			if (p->src_ip != next || p->dst_ip != ~next)
				fail_msg("slot %u holds %u", next, p->src_ip);
			next++;
		}
		spsc_release(&ring, n);
	}
	pthread_join(t, NULL);
	assert_int_equal(spsc_peek(&ring), 0);
	spsc_ring_destroy(&ring);
}

static void test_capacity(void **state)
{
	(void)state;
	struct spsc_ring r;
	struct ft_pkt p = {0};
	assert_int_equal(spsc_ring_init(&r, 1000), -EINVAL);
	assert_int_equal(spsc_ring_init(&r, 8), 0);
	for (int i = 0; i < 8; i++) {
		assert_true(spsc_free_slots(&r) > 0);
		spsc_push(&r, &p);
	}
	assert_int_equal(spsc_free_slots(&r), 0);
	assert_int_equal(spsc_peek(&r), 0); /* nothing flushed yet */
	spsc_flush(&r);
	assert_int_equal(spsc_peek(&r), 8);
	spsc_release(&r, 3);
	assert_int_equal(spsc_free_slots(&r), 3);
	spsc_ring_destroy(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_capacity),
	    cmocka_unit_test(test_two_threads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
