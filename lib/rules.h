/* rules.h: what is aggregated (README "Packet classes and rules").
 *
 * Six configuration keys decide which valid IPv4 packets reach the
 * aggregators: drop_classes, keep_classes (class names, classify.h),
 * drop_sources, keep_sources (IPv4 prefixes, written in the list or in
 * files of them) and drop_filter, keep_filter (pcap filter expressions).
 * A packet is aggregated when it matches no drop_* rule and every keep_*
 * rule that is set.  The rules are tried in the order of enum
 * umbra_rule_kind, cheapest first, and the first that refuses a packet is
 * the one its drop is counted against.
 *
 *  - Classes: a mask AND on ft_pkt.classes.  keep_classes keeps a packet
 *    in at least one of its classes.
 *  - Sources: the prefixes, merged into disjoint address ranges sorted by
 *    start, searched by a branch-free binary search.
 *  - Filters: compiled once by libpcap for raw IPv4 (DLT_RAW), and run on
 *    the packet from its IPv4 header on, whatever the frame's link layer:
 *    VLAN tags, MPLS labels, PPPoE or SLL headers in front of it do not
 *    change what a filter means, and link-layer primitives ("ether host",
 *    "vlan") are refused at start.  As with any pcap filter, a test of
 *    bytes past the captured length does not match.
 *
 * Thread use: umbra_rules_compile() and umbra_rules_free() in the main
 * thread before the capture threads start and after they end; in between
 * the rules are read-only, and every capture thread calls
 * umbra_rules_refuse() on them without a lock.
 */
#ifndef UMBRA_RULES_H
#define UMBRA_RULES_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "decode.h"
#include "errbuf.h"
#include "frame.h"

/* In the order they are tried; also the order in the stats. */
enum umbra_rule_kind {
	UMBRA_RULE_DROP_CLASSES = 0,
	UMBRA_RULE_KEEP_CLASSES,
	UMBRA_RULE_DROP_SOURCES,
	UMBRA_RULE_KEEP_SOURCES,
	UMBRA_RULE_DROP_FILTER,
	UMBRA_RULE_KEEP_FILTER,
	UMBRA_RULE__COUNT
};

/* The configuration key of a rule kind ("drop_classes", ...); NULL past
 * UMBRA_RULE__COUNT. */
const char *umbra_rule_name(unsigned kind);

/* ---- prefix sets -------------------------------------------------------- */

/* IPv4 address ranges [lo[i], hi[i]]: while being filled, one per prefix
 * in the order added; after umbra_pfxset_finish(), disjoint, not adjacent
 * and sorted by lo. */
struct umbra_pfxset {
	uint32_t *lo, *hi;
	size_t n, cap;
};

/* Parse len bytes as an IPv4 prefix: a.b.c.d/len (four decimal octets
 * 0-255 without leading zeros, a length 0-32, no host bit set past it) or
 * a bare address (a /32).  Returns 0 with *net and *plen, or -EINVAL with
 * the reason in why. */
int umbra_prefix_parse(const char *s, size_t len, uint32_t *net, unsigned *plen,
                       char *why, size_t n);

/* Is a drop_sources / keep_sources item a prefix (only digits, dots and
 * slashes, starting with a digit), rather than the path of a file? */
int umbra_source_item_is_prefix(const char *item);

/* Add the range of net/plen.  0 or -ENOMEM. */
int umbra_pfxset_add(struct umbra_pfxset *s, uint32_t net, unsigned plen);

/* Add every prefix of a prefix-list text of len bytes: one prefix a line;
 * blanks around it and empty lines are ignored, and '#' or ';' starts a
 * comment that runs to the end of the line.  name is used in messages
 * ("NAME:LINE: expected ..., got '...'").  0, -EINVAL or -ENOMEM. */
int umbra_pfxset_parse(struct umbra_pfxset *s, const char *text, size_t len,
                       const char *name, struct umbra_err *err);

/* Add one drop_sources / keep_sources item: a prefix, or a file of them
 * read whole now.  0, or a negative errno-style code with the message in
 * err (the prefix, or the file and its line, at fault). */
int umbra_pfxset_load(struct umbra_pfxset *s, const char *item,
                      struct umbra_err *err);

/* Sort and merge the ranges: afterwards only _contains() may be called.
 * 0 or -ENOMEM. */
int umbra_pfxset_finish(struct umbra_pfxset *s);

/* Is address a (host byte order) in the finished set? */
int umbra_pfxset_contains(const struct umbra_pfxset *s, uint32_t a);

void umbra_pfxset_free(struct umbra_pfxset *s);

/* ---- filters ------------------------------------------------------------ */

/* Would libpcap compile expr as a rule filter?  0, or -EINVAL with its
 * message in why. */
int umbra_filter_check(const char *expr, char *why, size_t n);

/* ---- the rules ---------------------------------------------------------- */

struct umbra_rule_filter; /* a compiled pcap program (rules.c) */

struct umbra_rules {
	uint32_t drop_classes; /* class bits; 0 = no such rule */
	uint32_t keep_classes; /* class bits; 0 = no such rule */
	int has_drop_sources, has_keep_sources;
	struct umbra_pfxset drop_sources, keep_sources;
	struct umbra_rule_filter *drop_filter, *keep_filter; /* NULL = none */
	int slow; /* a source or filter rule is set */
};

/* Build the rules the six keys of cfg set.  Returns 0 with *out NULL when
 * none is set (every packet is aggregated), 0 with *out the rules (owned
 * by the caller: umbra_rules_free()), or a negative errno-style code with
 * a message in err: an unknown class, a bad prefix, an unreadable file or
 * a bad line in one (FILE:LINE), a filter libpcap refuses (its message),
 * an empty keep_sources set. */
int umbra_rules_compile(const struct umbra_config *cfg,
                        struct umbra_rules **out, struct umbra_err *err);

void umbra_rules_free(struct umbra_rules *r);

/* One line saying what the rules do, for the log. */
void umbra_rules_describe(const struct umbra_rules *r, char *buf, size_t n);

/* The source and filter rules (rules.c). */
int umbra_rules_refuse_slow(const struct umbra_rules *r, const struct ft_pkt *p,
                            const struct umbra_frame *f, uint32_t ip_off);

/* The rule kind that keeps a valid IPv4 packet p (decoded from frame f,
 * its IPv4 header ip_off bytes in: umbra_decode_at()) from aggregation, or
 * -1 when it is aggregated. */
static inline int umbra_rules_refuse(const struct umbra_rules *r,
                                     const struct ft_pkt *p,
                                     const struct umbra_frame *f,
                                     uint32_t ip_off)
{
	if (p->classes & r->drop_classes)
		return UMBRA_RULE_DROP_CLASSES;
	if (r->keep_classes && !(p->classes & r->keep_classes))
		return UMBRA_RULE_KEEP_CLASSES;
	if (__builtin_expect(r->slow, 0))
		return umbra_rules_refuse_slow(r, p, f, ip_off);
	return -1;
}

#endif
