/* capture_dpdk.c: the DPDK backend, dpdk:PORT, one RX queue per capture
 * thread (see capture.h for who calls what, and when).
 *
 * PORT is a port id ("dpdk:0") or an ethdev name ("dpdk:net_pcap0",
 * "dpdk:0000:3b:00.0").  The EAL arguments come from dpdk_eal_args: the
 * devices to probe (-a PCI, --vdev=...), memory (-m, hugepages), and so on.
 *
 * The EAL (arguments, threads, log) is dpdk_eal.c's.  Each capture thread
 * registers itself with rte_thread_register() on its first read, which
 * gives it an lcore id and so the mempool's per-lcore cache; without it (a
 * failure is logged) the pool still works, only slower.
 *
 * The port.  n_queues RX queues, each with its own mempool of dpdk_mbufs
 * buffers on the port's NUMA node, dpdk_rx_desc descriptors, no TX queue
 * (one, never used, when the driver insists).  With several queues, RSS is
 * asked to hash the IPv4 source address only (RTE_ETH_RSS_IPV4 |
 * RTE_ETH_RSS_L3_SRC_ONLY, as far as the port offers it).  A port that
 * cannot (virtual devices offer no RSS at all) spreads packets as it likes,
 * and packets of one source can land on several queues; that costs nothing
 * in correctness, because every capture thread hashes each packet by its
 * source onto the aggregators, so the log only says so.
 *
 * The read path.  next() takes a burst of up to DPDK_BURST mbufs and hands
 * them out one at a time; the burst is freed in bulk (back into the
 * per-lcore cache) when it is used up, before the next rx_burst, so no
 * mbuf is held longer than one burst and nothing is allocated per packet.
 * DPDK gives no timestamp by default: the wall clock is read once per
 * burst.  caplen is the first segment's length (all the decoder needs),
 * wirelen the packet's.  An empty queue is polled in a short spin, then
 * with 100 us naps, and after CAPTURE_POLL_MS without a packet next()
 * returns -EAGAIN.
 *
 * Drops.  imissed (the NIC had no descriptor) and rx_nombuf (no mbuf to
 * refill one) are port-wide counters; drops() reports them on queue 0 only,
 * as differences from their values when the port started, and zeros on the
 * other queues, so that summing the queues gives the port's drops once.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_branch_prediction.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_pause.h>
#include <rte_prefetch.h>

#include "capture.h"
#include "dpdk_eal.h"
#include "log.h"

#define DPDK_BURST      32     /* mbufs per rte_eth_rx_burst */
#define DPDK_SPIN_POLLS 64     /* empty polls before the first nap */
#define DPDK_NAP_NS     100000 /* nap between polls of an idle queue */
#define DPDK_POOL_CACHE 256    /* mempool per-lcore cache */

/* One port, from prepare() to unprepare(); read-only in between. */
struct dpdk_port {
	uint16_t port;
	uint32_t n_queues;
	int configured;
	int started;
	int socket;
	struct rte_eth_stats base;  /* the counters when the port started */
	char label[96];             /* "dpdk:NAME" for messages */
	struct rte_mempool **pools; /* [n_queues] */
};

/* One RX queue, owned by its capture thread. */
struct dpdk_queue {
	struct rte_mbuf *pkts[DPDK_BURST];
	uint16_t n;   /* mbufs in pkts */
	uint16_t pos; /* next one to hand out */
	uint16_t port;
	uint16_t queue;
	int registered; /* rte_thread_register done (or tried) */
	int64_t ts_sec; /* wall clock at the current burst */
	uint32_t ts_nsec;
	struct capture_drops last; /* what drops() reported last */
	const struct dpdk_port *pt;
} __rte_cache_aligned;

/* Find the port by number or by name; the message lists what exists. */
static int port_find(const char *rest, struct dpdk_port *pt,
                     struct umbra_err *err)
{
	char name[RTE_ETH_NAME_MAX_LEN], list[UMBRA_ERR_MAX / 2] = "";
	size_t off = 0;
	uint16_t id;
	char *end;

	unsigned long v = strtoul(rest, &end, 10);
	if (rest[0] >= '0' && rest[0] <= '9' && *end == '\0' &&
	    v < RTE_MAX_ETHPORTS && rte_eth_dev_is_valid_port((uint16_t)v)) {
		pt->port = (uint16_t)v;
		if (rte_eth_dev_get_name_by_port(pt->port, name) == 0)
			snprintf(pt->label, sizeof pt->label, "dpdk:%s (%s)",
			         rest, name);
		return 0;
	}
	if (rte_eth_dev_get_port_by_name(rest, &id) == 0) {
		pt->port = id;
		return 0;
	}
	RTE_ETH_FOREACH_DEV(id)
	{
		int r;

		if (rte_eth_dev_get_name_by_port(id, name) != 0)
			continue;
		r = snprintf(list + off, sizeof list - off, "%s%u (%s)",
		             off ? ", " : "", id, name);
		if (r > 0 && (size_t)r < sizeof list - off)
			off += (size_t)r;
	}
	return umbra_err_set(err, -ENODEV,
	                     "%s: no such DPDK port; the EAL found %s%s",
	                     pt->label, off ? "" : "none",
	                     off ? list
	                         : " (give it one in dpdk_eal_args: "
	                           "--vdev=..., or -a PCI_ADDRESS of a NIC "
	                           "bound to vfio-pci)");
}

/* RSS on the IPv4 source address where the port offers it; otherwise any
 * IP hash it has, for balance only (see the top of the file). */
static void port_rss(struct dpdk_port *pt, const struct rte_eth_dev_info *di,
                     struct rte_eth_conf *conf)
{
	const uint64_t want = RTE_ETH_RSS_IPV4 | RTE_ETH_RSS_L3_SRC_ONLY;
	uint64_t offer = di->flow_type_rss_offloads;
	uint64_t hf = want & offer;

	if (pt->n_queues < 2)
		return;
	if (hf != want)
		hf = (RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP) &
		     offer;
	if (hf) {
		conf->rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf->rx_adv_conf.rss_conf.rss_key = NULL;
		conf->rx_adv_conf.rss_conf.rss_hf = hf;
	}
	if (hf == want)
		log_info("%s: RSS on the IPv4 source address: each source "
		         "stays on one of the %u queues",
		         pt->label, pt->n_queues);
	else
		log_warn(
		    "%s: the port cannot hash on the IPv4 source address "
		    "only (RSS types offered: 0x%" PRIx64 "%s), so "
		    "packets of one source can land on several of its %u "
		    "queues; flowtuples stay correct: every capture thread "
		    "hashes packets by source onto the aggregators",
		    pt->label, offer,
		    hf ? ", using an IP hash for balance"
		       : "; the driver spreads packets its own way",
		    pt->n_queues);
}

static int pool_error(const struct dpdk_port *pt, uint32_t q, uint32_t n,
                      struct umbra_err *err)
{
	uint64_t mib =
	    (uint64_t)n * (RTE_MBUF_DEFAULT_BUF_SIZE + sizeof(struct rte_mbuf) +
	                   RTE_CACHE_LINE_SIZE) >>
	    20;

	return umbra_err_set(
	    err, -rte_errno,
	    "%s: queue %u: cannot make a pool of %u mbufs "
	    "(about %" PRIu64 " MiB) on NUMA node %d: %s; give "
	    "the EAL more memory (-m, --socket-mem, "
	    "hugepages) or lower dpdk_mbufs",
	    pt->label, q, n, mib, pt->socket, rte_strerror(rte_errno));
}

/* Configure the port and its queues and start it. */
static int port_setup(struct dpdk_port *pt, const struct umbra_config *cfg,
                      struct umbra_err *err)
{
	struct rte_eth_dev_info di;
	struct rte_eth_conf conf = {0};
	struct rte_eth_link link;
	char linktxt[64] = "link state unknown";
	uint16_t nb_rxd =
	    (uint16_t)(cfg->dpdk_rx_desc > UINT16_MAX ? UINT16_MAX
	                                              : cfg->dpdk_rx_desc);
	uint16_t nb_txd = 0, nb_tx = 0;
	unsigned cache;
	int ret;

	ret = rte_eth_dev_info_get(pt->port, &di);
	if (ret != 0)
		return umbra_err_set(
		    err, ret, "%s: cannot read the port's information: %s",
		    pt->label, rte_strerror(-ret));
	if (pt->n_queues > di.max_rx_queues)
		return umbra_err_set(
		    err, -EINVAL,
		    "%s: capture_threads is %u but the port (driver %s) has at "
		    "most %u RX queue%s; lower capture_threads or give the "
		    "device more queues (net_pcap: one per rx_pcap=, "
		    "net_af_packet: qpairs=N)",
		    pt->label, pt->n_queues, di.driver_name, di.max_rx_queues,
		    di.max_rx_queues == 1 ? "" : "s");
	pt->socket = rte_eth_dev_socket_id(pt->port);
	port_rss(pt, &di, &conf);
	ret = rte_eth_dev_configure(pt->port, (uint16_t)pt->n_queues, 0, &conf);
	if (ret != 0) { /* some drivers want a TX queue */
		nb_tx = 1;
		ret = rte_eth_dev_configure(pt->port, (uint16_t)pt->n_queues,
		                            nb_tx, &conf);
	}
	if (ret != 0)
		return umbra_err_set(
		    err, ret, "%s: cannot configure %u RX queue(s): %s",
		    pt->label, pt->n_queues, rte_strerror(-ret));
	pt->configured = 1;
	ret = rte_eth_dev_adjust_nb_rx_tx_desc(pt->port, &nb_rxd,
	                                       nb_tx ? &nb_txd : NULL);
	if (ret != 0)
		return umbra_err_set(err, ret, "%s: descriptor counts: %s",
		                     pt->label, rte_strerror(-ret));
	if (nb_rxd != cfg->dpdk_rx_desc)
		log_info("%s: dpdk_rx_desc %u adjusted to %u for the port",
		         pt->label, cfg->dpdk_rx_desc, nb_rxd);
	cache = cfg->dpdk_mbufs / 8 < DPDK_POOL_CACHE ? cfg->dpdk_mbufs / 8
	                                              : DPDK_POOL_CACHE;
	if (cfg->dpdk_mbufs < nb_rxd + 2u * DPDK_BURST + cache * 3 / 2)
		return umbra_err_set(
		    err, -EINVAL,
		    "%s: dpdk_mbufs (%u) cannot fill %u RX descriptors and a "
		    "burst in flight: give at least %u, or fewer dpdk_rx_desc",
		    pt->label, cfg->dpdk_mbufs, nb_rxd,
		    nb_rxd + 2u * DPDK_BURST + cache * 3 / 2);

	pt->pools = calloc(pt->n_queues, sizeof *pt->pools);
	if (!pt->pools)
		return umbra_err_set(err, -ENOMEM, "%s: out of memory",
		                     pt->label);
	for (uint32_t q = 0; q < pt->n_queues; q++) {
		char name[RTE_MEMPOOL_NAMESIZE];

		snprintf(name, sizeof name, "umbra_p%u_q%u", pt->port, q);
		pt->pools[q] = rte_pktmbuf_pool_create(
		    name, cfg->dpdk_mbufs, cache, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
		    pt->socket);
		if (!pt->pools[q])
			return pool_error(pt, q, cfg->dpdk_mbufs, err);
		ret = rte_eth_rx_queue_setup(pt->port, (uint16_t)q, nb_rxd,
		                             (unsigned)pt->socket, NULL,
		                             pt->pools[q]);
		if (ret != 0)
			return umbra_err_set(err, ret,
			                     "%s: cannot set up RX queue %u "
			                     "(%u descriptors): %s",
			                     pt->label, q, nb_rxd,
			                     rte_strerror(-ret));
	}
	if (nb_tx) {
		ret = rte_eth_tx_queue_setup(pt->port, 0, nb_txd,
		                             (unsigned)pt->socket, NULL);
		if (ret != 0)
			return umbra_err_set(
			    err, ret, "%s: cannot set up its TX queue: %s",
			    pt->label, rte_strerror(-ret));
	}
	if (cfg->promiscuous) {
		ret = rte_eth_promiscuous_enable(pt->port);
		if (ret != 0)
			log_warn("%s: cannot turn promiscuous mode on: %s",
			         pt->label, rte_strerror(-ret));
	}
	ret = rte_eth_dev_start(pt->port);
	if (ret != 0)
		return umbra_err_set(err, ret, "%s: cannot start the port: %s",
		                     pt->label, rte_strerror(-ret));
	pt->started = 1;
	if (rte_eth_stats_get(pt->port, &pt->base) != 0)
		memset(&pt->base, 0, sizeof pt->base);
	if (rte_eth_link_get_nowait(pt->port, &link) == 0)
		snprintf(linktxt, sizeof linktxt, "link %s, %u Mb/s",
		         link.link_status ? "up" : "down", link.link_speed);
	log_info("%s: port %u, driver %s, NUMA node %d: %u RX queue(s) of %u "
	         "descriptors, %u mbufs each%s; %s",
	         pt->label, pt->port, di.driver_name, pt->socket, pt->n_queues,
	         nb_rxd, cfg->dpdk_mbufs,
	         cfg->promiscuous ? ", promiscuous" : "", linktxt);
	return 0;
}

static void port_release(struct dpdk_port *pt)
{
	struct rte_eth_stats s;

	if (pt->started && rte_eth_stats_get(pt->port, &s) == 0)
		log_info("%s: received %" PRIu64 " packets, missed %" PRIu64
		         ", no mbuf %" PRIu64 ", errors %" PRIu64,
		         pt->label, s.ipackets - pt->base.ipackets,
		         s.imissed - pt->base.imissed,
		         s.rx_nombuf - pt->base.rx_nombuf,
		         s.ierrors - pt->base.ierrors);
	if (pt->started)
		rte_eth_dev_stop(pt->port);
	if (pt->configured) /* close it before its pools go */
		rte_eth_dev_close(pt->port);
	if (pt->pools)
		for (uint32_t q = 0; q < pt->n_queues; q++)
			rte_mempool_free(pt->pools[q]);
	free(pt->pools);
	free(pt);
}

static int dpdk_prepare(const char *rest, const struct umbra_config *cfg,
                        uint32_t n_queues, void **shared, struct umbra_err *err)
{
	struct dpdk_port *pt;
	int ret;

	*shared = NULL;
	if (n_queues == 0 || n_queues > RTE_MAX_QUEUES_PER_PORT)
		return umbra_err_set(err, -EINVAL, "dpdk:%s: %u RX queues?",
		                     rest, n_queues);
	ret = dpdk_eal_acquire(&cfg->dpdk_eal_args, err);
	if (ret < 0)
		return ret;
	pt = calloc(1, sizeof *pt);
	if (!pt) {
		dpdk_eal_release();
		return umbra_err_set(err, -ENOMEM, "dpdk:%s: out of memory",
		                     rest);
	}
	pt->n_queues = n_queues;
	snprintf(pt->label, sizeof pt->label, "dpdk:%s", rest);
	ret = port_find(rest, pt, err);
	if (ret == 0)
		ret = port_setup(pt, cfg, err);
	if (ret < 0) {
		port_release(pt);
		dpdk_eal_release();
		return ret;
	}
	*shared = pt;
	return 0;
}

static void dpdk_unprepare(void *shared)
{
	if (!shared)
		return;
	port_release(shared);
	dpdk_eal_release();
}

static struct capture_src *dpdk_open(const char *rest,
                                     const struct umbra_config *cfg,
                                     void *shared, uint32_t queue,
                                     uint32_t n_queues, struct umbra_err *err)
{
	const struct dpdk_port *pt = shared;
	struct dpdk_queue *q;

	(void)cfg;
	if (!pt || queue >= pt->n_queues || n_queues != pt->n_queues) {
		umbra_err_set(err, -EINVAL,
		              "dpdk:%s: queue %u of %u, but the port was "
		              "prepared with %u",
		              rest, queue, n_queues, pt ? pt->n_queues : 0);
		return NULL;
	}
	q = rte_zmalloc_socket("umbra_queue", sizeof *q, RTE_CACHE_LINE_SIZE,
	                       pt->socket);
	if (!q) {
		umbra_err_set(err, -ENOMEM, "%s: queue %u: out of memory",
		              pt->label, queue);
		return NULL;
	}
	q->port = pt->port;
	q->queue = (uint16_t)queue;
	q->pt = pt;
	return (struct capture_src *)q;
}

/* First read in the capture thread: become a registered non-EAL thread
 * (an lcore id, hence the mempool cache). */
static void dpdk_register(struct dpdk_queue *q)
{
	q->registered = 1;
	if (rte_lcore_id() != LCORE_ID_ANY)
		return;
	if (rte_thread_register() != 0)
		log_warn("%s: queue %u: rte_thread_register failed (%s): this "
		         "queue's thread runs without the mempool cache "
		         "(slower, still correct)",
		         q->pt->label, q->queue, rte_strerror(rte_errno));
	else
		log_debug("%s: queue %u: capture thread is lcore %u",
		          q->pt->label, q->queue, rte_lcore_id());
}

/* An empty queue: spin a little, then nap between polls.  Returns the
 * burst's size, or 0 after about CAPTURE_POLL_MS without a packet. */
static uint16_t dpdk_wait(struct dpdk_queue *q)
{
	static const struct timespec nap = {0, DPDK_NAP_NS};
	struct timespec t0, now;
	uint16_t n;

	for (int i = 0; i < DPDK_SPIN_POLLS; i++) {
		rte_pause();
		n = rte_eth_rx_burst(q->port, q->queue, q->pkts, DPDK_BURST);
		if (n)
			return n;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		nanosleep(&nap, NULL);
		n = rte_eth_rx_burst(q->port, q->queue, q->pkts, DPDK_BURST);
		if (n)
			return n;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((now.tv_sec - t0.tv_sec) * 1000 +
		        (now.tv_nsec - t0.tv_nsec) / 1000000 >=
		    CAPTURE_POLL_MS)
			return 0;
	}
}

static int dpdk_next(struct capture_src *src, struct umbra_frame *frame,
                     struct umbra_err *err)
{
	struct dpdk_queue *q = (struct dpdk_queue *)src;
	struct rte_mbuf *m;

	(void)err;
	if (unlikely(q->pos == q->n)) {
		struct timespec ts;
		uint16_t n;

		if (q->n)
			rte_pktmbuf_free_bulk(q->pkts, q->n);
		q->n = q->pos = 0;
		if (unlikely(!q->registered))
			dpdk_register(q);
		n = rte_eth_rx_burst(q->port, q->queue, q->pkts, DPDK_BURST);
		if (unlikely(n == 0)) {
			n = dpdk_wait(q);
			if (n == 0)
				return -EAGAIN;
		}
		q->n = n;
		clock_gettime(CLOCK_REALTIME, &ts);
		q->ts_sec = ts.tv_sec;
		q->ts_nsec = (uint32_t)ts.tv_nsec;
	}
	m = q->pkts[q->pos++];
	if (q->pos < q->n)
		rte_prefetch0(rte_pktmbuf_mtod(q->pkts[q->pos], void *));
	frame->data = rte_pktmbuf_mtod(m, const uint8_t *);
	frame->caplen = m->data_len;
	frame->wirelen = m->pkt_len;
	frame->ts_sec = q->ts_sec;
	frame->ts_nsec = q->ts_nsec;
	frame->has_ts = 1;
	frame->link = UMBRA_LINK_ETHERNET;
	frame->iface = 0;
	return 1;
}

static uint64_t since(uint64_t now, uint64_t base)
{
	return now >= base ? now - base : now; /* a driver that reset it */
}

static void dpdk_drops(struct capture_src *src, struct capture_drops *d)
{
	struct dpdk_queue *q = (struct dpdk_queue *)src;
	struct rte_eth_stats s;

	if (q->queue == 0 && rte_eth_stats_get(q->port, &s) == 0) {
		uint64_t nic = since(s.imissed, q->pt->base.imissed);
		uint64_t nombuf = since(s.rx_nombuf, q->pt->base.rx_nombuf);

		/* cumulative: never go back */
		if (nic > q->last.nic)
			q->last.nic = nic;
		if (nombuf > q->last.nombuf)
			q->last.nombuf = nombuf;
	}
	*d = q->last;
}

static void dpdk_close(struct capture_src *src)
{
	struct dpdk_queue *q = (struct dpdk_queue *)src;

	if (!q)
		return;
	if (q->n)
		rte_pktmbuf_free_bulk(q->pkts, q->n);
	rte_free(q);
}

const struct capture_ops capture_dpdk_ops = {
    .name = "dpdk",
    .live = 1,
    .multi_queue = 1,
    .prepare = dpdk_prepare,
    .unprepare = dpdk_unprepare,
    .open = dpdk_open,
    .next = dpdk_next,
    .drops = dpdk_drops,
    .close = dpdk_close,
};
