/* test_heartbeat.c: the heartbeat message and the liveness check
 * (daemon/heartbeat.c) over a pipeline struct set up by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "heartbeat.h"

struct fixture {
	struct pipeline pl;
	struct umbra_config cfg;
	struct capture_gauge gauges[2];
	struct agg_gauge aggs[2];
	struct spsc_ring rings[4];
	const char *inputs[2];
	uint32_t queues[2];
};

static void setup_pl(struct fixture *f, uint32_t n_live)
{
	memset(f, 0, sizeof *f);
	f->cfg.monitor = "tele\"scope";
	f->pl.cfg = &f->cfg;
	f->pl.n_cap = 2;
	f->pl.n_agg = 2;
	f->pl.n_live = n_live;
	f->pl.gauges = f->gauges;
	f->pl.agg_gauges = f->aggs;
	f->pl.rings = f->rings;
	f->inputs[0] = f->inputs[1] = "afpacket:eth1";
	f->queues[0] = 0;
	f->queues[1] = 1;
	f->pl.cap_input = f->inputs;
	f->pl.cap_queue = f->queues;
	for (int i = 0; i < 4; i++)
		assert_int_equal(spsc_ring_init(&f->rings[i], 1024), 0);
}

static void teardown_pl(struct fixture *f)
{
	for (int i = 0; i < 4; i++)
		spsc_ring_destroy(&f->rings[i]);
}

static void test_format(void **state)
{
	struct fixture f;
	struct heartbeat h;
	char buf[8192];
	struct ft_pkt p = {0};

	(void)state;
	setup_pl(&f, 2);
	assert_int_equal(heartbeat_init(&h, &f.pl, 100.0), 0);
	atomic_store(&f.gauges[0].packets, 1000);
	atomic_store(&f.gauges[1].packets, 3000);
	atomic_store(&f.gauges[1].queue_drops, 20);
	atomic_store(&f.gauges[0].open, 1700000000);
	atomic_store(&f.gauges[1].open, 1700000300);
	/* ring capture 1 -> aggregator 0 holds 256 of 1024 slots */
	for (int i = 0; i < 256; i++)
		spsc_push(&f.rings[1 * 2 + 0], &p);
	spsc_flush(&f.rings[2]);

	int n = heartbeat_format(&h, buf, sizeof buf, 1700000400.5, 102.0);
	assert_true(n > 0);
	assert_int_equal((size_t)n, strlen(buf));
	assert_non_null(strstr(buf, "\"monitor\":\"tele\\\"scope\""));
	assert_non_null(strstr(buf, "\"packets\":4000,\"pps\":2000.0,"));
	assert_non_null(strstr(buf, "\"drops\":{\"backend\":0,\"queue\":20}"));
	assert_non_null(strstr(buf, "\"open_interval\":1700000300,"));
	assert_non_null(strstr(buf, "\"live\":true"));
	assert_non_null(strstr(buf,
	                       "{\"id\":1,\"input\":\"afpacket:eth1\","
	                       "\"queue\":1,\"packets\":3000,\"pps\":1500.0,"
	                       "\"backend_drops\":0,\"queue_drops\":20,"
	                       "\"drops_per_second\":10.0,"));
	assert_non_null(strstr(buf, "{\"id\":0,\"queue_fill\":0.2500}"));
	assert_non_null(strstr(buf, "{\"id\":1,\"queue_fill\":0.0000}"));

	/* rates are since the last heartbeat */
	atomic_store(&f.gauges[0].packets, 1500);
	n = heartbeat_format(&h, buf, sizeof buf, 1700000401.5, 103.0);
	assert_true(n > 0);
	assert_non_null(strstr(buf, "\"packets\":4500,\"pps\":500.0,"));
	assert_non_null(strstr(buf, "\"drops_per_second\":0.0"));

	/* too small a buffer: -ENOSPC, never a cut message */
	assert_int_equal(heartbeat_format(&h, buf, 64, 0, 104.0), -ENOSPC);
	heartbeat_free(&h);
	teardown_pl(&f);
}

static void test_alive(void **state)
{
	struct fixture f;
	struct heartbeat h;
	char who[64] = "";

	(void)state;
	setup_pl(&f, 2);
	assert_int_equal(heartbeat_init(&h, &f.pl, 0.0), 0);
	/* everyone moves */
	for (double t = 1; t < 30; t += 1) {
		atomic_fetch_add(&f.gauges[0].ticks, 1);
		atomic_fetch_add(&f.gauges[1].ticks, 1);
		atomic_fetch_add(&f.aggs[0].beats, 1);
		atomic_fetch_add(&f.aggs[1].beats, 1);
		assert_int_equal(heartbeat_alive(&h, t, 10, who, sizeof who),
		                 1);
	}
	/* capture 1 stops ticking: alive until the stall limit passes */
	for (double t = 30; t <= 45; t += 1) {
		atomic_fetch_add(&f.gauges[0].ticks, 1);
		atomic_fetch_add(&f.aggs[0].beats, 1);
		atomic_fetch_add(&f.aggs[1].beats, 1);
		int ok = heartbeat_alive(&h, t, 10, who, sizeof who);
		assert_int_equal(ok, t <= 39 ? 1 : 0);
	}
	assert_string_equal(who, "capture 1 (afpacket:eth1)");
	/* it moves again: alive */
	atomic_fetch_add(&f.gauges[1].ticks, 1);
	assert_int_equal(heartbeat_alive(&h, 46, 10, who, sizeof who), 1);
	/* an aggregator stops */
	for (double t = 47; t <= 60; t += 1) {
		atomic_fetch_add(&f.gauges[0].ticks, 1);
		atomic_fetch_add(&f.gauges[1].ticks, 1);
		atomic_fetch_add(&f.aggs[1].beats, 1);
		heartbeat_alive(&h, t, 10, who, sizeof who);
	}
	assert_int_equal(heartbeat_alive(&h, 61, 10, who, sizeof who), 0);
	assert_string_equal(who, "aggregator 0");
	heartbeat_free(&h);
	teardown_pl(&f);
}

static void test_file_capture_not_judged(void **state)
{
	struct fixture f;
	struct heartbeat h;
	char who[64];

	(void)state;
	setup_pl(&f, 0); /* file inputs: a capture thread may wait on a pipe */
	assert_int_equal(heartbeat_init(&h, &f.pl, 0.0), 0);
	for (double t = 1; t < 100; t += 1) {
		atomic_fetch_add(&f.aggs[0].beats, 1);
		atomic_fetch_add(&f.aggs[1].beats, 1);
		assert_int_equal(heartbeat_alive(&h, t, 10, who, sizeof who),
		                 1);
	}
	heartbeat_free(&h);
	teardown_pl(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_format),
	    cmocka_unit_test(test_alive),
	    cmocka_unit_test(test_file_capture_not_judged),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
