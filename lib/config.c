/* config.c: the configuration table, and everything that walks it over a
 * struct umbra_config: defaults, storing a parsed value, copying, freeing,
 * the command-line overrides and validation.
 *
 * Every key is one row of cfg_keys[] below.  Parsing a value (from YAML or
 * from a command-line flag), checking, storing, copying, freeing and
 * printing it all walk that table; a key with a rule beyond its type and
 * bounds has one case in check_rule() (config_value.c).
 * umbra_config_validate() re-reads every stored value through the same
 * parser, so a value set by hand meets the same rules.
 *
 * The YAML loader is config_yaml.c, the printer config_print.c; what the
 * files share is in config_int.h.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "avro_writer.h"
#include "config_int.h"
#include "log.h"
#include "outpath.h"

static const char *const codec_names[] = {
    [AVRO_CODEC_NULL] = "null",
    [AVRO_CODEC_DEFLATE] = "deflate",
    [AVRO_CODEC_SNAPPY] = "snappy",
    [AVRO_CODEC_SNAPPY + 1] = NULL,
};

static const char *const target_names[] = {
    [UMBRA_LOG_TO_STDERR] = "stderr",
    [UMBRA_LOG_TO_SYSLOG] = "syslog",
    [UMBRA_LOG_TO_FILE] = "file",
    [UMBRA_LOG_TO_FILE + 1] = NULL,
};

static const char *const fanout_names[] = {
    [UMBRA_FANOUT_SOURCE] = "source",
    [UMBRA_FANOUT_HASH] = "hash",
    [UMBRA_FANOUT_HASH + 1] = NULL,
};

static const char *const level_names[] = {
    [UMBRA_LOG_ERROR] = "error",  [UMBRA_LOG_WARN] = "warn",
    [UMBRA_LOG_INFO] = "info",    [UMBRA_LOG_DEBUG] = "debug",
    [UMBRA_LOG_DEBUG + 1] = NULL,
};

const struct umbra_cfg_key cfg_keys[] = {
    {
        .name = "monitor",
        .type = UMBRA_CFG_STRING,
        .offset = OFF(monitor),
        .def = "umbra",
        .flag = "--monitor",
        .help = "Name of this telescope, in output file names and stats: "
                "[A-Za-z0-9][A-Za-z0-9._-]*, at most 64 characters.",
    },
    {
        .name = "inputs",
        .type = UMBRA_CFG_STRLIST,
        .offset = OFF(inputs),
        .def = "",
        .flag = "--input",
        .help = "Captures to read, in order: libtrace URIs or file "
                "paths (pcapfile:x.pcap, x.pcap.gz, erf:x.erf, "
                "pcapint:eth0, ...).",
    },
    {
        .name = "output_dir",
        .type = UMBRA_CFG_STRING,
        .offset = OFF(output_dir),
        .def = "/var/lib/umbra",
        .flag = "--output-dir",
        .help = "Directory the output files are written under.",
    },
    {
        .name = "output_template",
        .type = UMBRA_CFG_STRING,
        .offset = OFF(output_template),
        .def = "",
        .help = "Output file path under output_dir: strftime fields "
                "(UTC), %N = monitor, %s = interval (or rotation) "
                "start; relative, without \"..\", with %s. \"\" "
                "= " OUTPATH_DEFAULT_TEMPLATE,
    },
    {
        .name = "threads",
        .type = UMBRA_CFG_UINT,
        .offset = OFF(threads),
        .def = "0",
        .min = 0,
        .max = 256,
        .flag = "--threads",
        .help = "Aggregator threads; 0 = one per core less one, at "
                "least 1.",
    },
    {
        .name = "interval",
        .type = UMBRA_CFG_UINT,
        .offset = OFF(interval),
        .def = "300",
        .min = 1,
        .max = 86400,
        .flag = "--interval",
        .help = "Seconds per interval; intervals start at multiples of "
                "it (Unix time).",
    },
    {
        .name = "rotate_intervals",
        .type = UMBRA_CFG_UINT,
        .offset = OFF(rotate_intervals),
        .def = "1",
        .min = 1,
        .max = 8760,
        .help = "Intervals per output file; files start at multiples "
                "of interval x rotate_intervals.",
    },
    {
        .name = "dst_prefix_len",
        .type = UMBRA_CFG_UINT,
        .offset = OFF(dst_prefix_len),
        .def = "16",
        .min = 0,
        .max = 32,
        .help = "Destination prefix length of the flowtuple key "
                "(dst_net); 16 is what analysts expect.",
    },
    {
        .name = "max_time_jump",
        .type = UMBRA_CFG_UINT,
        .offset = OFF(max_time_jump),
        .def = "86400",
        .min = 0,
        .max = 31536000,
        .help = "Seconds: a timestamp whose interval starts further "
                "than this past the open interval is treated as "
                "corrupt (bad_time); 0 = no limit, else at least "
                "interval.",
    },
    {
        .name = "codec",
        .type = UMBRA_CFG_ENUM,
        .offset = OFF(codec),
        .def = "deflate",
        .names = codec_names,
        .help = "Compression of the Avro blocks.",
    },
    {
        .name = "deflate_level",
        .type = UMBRA_CFG_UINT,
        .offset = OFF(deflate_level),
        .def = "3",
        .min = 1,
        .max = 12,
        .help = "Deflate level (libdeflate): 1 fastest .. 12 smallest; 3 "
                "writes over 1M records/s at 4% more bytes than 6.",
    },
    {
        .name = "block_size",
        .type = UMBRA_CFG_UINT,
        .offset = OFF(block_size),
        .def = "65536",
        .min = 4096,
        .max = 16777216,
        .help = "Uncompressed bytes per Avro block.",
    },
    {
        .name = "queue_size",
        .type = UMBRA_CFG_UINT,
        .offset = OFF(queue_size),
        .def = "65536",
        .min = 1024,
        .max = 16777216,
        .help = "Slots per capture-to-aggregator queue; a power of "
                "two.",
    },
    {
        .name = "stats_endpoint",
        .type = UMBRA_CFG_STRING,
        .offset = OFF(stats_endpoint),
        .def = "tcp://127.0.0.1:5557",
        .help = "ZeroMQ PUB endpoint for the interval stats and "
                "heartbeats: tcp://ADDRESS:PORT, ipc://PATH or "
                "inproc://NAME; \"\" = off. Binding every interface "
                "(tcp://*, tcp://0.0.0.0) is refused. The default, "
                "loopback, is reachable from outside the systemd "
                "unit's private /tmp.",
    },
    {
        .name = "heartbeat_interval",
        .type = UMBRA_CFG_UINT,
        .offset = OFF(heartbeat_interval),
        .def = "5",
        .min = 0,
        .max = 3600,
        .help = "Seconds between heartbeat messages on stats_endpoint "
                "(rates so far, per queue, queue fill); 0 = none.",
    },
    {
        .name = "log_level",
        .type = UMBRA_CFG_ENUM,
        .offset = OFF(log_level),
        .def = "info",
        .names = level_names,
        .flag = "--log-level",
        .help = "Least severe messages logged.",
    },
    {
        .name = "log_target",
        .type = UMBRA_CFG_ENUM,
        .offset = OFF(log_target),
        .def = "stderr",
        .names = target_names,
        .help = "Where log lines go: stderr (the journal under "
                "systemd), syslog, or file (log_file; reopened on "
                "SIGHUP).",
    },
    {
        .name = "log_file",
        .type = UMBRA_CFG_STRING,
        .offset = OFF(log_file),
        .def = "/var/log/umbra/umbrad.log",
        .help = "Log file when log_target is file.",
    },
    {
        .name = "pidfile",
        .type = UMBRA_CFG_STRING,
        .offset = OFF(pidfile),
        .def = "",
        .flag = "--pidfile",
        .help = "File to write the daemon's process id to (removed at "
                "exit); \"\" = none.",
    },
    {
        .name = "user",
        .type = UMBRA_CFG_STRING,
        .offset = OFF(user),
        .def = "",
        .flag = "--user",
        .help = "Started as root: switch to this user (dropping every "
                "capability) once the live captures are open; \"\" = "
                "stay.",
    },
    {
        .name = "group",
        .type = UMBRA_CFG_STRING,
        .offset = OFF(group),
        .def = "",
        .help = "Group to switch to with user; \"\" = the user's "
                "primary group.",
    },
    {
        .name = "output_backlog_mb",
        .type = UMBRA_CFG_UINT,
        .offset = OFF(output_backlog_mb),
        .def = "1024",
        .min = 0,
        .max = 1048576,
        .help = "MiB of finished intervals kept in memory while the "
                "output cannot be written (disk full, directory not "
                "writable) and retried; past it the oldest is dropped "
                "and counted.",
    },
    {
        .name = "output_retry_seconds",
        .type = UMBRA_CFG_UINT,
        .offset = OFF(output_retry_seconds),
        .def = "10",
        .min = 1,
        .max = 3600,
        .help = "Seconds between attempts to write a held interval.",
    },
    {
        .name = "capture_threads",
        .type = UMBRA_CFG_UINT,
        .offset = OFF(capture_threads),
        .def = "1",
        .min = 1,
        .max = 64,
        .flag = "--capture-threads",
        .help = "Capture threads per afpacket: or dpdk: input (fanout "
                "sockets, RX queues); files and other libtrace URIs "
                "have one each.",
    },
    {
        .name = "close_grace",
        .type = UMBRA_CFG_UINT,
        .offset = OFF(close_grace),
        .def = "5",
        .min = 0,
        .max = 3600,
        .help = "Live capture: seconds after an interval's end (wall "
                "clock) at which it closes on every thread, even an "
                "idle one.",
    },
    {
        .name = "promiscuous",
        .type = UMBRA_CFG_BOOL,
        .offset = OFF(promiscuous),
        .def = "true",
        .help = "Live capture: put the interfaces in promiscuous mode.",
    },
    {
        .name = "bpf_filter",
        .type = UMBRA_CFG_STRING,
        .offset = OFF(bpf_filter),
        .def = "",
        .flag = "--filter",
        .help = "Live capture: pcap filter expression the kernel applies "
                "(afpacket:, libtrace live URIs); \"\" = every packet.",
    },
    {
        .name = "afpacket_fanout",
        .type = UMBRA_CFG_ENUM,
        .offset = OFF(afpacket_fanout),
        .def = "source",
        .names = fanout_names,
        .help = "How the kernel spreads packets over the capture "
                "threads of an afpacket: input: source (a classic BPF "
                "program on the IPv4 source address) or hash (the "
                "kernel's flow hash).",
    },
    {
        .name = "afpacket_block_size",
        .type = UMBRA_CFG_UINT,
        .offset = OFF(afpacket_block_size),
        .def = "1048576",
        .min = 4096,
        .max = 67108864,
        .help = "Bytes per TPACKET_V3 ring block; a power of two.",
    },
    {
        .name = "afpacket_ring_size",
        .type = UMBRA_CFG_UINT,
        .offset = OFF(afpacket_ring_size),
        .def = "67108864",
        .min = 65536,
        .max = 2147483648u,
        .help = "Bytes of kernel ring per capture thread; a multiple of "
                "afpacket_block_size.",
    },
    {
        .name = "dpdk_eal_args",
        .type = UMBRA_CFG_STRLIST,
        .offset = OFF(dpdk_eal_args),
        .def = "",
        .help = "DPDK EAL arguments, one per item (\"-l\", \"0-1\", "
                "\"--vdev=net_pcap0,rx_pcap=x.pcap\", ...).",
    },
    {
        .name = "dpdk_rx_desc",
        .type = UMBRA_CFG_UINT,
        .offset = OFF(dpdk_rx_desc),
        .def = "4096",
        .min = 64,
        .max = 65536,
        .help = "DPDK RX descriptors per queue.",
    },
    {
        .name = "dpdk_mbufs",
        .type = UMBRA_CFG_UINT,
        .offset = OFF(dpdk_mbufs),
        .def = "16383",
        .min = 1023,
        .max = 4194303,
        .help = "DPDK packet buffers per RX queue (best as 2^n - 1).",
    },
    {
        .name = "capture_cpus",
        .type = UMBRA_CFG_STRLIST,
        .offset = OFF(capture_cpus),
        .def = "",
        .help = "CPU numbers to pin capture threads to, thread i on item "
                "i modulo the list's length; [] = not pinned.",
    },
    {
        .name = "aggregator_cpus",
        .type = UMBRA_CFG_STRLIST,
        .offset = OFF(aggregator_cpus),
        .def = "",
        .help = "CPU numbers to pin aggregator threads to, as "
                "capture_cpus; [] = not pinned.",
    },
    {
        .name = "maxmind_db",
        .type = UMBRA_CFG_STRING,
        .offset = OFF(maxmind_db),
        .def = "",
        .help = "MaxMind GeoIP2/GeoLite2 country or city database (.mmdb) "
                "for the maxmind_continent and maxmind_country fields; "
                "\"\" = none (\"??\"). Reloaded on SIGHUP.",
    },
    {
        .name = "netacq_db",
        .type = UMBRA_CFG_STRING,
        .offset = OFF(netacq_db),
        .def = "",
        .help = "Second geolocation database (.mmdb, GeoIP2 layout) for the "
                "netacq_continent and netacq_country fields; \"\" = none "
                "(\"??\"). Reloaded on SIGHUP.",
    },
    {
        .name = "pfx2as_file",
        .type = UMBRA_CFG_STRING,
        .offset = OFF(pfx2as_file),
        .def = "",
        .help = "CAIDA routeviews prefix-to-AS file (plain or gzip) for "
                "the prefix2asn field; \"\" = none (0). Reloaded on "
                "SIGHUP.",
    },
    {
        .name = "drop_classes",
        .type = UMBRA_CFG_STRLIST,
        .offset = OFF(drop_classes),
        .def = "",
        .help = "Packet classes not aggregated (counted per class in the "
                "stats); see umbrad(8) for the classes.",
    },
    {
        .name = "keep_classes",
        .type = UMBRA_CFG_STRLIST,
        .offset = OFF(keep_classes),
        .def = "",
        .help = "If not empty, only packets of at least one of these "
                "classes are aggregated.",
    },
    {
        .name = "drop_filter",
        .type = UMBRA_CFG_STRING,
        .offset = OFF(drop_filter),
        .def = "",
        .help = "pcap filter expression: matching packets are not "
                "aggregated; \"\" = none.",
    },
    {
        .name = "keep_filter",
        .type = UMBRA_CFG_STRING,
        .offset = OFF(keep_filter),
        .def = "",
        .help = "pcap filter expression: if set, only matching packets "
                "are aggregated.",
    },
    {
        .name = "drop_sources",
        .type = UMBRA_CFG_STRLIST,
        .offset = OFF(drop_sources),
        .def = "",
        .help = "Source prefixes (CIDR) or files of them, one a line: "
                "their packets are not aggregated.",
    },
    {
        .name = "keep_sources",
        .type = UMBRA_CFG_STRLIST,
        .offset = OFF(keep_sources),
        .def = "",
        .help = "Source prefixes (CIDR) or files of them: if not empty, "
                "only their packets are aggregated.",
    },
};

_Static_assert(sizeof cfg_keys / sizeof cfg_keys[0] == CFG_NKEYS,
               "CFG_NKEYS (config_int.h) must count the rows of cfg_keys[]");

const struct umbra_cfg_key *umbra_config_keys(size_t *n)
{
	if (n)
		*n = CFG_NKEYS;
	return cfg_keys;
}

const struct umbra_cfg_key *cfg_key_lookup(const char *name, size_t len)
{
	for (size_t i = 0; i < CFG_NKEYS; i++)
		if (strlen(cfg_keys[i].name) == len &&
		    memcmp(cfg_keys[i].name, name, len) == 0)
			return &cfg_keys[i];
	return NULL;
}

const struct umbra_cfg_key *umbra_config_key(const char *name)
{
	return name ? cfg_key_lookup(name, strlen(name)) : NULL;
}

/* ---- storing, copying, freeing ----------------------------------------- */

void cfg_list_clear(struct umbra_strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->items[i]);
	free(l->items);
	l->items = NULL;
	l->n = 0;
}

/* Append s, which the list then owns (it is freed on failure). */
static int list_append(struct umbra_strlist *l, char *s)
{
	char **items = realloc(l->items, (l->n + 1) * sizeof *items);

	if (!items) {
		free(s);
		return -ENOMEM;
	}
	items[l->n++] = s;
	l->items = items;
	return 0;
}

/* Store a parsed value in *c, which takes ownership of v->s; a list item is
 * appended. */
int cfg_store(struct umbra_config *c, const struct umbra_cfg_key *k,
              union cfg_val *v)
{
	void *f = cfg_field(c, k);

	switch (k->type) {
	case UMBRA_CFG_STRING:
		free(*(char **)f);
		*(char **)f = v->s;
		break;
	case UMBRA_CFG_STRLIST:
		return list_append(f, v->s);
	case UMBRA_CFG_UINT:
		*(uint32_t *)f = v->u;
		break;
	case UMBRA_CFG_ENUM:
		*(int *)f = v->e;
		break;
	case UMBRA_CFG_BOOL:
		*(bool *)f = v->b;
		break;
	}
	return 0;
}

void umbra_config_free(struct umbra_config *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < CFG_NKEYS; i++) {
		void *f = cfg_field(c, &cfg_keys[i]);
		if (cfg_keys[i].type == UMBRA_CFG_STRING) {
			free(*(char **)f);
			*(char **)f = NULL;
		} else if (cfg_keys[i].type == UMBRA_CFG_STRLIST) {
			cfg_list_clear(f);
		}
	}
}

int cfg_copy(struct umbra_config *dst, const struct umbra_config *src)
{
	*dst = *src;
	for (size_t i = 0; i < CFG_NKEYS; i++) {
		void *f = cfg_field(dst, &cfg_keys[i]);
		if (cfg_keys[i].type == UMBRA_CFG_STRING)
			*(char **)f = NULL;
		else if (cfg_keys[i].type == UMBRA_CFG_STRLIST)
			*(struct umbra_strlist *)f = (struct umbra_strlist){0};
	}
	for (size_t i = 0; i < CFG_NKEYS; i++) {
		const void *from = cfg_field(src, &cfg_keys[i]);
		void *to = cfg_field(dst, &cfg_keys[i]);
		if (cfg_keys[i].type == UMBRA_CFG_STRING) {
			const char *s = *(char *const *)from;
			if (s && !(*(char **)to = strdup(s)))
				goto nomem;
		} else if (cfg_keys[i].type == UMBRA_CFG_STRLIST) {
			const struct umbra_strlist *l = from;
			for (size_t j = 0; j < l->n; j++) {
				char *s = strdup(l->items[j]);
				if (!s || list_append(to, s))
					goto nomem;
			}
		}
	}
	return 0;
nomem:
	umbra_config_free(dst);
	return -ENOMEM;
}

int umbra_config_defaults(struct umbra_config *c)
{
	char why[WHY_MAX];

	memset(c, 0, sizeof *c);
	for (size_t i = 0; i < CFG_NKEYS; i++) {
		const struct umbra_cfg_key *k = &cfg_keys[i];
		union cfg_val v;
		int rc;

		if (k->type == UMBRA_CFG_STRLIST && !*k->def)
			continue;
		rc = cfg_parse_value(k, k->def, strlen(k->def), &v, why,
		                     sizeof why);
		if (!rc)
			rc = cfg_store(c, k, &v);
		if (rc) {
			umbra_config_free(c);
			return rc;
		}
	}
	return 0;
}

/* ---- flags ------------------------------------------------------------- */

int umbra_config_set(struct umbra_config *c, const char *key, const char *value,
                     const char *origin, struct umbra_err *err)
{
	const struct umbra_cfg_key *k = umbra_config_key(key);
	char why[WHY_MAX];
	union cfg_val v;
	int rc;

	if (!origin)
		origin = key ? key : "?";
	if (!k)
		return umbra_err_set(err, -EINVAL, "%s: unknown key '%s'",
		                     origin, key ? key : "");
	if (!value)
		return umbra_err_set(err, -EINVAL, "%s: missing value", origin);
	rc = cfg_parse_value(k, value, strlen(value), &v, why, sizeof why);
	if (!rc)
		rc = cfg_store(c, k, &v);
	if (rc == -ENOMEM)
		return umbra_err_set(err, rc, "%s: out of memory", origin);
	if (rc)
		return umbra_err_set(err, rc, "%s: %s", origin, why);
	return 0;
}

void umbra_config_clear_list(struct umbra_config *c, const char *key)
{
	const struct umbra_cfg_key *k = umbra_config_key(key);

	if (k && k->type == UMBRA_CFG_STRLIST)
		cfg_list_clear(cfg_field(c, k));
}

/* ---- validation -------------------------------------------------------- */

/* Put a stored non-string value back into text, for the parser to judge. */
const char *cfg_value_text(const struct umbra_config *c,
                           const struct umbra_cfg_key *k, char *buf, size_t n)
{
	const void *f = cfg_field(c, k);
	int e;

	switch (k->type) {
	case UMBRA_CFG_UINT:
		snprintf(buf, n, "%u", *(const uint32_t *)f);
		return buf;
	case UMBRA_CFG_ENUM:
		e = *(const int *)f;
		for (int i = 0; k->names[i]; i++)
			if (i == e)
				return k->names[i];
		snprintf(buf, n, "%d", e);
		return buf;
	case UMBRA_CFG_BOOL:
		return *(const bool *)f ? "true" : "false";
	default:
		return *(char *const *)f;
	}
}

static int judge(const struct umbra_cfg_key *k, const char *text,
                 struct umbra_err *err)
{
	char why[WHY_MAX];
	union cfg_val v;
	int rc;

	if (!text)
		return umbra_err_set(err, -EINVAL, "key '%s': not set",
		                     k->name);
	rc = cfg_parse_value(k, text, strlen(text), &v, why, sizeof why);
	if (rc == -ENOMEM)
		return umbra_err_set(err, rc, "out of memory");
	if (rc)
		return umbra_err_set(err, rc, "key '%s': %s", k->name, why);
	if (k->type == UMBRA_CFG_STRING || k->type == UMBRA_CFG_STRLIST)
		free(v.s);
	return 0;
}

int umbra_config_validate(const struct umbra_config *c, struct umbra_err *err)
{
	char buf[32];
	int rc;

	for (size_t i = 0; i < CFG_NKEYS; i++) {
		const struct umbra_cfg_key *k = &cfg_keys[i];
		const struct umbra_strlist *l = cfg_field(c, k);

		if (k->type != UMBRA_CFG_STRLIST) {
			rc = judge(k, cfg_value_text(c, k, buf, sizeof buf),
			           err);
			if (rc)
				return rc;
			continue;
		}
		for (size_t j = 0; j < l->n; j++)
			if ((rc = judge(k, l->items[j], err)))
				return rc;
	}
	if (c->max_time_jump && c->max_time_jump < c->interval)
		return umbra_err_set(err, -EINVAL,
		                     "key 'max_time_jump': expected 0 or at "
		                     "least interval (%u), got '%u': a smaller "
		                     "limit treats every next interval as "
		                     "corrupt",
		                     c->interval, c->max_time_jump);
	if (c->afpacket_ring_size % c->afpacket_block_size)
		return umbra_err_set(err, -EINVAL,
		                     "key 'afpacket_ring_size': expected a "
		                     "multiple of afpacket_block_size (%u), "
		                     "got '%u'",
		                     c->afpacket_block_size,
		                     c->afpacket_ring_size);
	return 0;
}
