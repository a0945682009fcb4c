/* pfx2as.h: prefix-to-AS lookups from a CAIDA routeviews pfx2as file.
 *
 * The file: one prefix a line, `ADDRESS<TAB>LENGTH<TAB>ORIGINS`, as CAIDA
 * publishes it (gzip-compressed, read through libwandio; plain text too).
 * Fields may be separated by any run of tabs and spaces; a trailing CR,
 * blank lines and lines starting with '#' are accepted.
 *
 * ORIGINS is one or more origins separated by '_' (a multi-origin prefix:
 * several ASes announce it), each origin one AS or an AS set, its ASes
 * separated by ',': "3356", "3356_174", "4837,9929", "4837,9929_9808".
 * ASes are decimal 32-bit numbers (asplain).
 *
 * The AS rule.  A lookup returns one AS, as flowtuple v4's prefix2asn is
 * one long: the FIRST AS OF THE FIRST ORIGIN of the longest matching
 * prefix, as written in the file ("4837,9929_9808" -> 4837).  0 means no
 * prefix matched (a prefix whose first AS is 0, RFC 7607's "not routed",
 * looks the same).  pfx2as_match() also says how many origins and ASes the
 * prefix had, so a caller can tell a multi-origin or AS-set answer from a
 * plain one.
 *
 * Strictness (a corrupt data file is an error at load, never a partial
 * table).  An error names FILE:LINE and quotes the line:
 *   - an address that is not a dotted quad of decimal octets 0..255 (no
 *     leading zeros: "010" could mean octal), a length that is not 0..32,
 *     a missing field, text after the third field, an empty origin or AS
 *     ("3356_", "1,,2"), an AS that is not a number or above 4294967295,
 *     a NUL byte, a line over 65536 bytes, a last line without its
 *     newline (the file was cut short);
 *   - the same prefix twice (after masking, below): an error naming both
 *     lines (CAIDA's files list each prefix once);
 *   - a file with no IPv4 prefix; a gzip stream cut short or corrupt
 *     (said so even when the garbage it decoded to was refused first:
 *     gzip checks its CRC only at the end); bzip2, xz, zstd, lz4 and lzo
 *     files (libwandio reads the first two but cannot tell when one was
 *     cut short: recompress them with gzip).  libwandio itself also
 *     prints a line on stderr for a cut gzip stream.
 * Lenient, counted in the stats:
 *   - IPv6 lines (an address with ':'): checked (address, length 0..128,
 *     origins) and skipped; the lookups are IPv4 only;
 *   - host bits set ("10.1.2.3/8"): masked to the prefix ("10.0.0.0/8")
 *     and counted; the first such line is kept for the caller's warning.
 *
 * The structure: DIR-24-8, a direct table of the 2^24 /24s (64 MiB, huge
 * pages) and 256-entry groups for the /24s that longer prefixes split:
 * one or two memory reads a lookup (pfx2as.c says why, and what else was
 * measured).  A full table (900k prefixes) holds about 85 MB, 64 MiB of
 * it tbl24, and loads in about 0.3 s.  Immutable once built: every
 * lookup is a pure read.
 *
 * Threads: pfx2as_load*() and pfx2as_free() from a control thread;
 * pfx2as_lookup(), pfx2as_match() and pfx2as_get_stats() from any number
 * of threads at once, with no locks, as long as the table is not freed
 * under them.  A reload builds a new table; the caller publishes it (an
 * atomic pointer) and frees the old one once no reader can still hold it.
 */
#ifndef UMBRA_PFX2AS_H
#define UMBRA_PFX2AS_H

#include <stddef.h>
#include <stdint.h>

#include "errbuf.h"

struct pfx2as;

struct pfx2as_stats {
	uint64_t lines;          /* lines read, all kinds */
	uint64_t prefixes;       /* IPv4 prefixes in the table */
	uint64_t ipv6_skipped;   /* IPv6 lines, checked and skipped */
	uint64_t comments;       /* blank and '#' lines */
	uint64_t host_bits;      /* IPv4 prefixes with host bits set (masked) */
	uint64_t host_bits_line; /* line of the first of them, 0 if none */
	uint64_t multi_origin;   /* IPv4 prefixes with several origins ('_') */
	uint64_t as_sets;        /* IPv4 prefixes with an AS set (',') */
	uint64_t intervals;      /* address ranges the prefixes cut */
	uint64_t tbl8_groups;    /* /24s split by longer prefixes */
	size_t memory;           /* bytes the table holds */
	double build_seconds;    /* parse + build, wall clock */
};

/* The longest matching prefix of an address. */
struct pfx2as_match {
	uint32_t net;       /* prefix, host byte order */
	uint8_t len;        /* prefix length, 0..32 */
	uint32_t asn;       /* what pfx2as_lookup() returns */
	uint16_t n_origins; /* origins ('_'-separated), saturating */
	uint16_t n_as;      /* ASes listed in all origins, saturating */
};

/* Load a pfx2as file (gzip or plain).  NULL on failure, with the reason in
 * err ("FILE:LINE: ...").  The caller owns the table (pfx2as_free). */
struct pfx2as *pfx2as_load(const char *path, struct umbra_err *err);

/* The same from text in memory; name stands for the file in messages. */
struct pfx2as *pfx2as_load_mem(const char *name, const char *text, size_t len,
                               struct umbra_err *err);

void pfx2as_free(struct pfx2as *t);

/* Origin AS of the longest prefix matching addr (host byte order) by the
 * AS rule above; 0 when no prefix matches. */
uint32_t pfx2as_lookup(const struct pfx2as *t, uint32_t addr);

/* Fill *m for the longest prefix matching addr: 1, or 0 (m untouched) when
 * none matches. */
int pfx2as_match(const struct pfx2as *t, uint32_t addr, struct pfx2as_match *m);

const struct pfx2as_stats *pfx2as_get_stats(const struct pfx2as *t);

#endif
