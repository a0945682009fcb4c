/* signals.c: the signal thread (see signals.h). */
#include "signals.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "notify.h"
#include "pidfile.h"
#include "reload.h"

static sigset_t sig_set;
static pthread_t sig_tid;
static int sig_running;
static _Atomic int sig_quit;

int signals_block(void)
{
	sigemptyset(&sig_set);
	sigaddset(&sig_set, SIGINT);
	sigaddset(&sig_set, SIGTERM);
	sigaddset(&sig_set, SIGHUP);
	sigaddset(&sig_set, SIGUSR1);
	return -pthread_sigmask(SIG_BLOCK, &sig_set, NULL);
}

static void *sig_main(void *arg)
{
	struct pipeline *pl = arg;
	int sig, stops = 0;

	for (;;) {
		if (sigwait(&sig_set, &sig) != 0)
			continue;
		switch (sig) {
		case SIGUSR1: /* from signals_stop(): the pipeline is done */
			if (atomic_load(&sig_quit))
				return NULL;
			log_info("SIGUSR1 ignored");
			break;
		case SIGHUP:
			reload_run();
			break;
		default:
			if (++stops == 1) {
				log_info(
				    "%s: finishing the open interval, then "
				    "exiting (send again to exit at once)",
				    strsignal(sig));
				atomic_store(&pl->stop, 1);
				pipeline_wake_captures(pl);
				notify_send("STOPPING=1");
			} else {
				log_warn("%s again: exiting now; the open "
				         "interval is lost",
				         strsignal(sig));
				pidfile_remove();
				_exit(1);
			}
		}
	}
}

int signals_start(struct pipeline *pl)
{
	int rc = pthread_create(&sig_tid, NULL, sig_main, pl);
	if (rc == 0)
		sig_running = 1;
	return -rc;
}

void signals_stop(void)
{
	if (!sig_running)
		return;
	atomic_store(&sig_quit, 1);
	pthread_kill(sig_tid, SIGUSR1);
	pthread_join(sig_tid, NULL);
	sig_running = 0;
}
