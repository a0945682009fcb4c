/* dpdk_eal.c: DPDK's EAL for capture_dpdk.c (see dpdk_eal.h).
 *
 * umbrad keeps its own threads: capture threads are ordinary pthreads
 * made by the pipeline, never EAL lcores, and nothing is ever launched on
 * an lcore.  The EAL gets "umbrad", dpdk_eal_args, and, unless those
 * already say:
 *   -l CPU           one lcore only, the main thread, on the first CPU we
 *                    may run on, so that the EAL starts no idle worker
 *                    threads of its own;
 *   --in-memory      no shared files, no hugepage files left behind, no
 *                    secondary processes: umbrad is one process (with
 *                    --no-huge or --legacy-mem, which --in-memory refuses:
 *                    --no-shconf, which leaves no hugepage files either);
 *   --file-prefix=umbra-PID   a runtime directory of its own, so two
 *                    umbrads, or an umbrad and another DPDK program, never
 *                    clash;
 *   --no-telemetry   no telemetry thread and socket (--telemetry keeps
 *                    them, under the runtime directory).
 * The EAL pins the main thread to its lcore's CPU; every thread made after
 * that would inherit the pin, so the main thread's CPU set is put back
 * right after rte_eal_init (pinning is capture_cpus' business); capture
 * threads register themselves (rte_thread_register, capture_dpdk.c).
 * -h/--help, which would make the EAL print its usage and exit, is refused.
 * DPDK's log lines go through umbra's logger ("dpdk: EAL: ..."): DPDK
 * errors and warnings as ours, NOTICE as info, INFO and DEBUG as debug.
 *
 * rte_eal_init runs once per process, even after rte_eal_cleanup: a second
 * start is refused.  Several dpdk: inputs share one EAL, started with the
 * first one's arguments and stopped with the last.
 */
#include "dpdk_eal.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_log.h>
#include <rte_version.h>

#include "log.h"

#define EAL_EXTRA_ARGS 8 /* at most this many arguments added to the user's */

static enum { EAL_NEVER, EAL_UP, EAL_DOWN } eal_state;
static unsigned eal_users; /* prepared ports */
/* The argument strings (ours, NULL-terminated), then a copy of the pointers
 * for rte_eal_init, which permutes it; both kept until cleanup. */
static char **eal_args;
static FILE *eal_log;         /* DPDK's log stream, into umbra_log */
static int eal_own_prefix;    /* we gave --file-prefix, so we remove */
static char eal_own_dir[256]; /* its runtime directory at cleanup */

static ssize_t eal_log_write(void *cookie, const char *buf, size_t size)
{
	int lvl = rte_log_cur_msg_loglevel();
	enum umbra_log_level ul = lvl <= (int)RTE_LOG_ERR ? UMBRA_LOG_ERROR
	                          : lvl == (int)RTE_LOG_WARNING ? UMBRA_LOG_WARN
	                          : lvl == (int)RTE_LOG_NOTICE
	                              ? UMBRA_LOG_INFO
	                              : UMBRA_LOG_DEBUG;
	size_t off = 0;

	(void)cookie;
	while (off < size) {
		const char *nl = memchr(buf + off, '\n', size - off);
		size_t len = nl ? (size_t)(nl - (buf + off)) : size - off;

		if (len > 0)
			UMBRA_LOG_AT(ul, "dpdk: %.*s", (int)len, buf + off);
		off += len + (nl != NULL);
	}
	return (ssize_t)size;
}

/* Is option `name` among the user's EAL arguments?  "-l" matches "-l" and
 * "-l0-3"; "--lcores" matches "--lcores" and "--lcores=...". */
static int eal_has_opt(const struct umbra_strlist *args, const char *name)
{
	size_t l = strlen(name);

	for (size_t i = 0; i < args->n; i++) {
		const char *a = args->items[i];

		if (strncmp(a, name, l) != 0)
			continue;
		if (name[1] != '-' || a[l] == '\0' || a[l] == '=')
			return 1;
	}
	return 0;
}

static int eal_first_cpu(const cpu_set_t *set)
{
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, set))
			return c;
	return 0;
}

static void eal_free_argv(void)
{
	for (size_t i = 0; eal_args && eal_args[i]; i++)
		free(eal_args[i]);
	free(eal_args);
	eal_args = NULL;
}

static int eal_start(const struct umbra_strlist *ua, struct umbra_err *err)
{
	static const cookie_io_functions_t log_io = {.write = eal_log_write};
	cpu_set_t cpus;
	char line[UMBRA_ERR_MAX / 2];
	size_t cap, n = 0, off = 0;
	int have_cpus, ret;

	if (eal_state == EAL_UP)
		return 0;
	if (eal_state == EAL_DOWN)
		return umbra_err_set(err, -EALREADY,
		                     "DPDK: the EAL cannot start twice in one "
		                     "process");
	eal_state = EAL_DOWN; /* until it is up: rte_eal_init runs once */
	if (eal_has_opt(ua, "-h") || eal_has_opt(ua, "--help"))
		return umbra_err_set(
		    err, -EINVAL,
		    "key 'dpdk_eal_args': -h/--help would make "
		    "the EAL print its usage and exit");
	have_cpus =
	    pthread_getaffinity_np(pthread_self(), sizeof cpus, &cpus) == 0;
	cap = ua->n + EAL_EXTRA_ARGS + 1;
	eal_args = calloc(2 * cap, sizeof *eal_args);
	if (!eal_args)
		return umbra_err_set(err, -ENOMEM, "DPDK: out of memory");
	eal_args[n++] = strdup("umbrad");
	for (size_t i = 0; i < ua->n; i++)
		eal_args[n++] = strdup(ua->items[i]);
	if (!eal_has_opt(ua, "-l") && !eal_has_opt(ua, "-c") &&
	    !eal_has_opt(ua, "--lcores")) {
		char cpu[16];

		snprintf(cpu, sizeof cpu, "%d",
		         have_cpus ? eal_first_cpu(&cpus) : 0);
		eal_args[n++] = strdup("-l");
		eal_args[n++] = strdup(cpu);
	}
	if (!eal_has_opt(ua, "--file-prefix") &&
	    !eal_has_opt(ua, "--no-shconf") &&
	    !eal_has_opt(ua, "--in-memory") &&
	    !eal_has_opt(ua, "--proc-type")) {
		char prefix[48];

		snprintf(prefix, sizeof prefix, "--file-prefix=umbra-%ld",
		         (long)getpid());
		/* --in-memory needs hugepages and the dynamic memory mode */
		eal_args[n++] = strdup(eal_has_opt(ua, "--no-huge") ||
		                               eal_has_opt(ua, "--legacy-mem")
		                           ? "--no-shconf"
		                           : "--in-memory");
		eal_args[n++] = strdup(prefix);
		eal_own_prefix = 1;
	}
	if (!eal_has_opt(ua, "--telemetry") &&
	    !eal_has_opt(ua, "--no-telemetry"))
		eal_args[n++] = strdup("--no-telemetry");
	for (size_t i = 0; i < n; i++) {
		if (!eal_args[i]) {
			eal_free_argv();
			return umbra_err_set(err, -ENOMEM,
			                     "DPDK: out of memory");
		}
		ret = snprintf(line + off, sizeof line - off, "%s%s",
		               i ? " " : "", eal_args[i]);
		if (ret > 0 && (size_t)ret < sizeof line - off)
			off += (size_t)ret;
	}

	if (!eal_log)
		eal_log = fopencookie(NULL, "w", log_io);
	if (eal_log)
		rte_openlog_stream(eal_log);
	log_info("%s: starting the EAL: %s", rte_version(), line);
	memcpy(eal_args + cap, eal_args, n * sizeof *eal_args);
	ret = rte_eal_init((int)n, eal_args + cap);
	if (have_cpus)
		pthread_setaffinity_np(pthread_self(), sizeof cpus, &cpus);
	if (ret < 0) {
		int e = rte_errno ? rte_errno : EINVAL;

		return umbra_err_set(err, -e,
		                     "DPDK: the EAL did not start (%s%s); its "
		                     "arguments were: %s",
		                     rte_strerror(e),
		                     e == EACCES || e == EPERM
		                         ? ": not enough privileges"
		                         : ", see the dpdk: lines above",
		                     line);
	}
	eal_state = EAL_UP;
	if (eal_own_prefix)
		snprintf(eal_own_dir, sizeof eal_own_dir, "%s",
		         rte_eal_get_runtime_dir());
	return 0;
}

int dpdk_eal_acquire(const struct umbra_strlist *args, struct umbra_err *err)
{
	int ret = eal_start(args, err);

	if (ret == 0)
		eal_users++;
	return ret;
}

void dpdk_eal_release(void)
{
	if (eal_state != EAL_UP || eal_users == 0 || --eal_users > 0)
		return;
	rte_eal_cleanup();
	eal_state = EAL_DOWN;
	eal_free_argv();
	if (eal_own_dir[0]) /* empty by now: leave nothing behind */
		rmdir(eal_own_dir);
}
