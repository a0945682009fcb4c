/* test_interval.c: the interval clock (FLOWTUPLE4.md section 4) and output
 * file names (section 5). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "interval.h"
#include "outpath.h"

static void test_floor(void **state)
{
	(void)state;
	assert_int_equal(interval_start(0, 300), 0);
	assert_int_equal(interval_start(299, 300), 0);
	assert_int_equal(interval_start(300, 300), 300);
	assert_int_equal(interval_start(1566389999, 300), 1566389700);
	assert_int_equal(interval_start(-1, 300), -300);
	assert_int_equal(interval_start(-300, 300), -300);
	assert_int_equal(interval_start(-301, 300), -600);
}

static void test_clock(void **state)
{
	(void)state;
	struct interval_clock c;
	int64_t closed = -1;

	interval_clock_init(&c, 300, 86400);
	assert_int_equal(interval_clock_place(&c, 1000, &closed),
	                 INTERVAL_FIRST);
	assert_int_equal(c.open, 900);
	assert_int_equal(interval_clock_place(&c, 1199, &closed), INTERVAL_IN);
	assert_int_equal(interval_clock_place(&c, 899, &closed), INTERVAL_LATE);
	assert_int_equal(c.open, 900);
	assert_int_equal(interval_clock_place(&c, 1200, &closed),
	                 INTERVAL_ADVANCE);
	assert_int_equal(closed, 900);
	assert_int_equal(c.open, 1200);
	/* exactly max_jump ahead: allowed; one interval more: bad time */
	assert_int_equal(interval_clock_place(&c, 1200 + 86400 + 300, &closed),
	                 INTERVAL_BAD);
	assert_int_equal(c.open, 1200);
	assert_int_equal(interval_clock_place(&c, 1200 + 86400, &closed),
	                 INTERVAL_ADVANCE);
	assert_int_equal(closed, 1200);
	assert_int_equal(c.open, 1200 + 86400);
	/* no limit */
	interval_clock_init(&c, 300, 0);
	interval_clock_place(&c, 0, &closed);
	assert_int_equal(interval_clock_place(&c, 4000000000LL, &closed),
	                 INTERVAL_ADVANCE);
}

static void test_outpath_default(void **state)
{
	(void)state;
	char buf[512];
	assert_int_equal(
	    outpath_format(buf, sizeof buf, "/data", "", "tel-1", 1566389700),
	    0);
	assert_string_equal(buf, "/data/datasource=tel-1/year=2019/month=08/"
	                         "day=21/hour=12/tel-1_1566389700.ft4.avro");
	assert_int_equal(
	    outpath_format(buf, sizeof buf, "out", "%N/%Y%m%d/%s", "m", 0), 0);
	assert_string_equal(buf, "out/m/19700101/0");
	assert_int_equal(outpath_format(buf, sizeof buf, "o", "%Q%s", "m", 0),
	                 -EINVAL);
	assert_int_equal(outpath_format(buf, 20, "/data", "", "tel", 0),
	                 -ENAMETOOLONG);
}

static void test_rotation_start(void **state)
{
	(void)state;
	assert_int_equal(outpath_file_start(1566389700, 300, 1), 1566389700);
	/* 12 intervals of 300 s = hourly files aligned on the hour */
	assert_int_equal(outpath_file_start(1566389700, 300, 12), 1566388800);
	assert_int_equal(outpath_file_start(1566388800, 300, 12), 1566388800);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_floor),
	    cmocka_unit_test(test_clock),
	    cmocka_unit_test(test_outpath_default),
	    cmocka_unit_test(test_rotation_start),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
