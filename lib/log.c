/* log.c: the logger (see log.h).
 *
 * A line is formatted outside the lock, then written under log_mu with one
 * write(2) (stderr, file) or one syslog(3) call.  The mutex is what makes a
 * target switch safe: a writer never sees a closed descriptor, and a line
 * goes either to the old target or to the new one, whole.  Logging is rare
 * (never per packet), so the lock is never contended for long. */
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "config.h"

_Atomic int umbra_log_threshold = UMBRA_LOG_INFO;

static char log_prog[32] = "umbra"; /* also the syslog ident: kept alive */

static const char *const level_names[] = {"error", "warn", "info", "debug"};
static const int syslog_prio[] = {LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG};

/* The target, under log_mu. */
static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;
static int log_target = UMBRA_LOG_TO_STDERR;
static int log_fd = -1;     /* UMBRA_LOG_TO_FILE */
static char *log_path;      /* UMBRA_LOG_TO_FILE: the path it was opened by */
static int log_syslog_open; /* openlog() done */

void umbra_log_init(const char *progname, enum umbra_log_level level)
{
	snprintf(log_prog, sizeof log_prog, "%s", progname);
	atomic_store(&umbra_log_threshold, (int)level);
}

void umbra_log_set_level(enum umbra_log_level level)
{
	atomic_store(&umbra_log_threshold, (int)level);
}

enum umbra_log_level umbra_log_get_level(void)
{
	return (enum umbra_log_level)atomic_load(&umbra_log_threshold);
}

int umbra_log_level_parse(const char *name, enum umbra_log_level *out)
{
	for (size_t i = 0; i < sizeof level_names / sizeof level_names[0];
	     i++) {
		if (strcmp(name, level_names[i]) == 0) {
			*out = (enum umbra_log_level)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *umbra_log_level_name(enum umbra_log_level level)
{
	if ((unsigned)level < sizeof level_names / sizeof level_names[0])
		return level_names[level];
	return "?";
}

static int open_file(const char *path, struct umbra_err *err)
{
	int fd;

	if (!path || !*path)
		return umbra_err_set(err, -EINVAL,
		                     "log_target file: log_file is empty");
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY,
	          0640);
	if (fd < 0)
		return umbra_err_set(err, -errno,
		                     "log_file %s: cannot open: %s", path,
		                     strerror(errno));
	return fd;
}

/* Close what the current target holds; log_mu held. */
static void close_target(void)
{
	if (log_fd >= 0)
		close(log_fd);
	log_fd = -1;
	free(log_path);
	log_path = NULL;
	if (log_syslog_open)
		closelog();
	log_syslog_open = 0;
	log_target = UMBRA_LOG_TO_STDERR;
}

int umbra_log_open(int target, const char *path, struct umbra_err *err)
{
	struct stat st;
	char *copy = NULL;
	int fd = -1;

	switch (target) {
	case UMBRA_LOG_TO_STDERR:
		break;
	case UMBRA_LOG_TO_SYSLOG:
		/* glibc's syslog() drops lines silently without a listener:
		 * say so now rather than lose every line */
		if (stat(_PATH_LOG, &st) != 0)
			return umbra_err_set(err, -errno,
			                     "log_target syslog: %s: %s (no "
			                     "syslog daemon or journald here)",
			                     _PATH_LOG, strerror(errno));
		break;
	case UMBRA_LOG_TO_FILE:
		if ((fd = open_file(path, err)) < 0)
			return fd;
		if (!(copy = strdup(path))) {
			close(fd);
			return umbra_err_set(err, -ENOMEM, "out of memory");
		}
		break;
	default:
		return umbra_err_set(err, -EINVAL, "log_target %d: unknown",
		                     target);
	}
	pthread_mutex_lock(&log_mu);
	close_target();
	log_target = target;
	log_fd = fd;
	log_path = copy;
	if (target == UMBRA_LOG_TO_SYSLOG) {
		openlog(log_prog, LOG_PID | LOG_NDELAY, LOG_DAEMON);
		log_syslog_open = 1;
	}
	pthread_mutex_unlock(&log_mu);
	return 0;
}

int umbra_log_reopen(struct umbra_err *err)
{
	char *path = NULL;
	int fd, old;

	pthread_mutex_lock(&log_mu);
	if (log_target == UMBRA_LOG_TO_FILE)
		path = strdup(log_path);
	pthread_mutex_unlock(&log_mu);
	if (!path)
		return 0;
	/* open outside the lock: other threads keep logging to the old file */
	fd = open_file(path, err);
	free(path);
	if (fd < 0)
		return fd;
	pthread_mutex_lock(&log_mu);
	if (log_target == UMBRA_LOG_TO_FILE) {
		old = log_fd;
		log_fd = fd;
		fd = old;
	}
	pthread_mutex_unlock(&log_mu);
	close(fd);
	return 0;
}

void umbra_log_close(void)
{
	pthread_mutex_lock(&log_mu);
	close_target();
	pthread_mutex_unlock(&log_mu);
}

/* Write all of buf to fd (a short write to a pipe or a full disk). */
static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t w = write(fd, buf, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

void umbra_log(enum umbra_log_level level, const char *fmt, ...)
{
	char line[1024];
	struct timespec now;
	struct tm tm;
	size_t off, msg;
	va_list ap;
	int n;

	if ((int)level > atomic_load(&umbra_log_threshold))
		return;
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	off = strftime(line, sizeof line, "%Y-%m-%dT%H:%M:%S", &tm);
	n = snprintf(line + off, sizeof line - off,
	             ".%03ldZ %s[%d] %s: ", now.tv_nsec / 1000000L, log_prog,
	             (int)getpid(), umbra_log_level_name(level));
	if (n > 0)
		off += (size_t)n;
	msg = off;
	va_start(ap, fmt);
	n = vsnprintf(line + off, sizeof line - off - 1, fmt, ap);
	va_end(ap);
	if (n > 0)
		off += (size_t)n < sizeof line - off - 1
		           ? (size_t)n
		           : sizeof line - off - 2;
	line[off] = '\0';

	pthread_mutex_lock(&log_mu);
	switch (log_target) {
	case UMBRA_LOG_TO_SYSLOG:
		syslog(syslog_prio[(unsigned)level & 3], "%s", line + msg);
		break;
	case UMBRA_LOG_TO_FILE:
		line[off] = '\n';
		if (write_all(log_fd, line, off + 1) == 0)
			break;
		/* a full disk: the line is not lost while stderr works */
		/* fall through */
	default:
		line[off] = '\n';
		(void)write_all(STDERR_FILENO, line, off + 1);
		break;
	}
	pthread_mutex_unlock(&log_mu);
}
