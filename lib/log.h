/* log.h: the one logger of libumbra and its programs.
 *
 * Levels filter before any formatting happens, so a disabled debug line costs
 * one compare.  Every line is one event.  Three targets (log_target):
 *
 *   stderr  "<UTC time> umbrad[pid] <level>: msg" (the journal under systemd)
 *   syslog  openlog(progname, LOG_PID, LOG_DAEMON); error, warn, info and
 *           debug become LOG_ERR, LOG_WARNING, LOG_INFO and LOG_DEBUG
 *   file    the stderr line, appended to a file (O_APPEND, one write(2)
 *           per line: nothing is held in a buffer); umbra_log_reopen()
 *           opens the path anew, so logrotate can move the file away
 *
 * Thread safety: umbra_log() may be called from any thread; a mutex orders
 * the lines and a target change, so no line is torn or lost in a switch.
 * The level is an atomic.  Never call it on the per-packet path.
 */
#ifndef UMBRA_LOG_H
#define UMBRA_LOG_H

#include <stdarg.h>
#include <stdatomic.h>

#include "errbuf.h"

enum umbra_log_level {
	UMBRA_LOG_ERROR = 0,
	UMBRA_LOG_WARN = 1,
	UMBRA_LOG_INFO = 2,
	UMBRA_LOG_DEBUG = 3,
};

/* Set the program name shown in each line (and the syslog ident) and the
 * level; the target is stderr.  Call from main() before any thread starts. */
void umbra_log_init(const char *progname, enum umbra_log_level level);

/* Any thread. */
void umbra_log_set_level(enum umbra_log_level level);
enum umbra_log_level umbra_log_get_level(void);

/* Switch the target: target is an enum umbra_log_target of config.h
 * (UMBRA_LOG_TO_STDERR, _SYSLOG, _FILE); path is the file for _FILE (created
 * mode 0640 if missing).  The new target is opened before the old one is
 * closed: on failure (a file that cannot be opened, syslog without
 * /dev/log) the old target stays and *err says why.  Returns 0 or a
 * negative errno.  Any thread. */
int umbra_log_open(int target, const char *path, struct umbra_err *err);

/* Target file: open the path again and write there from now on (after
 * logrotate renamed the file, this creates the new one).  On failure the
 * old file stays in use.  Other targets: nothing to do.  0 or -errno. */
int umbra_log_reopen(struct umbra_err *err);

/* Close the file or syslog and go back to stderr.  main(), at exit. */
void umbra_log_close(void);

/* Parse "error", "warn", "info", "debug"; returns 0 or -EINVAL. */
int umbra_log_level_parse(const char *name, enum umbra_log_level *out);
const char *umbra_log_level_name(enum umbra_log_level level);

void umbra_log(enum umbra_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

extern _Atomic int umbra_log_threshold;

#define UMBRA_LOG_AT(lvl, ...)                                                 \
	do {                                                                   \
		if ((int)(lvl) <= atomic_load_explicit(&umbra_log_threshold,   \
		                                       memory_order_relaxed))  \
			umbra_log((lvl), __VA_ARGS__);                         \
	} while (0)
#define log_error(...) UMBRA_LOG_AT(UMBRA_LOG_ERROR, __VA_ARGS__)
#define log_warn(...)  UMBRA_LOG_AT(UMBRA_LOG_WARN, __VA_ARGS__)
#define log_info(...)  UMBRA_LOG_AT(UMBRA_LOG_INFO, __VA_ARGS__)
#define log_debug(...) UMBRA_LOG_AT(UMBRA_LOG_DEBUG, __VA_ARGS__)

#endif
