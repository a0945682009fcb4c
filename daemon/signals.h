/* signals.h: signals go to one thread.
 *
 * signals_block() (main, before any thread starts) blocks SIGINT, SIGTERM,
 * SIGHUP and SIGUSR1 in every thread; signals_start() runs a thread that
 * sigwait()s for them: the first SIGINT/SIGTERM sets pl->stop (the open
 * interval is finished and written), a second one exits at once (temporary
 * files only: nothing half-written carries a final name; the pidfile is
 * removed).  SIGHUP reloads the configuration (reload.h), on this thread.
 */
#ifndef UMBRA_SIGNALS_H
#define UMBRA_SIGNALS_H

#include "pipeline.h"

int signals_block(void);
int signals_start(struct pipeline *pl);
void signals_stop(void);

#endif
