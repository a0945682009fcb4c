/* metadata.h: umbrad's source meta-data tables (maxmind_db, netacq_db,
 * pfx2as_file), held in one meta_store (lib/meta.h).
 *
 * At start the three files are loaded once; a missing or corrupt one is an
 * error naming it.  Each aggregator takes the current set at the start of
 * each interval's emit and gives it back at its end (so one aggregator's
 * records of an interval all come from one set, and a lookup is done once
 * per source).  On SIGHUP the configured files are loaded again (always:
 * a file renamed over the old one under the same path is read anew), on
 * the signal thread, into a new set that is then published; a file that
 * cannot be loaded keeps the table in use for its source, with a warning.
 * The old set is freed as soon as no aggregator holds it (the end of the
 * emits under way, waited for up to METADATA_WAIT_MS), else at the next
 * reload or at exit.
 *
 * Thread use: metadata_start() and metadata_stop() in main (start: before
 * the signal thread starts; stop: after it and every aggregator have
 * ended); metadata_reload() on the signal thread; metadata_acquire() and
 * metadata_release() on aggregator thread `agg` only.
 */
#ifndef UMBRA_METADATA_H
#define UMBRA_METADATA_H

#include "config.h"

struct meta_set;

/* How long a reload waits for the emits under way to give the old set
 * back before it leaves the free to the next reload or exit. */
#define METADATA_WAIT_MS 10000

/* Load the files of cfg, log one info line per table.  0, or -1 when a
 * file cannot be loaded (logged as an error naming it) or out of memory. */
int metadata_start(const struct umbra_config *cfg);

/* SIGHUP: load the files of nc (NULL: the paths in force) and publish the
 * new set.  Logs what it loaded and what it kept. */
void metadata_reload(const struct umbra_config *nc);

/* Aggregator agg: the set to tag this interval's records with (NULL when
 * metadata_start() was not called: no tags). */
const struct meta_set *metadata_acquire(unsigned agg);
void metadata_release(unsigned agg);

void metadata_stop(void);

#endif
