/* dpdk_probe: read a DPDK port through capture_dpdk_ops alone and report
 * what each queue saw.  For test_dpdk.sh and for throughput figures.
 *
 *   dpdk_probe [-q QUEUES] [-t SECONDS] [-d RX_DESC] [-m MBUFS] [-P]
 *              PORT [EAL_ARG...]
 *
 * Prepares the port with the EAL arguments given after PORT, opens QUEUES
 * queues in order in the main thread (as umbrad does), and reads each in a
 * thread of its own: for SECONDS when -t is given, otherwise until the
 * port has gone quiet (a queue stops at its first -EAGAIN once any queue has
 * seen a packet; net_pcap at the end of its file).  Prints one line per
 * queue and a total line of key=value pairs:
 *   queue=Q packets=N bytes=N nic_drops=N nombuf_drops=N pps=N
 *   total packets=N bytes=N nic_drops=N nombuf_drops=N seconds=S pps=N
 * -P: not promiscuous.  Exit 1 when prepare or open fails (the backend's
 * message on stderr), 2 on a usage error.
 */
#include "autoconfig.h"

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
#include "log.h"

#define MAX_QUEUES 64

struct reader {
	pthread_t tid;
	struct capture_src *src;
	uint32_t queue;
	uint64_t packets, bytes, sum;
	double seconds;
	int error;
	struct capture_drops drops;
};

static const struct capture_ops *ops = &capture_dpdk_ops;
static double run_seconds; /* 0 = until quiet */
static atomic_int seen_any;

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void *reader_main(void *arg)
{
	struct reader *r = arg;
	struct umbra_frame f;
	struct umbra_err err;
	double t0 = now_s(), stop = t0 + run_seconds;

	for (;;) {
		int ret = ops->next(r->src, &f, &err);

		if (ret == 1) {
			r->packets++;
			r->bytes += f.wirelen;
			r->sum += f.caplen ? f.data[0] : 0; /* touch the data */
			if (r->packets == 1)
				atomic_store(&seen_any, 1);
			if (run_seconds > 0 && (r->packets & 0xfff) == 0 &&
			    now_s() >= stop)
				break;
			continue;
		}
		if (ret == -EAGAIN) {
			if (run_seconds > 0 ? now_s() >= stop
			                    : atomic_load(&seen_any))
				break;
			continue;
		}
		if (ret < 0) {
			fprintf(stderr, "dpdk_probe: queue %u: %s\n", r->queue,
			        err.msg);
			r->error = 1;
		}
		break;
	}
	r->seconds = now_s() - t0;
	ops->drops(r->src, &r->drops);
	return NULL;
}

static int set_key(struct umbra_config *c, const char *key, const char *val)
{
	struct umbra_err err;

	if (umbra_config_set(c, key, val, key, &err)) {
		fprintf(stderr, "dpdk_probe: %s\n", err.msg);
		return -1;
	}
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: dpdk_probe [-q QUEUES] [-t SECONDS] "
	                "[-d RX_DESC] [-m MBUFS] [-P] PORT [EAL_ARG...]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static struct reader rd[MAX_QUEUES];
	struct umbra_config cfg;
	struct umbra_err err;
	struct capture_drops tot = {0};
	uint64_t packets = 0, bytes = 0;
	double secs = 0;
	uint32_t nq = 1;
	void *shared = NULL;
	int opt, status = 0;

	umbra_log_init("dpdk_probe", UMBRA_LOG_INFO);
	if (umbra_config_defaults(&cfg))
		return 1;
	while ((opt = getopt(argc, argv, "+q:t:d:m:P")) != -1) {
		switch (opt) {
		case 'q':
			nq = (uint32_t)atoi(optarg);
			if (nq < 1 || nq > MAX_QUEUES)
				usage();
			break;
		case 't':
			run_seconds = atof(optarg);
			break;
		case 'd':
			if (set_key(&cfg, "dpdk_rx_desc", optarg))
				return 2;
			break;
		case 'm':
			if (set_key(&cfg, "dpdk_mbufs", optarg))
				return 2;
			break;
		case 'P':
			cfg.promiscuous = false;
			break;
		default:
			usage();
		}
	}
	if (optind >= argc)
		usage();
	const char *port = argv[optind++];
	for (int i = optind; i < argc; i++)
		if (set_key(&cfg, "dpdk_eal_args", argv[i]))
			return 2;
	cfg.capture_threads = nq;

	if (ops->prepare(port, &cfg, nq, &shared, &err) < 0) {
		fprintf(stderr, "dpdk_probe: %s\n", err.msg);
		umbra_config_free(&cfg);
		return 1;
	}
	for (uint32_t q = 0; q < nq; q++) {
		rd[q].queue = q;
		rd[q].src = ops->open(port, &cfg, shared, q, nq, &err);
		if (!rd[q].src) {
			fprintf(stderr, "dpdk_probe: %s\n", err.msg);
			status = 1;
			nq = q;
			break;
		}
	}
	for (uint32_t q = 0; status == 0 && q < nq; q++)
		pthread_create(&rd[q].tid, NULL, reader_main, &rd[q]);
	for (uint32_t q = 0; status == 0 && q < nq; q++) {
		pthread_join(rd[q].tid, NULL);
		printf("queue=%u packets=%llu bytes=%llu nic_drops=%llu "
		       "nombuf_drops=%llu pps=%.0f\n",
		       q, (unsigned long long)rd[q].packets,
		       (unsigned long long)rd[q].bytes,
		       (unsigned long long)rd[q].drops.nic,
		       (unsigned long long)rd[q].drops.nombuf,
		       rd[q].seconds > 0 ? (double)rd[q].packets / rd[q].seconds
		                         : 0.0);
		packets += rd[q].packets;
		bytes += rd[q].bytes;
		tot.nic += rd[q].drops.nic;
		tot.nombuf += rd[q].drops.nombuf;
		if (rd[q].seconds > secs)
			secs = rd[q].seconds;
		status |= rd[q].error;
	}
	if (nq && status == 0)
		printf("total packets=%llu bytes=%llu nic_drops=%llu "
		       "nombuf_drops=%llu seconds=%.3f pps=%.0f\n",
		       (unsigned long long)packets, (unsigned long long)bytes,
		       (unsigned long long)tot.nic,
		       (unsigned long long)tot.nombuf, secs,
		       secs > 0 ? (double)packets / secs : 0.0);
	for (uint32_t q = 0; q < nq; q++)
		ops->close(rd[q].src);
	ops->unprepare(shared);
	umbra_config_free(&cfg);
	return status;
}
