/* pidfile.h: the pidfile, for setups without systemd (key pidfile,
 * --pidfile).
 *
 * The file holds the process id and a newline.  umbrad keeps it open with
 * an exclusive flock(2) for as long as it runs, so "is the umbrad that wrote
 * it still running?" has an exact answer that survives pid reuse:
 *
 *   - no file: created with O_CREAT|O_EXCL, locked, written;
 *   - a file locked by another process, or naming a live process called
 *     umbrad: refused (another umbrad runs with this pidfile);
 *   - any other file (its umbrad died without removing it): stale, taken
 *     over in place under the lock, and the log says so.
 *
 * Thread use: pidfile_create() in main() before threads start;
 * pidfile_remove() from main() at exit or the signal thread just before
 * _exit(), once.
 */
#ifndef UMBRA_PIDFILE_H
#define UMBRA_PIDFILE_H

#include "errbuf.h"

/* Create, or take over a stale, pidfile at path ("" or NULL: none).
 * Returns 0, or a negative errno with the reason (naming the path, and the
 * pid of the umbrad that holds it) in *err. */
int pidfile_create(const char *path, struct umbra_err *err);

/* Remove the pidfile (if one was created).  If the directory does not let
 * us (privileges dropped since), the file is emptied instead, which the
 * next start takes for stale. */
void pidfile_remove(void);

#endif
