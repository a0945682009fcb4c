/* ftable.h: one aggregator's flowtuple table for the open interval.
 *
 * Key: (src_ip, dst_net, protocol, dst_port).  Each entry keeps its whole
 * state in 48 bytes ("hot") while every packet of the key carries the same
 * destination, size, TTL, source port and flags; at the first difference it
 * spills the five fields into counted value sets (vset.h, 80 bytes plus their
 * tables).  Exact distinct counts, no bitmaps, no estimates.
 *
 * Per-packet path (ftable_add): no locks, no syscalls, no logging.  The entry
 * array and slot index grow by doubling (rare; capacity is kept across
 * intervals, so a steady telescope stops growing after its first intervals).
 *
 * Thread use: one table belongs to one aggregator thread.
 */
#ifndef UMBRA_FTABLE_H
#define UMBRA_FTABLE_H

#include <stdint.h>

#include "decode.h"
#include "errbuf.h"
#include "ftrun.h"
#include "vset.h"

struct ft_cold {
	struct vset dst_ips;
	struct vset sizes;
	struct vset ttls;
	struct vset src_ports;
	struct vset tcp_flags;
};

#define FTE_SYN 0x01 /* first_syn_* recorded */

struct ft_entry {
	uint32_t src_ip;
	uint32_t dst_net;
	uint16_t dst_port;
	uint8_t proto;
	uint8_t state; /* FTE_* */
	uint32_t hv2;  /* hot: src_port | has_l4 << 16 */
	uint64_t hv1; /* hot: dst_ip | ip_len << 32 | ttl << 48 | flags << 56 */
	uint64_t pkt_cnt;
	struct ft_cold *cold; /* NULL while hot */
	uint16_t syn_rwin;
	uint8_t syn_len;
	uint8_t pad[5];
};
_Static_assert(sizeof(struct ft_entry) == 48, "ft_entry is 48 bytes");

struct ftable {
	struct ft_entry *e;
	uint64_t *slots; /* hash << 32 | (entry index + 1); 0 = empty */
	uint32_t n;      /* entries in use */
	uint32_t ecap;   /* entries allocated */
	uint32_t smask;  /* slots - 1 */
	uint32_t net_mask;
	int dst_dense;       /* prefix >= 16: dst_ips hold the low 16 bits */
	uint64_t packets;    /* packets added this interval */
	uint64_t oom_drops;  /* packets not counted for lack of memory */
	uint64_t oom_values; /* packets counted, some values not (no memory) */
	struct vset_arena arena;
	/* scratch for ftable_emit, kept across intervals */
	void *sortbuf;
	uint32_t sortcap;
};

/* prefix_len: destination prefix of the key (0..32).  initial: entries to
 * reserve.  Returns 0 or -ENOMEM. */
int ftable_init(struct ftable *t, uint32_t prefix_len, uint32_t initial);
void ftable_destroy(struct ftable *t);

/* Forget every flowtuple; keeps the memory. */
void ftable_reset(struct ftable *t);

/* Count one IPv4 packet. */
void ftable_add(struct ftable *t, const struct ft_pkt *p);

/* Count n packets (any n; a few hundred amortise the pipeline), with the
 * memory of each stage prefetched ahead: the aggregator's path.  Same result
 * as n calls of ftable_add(). */
#define FTABLE_BURST 256
void ftable_add_burst(struct ftable *t, const struct ft_pkt *p, uint32_t n);

/* Sort the open interval's flowtuples by (src_ip, dst_net, protocol,
 * dst_port), finish each record (common values, distinct counts), encode it
 * in Avro binary and append it to run (run->start = start).  The table is
 * left unchanged; call ftable_reset() afterwards.  Returns 0 or -ENOMEM. */
int ftable_emit(struct ftable *t, int64_t start, struct ftrun *run);

/* The same, with the source meta-data fields (maxmind_*, netacq_*,
 * prefix2asn) of every record looked up in meta (meta.h; NULL: "??" and
 * 0, as ftable_emit).  One lookup per source, not per record: the records
 * of a source are adjacent in the sorted order.  The caller holds meta for
 * the whole call, so every record of the run comes from one set. */
struct meta_set;
int ftable_emit_meta(struct ftable *t, int64_t start, struct ftrun *run,
                     const struct meta_set *meta);

/* Bytes held by the table (entries, index, arena), for stats. */
uint64_t ftable_memory(const struct ftable *t);

#endif
