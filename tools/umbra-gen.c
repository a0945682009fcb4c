/* umbra-gen: write a synthetic darknet capture for demos and benchmarks.
 *
 * The output is a classic pcap file (Ethernet link type, microsecond
 * timestamps), gzip-compressed through zlib when asked.  Everything random
 * comes from one xoshiro256** generator seeded with splitmix64, and the
 * traffic model is set up before the first packet, so the same flags and
 * seed always give the same bytes, whatever the machine.
 *
 * Speed: packets are built in place, record header included, in one large
 * output buffer that is written out in big blocks.  The per-packet loop makes
 * no system call, allocates nothing and formats nothing; each traffic class
 * is one builder function in a table indexed by class.
 *
 * This file is the command line and the main loop; the rest is
 *   gen_rng.c     the random numbers and distributions
 *   gen_mix.c     the traffic model: classes, mixes, sources, scanners,
 *                 victims, set up from the seed
 *   gen_class.c   one frame builder per traffic class
 *   gen_packet.c  the frame layouts and checksums
 *   gen_out.c     the buffered pcap writer, plain or gzip
 *
 * Standalone on purpose (libc and zlib only): it must build and run before
 * anything of libumbra does, and it is the test input for libumbra.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "gen_class.h"
#include "gen_out.h"
#include "gen_packet.h"

#define unlikely(x) __builtin_expect(!!(x), 0)

/* ---- options ----------------------------------------------------------- */

struct opts {
	const char *output;
	uint64_t packets, start, duration, seed, sources;
	const struct mix *mix;
	uint32_t net, hostmask;
	int gzip, quiet;
};

static void usage(FILE *f)
{
	static const char *const lines[] = {
	    "Usage: " PROG " -o FILE [OPTION]...",
	    "Write a synthetic darknet capture: classic pcap, Ethernet,",
	    "microsecond timestamps, gzip-compressed (zlib level 1) when FILE",
	    "ends in .gz or with --gzip. The same options and seed always give",
	    "the same bytes.",
	    "",
	    "  -o, --output FILE       output file, \"-\" for stdout "
	    "(required)",
	    "  -n, --packets N         number of packets (default 1000000)",
	    "  -s, --start TIME        first timestamp, Unix seconds",
	    "                          (default 1700000000)",
	    "  -d, --duration SECONDS  time span of the packets (default 900):",
	    "                          timestamps are non-decreasing, in",
	    "                          [start, start+SECONDS)",
	    "  -S, --seed N            random seed (default 1)",
	    "  -m, --mix NAME          traffic mix, default or worst",
	    "                          (default default)",
	    "      --telescope CIDR    the darknet's IPv4 destination prefix",
	    "                          (default 44.0.0.0/8)",
	    "      --sources N         size of the source population",
	    "                          (default 20000)",
	    "  -z, --gzip              gzip the output (default: off, on for",
	    "                          names ending in .gz)",
	    "  -q, --quiet             no summary line on stderr",
	    "  -h, --help              print this help and exit",
	    "",
	    "Mixes:",
	    "  default  what a telescope sees: 60% TCP SYN scans (45% from a",
	    "           Zipf-skewed source population on popular and random",
	    "           ports, 5% masscan-like, 6% Mirai-like, 4% ZMap-like",
	    "           sweeps), 15% backscatter (SYN-ACK, RST, ICMP",
	    "           unreachable), 15% UDP probes (DNS, NTP, SNMP, SSDP,",
	    "           memcached, SIP, NetBIOS, mDNS, random ports), 4.5% "
	    "ICMP",
	    "           echo, 1.5% GRE, 1.5% ESP, 1% TCP SYN over IPv6 (to",
	    "           2001:db8:44::/48), 1% ARP and LLDP, 0.5% IPv4 "
	    "fragments.",
	    "  worst    aggregator stress, IPv4 only: 63% from random sources",
	    "           to random ports and /16s (TCP SYN, UDP, ICMP), nearly",
	    "           each opening a new flowtuple; 37% from the Zipf",
	    "           population on fixed ports, with random destinations "
	    "and",
	    "           source ports.",
	};

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		fprintf(f, "%s\n", lines[i]);
}

static int bad_value(const char *opt, const char *val, const char *why)
{
	fprintf(stderr, PROG ": invalid %s '%s': %s\n", opt, val, why);
	return -1;
}

static int parse_u64(const char *opt, const char *s, uint64_t min, uint64_t max,
                     uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (*s < '0' || *s > '9')
		return bad_value(opt, s, "not a decimal number");
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end)
		return bad_value(opt, s, "not a decimal number");
	if (errno || v < min || v > max) {
		fprintf(stderr,
		        PROG ": invalid %s '%s': must be %" PRIu64 "..%" PRIu64
		             "\n",
		        opt, s, min, max);
		return -1;
	}
	*out = v;
	return 0;
}

static int parse_cidr(const char *s, uint32_t *net, uint32_t *hostmask)
{
	char addr[INET_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	struct in_addr in;
	uint64_t len;
	uint32_t a;

	if (!slash || (size_t)(slash - s) >= sizeof(addr))
		return bad_value("--telescope", s, "expected A.B.C.D/LEN");
	memcpy(addr, s, (size_t)(slash - s));
	addr[slash - s] = 0;
	if (inet_pton(AF_INET, addr, &in) != 1)
		return bad_value("--telescope", s, "bad IPv4 address");
	if (parse_u64("--telescope prefix length", slash + 1, 1, 32, &len))
		return -1;
	a = ntohl(in.s_addr);
	*hostmask = (uint32_t)((1ull << (32 - len)) - 1);
	if (a & *hostmask)
		return bad_value("--telescope", s, "host bits set");
	*net = a;
	return 0;
}

enum { OPT_TELESCOPE = 256, OPT_SOURCES };

static const struct option long_opts[] = {
    {"output", required_argument, NULL, 'o'},
    {"packets", required_argument, NULL, 'n'},
    {"start", required_argument, NULL, 's'},
    {"duration", required_argument, NULL, 'd'},
    {"seed", required_argument, NULL, 'S'},
    {"mix", required_argument, NULL, 'm'},
    {"telescope", required_argument, NULL, OPT_TELESCOPE},
    {"sources", required_argument, NULL, OPT_SOURCES},
    {"gzip", no_argument, NULL, 'z'},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* Returns 0, 1 for --help, -1 for a usage error (message printed). */
static int parse_args(int argc, char **argv, struct opts *o)
{
	int c;
	size_t n;

	*o = (struct opts){
	    .packets = 1000000,
	    .start = 1700000000,
	    .duration = 900,
	    .seed = 1,
	    .sources = 20000,
	    .mix = mix_find("default"),
	    .net = 0x2c000000,
	    .hostmask = 0x00ffffff,
	};
	while ((c = getopt_long(argc, argv, "o:n:s:d:S:m:zqh", long_opts,
	                        NULL)) != -1) {
		switch (c) {
		case 'o':
			if (!*optarg)
				return bad_value("--output", optarg, "empty");
			o->output = optarg;
			break;
		case 'n':
			if (parse_u64("--packets", optarg, 0, 1ull << 40,
			              &o->packets))
				return -1;
			break;
		case 's':
			if (parse_u64("--start", optarg, 0, UINT32_MAX,
			              &o->start))
				return -1;
			break;
		case 'd':
			if (parse_u64("--duration", optarg, 1, 1000000000,
			              &o->duration))
				return -1;
			break;
		case 'S':
			if (parse_u64("--seed", optarg, 0, UINT64_MAX,
			              &o->seed))
				return -1;
			break;
		case 'm':
			o->mix = mix_find(optarg);
			if (!o->mix)
				return bad_value("--mix", optarg,
				                 "expected default or worst");
			break;
		case OPT_TELESCOPE:
			if (parse_cidr(optarg, &o->net, &o->hostmask))
				return -1;
			break;
		case OPT_SOURCES:
			if (parse_u64("--sources", optarg, 1, 1u << 24,
			              &o->sources))
				return -1;
			break;
		case 'z':
			o->gzip = 1;
			break;
		case 'q':
			o->quiet = 1;
			break;
		case 'h':
			return 1;
		default: /* getopt has said what is wrong */
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, PROG ": unexpected argument '%s'\n",
		        argv[optind]);
		return -1;
	}
	if (!o->output) {
		fprintf(stderr, PROG ": --output is required\n");
		return -1;
	}
	if (o->start + o->duration > (uint64_t)UINT32_MAX + 1) {
		fprintf(stderr, PROG ": --start + --duration must stay below "
		                     "2^32 (pcap seconds are 32-bit)\n");
		return -1;
	}
	n = strlen(o->output);
	if (n > 3 && !strcmp(o->output + n - 3, ".gz"))
		o->gzip = 1;
	return 0;
}

/* ---- main loop --------------------------------------------------------- */

/* Timestamps: packet i is at start + (i + u) * duration / n, u in [0,1),
 * kept non-decreasing and below start + duration. */
static int generate(struct gen *g, const struct opts *op, struct out *o)
{
	uint64_t span = op->duration * 1000000, last = 0;
	double step = (double)span / (double)(op->packets ? op->packets : 1);

	out_pcap_header(o);
	for (uint64_t i = 0; i < op->packets; i++) {
		double u = (double)(rng64(&g->rng) >> 11) * 0x1p-53;
		uint64_t t = (uint64_t)(((double)i + u) * step);
		uint8_t *f, cls;
		size_t len;

		if (unlikely(out_full(o, MAX_FRAME)) && out_flush(o))
			return -1;
		if (t < last)
			t = last;
		if (t >= span)
			t = span - 1;
		last = t;
		t += op->start * 1000000;
		g->now_us = t;

		cls = g->cls_of[below(&g->rng, SHARE_ALL)];
		f = out_frame(o);
		len = builders[cls](g, f);
		if (len < MIN_FRAME) {
			memset(f + len, 0, MIN_FRAME - len);
			len = MIN_FRAME;
		}
		out_record(o, t, len);
		g->count[cls]++;
	}
	return out_flush(o);
}

static void summary(const struct gen *g, const struct opts *op,
                    const struct out *o, double secs)
{
	char line[1024];
	int n;

	n = snprintf(line, sizeof(line),
	             PROG ": %" PRIu64 " packets, %" PRIu64
	                  " bytes (before compression) to %s in %.3f s "
	                  "(%.2f Mpps), mix %s:",
	             op->packets, o->bytes, o->name, secs,
	             secs > 0 ? (double)op->packets / secs / 1e6 : 0.0,
	             op->mix->name);
	for (const struct share *s = op->mix->parts; s->bp; s++)
		if (n > 0 && (size_t)n < sizeof(line))
			n += snprintf(line + n, sizeof(line) - (size_t)n,
			              " %s=%" PRIu64, class_name[s->cls],
			              g->count[s->cls]);
	fprintf(stderr, "%s\n", line);
}

int main(int argc, char **argv)
{
	struct opts op;
	struct gen *g;
	struct out o;
	struct timespec t0, t1;
	int rc;

	rc = parse_args(argc, argv, &op);
	if (rc > 0) {
		usage(stdout);
		return 0;
	}
	if (rc < 0) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(op.output, "-") && isatty(STDOUT_FILENO)) {
		fprintf(stderr, PROG ": not writing a capture to a terminal\n");
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	g = malloc(sizeof(*g));
	if (!g || gen_init(g, op.mix, op.seed, op.net, op.hostmask,
	                   (uint32_t)op.sources)) {
		fprintf(stderr, PROG ": out of memory\n");
		if (g)
			gen_free(g);
		free(g);
		return 1;
	}
	rc = out_open(&o, op.output, op.gzip);
	if (!rc)
		rc = generate(g, &op, &o);
	if (out_close(&o))
		rc = -1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (!rc && !op.quiet)
		summary(g, &op, &o,
		        (double)(t1.tv_sec - t0.tv_sec) +
		            (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	gen_free(g);
	free(g);
	return rc ? 1 : 0;
}
