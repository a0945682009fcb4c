/* capture_afpacket.c: afpacket:IFACE, Linux AF_PACKET with TPACKET_V3 rings.
 *
 * Each queue is one packet socket with its own memory-mapped TPACKET_V3
 * ring, read by one capture thread.  With more than one queue the sockets
 * join one PACKET_FANOUT group, so the kernel spreads the packets:
 *   afpacket_fanout: source  a classic BPF program (PACKET_FANOUT_CBPF)
 *                            hashes the IPv4 source address: every packet
 *                            of a source goes to the same queue; frames
 *                            that are not IPv4 go to queue 0 (so do IPv4
 *                            under MPLS, PPPoE or a second VLAN tag: the
 *                            kernel's skb->protocol is what counts);
 *   afpacket_fanout: hash    the kernel's flow hash (PACKET_FANOUT_HASH):
 *                            addresses and ports, so one source's packets
 *                            spread over several queues.
 * No rollover: a full ring drops (and counts, PACKET_STATISTICS) instead of
 * moving a source to another queue.  No defragmentation either (the
 * fragments of a datagram share the source address).
 *
 * Setting up a queue, in this order:
 *   1. socket(AF_PACKET, SOCK_RAW, 0): protocol 0, so the socket receives
 *      nothing yet (with ETH_P_ALL it would take every interface's packets
 *      from that moment on, before the filter and the bind);
 *   2. TPACKET_V3 ring, mmap;
 *   3. the bpf_filter (compiled by libpcap for the interface's link type);
 *   4. promiscuous membership;
 *   5. bind to the interface with ETH_P_ALL: reception starts here, with
 *      the filter already in place, so nothing filtered out ever reaches
 *      the ring and there is nothing to drain;
 *   6. join the fanout group (the kernel refuses a bind after a join).
 * Queue 0 creates the group with PACKET_FANOUT_FLAG_UNIQUEID (the kernel
 * picks an id no other group in this network namespace uses) and sets the
 * BPF program; queues 1.. join that id, which prepare()'s shared state
 * carries.  The fanout index is the join order, and open() is called in
 * queue order.  Packets that arrive while the queues join may be spread
 * over fewer queues, and a packet arriving between queue k's bind and its
 * join is seen by queue k and by the group: startup only, microseconds.
 *
 * Outgoing packets (the host's own transmissions on the interface) are not
 * counted: a telescope counts what arrives.  PACKET_IGNORE_OUTGOING (and
 * PACKET_FANOUT_FLAG_IGNORE_OUTGOING for a group, Linux 6.9+) keep them out
 * of the ring where the kernel has them (older kernels accept the fanout
 * flag and ignore it); next() skips any that still come (sll_pkttype
 * PACKET_OUTGOING).
 *
 * Frames: ARPHRD_ETHER and ARPHRD_LOOPBACK are handed over from the
 * Ethernet header (VLAN tags the kernel took out are not put back: they are
 * not part of a flowtuple); every other link type from the network header,
 * as IPv4 or IPv6 by the frame's protocol (sll_protocol), else unknown.
 *
 * next() walks one block at a time and returns it to the kernel on the
 * call after its last packet (the frame stays valid until then); it polls
 * only when no block is ready, so a busy queue makes no system call.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "capture.h"

#ifndef PACKET_FANOUT_FLAG_IGNORE_OUTGOING
#define PACKET_FANOUT_FLAG_IGNORE_OUTGOING 0x4000
#endif
#ifndef ARPHRD_RAWIP
#define ARPHRD_RAWIP 519
#endif

#define unlikely(x) __builtin_expect(!!(x), 0)

/* Block retire timeout: a block that is not full is handed over after a
 * few milliseconds, so a slow link does not hold packets back.  But on a
 * slow link every block then holds only that long a slice of traffic, and
 * the ring only block_nr such slices: with 64 blocks and 4 ms, a reader
 * that stalls for 256 ms (or the other queues' rings being set up at
 * start, about 0.2 s each for 64 MiB) loses packets into a ring that is
 * almost empty.  So the timeout is chosen for the ring to hold about
 * AFP_HOLD_MS of a slow link, within [AFP_RETIRE_MIN, AFP_RETIRE_MAX] ms
 * (64 blocks: 31 ms; a packet waits at most that, far below
 * CAPTURE_POLL_MS and close_grace). */
#define AFP_HOLD_MS    2000
#define AFP_RETIRE_MIN 4
#define AFP_RETIRE_MAX 100
/* TPACKET_V3 frames are variable; this only sizes the request. */
#define AFP_FRAME_SIZE 2048
/* instructions of the fanout program */
#define AFP_PROG_LEN 17

/* One input's state shared by its queues (prepare() to unprepare()). */
struct afp_shared {
	int fanout_id; /* -1 until queue 0 created the group */
};

struct afp_src {
	int fd;
	uint8_t *map; /* the ring: block_nr blocks of block_size bytes */
	size_t map_len;
	uint32_t block_size, block_nr;
	uint32_t block;                  /* the block read or awaited next */
	struct tpacket_block_desc *held; /* a block we read, still ours */
	const struct tpacket3_hdr *pkt;  /* the next packet of held */
	uint32_t pkt_left;               /* packets of held not returned */
	int eth;                         /* frames start at an Ethernet hdr */
	unsigned int ifindex;
	int down; /* ENETDOWN seen, no block since: is the interface gone? */
	uint64_t kernel_drops;    /* PACKET_STATISTICS, accumulated */
	uint64_t outgoing;        /* outgoing frames skipped */
	char name[IFNAMSIZ + 32]; /* "afpacket:eth0 queue 1" */
};

/* ---- the fanout program ---- */

/* Classic BPF: the IPv4 source address through murmur3's 32-bit finaliser,
 * modulo n; 0 for anything else.  Loads are relative to the network header
 * (SKF_NET_OFF), so the link layer does not matter; a frame too short for
 * the load ends the program with 0 as well. */
static void fanout_program(struct sock_filter prog[AFP_PROG_LEN], uint32_t n)
{
	const struct sock_filter p[AFP_PROG_LEN] = {
	    BPF_STMT(BPF_LD | BPF_H | BPF_ABS, SKF_AD_OFF + SKF_AD_PROTOCOL),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETH_P_IP, 0, 14),
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (uint32_t)SKF_NET_OFF + 12),
	    BPF_STMT(BPF_MISC | BPF_TAX, 0),
	    BPF_STMT(BPF_ALU | BPF_RSH | BPF_K, 16),
	    BPF_STMT(BPF_ALU | BPF_XOR | BPF_X, 0),
	    BPF_STMT(BPF_ALU | BPF_MUL | BPF_K, 0x85ebca6bu),
	    BPF_STMT(BPF_MISC | BPF_TAX, 0),
	    BPF_STMT(BPF_ALU | BPF_RSH | BPF_K, 13),
	    BPF_STMT(BPF_ALU | BPF_XOR | BPF_X, 0),
	    BPF_STMT(BPF_ALU | BPF_MUL | BPF_K, 0xc2b2ae35u),
	    BPF_STMT(BPF_MISC | BPF_TAX, 0),
	    BPF_STMT(BPF_ALU | BPF_RSH | BPF_K, 16),
	    BPF_STMT(BPF_ALU | BPF_XOR | BPF_X, 0),
	    BPF_STMT(BPF_ALU | BPF_MOD | BPF_K, n),
	    BPF_STMT(BPF_RET | BPF_A, 0),
	    BPF_STMT(BPF_RET | BPF_K, 0),
	};
	memcpy(prog, p, sizeof p);
}

/* ---- setup (main thread) ---- */

static int afp_prepare(const char *rest, const struct umbra_config *cfg,
                       uint32_t n_queues, void **shared, struct umbra_err *err)
{
	struct afp_shared *sh = malloc(sizeof *sh);

	(void)cfg, (void)n_queues;
	if (!sh)
		return umbra_err_set(err, -ENOMEM, "afpacket:%s: out of memory",
		                     rest);
	sh->fanout_id = -1;
	*shared = sh;
	return 0;
}

static void afp_unprepare(void *shared)
{
	free(shared);
}

static void afp_free(struct afp_src *s)
{
	if (s->map)
		munmap(s->map, s->map_len);
	if (s->fd >= 0)
		close(s->fd);
	free(s);
}

/* Compile cfg->bpf_filter for the frames the socket filter sees (from the
 * link header where the device has one) and attach it. */
static int attach_filter(struct afp_src *s, const char *expr,
                         unsigned short hwtype, struct umbra_err *err)
{
	struct bpf_program bp;
	struct sock_fprog fp;
	pcap_t *p;
	int dlt, rc = 0;

	switch (hwtype) {
	case ARPHRD_ETHER:
	case ARPHRD_LOOPBACK:
		dlt = DLT_EN10MB;
		break;
	case ARPHRD_NONE:
	case ARPHRD_RAWIP:
	case ARPHRD_PPP:
	case ARPHRD_TUNNEL:
		dlt = DLT_RAW;
		break;
	default:
		return umbra_err_set(err, -ENOTSUP,
		                     "%s: bpf_filter is not supported on this "
		                     "link type (ARPHRD %u)",
		                     s->name, hwtype);
	}
	p = pcap_open_dead(dlt, 262144);
	if (!p)
		return umbra_err_set(err, -ENOMEM, "%s: out of memory",
		                     s->name);
	if (pcap_compile(p, &bp, expr, 1, PCAP_NETMASK_UNKNOWN) < 0) {
		rc = umbra_err_set(err, -EINVAL, "%s: bpf_filter '%s': %s",
		                   s->name, expr, pcap_geterr(p));
		pcap_close(p);
		return rc;
	}
	/* struct bpf_insn and struct sock_filter have the same layout */
	fp.len = (unsigned short)bp.bf_len;
	fp.filter = (struct sock_filter *)bp.bf_insns;
	if (setsockopt(s->fd, SOL_SOCKET, SO_ATTACH_FILTER, &fp, sizeof fp))
		rc = umbra_err_set(err, -errno,
		                   "%s: cannot attach bpf_filter '%s': %s",
		                   s->name, expr, strerror(errno));
	pcap_freecode(&bp);
	pcap_close(p);
	return rc;
}

static int setup_ring(struct afp_src *s, const struct umbra_config *cfg,
                      struct umbra_err *err)
{
	long page = sysconf(_SC_PAGESIZE);
	int v = TPACKET_V3;
	struct tpacket_req3 req;

	s->block_size = cfg->afpacket_block_size;
	s->block_nr = cfg->afpacket_ring_size / cfg->afpacket_block_size;
	if (page > 0 && s->block_size % (uint32_t)page)
		return umbra_err_set(err, -EINVAL,
		                     "%s: afpacket_block_size %u is not a "
		                     "multiple of the page size (%ld)",
		                     s->name, s->block_size, page);
	if (s->block_nr == 0)
		return umbra_err_set(
		    err, -EINVAL,
		    "%s: afpacket_ring_size %u is smaller than "
		    "afpacket_block_size %u",
		    s->name, cfg->afpacket_ring_size, s->block_size);
	if (setsockopt(s->fd, SOL_PACKET, PACKET_VERSION, &v, sizeof v))
		return umbra_err_set(err, -errno,
		                     "%s: TPACKET_V3 is not available: %s",
		                     s->name, strerror(errno));
	memset(&req, 0, sizeof req);
	req.tp_block_size = s->block_size;
	req.tp_block_nr = s->block_nr;
	req.tp_frame_size = AFP_FRAME_SIZE;
	req.tp_frame_nr = s->block_nr * (s->block_size / AFP_FRAME_SIZE);
	req.tp_retire_blk_tov = AFP_HOLD_MS / s->block_nr;
	if (req.tp_retire_blk_tov < AFP_RETIRE_MIN)
		req.tp_retire_blk_tov = AFP_RETIRE_MIN;
	if (req.tp_retire_blk_tov > AFP_RETIRE_MAX)
		req.tp_retire_blk_tov = AFP_RETIRE_MAX;
	if (setsockopt(s->fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof req)) {
		int e = errno;
		if (e == ENOMEM)
			return umbra_err_set(
			    err, -ENOMEM,
			    "%s: the kernel cannot allocate a "
			    "ring of %u blocks of %u KiB (%llu "
			    "MiB): lower afpacket_ring_size",
			    s->name, s->block_nr, s->block_size / 1024,
			    (unsigned long long)s->block_nr * s->block_size /
			        1048576);
		return umbra_err_set(err, -e,
		                     "%s: ring of %u blocks of %u bytes "
		                     "refused: %s",
		                     s->name, s->block_nr, s->block_size,
		                     strerror(e));
	}
	s->map_len = (size_t)s->block_nr * s->block_size;
	s->map = mmap(NULL, s->map_len, PROT_READ | PROT_WRITE,
	              MAP_SHARED | MAP_POPULATE, s->fd, 0);
	if (s->map == MAP_FAILED) {
		int e = errno;
		s->map = NULL;
		return umbra_err_set(
		    err, -e, "%s: cannot map the ring (%zu MiB): %s", s->name,
		    s->map_len / 1048576, strerror(e));
	}
	return 0;
}

static int join_fanout(struct afp_src *s, const struct umbra_config *cfg,
                       struct afp_shared *sh, uint32_t queue, uint32_t n_queues,
                       struct umbra_err *err)
{
	int type = cfg->afpacket_fanout == UMBRA_FANOUT_HASH
	               ? PACKET_FANOUT_HASH
	               : PACKET_FANOUT_CBPF;
	const int flags = PACKET_FANOUT_FLAG_IGNORE_OUTGOING;
	int arg;
	socklen_t len = sizeof arg;

	if (!sh)
		return umbra_err_set(err, -EINVAL,
		                     "%s: internal error: open() without "
		                     "prepare()",
		                     s->name);
	if (queue == 0) {
		arg = (type | flags | PACKET_FANOUT_FLAG_UNIQUEID) << 16;
		if (setsockopt(s->fd, SOL_PACKET, PACKET_FANOUT, &arg,
		               sizeof arg))
			goto fail;
		if (getsockopt(s->fd, SOL_PACKET, PACKET_FANOUT, &arg, &len))
			goto fail;
		sh->fanout_id = arg & 0xffff;
		if (type == PACKET_FANOUT_CBPF) {
			struct sock_filter prog[AFP_PROG_LEN];
			struct sock_fprog fp = {.len = AFP_PROG_LEN,
			                        .filter = prog};
			fanout_program(prog, n_queues);
			if (setsockopt(s->fd, SOL_PACKET, PACKET_FANOUT_DATA,
			               &fp, sizeof fp))
				return umbra_err_set(
				    err, -errno,
				    "%s: the kernel refused the fanout "
				    "program: %s",
				    s->name, strerror(errno));
		}
		return 0;
	}
	if (sh->fanout_id < 0)
		return umbra_err_set(err, -EINVAL,
		                     "%s: internal error: queue 0 was not "
		                     "opened first",
		                     s->name);
	arg = sh->fanout_id | (type | flags) << 16;
	if (setsockopt(s->fd, SOL_PACKET, PACKET_FANOUT, &arg, sizeof arg))
		goto fail;
	return 0;
fail:
	return umbra_err_set(err, -errno,
	                     "%s: cannot join the fanout group: %s", s->name,
	                     strerror(errno));
}

static struct capture_src *afp_open(const char *rest,
                                    const struct umbra_config *cfg,
                                    void *shared, uint32_t queue,
                                    uint32_t n_queues, struct umbra_err *err)
{
	struct afp_src *s;
	struct ifreq ifr;
	struct sockaddr_ll sll;
	unsigned int ifindex;
	unsigned short hwtype;
	int one = 1;

	s = calloc(1, sizeof *s);
	if (!s) {
		umbra_err_set(err, -ENOMEM, "afpacket:%s: out of memory", rest);
		return NULL;
	}
	s->fd = -1;
	if (n_queues > 1)
		snprintf(s->name, sizeof s->name, "afpacket:%.*s queue %u",
		         IFNAMSIZ, rest, queue);
	else
		snprintf(s->name, sizeof s->name, "afpacket:%.*s", IFNAMSIZ,
		         rest);
	if (!*rest || strlen(rest) >= IFNAMSIZ) {
		umbra_err_set(err, -EINVAL,
		              "afpacket:%s: not an interface name (1 to %d "
		              "characters)",
		              rest, IFNAMSIZ - 1);
		goto fail;
	}
	ifindex = if_nametoindex(rest);
	if (!ifindex) {
		umbra_err_set(err, -ENODEV, "%s: no such interface", s->name);
		goto fail;
	}
	s->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (s->fd < 0) {
		int e = errno;
		umbra_err_set(err, -e, "%s: cannot open a packet socket: %s%s",
		              s->name, strerror(e),
		              e == EPERM ? " (needs root or CAP_NET_RAW)" : "");
		goto fail;
	}
	memset(&ifr, 0, sizeof ifr);
	memcpy(ifr.ifr_name, rest, strlen(rest));
	if (ioctl(s->fd, SIOCGIFHWADDR, &ifr)) {
		umbra_err_set(err, -errno, "%s: cannot read the link type: %s",
		              s->name, strerror(errno));
		goto fail;
	}
	s->ifindex = ifindex;
	hwtype = ifr.ifr_hwaddr.sa_family;
	s->eth = hwtype == ARPHRD_ETHER || hwtype == ARPHRD_LOOPBACK;
	if (ioctl(s->fd, SIOCGIFFLAGS, &ifr)) {
		umbra_err_set(err, -errno, "%s: cannot read the flags: %s",
		              s->name, strerror(errno));
		goto fail;
	}
	if (!(ifr.ifr_flags & IFF_UP)) {
		umbra_err_set(err, -ENETDOWN,
		              "%s: the interface is down (ip link set %s up)",
		              s->name, rest);
		goto fail;
	}
	/* where the kernel has it (4.20+); next() checks anyway */
	(void)setsockopt(s->fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one,
	                 sizeof one);
	if (setup_ring(s, cfg, err) < 0)
		goto fail;
	if (cfg->bpf_filter && cfg->bpf_filter[0] &&
	    attach_filter(s, cfg->bpf_filter, hwtype, err) < 0)
		goto fail;
	if (cfg->promiscuous) {
		struct packet_mreq mr;
		memset(&mr, 0, sizeof mr);
		mr.mr_ifindex = (int)ifindex;
		mr.mr_type = PACKET_MR_PROMISC;
		if (setsockopt(s->fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr,
		               sizeof mr)) {
			umbra_err_set(err, -errno,
			              "%s: cannot set promiscuous mode: %s",
			              s->name, strerror(errno));
			goto fail;
		}
	}
	memset(&sll, 0, sizeof sll);
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = (int)ifindex;
	if (bind(s->fd, (struct sockaddr *)&sll, sizeof sll)) {
		umbra_err_set(err, -errno, "%s: cannot bind: %s", s->name,
		              strerror(errno));
		goto fail;
	}
	if (n_queues > 1 &&
	    join_fanout(s, cfg, shared, queue, n_queues, err) < 0)
		goto fail;
	return (struct capture_src *)s;
fail:
	afp_free(s);
	return NULL;
}

/* ---- reading (the capture thread) ---- */

static inline struct tpacket_block_desc *block_at(struct afp_src *s, uint32_t i)
{
	return (struct tpacket_block_desc *)(s->map +
	                                     (size_t)i * s->block_size);
}

/* The interface went down (the kernel said ENETDOWN) and nothing arrived
 * since: -EAGAIN while it exists (it may come back up: the kernel hooks the
 * socket in again then), an error once it is deleted, which the kernel
 * reports as just another ENETDOWN. */
static int check_down(struct afp_src *s, struct umbra_err *err)
{
	char name[IF_NAMESIZE];

	if (!if_indextoname(s->ifindex, name) && errno == ENXIO)
		return umbra_err_set(err, -ENODEV,
		                     "%s: the interface went away", s->name);
	return -EAGAIN;
}

/* Nothing ready: wait up to CAPTURE_POLL_MS.  0 = look again, -EAGAIN,
 * or an error that ends the input. */
static int wait_block(struct afp_src *s, struct umbra_err *err)
{
	struct pollfd pfd = {.fd = s->fd, .events = POLLIN};
	int rc = poll(&pfd, 1, CAPTURE_POLL_MS), e = 0;
	socklen_t len = sizeof e;

	if (rc == 0 || (rc < 0 && errno == EINTR))
		return s->down ? check_down(s, err) : -EAGAIN;
	if (rc < 0)
		return umbra_err_set(err, -errno, "%s: poll: %s", s->name,
		                     strerror(errno));
	if (pfd.revents & POLLNVAL)
		return umbra_err_set(err, -EBADF, "%s: socket closed", s->name);
	if (pfd.revents & POLLERR) {
		/* reading SO_ERROR clears it */
		if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &e, &len))
			e = errno;
		if (e == ENODEV || e == ENXIO)
			return umbra_err_set(err, -ENODEV,
			                     "%s: the interface went away",
			                     s->name);
		if (e && e != ENETDOWN)
			return umbra_err_set(err, -e, "%s: %s", s->name,
			                     strerror(e));
		s->down = 1;
		return check_down(s, err);
	}
	return 0;
}

static void fill_frame(const struct afp_src *s, const struct tpacket3_hdr *h,
                       const struct sockaddr_ll *sll, struct umbra_frame *f)
{
	const uint8_t *base = (const uint8_t *)h;

	f->ts_sec = h->tp_sec;
	f->ts_nsec = h->tp_nsec;
	f->has_ts = 1;
	f->iface = 0;
	if (s->eth) {
		f->data = base + h->tp_mac;
		f->caplen = h->tp_snaplen;
		f->wirelen = h->tp_len;
		f->link = UMBRA_LINK_ETHERNET;
		return;
	}
	/* from the network header, whatever link header came before it */
	uint32_t hl = h->tp_net >= h->tp_mac ? h->tp_net - h->tp_mac : 0;
	if (hl > h->tp_snaplen)
		hl = h->tp_snaplen;
	f->data = base + h->tp_mac + hl;
	f->caplen = h->tp_snaplen - hl;
	f->wirelen = h->tp_len >= hl ? h->tp_len - hl : 0;
	switch (ntohs(sll->sll_protocol)) {
	case ETH_P_IP:
		f->link = UMBRA_LINK_IPV4;
		break;
	case ETH_P_IPV6:
		f->link = UMBRA_LINK_IPV6;
		break;
	default:
		f->link = UMBRA_LINK_UNKNOWN;
	}
}

static int afp_next(struct capture_src *src, struct umbra_frame *f,
                    struct umbra_err *err)
{
	struct afp_src *s = (struct afp_src *)src;
	int waited = 0;

	for (;;) {
		while (s->pkt_left) {
			const struct tpacket3_hdr *h = s->pkt;
			const struct sockaddr_ll *sll =
			    (const struct sockaddr_ll *)((const uint8_t *)h +
			                                 TPACKET_ALIGN(
			                                     sizeof *h));
			if (--s->pkt_left)
				s->pkt = (const struct tpacket3_hdr
				              *)((const uint8_t *)h +
				                 h->tp_next_offset);
			if (unlikely(sll->sll_pkttype == PACKET_OUTGOING)) {
				s->outgoing++;
				continue;
			}
			fill_frame(s, h, sll, f);
			return 1;
		}
		if (s->held) {
			/* every frame of it has been used: give it back */
			__atomic_store_n(&s->held->hdr.bh1.block_status,
			                 TP_STATUS_KERNEL, __ATOMIC_RELEASE);
			s->held = NULL;
			if (++s->block == s->block_nr)
				s->block = 0;
		}
		struct tpacket_block_desc *b = block_at(s, s->block);
		if (__atomic_load_n(&b->hdr.bh1.block_status,
		                    __ATOMIC_ACQUIRE) &
		    TP_STATUS_USER) {
			s->held = b;
			s->down = 0;
			s->pkt_left = b->hdr.bh1.num_pkts;
			s->pkt = (const struct tpacket3_hdr
			              *)((const uint8_t *)b +
			                 b->hdr.bh1.offset_to_first_pkt);
			continue;
		}
		if (waited)
			return -EAGAIN;
		int rc = wait_block(s, err);
		if (rc < 0)
			return rc;
		waited = 1;
	}
}

static void afp_drops(struct capture_src *src, struct capture_drops *d)
{
	struct afp_src *s = (struct afp_src *)src;
	struct tpacket_stats_v3 st;
	socklen_t len = sizeof st;

	/* the kernel resets its counters on each read */
	if (getsockopt(s->fd, SOL_PACKET, PACKET_STATISTICS, &st, &len) == 0)
		s->kernel_drops += st.tp_drops;
	memset(d, 0, sizeof *d);
	d->kernel = s->kernel_drops;
}

static void afp_close(struct capture_src *src)
{
	if (src)
		afp_free((struct afp_src *)src);
}

const struct capture_ops capture_afpacket_ops = {
    .name = "afpacket",
    .live = 1,
    .multi_queue = 1,
    .prepare = afp_prepare,
    .unprepare = afp_unprepare,
    .open = afp_open,
    .next = afp_next,
    .drops = afp_drops,
    .close = afp_close,
};
