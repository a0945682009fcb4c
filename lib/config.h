/* config.h: umbrad's one configuration loader, driven by one table.
 *
 * Every key lives in one row of the table in config.c: name, type, offset
 * into struct umbra_config, default, bounds and help text.  That table drives
 * the YAML parser (libyaml), validation, the command-line overrides, the
 * defaults shown by --help and --print-config, and conf/umbra.yaml is checked
 * against it by the tests.  Unknown keys, wrong types and out-of-range values
 * are refused with "FILE:LINE:COLUMN: key 'x': expected ..., got '...'".
 *
 * Thread use: load and validate in main() before threads start; afterwards
 * the struct is read-only.
 */
#ifndef UMBRA_CONFIG_H
#define UMBRA_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "errbuf.h"

enum umbra_cfg_type {
	UMBRA_CFG_STRING,  /* char * (owned by the config) */
	UMBRA_CFG_UINT,    /* uint32_t, within [min, max] */
	UMBRA_CFG_ENUM,    /* int, index into the row's names[] */
	UMBRA_CFG_BOOL,    /* bool: true/false/yes/no/on/off */
	UMBRA_CFG_STRLIST, /* struct umbra_strlist: a YAML sequence of strings,
	                      or a single string meaning a list of one */
};

struct umbra_strlist {
	char **items;
	size_t n;
};

/* Codec names in UMBRA_CFG_ENUM order match enum avro_codec. */
/* Log level names in UMBRA_CFG_ENUM order match enum umbra_log_level. */

struct umbra_config {
	char *monitor; /* [A-Za-z0-9][A-Za-z0-9._-]* */
	struct umbra_strlist inputs;
	char *output_dir;
	char *output_template; /* "" = default partitioned layout */
	uint32_t threads;  /* aggregators; 0 = one per core less one, min 1 */
	uint32_t interval; /* seconds */
	uint32_t rotate_intervals; /* intervals per file */
	uint32_t dst_prefix_len;
	uint32_t max_time_jump; /* seconds; 0 = no limit */
	int codec;              /* enum avro_codec */
	uint32_t deflate_level;
	uint32_t block_size;         /* uncompressed bytes per Avro block */
	uint32_t queue_size;         /* slots per capture->aggregator queue */
	char *stats_endpoint;        /* ZeroMQ PUB endpoint; "" = off */
	uint32_t heartbeat_interval; /* seconds between heartbeats; 0 = off */
	int log_level;               /* enum umbra_log_level */
	int log_target;              /* enum umbra_log_target */
	char *log_file;              /* log_target file: the path */
	char *pidfile;               /* "" = none */
	char *user;                  /* drop root to this user; "" = stay */
	char *group;                 /* "" = the user's primary group */
	uint32_t output_backlog_mb; /* encoded intervals held on write errors */
	uint32_t output_retry_seconds; /* between retries of a failed write */
	/* live capture (afpacket:, dpdk:, libtrace live URIs) */
	uint32_t capture_threads; /* threads (queues) per afpacket/dpdk input */
	uint32_t close_grace;     /* seconds past an interval's end */
	bool promiscuous;
	char *bpf_filter;    /* pcap filter syntax; "" = every packet */
	int afpacket_fanout; /* enum umbra_fanout */
	uint32_t afpacket_block_size; /* bytes per TPACKET_V3 block */
	uint32_t afpacket_ring_size;  /* bytes per ring (per thread) */
	struct umbra_strlist dpdk_eal_args;
	uint32_t dpdk_rx_desc;                /* RX descriptors per queue */
	uint32_t dpdk_mbufs;                  /* mbufs in the pool, per queue */
	struct umbra_strlist capture_cpus;    /* CPU numbers; [] = unpinned */
	struct umbra_strlist aggregator_cpus; /* CPU numbers; [] = unpinned */
	/* meta-data of each source (reloaded on SIGHUP) */
	char *maxmind_db;  /* .mmdb for maxmind_*; "" = none ("??") */
	char *netacq_db;   /* .mmdb for netacq_*; "" = none ("??") */
	char *pfx2as_file; /* CAIDA pfx2as for prefix2asn; "" = none (0) */
	/* what is aggregated: packet classes, pcap filters, source prefixes */
	struct umbra_strlist drop_classes;
	struct umbra_strlist keep_classes;
	char *drop_filter;
	char *keep_filter;
	struct umbra_strlist drop_sources;
	struct umbra_strlist keep_sources;
};

/* log_target names in UMBRA_CFG_ENUM order. */
enum umbra_log_target {
	UMBRA_LOG_TO_STDERR,
	UMBRA_LOG_TO_SYSLOG,
	UMBRA_LOG_TO_FILE,
};

/* afpacket_fanout names in UMBRA_CFG_ENUM order. */
enum umbra_fanout {
	UMBRA_FANOUT_SOURCE, /* classic BPF on the IPv4 source address */
	UMBRA_FANOUT_HASH,   /* the kernel's flow hash */
};

struct umbra_cfg_key {
	const char *name;
	enum umbra_cfg_type type;
	size_t offset;            /* offsetof(struct umbra_config, field) */
	const char *def;          /* default, as text ("" for empty) */
	uint32_t min, max;        /* UMBRA_CFG_UINT bounds */
	const char *const *names; /* UMBRA_CFG_ENUM: NULL-terminated */
	const char *flag;         /* long flag that overrides it ("--threads"),
	                             or NULL; short letters are umbrad's */
	const char *help;         /* one line */
};

/* The table, in documentation order. */
const struct umbra_cfg_key *umbra_config_keys(size_t *n);
const struct umbra_cfg_key *umbra_config_key(const char *name);

/* Fill *c with every default.  Returns 0 or -ENOMEM. */
int umbra_config_defaults(struct umbra_config *c);

/* Parse a YAML mapping from a file / from memory (name is used in messages)
 * over the values already in *c; a list in the file replaces the list in *c.
 * Returns 0, or a negative errno-style code with "NAME:LINE:COLUMN: ..." in
 * *err, and then *c is unchanged.  Keys with a rule of their own (monitor,
 * output_template, queue_size, stats_endpoint, ...) are checked here too, so
 * the message can point at the value. */
int umbra_config_load_file(struct umbra_config *c, const char *path,
                           struct umbra_err *err);
int umbra_config_load_string(struct umbra_config *c, const char *yaml,
                             size_t len, const char *name,
                             struct umbra_err *err);

/* Set one key from text (a command-line flag).  origin names the source in
 * messages ("--threads").  For UMBRA_CFG_STRLIST the value is appended; call
 * umbra_config_clear_list() first to replace the file's list. */
int umbra_config_set(struct umbra_config *c, const char *key, const char *value,
                     const char *origin, struct umbra_err *err);
void umbra_config_clear_list(struct umbra_config *c, const char *key);

/* Check every value as the parser would (for values set by hand), then the
 * rules across keys (max_time_jump against interval).  Returns 0, or -EINVAL
 * (-ENOMEM) with "key 'x': ..." in *err. */
int umbra_config_validate(const struct umbra_config *c, struct umbra_err *err);

/* Write the effective configuration as YAML that load_file reads back: each
 * key in table order after comment lines with its help, type, bounds,
 * default and flag; strings double-quoted and escaped. */
void umbra_config_print(const struct umbra_config *c, FILE *out);

void umbra_config_free(struct umbra_config *c);

/* Is name a valid monitor name ([A-Za-z0-9][A-Za-z0-9._-]*, at most 64)? */
int umbra_monitor_name_ok(const char *name);

#endif
