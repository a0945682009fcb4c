/* test_config.c: unit tests of the configuration loader (lib/config*.c).
 *
 * White-box: this file includes config.c and the other config_*.c files
 * itself, to reach the parser of the bool type, which no key of today's
 * table uses, and to make the loader's own allocations fail one after the
 * other.  Build it without lib/config*.c (or their objects) and with
 * lib/errbuf.c, lib/log.c, -lyaml and -lcmocka.
 *
 * The test of conf/umbra.yaml finds the source tree through UMBRA_SRCDIR
 * (default ".."), and is skipped, saying so, when the file is not there.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

/* Allocation failures: the loader's own allocations go through these, which
 * fail the Nth call from when fail_after is set (-1: never). */
static long fail_after = -1;
static long allocations;

static bool alloc_fails(void)
{
	allocations++;
	return fail_after >= 0 && fail_after-- == 0;
}

static void *t_malloc(size_t n)
{
	return alloc_fails() ? NULL : malloc(n);
}

static void *t_realloc(void *p, size_t n)
{
	return alloc_fails() ? NULL : realloc(p, n);
}

static char *t_strdup(const char *s)
{
	return alloc_fails() ? NULL : strdup(s);
}

static char *t_strndup(const char *s, size_t n)
{
	return alloc_fails() ? NULL : strndup(s, n);
}

#define malloc  t_malloc
#define realloc t_realloc
#define strdup  t_strdup
#define strndup t_strndup
#include "config.c"
#include "config_value.c"
#include "config_yaml.c"
#include "config_print.c"
#undef malloc
#undef realloc
#undef strdup
#undef strndup

/* ---- helpers ----------------------------------------------------------- */

static bool cfg_equal(const struct umbra_config *a,
                      const struct umbra_config *b)
{
	size_t n;
	const struct umbra_cfg_key *k = umbra_config_keys(&n);

	for (size_t i = 0; i < n; i++) {
		const void *fa = (const char *)a + k[i].offset;
		const void *fb = (const char *)b + k[i].offset;
		const struct umbra_strlist *la = fa, *lb = fb;

		switch (k[i].type) {
		case UMBRA_CFG_STRING:
			if (strcmp(*(char *const *)fa, *(char *const *)fb))
				return false;
			break;
		case UMBRA_CFG_UINT:
			if (*(const uint32_t *)fa != *(const uint32_t *)fb)
				return false;
			break;
		case UMBRA_CFG_ENUM:
			if (*(const int *)fa != *(const int *)fb)
				return false;
			break;
		case UMBRA_CFG_BOOL:
			if (*(const bool *)fa != *(const bool *)fb)
				return false;
			break;
		case UMBRA_CFG_STRLIST:
			if (la->n != lb->n)
				return false;
			for (size_t j = 0; j < la->n; j++)
				if (strcmp(la->items[j], lb->items[j]))
					return false;
			break;
		}
	}
	return true;
}

static bool is_defaults(const struct umbra_config *c)
{
	struct umbra_config d;
	bool eq;

	assert_int_equal(umbra_config_defaults(&d), 0);
	eq = cfg_equal(c, &d);
	umbra_config_free(&d);
	return eq;
}

/* Load yaml over the defaults; returns the code, message in *err. */
static int load(struct umbra_config *c, const char *yaml, struct umbra_err *err)
{
	assert_int_equal(umbra_config_defaults(c), 0);
	return umbra_config_load_string(c, yaml, strlen(yaml), "t.yaml", err);
}

/* Loading yaml must fail with exactly msg and leave the defaults alone. */
static void load_fails(const char *yaml, const char *msg)
{
	struct umbra_config c;
	struct umbra_err err = {{0}};

	assert_int_equal(load(&c, yaml, &err), -EINVAL);
	assert_string_equal(err.msg, msg);
	assert_true(is_defaults(&c));
	umbra_config_free(&c);
}

/* The same, for a message whose end comes from another module. */
static void load_fails_prefix(const char *yaml, const char *prefix)
{
	struct umbra_config c;
	struct umbra_err err = {{0}};

	assert_int_equal(load(&c, yaml, &err), -EINVAL);
	if (strncmp(err.msg, prefix, strlen(prefix)) != 0)
		fail_msg("'%s' does not start with '%s'", err.msg, prefix);
	assert_true(is_defaults(&c));
	umbra_config_free(&c);
}

/* umbra_config_set(key, value) must fail with exactly msg, value unchanged. */
static void set_fails(const char *key, const char *value, const char *origin,
                      const char *msg)
{
	struct umbra_config c;
	struct umbra_err err = {{0}};

	assert_int_equal(umbra_config_defaults(&c), 0);
	assert_int_equal(umbra_config_set(&c, key, value, origin, &err),
	                 -EINVAL);
	assert_string_equal(err.msg, msg);
	assert_true(is_defaults(&c));
	umbra_config_free(&c);
}

static void validate_fails(const struct umbra_config *c, const char *msg)
{
	struct umbra_err err = {{0}};

	assert_int_equal(umbra_config_validate(c, &err), -EINVAL);
	assert_string_equal(err.msg, msg);
}

static char *print_to_string(const struct umbra_config *c, size_t *len)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);

	assert_non_null(f);
	umbra_config_print(c, f);
	assert_int_equal(fclose(f), 0);
	if (len)
		*len = n;
	return buf;
}

static void replace(char **field_ptr, const char *value)
{
	free(*field_ptr);
	*field_ptr = strdup(value);
	assert_non_null(*field_ptr);
}

/* ---- the table and the defaults ---------------------------------------- */

static void test_table(void **state)
{
	static const char *const order[] = {
	    "monitor",
	    "inputs",
	    "output_dir",
	    "output_template",
	    "threads",
	    "interval",
	    "rotate_intervals",
	    "dst_prefix_len",
	    "max_time_jump",
	    "codec",
	    "deflate_level",
	    "block_size",
	    "queue_size",
	    "stats_endpoint",
	    "heartbeat_interval",
	    "log_level",
	    "log_target",
	    "log_file",
	    "pidfile",
	    "user",
	    "group",
	    "output_backlog_mb",
	    "output_retry_seconds",
	    "capture_threads",
	    "close_grace",
	    "promiscuous",
	    "bpf_filter",
	    "afpacket_fanout",
	    "afpacket_block_size",
	    "afpacket_ring_size",
	    "dpdk_eal_args",
	    "dpdk_rx_desc",
	    "dpdk_mbufs",
	    "capture_cpus",
	    "aggregator_cpus",
	    "maxmind_db",
	    "netacq_db",
	    "pfx2as_file",
	    "drop_classes",
	    "keep_classes",
	    "drop_filter",
	    "keep_filter",
	    "drop_sources",
	    "keep_sources",
	};
	size_t n;
	const struct umbra_cfg_key *k = umbra_config_keys(&n);

	(void)state;
	assert_int_equal(n, sizeof order / sizeof order[0]);
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(k[i].name, order[i]);
		assert_ptr_equal(umbra_config_key(order[i]), &k[i]);
		assert_non_null(k[i].help);
		assert_non_null(k[i].def);
		if (k[i].type == UMBRA_CFG_ENUM)
			assert_non_null(k[i].names);
		if (k[i].type == UMBRA_CFG_UINT)
			assert_true(k[i].min <= k[i].max);
	}
	assert_null(umbra_config_key("nope"));
	assert_null(umbra_config_key(NULL));
	assert_string_equal(umbra_config_key("monitor")->flag, "--monitor");
	assert_string_equal(umbra_config_key("inputs")->flag, "--input");
	assert_string_equal(umbra_config_key("output_dir")->flag,
	                    "--output-dir");
	assert_string_equal(umbra_config_key("threads")->flag, "--threads");
	assert_string_equal(umbra_config_key("interval")->flag, "--interval");
	assert_string_equal(umbra_config_key("log_level")->flag, "--log-level");
	assert_null(umbra_config_key("codec")->flag);

	/* enum orders match the enums of the modules that use them */
	k = umbra_config_key("codec");
	assert_string_equal(k->names[AVRO_CODEC_NULL], "null");
	assert_string_equal(k->names[AVRO_CODEC_DEFLATE], "deflate");
	assert_string_equal(k->names[AVRO_CODEC_SNAPPY], "snappy");
	assert_null(k->names[AVRO_CODEC_SNAPPY + 1]);
	k = umbra_config_key("log_level");
	for (int i = 0; k->names[i]; i++) {
		enum umbra_log_level lv;
		assert_int_equal(umbra_log_level_parse(k->names[i], &lv), 0);
		assert_int_equal(lv, i);
	}
	assert_null(k->names[UMBRA_LOG_DEBUG + 1]);
}

static void test_defaults(void **state)
{
	struct umbra_config c;
	struct umbra_err err;

	(void)state;
	assert_int_equal(umbra_config_defaults(&c), 0);
	assert_string_equal(c.monitor, "umbra");
	assert_int_equal(c.inputs.n, 0);
	assert_string_equal(c.output_dir, "/var/lib/umbra");
	assert_string_equal(c.output_template, "");
	assert_int_equal(c.threads, 0);
	assert_int_equal(c.interval, 300);
	assert_int_equal(c.rotate_intervals, 1);
	assert_int_equal(c.dst_prefix_len, 16);
	assert_int_equal(c.max_time_jump, 86400);
	assert_int_equal(c.codec, AVRO_CODEC_DEFLATE);
	assert_int_equal(c.deflate_level, 3);
	assert_int_equal(c.block_size, 65536);
	assert_int_equal(c.queue_size, 65536);
	assert_string_equal(c.stats_endpoint, "tcp://127.0.0.1:5557");
	assert_int_equal(c.log_level, UMBRA_LOG_INFO);
	assert_int_equal(umbra_config_validate(&c, &err), 0);
	umbra_config_free(&c);
	umbra_config_free(&c); /* a second free is harmless */
	umbra_config_free(NULL);
}

/* ---- loading good files ------------------------------------------------ */

static void test_empty_documents(void **state)
{
	static const char *const docs[] = {
	    "",      "\n\n",           "# only\n# comments\n",
	    "---\n", "---\n...\n",     "--- # nothing\n",
	    "{}",    "---\n{}\n...\n",
	};
	struct umbra_config c;
	struct umbra_err err;

	(void)state;
	for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
		assert_int_equal(load(&c, docs[i], &err), 0);
		assert_true(is_defaults(&c));
		umbra_config_free(&c);
	}
	assert_int_equal(umbra_config_defaults(&c), 0);
	assert_int_equal(umbra_config_load_string(&c, NULL, 0, NULL, &err), 0);
	assert_true(is_defaults(&c));
	umbra_config_free(&c);
}

static void test_every_key(void **state)
{
	static const char yaml[] = "monitor: ucsd-nt.2\n"
	                           "inputs:\n"
	                           "  - pcapfile:a.pcap\n"
	                           "  - 'b.pcap.gz'\n"
	                           "  - \"erf:c.erf\"\n"
	                           "output_dir: /srv/ft4\n"
	                           "output_template: \"%N/%Y/%m/%N_%s.avro\"\n"
	                           "threads: 8\n"
	                           "interval: 60\n"
	                           "rotate_intervals: 24\n"
	                           "dst_prefix_len: 24\n"
	                           "max_time_jump: 0\n"
	                           "codec: snappy\n"
	                           "deflate_level: 12\n"
	                           "block_size: 4096\n"
	                           "queue_size: 16777216\n"
	                           "stats_endpoint: tcp://127.0.0.1:5556\n"
	                           "log_level: debug\n";
	struct umbra_config c;
	struct umbra_err err;

	(void)state;
	assert_int_equal(load(&c, yaml, &err), 0);
	assert_string_equal(c.monitor, "ucsd-nt.2");
	assert_int_equal(c.inputs.n, 3);
	assert_string_equal(c.inputs.items[0], "pcapfile:a.pcap");
	assert_string_equal(c.inputs.items[1], "b.pcap.gz");
	assert_string_equal(c.inputs.items[2], "erf:c.erf");
	assert_string_equal(c.output_dir, "/srv/ft4");
	assert_string_equal(c.output_template, "%N/%Y/%m/%N_%s.avro");
	assert_int_equal(c.threads, 8);
	assert_int_equal(c.interval, 60);
	assert_int_equal(c.rotate_intervals, 24);
	assert_int_equal(c.dst_prefix_len, 24);
	assert_int_equal(c.max_time_jump, 0);
	assert_int_equal(c.codec, AVRO_CODEC_SNAPPY);
	assert_int_equal(c.deflate_level, 12);
	assert_int_equal(c.block_size, 4096);
	assert_int_equal(c.queue_size, 16777216);
	assert_string_equal(c.stats_endpoint, "tcp://127.0.0.1:5556");
	assert_int_equal(c.log_level, UMBRA_LOG_DEBUG);
	assert_int_equal(umbra_config_validate(&c, &err), 0);
	umbra_config_free(&c);
}

static void test_types(void **state)
{
	struct umbra_config c;
	struct umbra_err err;

	(void)state;
	/* strings are text whatever YAML would guess */
	assert_int_equal(load(&c,
	                      "monitor: 123\noutput_dir: 'null'\n"
	                      "output_template: \"%s\"\n",
	                      &err),
	                 0);
	assert_string_equal(c.monitor, "123");
	assert_string_equal(c.output_dir, "null");
	assert_string_equal(c.output_template, "%s");
	umbra_config_free(&c);
	/* an empty value is the empty string */
	assert_int_equal(
	    load(&c, "stats_endpoint:\noutput_template: ''\n", &err), 0);
	assert_string_equal(c.stats_endpoint, "");
	assert_string_equal(c.output_template, "");
	umbra_config_free(&c);
	/* integers: bounds inclusive, quoted digits accepted */
	assert_int_equal(load(&c,
	                      "threads: 256\ninterval: '86400'\n"
	                      "dst_prefix_len: 0\nmax_time_jump: 31536000\n"
	                      "rotate_intervals: 8760\nblock_size: 16777216"
	                      "\nqueue_size: 1024\n",
	                      &err),
	                 0);
	assert_int_equal(c.threads, 256);
	assert_int_equal(c.interval, 86400);
	assert_int_equal(c.dst_prefix_len, 0);
	assert_int_equal(c.max_time_jump, 31536000);
	assert_int_equal(c.rotate_intervals, 8760);
	assert_int_equal(c.block_size, 16777216);
	assert_int_equal(c.queue_size, 1024);
	umbra_config_free(&c);
	/* enums */
	assert_int_equal(load(&c, "codec: null\nlog_level: error\n", &err), 0);
	assert_int_equal(c.codec, AVRO_CODEC_NULL);
	assert_int_equal(c.log_level, UMBRA_LOG_ERROR);
	umbra_config_free(&c);
	assert_int_equal(load(&c, "codec: deflate\nlog_level: warn\n", &err),
	                 0);
	assert_int_equal(c.codec, AVRO_CODEC_DEFLATE);
	assert_int_equal(c.log_level, UMBRA_LOG_WARN);
	umbra_config_free(&c);
	/* tags and anchors are ignored */
	assert_int_equal(load(&c, "threads: !!str 3\nmonitor: &m x\n", &err),
	                 0);
	assert_int_equal(c.threads, 3);
	assert_string_equal(c.monitor, "x");
	umbra_config_free(&c);
	/* flow style, CRLF line ends, UTF-8 */
	assert_int_equal(load(&c,
	                      "{threads: 2,\r\n output_dir: /d/\xc3\xa9t\xc3"
	                      "\xa9}\r\n",
	                      &err),
	                 0);
	assert_int_equal(c.threads, 2);
	assert_string_equal(c.output_dir, "/d/\xc3\xa9t\xc3\xa9");
	umbra_config_free(&c);
}

static void test_bool(void **state)
{
	static const char *const yes[] = {"true", "yes", "on", "TRUE", "Yes"};
	static const char *const no[] = {"false", "no", "off", "FALSE", "Off"};
	/* No key of the table is a bool: a row of our own, with an offset
	 * that has no rule of its own. */
	const struct umbra_cfg_key k = {
	    .name = "flag",
	    .type = UMBRA_CFG_BOOL,
	    .offset = offsetof(struct umbra_config, log_level),
	    .def = "false",
	};
	char why[WHY_MAX];
	union cfg_val v;

	(void)state;
	for (size_t i = 0; i < 5; i++) {
		assert_int_equal(cfg_parse_value(&k, yes[i], strlen(yes[i]), &v,
		                                 why, sizeof why),
		                 0);
		assert_true(v.b);
		assert_int_equal(cfg_parse_value(&k, no[i], strlen(no[i]), &v,
		                                 why, sizeof why),
		                 0);
		assert_false(v.b);
	}
	assert_int_equal(cfg_parse_value(&k, "1", 1, &v, why, sizeof why),
	                 -EINVAL);
	assert_string_equal(why, "expected true, false, yes, no, on or off, "
	                         "got '1'");
	assert_int_equal(cfg_parse_value(&k, "y", 1, &v, why, sizeof why),
	                 -EINVAL);
}

static void test_inputs(void **state)
{
	struct umbra_config c;
	struct umbra_err err;

	(void)state;
	assert_int_equal(load(&c, "inputs: x.pcap\n", &err), 0);
	assert_int_equal(c.inputs.n, 1);
	assert_string_equal(c.inputs.items[0], "x.pcap");
	umbra_config_free(&c);
	assert_int_equal(load(&c, "inputs: []\n", &err), 0);
	assert_int_equal(c.inputs.n, 0);
	umbra_config_free(&c);
	assert_int_equal(load(&c, "inputs:\n", &err), 0);
	assert_int_equal(c.inputs.n, 0);
	umbra_config_free(&c);
	assert_int_equal(load(&c, "inputs: [a, b]\n", &err), 0);
	assert_int_equal(c.inputs.n, 2);
	/* a file's list replaces the one already there */
	assert_int_equal(
	    umbra_config_load_string(&c, "inputs: [c]", 11, "u", &err), 0);
	assert_int_equal(c.inputs.n, 1);
	assert_string_equal(c.inputs.items[0], "c");
	assert_int_equal(
	    umbra_config_load_string(&c, "inputs: []", 10, "u", &err), 0);
	assert_int_equal(c.inputs.n, 0);
	umbra_config_free(&c);
}

static void test_load_over(void **state)
{
	struct umbra_config c;
	struct umbra_err err;

	(void)state;
	assert_int_equal(load(&c, "monitor: first\nthreads: 3\n", &err), 0);
	assert_int_equal(
	    umbra_config_load_string(&c, "threads: 5\n", 11, "second", &err),
	    0);
	assert_string_equal(c.monitor, "first");
	assert_int_equal(c.threads, 5);
	/* a failed load leaves every value as it was */
	assert_int_equal(umbra_config_load_string(&c, "monitor: b\nx: 1\n", 16,
	                                          "third", &err),
	                 -EINVAL);
	assert_string_equal(err.msg, "third:2:1: unknown key 'x' (known keys: "
	                             "monitor, inputs, output_dir, "
	                             "output_template, threads, interval, "
	                             "rotate_intervals, dst_prefix_len, "
	                             "max_time_jump, codec, deflate_level, "
	                             "block_size, queue_size, stats_endpoint, "
	                             "heartbeat_interval, log_level, "
	                             "log_target, log_file, pidfile, user, "
	                             "group, output_backlog_mb, "
	                             "output_retry_seconds, capture_threads, "
	                             "close_grace, promiscuous, bpf_filter, "
	                             "afpacket_fanout, afpacket_block_size, "
	                             "afpacket_ring_size, dpdk_eal_args, "
	                             "dpdk_rx_desc, dpdk_mbufs, capture_cpus, "
	                             "aggregator_cpus, maxmind_db, netacq_db, "
	                             "pfx2as_file, drop_classes, keep_classes, "
	                             "drop_filter, keep_filter, drop_sources, "
	                             "keep_sources)");
	assert_string_equal(c.monitor, "first");
	assert_int_equal(c.threads, 5);
	umbra_config_free(&c);
}

/* ---- loading bad files: the exact message and position ---------------- */

static void test_unknown_and_duplicate(void **state)
{
	(void)state;
	load_fails(
	    "threads: 1\nthread: 3\n",
	    "t.yaml:2:1: unknown key 'thread' (did you mean 'threads'?)");
	load_fails("output-dir: /x\n", "t.yaml:1:1: unknown key 'output-dir' "
	                               "(did you mean 'output_dir'?)");
	load_fails("Codec: null\n",
	           "t.yaml:1:1: unknown key 'Codec' (did you mean 'codec'?)");
	load_fails("  stats_endpont: ''\n", "t.yaml:1:3: unknown key "
	                                    "'stats_endpont' (did you mean "
	                                    "'stats_endpoint'?)");
	load_fails("foo: 1\n", "t.yaml:1:1: unknown key 'foo' (known keys: "
	                       "monitor, inputs, output_dir, output_template, "
	                       "threads, interval, rotate_intervals, "
	                       "dst_prefix_len, max_time_jump, codec, "
	                       "deflate_level, block_size, queue_size, "
	                       "stats_endpoint, heartbeat_interval, "
	                       "log_level, log_target, log_file, pidfile, "
	                       "user, group, output_backlog_mb, "
	                       "output_retry_seconds, capture_threads, "
	                       "close_grace, promiscuous, bpf_filter, "
	                       "afpacket_fanout, afpacket_block_size, "
	                       "afpacket_ring_size, dpdk_eal_args, "
	                       "dpdk_rx_desc, dpdk_mbufs, capture_cpus, "
	                       "aggregator_cpus, maxmind_db, netacq_db, "
	                       "pfx2as_file, drop_classes, keep_classes, "
	                       "drop_filter, keep_filter, drop_sources, "
	                       "keep_sources)");
	load_fails("threads: 3\nmonitor: x\nthreads: 4\n",
	           "t.yaml:3:1: duplicate key 'threads' (first set at line 1)");
	load_fails("{inputs: a, inputs: b}",
	           "t.yaml:1:13: duplicate key 'inputs' (first set at line 1)");
	load_fails("? [a]\n: 1\n", "t.yaml:1:3: expected a key name, got a "
	                           "sequence");
	load_fails("\"thr\\0eads\": 1\n", "t.yaml:1:1: unknown key 'thr?eads' "
	                                  "(did you mean 'threads'?)");
}

static void test_wrong_types(void **state)
{
	(void)state;
	load_fails("threads: 300\n", "t.yaml:1:10: key 'threads': expected an "
	                             "integer 0..256, got '300'");
	load_fails("threads: abc\n", "t.yaml:1:10: key 'threads': expected an "
	                             "integer 0..256, got 'abc'");
	load_fails("threads: -1\n", "t.yaml:1:10: key 'threads': expected an "
	                            "integer 0..256, got '-1'");
	load_fails("threads: +1\n", "t.yaml:1:10: key 'threads': expected an "
	                            "integer 0..256, got '+1'");
	load_fails("threads: 1.5\n", "t.yaml:1:10: key 'threads': expected an "
	                             "integer 0..256, got '1.5'");
	load_fails("threads: 0x10\n", "t.yaml:1:10: key 'threads': expected "
	                              "an integer 0..256, got '0x10'");
	load_fails("threads: 010\n", "t.yaml:1:10: key 'threads': expected an "
	                             "integer 0..256, got '010'");
	load_fails("threads: 1e2\n", "t.yaml:1:10: key 'threads': expected an "
	                             "integer 0..256, got '1e2'");
	load_fails("threads: \" 5\"\n", "t.yaml:1:10: key 'threads': expected "
	                                "an integer 0..256, got ' 5'");
	load_fails("threads:\n", "t.yaml:1:9: key 'threads': expected an "
	                         "integer 0..256, got ''");
	load_fails("threads: ~\n", "t.yaml:1:10: key 'threads': expected an "
	                           "integer 0..256, got '~'");
	load_fails("interval: 0\n", "t.yaml:1:11: key 'interval': expected an "
	                            "integer 1..86400, got '0'");
	load_fails("max_time_jump: 99999999999999999999\n",
	           "t.yaml:1:16: key 'max_time_jump': expected an integer "
	           "0..31536000, got '99999999999999999999'");
	load_fails("threads: {a: 1}\n", "t.yaml:1:10: key 'threads': expected "
	                                "an integer 0..256, got a mapping");
	load_fails("threads:\n  - 1\n", "t.yaml:2:3: key 'threads': expected "
	                                "an integer 0..256, got a sequence");
	load_fails("monitor: [a]\n", "t.yaml:1:10: key 'monitor': expected a "
	                             "string, got a sequence");
	load_fails("codec: lz4\n", "t.yaml:1:8: key 'codec': expected one of "
	                           "null, deflate, snappy, got 'lz4'");
	load_fails("codec: Deflate\n", "t.yaml:1:8: key 'codec': expected one "
	                               "of null, deflate, snappy, got "
	                               "'Deflate'");
	load_fails("log_level: verbose\n",
	           "t.yaml:1:12: key 'log_level': expected one of error, warn, "
	           "info, debug, got 'verbose'");
	load_fails("inputs: {a: 1}\n", "t.yaml:1:9: key 'inputs': expected a "
	                               "string or a sequence of strings, got "
	                               "a mapping");
	load_fails("inputs:\n  - a\n  - [b]\n", "t.yaml:3:5: key 'inputs': "
	                                        "expected a string, got a "
	                                        "sequence");
	load_fails("inputs: [a, '']\n", "t.yaml:1:13: key 'inputs': expected "
	                                "a non-empty string, got ''");
	load_fails("monitor: \"a\\0b\"\n", "t.yaml:1:10: key 'monitor': "
	                                   "expected a string, got a value "
	                                   "with a NUL byte");
	load_fails("monitor: &a x\noutput_dir: *a\n",
	           "t.yaml:2:13: key 'output_dir': expected a string, got an "
	           "alias (aliases are not supported)");
	load_fails(
	    "output_dir:\n",
	    "t.yaml:1:12: key 'output_dir': expected a directory, got ''");
	/* columns count characters, as libyaml does */
	load_fails("{output_dir: \xc3\xa9, threads: x}",
	           "t.yaml:1:26: key 'threads': expected an integer 0..256, "
	           "got 'x'");
	load_fails("threads: 1\r\nmonitor: x y\r\n",
	           "t.yaml:2:10: key 'monitor': expected a name of "
	           "[A-Za-z0-9][A-Za-z0-9._-]*, at most 64 characters, got 'x "
	           "y'");
	/* long values are cut in the message */
	load_fails(
	    "monitor: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaa\n",
	    "t.yaml:1:10: key 'monitor': expected a name of "
	    "[A-Za-z0-9][A-Za-z0-9._-]*, at most 64 characters, got "
	    "'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaa...'");
}

static void test_structure(void **state)
{
	(void)state;
	load_fails("- a\n", "t.yaml:1:1: expected a mapping of configuration "
	                    "keys, got a sequence");
	load_fails("just text\n", "t.yaml:1:1: expected a mapping of "
	                          "configuration keys, got 'just text'");
	load_fails("threads: 1\n---\nthreads: 2\n",
	           "t.yaml:2:1: only one YAML document is allowed");
}

static void test_syntax_errors(void **state)
{
	(void)state;
	load_fails(
	    "threads: 1\nmonitor: x: y\n",
	    "t.yaml:2:11: mapping values are not allowed in this context");
	load_fails("monitor: \"abc\n", "t.yaml:2:1: found unexpected end of "
	                               "stream (while scanning a quoted scalar "
	                               "at 1:10)");
	load_fails("\tthreads: 1\n", "t.yaml:1:1: found character that cannot "
	                             "start any token (while scanning for the "
	                             "next token at 1:1)");
	load_fails("threads: 1\nmonitor: a\x01"
	           "b\n",
	           "t.yaml:2:11: control characters are not allowed (0x1)");
	load_fails("monitor: \xff\n",
	           "t.yaml:1:10: invalid leading UTF-8 octet (0xFF)");
	load_fails("inputs: [a, b\n", "t.yaml:2:1: did not find expected ',' "
	                              "or ']' (while parsing a flow sequence "
	                              "at 1:9)");
	load_fails("monitor: \xc3",
	           "t.yaml:1:10: incomplete UTF-8 octet sequence");
	/* errors after the mapping */
	load_fails("{threads: 1} x\n", "t.yaml:1:14: did not find expected "
	                               "<document start>");
	load_fails("threads: 1\n]\n", "t.yaml:2:1: did not find expected key "
	                              "(while parsing a block mapping at "
	                              "1:1)");
}

static void test_rules_in_files(void **state)
{
	(void)state;
	load_fails("queue_size: 3000\n", "t.yaml:1:13: key 'queue_size': "
	                                 "expected a power of two "
	                                 "1024..16777216, got '3000'");
	load_fails("stats_endpoint: 'tcp://*:5556'\n",
	           "t.yaml:1:17: key 'stats_endpoint': expected an explicit "
	           "address such as tcp://127.0.0.1:PORT, got 'tcp://*:5556': "
	           "binding every interface is not allowed by default");
	load_fails(
	    "stats_endpoint: udp://x\n",
	    "t.yaml:1:17: key 'stats_endpoint': expected "
	    "tcp://ADDRESS:PORT, ipc://PATH, inproc://NAME or \"\" (off), "
	    "got 'udp://x'");
	load_fails("output_template: /a/%s\n",
	           "t.yaml:1:18: key 'output_template': expected a path "
	           "relative to output_dir, got '/a/%s'");
	load_fails("output_template: a/../%s\n",
	           "t.yaml:1:18: key 'output_template': expected a path "
	           "without '..', got 'a/../%s'");
	load_fails("output_template: a/%N.avro\n",
	           "t.yaml:1:18: key 'output_template': expected a template "
	           "with %s (the interval start): without it two intervals "
	           "would write the same file, got 'a/%N.avro'");
	load_fails("output_template: a/%%s.avro\n",
	           "t.yaml:1:18: key 'output_template': expected a template "
	           "with %s (the interval start): without it two intervals "
	           "would write the same file, got 'a/%%s.avro'");
	load_fails_prefix("output_template: a/%D/%s\n",
	                  "t.yaml:1:18: key 'output_template': unknown field "
	                  "'%D' in 'a/%D/%s' (allowed: %% ");
	load_fails("output_template: a/%s/\n",
	           "t.yaml:1:18: key 'output_template': expected a file name "
	           "after the last '/', got 'a/%s/'");
	load_fails("output_template: a/%s%\n",
	           "t.yaml:1:18: key 'output_template': expected a field after "
	           "the last '%' (write %% for a '%'), got 'a/%s%'");
}

/* Every field the message offers loads; the writer's default layout is a
 * valid template; a template too long for the writer is refused. */
static void test_templates(void **state)
{
	struct umbra_config c;
	struct umbra_err err;
	char tmpl[2100], *allowed;

	(void)state;
	assert_int_equal(umbra_config_defaults(&c), 0);
	assert_int_equal(
	    umbra_config_set(&c, "output_template", "%q%s", NULL, &err),
	    -EINVAL);
	allowed = strstr(err.msg, "(allowed: ");
	assert_non_null(allowed);
	for (const char *f = "%Y%m%d%H%N%s"; *f; f += 2) {
		char want[4] = {' ', f[0], f[1], '\0'};
		assert_non_null(strstr(allowed, want));
	}
	for (char *p = strchr(allowed, '%'); p; p = strchr(p + 2, '%')) {
		snprintf(tmpl, sizeof tmpl, "x%c%c%%s", p[0], p[1]);
		if (umbra_config_set(&c, "output_template", tmpl, NULL, &err))
			fail_msg("%s", err.msg);
	}
	assert_int_equal(umbra_config_set(&c, "output_template",
	                                  OUTPATH_DEFAULT_TEMPLATE, NULL, &err),
	                 0);
	assert_int_equal(umbra_config_validate(&c, &err), 0);

	memset(tmpl, 'x', sizeof tmpl - 3);
	memcpy(tmpl + sizeof tmpl - 3, "%s", 3);
	assert_int_equal(
	    umbra_config_set(&c, "output_template", tmpl, NULL, &err), -EINVAL);
	assert_string_equal(err.msg, "output_template: expected a template of "
	                             "which the writer can make a path (with a "
	                             "64-character monitor), got 2099 bytes");
	umbra_config_free(&c);
}

/* ---- files ------------------------------------------------------------- */

static void test_load_file(void **state)
{
	char path[] = "/tmp/test_config.XXXXXX";
	struct umbra_config c;
	struct umbra_err err;
	FILE *f;
	int fd;

	(void)state;
	assert_int_equal(umbra_config_defaults(&c), 0);
	assert_int_equal(
	    umbra_config_load_file(&c, "/nonexistent/u.yaml", &err), -ENOENT);
	assert_string_equal(err.msg, "/nonexistent/u.yaml: cannot open: No "
	                             "such file or directory");
	assert_int_equal(umbra_config_load_file(&c, "/", &err), -EISDIR);
	assert_string_equal(err.msg, "/: cannot read: Is a directory");

	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs("threads: 7\ninterval: x\n", f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(umbra_config_load_file(&c, path, &err), -EINVAL);
	assert_true(strncmp(err.msg, path, strlen(path)) == 0);
	assert_string_equal(err.msg + strlen(path),
	                    ":2:11: key 'interval': expected an integer "
	                    "1..86400, got 'x'");
	assert_true(is_defaults(&c));

	f = fopen(path, "w");
	assert_non_null(f);
	for (size_t i = 0; i < FILE_MAX; i += 8)
		fputs("#######\n", f);
	fputs("threads: 7\n", f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(umbra_config_load_file(&c, path, &err), -EFBIG);

	f = fopen(path, "w");
	assert_non_null(f);
	fputs("threads: 7\n", f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(umbra_config_load_file(&c, path, &err), 0);
	assert_int_equal(c.threads, 7);
	unlink(path);
	umbra_config_free(&c);
}

/* ---- flags ------------------------------------------------------------- */

static void test_set(void **state)
{
	struct umbra_config c;
	struct umbra_err err;

	(void)state;
	assert_int_equal(umbra_config_defaults(&c), 0);
	assert_int_equal(
	    umbra_config_set(&c, "threads", "8", "--threads", &err), 0);
	assert_int_equal(c.threads, 8);
	assert_int_equal(umbra_config_set(&c, "monitor", "nt-1", "-n", &err),
	                 0);
	assert_string_equal(c.monitor, "nt-1");
	assert_int_equal(umbra_config_set(&c, "codec", "null", NULL, &err), 0);
	assert_int_equal(c.codec, AVRO_CODEC_NULL);
	assert_int_equal(
	    umbra_config_set(&c, "log_level", "debug", "--log-level", &err), 0);
	assert_int_equal(c.log_level, UMBRA_LOG_DEBUG);
	assert_int_equal(umbra_config_set(&c, "stats_endpoint", "", NULL, &err),
	                 0);
	assert_string_equal(c.stats_endpoint, "");

	/* lists: flags append; clear_list first to replace */
	assert_int_equal(
	    umbra_config_load_string(&c, "inputs: [f.pcap]", 16, "f", &err), 0);
	assert_int_equal(
	    umbra_config_set(&c, "inputs", "a.pcap", "--input", &err), 0);
	assert_int_equal(
	    umbra_config_set(&c, "inputs", "b.pcap", "--input", &err), 0);
	assert_int_equal(c.inputs.n, 3);
	assert_string_equal(c.inputs.items[2], "b.pcap");
	umbra_config_clear_list(&c, "inputs");
	assert_int_equal(c.inputs.n, 0);
	assert_int_equal(
	    umbra_config_set(&c, "inputs", "c.pcap", "--input", &err), 0);
	assert_int_equal(c.inputs.n, 1);
	umbra_config_clear_list(&c, "threads"); /* not a list: nothing */
	umbra_config_clear_list(&c, "nope");
	assert_int_equal(umbra_config_validate(&c, &err), 0);
	umbra_config_free(&c);
}

static void test_set_errors(void **state)
{
	(void)state;
	set_fails("threads", "x", "--threads",
	          "--threads: expected an integer 0..256, got 'x'");
	set_fails("threads", "257", "-T",
	          "-T: expected an integer 0..256, got '257'");
	set_fails("threads", "", "--threads",
	          "--threads: expected an integer 0..256, got ''");
	set_fails("interval", "5 ", NULL,
	          "interval: expected an integer 1..86400, got '5 '");
	set_fails("monitor", "a/b", "--monitor",
	          "--monitor: expected a name of [A-Za-z0-9][A-Za-z0-9._-]*, "
	          "at most 64 characters, got 'a/b'");
	set_fails("inputs", "", "--input",
	          "--input: expected a non-empty string, got ''");
	set_fails("codec", "zstd", NULL,
	          "codec: expected one of null, deflate, snappy, got 'zstd'");
	set_fails("log_level", "trace", "--log-level",
	          "--log-level: expected one of error, warn, info, debug, got "
	          "'trace'");
	set_fails(
	    "output_dir", "/a\xff", "--output-dir",
	    "--output-dir: expected a string, got invalid UTF-8 '/a\xff'");
	set_fails("output_dir", "/a\xed\xa0\x80", "--output-dir",
	          "--output-dir: expected a string, got invalid UTF-8 "
	          "'/a\xed\xa0\x80'");
	set_fails(
	    "output_dir", "/a\xc3", "--output-dir",
	    "--output-dir: expected a string, got invalid UTF-8 '/a\xc3'");
	set_fails("output_dir", "\xe2\x28\xa1", "--output-dir",
	          "--output-dir: expected a string, got invalid UTF-8 "
	          "'\xe2(\xa1'");
	set_fails("output_dir", "\xc0\xaf", "--output-dir",
	          "--output-dir: expected a string, got invalid UTF-8 "
	          "'\xc0\xaf'");
	set_fails("queue_size", "65535", "queue_size",
	          "queue_size: expected a power of two 1024..16777216, got "
	          "'65535'");
	set_fails("nope", "1", "--nope", "--nope: unknown key 'nope'");
	set_fails("threads", NULL, "--threads", "--threads: missing value");
}

/* ---- validation -------------------------------------------------------- */

static void test_messages(void **state)
{
	char why[WHY_MAX], text[200], *out = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	/* a long value is cut on a character boundary */
	text[0] = 'x';
	for (size_t i = 1; i < 91; i += 2)
		memcpy(text + i, "\xc3\xa9", 2);
	text[91] = '\0';
	assert_int_equal(check_template(text, why, sizeof why), -EINVAL);
	assert_non_null(strstr(why, "got 'x\xc3\xa9"));
	assert_non_null(strstr(why, "\xc3\xa9...'")); /* 63 bytes, not 64 */
	assert_int_equal(strstr(why, "...'") - strstr(why, "got '") - 5, 63);
	/* a word longer than a comment line is not cut */
	memset(text, 'w', 100);
	strcpy(text + 100, " end");
	f = open_memstream(&out, &len);
	assert_non_null(f);
	print_comment(f, text);
	print_string(f, "bad\xff");
	fclose(f);
	assert_int_equal(len, 2 + 100 + 1 + 6 + 9);
	assert_memory_equal(out + 103, "# end\n\"bad\\xFF\"", 15);
	free(out);
}

static void test_monitor_name(void **state)
{
	char name[MONITOR_MAX + 2];

	(void)state;
	assert_true(umbra_monitor_name_ok("umbra"));
	assert_true(umbra_monitor_name_ok("0"));
	assert_true(umbra_monitor_name_ok("ucsd-nt.v2_b"));
	assert_false(umbra_monitor_name_ok(""));
	assert_false(umbra_monitor_name_ok(NULL));
	assert_false(umbra_monitor_name_ok("-a"));
	assert_false(umbra_monitor_name_ok(".a"));
	assert_false(umbra_monitor_name_ok("_a"));
	assert_false(umbra_monitor_name_ok("a b"));
	assert_false(umbra_monitor_name_ok("a/b"));
	assert_false(umbra_monitor_name_ok("a%b"));
	assert_false(umbra_monitor_name_ok("\xc3\xa9"));
	memset(name, 'a', MONITOR_MAX);
	name[MONITOR_MAX] = '\0';
	assert_true(umbra_monitor_name_ok(name));
	name[MONITOR_MAX] = 'a';
	name[MONITOR_MAX + 1] = '\0';
	assert_false(umbra_monitor_name_ok(name));
}

static void test_endpoints(void **state)
{
	/* a host name longer than any numeric address */
	static const char long_host[] = "tcp://a-host-name-longer-than-sixty-"
	                                "four-characters.example.org.invalid:1";
	static const char *const good[] = {
	    "",
	    "tcp://127.0.0.1:5556",
	    "tcp://[::1]:5556",
	    "tcp://eth0:5556",
	    "tcp://localhost:5556",
	    "tcp://192.0.2.1:1",
	    "ipc:///tmp/x.sock",
	    "ipc://@abstract",
	    "inproc://stats",
	    long_host,
	};
	static const char *const any[] = {
	    "tcp://*:5556",  "tcp://*",         "tcp://0.0.0.0:1",
	    "tcp://0.0.0.0", "tcp://[::]:5556", "tcp://:::5556",
	    "tcp://0:5556",  "tcp://[*]:5556",  "tcp://[0:0::0]:1",
	};
	static const char *const bad[] = {
	    "udp://x",         "tcp://", "ipc://", "inproc://",
	    "TCP://1.2.3.4:5", "tcp:/x", "x",
	};
	struct umbra_config c;
	struct umbra_err err;
	char want[UMBRA_ERR_MAX];

	(void)state;
	assert_int_equal(umbra_config_defaults(&c), 0);
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		assert_int_equal(
		    umbra_config_set(&c, "stats_endpoint", good[i], NULL, &err),
		    0);
		assert_int_equal(umbra_config_validate(&c, &err), 0);
	}
	umbra_config_free(&c);
	for (size_t i = 0; i < sizeof any / sizeof any[0]; i++) {
		snprintf(want, sizeof want,
		         "stats_endpoint: expected an explicit address such as "
		         "tcp://127.0.0.1:PORT, got '%s': binding every "
		         "interface is not allowed by default",
		         any[i]);
		set_fails("stats_endpoint", any[i], NULL, want);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(want, sizeof want,
		         "stats_endpoint: expected tcp://ADDRESS:PORT, "
		         "ipc://PATH, inproc://NAME or \"\" (off), got '%s'",
		         bad[i]);
		set_fails("stats_endpoint", bad[i], NULL, want);
	}
}

static void test_validate(void **state)
{
	struct umbra_config c;
	struct umbra_err err;

	(void)state;
	assert_int_equal(umbra_config_defaults(&c), 0);

	c.queue_size = 3000;
	validate_fails(&c, "key 'queue_size': expected a power of two "
	                   "1024..16777216, got '3000'");
	c.queue_size = 512;
	validate_fails(&c, "key 'queue_size': expected an integer "
	                   "1024..16777216, got '512'");
	c.queue_size = 1u << 20;
	c.threads = 300;
	validate_fails(&c,
	               "key 'threads': expected an integer 0..256, got '300'");
	c.threads = 0;
	c.codec = 7;
	validate_fails(&c, "key 'codec': expected one of null, deflate, "
	                   "snappy, got '7'");
	c.codec = -1;
	validate_fails(&c, "key 'codec': expected one of null, deflate, "
	                   "snappy, got '-1'");
	c.codec = AVRO_CODEC_SNAPPY;

	replace(&c.monitor, "-x");
	validate_fails(&c, "key 'monitor': expected a name of "
	                   "[A-Za-z0-9][A-Za-z0-9._-]*, at most 64 characters, "
	                   "got '-x'");
	replace(&c.monitor, "x");
	replace(&c.output_template, "/abs/%s");
	validate_fails(&c, "key 'output_template': expected a path relative "
	                   "to output_dir, got '/abs/%s'");
	replace(&c.output_template, "%N/../%s");
	validate_fails(&c, "key 'output_template': expected a path without "
	                   "'..', got '%N/../%s'");
	replace(&c.output_template, "%N/%Y.avro");
	validate_fails(&c, "key 'output_template': expected a template with "
	                   "%s (the interval start): without it two intervals "
	                   "would write the same file, got '%N/%Y.avro'");
	replace(&c.output_template, "%N/%Y/%N_%s.avro");
	replace(&c.stats_endpoint, "tcp://0.0.0.0:1");
	validate_fails(&c, "key 'stats_endpoint': expected an explicit "
	                   "address such as tcp://127.0.0.1:PORT, got "
	                   "'tcp://0.0.0.0:1': binding every interface is not "
	                   "allowed by default");
	replace(&c.stats_endpoint, "");
	free(c.output_dir);
	c.output_dir = NULL;
	validate_fails(&c, "key 'output_dir': not set");
	replace(&c.output_dir, "/x");

	/* across keys: a jump limit below one interval would stall */
	c.interval = 600;
	c.max_time_jump = 599;
	validate_fails(&c, "key 'max_time_jump': expected 0 or at least "
	                   "interval (600), got '599': a smaller limit treats "
	                   "every next interval as corrupt");
	c.max_time_jump = 600;
	assert_int_equal(umbra_config_validate(&c, &err), 0);
	c.max_time_jump = 0;
	assert_int_equal(umbra_config_validate(&c, &err), 0);

	assert_int_equal(umbra_config_set(&c, "inputs", "a", NULL, &err), 0);
	replace(&c.inputs.items[0], "");
	validate_fails(&c, "key 'inputs': expected a non-empty string, got ''");
	umbra_config_free(&c);
}

/* ---- printing ---------------------------------------------------------- */

static void round_trip(const struct umbra_config *c)
{
	struct umbra_config back;
	struct umbra_err err = {{0}};
	size_t len, len2;
	char *text = print_to_string(c, &len), *again;

	assert_int_equal(umbra_config_defaults(&back), 0);
	if (umbra_config_load_string(&back, text, len, "printed", &err))
		fail_msg("printed config does not load: %s\n%s", err.msg, text);
	assert_true(cfg_equal(c, &back));
	again = print_to_string(&back, &len2);
	assert_int_equal(len, len2);
	assert_memory_equal(text, again, len);
	free(again);
	free(text);
	umbra_config_free(&back);
}

static void test_print_round_trip(void **state)
{
	static const char *const odd[] = {
	    "pcapfile:a b.pcap",
	    "null",
	    "~",
	    "yes",
	    "0x10",
	    "- x",
	    "? y",
	    "# z",
	    "a: b",
	    "a #b",
	    " lead",
	    "trail ",
	    "'single'",
	    "\"double\"",
	    "back\\slash",
	    "tab\there",
	    "line\nbreak",
	    "cr\rhere",
	    "ctl\x01\x1f\x7f",
	    "{[,]}&*!|>%@`",
	    "\xc3\xa9t\xc3\xa9",            /* U+00E9 */
	    "nel\xc2\x85x",                 /* U+0085, a YAML line break */
	    "c1\xc2\x80\xc2\x9f",           /* U+0080, U+009F */
	    "ls\xe2\x80\xa8ps\xe2\x80\xa9", /* U+2028, U+2029 */
	    "bom\xef\xbb\xbf",              /* U+FEFF */
	    "nc\xef\xbf\xbe\xef\xbf\xbf",   /* U+FFFE, U+FFFF */
	    "\xf0\x9f\x98\x80",             /* U+1F600 */
	    "\xf4\x8f\xbf\xbf",             /* U+10FFFF */
	    "\xee\x80\x80",                 /* U+E000 */
	    "...",
	    "---",
	};
	struct umbra_config c;
	struct umbra_err err;
	char *text;

	(void)state;
	assert_int_equal(umbra_config_defaults(&c), 0);
	round_trip(&c);
	text = print_to_string(&c, NULL);
	/* one comment block per key, in table order, values as YAML */
	assert_non_null(strstr(text, "# Aggregator threads; 0 = one per core "
	                             "less one, at least 1.\n# An integer "
	                             "0..256; default 0; flag --threads\n"
	                             "threads: 0\n"));
	assert_non_null(strstr(text, "\ninputs: []\n"));
	assert_non_null(strstr(text, "\ncodec: deflate\n"));
	assert_true(strstr(text, "monitor:") < strstr(text, "inputs:"));
	assert_true(strstr(text, "stats_endpoint:") <
	            strstr(text, "log_level:"));
	free(text);

	for (size_t i = 0; i < sizeof odd / sizeof odd[0]; i++) {
		assert_int_equal(
		    umbra_config_set(&c, "inputs", odd[i], NULL, &err), 0);
		replace(&c.output_dir, odd[i]);
		round_trip(&c);
	}
	umbra_config_free(&c);
	assert_int_equal(load(&c,
	                      "monitor: m\ninputs: [a]\n"
	                      "output_template: \"%N_%s\"\nthreads: 3\n"
	                      "codec: null\nlog_level: warn\n"
	                      "stats_endpoint: \"\"\n",
	                      &err),
	                 0);
	round_trip(&c);
	umbra_config_free(&c);
}

static void test_sample_config(void **state)
{
	const char *dir = getenv("UMBRA_SRCDIR");
	struct umbra_config c;
	struct umbra_err err;
	char path[4096], *want, *text;
	size_t n, wlen, tlen;
	const struct umbra_cfg_key *k = umbra_config_keys(&n);
	FILE *f;
	long size;

	(void)state;
	snprintf(path, sizeof path, "%s/conf/umbra.yaml", dir ? dir : "..");
	f = fopen(path, "rb");
	if (!f) {
		if (dir)
			fail_msg("%s: %s", path, strerror(errno));
		print_message("SKIP: %s not found; set UMBRA_SRCDIR to the "
		              "source tree to check conf/umbra.yaml\n",
		              path);
		skip();
	}
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	size = ftell(f);
	assert_true(size > 0);
	rewind(f);
	tlen = (size_t)size;
	text = malloc(tlen + 1);
	assert_non_null(text);
	assert_int_equal(fread(text, 1, tlen, f), tlen);
	text[tlen] = '\0';
	fclose(f);

	/* loading it gives exactly the defaults */
	assert_int_equal(umbra_config_defaults(&c), 0);
	if (umbra_config_load_file(&c, path, &err))
		fail_msg("%s", err.msg);
	assert_true(is_defaults(&c));

	/* it names every key, and where it is installed */
	for (size_t i = 0; i < n; i++) {
		char line[64];
		snprintf(line, sizeof line, "\n%s:", k[i].name);
		if (!strstr(text, line))
			fail_msg("%s does not set '%s'", path, k[i].name);
	}
	assert_non_null(strstr(text, "/etc/umbra/umbra.yaml"));

	/* below its header, it is the table's own print of the defaults */
	want = print_to_string(&c, &wlen);
	if (tlen < wlen || memcmp(text + tlen - wlen, want, wlen) != 0 ||
	    (tlen > wlen && text[tlen - wlen - 1] != '\n'))
		fail_msg("%s is out of date with the table in lib/config.c: "
		         "keep its header and replace the rest with what "
		         "umbra_config_print() writes for the defaults:\n%s",
		         path, want);
	free(want);
	free(text);
	umbra_config_free(&c);
}

/* ---- out of memory ----------------------------------------------------- */

/* Defaults, flags, loads over them, a validation: with allocation N
 * failing, for every N until none fails.  Each step gives 0 or -ENOMEM with
 * "out of memory" and leaves a config that frees cleanly (ASan, valgrind). */
static void test_out_of_memory(void **state)
{
	static const char yaml[] = "monitor: m\ninputs: [a, b, c]\n"
	                           "output_dir: /o\nstats_endpoint: ''\n";
	struct umbra_config c;
	struct umbra_err err;
	long n;

	(void)state;
	for (n = 0;; n++) {
		int rc;

		allocations = 0;
		fail_after = n;
		rc = umbra_config_defaults(&c);
		if (rc == 0) {
			rc = umbra_config_set(&c, "inputs", "z", NULL, &err);
			if (rc == 0)
				rc = umbra_config_load_string(
				    &c, yaml, strlen(yaml), "oom", &err);
			if (rc == 0)
				rc = umbra_config_load_string(&c, "threads: 1",
				                              10, "oom", &err);
			if (rc == 0)
				rc = umbra_config_set(&c, "inputs", "d", NULL,
				                      &err);
			if (rc == 0)
				rc = umbra_config_validate(&c, &err);
			if (rc)
				assert_non_null(
				    strstr(err.msg, "out of memory"));
			if (rc == 0)
				assert_int_equal(c.inputs.n, 4);
			umbra_config_free(&c);
		}
		if (rc == 0)
			break;
		assert_int_equal(rc, -ENOMEM);
	}
	fail_after = -1;
	assert_true(n > 10);
	assert_int_equal(n, allocations);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_table),
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_empty_documents),
	    cmocka_unit_test(test_every_key),
	    cmocka_unit_test(test_types),
	    cmocka_unit_test(test_bool),
	    cmocka_unit_test(test_inputs),
	    cmocka_unit_test(test_load_over),
	    cmocka_unit_test(test_unknown_and_duplicate),
	    cmocka_unit_test(test_wrong_types),
	    cmocka_unit_test(test_structure),
	    cmocka_unit_test(test_syntax_errors),
	    cmocka_unit_test(test_rules_in_files),
	    cmocka_unit_test(test_templates),
	    cmocka_unit_test(test_load_file),
	    cmocka_unit_test(test_set),
	    cmocka_unit_test(test_set_errors),
	    cmocka_unit_test(test_monitor_name),
	    cmocka_unit_test(test_endpoints),
	    cmocka_unit_test(test_validate),
	    cmocka_unit_test(test_print_round_trip),
	    cmocka_unit_test(test_sample_config),
	    cmocka_unit_test(test_messages),
	    cmocka_unit_test(test_out_of_memory),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
