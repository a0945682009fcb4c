/* privdrop.h: leave root once the captures are open (keys user, group;
 * flag --user).
 *
 * Started as root with user set, umbrad takes the user's supplementary
 * groups (initgroups), its group (group, or the user's primary group) and
 * its uid, for every thread (glibc's setgid/setuid act on the whole
 * process).  Real, effective and saved ids all change, so nothing can take
 * root back, and the kernel clears every capability: an open capture
 * socket keeps working, a new one could not be opened.  privdrop_apply()
 * then checks that setuid(0) fails and that no capability is left, and
 * that output_dir is writable by the new user.  (umbrad never executes a
 * program; the systemd unit adds NoNewPrivileges.)
 *
 * Not root with user set: a warning, and umbrad runs on as it is.
 *
 * Thread use: main thread, after the live captures are open and before the
 * pipeline's threads start (other threads, such as the signal thread, may
 * already run).
 */
#ifndef UMBRA_PRIVDROP_H
#define UMBRA_PRIVDROP_H

#include "config.h"
#include "errbuf.h"

/* Returns 0 (switched, or nothing to do), or a negative errno with a
 * message naming the user, group or directory in *err: the caller exits
 * 1.  Logs one line on success. */
int privdrop_apply(const struct umbra_config *cfg, struct umbra_err *err);

#endif
