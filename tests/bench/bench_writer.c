/* bench_writer.c: ft4_encode() and the Avro container writer on one
 * interval's worth of realistic flowtuples.
 *
 * usage: bench_writer [DIR [RECORDS [BLOCK_BYTES]]]
 *        (defaults: /tmp, 1440000, 65536)
 *
 * The records imitate a /8 telescope's 300-s interval, sorted by key as the
 * daemon writes them: mostly one- to three-packet TCP scans, 1-3 common
 * values per field, geolocation codes and origin ASes from small sets.
 * They are generated once (deterministically, not timed); each run then
 * encodes every record, appends it, and commits the file (fsync and rename
 * included).  Every figure is the median of 3 runs.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "avro_writer.h"
#include "ft4.h"
#include "test_util.h"

#define RUNS 3

static uint64_t rng_state = 0x5eed;

static uint64_t rnd(void)
{
	return splitmix64(&rng_state);
}

static uint32_t below(uint32_t n)
{
	return (uint32_t)(rnd() % n);
}

/* 1-3 distinct values from pick(), counts summing to n (n >= k). */
static void fill_common(struct ft4_common *c, uint64_t n, uint32_t *uniq,
                        uint32_t (*pick)(void))
{
	uint32_t vals[3];
	uint64_t cnt[3];
	unsigned k = 1 + below(3);

	if (k > n)
		k = (unsigned)n;
	for (unsigned i = 0; i < k; i++) {
		uint32_t v;
		unsigned j;
		do {
			v = pick();
			for (j = 0; j < i && vals[j] != v; j++)
				;
		} while (j < i);
		vals[i] = v;
		cnt[i] = 1;
	}
	/* the first value takes most of the remaining packets */
	uint64_t left = n - k;
	for (unsigned i = 1; i < k; i++) {
		uint64_t more = rnd() % (left / 2 + 1);
		cnt[i] += more;
		left -= more;
	}
	cnt[0] += left;
	*uniq = k;
	ft4_common_values(vals, cnt, k, n, c);
}

static uint32_t pick_size(void)
{
	static const uint32_t sizes[] = {40, 44, 52, 60, 64, 28, 76, 1500};
	return below(4) ? sizes[below(4)] : sizes[below(8)] + below(400);
}

static uint32_t pick_ttl(void)
{
	return below(3) ? 40 + below(30) : 100 + below(150);
}

static uint32_t pick_port(void)
{
	return 1024 + below(64512);
}

static uint32_t pick_flags(void)
{
	static const uint32_t flags[] = {0x02, 0x12, 0x10, 0x04, 0x14, 0xc2};
	return flags[below(6)];
}

static void make_records(struct ft4_record *recs, size_t n)
{
	static const char *const cont[] = {"AS", "EU", "NA", "SA", "AF", "??"};
	static const char *const ctry[] = {"CN", "US", "RU", "BR", "IN",
	                                   "DE", "NL", "VN", "KR", "??"};
	static const uint16_t ports[] = {23,   445, 22,   80,   3389,
	                                 8080, 443, 5555, 1433, 6379};
	uint32_t src = 0x01000000;

	for (size_t i = 0; i < n; i++) {
		struct ft4_record *r = &recs[i];

		memset(r, 0, sizeof *r);
		if (i == 0 || below(10) < 7)
			src += 1 + below(2500); /* a new source */
		r->time = 1700000100;
		r->src_ip = src;
		r->dst_net = 0x2c000000u | (below(256) << 16);
		uint32_t proto = below(100);
		r->protocol = proto < 75 ? 6 : proto < 92 ? 17 : 1;
		uint64_t u = rnd() % 1000;
		r->packet_cnt = u < 700   ? 1
		                : u < 900 ? 2 + below(3)
		                : u < 990 ? 5 + below(60)
		                          : 65 + below(50000);
		r->uniq_dst_ips =
		    (uint32_t)(r->packet_cnt == 1 ? 1
		                                  : 1 + rnd() % r->packet_cnt);
		fill_common(&r->pkt_sizes, r->packet_cnt, &r->uniq_pkt_sizes,
		            pick_size);
		fill_common(&r->ttls, r->packet_cnt, &r->uniq_ttls, pick_ttl);
		if (r->protocol == 1) {
			r->dst_port = (uint16_t)(below(2) ? 2048 : 771);
		} else {
			r->dst_port = below(3) ? ports[below(10)]
			                       : (uint16_t)below(65536);
			fill_common(&r->src_ports, r->packet_cnt,
			            &r->uniq_src_ports, pick_port);
		}
		if (r->protocol == 6) {
			fill_common(&r->tcp_flags, r->packet_cnt,
			            &r->uniq_tcp_flags, pick_flags);
			r->first_syn_length = below(4) ? 40 : 20 + 4 * below(6);
			r->first_tcp_rwin = below(2) ? 1024 : below(65536);
		}
		strcpy(r->maxmind_continent, cont[below(6)]);
		strcpy(r->maxmind_country, ctry[below(10)]);
		strcpy(r->netacq_continent, r->maxmind_continent);
		strcpy(r->netacq_country, ctry[below(10)]);
		r->prefix2asn = below(8) ? 4134 + below(20) * 1000 : 0;
	}
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(double *v)
{
	qsort(v, RUNS, sizeof *v, cmp_double);
	return v[RUNS / 2];
}

static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void report(const char *label, size_t n, double *wall, double *cpu,
                   uint64_t bytes, uint64_t file_bytes)
{
	double w = median(wall), c = median(cpu);

	printf("%-13s %11.0f %11.0f %9.2f %9.2f %8.3f %8.3f\n", label,
	       (double)n / w, (double)n / c, (double)bytes / (double)n,
	       (double)file_bytes / 1e6, w, c);
}

/* ft4_encode alone into a scratch buffer: over all records (streaming them
 * from memory, 336 bytes each), and over the first HOT records again and
 * again (in cache, as on an aggregator that encodes what it just built). */
#define HOT 4096
static void bench_encode(const struct ft4_record *recs, size_t n, bool hot)
{
	static uint8_t buf[1 << 16];
	double wall[RUNS], cpu[RUNS];
	uint64_t bytes = 0, sink = 0;
	size_t mask = hot && n >= HOT ? HOT - 1 : SIZE_MAX;

	for (int k = 0; k < RUNS; k++) {
		size_t off = 0;
		double t0 = now(), c0 = cpu_now();
		bytes = 0;
		for (size_t i = 0; i < n; i++) {
			if (off > sizeof buf - FT4_MAX_ENCODED)
				off = 0;
			size_t len = ft4_encode(&recs[i & mask], buf + off);
			off += len;
			bytes += len;
		}
		wall[k] = now() - t0;
		cpu[k] = cpu_now() - c0;
		sink += buf[off / 2];
	}
	report(hot ? "encode (hot)" : "encode", n, wall, cpu, bytes, 0);
	if (sink == 0xffffffff)
		puts("");
}

static int bench_write(const struct ft4_record *recs, size_t n, const char *dir,
                       size_t block_bytes, enum avro_codec codec, int level)
{
	char path[4096], label[32];
	double wall[RUNS], cpu[RUNS];
	uint64_t size = 0;
	uint8_t buf[FT4_MAX_ENCODED];

	snprintf(path, sizeof path, "%s/bench_writer.%d.avro", dir, getpid());
	if (codec == AVRO_CODEC_DEFLATE)
		snprintf(label, sizeof label, "deflate-%d", level);
	else
		snprintf(label, sizeof label, "%s", avro_codec_name(codec));
	for (int k = 0; k < RUNS; k++) {
		struct avro_writer_opts o = {.codec = codec,
		                             .deflate_level = level,
		                             .block_bytes = block_bytes};
		struct umbra_err err;
		double t0 = now(), c0 = cpu_now();
		struct avro_writer *w =
		    avro_writer_open(path, ft4_schema_json, &o, &err);
		if (!w) {
			fprintf(stderr, "bench_writer: %s\n", err.msg);
			return -1;
		}
		for (size_t i = 0; i < n; i++) {
			size_t len = ft4_encode(&recs[i], buf);
			int rc = avro_writer_append(w, buf, len);
			if (rc < 0) {
				fprintf(stderr, "bench_writer: append: %s\n",
				        strerror(-rc));
				avro_writer_abort(w);
				return -1;
			}
		}
		if (avro_writer_commit(w, &size, &err) < 0) {
			fprintf(stderr, "bench_writer: %s\n", err.msg);
			return -1;
		}
		wall[k] = now() - t0;
		cpu[k] = cpu_now() - c0;
		unlink(path);
	}
	report(label, n, wall, cpu, size, size);
	return 0;
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "/tmp";
	size_t n = argc > 2 ? strtoul(argv[2], NULL, 10) : 1440000;
	size_t block = argc > 3 ? strtoul(argv[3], NULL, 10) : 65536;
	static const int levels[] = {1, 3, 6, 9};

	if (n == 0 || block == 0) {
		fprintf(stderr,
		        "usage: bench_writer [DIR [RECORDS [BLOCK_BYTES]]]\n");
		return 2;
	}
	struct ft4_record *recs = malloc(n * sizeof *recs);
	if (!recs) {
		fprintf(stderr, "bench_writer: out of memory\n");
		return 1;
	}
	make_records(recs, n);
	printf("%zu records, blocks of %zu bytes, files in %s, median of %d "
	       "runs\n",
	       n, block, dir, RUNS);
	printf("%-13s %11s %11s %9s %9s %8s %8s\n", "", "rec/s wall",
	       "rec/s cpu", "B/record", "file MB", "wall s", "cpu s");
	bench_encode(recs, n, true);
	bench_encode(recs, n, false);
	int rc = bench_write(recs, n, dir, block, AVRO_CODEC_NULL, 0);
	for (size_t i = 0; rc == 0 && i < sizeof levels / sizeof levels[0]; i++)
		rc = bench_write(recs, n, dir, block, AVRO_CODEC_DEFLATE,
		                 levels[i]);
	if (rc == 0)
		rc = bench_write(recs, n, dir, block, AVRO_CODEC_SNAPPY, 0);
	free(recs);
	return rc == 0 ? 0 : 1;
}
