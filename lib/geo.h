/* geo.h: continent and country of an IPv4 address from a MaxMind DB file
 * (.mmdb, read with libmaxminddb).
 *
 * One geo_db per configured source: the flowtuple v4 fields
 * maxmind_continent and maxmind_country come from one, netacq_continent
 * and netacq_country from another (when that source is an .mmdb).
 *
 * What is read: the GeoIP2 / GeoLite2 layout (Country and City
 * databases): continent.code and country.iso_code of the record holding
 * the address.  Not registered_country, which says where the network's
 * owner is registered rather than where the address is; a record without
 * country (anycast, satellite providers) gives "??".  A code is kept when
 * it is exactly two ASCII letters or digits (letters made upper-case);
 * anything else, a missing key, a key of another type, or an address in
 * no network of the database gives "??".  IPv4 and IPv6 databases both
 * work (an IPv6 one holds IPv4 under ::/96, as MaxMind's do).
 *
 * Checked at open, so that a corrupt file is an error at start and not a
 * wrong answer later: libmaxminddb's own checks of the metadata (a file
 * cut short loses its metadata, at the end), then a walk of the IPv4 part
 * of the search tree (every record a valid node, empty, or data inside
 * the data section) and a decode of the two codes of every distinct data
 * record it reaches.  This reads the IPv4 part of the file once: some tens
 * of milliseconds for a Country database, more for a City one.
 *
 * The same walk flattens the IPv4 part into a sorted table of address
 * ranges and their codes (see geo.c), which the lookups search: some tens
 * of nanoseconds a lookup, nothing decoded, about 4 bytes a range plus
 * 256 kB (a Country database: ~4 MB).  The file is then closed.  Only a
 * tree the table cannot take (search nodes shared by many paths, more
 * than 65535 distinct code pairs) stays mapped and is looked up with
 * libmaxminddb, as before.
 *
 * The file is mapped (MMDB_MODE_MMAP) while it is open: replace it by
 * renaming a new file over it, never by rewriting it in place (a reader
 * of a mapped file cut shorter under it gets SIGBUS).
 *
 * Threads: geo_open() and geo_close() from a control thread;
 * geo_lookup() from any number of threads at once, no locks (the table is
 * not written after the open; libmaxminddb lookups, when used, only read
 * the mapping), as long as the db is not closed under them.  A reload
 * opens a new geo_db and closes the old one once no reader can still hold
 * it.
 */
#ifndef UMBRA_GEO_H
#define UMBRA_GEO_H

#include <stddef.h>
#include <stdint.h>

#include "errbuf.h"

struct geo_db;

struct geo_info {
	char continent[3]; /* "EU", or "??"; NUL-terminated */
	char country[3];   /* "FR", or "??" */
};

/* What the open found, for the log. */
struct geo_stats {
	const char *database_type; /* metadata, e.g. "GeoLite2-Country" */
	uint64_t build_epoch;      /* metadata: seconds since 1970 */
	unsigned ip_version;       /* 4 or 6 */
	uint32_t node_count;
	uint64_t ipv4_networks; /* IPv4 networks holding a record */
	uint64_t records;       /* distinct data records among them */
	double open_seconds;    /* open, check and flatten, wall clock */
};

/* Open and check an .mmdb.  NULL on failure, with the reason in err
 * naming the file.  The caller owns the db (geo_close). */
struct geo_db *geo_open(const char *path, struct umbra_err *err);

void geo_close(struct geo_db *g);

/* Continent and country of addr (host byte order).  Returns 1 when the
 * address is in a network of the database (codes it lacks are "??"), 0
 * when not (both "??"), or -EIO if the lookup met damaged data (both "??";
 * only when the db kept the file mapped, and the checks at open make that
 * a file changed under the mapping). */
int geo_lookup(const struct geo_db *g, uint32_t addr, struct geo_info *out);

const struct geo_stats *geo_get_stats(const struct geo_db *g);

#endif
