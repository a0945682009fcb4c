/* afpacket_probe: read an interface through capture_afpacket_ops alone and
 * report what each queue saw.  For test_afpacket_backend.sh (as root).
 *
 *   afpacket_probe [-q QUEUES] [-t SECONDS] [-n EXPECT] [-l LINGER_MS]
 *                  [-f FILTER] [-F source|hash] [-P] [-b BLOCK] [-r RING]
 *                  [-d DELAY_MS] IFACE
 *
 * Opens QUEUES queues in order in the main thread (as umbrad does), reads
 * each in its own thread for SECONDS, or until EXPECT packets arrived and
 * then LINGER_MS more (to see any extra), and prints one line per queue and
 * a total line of key=value pairs:
 *   queue=Q packets ipv4 udp sources drops eagain eagain_max_ms
 *   total packets ipv4 udp sources split_sources drops seconds pps
 * sources = distinct IPv4 source addresses; split_sources = those seen on
 * more than one queue.  -P: not promiscuous.  -d: start reading DELAY_MS
 * after the "ready" line (to make the kernel drop: a reader that stalls).  Exit
 * 1 when open fails (the backend's message on stderr), 2 on a usage error.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "capture.h"
#include "config.h"
#include "decode.h"

#define MAX_QUEUES 64

/* A set of IPv4 addresses (key src + 1, 0 = empty) with a queue mask. */
struct srcset {
	uint64_t *key;
	uint64_t *mask;
	size_t cap, n;
};

static int set_init(struct srcset *s, size_t cap)
{
	s->key = calloc(cap, sizeof *s->key);
	s->mask = calloc(cap, sizeof *s->mask);
	s->cap = cap;
	s->n = 0;
	return s->key && s->mask ? 0 : -ENOMEM;
}

static void set_free(struct srcset *s)
{
	free(s->key);
	free(s->mask);
}

static int set_add(struct srcset *s, uint32_t ip, uint64_t mask);

static int set_grow(struct srcset *s)
{
	struct srcset b;

	if (set_init(&b, s->cap * 2))
		return -ENOMEM;
	for (size_t i = 0; i < s->cap; i++)
		if (s->key[i])
			set_add(&b, (uint32_t)(s->key[i] - 1), s->mask[i]);
	set_free(s);
	*s = b;
	return 0;
}

static int set_add(struct srcset *s, uint32_t ip, uint64_t mask)
{
	uint64_t k = (uint64_t)ip + 1;
	size_t i = (size_t)((k * 0x9E3779B97F4A7C15ull) >> 32) & (s->cap - 1);

	while (s->key[i] && s->key[i] != k)
		i = (i + 1) & (s->cap - 1);
	if (!s->key[i]) {
		if ((s->n + 1) * 2 > s->cap) {
			if (set_grow(s))
				return -ENOMEM;
			return set_add(s, ip, mask);
		}
		s->key[i] = k;
		s->n++;
	}
	s->mask[i] |= mask;
	return 0;
}

struct queue {
	pthread_t tid;
	struct capture_src *src;
	uint32_t id;
	uint64_t packets, ipv4, udp, eagain;
	double eagain_max_ms;
	double first, last; /* monotonic seconds of the first/last packet */
	struct srcset srcs;
	int error;
	struct umbra_err err;
};

static atomic_int stop;
static atomic_ullong total;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *reader(void *arg)
{
	struct queue *q = arg;
	const struct capture_ops *ops = &capture_afpacket_ops;
	struct umbra_frame f;
	struct ft_pkt pkt;

	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		double t0 = now();
		int rc = ops->next(q->src, &f, &q->err);
		if (rc == -EAGAIN) {
			double ms = (now() - t0) * 1e3;
			q->eagain++;
			if (ms > q->eagain_max_ms)
				q->eagain_max_ms = ms;
			continue;
		}
		if (rc != 1) {
			q->error = rc;
			break;
		}
		q->last = t0;
		if (!q->packets++)
			q->first = t0;
		atomic_fetch_add_explicit(&total, 1, memory_order_relaxed);
		if (umbra_decode(&f, &pkt) != UMBRA_PKT_IPV4)
			continue;
		q->ipv4++;
		if (pkt.proto == 17)
			q->udp++;
		if (set_add(&q->srcs, pkt.src_ip, 1)) {
			q->error = -ENOMEM;
			break;
		}
	}
	return NULL;
}

/* the configuration, freed at exit whichever way the probe ends (the
 * sanitizer build counts leaks on the error paths the test takes) */
static struct umbra_config cfg;

static void free_cfg(void)
{
	umbra_config_free(&cfg);
}

static void usage(void)
{
	fprintf(stderr,
	        "usage: afpacket_probe [-q QUEUES] [-t SECONDS] [-n EXPECT] "
	        "[-l LINGER_MS] [-f FILTER] [-F source|hash] [-P] [-b BLOCK] "
	        "[-r RING] [-d DELAY_MS] IFACE\n");
	exit(2);
}

static void set_or_die(struct umbra_config *c, const char *key, const char *val)
{
	struct umbra_err err;
	if (umbra_config_set(c, key, val, key, &err)) {
		fprintf(stderr, "afpacket_probe: %s\n", err.msg);
		exit(2);
	}
}

int main(int argc, char **argv)
{
	static struct queue qs[MAX_QUEUES];
	struct umbra_err err;
	const struct capture_ops *ops = &capture_afpacket_ops;
	double seconds = 5, linger_ms = 500, delay_ms = 0;
	unsigned long long expect = 0;
	uint32_t n = 1;
	void *shared = NULL;
	int opt, rc = 0;

	if (umbra_config_defaults(&cfg))
		return 1;
	atexit(free_cfg);
	while ((opt = getopt(argc, argv, "q:t:n:l:f:F:Pb:r:d:")) != -1) {
		switch (opt) {
		case 'q':
			set_or_die(&cfg, "capture_threads", optarg);
			break;
		case 't':
			seconds = atof(optarg);
			break;
		case 'n':
			expect = strtoull(optarg, NULL, 10);
			break;
		case 'l':
			linger_ms = atof(optarg);
			break;
		case 'f':
			set_or_die(&cfg, "bpf_filter", optarg);
			break;
		case 'F':
			set_or_die(&cfg, "afpacket_fanout", optarg);
			break;
		case 'P':
			set_or_die(&cfg, "promiscuous", "false");
			break;
		case 'b':
			set_or_die(&cfg, "afpacket_block_size", optarg);
			break;
		case 'r':
			set_or_die(&cfg, "afpacket_ring_size", optarg);
			break;
		case 'd':
			delay_ms = atof(optarg);
			break;
		default:
			usage();
		}
	}
	if (optind != argc - 1)
		usage();
	if (umbra_config_validate(&cfg, &err)) {
		fprintf(stderr, "afpacket_probe: %s\n", err.msg);
		return 2;
	}
	n = cfg.capture_threads;
	if (ops->prepare(argv[optind], &cfg, n, &shared, &err)) {
		fprintf(stderr, "afpacket_probe: %s\n", err.msg);
		return 1;
	}
	for (uint32_t i = 0; i < n; i++) {
		qs[i].id = i;
		qs[i].src = ops->open(argv[optind], &cfg, shared, i, n, &err);
		if (!qs[i].src) {
			fprintf(stderr, "afpacket_probe: %s\n", err.msg);
			for (uint32_t j = 0; j < i; j++)
				ops->close(qs[j].src);
			ops->unprepare(shared);
			return 1;
		}
	}
	for (uint32_t i = 0; i < n; i++) {
		if (set_init(&qs[i].srcs, 1024)) {
			fprintf(stderr, "afpacket_probe: out of memory\n");
			return 1;
		}
	}
	/* ready: the test waits for this line before it sends */
	printf("ready queues=%u\n", n);
	fflush(stdout);
	if (delay_ms > 0)
		usleep((useconds_t)(delay_ms * 1e3));
	for (uint32_t i = 0; i < n; i++)
		pthread_create(&qs[i].tid, NULL, reader, &qs[i]);

	double t0 = now(), reached = 0;
	for (;;) {
		double t = now();
		if (t - t0 >= seconds)
			break;
		if (expect && !reached && atomic_load(&total) >= expect)
			reached = t;
		if (reached && (t - reached) * 1e3 >= linger_ms)
			break;
		usleep(10000);
	}
	atomic_store(&stop, 1);

	struct srcset all;
	uint64_t sum[4] = {0}, drops = 0;
	double first = 0, last = 0;
	if (set_init(&all, 1024))
		return 1;
	for (uint32_t i = 0; i < n; i++) {
		struct queue *q = &qs[i];
		struct capture_drops d;
		pthread_join(q->tid, NULL);
		ops->drops(q->src, &d);
		if (q->error) {
			fprintf(stderr,
			        "afpacket_probe: queue %u: error %d: %s\n", i,
			        q->error, q->err.msg);
			rc = 1;
		}
		printf("queue=%u packets=%llu ipv4=%llu udp=%llu sources=%zu "
		       "drops=%llu eagain=%llu eagain_max_ms=%.1f\n",
		       i, (unsigned long long)q->packets,
		       (unsigned long long)q->ipv4, (unsigned long long)q->udp,
		       q->srcs.n, (unsigned long long)d.kernel,
		       (unsigned long long)q->eagain, q->eagain_max_ms);
		sum[0] += q->packets;
		sum[1] += q->ipv4;
		sum[2] += q->udp;
		drops += d.kernel;
		if (q->packets && (!first || q->first < first))
			first = q->first;
		if (q->packets && q->last > last)
			last = q->last;
		for (size_t k = 0; k < q->srcs.cap; k++)
			if (q->srcs.key[k] &&
			    set_add(&all, (uint32_t)(q->srcs.key[k] - 1),
			            1ull << i))
				return 1;
		ops->close(q->src);
		set_free(&q->srcs);
	}
	ops->unprepare(shared);
	for (size_t k = 0; k < all.cap; k++)
		if (all.key[k] && __builtin_popcountll(all.mask[k]) > 1)
			sum[3]++;
	double span = last > first ? last - first : 0;
	printf("total packets=%llu ipv4=%llu udp=%llu sources=%zu "
	       "split_sources=%llu drops=%llu seconds=%.3f pps=%.0f\n",
	       (unsigned long long)sum[0], (unsigned long long)sum[1],
	       (unsigned long long)sum[2], all.n, (unsigned long long)sum[3],
	       (unsigned long long)drops, span,
	       span > 0 ? (double)sum[0] / span : 0.0);
	set_free(&all);
	return rc;
}
